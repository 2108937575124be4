"""Browser test: the real app in headless Chromium, every page, a chart and no exception."""

from __future__ import annotations

import pytest
from app_pages import PAGES
from harness import PAGE_TIMEOUT_MS, assert_no_exception, screenshot, wait_for_script


@pytest.mark.parametrize("page_file, url_path", PAGES, ids=[p[1] or "home" for p in PAGES])
def test_page_renders_a_chart_without_exception(browser_page, page_file, url_path):
    base, page = browser_page
    page.goto(f"{base}/{url_path}", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(page)
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=120_000)
    screenshot(page, url_path or "home")
    assert_no_exception(page, url_path or "home")
