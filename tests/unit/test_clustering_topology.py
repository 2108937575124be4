"""Persistent homology: Betti numbers of shapes of known topology, the scale rule, sizes, the experiment and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import datasets as skdata

from ganplify_core import cli, experiments
from ganplify_core.clustering import topology
from ganplify_core.clustering.cli import command_line
from ganplify_core.clustering.datasets import DatasetConfig, make_dataset
from ganplify_core.clustering.experiment import TOPOLOGY, TopologyConfig, standardised
from ganplify_core.errors import InputError


def circle(rng, n, radius=1.0, centre=(0.0, 0.0), noise=0.03):
    t = rng.uniform(0, 2 * np.pi, n)
    return (np.column_stack([centre[0] + radius * np.cos(t), centre[1] + radius * np.sin(t)])
            + rng.normal(scale=noise, size=(n, 2)))


def sphere(rng, n):
    x = rng.normal(size=(n, 3))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# -- known topology -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_circle_has_one_component_and_one_loop(seed):
    assert topology.persistent_homology(circle(np.random.default_rng(seed), 200), maxdim=1, seed=seed).betti == (1, 1)
    # without noise the loop of a circle of radius 1 dies where the Rips complex first holds a triangle around
    # the centre: ε = √3, the side of the inscribed equilateral triangle
    exact = topology.persistent_homology(circle(np.random.default_rng(seed), 200, noise=0.0), maxdim=1)
    loop = exact.diagrams[1][np.argmax(np.diff(exact.diagrams[1], axis=1)[:, 0])]
    assert loop[1] == pytest.approx(np.sqrt(3), abs=0.01)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_separate_circles_have_two_components_and_two_loops(seed):
    rng = np.random.default_rng(seed)
    points = np.vstack([circle(rng, 150), circle(rng, 150, radius=0.8, centre=(3.5, 0.5))])
    assert topology.persistent_homology(points, maxdim=1, seed=seed).betti == (2, 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_concentric_circles_have_two_components_and_two_loops(seed):
    points, _ = skdata.make_circles(400, noise=0.03, factor=0.5, random_state=seed)
    assert topology.persistent_homology(points, maxdim=1, seed=seed).betti == (2, 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_sphere_has_one_void_and_no_loop(seed):
    result = topology.persistent_homology(sphere(np.random.default_rng(seed), 120), maxdim=2, seed=seed)
    assert result.betti == (1, 0, 1)


@pytest.mark.parametrize(("n_blobs", "seed"), [(1, 0), (3, 1), (4, 2), (6, 3)])
def test_separated_blobs_have_one_component_each_and_no_loop(n_blobs, seed):
    data = make_dataset(DatasetConfig("blobs", n_samples=1500, n_centers=n_blobs, cluster_std=0.5, seed=seed))
    result = topology.persistent_homology(standardised(data.points, True), maxdim=1, n_points=500, seed=seed)
    assert result.betti == (n_blobs, 0)
    assert result.n_points == 500 and result.n_total == 1500 and result.subsampled


def test_a_gaussian_cloud_in_five_dimensions_is_one_component_without_holes():
    points = np.random.default_rng(4).normal(size=(400, 5))
    assert topology.persistent_homology(points, maxdim=1).betti == (1, 0)


def test_the_answer_does_not_depend_on_units():
    points = circle(np.random.default_rng(5), 200)
    small, large = (topology.persistent_homology(points * s, maxdim=1) for s in (1.0, 1000.0))
    assert small.betti == large.betti == (1, 1)
    assert large.scale[0] == pytest.approx(1000 * small.scale[0], rel=1e-4)
    assert large.scale_ratio == pytest.approx(small.scale_ratio, rel=1e-4)


# -- diagrams against a direct computation; the scale rule --------------------------------------------------

def test_h0_deaths_are_the_minimum_spanning_tree_edges():
    """In the Rips filtration, components merge at the edges of the Euclidean minimum spanning tree."""
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial.distance import pdist, squareform

    points = np.random.default_rng(6).normal(size=(120, 3))
    diagrams, _, _ = topology.persistence(points, maxdim=0)
    finite = np.sort(diagrams[0][np.isfinite(diagrams[0][:, 1]), 1])
    mst = np.sort(minimum_spanning_tree(squareform(pdist(points))).data)
    np.testing.assert_allclose(finite, mst, rtol=1e-5)
    assert np.isinf(diagrams[0][:, 1]).sum() == 1


def test_betti_numbers_at_a_scale_count_the_bars_alive_there():
    diagrams = (np.array([[0, 1.0], [0, 3.0], [0, np.inf]]), np.array([[0.5, 2.0], [1.5, 1.6]]))
    assert topology.betti_at(diagrams, 0.2) == (3, 0)
    assert topology.betti_at(diagrams, 1.55) == (2, 2)
    assert topology.betti_at(diagrams, 2.5) == (2, 0)
    assert topology.betti_at(diagrams, 10.0) == (1, 0)


def test_the_most_persistent_scale_is_the_longest_range_by_ratio_up_to_the_enclosing_radius():
    # events 1, 3, 3.3 and the enclosing radius 4: ranges [1, 3) ratio 3, [3, 3.3) 1.1, [3.3, 4) 1.2
    diagrams = (np.array([[0, 1.0], [0, 3.0], [0, np.inf]]), np.array([[1.0, 3.3]]))
    assert topology.most_persistent_scale(diagrams, 4.0) == (1.0, 3.0)
    # a longer tail to the enclosing radius wins: [3.3, 20) ratio 6
    assert topology.most_persistent_scale(diagrams, 20.0) == (3.3, 20.0)


def test_ranges_below_the_typical_neighbour_distance_do_not_count():
    """Two nearly coincident points (a merge at 1e-9) would make [1e-9, next) the longest range by ratio."""
    points = np.vstack([circle(np.random.default_rng(7), 150), [[1.0, 0.0], [1.0 + 1e-9, 0.0]]])
    assert topology.persistent_homology(points, maxdim=1).betti == (1, 1)


def test_identical_points_are_one_component():
    result = topology.persistent_homology(np.ones((10, 2)), maxdim=1)
    assert result.betti == (1, 0)


def test_subsampling_is_reproducible_and_bounded():
    a, b = topology.subsample(1000, 100, seed=3), topology.subsample(1000, 100, seed=3)
    assert np.array_equal(a, b) and len(np.unique(a)) == 100 and np.all(np.diff(a) > 0)
    assert np.array_equal(topology.subsample(50, 100), np.arange(50))


def test_longest_bars_keeps_the_longest_and_the_infinite_one():
    diagram = np.array([[0, 0.1], [0, 5.0], [0, np.inf], [0, 0.2], [0, 2.0]])
    bars = topology.longest_bars(diagram, 3)
    assert sorted(bars[:, 1].tolist()) == [2.0, 5.0, np.inf]


# -- sizes and bad input -------------------------------------------------------------------------------------

def test_sizes_are_refused_with_the_reason():
    with pytest.raises(InputError, match="limited to 2,000 points"):
        topology.check_size(2001, 1)
    with pytest.raises(InputError, match="limited to 400 points.*stop at H1"):
        topology.check_size(401, 2)
    with pytest.raises(InputError, match="at least 3 points"):
        topology.check_size(2, 0)
    with pytest.raises(InputError, match="finite"):
        topology.persistence(np.array([[0.0, 1.0], [np.nan, 1.0], [1.0, 1.0]]))
    with pytest.raises(InputError, match="use between 20 and 2000"):
        TopologyConfig(tda_points=5000).validate()
    with pytest.raises(InputError, match="limited to 400 points"):
        TopologyConfig(homology_dim=2).validate()  # 500 points by default
    TopologyConfig(homology_dim=2, tda_points=400).validate()
    TopologyConfig("blobs", n_samples=300, homology_dim=2).validate()  # 300 points: all of them


# -- the experiment and the CLI -------------------------------------------------------------------------------

def test_the_experiment_on_the_page_circles_finds_two_rings_with_little_noise(tmp_cache):
    result = experiments.run(TOPOLOGY, TopologyConfig("circles", noise=0.03)).persistence
    assert result.betti == (2, 2) and result.n_points == 500 and result.n_total == 1500
    assert experiments.is_cached(TOPOLOGY, TopologyConfig("circles", noise=0.03, cluster_std=3.0))  # ignored by circles
    # at the default noise (0.05) the rings blur into one annulus: the page says so
    noisy = experiments.run(TOPOLOGY, TopologyConfig("circles")).persistence
    assert noisy.betti == (1, 0) and noisy.runner_up and noisy.runner_up[3] == (2, 2)


def test_the_cache_key_holds_what_the_result_depends_on():
    base = TopologyConfig("moons")
    assert TOPOLOGY.key(base) == TOPOLOGY.key(base.replace(cluster_std=2.0))  # moons ignore the blob width
    assert TOPOLOGY.key(base) != TOPOLOGY.key(base.replace(tda_points=300))
    assert TOPOLOGY.key(base) != TOPOLOGY.key(base.replace(homology_dim=0))
    assert TOPOLOGY.key(base) != TOPOLOGY.key(base.replace(seed=1))


def test_estimates_grow_with_points_and_dimension():
    small, large = TopologyConfig("moons", tda_points=200), TopologyConfig("moons", tda_points=2000)
    assert TOPOLOGY.estimate_seconds(small) < experiments.QUICK_SECONDS < TOPOLOGY.estimate_seconds(large)
    assert (TOPOLOGY.estimate_seconds(small.replace(homology_dim=0)) < TOPOLOGY.estimate_seconds(small)
            < TOPOLOGY.estimate_seconds(small.replace(homology_dim=2)))


def test_cli_topology_prints_betti_numbers_and_the_diagram(capsys, tmp_cache):
    assert cli.main(["topology", "--dataset", "blobs", "--cluster-std", "0.5", "--n-centers", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["betti"] == [4, 0] and out["n_points"] == 500 and out["subsampled"] is True
    assert len(out["diagram"]) == 2 and len(out["diagram"][0]) == 500
    assert out["diagram"][0][-1][1] is None  # the component that never dies
    assert all(b <= d for b, d in out["diagram"][1])


def test_cli_topology_reads_a_csv_file(capsys, tmp_path, tmp_cache):
    rng = np.random.default_rng(8)
    points = circle(rng, 300, radius=5.0)
    path = tmp_path / "ring.csv"
    np.savetxt(path, points, delimiter=",", header="x,y", comments="")
    assert cli.main(["topology", "--csv", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["betti"] == [1, 1] and out["n_points"] == 300 and out["subsampled"] is False
    assert cli.main(["topology", "--dataset", f"csv:{path}", "--homology-dim", "0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["betti"] == [1]


@pytest.mark.parametrize(("args", "message"), [
    (["--dataset", "blobs", "--csv", "x.csv"], "either --dataset or --csv"),
    (["--csv", "/nonexistent/x.csv"], "no such file"),
    (["--tda-points", "5000"], "use between 20 and 2000"),
    (["--homology-dim", "2"], "limited to 400 points"),
    (["--homology-dim", "3"], "use between 0 and 2"),
])
def test_cli_topology_bad_input_exits_2_with_one_line(capsys, tmp_cache, args, message):
    try:
        status = cli.main(["topology", *args, "--json"])
    except SystemExit as exc:  # argparse's own checks exit from the parser
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_the_page_command_line_rebuilds_the_same_config(capsys, tmp_cache):
    config = TopologyConfig("moons", n_samples=400, noise=0.1, tda_points=200, homology_dim=0, seed=4)
    line = command_line("topology", config)
    assert line.startswith("python -m ganplify_core topology --dataset moons")
    args = cli.build_parser().parse_args(line.split()[3:])
    from ganplify_core.clustering.cli import topology_config

    assert topology_config(args) == config
