"""Browser test: every page, opened cold by a link, shows its answer (a chart with data) with nothing pressed.

The server starts on an empty cache, so what each page shows on first view comes from the shipped results
(``assets/shipped``, ``make assets``) or from work quick enough to start without a press. Each page is opened
twice in a fresh browser context, plain and with ``lecture=1``; the time from the link to the first chart with
data is written to ``tests/artifacts/first-views.json`` (a record, not a check: speed is benchmarked, not timed
in tests) with a screenshot of each view.
"""

from __future__ import annotations

import json
import time

import pytest
from app_pages import PAGES
from harness import ARTIFACTS, PAGE_TIMEOUT_MS, assert_no_exception, screenshot, wait_for_script

PRESS_PROMPT = "have not been computed yet"  # ui.press_prompt's text
# A trace's array is a list, or (plotly.py 6) a typed array sent as {dtype, bdata}: either counts as data.
CHART_WITH_DATA = ("() => { const n = v => v ? (v.length || (v.bdata ? v.bdata.length : 0)) : 0;"
                   " return [...document.querySelectorAll('.js-plotly-plot')]"
                   ".some(p => p.data && p.data.some(t => n(t.x) || n(t.y) || n(t.z) || n(t.values) || n(t.r))); }")
TIMES: dict[str, float] = {}
# What a projector's larger type can push out of place: a chart's legend cut at the chart's bottom, scrolling, or
# over an x-axis title (boxes overlapping by more than the 6 px of a text box's own slack), and a table wider than
# its column (its last columns cut or scrolled away). Seen: the ROC's legend on its axis title, the autoencoder's
# mass table in a side column.
LAYOUT_PROBLEMS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(p => {
  const legend = p.querySelector('.legend');
  if (!legend || !legend.querySelector('.bg')) return [];
  const chart = p.querySelector('.main-svg').getBoundingClientRect();
  const box = legend.querySelector('.bg').getBoundingClientRect();
  const name = ((p.layout && p.layout.title && p.layout.title.text) || 'a chart without a title').replace(/<[^>]+>/g, ' ');
  const problems = [];
  const scrollbar = legend.querySelector('.scrollbar');
  if (scrollbar && scrollbar.getBoundingClientRect().height > 0) problems.push('its legend scrolls');
  if (box.bottom > chart.bottom + 1) problems.push('its legend is cut at the bottom');
  for (const title of p.querySelectorAll('.g-xtitle, .g-x2title')) {
    const t = title.getBoundingClientRect();
    if (t.height > 0 && box.top < t.bottom - 6 && box.bottom > t.top + 6 && box.left < t.right && box.right > t.left)
      problems.push('its legend covers an x-axis title');
  }
  return problems.map(problem => name.trim().slice(0, 50) + ': ' + problem);
}).concat([...document.querySelectorAll('[data-testid="stTable"]')].flatMap(box => {
  const table = box.querySelector('table');
  const header = table.querySelector('th') ? table.querySelector('th').textContent.trim() : '';
  return table.getBoundingClientRect().width > box.getBoundingClientRect().width + 1
    ? ['the table headed "' + header + '" is wider than its column'] : [];
}))"""


def _first_view(server, url_path: str, lecture: bool) -> float:
    page = server.new_page()
    try:
        query = "?lecture=1" if lecture else ""
        start = time.perf_counter()
        page.goto(f"{server.base}/{url_path}{query}", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(CHART_WITH_DATA, timeout=120_000)
        seconds = time.perf_counter() - start
        wait_for_script(page)
        name = (url_path or "home") + ("-lecture" if lecture else "")
        screenshot(page, f"first-view-{name}")
        assert_no_exception(page, name)
        prompts = page.get_by_text(PRESS_PROMPT)
        assert prompts.count() == 0, f"{name}: asks for a press on first view: {prompts.first.inner_text()}"
        if lecture:
            assert page.get_by_role("button", name="Clear cache").count() == 0, f"{name}: Clear cache in lecture mode"
            page.wait_for_timeout(1000)  # every chart drawn (the first with data was waited for)
            assert page.evaluate(LAYOUT_PROBLEMS) == [], name
        return seconds
    finally:
        page.context.close()


@pytest.mark.parametrize("page_file, url_path", PAGES, ids=[p[1] or "home" for p in PAGES])
def test_first_view_shows_the_answer(server, page_file, url_path):
    _first_view(server, url_path, lecture=False)  # a cold page: imports, shipped results read
    TIMES[url_path or "home"] = round(_first_view(server, url_path, lecture=False), 2)  # the same link again: warm
    TIMES[(url_path or "home") + "-lecture"] = round(_first_view(server, url_path, lecture=True), 2)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "first-views.json").write_text(json.dumps(TIMES, indent=1) + "\n")


def test_the_dark_theme_draws_no_black_line(server):
    """On the dark theme the palette's black (the true density, the supervised tagger's ROC, p = ½) was all but
    invisible: the GAN and autoencoder pages' first views draw no line or reference line in black there."""
    black = ("rgb(0, 0, 0)", "#000000")
    for url_path in ("gan_amplification", "autoencoder_roc"):
        page = server.new_page(color_scheme="dark")
        try:
            page.goto(f"{server.base}/{url_path}", timeout=PAGE_TIMEOUT_MS)
            page.wait_for_function(CHART_WITH_DATA, timeout=120_000)
            wait_for_script(page)
            assert_no_exception(page, f"{url_path} (dark)")
            strokes = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot .js-line, .js-plotly-plot "
                                    ".shapelayer path')].filter(path => parseFloat(path.style.strokeWidth) > 0)"
                                    ".map(path => path.style.stroke)")  # a band's edge is drawn at width 0
            assert strokes and not [s for s in strokes if s in black], url_path
        finally:
            page.context.close()
