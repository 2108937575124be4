"""Views in a closed tab are not drawn on a page's first view (Plotly draws every chart before it shows one),
yet the page's zip of figures still holds them."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from ganplify_core import jobs
from ganplify_core.plotstyle import TRACE_TYPES

# page, charts drawn on first view (the first tab of each tab set open), figures in the page's zip
FIRST_VIEWS = [
    ("views/home.py", 2, 4),                # teaser + jet images; point clouds and observables wait
    ("views/birthday_paradox.py", 4, 6),    # the example showers and the most similar pairs wait
    ("views/vae_latent.py", 6, 8),          # prior samples and reconstructions wait
    ("views/feature_ranking.py", 4, 9),     # permutation, SHAP (3) and exact Shapley values wait
    ("views/autoencoder_roc.py", 5, 6),     # example jets and their reconstructions wait
    ("views/clustering.py", 5, 10),         # maps, Mapper and persistent homology (sections 4-6) wait
]


@pytest.mark.parametrize("page, drawn, in_zip", FIRST_VIEWS, ids=[p for p, _, _ in FIRST_VIEWS])
def test_closed_tabs_draw_nothing_but_their_figures_are_in_the_zip(app_path, tmp_cache, page, drawn, in_zip):
    at = AppTest.from_file(app_path(page), default_timeout=240).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == drawn
    [label] = [b.proto.label for b in at.get("download_button") if "zip" in b.proto.label]
    assert int(re.search(r"(\d+) figures", label).group(1)) == in_zip, label
    assert not jobs.active(), "a first view of shipped results starts nothing"
    assert not at.dataframe, "small tables are HTML tables (a dataframe's grid costs a first view 0.3 s more)"
    drawn_types = {trace.type for _, fig in at.session_state["_page_figures"] for trace in fig.data}
    assert drawn_types <= set(TRACE_TYPES), "the shared template styles every trace type drawn"


# page, its tab setting, a value other than the first, that tab's label
LINKED_TABS = [
    ("views/vae_latent.py", "view", "samples", "Prior samples and reconstructions"),
    ("views/birthday_paradox.py", "view", "pairs", "Most similar pairs"),
    ("views/feature_ranking.py", "view", "exact", "Exact Shapley values"),
    ("views/autoencoder_roc.py", "view", "jets", "Example jets and their reconstructions"),
    ("views/clustering.py", "section", "mapper", "5 · Mapper"),
]


@pytest.mark.parametrize("page, name, value, label", LINKED_TABS, ids=[p for p, _, _, _ in LINKED_TABS])
def test_a_link_opens_the_tab_it_names(app_path, tmp_cache, page, name, value, label):
    at = AppTest.from_file(app_path(page), default_timeout=240)
    at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    stem = page.removeprefix("views/").removesuffix(".py")
    assert at.session_state[f"_tabs.{stem}.{name}"] == label, "the link's tab is the open one"
    assert at.query_params[name] == value, "and stays in the link"
    [zipped] = [b.proto.label for b in at.get("download_button") if "zip" in b.proto.label]
    in_zip = {p: n for p, _, n in FIRST_VIEWS}[page]
    assert int(re.search(r"(\d+) figures", zipped).group(1)) == in_zip, "the same figures, another one drawn"
