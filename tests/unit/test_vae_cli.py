"""VAE latent explorer: the CLI commands, the configs' declared parameters, the estimates, the jet VAE's encoder."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganplify_core import cli, experiments
from ganplify_core.errors import InputError
from ganplify_core.vae import cli as vae_cli
from ganplify_core.vae.experiment import (
    CORRDIM,
    VAE_SWEEP,
    CorrdimConfig,
    DatasetConfig,
    VaeConfig,
    load_dataset,
    load_model,
)
from ganplify_core.vae.model import JetVAE

VAE_KEYS = {"betas", "kl_total", "kl_per_dim", "dimensionality", "dimensionality_reconstruction", "distance2",
            "active_dims", "distance_unit"}
CORRDIM_KEYS = {"q", "dim", "dim_err", "pair_fraction", "distance_unit"}


def run_cli(capsys, *argv):
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse rejects an option's value before the handler runs
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_vae_command_prints_per_beta_statistics(capsys, tmp_cache):
    code, out, _ = run_cli(capsys, "vae", "--dataset", "manifold", "--intrinsic-dim", "1", "--n", "400",
                           "--betas", "0.05:1:4", "--steps-per-beta", "10", "--latent-dim", "2", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == VAE_KEYS
    assert len(result["betas"]) == len(result["kl_total"]) == len(result["dimensionality"]) == 4
    assert np.asarray(result["kl_per_dim"]).shape == (4, 2)
    assert len(result["active_dims"]) == 4
    assert result["distance_unit"] == "ambient units"
    np.testing.assert_allclose(np.asarray(result["kl_per_dim"]).sum(1), result["kl_total"], rtol=1e-6)
    # the same grid written as the page writes it is the same cached result
    config = vae_cli.vae_config(cli.build_parser().parse_args(
        ["vae", "--intrinsic-dim", "1", "--n", "400", "--beta-min", "0.05", "--beta-max", "1", "--n-betas", "4",
         "--steps-per-beta", "10", "--latent-dim", "2"]))
    assert experiments.is_cached(VAE_SWEEP, config)
    model = load_model(config, experiments.run(VAE_SWEEP, config).state_dicts[0])
    assert not model.training and model.latent_dim == 2


def test_vae_latent_kinds_on_the_cli(capsys, tmp_cache):
    """--latent-kind periodic|categorical adds the factors to the JSON; the gaussian default keeps its keys."""
    code, out, _ = run_cli(capsys, "vae", "--manifold", "mixed", "--n", "300", "--betas", "0.1:1:3",
                           "--steps-per-beta", "5", "--latent-dim", "2", "--latent-kind", "categorical",
                           "--n-categories", "3", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == VAE_KEYS | {"latent_kind", "latent_factors", "category_purity"}
    assert result["latent_kind"] == "categorical" and result["latent_factors"] == ["c (category)", "z2"]
    assert np.asarray(result["kl_per_dim"]).shape == (3, 2) and np.all(np.asarray(result["kl_per_dim"])[:, 0] <= np.log(3) + 1e-6)
    assert all(0.5 <= p <= 1 for p in result["category_purity"])  # two pieces: a purity of at least one half
    code, out, _ = run_cli(capsys, "vae", "--manifold", "circle", "--n", "300", "--betas", "0.1:1:3",
                           "--steps-per-beta", "5", "--latent-dim", "2", "--latent-kind", "periodic", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == VAE_KEYS | {"latent_kind", "latent_factors"} and result["latent_factors"] == ["z1 (S¹)", "z2"]
    # n_categories means nothing to a periodic latent: one cache entry whatever it says
    assert VAE_SWEEP.key(VaeConfig(latent_kind="periodic", n_categories=5)) == VAE_SWEEP.key(VaeConfig(latent_kind="periodic"))
    assert VAE_SWEEP.key(VaeConfig(latent_kind="periodic")) != VAE_SWEEP.key(VaeConfig())


def test_corrdim_command(capsys, tmp_cache):
    code, out, _ = run_cli(capsys, "corrdim", "--dataset", "manifold", "--intrinsic-dim", "2", "--n", "300", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == CORRDIM_KEYS
    assert len(result["q"]) == len(result["dim"]) == len(result["dim_err"]) == 30
    assert experiments.is_cached(CORRDIM, CorrdimConfig(n=300))


def test_default_beta_grid_depends_on_the_dataset():
    parser = cli.build_parser()
    manifold = vae_cli.vae_config(parser.parse_args(["vae"]))
    jets = vae_cli.vae_config(parser.parse_args(["vae", "--dataset", "jets"]))
    assert (manifold.beta_min, manifold.beta_max, manifold.n_betas, manifold.steps_per_beta) == (0.01, 2.0, 10, 250)
    assert (jets.beta_min, jets.beta_max, jets.n_betas, jets.steps_per_beta) == (0.005, 0.1, 8, 400)
    changed = vae_cli.vae_config(parser.parse_args(["vae", "--dataset", "jets", "--n-betas", "4", "--steps-per-beta", "50"]))
    assert (changed.beta_min, changed.beta_max, changed.n_betas, changed.steps_per_beta) == (0.005, 0.1, 4, 50)
    grid = vae_cli.vae_config(parser.parse_args(["vae", "--dataset", "jets", "--betas", "0.01:0.1:3"]))
    assert (grid.beta_min, grid.n_betas, grid.steps_per_beta) == (0.01, 3, 400)
    assert jets.validate().total_steps <= 5000 and VAE_SWEEP.estimate_seconds(jets) < 600


@pytest.mark.parametrize("argv", [
    ["vae", "--betas", "1:0.1:5"], ["vae", "--betas", "nan:1:5"], ["vae", "--betas", "0.1:inf:5"],
    ["vae", "--betas", "0.1:1:5", "--n-betas", "4"], ["vae", "--seed", "-1"], ["vae", "--n", "100000000"],
    ["vae", "--noise", "nan"], ["vae", "--noise", "-0.1"], ["vae", "--n-betas", "1000"], ["vae", "--latent-dim", "0"],
    ["vae", "--beta-min", "1", "--beta-max", "0.5"], ["vae", "--ambient-dim", "3"], ["vae", "--manifold", "torus"],
    ["vae", "--dataset", "jets", "--steps-per-beta", "5000"], ["vae", "--steps-per-beta", "1e9"],
    ["corrdim", "--n-q", "100000"], ["corrdim", "--n", "1e9"], ["corrdim", "--n", "100000"],
    ["corrdim", "--dataset", "jets", "--n", "5000"], ["corrdim", "--source", "elsewhere"],
    ["vae", "--latent-kind", "toroidal"], ["vae", "--dataset", "jets", "--latent-kind", "periodic"],
    ["vae", "--latent-kind", "categorical", "--n-categories", "1"], ["vae", "--n-categories", "99"],
])
def test_bad_values_are_one_line_exit_2(capsys, argv):
    code, out, err = run_cli(capsys, *argv, "--json")
    assert code == 2 and not out and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_bad_beta_grid_names_the_option(capsys):
    code, _, err = run_cli(capsys, "vae", "--betas", "1:0.1:5", "--json")
    assert code == 2 and "--betas" in err and len(err.strip().splitlines()) == 1


def test_settings_a_dataset_ignores_share_one_cache_entry():
    assert VAE_SWEEP.key(VaeConfig(dataset="jets", noise=0.05, manifold="circle")) == VAE_SWEEP.key(VaeConfig(dataset="jets"))
    assert VAE_SWEEP.key(VaeConfig(process="top")) == VAE_SWEEP.key(VaeConfig())
    assert VAE_SWEEP.key(VaeConfig(noise=0.05)) != VAE_SWEEP.key(VaeConfig())
    assert CORRDIM.key(CorrdimConfig(manifold="circle", intrinsic_dim=4)) == CORRDIM.key(CorrdimConfig(manifold="circle"))
    assert CORRDIM.key(CorrdimConfig(intrinsic_dim=4)) != CORRDIM.key(CorrdimConfig())


def test_cross_field_checks():
    with pytest.raises(InputError, match="beta_min"):
        VaeConfig(beta_min=0.5, beta_max=0.1).validate()
    with pytest.raises(InputError, match="ambient_dim"):
        VaeConfig(intrinsic_dim=5, ambient_dim=8).validate()
    VaeConfig(manifold="circle", ambient_dim=2).validate()
    with pytest.raises(InputError, match="training steps"):
        VaeConfig(dataset="jets", steps_per_beta=1000).validate()
    VaeConfig(steps_per_beta=1000).validate()  # points train fast: the same budget is fine
    with pytest.raises(InputError, match="exact EMDs"):
        CorrdimConfig(dataset="jets", n=3000).validate()
    CorrdimConfig(n=3000).validate()


def test_estimates_grow_with_the_sizes_a_user_sets():
    base = VaeConfig()
    assert VAE_SWEEP.estimate_seconds(base.replace(steps_per_beta=500)) > 1.8 * VAE_SWEEP.estimate_seconds(base) - 1
    assert VAE_SWEEP.estimate_seconds(base.replace(n_betas=20)) > VAE_SWEEP.estimate_seconds(base)
    assert VAE_SWEEP.estimate_seconds(base.replace(dataset="jets")) > 10 * VAE_SWEEP.estimate_seconds(base)
    small, large = CorrdimConfig(dataset="jets", n=500), CorrdimConfig(dataset="jets", n=1000)
    assert CORRDIM.estimate_seconds(large) > 3 * CORRDIM.estimate_seconds(small) - 10
    assert CORRDIM.estimate_seconds(CorrdimConfig()) < experiments.QUICK_SECONDS, "the page's Euclidean default is quick"
    assert VAE_SWEEP.estimate_seconds(VaeConfig()) > experiments.QUICK_SECONDS, "the default sweep waits for a press"
    for experiment in (VAE_SWEEP, CORRDIM):
        assert len(experiment.calibration) == 3
        for config in experiment.calibration:
            assert 5 <= experiment.estimate_seconds(config.validate()) <= 60


def test_jet_encoder_tells_centred_jets_apart(tmp_cache):
    """Jets are centred on their pT centroid, so an encoder of linear features sees the same for all.

    At initialisation the posterior means spread by ~5e-4 across jets with the quadratic features and by
    ~6e-6 with (η, φ) alone (measured; that encoder never learned during training).
    """
    inputs = torch.tensor(load_dataset(DatasetConfig(dataset="jets", process="w", n=64)).inputs)
    torch.manual_seed(0)
    mu = JetVAE().coordinates(inputs).detach()
    assert float(mu.std(0).mean()) > 2e-4
