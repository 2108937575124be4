"""Autoencoder ROC in a live session: press, wait, touch plot options, rerun, download the scores and upload them
back as your own tagger, open the link elsewhere."""

from __future__ import annotations

from harness import (
    assert_no_exception,
    choose_tab,
    computations,
    metric_values,
    open_link,
    press,
    rerun,
    screenshot,
    wait_for_no_job,
    wait_for_script,
    wait_for_text,
)

# Part 2 on small settings: estimated above 5 s, so the page waits for the press, and about 10–30 s to train.
# Part 1 keeps its defaults, which ship with the page (shown at once, never computed).
LINK = "autoencoder_roc?n_train=2000&n_test=2000&epochs=4&cut_percent=80.0"
RESULT = "Trained on QCD jets, looking for top jets"


def test_train_rerun_and_shared_link(server, tmp_path):
    page = open_link(server, LINK, "have not been trained yet", "before the press")
    assert len(metric_values(page)) == 1, "Part 1's shipped result shows, Part 2 waits for the press"

    press(page, "Train and score")
    wait_for_no_job(page)
    wait_for_text(page, RESULT)
    assert_no_exception(page, "after training")
    numbers = metric_values(page)
    assert len(numbers) == 6 and all(numbers), numbers  # Part 1 AUC; AUC, two rejections, TPR, FPR

    # plot options: the logarithmic FPR axis (the numbers stay), then rerun
    page.get_by_text("Logarithmic FPR axis").first.click()
    page.wait_for_timeout(800)
    wait_for_script(page)
    assert_no_exception(page, "after a plot option")
    assert metric_values(page) == numbers
    rerun(page)
    assert_no_exception(page, "after Rerun")
    assert metric_values(page) == numbers
    choose_tab(page, "Example jets and their reconstructions", "t.type === 'heatmap' && t.xaxis === 'x10'")
    assert_no_exception(page, "after choosing the jets' tab")
    assert metric_values(page) == numbers
    screenshot(page, "live-anomaly")

    # the test jets' scores, downloaded and uploaded back as "your own tagger": the same AUC and rejections
    with page.expect_download() as download:
        page.locator("[data-testid='stDownloadButton']").filter(has_text="Download the test jets' scores").first \
            .locator("button").click()
    path = tmp_path / "autoencoder_scores.csv"
    download.value.save_as(path)
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(path))
    page.wait_for_function("() => document.querySelectorAll('[data-testid=\"stMetric\"]').length >= 10",
                           timeout=120_000)
    wait_for_script(page)
    assert_no_exception(page, "after the upload")
    again = metric_values(page)
    assert again[:6] == numbers, again
    assert again[6:9] == numbers[1:4], (numbers, again)   # AUC, 1/ε_B at 0.3 and 0.5, read back from the CSV
    assert again[9] == "2,000 / 2,000", again
    screenshot(page, "live-anomaly-upload")

    fresh = open_link(server, LINK, RESULT, "shared link")  # the same link in another browser: read from the cache, not trained again
    assert metric_values(fresh) == numbers
    lines = computations(server)
    assert sum("compute ae-roc" in line for line in lines) == 1, lines
    assert not any("compute ae-curve" in line for line in lines), "Part 1's default ships with the page"
    page.context.close()
    fresh.context.close()
