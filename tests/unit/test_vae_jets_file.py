"""Issue 15.3: the VAE (and dim(Q)) on the user's own jets file, through the CLI and ``experiments.run``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganplify_core import cli as main_cli
from ganplify_core import experiments
from ganplify_core.errors import InputError
from ganplify_core.jets import files, get_jets
from ganplify_core.vae.experiment import CORRDIM, VAE_SWEEP, CorrdimConfig, VaeConfig, load_dataset

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"n": 120, "beta_min": 0.01, "beta_max": 0.1, "n_betas": 3, "steps_per_beta": 5, "latent_dim": 2}
SMALL_ARGS = ["--n", "120", "--betas", "0.01:0.1:3", "--steps-per-beta", "5", "--latent-dim", "2"]


@pytest.fixture(scope="module")
def jetnet_npz(tmp_path_factory) -> Path:
    """A tiny JetNet .npz (the layout jets_to_npz writes): 150 QCD and 150 top toy jets."""
    path = tmp_path_factory.mktemp("jets") / "mine.npz"
    path.write_bytes(files.jets_to_npz({"qcd": get_jets("qcd", 150, seed=1), "top": get_jets("top", 150, seed=2)}))
    return path


def stored(path: Path) -> dict:
    digest = files.store_upload(path.read_bytes(), "jetnet", name=path.name)
    return {"dataset": "jets", "source": files.SOURCE, "jets_digest": digest, "jets_name": path.name,
            "jets_format": "jetnet"}


def cli(cache: Path, *argv) -> subprocess.CompletedProcess:
    env = {**os.environ, "GANPLIFY_CACHE_DIR": str(cache), "GANPLIFY_DEVICE": "cpu"}
    return subprocess.run([sys.executable, "-m", "ganplify_core", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_the_file_is_read_by_read_jets_one_class_first_n(jetnet_npz, tmp_cache):
    config = VaeConfig(**stored(jetnet_npz), jets_class="top", **SMALL).validate()
    dataset = load_dataset(config)
    assert dataset.inputs.shape == (120, 50, 3)
    top = files.read_jets(jetnet_npz, "jetnet")["top"]
    np.testing.assert_allclose(dataset.properties["jet mass [GeV]"], top.observables["mass"][:120], rtol=1e-6)
    np.testing.assert_allclose(dataset.inputs[:, :, 0].sum(1), 1.0, atol=1e-5)  # pT fractions
    with pytest.raises(InputError, match="classes qcd, top: choose one"):
        load_dataset(config.replace(jets_class=""))
    with pytest.raises(InputError, match="no class 'w'.*qcd, top"):
        load_dataset(config.replace(jets_class="w"))


def test_checks_and_cache_key_follow_the_content(jetnet_npz, tmp_cache):
    with pytest.raises(InputError, match="upload a jets file first"):
        VaeConfig(dataset="jets", source=files.SOURCE).validate()
    with pytest.raises(InputError, match="no longer on this server"):
        VaeConfig(dataset="jets", source=files.SOURCE, jets_digest="0" * 64).validate()
    config = VaeConfig(**stored(jetnet_npz), jets_class="top", **SMALL)
    assert config.canonical() == config.replace(jets_name="other.npz", process="qcd").canonical(), \
        "the file's name and the unused process are not in the key"
    assert config.canonical() != config.replace(jets_digest="1" * 64).canonical()
    assert config.canonical() != config.replace(jets_class="qcd").canonical()
    toy = VaeConfig(dataset="jets", **SMALL)
    assert toy.canonical() == toy.replace(jets_format="root", jets_class="top").canonical(), \
        "built-in jets ignore the file fields"
    assert "process" in config.ignored and "jets_class" in toy.ignored


def test_cli_and_experiments_run_give_the_same_sweep(jetnet_npz, tmp_cache):
    done = cli(tmp_cache, "vae", "--dataset", "jets", "--jets-input", str(jetnet_npz), "--jets-format", "jetnet",
               "--jets-class", "top", *SMALL_ARGS, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) >= {"betas", "kl_total", "kl_per_dim", "dimensionality", "distance2", "active_dims",
                        "distance_unit"}
    assert len(out["betas"]) == 3 and np.asarray(out["kl_per_dim"]).shape == (3, 2)
    config = VaeConfig(**stored(jetnet_npz), jets_class="top", **SMALL)
    assert experiments.is_cached(VAE_SWEEP, config), "the CLI stored the file by its digest, as the page does"
    result = experiments.run(VAE_SWEEP, config)
    np.testing.assert_allclose(result.kl_total, out["kl_total"], rtol=1e-6)


def test_corrdim_reads_the_same_file(jetnet_npz, tmp_cache):
    config = CorrdimConfig(**stored(jetnet_npz), jets_class="qcd", n=30, n_q=5).validate()
    result = experiments.run(CORRDIM, config)
    assert len(result.q) == 5 and np.isfinite(result.q).all()


@pytest.mark.parametrize("argv, message", [
    (["--jets-input", "{bad}", "--jets-format", "jetnet"], "bad.npz is neither an .npz nor an HDF5"),
    (["--jets-input", "{missing}", "--jets-format", "jetnet"], "no such file"),
    (["--jets-input", "{good}", "--jets-format", "jetnet"], "classes qcd, top: choose one"),
    (["--jets-input", "{good}", "--jets-format", "jetnet", "--jets-class", "w"], "no class 'w'"),
    (["--source", "file"], "upload a jets file first"),
])
def test_a_bad_file_is_one_line_and_exit_2(jetnet_npz, tmp_cache, tmp_path, capsys, argv, message):
    """In process (cli.main, as the subprocess runs it); nothing trains before the file is checked."""
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a jets file at all")
    paths = {"{bad}": str(bad), "{missing}": str(tmp_path / "missing.npz"), "{good}": str(jetnet_npz)}
    code = main_cli.main(["vae", "--dataset", "jets", *[paths.get(a, a) for a in argv], *SMALL_ARGS, "--json"])
    out = capsys.readouterr()
    assert code == 2 and out.out == ""
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in out.err, out.err


def test_jets_input_needs_the_jets_dataset_and_a_bad_file_exits_2_in_a_subprocess(jetnet_npz, tmp_cache, tmp_path):
    done = cli(tmp_cache, "vae", "--jets-input", str(jetnet_npz), "--json")
    assert done.returncode == 2 and "--dataset jets" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not an HDF5 file")
    done = cli(tmp_cache, "vae", "--dataset", "jets", "--jets-input", str(bad), "--jets-format", "toptagging",
               "--json")
    assert done.returncode == 2 and done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_class_late_in_a_sorted_file_is_found(tmp_cache, tmp_path):
    """JetNet files are often sorted by class: the chosen class is looked for in the whole file, not its start."""
    path = tmp_path / "sorted.npz"
    path.write_bytes(files.jets_to_npz({"qcd": get_jets("qcd", 1100, seed=1), "top": get_jets("top", 40, seed=2)}))
    config = VaeConfig(**stored(path), jets_class="top", **SMALL).validate()
    assert len(load_dataset(config).inputs) == 40, "all the class's jets when it has fewer than n"
    from ganplify_core.vae.experiment import file_classes

    assert file_classes(config.jets_digest, "jetnet") == {"qcd": 1100, "top": 40}
