"""Birthday paradox in a live session: press, wait, touch a plot option, rerun, open the link elsewhere.

The issue's report: after *Estimate the supports* the next widget touch or Rerun showed
``CacheReplayClosureError`` in ``birthday_result``. Here the job runs in the server's worker, and every
view of the result reads it from the runner's memory or the disk cache.
"""

from __future__ import annotations

from harness import (
    PAGE_TIMEOUT_MS,
    assert_no_exception,
    choose,
    choose_tab,
    computations,
    open_link,
    press,
    rerun,
    screenshot,
    wait_for_no_job,
    wait_for_script,
    wait_for_text,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from ganplify_core import experiments
from ganplify_core.birthday.experiment import BIRTHDAY, BirthdayConfig

# Estimated above 5 s (so the link alone does not start it) and about 10–30 s on two cores.
CONFIG = BirthdayConfig(sources=("sim", "gan"), features="shapes", pool_size=2000, replications=2000, seed=4)
LINK = "birthday_paradox?sources=sim,gan&features=shapes&pool=2000&replications=2000&energy=100%20GeV&seed=4"


def _comparison(page, who: str = "3D GAN") -> str:
    """The paragraph that compares a generator with the simulator by their relative duplicate rate."""
    return page.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer'] p",
                        has_text=f"{who} vs toy simulator").first.inner_text()


def _birthday_runs(server) -> int:
    return sum(line.endswith("compute birthday") for line in computations(server))


def test_estimate_rerun_and_shared_link(server, tmp_path):
    assert BIRTHDAY.estimate_seconds(CONFIG) > experiments.QUICK_SECONDS
    page = server.new_page()
    page.goto(f"{server.base}/{LINK}", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(page)
    wait_for_text(page, "Quick look")  # the small version, estimated under 5 s, runs at once
    wait_for_text(page, "have not been computed yet")
    assert_no_exception(page, "before the press")
    quick_runs = _birthday_runs(server)
    assert quick_runs <= 1, "only the quick look ran before the press"

    press(page, "Estimate the supports")
    wait_for_no_job(page)
    wait_for_text(page, "Most similar pairs")
    assert_no_exception(page, "after the press")
    page.get_by_text("Quick look").first.wait_for(state="detached", timeout=PAGE_TIMEOUT_MS)
    numbers = _comparison(page)
    assert "its pairs are duplicates" in numbers and "×" in numbers

    choose_tab(page, "Most similar pairs", "t.type === 'heatmap'")  # its grid is drawn once the tab is chosen
    choose(page, "Generator", "3D GAN")  # a plot option: computes nothing
    assert_no_exception(page, "after a plot option")
    rerun(page)
    assert_no_exception(page, "after Rerun")
    assert _comparison(page) == numbers
    screenshot(page, "live-birthday")

    fresh = open_link(server, LINK, "Most similar pairs", "shared link")  # the same link in another browser: read from the cache, not computed again
    assert _comparison(fresh) == numbers
    assert _birthday_runs(server) == quick_runs + 1, computations(server)
    fresh.get_by_text("Retrain the GAN").first.click()  # its form is drawn once the expander opens
    fresh.get_by_role("button", name="Retrain", exact=True).first.wait_for(state="visible", timeout=60_000)
    assert_no_exception(fresh, "after opening Retrain the GAN")

    # The GAN's pool downloaded (the generator picked above), then uploaded as "your showers": the same showers,
    # the same duplicates.
    page.get_by_text("Download showers (.npz").first.click()
    button = page.get_by_role("button", name="Download 3D GAN: the first")
    for _attempt in range(3):  # under load a choice typed into the box can be lost before it reaches the server
        try:
            button.wait_for(state="visible", timeout=20_000)
            break
        except PlaywrightTimeout:
            choose(page, "Generator", "3D GAN")
    button.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    with page.expect_download(timeout=PAGE_TIMEOUT_MS) as download:
        button.first.click()
    assert "-gan-" in download.value.suggested_filename, download.value.suggested_filename
    path = tmp_path / "gan-pool.npz"
    download.value.save_as(path)
    page.get_by_text("Use your own showers (.npz)").first.click()
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(path))
    wait_for_text(page, "2,000 showers of 25×25×25 cells")
    press(page, "Estimate the supports")
    wait_for_no_job(page)
    wait_for_text(page, "Your showers (uploaded) vs toy simulator")
    assert_no_exception(page, "after the upload")
    mine, gan = _comparison(page, "Your showers (uploaded)"), _comparison(page)
    assert mine.split(":", 1)[1] == gan.split(":", 1)[1], (mine, gan)
    screenshot(page, "live-birthday-upload")
    page.context.close()
    fresh.context.close()
