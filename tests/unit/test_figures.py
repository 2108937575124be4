"""Figures for slides: the projector style, the camera button's format, the zip of figures and data."""

from __future__ import annotations

import io
import shutil
import zipfile

import pandas as pd
import plotly.graph_objects as go
import pytest

from ganplify_core import ui


def _figure() -> go.Figure:
    fig = go.Figure(go.Scatter(x=[1, 10, 100], y=[3, 2, 1], mode="lines+markers", marker=dict(size=6)))
    fig.update_layout(title="Rejection vs efficiency", xaxis_type="log")
    return fig


def test_projector_style_enlarges_and_drops_minor_log_labels():
    fig = _figure()
    styled = ui.projector_style(fig)
    assert styled.layout.font.size == 20 and styled.data[0].line.width == 4
    assert styled.data[0].marker.size == pytest.approx(9.6)
    assert styled.layout.xaxis.dtick == 1  # one label per decade on a log axis
    assert styled.layout.yaxis.dtick is None  # a linear axis keeps its ticks
    assert fig.data[0].line.width is None  # the page's own figure is not changed


def test_the_shared_template_is_plotly_white_for_the_trace_types_drawn():
    import plotly.io as pio

    from ganplify_core.plotstyle import TEMPLATE, TRACE_TYPES, styled

    white, ours = (pio.templates[name].to_plotly_json() for name in ("plotly_white", TEMPLATE))
    assert set(ours["data"]) == set(white["data"]) & set(TRACE_TYPES)
    assert all(ours["data"][kind] == white["data"][kind] for kind in ours["data"])
    assert ours["layout"] == {k: v for k, v in white["layout"].items() if k not in ("geo", "polar", "ternary")}
    assert styled(_figure()).layout.template.layout.plot_bgcolor == "white"


def test_a_chart_in_lecture_mode_is_restyled_in_place(monkeypatch):
    monkeypatch.setattr(ui, "lecture_mode", lambda: True)
    monkeypatch.setattr(ui.st, "session_state", {})
    fig = _figure()
    ui.chart(fig, draw=False)
    [(name, collected)] = ui.st.session_state[ui._FIGURES_KEY]
    assert collected is fig and fig.data[0].marker.size == pytest.approx(9.6) and name == "rejection-vs-efficiency"


def test_figures_zip_holds_html_json_and_safe_csv():
    data = ui.figures_zip([("roc", _figure()), ("roc", _figure())],
                          {"scores.csv": pd.DataFrame({"label": ["=cmd", "ok"], "score": [0.1, 0.2]})}, images=False)
    names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert {"figures/roc.html", "figures/roc.json", "figures/roc-2.html", "data/scores.csv", "README.txt"} <= names
    csv = zipfile.ZipFile(io.BytesIO(data)).read("data/scores.csv").decode()
    assert "'=cmd" in csv


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="kaleido needs Chromium")
def test_figures_zip_draws_svg_png_and_pdf_with_kaleido():
    archive = zipfile.ZipFile(io.BytesIO(ui.figures_zip([("roc", _figure())], {})))
    assert archive.read("figures/roc.svg").lstrip().startswith(b"<svg")
    assert archive.read("figures/roc.png").startswith(b"\x89PNG")
    assert archive.read("figures/roc.pdf").startswith(b"%PDF")


def test_projector_style_wraps_a_long_title_and_keeps_the_plot_height():
    fig = _figure()
    fig.update_layout(title="What the autoencoder learned, and its reconstruction error", height=560,
                      margin=dict(t=100, b=50))
    styled = ui.projector_style(fig)
    assert styled.layout.title.text == "What the autoencoder learned, and its<br>reconstruction error"
    grown = styled.layout.height - 560
    assert grown > 0 and styled.layout.margin.t - 100 == grown  # the room goes to the title, not from the plot
    assert styled.layout.title.pad.t > 0  # Plotly anchors a title by its first line: push the block down
    fig.update_yaxes(title="true positive rate ε_S (signal passing the cut)")
    assert "<br>" in ui.projector_style(fig).layout.yaxis.title.text  # cut off at both ends in a half-width chart


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="kaleido needs Chromium")
def test_projector_style_keeps_title_and_legend_clear_in_a_narrow_chart():
    """Drawn by kaleido at the width of a page's side column: no title line above the figure, and a legend
    under the plot starts below the (larger) x-axis title (the birthday page's first chart cut and covered both)."""
    import re

    from ganplify_core.birthday import plots

    fig = ui.projector_style(plots.textbook_curves())
    svg = fig.to_image(format="svg", width=366, height=fig.layout.height).decode()
    title_y, title_size = (float(v) for v in re.search(r'class="gtitle" x="[^"]*" y="([^"]+)".*?font-size: (\d+)px',
                                                         svg).groups())
    assert title_y + 0.7 * title_size - title_size >= 0, "the title's first line is cut off at the top"
    legend_top = float(re.search(r'class="legend"[^>]*transform="translate\([^,]+,([^)]+)\)"', svg).group(1))
    xtitle_y, xtitle_size = (float(v) for v in re.search(r'class="xtitle" x="[^"]*" y="([^"]+)".*?font-size: (\d+)px',
                                                         svg).groups())
    assert legend_top >= xtitle_y + 0.25 * xtitle_size, "the legend covers the x-axis title"


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="kaleido needs Chromium")
@pytest.mark.parametrize("lecture", [False, True])
def test_a_legend_never_covers_the_panel_titles(lecture):
    """Panels with titles (make_subplots) and the shared style's legend above the plot: drawn by kaleido at the
    width of a half page, the legend sits below the x-axis title instead (the VAE's D(β) | dim(Q) figure)."""
    import re

    from plotly.subplots import make_subplots

    from ganplify_core.plotstyle import styled

    fig = make_subplots(rows=1, cols=2, subplot_titles=("VAE: D(β) = −dKL / d ln β", "Data: dim(Q)"))
    for col, name in ((1, "D(β) from KL"), (1, "2 d⟨dist²⟩/dβ²"), (2, "dim(Q) ± bootstrap")):
        fig.add_scatter(x=[0.01, 0.1, 1], y=[2, 2, 1], name=name, row=1, col=col)
    fig.update_xaxes(type="log", title="β [ambient units]")
    fig = ui.legend_clear_of_panel_titles(styled(fig, None, height=400))
    if lecture:
        fig = ui.projector_style(fig)
    svg = fig.to_image(format="svg", width=560, height=fig.layout.height).decode()
    legend_top = float(re.search(r'class="legend"[^>]*transform="translate\([^,]+,([^)]+)\)"', svg).group(1))
    panel_title_y = max(float(y) for y in re.findall(r'class="annotation-text"[^>]*? y="([^"]+)"', svg))
    xtitle_y, xtitle_size = (float(v) for v in re.search(r'class="xtitle" x="[^"]*" y="([^"]+)".*?font-size: (\d+)px',
                                                         svg).groups())
    assert legend_top > panel_title_y and legend_top >= xtitle_y + 0.25 * xtitle_size


def test_table_cells_show_at_most_four_decimals_and_a_dash_for_none():
    import numpy as np

    from ganplify_core.ui import table_cell

    assert [table_cell(v) for v in (0.0123456, 1.5, 3.0, 12.25, np.float64(0.98765), float("nan"))] == [
        "0.0123", "1.5", "3", "12.25", "0.9877", "—"]
    assert table_cell(7) == 7 and table_cell("k-means") == "k-means"


def test_tables_line_numbers_written_as_text_up_on_the_right_with_the_numbers():
    """Streamlit right-aligns number columns and left-aligns text ones, so "37.7" or "18.2 ± 1.1" beside an AUC
    sat on the other side of its cell."""
    import re

    frame = pd.DataFrame({"tagger": ["autoencoder", "jet mass"], "AUC": [0.9156, 0.9211],
                          "1/ε_B": ["37.7", "> 500"], "s* [95 %]": ["92 [87–98]", None], "flag": [True, False]})
    drawn = []
    ui.table(frame, container=type("Container", (), {"table": lambda self, styler, **_: drawn.append(styler)})())
    html = drawn[0].to_html()
    right = set(re.findall(r"#T_\w+_row0_col(\d)", html.split("text-align: right !important")[0]))
    assert right == {"1", "2", "3"}  # AUC, 1/ε_B and s*; not the tagger's names nor the flags


def _legend_and_axis_title(svg: str) -> tuple[float, float, float]:
    """From a kaleido SVG: the legend's top, the x-axis title's last baseline and the title's font size (pixels)."""
    import re

    legend_top = float(re.search(r'class="legend"[^>]*transform="translate\([^,]+,([^)]+)\)"', svg).group(1))
    title = re.search(r'<text class="xtitle" x="[^"]*" y="([^"]+)"[^>]*?font-size: (\d+)px.*?</text>', svg)
    size = float(title.group(2))
    last_line = max(float(dy) for dy in re.findall(r'dy="([\d.]+)em"', title.group(0)))  # each line's dy from y
    return legend_top, float(title.group(1)) + last_line * size, size


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="kaleido needs Chromium")
@pytest.mark.parametrize("log_fpr", [False, True])
def test_the_roc_legend_stays_under_its_axis_title_in_lecture_mode(log_fpr):
    """The autoencoder page's ROC in a half-width column on a projector: its seven-entry legend under the plot
    started on the third line of the wrapped x-axis title (seen at 1440 px)."""
    import numpy as np

    from ganplify_core.anomaly import plots, roc

    fpr = np.linspace(0, 1, 50)
    curves = {name: roc.RocCurve(fpr, fpr ** power, 0.5) for name, power in
              (("autoencoder", 0.2), ("decorrelated", 0.5), ("mass", 0.3), ("tau32", 0.4), ("supervised", 0.1))}
    point = roc.WorkingPoint(cut=1.0, tpr=0.19, fpr=0.014, rejection=70.0)
    fig = ui.projector_style(plots.roc_figure(curves, point, log_fpr=log_fpr, title="ROC: finding top jets",
                                              rejections={"autoencoder": {"0.3": 37.7, "0.5": 18.2}}))
    svg = fig.to_image(format="svg", width=530, height=fig.layout.height).decode()
    legend_top, title_bottom, size = _legend_and_axis_title(svg)
    assert legend_top >= title_bottom + 0.25 * size, "the legend covers the x-axis title"


def test_projector_style_enlarges_panel_titles_and_fits_them_to_their_panels():
    """Plotly's layout font does not reach an annotation with a size of its own: the comparison grid's and the
    maps' panel titles stayed 12 px on a projector."""
    from plotly.subplots import make_subplots

    from ganplify_core.plotstyle import styled

    titles = ("PCA: 0.0 s, trustworthiness 0.912", "UMAP (fitted on 10,000): 12.3 s, trustworthiness 0.987",
              "t-SNE: 8.1 s, trustworthiness 0.990")
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles)
    for col in (1, 2, 3):
        fig.add_scatter(x=[0, 1], y=[0, 1], row=1, col=col)
    fig.update_annotations(font_size=12)
    fig = styled(fig, None, 440)
    fig.update_layout(margin=dict(t=50))
    lecture = ui.projector_style(fig)
    assert [a.font.size for a in lecture.layout.annotations] == [18, 18, 18]
    panel_characters = (lecture.layout.xaxis.domain[1] - lecture.layout.xaxis.domain[0]) * 90 * 20 / 18
    lines = [line for a in lecture.layout.annotations for line in a.text.split("<br>")]
    assert max(len(line) for line in lines) <= panel_characters < len(titles[1])  # the long title is broken
    assert lecture.layout.margin.t - 50 == lecture.layout.height - 440 > 0  # room above, the plots keep their height
    assert [a.font.size for a in fig.layout.annotations] == [12, 12, 12]  # the page's own figure is not changed


def test_projector_style_keeps_each_panel_title_within_the_gap_above_its_panel():
    """The shower grid leaves about 45 px between rows for its 12 px panel titles: enlarged and broken over two
    lines there, they ran into the panels above (seen at 1440 px); each takes the largest size that fits."""
    import numpy as np

    from ganplify_core.calorimeter import plots

    fig = plots.shower_projections(np.random.default_rng(0).random((4, 8, 8, 6)),
                                   ["simulator, 100 GeV", "sim. held-out, 100 GeV", "GAN, 100 GeV", "templates, 100 GeV"])
    lecture = ui.projector_style(fig)
    plot = lecture.layout.height - lecture.layout.margin.t - lecture.layout.margin.b
    row_bottoms = sorted({axis.domain[0] for axis in lecture.select_yaxes()})
    below_top = [a for a in lecture.layout.annotations if a.y < 1]
    assert below_top
    for annotation in below_top:
        room = (min(b for b in row_bottoms if b > annotation.y + 1e-6) - annotation.y) * plot
        assert (annotation.text.count("<br>") + 1) * annotation.font.size * 1.3 + 4 <= room, annotation.text
        assert annotation.font.size >= 12
    assert min(a.font.size for a in lecture.layout.annotations if a.y >= 1) > 12  # the top row has room to grow


def test_on_a_dark_theme_the_palettes_black_is_drawn_light_and_the_zip_keeps_it(monkeypatch):
    """The true density, the supervised tagger's ROC, the total KL and p = ½ are the palette's black: on the dark
    theme they were all but invisible."""
    from ganplify_core.plotstyle import COLORS

    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], line=dict(color=COLORS["truth"]), name="true density"))
    fig.add_bar(x=[1], y=["a"], orientation="h", marker_color=COLORS["truth"])
    fig.add_scatter(x=[0, 1], y=[1, 0], line=dict(color=COLORS["gan"]), marker=dict(line=dict(color="black")))
    fig.add_hline(y=0.5, line=dict(color=COLORS["truth"], dash="dash"))
    dark = ui.for_dark_background(fig)
    assert dark.data[0].line.color == dark.data[1].marker.color == dark.layout.shapes[0].line.color == ui.ON_DARK
    assert dark.data[2].line.color == COLORS["gan"]  # the palette's colours stay
    assert fig.data[0].line.color == COLORS["truth"]  # a copy: the page's figure is not changed

    drawn = []
    monkeypatch.setattr(ui, "_dark_theme", lambda: True)
    monkeypatch.setattr(ui, "lecture_mode", lambda: False)
    monkeypatch.setattr(ui.st, "session_state", {})
    monkeypatch.setattr(ui.st, "plotly_chart", lambda figure, **kwargs: drawn.append(figure))
    ui.chart(fig)
    [(_, collected)] = ui.st.session_state[ui._FIGURES_KEY]
    assert drawn[0].data[0].line.color == ui.ON_DARK and collected.data[0].line.color == COLORS["truth"]


def test_projector_style_leaves_a_bands_undrawn_edge_undrawn():
    """A filled band's edge at width 0 got 4 px outlines on a projector (the quantile-MSE chart's 16–84 % bands)."""
    fig = _figure()
    fig.add_scatter(x=[1, 10, 10, 1], y=[1, 1, 2, 2], fill="toself", line=dict(width=0))
    styled = ui.projector_style(fig)
    assert styled.data[0].line.width == 4 and styled.data[1].line.width == 0
