"""GAN amplification: quantile cells, the MSE's expectation, the fit, the KDE, the GAN, the CLI."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import integrate

from ganplify_core.amplify.baselines import fit_kde, fit_parametric
from ganplify_core.amplify.distributions import (
    camelback_cdf,
    factor_cells,
    folded_normal_cdf,
    folded_normal_pdf,
    get_distribution,
)
from ganplify_core.amplify.experiment import DEFAULT_CONFIG, AmplifyConfig
from ganplify_core.amplify.gan import DATA_SCALE, GanSettings, GeneratorSampler, PooledSampler, mlp, train_gan
from ganplify_core.amplify.metrics import (
    amplification,
    equivalent_true_samples,
    expected_mse_of_true_samples,
    generated_grid,
    mse_vs_generated,
    quantile_mse,
)
from ganplify_core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


# -- quantile cells: each holds 1/N exactly ----------------------------------------------------------

@pytest.mark.parametrize("n_quant", [10, 20, 50])
def test_camelback_cells_hold_equal_probability(n_quant):
    edges, _ = get_distribution("camelback", 1, n_quant).edges()
    cdf = np.r_[0.0, camelback_cdf(edges), 1.0]
    np.testing.assert_allclose(np.diff(cdf), 1 / n_quant, atol=1e-6)


@pytest.mark.parametrize("n_quant", [10, 20, 50])
def test_ring_cells_integrate_to_one_over_n(n_quant):
    """Integrate the 2D density over every polar cell (an independent check of density and edges) with a
    120 × 8-point Gauss–Legendre product rule, exact to ~1e-12 for this smooth integrand."""
    dist = get_distribution("ring", 2, n_quant)
    radial, angular = dist.edges()
    rho_edges = np.r_[0.0, radial, 12.0]
    phi_edges = np.r_[-math.pi, angular, math.pi]
    n_radial, n_angular = dist.cell_shape
    assert n_radial * n_angular == n_quant
    nodes_r, weights_r = np.polynomial.legendre.leggauss(120)
    nodes_p, weights_p = np.polynomial.legendre.leggauss(8)
    for i in range(n_radial):
        for j in range(n_angular):
            (r0, r1), (p0, p1) = rho_edges[i:i + 2], phi_edges[j:j + 2]
            rho = 0.5 * (r1 - r0) * nodes_r + 0.5 * (r1 + r0)
            phi = 0.5 * (p1 - p0) * nodes_p + 0.5 * (p1 + p0)
            R, P = np.meshgrid(rho, phi, indexing="ij")
            p = dist.density(np.stack([R * np.cos(P), R * np.sin(P)], axis=-1).reshape(-1, 2)).reshape(R.shape)
            mass = 0.25 * (r1 - r0) * (p1 - p0) * np.einsum("i,j,ij->", weights_r, weights_p, p * R)
            assert abs(mass - 1 / n_quant) < 1e-6, (i, j, mass)


@pytest.mark.parametrize("dim", [3, 5, 10])
def test_shell_cells_hold_equal_probability(dim):
    """Radial shells by quadrature of the folded normal, u₁ slabs by quadrature of (1 − u²)^((D−3)/2)."""
    dist = get_distribution("shell", dim, 20)
    radial, angular = dist.edges()
    n_radial, n_angular = dist.cell_shape
    rho_edges = np.r_[0.0, radial, 14.0]
    radial_mass = [integrate.quad(folded_normal_pdf, a, b, epsabs=1e-12)[0] for a, b in zip(rho_edges[:-1], rho_edges[1:])]
    np.testing.assert_allclose(radial_mass, 1 / n_radial, atol=1e-6)
    law = lambda u: (1 - u * u) ** ((dim - 3) / 2)
    u_edges = np.r_[-1.0, angular, 1.0]
    total = integrate.quad(law, -1, 1, epsabs=1e-13)[0]
    slab_mass = [integrate.quad(law, a, b, epsabs=1e-13)[0] / total for a, b in zip(u_edges[:-1], u_edges[1:])]
    np.testing.assert_allclose(slab_mass, 1 / n_angular, atol=1e-6)


def test_factorisation_of_cells():
    assert factor_cells(10) == (5, 2) and factor_cells(20) == (5, 4) and factor_cells(50) == (5, 10)
    assert factor_cells(7) == (7, 1)


@pytest.mark.parametrize("name,dim", [("camelback", 1), ("ring", 2), ("shell", 4)])
def test_cell_index_agrees_with_sampling(name, dim):
    """Monte Carlo as a consistency check of cell_index (the exact check is above): fractions within 5σ."""
    dist = get_distribution(name, dim, 20)
    points = dist.sample(200_000, np.random.default_rng(1))
    counts = torch.bincount(dist.cell_index(torch.from_numpy(points)), minlength=20).numpy()
    assert counts.shape == (20,)
    sigma = math.sqrt(200_000 * 0.05 * 0.95)
    assert np.all(np.abs(counts - 10_000) < 5 * sigma)


def test_folded_normal_cdf_is_the_cdf_of_the_radius():
    rho = np.linspace(0, 10, 50)
    numeric = [integrate.quad(folded_normal_pdf, 0, r)[0] for r in rho]
    np.testing.assert_allclose(folded_normal_cdf(rho), numeric, atol=1e-10)


def test_bad_settings_are_input_errors():
    with pytest.raises(InputError, match="dim"):
        get_distribution("shell", 12, 10)
    with pytest.raises(InputError, match="quantiles"):
        get_distribution("camelback", 1, 1)


# -- the metric ----------------------------------------------------------------------------------------

def test_expected_mse_matches_simulated_true_samples():
    dist = get_distribution("camelback", 1, 10)
    n, repeats = 100, 4000
    points = dist.sample(n * repeats, np.random.default_rng(2))
    counts = np.bincount((dist.cell_index(torch.from_numpy(points)).numpy() + 10 * np.repeat(np.arange(repeats), n)),
                         minlength=10 * repeats).reshape(repeats, 10)
    mse = quantile_mse(counts)
    expected = expected_mse_of_true_samples(n, 10)
    assert expected == pytest.approx(9 / 10_000)
    assert abs(mse.mean() - expected) < 3 * mse.std() / math.sqrt(repeats)
    assert equivalent_true_samples(expected, 10) == pytest.approx(n)
    assert amplification(expected / 4, 10, n) == pytest.approx(4)


def test_mse_vs_generated_is_independent_of_chunking():
    dist = get_distribution("camelback", 1, 10)
    points = torch.from_numpy(dist.sample(20_000, np.random.default_rng(3)))

    def source():
        position = [0]

        def sample(m):
            out = points[position[0]:position[0] + m]
            position[0] += m
            return out
        return sample

    grid = generated_grid(20_000)
    assert grid[0] == 100 and grid[-1] == 20_000
    small = mse_vs_generated(source(), dist.cell_index, 10, grid, chunk_size=777)
    large = mse_vs_generated(source(), dist.cell_index, 10, grid, chunk_size=1 << 20)
    direct = [quantile_mse(np.bincount(dist.cell_index(points[:g]).numpy(), minlength=10)) for g in grid]
    np.testing.assert_allclose(small, direct)
    np.testing.assert_allclose(large, direct)


# -- the baselines ---------------------------------------------------------------------------------------

def test_mixture_fit_recovers_known_parameters():
    rng = np.random.default_rng(4)
    n = 40_000
    first = rng.random(n) < 0.3
    x = np.where(first, rng.normal(-2.0, 0.7, n), rng.normal(3.0, 1.5, n))[:, None]
    fit = fit_parametric(x, "camelback")
    np.testing.assert_allclose(fit.weights, [0.3, 0.7], atol=0.01)
    np.testing.assert_allclose(fit.means, [-2.0, 3.0], atol=0.05)
    np.testing.assert_allclose(fit.sigmas, [0.7, 1.5], atol=0.05)


def test_radial_fit_recovers_the_radius_law():
    points = get_distribution("shell", 6, 10).sample(20_000, np.random.default_rng(5))
    fit = fit_parametric(points, "shell")
    assert fit.means[0] == pytest.approx(4.0, abs=0.03) and fit.sigmas[0] == pytest.approx(1.0, abs=0.03)
    assert fit.sample(10, np.random.default_rng(0)).shape == (10, 6)


def test_kde_bandwidth_is_near_the_optimum_for_a_gaussian():
    x = np.random.default_rng(6).standard_normal((500, 1))
    silverman = 1.06 * 500 ** (-1 / 5)  # optimal for a Gaussian, σ = 1
    assert 0.5 * silverman < fit_kde(x).bandwidth < 2 * silverman


# -- the GAN ---------------------------------------------------------------------------------------------

def test_fast_sampler_equals_the_generator_network():
    trained = train_gan(np.random.default_rng(0).standard_normal((50, 2)), GanSettings(steps=5, width=16, depth=2), seed=0)
    sampler = GeneratorSampler(trained, seed=3, chunk_size=1000, device="cpu")  # the reference runs on the CPU
    fast = sampler.sample(1000).clone()
    z = torch.randn(1000, trained.settings.latent, generator=torch.Generator().manual_seed(3))
    model = mlp(trained.settings.latent, 16, 2, 2)
    model.load_state_dict(trained.generator_state)
    with torch.no_grad():
        np.testing.assert_allclose(fast.numpy(), DATA_SCALE * model(z).numpy(), rtol=1e-4, atol=1e-5)
    assert sampler.sample(2500).shape == (2500, 2)


def test_pooled_sampler_takes_equal_shares_of_each_generator():
    settings = GanSettings(steps=5, width=16, depth=2)
    data = np.random.default_rng(0).standard_normal((50, 2))
    ensemble = [train_gan(data, settings, seed=s) for s in (0, 1000)]
    pooled = PooledSampler([GeneratorSampler(t, seed=3 + j, chunk_size=1000, device="cpu") for j, t in enumerate(ensemble)])
    points = pooled.sample(999).clone()
    np.testing.assert_allclose(points[:500].numpy(), GeneratorSampler(ensemble[0], seed=3, device="cpu").sample(500).numpy(), rtol=1e-5)
    np.testing.assert_allclose(points[500:].numpy(), GeneratorSampler(ensemble[1], seed=4, device="cpu").sample(499).numpy(), rtol=1e-5)
    assert pooled.sample(2500).shape == (2500, 2)


def test_default_gan_on_the_camel_back_is_not_collapsed():
    """The default recipe on 100 points: both humps get ≥ 25 % of the mass and the MSE is far below a
    collapse onto one hump (≥ 0.01)."""
    dist = get_distribution("camelback", 1, 10)
    data = dist.sample(100, np.random.default_rng(7))
    torch.set_num_threads(1)
    trained = train_gan(data, DEFAULT_CONFIG.gan_settings, seed=7)
    samples = GeneratorSampler(trained, seed=8).sample(100_000)
    right_hump = float((samples > 0).float().mean())
    assert 0.25 <= right_hump <= 0.75
    mse = quantile_mse(np.bincount(dist.cell_index(samples).cpu().numpy(), minlength=10))
    assert mse < 3e-3
    assert set(trained.history) >= {"step", "d_loss", "g_loss", "r1"}


# -- the CLI -----------------------------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "ganplify_core", "amplify", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**__import__("os").environ, "GANPLIFY_JOBS": "1"})


def test_cli_prints_the_json_summary(tmp_cache):
    run = _cli("--dataset", "ring", "--n-train", "30", "--quantiles", "10", "--seeds", "2", "--max-generated", "2000",
               "--steps", "20", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["n_train"] == 30 and out["quantiles"] == 10
    assert set(out["train_mse"]) == {"mean", "std"}
    for method in ("fit", "kde", "gan"):
        assert set(out[method]["mse"]) == {"mean", "std"} and set(out[method]["amplification"]) == {"mean", "std"}
        assert out[method]["mse"]["mean"] > 0
        lo, hi = out[method]["amplification_of_mean_mse_ci95"]
        assert lo <= out[method]["amplification_of_mean_mse"] <= hi
        assert set(out[method]["vs_sample"]) == {"sets_better", "sets", "p_sign", "p_wilcoxon"}
    assert set(out["gan_vs_sample"]) == {"sets_better", "sets", "p_sign", "p_wilcoxon"}
    assert out["gan_vs_sample"]["sets"] == 2 and 0 <= out["gan_vs_sample"]["sets_better"] <= 2
    assert len(out["train_amplification_of_mean_mse_ci95"]) == 2


def test_cli_rejects_bad_input_in_one_line():
    run = _cli("--dataset", "shell", "--dim", "2", "--json")
    assert run.returncode == 2 and "dim" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    run = _cli("--method", "gan,vae", "--json")
    assert run.returncode == 2 and "--method" in run.stderr


def test_the_pages_command_line_rebuilds_the_same_config():
    import shlex

    from ganplify_core import cli, params
    from ganplify_core.amplify.cli import config_from_args

    config = AmplifyConfig(distribution="shell", dim=5, n_train=200, n_quant=20, width=32, r1_gamma=3.0, steps=1000,
                           gans_per_set=2, n_seeds=3, methods=("kde", "gan"), max_generated=100_000, seed=4)
    words = shlex.split(params.command_line("amplify", config))
    args = cli.build_parser().parse_args(words[3:])  # after "python -m ganplify_core"
    assert config_from_args(args) == config


def test_the_shipped_result_gains_intervals_and_the_paired_test_without_retraining():
    from ganplify_core import cache, experiments
    from ganplify_core.amplify import plots
    from ganplify_core.amplify.experiment import AMPLIFY
    from ganplify_core.amplify.uncertainty import format_p

    path = experiments.shipped_path(AMPLIFY, DEFAULT_CONFIG)
    assert path.exists(), "the page's default is not shipped: make assets"
    result = cache.load(path)
    summary = result.summary()
    gan = summary["gan"]
    lo, hi = gan["amplification_of_mean_mse_ci95"]
    assert lo < gan["amplification_of_mean_mse"] < hi
    better = int((result.mse["gan"][:, -1] < result.train_mse).sum())
    assert summary["gan_vs_sample"] == {**gan["vs_sample"]} and summary["gan_vs_sample"]["sets_better"] == better
    text = plots.headline_markdown(summary)
    assert f"{gan['amplification_of_mean_mse']:.2f} (95 % CI [{lo:.2f}, {hi:.2f}])" in text
    assert f"{better} of {DEFAULT_CONFIG.n_seeds} sets" in text and format_p(gan["vs_sample"]["p_sign"]) in text
