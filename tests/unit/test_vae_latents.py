"""Latent spaces of the VAE (seed 003's remedies): the periodic factor's KL and sampler, the categorical factor."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ganplify_core.vae.latents import (
    CategoricalLatent,
    PeriodicLatent,
    make_latent,
    power_spherical_kl_circle,
    sample_power_spherical_circle,
)


@pytest.mark.parametrize("kappa", [0.0, 0.3, 2.0, 15.0, 400.0])
def test_power_spherical_kl_matches_numerical_integration(kappa):
    """KL(q ‖ uniform) = ∫ q ln(2π q) dθ with q(θ) ∝ (1 + cos θ)^κ, integrated on a fine grid."""
    n = 400_000
    step = 2 * np.pi / n
    theta = -np.pi + (np.arange(n) + 0.5) * step  # the midpoint rule: spectrally accurate for periodic q
    log_unnormalised = kappa * np.log1p(np.cos(theta))
    log_unnormalised -= log_unnormalised.max()
    q = np.exp(log_unnormalised)
    q /= q.sum() * step
    integrand = np.where(q > 0, q * np.log(np.where(q > 0, 2 * np.pi * q, 1.0)), 0.0)
    expected = integrand.sum() * step
    ours = float(power_spherical_kl_circle(torch.tensor(kappa, dtype=torch.float64)))
    assert ours == pytest.approx(expected, abs=1e-6, rel=1e-5)


def test_power_spherical_kl_at_large_kappa_is_gaussian_in_angle():
    """κ ≫ 1: the angle is N(0, 2/κ), so KL → ln 2π − ½ ln(2πe · 2/κ)."""
    kappa = torch.tensor(1e4, dtype=torch.float64)
    gaussian = math.log(2 * math.pi) - 0.5 * math.log(2 * math.pi * math.e * 2 / 1e4)
    assert float(power_spherical_kl_circle(kappa)) == pytest.approx(gaussian, abs=1e-3)


def test_power_spherical_sampler_moments_and_gradient():
    torch.manual_seed(0)
    direction = torch.tensor([[0.6, 0.8]]).expand(50_000, 2)
    for kappa in (0.5, 5.0, 200.0):
        x = sample_power_spherical_circle(direction, torch.full((50_000,), kappa))
        np.testing.assert_allclose(x.norm(dim=-1).numpy(), 1.0, atol=1e-5)  # on the circle
        t = (x * direction).sum(-1)
        assert float(t.mean()) == pytest.approx(kappa / (kappa + 1), abs=6e-3)  # E[μ·x] = κ/(κ + 1)
        normal = x[:, 0] * -0.8 + x[:, 1] * 0.6
        assert abs(float(normal.mean())) < 1e-2  # symmetric about μ
    kappa = torch.tensor([3.0], requires_grad=True)
    sample_power_spherical_circle(torch.tensor([[1.0, 0.0]]), kappa)[:, 0].sum().backward()
    assert kappa.grad is not None and torch.isfinite(kappa.grad).all()  # reparameterised


def test_periodic_coordinates_round_trip_and_prior():
    latent = make_latent("periodic", 3)
    assert isinstance(latent, PeriodicLatent) and latent.n_params == 2 + 4 and latent.decoder_dim == 4
    h = torch.tensor([[0.0, 2.0, 0.5, -0.5, 0.0, 0.0]])
    coords = latent.coordinates(h)
    assert float(coords[0, 0]) == pytest.approx(math.pi / 2)  # the angle of v = (0, 2)
    np.testing.assert_allclose(latent.decoder_input(coords)[0, :2].numpy(), [0.0, 1.0], atol=1e-6)
    prior = latent.prior_coordinates(1000, torch.Generator().manual_seed(0))
    assert prior.shape == (1000, 3) and float(prior[:, 0].abs().max()) <= math.pi


def test_categorical_kl_and_exact_expectation():
    latent = make_latent("categorical", 2, n_categories=3)
    assert isinstance(latent, CategoricalLatent) and latent.n_params == 3 + 2
    logits = torch.tensor([[0.0, 0.0, 0.0, 0.0, 0.0], [50.0, 0.0, 0.0, 0.0, 0.0]])
    kl = latent.kl(logits)
    assert float(kl[0, 0]) == pytest.approx(0.0, abs=1e-6)  # uniform posterior: no information
    assert float(kl[1, 0]) == pytest.approx(math.log(3), abs=1e-6)  # certain of one of 3: ln 3 nats
    terms = latent.reconstruction_terms(logits)
    assert len(terms) == 3  # one decoder pass per category, weighted by q(c|x)
    np.testing.assert_allclose(sum(w for w, _ in terms).numpy(), 1.0, atol=1e-6)
    np.testing.assert_allclose(terms[2][1][:, :3].numpy(), [[0, 0, 1], [0, 0, 1]])
    assert latent.coordinates(logits)[1, 0] == 0


def test_periodic_latent_opens_one_dimension_on_the_circle_where_the_gaussian_opens_two():
    """Seed 003's topology note: the Gaussian latent needs two coordinates for S¹, the periodic one needs one.

    Same data, grid and budget; at the two smallest β (well below the radius 1, above the noise):
    the Gaussian VAE has two active latents, the periodic VAE one (its angle), and its D(β) ≈ 1.
    """
    from ganplify_core.vae.experiment import VaeConfig, run_beta_sweep

    results = {}
    for kind in ("gaussian", "periodic"):
        config = VaeConfig(manifold="circle", n=600, latent_dim=2, beta_min=0.03, beta_max=2.0, n_betas=5,
                           steps_per_beta=600, latent_kind=kind, seed=0).validate()
        results[kind] = run_beta_sweep(config)
    gaussian, periodic = results["gaussian"], results["periodic"]
    assert list(gaussian.active_dims[:2]) == [2, 2], gaussian.kl_per_dim
    assert list(periodic.active_dims[:2]) == [1, 1], periodic.kl_per_dim
    assert periodic.kl_per_dim[0, 0] > 3.0 and periodic.kl_per_dim[:2, 1].max() < 0.25  # the angle carries it
    np.testing.assert_allclose(periodic.dimensionality[:3], 1.0, atol=0.35)
    assert gaussian.dimensionality[:2].min() > 1.3  # measured 1.56 and 1.42 (seed 0)
    assert periodic.factor_names == ("z1 (S¹)", "z2")
