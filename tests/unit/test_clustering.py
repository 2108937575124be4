"""Clustering core: known answers (blobs, moons, DBSCAN's definition, kinks), scores against
scikit-learn, size refusals, embeddings, Mapper topology, the CSV reader's messages and the CLI."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from sklearn import metrics
from sklearn.neighbors import NearestNeighbors

from ganplify_core import cli, experiments, upload_store
from ganplify_core.clustering import csv_input
from ganplify_core.clustering.algorithms import ALGORITHMS, fit_clusters, get_algorithm
from ganplify_core.clustering.csv_input import MAX_CSV_BYTES, parse_csv, read_csv_dataset
from ganplify_core.clustering.datasets import DatasetConfig, make_dataset, separated_centres
from ganplify_core.clustering.embedding import embed
from ganplify_core.clustering.evaluation import cluster_scores, elbow_curve, find_elbow, silhouette
from ganplify_core.clustering.experiment import (
    CLUSTER,
    COMPARE,
    DATA,
    ELBOW,
    EMBED,
    MAPPER,
    ClusterConfig,
    CompareConfig,
    ElbowConfig,
    EmbedConfig,
    MapperJobConfig,
    standardised,
)
from ganplify_core.clustering.mapper import MapperConfig, mapper_graph, pca_lens
from ganplify_core.errors import InputError

# -- acceptance: blobs and moons --------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kmeans_recovers_three_blobs_and_the_elbow_is_at_three(seed):
    data = make_dataset(DatasetConfig("blobs", n_samples=900, n_centers=3, seed=seed))
    points = standardised(data.points, True)
    result = fit_clusters(points, "kmeans", {"n_clusters": 3}, seed)
    assert metrics.adjusted_rand_score(data.true_labels, result.labels) > 0.95
    assert elbow_curve(points, k_max=10, seed=seed).elbow_k == 3


def test_dbscan_default_separates_moons_and_kmeans_does_not():
    data = make_dataset(DatasetConfig("moons", n_samples=1000, seed=0))
    points = standardised(data.points, True)
    dbscan = fit_clusters(points, "dbscan")  # the defaults: eps 0.3, min_samples 5
    kmeans = fit_clusters(points, "kmeans", {"n_clusters": 2})
    assert metrics.adjusted_rand_score(data.true_labels, dbscan.labels) > 0.9
    assert metrics.adjusted_rand_score(data.true_labels, kmeans.labels) < 0.7


# -- the elbow finder ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kink", [2, 4, 6])
def test_find_elbow_locates_the_kink_of_a_piecewise_linear_curve(kink):
    k = np.arange(1, 13)
    loss = np.where(k <= kink, 100 - 20 * (k - 1), 100 - 20 * (kink - 1) - 1.0 * (k - kink))
    assert find_elbow(k, loss) == kink
    assert find_elbow(k, 1e6 * loss + 7) == kink  # invariant to the loss' units and offset


def test_find_elbow_on_a_straight_line_or_short_curve_returns_the_first_k():
    assert find_elbow([1, 2, 3, 4], [4, 3, 2, 1]) == 1
    assert find_elbow([2, 3], [5, 1]) == 2


# -- DBSCAN's definition, scores against scikit-learn ---------------------------------------------------

def test_dbscan_core_points_follow_the_definition():
    points = standardised(make_dataset(DatasetConfig("moons", n_samples=400, noise=0.12, seed=3)).points, True)
    eps, min_pts = 0.25, 6
    result = fit_clusters(points, "dbscan", {"eps": eps, "min_samples": min_pts})
    neighbours = NearestNeighbors(radius=eps).fit(points).radius_neighbors(points, return_distance=False)
    counts = np.array([len(n) for n in neighbours])  # includes the point itself, as minPts does
    np.testing.assert_array_equal(result.core_mask, counts >= min_pts)
    # noise: not core and no core point within eps
    near_core = np.array([result.core_mask[n].any() for n in neighbours])
    np.testing.assert_array_equal(result.labels == -1, ~near_core)


def test_scores_match_scikit_learn_and_ignore_label_permutation():
    data = make_dataset(DatasetConfig("varied", n_samples=600, seed=1))
    labels = fit_clusters(data.points, "kmeans", {"n_clusters": 3}).labels
    scores = cluster_scores(data.points, labels, data.true_labels)
    assert scores.silhouette == pytest.approx(metrics.silhouette_score(data.points, labels))
    assert scores.davies_bouldin == pytest.approx(metrics.davies_bouldin_score(data.points, labels))
    assert scores.calinski_harabasz == pytest.approx(metrics.calinski_harabasz_score(data.points, labels))
    permuted = cluster_scores(data.points, (labels + 1) % 3, data.true_labels)
    assert permuted.ari == pytest.approx(scores.ari) and permuted.nmi == pytest.approx(scores.nmi)
    assert cluster_scores(data.points, data.true_labels, data.true_labels).ari == pytest.approx(1.0)


def test_silhouette_subsamples_large_sets_and_skips_noise():
    points = np.random.default_rng(0).normal(size=(5000, 2))
    labels = (points[:, 0] > 0).astype(int)
    labels[:100] = -1
    sil = silhouette(points, labels, max_points=1000)
    assert len(sil.values) == 1000 and (labels[sil.indices] != -1).all()
    assert silhouette(points, np.zeros(5000, int)).values.size == 0  # one cluster: undefined


def test_standardised_features_have_mean_zero_unit_variance_and_constants_stay_finite():
    x = np.column_stack([np.linspace(0, 1e4, 50), np.full(50, 3.0)])
    z = standardised(x, True)
    np.testing.assert_allclose(z[:, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(z[:, 0].std(), 1)
    assert np.all(z[:, 1] == 0)
    assert standardised(x, False) is x


# -- size limits and parameters -------------------------------------------------------------------------

def test_quadratic_methods_are_refused_above_their_limit_with_the_reason():
    points = np.random.default_rng(0).normal(size=(5001, 2))
    with pytest.raises(InputError, match=r"spectral clustering is refused above 5,000 points.*n × n affinity"):
        fit_clusters(points, "spectral")
    with pytest.raises(InputError, match=r"exact t-SNE is refused above 2,000 points"):
        embed(points[:2001], "tsne", {"tsne_method": "exact"})


def test_parameters_are_validated_by_name_type_and_range():
    kmeans = get_algorithm("kmeans")
    assert kmeans.parse_params({"n_clusters": "5"})["n_clusters"] == 5
    with pytest.raises(InputError, match="no parameter eps"):
        kmeans.parse_params({"eps": 1})
    with pytest.raises(InputError, match="whole number"):
        kmeans.parse_params({"n_clusters": "2.5"})
    with pytest.raises(InputError, match="between 1 and 30"):
        kmeans.parse_params({"n_clusters": 0})
    with pytest.raises(InputError, match="one of ward, complete, average, single"):
        get_algorithm("agglomerative").parse_params({"linkage": "median"})
    with pytest.raises(InputError, match="algorithm must be one of"):
        get_algorithm("affinity")


def test_every_algorithm_runs_on_small_blobs_and_gives_one_label_per_point():
    data = make_dataset(DatasetConfig("blobs", n_samples=300, seed=0))
    for name in ALGORITHMS:
        result = fit_clusters(standardised(data.points, True), name)
        assert result.labels.shape == (300,) and result.fit_seconds >= 0
        assert sum(result.sizes().values()) == 300


def test_blob_centres_are_separated():
    centres = separated_centres(5, seed=4)
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1)[np.triu_indices(5, 1)]
    assert gaps.min() >= 6.0


# -- embeddings and Mapper --------------------------------------------------------------------------------

def test_pca_of_points_on_a_plane_keeps_all_variance_and_is_fully_trustworthy():
    rng = np.random.default_rng(0)
    plane = rng.normal(size=(400, 2)) @ rng.normal(size=(2, 5))
    result = embed(plane, "pca")
    assert result.explained_variance_ratio[:2].sum() == pytest.approx(1.0)
    assert result.trustworthiness == pytest.approx(1.0)


def test_tsne_and_umap_keep_neighbourhoods_of_digits():
    digits = make_dataset(DatasetConfig("digits"))
    points = standardised(digits.points[:400], True)
    tsne = embed(points, "tsne", {"max_iter": 250, "perplexity": 20})
    umap = embed(points, "umap", {"n_neighbors": 10})
    pca = embed(points, "pca")
    assert tsne.coords.shape == umap.coords.shape == (400, 2)
    assert tsne.trustworthiness > 0.9 and umap.trustworthiness > 0.9
    assert pca.trustworthiness < min(tsne.trustworthiness, umap.trustworthiness)  # the non-linear maps keep more


def test_a_map_is_computed_once_and_read_back(tmp_cache):
    config = EmbedConfig("blobs", n_samples=300, method="umap", n_neighbors=10)
    assert not experiments.is_cached(EMBED, config)
    first = experiments.run(EMBED, config)
    assert experiments.is_cached(EMBED, config)
    experiments.forget_memory()  # read from disk, not memory
    again = experiments.run(EMBED, config)
    np.testing.assert_array_equal(again.embedding.coords, first.embedding.coords)
    # settings a result ignores are not part of its key: t-SNE's perplexity does not change a UMAP map
    assert EMBED.key(config.replace(perplexity=5.0)) == EMBED.key(config)
    assert EMBED.key(config.replace(n_neighbors=11)) != EMBED.key(config)


def test_mapper_graph_of_separated_blobs_has_one_component_per_blob(tmp_cache):
    config = MapperJobConfig("blobs", n_samples=600, seed=0, lens="pca1", n_cubes=8, overlap=0.3, mapper_eps=0.3,
                             mapper_min_samples=3)
    graph = experiments.run(MAPPER, config)
    g = nx.Graph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_edges_from(map(tuple, graph.edges.tolist()))
    assert nx.number_connected_components(g) == 3
    assert MAPPER.key(config.replace(n_neighbors=40)) == MAPPER.key(config)  # UMAP settings count only with its lens
    assert MAPPER.key(config.replace(lens="umap", n_neighbors=40)) != MAPPER.key(config.replace(lens="umap"))


def test_mapper_graph_of_a_circle_has_a_loop():
    angle = np.random.default_rng(0).uniform(0, 2 * np.pi, 800)
    circle = np.column_stack([np.cos(angle), np.sin(angle)])
    graph = mapper_graph(circle, pca_lens(circle, 1), MapperConfig(lens="pca1", n_cubes=6, overlap=0.3, mapper_eps=0.4,
                                                                    mapper_min_samples=3))
    g = nx.Graph(list(map(tuple, graph.edges.tolist())))
    assert len(nx.cycle_basis(g)) == 1


def test_comparison_runs_every_algorithm_with_the_k_it_shows_and_refuses_what_does_not_scale(tmp_cache):
    config = CompareConfig("moons", n_samples=6000, seed=0, compare=("dbscan", "spectral", "kmeans"), compare_k=2)
    comparison = experiments.run(COMPARE, config)
    dbscan, spectral, kmeans = comparison.entries
    assert dbscan.outcome.scores.ari > 0.9 and not dbscan.refused
    assert spectral.outcome is None and "refused above 5,000" in spectral.refused
    assert comparison.k == 2 and kmeans.outcome.result.n_clusters == 2
    assert COMPARE.to_json(comparison)["algorithms"][2]["k given"] == 2


def test_clustering_on_an_embedding_uses_the_map(tmp_cache):
    outcome = experiments.run(CLUSTER, ClusterConfig("blobs", n_samples=300, space="pca"))
    assert outcome.result.labels.shape == (300,) and outcome.scores.ari > 0.95
    assert experiments.is_cached(EMBED, ClusterConfig("blobs", n_samples=300, space="pca").map_config())
    with pytest.raises(InputError, match="space=raw: choose one of"):
        ClusterConfig(space="raw").validate()


def test_a_clustering_key_holds_only_what_the_result_depends_on():
    kmeans = ClusterConfig("blobs")
    assert CLUSTER.key(kmeans.replace(dbscan_eps=0.9, noise=0.3, perplexity=5.0)) == CLUSTER.key(kmeans)
    assert CLUSTER.key(kmeans.replace(n_clusters=4)) != CLUSTER.key(kmeans)
    assert CLUSTER.key(kmeans.replace(seed=1)) != CLUSTER.key(kmeans)
    dbscan = kmeans.replace(algorithm="dbscan")
    assert CLUSTER.key(dbscan.replace(n_clusters=4)) == CLUSTER.key(dbscan)
    assert CLUSTER.key(dbscan.replace(dbscan_eps=0.9)) != CLUSTER.key(dbscan)
    # digits always has 1 797 points: the number of points asked for does not change it
    assert DATA.key(ClusterConfig("digits", n_samples=500).data_settings()) == DATA.key(ClusterConfig("digits").data_settings())


def test_sizes_are_bounded_and_bad_numbers_rejected():
    with pytest.raises(InputError, match="n_samples=1000000: use between 10 and 100000"):
        ClusterConfig(n_samples=1_000_000).validate()
    with pytest.raises(InputError, match="jets as images: use at most 10,000 points"):
        ClusterConfig("jets", n_samples=100_000, jet_features="images").validate()
    with pytest.raises(InputError, match="must be a finite number"):
        ClusterConfig(noise=float("nan")).validate()
    with pytest.raises(InputError, match="spectral clustering is refused above 5,000 points"):
        ClusterConfig(n_samples=6000, algorithm="spectral").validate()
    with pytest.raises(InputError, match="barnes_hut t-SNE is refused above 20,000"):
        EmbedConfig(n_samples=30_000, method="tsne").validate()


def test_estimates_grow_with_the_work():
    small, large = ElbowConfig("jets", n_samples=1000), ElbowConfig("jets", n_samples=100_000)
    assert ELBOW.estimate_seconds(large) > 10 * ELBOW.estimate_seconds(small)
    images = ElbowConfig("jets", n_samples=6000, jet_features="images", k_max=6)
    assert ELBOW.estimate_seconds(images.replace(k_max=12)) > 1.5 * ELBOW.estimate_seconds(images)
    tsne = EmbedConfig("digits", method="tsne")
    assert EMBED.estimate_seconds(tsne.replace(max_iter=3000)) > 2 * EMBED.estimate_seconds(tsne)
    # the link of issue 12 (100 000 jet images, k up to 20) was too heavy; at the largest size it allows, it
    # still is not started without a press
    assert CLUSTER.estimate_seconds(ClusterConfig("jets", n_samples=10_000, jet_features="images")) > \
        experiments.QUICK_SECONDS


def test_an_uploaded_csv_enters_a_config_by_its_digest(tmp_cache):
    content = GOOD_CSV.encode()
    fields = csv_input.upload_fields(content, "good.csv", None, "kind")
    assert fields["csv_digest"] == csv_input.upload_digest(content) and fields["columns"] == ("a", "b")
    config = ClusterConfig(**fields, n_clusters=2)
    outcome = experiments.run(CLUSTER, config)
    assert outcome.dataset == "good.csv" and outcome.n_samples == 20 and outcome.scores.ari is not None
    upload_store.forget_memory()  # read back from the disk copy, as another process would
    assert csv_input.uploaded_bytes(fields["csv_digest"]) == content
    with pytest.raises(InputError, match="64 hex digits"):
        make_dataset(DatasetConfig("upload", csv_digest="../../etc/passwd"))


def test_jets_as_observables_carry_their_process_as_true_label():
    data = make_dataset(DatasetConfig("jets", n_samples=90, seed=0))
    assert data.points.shape == (90, 8) and np.isfinite(data.points).all()
    assert sorted(np.unique(data.true_labels)) == [0, 1, 2] and data.label_names == ("qcd", "w", "top")


# -- the CSV reader: one message per way a file can be unusable ------------------------------------------

GOOD_CSV = "a,b,kind\n" + "\n".join(f"{i},{i * i % 7},{'xy'[i % 2]}" for i in range(20))


def test_good_csv_gives_numeric_features_and_a_label():
    data = read_csv_dataset(GOOD_CSV.encode(), "good.csv", label_column="kind")
    assert data.points.shape == (20, 2) and data.feature_names == ("a", "b")
    assert data.label_names == ("x", "y") and data.true_labels[:2].tolist() == [0, 1]


@pytest.mark.parametrize("content, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "is not a valid CSV file: it is binary"),
    ("é".encode("latin-1") * 20, "is not a valid CSV file: it is not UTF-8 text"),
    (b"a,b\n1,2\n3,4,5,6\n", "is not a valid CSV file"),
    (b"", "is not a valid CSV file: it is empty"),
    (b"name,colour\n" + b"x,red\n" * 20, "has no numeric columns"),
    (b"a,b\n" + b"1,2\n" * 15 + b"3,\n", "has 1 NaN (empty or non-numeric cells) in column(s) 'b' (first at data row 16)"),
    (b"a,b\n" + b"1,2\n" * 15 + b"inf,2\n", "has 1 infinities in column(s) 'a'"),
    (b"a,b\n1,2\n3,4\n", "has 2 rows; at least 10 are needed"),
])
def test_bad_csv_gives_a_clear_message(content, message):
    with pytest.raises(InputError) as error:
        read_csv_dataset(content, "upload.csv")
    assert message in str(error.value)


def test_csv_larger_than_the_limit_is_refused_before_parsing():
    assert MAX_CSV_BYTES == 20 * 1024 * 1024
    with pytest.raises(InputError, match=r"upload.csv is 21.0 MB, larger than the 20 MB limit"):
        parse_csv(b"a\n" + b"1\n" * (21 * 1024 * 512 - 1), "upload.csv")


def test_csv_column_choice_is_checked():
    table = parse_csv(GOOD_CSV.encode(), "good.csv")
    with pytest.raises(InputError, match="'kind' of good.csv are not numeric"):
        read_csv_dataset(GOOD_CSV.encode(), "good.csv", columns=["a", "kind"])
    assert table.numeric_columns == ("a", "b")


# -- CLI ---------------------------------------------------------------------------------------------------

def test_cli_cluster_prints_sizes_silhouette_and_ari(capsys, tmp_cache):
    assert cli.main(["cluster", "--dataset", "moons", "--n-samples", "500", "--algorithm", "dbscan", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sum(out["labels_summary"].values()) == 500 and out["ari"] > 0.9
    assert -1 <= out["silhouette"] <= 1 and "nmi" in out


def test_cli_cluster_takes_the_number_of_blobs_the_page_shows(capsys, tmp_cache):
    args = ["cluster", "--dataset", "blobs", "--n-samples", "500", "--algorithm", "kmeans", "--param", "n_clusters=5"]
    assert cli.main([*args, "--n-centers", "5", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ari"] > 0.9  # five true blobs, five clusters


def test_cli_cluster_on_csv_without_labels_and_bad_params(capsys, tmp_path, tmp_cache):
    path = tmp_path / "data.csv"
    path.write_text("x,y\n" + "\n".join(f"{i % 5},{i // 5}" for i in range(30)))
    assert cli.main(["cluster", "--dataset", f"csv:{path}", "--algorithm", "kmeans", "--param", "n_clusters=2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "ari" not in out and len(out["labels_summary"]) == 2
    assert cli.main(["cluster", "--dataset", "blobs", "--param", "n_clusters=abc"]) == 2
    assert "n_clusters=abc: must be a whole number" in capsys.readouterr().err


def test_cli_embed_writes_the_map(capsys, tmp_path, tmp_cache):
    out_file = tmp_path / "map.csv"
    assert cli.main(["embed", "--dataset", "digits", "--method", "pca", "--out", str(out_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["shape"] == [1797, 2] and 0.5 < out["trustworthiness"] <= 1
    written = np.loadtxt(out_file, delimiter=",", skiprows=1)
    assert written.shape == (1797, 3)


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "seed=-1: use between 0 and 4294967295"),
    (["--n-samples", "100000000"], "n_samples=100000000: use between 10 and 100000"),
    (["--noise", "nan"], "noise=nan: must be a finite number"),
    (["--algorithm", "dbscan", "--param", "eps=inf"], "eps=inf: must be a finite number"),
    (["--param", "eps=0.2"], "kmeans has no parameter eps"),
    (["--dataset", "jets", "--jet-features", "images", "--n-samples", "100000"], "use at most 10,000 points"),
])
def test_cli_bad_values_exit_2_with_one_line(capsys, args, message):
    try:
        status = cli.main(["cluster", *args])
    except SystemExit as exc:  # argparse's own checks exit from the parser
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_keeps_its_option_names():
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for command, extra in (("cluster", ("--algorithm", "--space")), ("embed", ("--method", "--out"))):
        options = set(subparsers[command]._option_string_actions)
        assert {"--dataset", "--n-samples", "--noise", "--cluster-std", "--n-centers", "--jet-features", "--columns",
                "--label-column", "--no-standardise", "--param", "--seed", "--json", *extra} <= options


def test_the_page_command_line_rebuilds_the_same_config(capsys, tmp_cache):
    import shlex

    from ganplify_core.clustering.cli import cluster_config, command_line

    config = ClusterConfig("moons", n_samples=400, noise=0.1, algorithm="dbscan", dbscan_eps=0.25, standardise=False,
                           space="umap", n_neighbors=8, seed=4)
    line = command_line("cluster", config)
    args = cli.build_parser().parse_args(shlex.split(line)[3:])
    assert CLUSTER.key(cluster_config(args)) == CLUSTER.key(config)


def test_dbscan_with_neighbourhoods_too_large_for_memory_is_refused():
    from ganplify_core.clustering.algorithms import estimated_neighbour_pairs

    points = np.random.default_rng(0).uniform(size=(20_000, 2))
    # uniform on the unit square: a disc of radius eps holds about n·π·eps² points (edges aside)
    assert estimated_neighbour_pairs(points, 0.05) == pytest.approx(20_000 * 20_000 * np.pi * 0.05**2, rel=0.1)
    with pytest.raises(InputError, match="DBSCAN with eps = 0.5 on 20,000 points would hold about"):
        fit_clusters(points, "dbscan", {"eps": 0.5})


def test_scatter_uses_webgl_for_large_sets_and_caps_hover_points():
    from ganplify_core.clustering import plots

    rng = np.random.default_rng(0)
    big = rng.normal(size=(30_000, 2))
    labels = rng.integers(0, 3, 30_000)
    fig = plots.cluster_scatter(big, labels, "big")
    assert {t.type for t in fig.data} == {"scattergl"}
    with_hover = sum(len(t.x) for t in fig.data if t.hoverinfo != "skip")
    assert with_hover == plots.HOVER_MAX_POINTS and sum(len(t.x) for t in fig.data) == 30_000
    small = plots.cluster_scatter(big[:500], labels[:500], "small")
    assert {t.type for t in small.data} == {"scatter"} and all(t.hoverinfo != "skip" for t in small.data)
