"""The home page's jets in a live session: press, wait, touch a plot option, rerun, open the link elsewhere."""

from __future__ import annotations

from harness import (
    PAGE_TIMEOUT_MS,
    assert_no_exception,
    computations,
    metric_values,
    press,
    rerun,
    screenshot,
    wait_for_no_job,
    wait_for_script,
    wait_for_text,
)

from ganplify_core import experiments
from ganplify_core.jets.experiment import OVERVIEW, JetOverviewConfig

# About 10–20 s on the 2-core machine: more than the page starts without a press.
LINK = "?jets_per_class=5000&seed=11"


def pick_option(page, label: str, option: str) -> None:
    """Open the selectbox labelled ``label`` (its input, not its help icon), type ``option``, Enter; wait for the rerun."""
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).locator("input").first.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    wait_for_script(page)


def test_generate_rerun_and_shared_link(server):
    assert OVERVIEW.estimate_seconds(JetOverviewConfig(n=5000, seed=11)) > experiments.QUICK_SECONDS
    page = server.new_page()
    page.goto(f"{server.base}/{LINK}", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(page)
    wait_for_text(page, "have not been generated yet")
    assert_no_exception(page, "before the press")
    assert not any("compute jet-overview" in line for line in computations(server)), "a link alone starts nothing"

    press(page, "Generate jets")
    wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    assert_no_exception(page, "after generating")
    numbers = metric_values(page)
    assert len(numbers) == 3 and all("GeV" in n for n in numbers), numbers

    pick_option(page, "Example jets", "jets 4")  # a plot-only widget
    wait_for_text(page, "QCD jet 4")
    assert_no_exception(page, "after a plot option")
    rerun(page)
    assert_no_exception(page, "after Rerun")
    assert metric_values(page) == numbers
    screenshot(page, "live-home")

    fresh = server.new_page()  # the same link in another browser: read from the cache, not generated again
    fresh.goto(f"{server.base}/{LINK}", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(fresh)
    wait_for_text(fresh, "What to notice")
    assert_no_exception(fresh, "shared link")
    assert metric_values(fresh) == numbers
    assert sum("compute jet-overview" in line for line in computations(server)) == 1
    page.context.close()
    fresh.context.close()
