"""Feature ranking in a live session: press, wait, touch a plot option, rerun, open the link elsewhere."""

from __future__ import annotations

from harness import (
    assert_no_exception,
    choose,
    computations,
    metric_values,
    open_link,
    press,
    rerun,
    screenshot,
    wait_for_no_job,
    wait_for_text,
)

# A random forest explained on 400 rows: estimated above 5 s (the page waits for the press), about 10 s to run.
LINK = "feature_ranking?dataset=calibration&model=rf&n_rows=4000&shap_rows=400&event=2&seed=11"


def dependence_title(page) -> str:
    """The dependence plot's title (Plotly draws it as SVG text)."""
    titles = [t.text_content() or "" for t in page.locator("text.gtitle").all()]
    return next((t for t in titles if t.startswith("Dependence")), "")


def test_train_rerun_and_shared_link(server):
    page = open_link(server, LINK, "has not been trained and ranked yet", "before the press")
    assert not any("compute rank" in line for line in computations(server)), "a link alone starts nothing heavy"

    press(page, "Train and rank")
    wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    assert_no_exception(page, "after training")
    numbers = metric_values(page)
    assert len(numbers) == 3 and all(numbers), numbers  # R², RMSE, rows

    assert dependence_title(page).startswith("Dependence: E_raw")
    choose(page, "Dependence plot for", "eta")  # a plot-only widget
    assert_no_exception(page, "after a plot option")
    assert dependence_title(page).startswith("Dependence: eta"), dependence_title(page)
    rerun(page)
    assert_no_exception(page, "after Rerun")
    wait_for_text(page, "What to notice")
    assert dependence_title(page).startswith("Dependence: eta")
    assert metric_values(page) == numbers
    screenshot(page, "live-ranking")

    fresh = open_link(server, LINK, "What to notice", "shared link")  # the same link in another browser: read from the cache, not trained again
    assert metric_values(fresh) == numbers
    assert sum("compute rank" in line for line in computations(server)) == 1
    page.context.close()
    fresh.context.close()
