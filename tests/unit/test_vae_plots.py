"""The VAE page's KL replay on a hand-made β sweep: it opens on the smallest β and plays from the largest."""

from __future__ import annotations

import numpy as np

from ganplify_core.vae.beta_sweep import BetaSweepResult
from ganplify_core.vae.plots import kl_animation


def _sweep() -> BetaSweepResult:
    betas = np.array([0.05, 0.2, 0.8, 2.0])  # ascending, as a sweep stores them
    kl_per_dim = np.array([[3.0, 2.5, 0.1], [2.0, 1.2, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 0.0]])
    return BetaSweepResult(betas=betas, kl_total=kl_per_dim.sum(axis=1), kl_per_dim=kl_per_dim,
                           distance2=np.zeros(4), dimensionality=np.array([2.1, 1.8, 0.9, 0.0]),
                           dimensionality_reconstruction=np.zeros(4), active_dims=np.array([2, 2, 1, 0]),
                           state_dicts=[])


def test_kl_replay_opens_on_the_smallest_beta_and_plays_from_the_largest():
    result = _sweep()
    fig = kl_animation(result)
    np.testing.assert_allclose(fig.data[0].y, result.kl_per_dim[0])  # β = 0.05: two factors open
    assert fig.layout.title.text.startswith("β = 0.05:") and "2 active" in fig.layout.title.text
    assert list(fig.data[0].text) == ["3.00", "2.50", "0.10"]
    assert list(fig.frames[0].data[0].text) == ["", "", ""]  # β = 2: no "0.00" on the threshold's line
    label, = fig.layout.annotations  # the threshold's label above the plot, where no bar reaches
    assert "0.25 nats" in label.text and label.yref == "paper" and label.y > 1
    assert [frame.name for frame in fig.frames] == ["2", "0.8", "0.2", "0.05"]  # β falls
    slider = fig.layout.sliders[0]
    assert slider.steps[slider.active].label == "0.05"
    play = fig.layout.updatemenus[0].buttons[0]
    # Play from a chart nobody has moved: plotly.js plays every frame from the first when the current frame is
    # unset or the last one, and only the frames after it otherwise (``fromcurrent``).
    assert play.args[0] is None and play.args[1]["fromcurrent"] is True
