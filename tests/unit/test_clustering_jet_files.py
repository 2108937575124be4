"""Clustering the user's jets file (ganplify_core.jets.files): the data set, the CLI, the page's command line."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pytest

from ganplify_core import cli, experiments
from ganplify_core.clustering.cli import cluster_config, command_line
from ganplify_core.clustering.datasets import JET_FILE, DatasetConfig, make_dataset
from ganplify_core.clustering.experiment import CLUSTER, ClusterConfig
from ganplify_core.errors import InputError
from ganplify_core.jets import files, get_jets


@pytest.fixture(scope="module")
def jetnet_bytes():
    samples = {"qcd": get_jets("qcd", 150, seed=1), "top": get_jets("top", 150, seed=2)}
    return files.jets_to_npz(samples), samples


def test_a_jets_file_becomes_observables_with_its_classes_as_true_labels(jetnet_bytes, tmp_cache):
    data, samples = jetnet_bytes
    digest = files.store_upload(data, "jetnet", name="mine.npz")
    config = DatasetConfig(JET_FILE, n_samples=200, jets_digest=digest, jets_name="mine.npz", jets_format="jetnet")
    dataset = make_dataset(config)
    assert dataset.points.shape == (200, 8) and dataset.label_names == ("qcd", "top")
    assert dataset.name == "mine.npz (observables)"
    # read back as written: the first 200 jets (150 QCD, then 50 top), their masses as the generated ones
    assert np.bincount(dataset.true_labels).tolist() == [150, 50]
    np.testing.assert_allclose(dataset.points[:150, 0], samples["qcd"].observables["mass"], rtol=1e-3)
    images = make_dataset(config.replace(jet_features="images", n_samples=20))
    assert images.points.shape == (20, 1600)


def test_clustering_the_file_separates_top_from_qcd(jetnet_bytes, tmp_cache):
    data, _ = jetnet_bytes
    digest = files.store_upload(data, "jetnet", name="mine.npz")
    config = ClusterConfig(JET_FILE, n_samples=300, jets_digest=digest, jets_name="mine.npz", jets_format="jetnet",
                           algorithm="gaussian_mixture", n_clusters=2)
    outcome = experiments.run(CLUSTER, config)
    assert outcome.n_samples == 300 and outcome.scores.ari > 0.3  # mass and τ32 set top apart from QCD


def test_a_jets_file_is_needed_and_refused_clearly(tmp_cache):
    with pytest.raises(InputError, match="upload a jets file first"):
        DatasetConfig(JET_FILE).validate()
    with pytest.raises(InputError, match="use at most 10,000 points"):
        DatasetConfig(JET_FILE, n_samples=20_000, jet_features="images", jets_digest="0" * 64).validate()
    with pytest.raises(InputError):
        files.store_upload(b"not a jets file at all", "jetnet", name="bad.npz")


def test_cli_clusters_a_jets_file_and_the_page_line_rebuilds_its_config(jetnet_bytes, tmp_path, capsys, tmp_cache,
                                                                        monkeypatch):
    data, _ = jetnet_bytes
    path = tmp_path / "mine.npz"
    path.write_bytes(data)
    assert cli.main(["cluster", "--dataset", f"jets:{path}", "--jets-format", "jetnet", "--n-samples", "300",
                     "--algorithm", "kmeans", "--param", "n_clusters=2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_samples"] == 300 and out["n_features"] == 8 and "ari" in out
    # the page names the file as uploaded: its line runs where the file is
    monkeypatch.chdir(tmp_path)
    config = ClusterConfig(JET_FILE, n_samples=300, jets_digest=files.upload_digest(data), jets_name="mine.npz",
                           jets_format="jetnet", n_clusters=2, seed=3)
    line = command_line("cluster", config)
    assert "--dataset jets:mine.npz" in line and "--jets-format jetnet" in line
    args = cli.build_parser().parse_args(shlex.split(line)[3:])
    assert CLUSTER.key(cluster_config(args)) == CLUSTER.key(config)
    assert cli.main(["topology", "--dataset", f"jets:{path}", "--n-samples", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_points"] == 100


@pytest.mark.parametrize(("args", "message"), [
    (["--dataset", "jets:/nonexistent.npz"], "no such file"),
    (["--dataset", "jet_file"], "is the page's"),
    (["--dataset", "jets:x", "--jets-format", "csv"], "invalid choice"),
])
def test_cli_bad_jets_files_exit_2_with_one_line(args, message, capsys, tmp_cache):
    try:
        status = cli.main(["cluster", *args, "--json"])
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
