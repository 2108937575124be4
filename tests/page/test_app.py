"""Page tests for the app shell: navigation, home page, sidebar, settings in the URL."""

from __future__ import annotations

import pytest
from app_pages import PAGE_FILES
from streamlit.testing.v1 import AppTest

TIMEOUT = 120


def test_app_opens_on_home_with_a_figure(app_path):
    at = AppTest.from_file(app_path("app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.title[0].value == "GANplify Lab"
    assert at.get("plotly_chart")
    assert any("Compute device" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_runs_its_default_path(app_path, page):
    at = AppTest.from_file(app_path(page), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert at.sidebar.number_input(key="seed").value == 0


def test_stale_link_parameter_gives_a_notice(app_path):
    at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
    at.query_params["old_knob"] = "3"
    at.query_params["seed"] = "oops"
    at.run()
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "old\\_knob" in notices and "seed=oops" in notices  # Markdown-escaped: shown as typed
    assert at.sidebar.number_input(key="seed").value == 0


def test_seed_from_link_is_used_and_mirrored(app_path):
    at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
    at.query_params["seed"] = "42"
    at.run()
    assert at.sidebar.number_input(key="seed").value == 42
    at.sidebar.number_input(key="seed").set_value(7).run()
    assert at.query_params["seed"] == "7"


def test_home_links_to_every_page(app_path):
    from app_pages import PAGES

    at = AppTest.from_file(app_path("app.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    links = [element.proto for element in at.get("page_link")]
    assert sorted(link.page for link in links) == sorted(path for _, path in PAGES if path)
    assert all(link.label for link in links)
