"""Shower figures: what they draw, and the profiles' normalisation (known answers)."""

from __future__ import annotations

import numpy as np

from ganplify_core.calorimeter import simulate_showers
from ganplify_core.calorimeter.plots import energy_response, mean_profiles, profile_comparison, shower_projections
from ganplify_core.calorimeter.showers import CELL_SIZE_RM


def test_mean_profiles_are_normalised_and_centred():
    images = simulate_showers(40, energy=100.0, seed=0, use_cache=False).images
    p = mean_profiles(images)
    for name in ("depth", "x", "y"):
        assert np.isclose(p[name].sum(), 1.0)
    assert np.isclose((p["radius"] * np.diff(p["radius_edges"])).sum(), 1.0)
    centre = (np.arange(25) + 0.5 - 12.5) * CELL_SIZE_RM
    assert abs((p["x"] * centre).sum()) < 0.05  # the shower axis is the grid axis
    # A single spot of energy: every profile is a delta at its cell.
    one = np.zeros((1, 25, 25, 25), dtype=np.float32)
    one[0, 12, 12, 7] = 2.0
    q = mean_profiles(one)
    assert q["depth"][7] == 1.0 and q["x"][12] == 1.0 and q["total"][0] == 2.0


def test_figures_have_one_trace_per_panel_and_source():
    images = simulate_showers(6, energy=(10.0, 500.0), seed=1, use_cache=False)
    fig = shower_projections(images.images[:2], titles=["a", "b"])
    assert sum(t.type == "heatmap" for t in fig.data) == 6
    fig = profile_comparison({"simulator": images.images, "GAN": images.images[::-1]},
                             energies={"simulator": images.energies, "GAN": images.energies[::-1]})
    assert len(fig.data) == 8 and {t.name for t in fig.data} == {"simulator", "GAN"}
    fig = energy_response({"simulator": images.energies}, {"simulator": images.images.sum(axis=(1, 2, 3))}, n_bins=3)
    assert len(fig.data) == 1 and fig.layout.xaxis.title.text.startswith("primary energy")


def test_figures_on_the_seeds_grid():
    # 51 × 51 × 25 (x, y, depth): every panel keeps each axis at its own length
    images = simulate_showers(3, energy=100.0, seed=2, grid=(51, 51, 25), use_cache=False).images
    fig = shower_projections(images[:2], titles=["a", "b"])
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert [(len(t.x), len(t.y)) for t in heatmaps[:3]] == [(25, 51), (25, 51), (51, 51)]
    p = mean_profiles(images)
    assert (len(p["x"]), len(p["y"]), len(p["depth"])) == (51, 51, 25) and np.isclose(p["depth"].sum(), 1.0)
    # a column shares its x axis: only the bottom row carries its tick labels and title, so the rows' gap holds
    # the subplot titles alone (at least 40 px)
    assert [fig.layout[f"xaxis{k}"].showticklabels for k in ("", 2, 3, 4, 5, 6)] == [False] * 3 + [True] * 3
    assert fig.layout.xaxis.title.text is None and fig.layout.xaxis4.title.text == "depth (X0)"
    assert fig.layout.yaxis.domain[0] - fig.layout.yaxis4.domain[1] >= 40 / fig.layout.height
