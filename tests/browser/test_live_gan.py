"""GAN amplification in a live session: press, wait, touch a plot option, rerun, open the link elsewhere."""

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
    selected,
    wait_for_no_job,
    wait_for_text,
)

# Small enough for CI (about 10 s), large enough that the page does not start it without a press.
LINK = "gan_amplification?distribution=ring&n_train=40&n_seeds=2&steps=2000&max_generated=100000&seed=11"


def test_train_rerun_and_shared_link(server):
    page = open_link(server, LINK, "have not been trained yet", "before the press")

    press(page, "Train and compare")
    wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    wait_for_text(page, "95 % CI")  # the headline's interval and paired test
    assert page.locator("[data-testid='stMain']").get_by_text("Training replay").count() >= 1, "the replay chart"
    assert_no_exception(page, "after training")
    numbers = metric_values(page)
    assert any(n for n in numbers), "the result's metrics show"

    # a plot-only widget: which training set to show
    choose(page, "Training set to show", "training set 2")
    assert selected(page, "Training set to show") == "training set 2"
    assert_no_exception(page, "after a plot option")
    rerun(page)
    assert_no_exception(page, "after Rerun")
    assert metric_values(page) == numbers
    screenshot(page, "live-gan")

    fresh = open_link(server, LINK, "What to notice", "shared link")  # the same link in another browser: read from the cache, not trained again
    assert metric_values(fresh) == numbers
    assert sum("compute amplify" in line for line in computations(server)) == 1
    page.context.close()
    fresh.context.close()
