"""The clustering page's display: distinct colours, numbers that fit, the k the comparison used, legends clear of
titles, presets and shipped defaults."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ganplify_core import experiments
from ganplify_core.clustering import plots
from ganplify_core.clustering.datasets import make_dataset
from ganplify_core.clustering.embedding import Embedding
from ganplify_core.clustering.experiment import (
    CLUSTER,
    COMPARE,
    DATA,
    ELBOW,
    EMBED,
    MAPPER,
    PRESETS,
    TOPOLOGY,
    ClusterConfig,
    CompareConfig,
    ElbowConfig,
    MapperJobConfig,
    TopologyConfig,
    embed_config,
    run_comparison,
    standardised,
)
from ganplify_core.clustering.topology import persistent_homology


def test_lab_matches_the_reference_values():
    np.testing.assert_allclose(plots.lab("#FFFFFF"), [100, 0, 0], atol=0.05)
    np.testing.assert_allclose(plots.lab("#FF0000"), [53.24, 80.09, 67.20], atol=0.05)  # CIE L*a*b* of sRGB red


def test_cluster_colours_are_distinct_and_none_is_grey_like_noise():
    palette = plots.PALETTE
    assert len(palette) >= 20 and len(set(palette)) == len(palette)
    for a, b in itertools.combinations(palette, 2):
        assert np.linalg.norm(plots.lab(a) - plots.lab(b)) >= plots.PALETTE_MIN_DISTANCE, (a, b)
    for c in palette:
        assert np.linalg.norm(plots.lab(c) - plots.lab(plots.NOISE_COLOR)) >= plots.PALETTE_MIN_DISTANCE
    assert len({plots.colour(label) for label in range(20)}) == 20  # 10 (or 20) clusters: no colour twice
    assert plots.colour(-1) == plots.NOISE_COLOR


@pytest.mark.parametrize(("value", "text"), [
    (0.71234, "0.712"), (3.8981, "3.9"), (38.98, "39"), (3898.1, "3.9 k"), (38981.0, "39 k"), (3.9e6, "3.9 M"),
    (None, "—"), (float("nan"), "—"), (-0.0012, "-0.001"),
])
def test_scores_are_written_short_enough_for_a_metric_tile(value, text):
    assert plots.compact(value) == text
    assert len(plots.compact(value)) <= 7


def test_the_comparison_titles_say_the_k_each_algorithm_was_given(tmp_cache):
    comparison = run_comparison(CompareConfig("moons", n_samples=300, compare=("kmeans", "dbscan"), compare_k=2))
    titles = [a.text for a in plots.comparison_grid(np.zeros((300, 2)), list(comparison.entries)).layout.annotations]
    assert titles[0].startswith("k-means (k-means++) (k = 2)<br>")
    assert titles[1].startswith("DBSCAN<br>") and "k =" not in titles[1]


def test_the_maps_legend_sits_beside_the_panels_not_on_their_titles():
    coords = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    maps = [Embedding(coords, 1.0, 0.9, 50, np.zeros(0), m, {}) for m in ("pca", "tsne")]
    fig = plots.embeddings_figure(maps, np.arange(50) % 10)
    assert fig.layout.legend.orientation == "v" and fig.layout.legend.x > 1
    assert all(a.y >= 1 for a in fig.layout.annotations)  # the titles above the panels, the legend to the right


def test_map_colours_fall_back_to_the_true_classes_before_clustering():
    data = make_dataset(ClusterConfig("moons", n_samples=100).data_only())
    colours, names, note = plots.map_colours(data, None, "cluster")
    assert np.array_equal(colours, data.true_labels) and "true class" in note
    data = make_dataset(ClusterConfig("no_structure", n_samples=100).data_only())
    colours, names, note = plots.map_colours(data, None, "cluster")
    assert set(colours.tolist()) == {0} and "one colour" in note


def test_the_presets_show_what_they_promise(tmp_cache):
    by_key = {p.key: p for p in PRESETS}
    assert set(by_key) == {"paper", "demo", "fails"}
    for preset in PRESETS:
        preset.config.validate()
    paper = experiments.run(CLUSTER, by_key["paper"].config)
    assert paper.scores.ari > 0.99  # DBSCAN follows the moons
    moons_kmeans = experiments.run(CLUSTER, by_key["paper"].config.replace(algorithm="kmeans", n_clusters=2))
    assert moons_kmeans.scores.ari < 0.7  # k-means with k = 2 cuts them
    demo = experiments.run(TOPOLOGY, TopologyConfig(**vars(by_key["demo"].config.data_settings())))
    assert demo.persistence.betti == (2, 2)
    fails = by_key["fails"].config
    assert experiments.run(CLUSTER, fails).result.n_clusters == 3  # clusters found in uniform noise
    points = standardised(make_dataset(fails.data_only()).points, True)
    assert persistent_homology(points, 1, 500, fails.seed).betti == (1, 0)  # one component, no loop


def test_the_page_defaults_and_the_demo_are_shipped():
    default = ClusterConfig()
    demo = next(p for p in PRESETS if p.key == "demo").config
    for config in (default, demo):
        data = config.data_settings()
        assert data in DATA.ship and config in CLUSTER.ship
        assert ElbowConfig(**vars(data)) in ELBOW.ship and MapperJobConfig(**vars(data)) in MAPPER.ship
        assert TopologyConfig(**vars(data)) in TOPOLOGY.ship
    assert CompareConfig() in COMPARE.ship
    assert {embed_config(default, m) for m in ("pca", "tsne", "umap")} <= set(EMBED.ship)
