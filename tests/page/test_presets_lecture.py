"""Page tests: every page's presets set its widgets and its link; lecture mode (``lecture=1``) on every page."""

from __future__ import annotations

import json

import pytest
from app_pages import PAGE_FILES
from streamlit.testing.v1 import AppTest

from ganplify_core import cli, experiments, ui

TIMEOUT = 180


def _preset_buttons(at: AppTest) -> list:
    return [b for b in at.button if str(b.key or "").startswith("preset.")]


@pytest.mark.parametrize("page", PAGE_FILES)
def test_lecture_mode_keeps_the_link_and_hides_clear_cache(app_path, page):
    at = AppTest.from_file(app_path(page), default_timeout=TIMEOUT)
    at.query_params["lecture"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert at.sidebar.toggle(key="_lecture_toggle").value is True
    assert not [b for b in at.sidebar.button if b.label == "Clear cache"]
    assert at.query_params["lecture"] == ["1"] or at.query_params["lecture"] == "1"
    # the projector's type sizes: a style block of its own (st.html: no Markdown HTML plug-in to load)
    assert [e.proto.body for e in at.get("html")] == [ui._LECTURE_CSS]
    at.sidebar.toggle(key="_lecture_toggle").set_value(False).run()
    assert "lecture" not in at.query_params
    assert not at.get("html")


@pytest.mark.parametrize("page", [p for p in PAGE_FILES if not p.endswith("home.py")])
def test_each_preset_sets_the_widgets_and_the_link(app_path, page):
    at = AppTest.from_file(app_path(page), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    buttons = _preset_buttons(at)
    assert len(buttons) >= 3, f"{page}: {len(buttons)} presets (the paper's setting, a demo, where it fails)"
    labels = [b.label for b in buttons]
    for label in labels:
        next(b for b in _preset_buttons(at) if b.label == label).click().run()
        assert not at.exception, (label, at.exception)
        assert "·" in label  # the measured (or estimated) time is in the label
    assert at.query_params  # the last preset's settings are in the link


def test_preset_label_prefers_the_measured_time(tmp_path, monkeypatch):
    cli.build_parser()
    experiment = next(e for e in experiments.REGISTRY.values() if e.presets)
    preset = experiment.presets[0]
    times = tmp_path / "preset_times.json"
    times.write_text(json.dumps({experiment.name: {preset.key: 42.0}}))
    monkeypatch.setattr(ui, "PRESET_TIMES", times)
    assert ui.preset_label(experiment, preset) == f"{preset.label} · 42 s"
    times.write_text("{}")
    monkeypatch.setattr(experiments, "shipped_manifest", lambda: {experiments.shipped_path(experiment, preset.config).name:
                                                                  {"seconds": 7.0}})
    assert ui.preset_label(experiment, preset) == f"{preset.label} · 7 s"  # the time make assets measured
    monkeypatch.setattr(experiments, "shipped_manifest", dict)
    assert ui.preset_label(experiment, preset).startswith(f"{preset.label} · ≈ ")  # not measured: the estimate


def test_clustering_on_a_projector_lays_its_comparison_two_a_row_and_its_scores_four_a_row(app_path):
    """At projector size four comparison panels a row cut each other's titles, and seven score columns broke
    "silhouette" inside the word."""
    panels_per_row, score_columns = {}, {}
    for lecture in ("0", "1"):
        at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
        at.query_params["lecture"] = lecture
        at.run()
        assert not at.exception, at.exception
        [grid] = [json.loads(e.proto.spec)["layout"] for e in at.get("plotly_chart")
                  if "xaxis8" in json.loads(e.proto.spec)["layout"]]  # the eight algorithms' panels
        top_row = grid["yaxis"]["domain"]
        panels_per_row[lecture] = sum(grid[f"yaxis{i}"]["domain"] == top_row for i in ("", *range(2, 9)))
        [silhouette_column] = [c for c in at.columns if any(m.label == "silhouette ↑" for m in c.metric)]
        score_columns[lecture] = round(1 / silhouette_column.proto.weight)  # columns in its row
        assert [a["font"]["size"] for a in grid["annotations"]] == [18 if lecture == "1" else 12] * 8
    assert panels_per_row == {"0": 4, "1": 2} and score_columns == {"0": 7, "1": 4}


def test_clustering_maps_form_gives_the_large_data_choice_half_the_width_on_a_projector(app_path):
    """In a third of the form the choice's label was cut at projector size ("reproducible (seeded, one thre…")."""
    columns_in_row = {}
    for lecture in ("0", "1"):
        at = AppTest.from_file(app_path("views/clustering.py"), default_timeout=TIMEOUT)
        at.query_params["lecture"] = lecture
        at.query_params["section"] = "maps"
        at.run()
        assert not at.exception, at.exception
        [column] = [c for c in at.columns if any(s.label == "t-SNE and UMAP on large data" for s in c.selectbox)]
        columns_in_row[lecture] = round(1 / column.proto.weight)
    assert columns_in_row == {"0": 3, "1": 2}


def _chart_titles_script():
    import plotly.graph_objects as go
    import streamlit as st

    from ganplify_core import ui

    title = "A title of sixty-odd characters, long enough to wrap in a column"

    def figure():
        return go.Figure(go.Scatter(x=[0, 1], y=[0, 1]), layout=dict(title_text=title))

    ui.chart(figure(), key="full")
    left, _ = st.columns(2)
    ui.chart(figure(), key="passed", container=left)
    with left:
        ui.chart(figure(), key="within")
    tab, _ = st.tabs(["one", "two"])
    ui.chart(figure(), key="tab", container=tab)


def test_lecture_mode_breaks_a_chart_title_at_the_width_the_chart_is_drawn():
    """A title across the page kept to half its width took three lines where one held it."""
    at = AppTest.from_function(_chart_titles_script, default_timeout=TIMEOUT)
    at.query_params["lecture"] = "1"
    at.run()
    assert not at.exception, at.exception
    titles = [json.loads(e.proto.spec)["layout"]["title"]["text"] for e in at.get("plotly_chart")]
    full, passed, within, tab = titles
    assert "<br>" not in full and "<br>" not in tab  # across the page (a tab is too)
    assert "<br>" in passed and "<br>" in within  # in a column: handed over, or the column of a `with` block


def test_home_gives_its_generate_button_room_on_a_projector(app_path):
    """A sixth of the row cut the button's label at projector size ("Generat…")."""
    share = {}
    for lecture in ("0", "1"):
        at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
        at.query_params["lecture"] = lecture
        at.run()
        assert not at.exception, at.exception
        [column] = [c for c in at.columns if any(b.key == "home.generate" for b in c.button)]
        share[lecture] = round(column.proto.weight, 3)
    assert share == {"0": round(1 / 6, 3), "1": round(2 / 7, 3)}
