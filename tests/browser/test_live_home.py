"""The home page's jets in a live session: press, wait, touch a plot option, rerun, open the link elsewhere; then
download the jets shown and upload them back as JetNet arrays."""

from __future__ import annotations

from harness import (
    assert_no_exception,
    choose,
    choose_tab,
    computations,
    metric_values,
    open_link,
    press,
    rerun,
    screenshot,
    wait_for_no_job,
    wait_for_text,
)

from ganplify_core import experiments
from ganplify_core.jets.experiment import OVERVIEW, JetOverviewConfig

# About 8 s on the idle 2-core machine: more than the page starts without a press.
LINK = "?jets_per_class=10000&seed=11"


def _mean_masses(values: list[str]) -> list[float]:
    return [float(v.split()[0]) for v in values]


def test_generate_rerun_and_shared_link(server, tmp_path):
    assert OVERVIEW.estimate_seconds(JetOverviewConfig(n=10000, seed=11)) > experiments.QUICK_SECONDS
    page = open_link(server, LINK, "have not been generated yet", "before the press")
    assert not any("compute jet-overview" in line for line in computations(server)), "a link alone starts nothing"

    press(page, "Generate jets")
    wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    assert_no_exception(page, "after generating")
    numbers = metric_values(page)
    assert len(numbers) == 3 and all("GeV" in n for n in numbers), numbers

    choose(page, "Example jets", "jets 4")  # a plot-only widget
    wait_for_text(page, "QCD jet 4")
    assert_no_exception(page, "after a plot option")
    rerun(page)
    assert_no_exception(page, "after Rerun")
    assert metric_values(page) == numbers
    # a tab draws its chart only once chosen (one rerun; the jets are not generated again)
    choose_tab(page, "Observables", "t.type === 'histogram'")
    assert_no_exception(page, "after choosing the Observables tab")
    assert metric_values(page) == numbers
    # the terminal line is drawn when its expander is opened
    page.get_by_text("Reproduce in a terminal").first.click()
    page.locator("[data-testid='stCode']").filter(has_text="python -m ganplify_core jets").first.wait_for(
        state="visible", timeout=60_000)
    assert "--n 10000 --seed 11" in page.locator("[data-testid='stCode']").first.inner_text()
    assert_no_exception(page, "after opening the terminal line")
    screenshot(page, "live-home")

    # the download of the jets shown (at most 20 000: 6 666 per class), uploaded back in JetNet's layout
    choose(page, "File format", "JetNet")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download these jets").first.click()
    path = tmp_path / "jets-toy.npz"
    download.value.save_as(path)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 6",
                           timeout=120_000)
    wait_for_no_job(page)
    assert_no_exception(page, "after the upload")
    again = metric_values(page)
    assert len(again) == 6 and again[:3] == numbers, again
    for shown, read_back in zip(_mean_masses(numbers), _mean_masses(again[3:])):
        assert abs(read_back - shown) < 0.05 * shown, (numbers, again)  # the first 6 666 of the same 10 000 jets
    screenshot(page, "live-home-upload")

    fresh = open_link(server, LINK, "What to notice", "shared link")  # the same link in another browser: read from the cache, not generated again
    assert metric_values(fresh) == numbers
    assert sum("compute jet-overview" in line for line in computations(server)) == 1
    page.context.close()
    fresh.context.close()
