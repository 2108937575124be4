"""t-SNE and UMAP on large inputs: the parallel and subsample choices, their limits, keys, estimates and CLI."""

from __future__ import annotations

import shlex

import numpy as np
import pytest
from sklearn import metrics

from ganplify_core import cli, experiments
from ganplify_core.clustering import embedding
from ganplify_core.clustering.cli import command_line, embed_config
from ganplify_core.clustering.datasets import DatasetConfig, make_dataset
from ganplify_core.clustering.experiment import EMBED, EmbedConfig, map_choices, standardised
from ganplify_core.errors import InputError


def test_a_new_point_on_a_fitted_one_lands_on_its_position_and_between_two_on_the_mean():
    fitted = np.array([[0.0, 0.0], [1.0, 0.0], [10.0, 0.0]])
    coords = np.array([[5.0, 5.0], [7.0, 1.0], [-3.0, 2.0]])
    placed = embedding.place(fitted, coords, np.array([[1.0, 0.0], [0.5, 0.0]]), k=2)
    np.testing.assert_allclose(placed[0], coords[1], atol=1e-6)
    np.testing.assert_allclose(placed[1], coords[:2].mean(axis=0))  # equidistant: the plain mean


def test_subsample_mode_fits_on_the_subsample_and_keeps_the_clusters():
    data = make_dataset(DatasetConfig("blobs", n_samples=3000, n_centers=4, cluster_std=0.5, seed=1))
    points = standardised(data.points, True)
    e = embedding.embed(points, "tsne", {"map_mode": "subsample", "map_fit_points": 1000, "max_iter": 250}, seed=1)
    assert e.coords.shape == (3000, 2) and np.all(np.isfinite(e.coords))
    assert e.trustworthiness > 0.9 and e.trust_points == embedding.TRUSTWORTHINESS_MAX_POINTS
    # the placed points fall in their own blob's island of the map
    from sklearn.cluster import KMeans

    found = KMeans(4, n_init=4, random_state=0).fit_predict(e.coords)
    assert metrics.adjusted_rand_score(data.true_labels, found) > 0.95


def test_tsne_limits_follow_the_points_it_is_fitted_on():
    values = embedding.parse_params("tsne", None)
    with pytest.raises(InputError, match="refused above 20,000 points.*fit on a subsample"):
        embedding.check_size("tsne", values, 25_000)
    embedding.check_size("tsne", {**values, "map_mode": "subsample"}, 100_000)  # 10 000 fitted
    with pytest.raises(InputError, match="fitted on 10,000 points: at most 2,000"):
        embedding.check_size("tsne", {**values, "map_mode": "subsample", "tsne_method": "exact"}, 50_000)
    with pytest.raises(InputError, match="use between 1000 and 20000"):
        EmbedConfig("blobs", method="tsne", map_mode="subsample", map_fit_points=50_000).validate()
    EmbedConfig("jets", n_samples=100_000, method="tsne", map_mode="subsample").validate()


def test_wide_inputs_are_reduced_to_50_principal_components_in_the_fast_modes():
    points = np.random.default_rng(0).normal(size=(200, 80))
    assert embedding.reduced(points, 0).shape == (200, 50)
    assert embedding.reduced(points[:, :20], 0).shape == (200, 20)


def test_the_fitted_points_count_only_in_subsample_mode():
    base = EmbedConfig("moons", method="umap")
    assert EMBED.key(base) == EMBED.key(base.replace(map_fit_points=5000))
    assert EMBED.key(base) != EMBED.key(base.replace(map_mode="parallel"))
    sub = base.replace(map_mode="subsample")
    assert EMBED.key(sub) != EMBED.key(sub.replace(map_fit_points=5000))
    assert EMBED.key(EmbedConfig("moons")) == EMBED.key(EmbedConfig("moons", map_mode="subsample"))  # PCA has no mode


def test_estimates_of_100_000_points_fall_under_two_minutes_only_with_the_fast_choices():
    def estimate(method, mode):
        return EMBED.estimate_seconds(EmbedConfig("jets", n_samples=100_000, method=method, map_mode=mode))

    assert estimate("umap", "parallel") < estimate("umap", "reproducible")
    assert estimate("umap", "subsample") < 120 and estimate("tsne", "subsample") < 120
    with pytest.raises(InputError):
        EmbedConfig("jets", n_samples=100_000, method="tsne").validate()


def test_each_computed_choice_is_listed_with_its_trustworthiness(tmp_cache):
    def tsne_rows(settings):  # a shipped UMAP of the same data is listed too
        return [r for r in map_choices(settings) if r["map"] == "t-SNE"]

    config = EmbedConfig("blobs", n_samples=1500, method="tsne", max_iter=250)
    assert tsne_rows(config) == []  # nothing computed: nothing listed, nothing computed here
    experiments.run(EMBED, config)
    experiments.run(EMBED, config.replace(map_mode="subsample", map_fit_points=1000))
    rows = tsne_rows(config.replace(map_fit_points=1000))  # the page's settings: the subsample it would fit
    assert [(r["map"], r["fitted on (points)"]) for r in rows] == [("t-SNE", 1500), ("t-SNE", 1000)]
    assert len(tsne_rows(config)) == 1  # the subsample of 10 000 (all 1 500 points) is another map, not computed
    assert all(0.5 < r["trustworthiness"] <= 1 for r in rows)


def test_the_page_command_line_carries_the_choice_and_rebuilds_the_config(tmp_cache):
    config = EmbedConfig("moons", n_samples=5000, method="umap", map_mode="subsample", map_fit_points=2000, seed=2)
    line = command_line("embed", config, "umap")
    assert "map_mode=subsample" in line and "map_fit_points=2000" in line
    assert "map_fit_points" not in command_line("embed", config.replace(map_mode="parallel"), "umap")
    args = cli.build_parser().parse_args(shlex.split(line)[3:])
    assert EMBED.key(embed_config(args)) == EMBED.key(config)
