"""VAE latent explorer in a live session: press, wait, touch plot options, rerun, open the link elsewhere."""

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

# About 7 s estimated (so it waits for the press) and well under 30 s to train on an idle machine; the
# correlation dimension of 300 points is quick and starts by itself.
LINK = ("vae_latent?dataset=manifold&manifold=sheet&intrinsic_dim=2&noise=0.01&n=600&n_corrdim=300"
        "&beta_min=0.02&beta_max=2.0&n_betas=6&steps_per_beta=300&latent_dim=3&seed=11")


def test_train_rerun_and_shared_link(server):
    page = open_link(server, LINK, "has not been trained yet", "before the press")
    assert not any(" compute vae" in line for line in computations(server)), "a link alone never trains"

    press(page, "Train the β sweep")
    wait_for_no_job(page)
    wait_for_text(page, "What the toy leaves out")
    assert_no_exception(page, "after training")
    numbers = metric_values(page)
    assert len(numbers) == 3 and all(numbers), numbers  # dim(Q), D(β), the dimension by construction
    wait_for_text(page, "Where it fails")  # the presets
    # the animation of the KL per latent factor as β falls: Plotly's play button and slider are drawn
    page.locator(".updatemenu-button").first.wait_for(state="visible", timeout=30_000)
    page.locator(".slider-container").first.wait_for(state="visible", timeout=30_000)

    choose(page, "Colour by", "coordinate t2")  # plot-only: what to colour the points by
    assert_no_exception(page, "after a plot option")
    rerun(page)
    assert_no_exception(page, "after Rerun")
    wait_for_text(page, "What the toy leaves out")
    assert metric_values(page) == numbers
    # the second tab draws its 3D views only once chosen (one rerun, nothing trained)
    choose_tab(page, "Prior samples and reconstructions", "t.name === 'prior samples'")
    assert_no_exception(page, "after choosing the prior samples' tab")
    assert metric_values(page) == numbers
    screenshot(page, "live-vae")

    fresh = open_link(server, LINK, "What the toy leaves out", "shared link")  # the same link in another browser: read from the cache, not trained again
    assert metric_values(fresh) == numbers
    lines = computations(server)
    assert sum(" compute vae" in line for line in lines) == 1, lines
    assert sum(" compute corrdim" in line for line in lines) == 1, lines
    page.context.close()
    fresh.context.close()
