"""Figures and texts of the amplification page on a hand-made result: replay frames, readable log axes,
and prose whose numbers all come from the result."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ganplify_core.amplify import plots
from ganplify_core.amplify.experiment import METHODS, PROFILE_BINS, AmplifyConfig, AmplifyResult, _profile_grid
from ganplify_core.amplify.metrics import amplification, generated_grid

K, S = 4, 5


def _result(replay: bool = True) -> AmplifyResult:
    rng = np.random.default_rng(0)
    config = AmplifyConfig(n_seeds=K, steps=500, max_generated=10_000)
    grid = generated_grid(config.max_generated)
    edges = _profile_grid(config)
    centres = 0.5 * (edges[1:] + edges[:-1])
    truth = 0.5 * (np.exp(-0.5 * (centres + 4) ** 2) + np.exp(-0.5 * (centres - 4) ** 2)) / np.sqrt(2 * np.pi)
    train_mse = rng.uniform(5e-4, 1.5e-3, K)
    mse = {m: np.outer(rng.uniform(3e-4, 1.2e-3, K), np.ones(len(grid))) + 1e-3 / grid for m in METHODS}
    amp = {m: amplification(mse[m][:, -1], config.n_quant, config.n_train) for m in METHODS}
    amp["train"] = amplification(train_mse, config.n_quant, config.n_train)
    steps = np.linspace(100, 500, S).astype(int)
    profiles = np.stack([np.stack([truth * (0.5 + 0.1 * s) for s in range(S)]) for _ in range(K)]).astype(np.float32)
    return AmplifyResult(
        config=config, generated=grid, mse=mse, train_mse=train_mse, amplification=amp,
        losses={"d_loss": rng.normal(1.4, 0.1, (K, 26)), "g_loss": rng.normal(0.7, 0.1, (K, 26))},
        loss_steps=np.r_[np.arange(0, 500, 20), 499], snapshot_steps=steps,
        snapshot_mse=rng.uniform(5e-4, 2e-3, (K, S)), profile_x=edges,
        profiles={"truth": np.tile(truth, (K, 1)), **{m: np.tile(truth, (K, 1)) for m in METHODS}},
        train_points=rng.normal(size=(K, 100, 1)).astype(np.float32),
        scatter={m: rng.normal(size=(K, 50, 1)).astype(np.float32) for m in METHODS},
        seconds={m: 1.0 for m in METHODS},
        **({"snapshot_profiles": profiles} if replay else {}))


def test_replay_has_one_frame_per_snapshot_with_that_snapshots_density():
    result = _result()
    fig = plots.replay_figure(result, seed_index=2)
    assert len(fig.frames) == S
    for s, frame in enumerate(fig.frames):
        assert frame.name == str(result.snapshot_steps[s]) and frame.traces == (2,)
        np.testing.assert_allclose(frame.data[0].y, result.snapshot_profiles[2, s])
        amp = amplification(result.snapshot_mse[2, s], 10, 100)
        assert f"amplification {amp:.2f}" in frame.layout.title.text
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    assert [step.label for step in fig.layout.sliders[0].steps] == [f"{int(s):,}" for s in result.snapshot_steps]
    notice = plots.replay_notice(result, 2)
    best = int(np.argmax(amplification(result.snapshot_mse[2], 10, 100)))
    assert f"is at step {int(result.snapshot_steps[best]):,}" in notice


def test_a_result_made_before_the_replay_loads_without_one():
    result = _result(replay=False)
    assert not plots.has_replay(result) and plots.has_replay(_result())
    assert result.snapshot_profiles.size == 0 and PROFILE_BINS == len(result.profile_x) - 1


@pytest.mark.parametrize("lo,hi,expected", [
    (1e-5, 1e-2, ["10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²"]),           # several decades: the decades only
    (1.5e-4, 3e-3, ["2·10⁻⁴", "5·10⁻⁴", "10⁻³", "2·10⁻³"]),   # less: 1, 2, 5 per decade
])
def test_log_ticks_are_decades_or_one_two_five(lo, hi, expected):
    axis = plots.log_ticks(lo, hi)
    assert axis["ticktext"] == expected and axis["tickmode"] == "array"
    assert all(lo <= v <= hi for v in axis["tickvals"])
    assert axis["range"] == pytest.approx([np.log10(lo), np.log10(hi)])
    assert plots.log_ticks(0.3, 3, plain=True)["ticktext"] == ["0.5", "1", "2"]


def test_mse_figure_log_axes_and_legend_below_the_axis_title():
    fig = plots.mse_figure(_result())
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.tickmode == "array" and fig.layout.yaxis.tickmode == "array"
    assert fig.layout.legend.y < 0 and fig.layout.legend.yanchor == "top" and fig.layout.margin.b >= 100


def test_loss_figure_takes_older_results_with_one_loss_fewer_than_steps():
    result = _result()
    result.losses = {name: values[:, :-1] for name, values in result.losses.items()}
    fig = plots.loss_figure(result)
    assert all(len(trace.x) == len(trace.y) for trace in fig.data if trace.y is not None)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)*(?:e[-+]\d+)?", text))


def test_what_to_notice_and_the_headline_quote_only_the_result():
    """Every number in the prose is one the result or its summary produces (formatted as shown)."""
    result = _result()
    summary = result.summary()
    text = plots.what_to_notice(result) + plots.headline_markdown(summary)
    allowed = set()
    for method in ("train", *METHODS):
        entry = summary[method] if method != "train" else None
        values = [summary["train_amplification_of_mean_mse"], *summary["train_amplification_of_mean_mse_ci95"]] \
            if entry is None else [entry["amplification_of_mean_mse"], *entry["amplification_of_mean_mse_ci95"],
                                   result.mse[method][:, -1].mean()]
        allowed |= {f"{v:.2f}" for v in values} | {f"{v:.2e}" for v in values}
        if entry is not None:
            test = entry["vs_sample"]
            allowed |= {str(test["sets_better"]), str(test["sets"]), f"{test['p_sign']:.2g}", f"{test['p_wilcoxon']:.2g}",
                        str(int((result.mse[method][:, -1] < result.mse["gan"][:, -1]).sum()))}
    allowed |= {f"{result.train_mse.mean():.2e}", f"{int(result.generated[-1]):,}", str(K), "100", "95", "1",
                "0.05", "2", "0"}
    allowed |= {str(plots._sign_test_threshold(K) or "")}
    unexplained = _numbers(text) - allowed
    assert not unexplained, unexplained
