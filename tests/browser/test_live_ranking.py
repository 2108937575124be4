"""Feature ranking in a live session: press, wait, touch a plot option, rerun, open the link elsewhere."""

from __future__ import annotations

from harness import (PAGE_TIMEOUT_MS, assert_no_exception, choose, computations, metric_values, press, rerun, screenshot,
                     wait_for_no_job, wait_for_script, wait_for_text)

# A random forest explained on 150 rows: estimated above 5 s (the page waits for the press), about 10 s to run.
LINK = "feature_ranking?dataset=calibration&model=rf&n_rows=2000&shap_rows=150&event=2&seed=11"


def test_train_rerun_and_shared_link(server):
    page = server.new_page()
    page.goto(f"{server.base}/{LINK}", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(page)
    wait_for_text(page, "has not been trained and ranked yet")
    assert_no_exception(page, "before the press")
    assert not any("compute rank" in line for line in computations(server)), "a link alone starts nothing heavy"

    press(page, "Train and rank")
    wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    assert_no_exception(page, "after training")
    numbers = metric_values(page)
    assert len(numbers) == 3 and all(numbers), numbers  # R², RMSE, rows

    choose(page, "Dependence plot for", "eta")  # a plot-only widget
    assert_no_exception(page, "after a plot option")
    rerun(page)
    assert_no_exception(page, "after Rerun")
    wait_for_text(page, "What to notice")
    assert metric_values(page) == numbers
    screenshot(page, "live-ranking")

    fresh = server.new_page()  # the same link in another browser: read from the cache, not trained again
    fresh.goto(f"{server.base}/{LINK}", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(fresh)
    wait_for_text(fresh, "What to notice")
    assert_no_exception(fresh, "shared link")
    assert metric_values(fresh) == numbers
    assert sum("compute rank" in line for line in computations(server)) == 1
    page.context.close()
    fresh.context.close()
