"""The jets module's physics and maths against known answers: kinematics, the shower's Sudakov factor,
N-subjettiness, preprocessing, images."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from ganplify_core.jets import shower
from ganplify_core.jets.images import pixelate
from ganplify_core.jets.observables import (
    compute_observables,
    exclusive_kt_axes,
    jet_mass,
    nsubjettiness,
    whole_jet_summary,
)
from ganplify_core.jets.preprocessing import leading_constituents, preprocess, principal_angle
from ganplify_core.jets.shower import ToyShowerConfig, alpha_s


def test_running_coupling_matches_its_value_at_mz_and_falls():
    assert alpha_s(np.array([shower.M_Z]), 0.118)[0] == pytest.approx(0.118)
    values = alpha_s(np.array([1.0, 10.0, 100.0]), 0.118)
    assert np.all(np.diff(values) < 0)
    # one loop: 1/α(Q₁) − 1/α(Q₂) = b₀ ln(Q₁²/Q₂²)
    assert 1 / values[2] - 1 / values[0] == pytest.approx(shower.B0 * np.log(100.0**2), rel=1e-9)


def test_two_body_decay_conserves_four_momentum_and_mass():
    rng = np.random.default_rng(0)
    k = 500
    parent = shower._resonance(np.full(k, 173.0), rng.uniform(550, 650, k))
    d1, d2 = shower._two_body(parent, np.full(k, 4.8), np.full(k, 80.4), rng)
    np.testing.assert_allclose(d1 + d2, parent, atol=1e-8)
    mass = lambda p: np.sqrt(p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, 1))
    np.testing.assert_allclose(mass(d1), 4.8, rtol=1e-6)
    np.testing.assert_allclose(mass(d2), 80.4, rtol=1e-7)


@pytest.mark.parametrize("process, n_prongs", [("qcd", 1), ("w", 2), ("top", 3)])
def test_hard_process_prongs_lie_within_the_jet_radius(process, n_prongs):
    hard = shower.hard_process(process, 400, ToyShowerConfig(), np.random.default_rng(1))
    assert hard.n_prongs == n_prongs and len(hard.prongs.p) == 400 * n_prongs
    _, eta, phi = shower.eta_phi(hard.prongs.p)
    assert np.all(eta**2 + phi**2 < 0.8**2)


def test_shower_conserves_energy_and_the_decay_keeps_the_w_mass():
    config = ToyShowerConfig()
    rng = np.random.default_rng(2)
    hard = shower.hard_process("w", 300, config, rng)
    partons = shower.shower(hard.prongs, config, rng)
    energy_in = np.bincount(hard.prongs.jet, weights=np.linalg.norm(hard.prongs.p, axis=1), minlength=300)
    energy_out = np.bincount(partons.jet, weights=np.linalg.norm(partons.p, axis=1), minlength=300)
    np.testing.assert_allclose(energy_out, energy_in, rtol=1e-9)
    assert len(partons.p) > 3 * len(hard.prongs.p), "the prongs radiate"
    hadrons, restored = shower.restore_resonance_mass(shower.hadronise(partons, config, rng), hard)
    energy = np.linalg.norm(hadrons.p, axis=1)
    sums = np.stack([np.bincount(hadrons.jet, weights=w, minlength=300) for w in (energy, *hadrons.p.T)], 1)
    mass = np.sqrt(sums[:, 0] ** 2 - np.sum(sums[:, 1:] ** 2, 1))
    # All hadrons of the decay together carry the W mass (a colour singlet), except the decays whose
    # prongs came out heavier than the W (flagged; generate_particles draws them again).
    np.testing.assert_allclose(mass[restored], hard.mass[restored], rtol=1e-6)
    assert 0.8 < restored.mean() < 1.0


def test_first_branching_follows_the_sudakov_form_factor():
    """P(no branching between θ_c and θ_max) = exp(−∫∫ α_s(k_T)/π P(x) dx dθ²/θ²) over k_T > Q₀."""
    config = ToyShowerConfig()
    energy, theta_max, theta_cut = 200.0, 0.8, 0.1
    n = 40_000
    for gluon in (False, True):
        branches, theta, _, _ = shower._next_branching(np.full(n, energy), np.full(n, theta_max),
                                                       np.full(n, gluon), config, np.random.default_rng(3))
        no_branching_above_cut = np.mean(~branches | (theta < theta_cut))

        # ∫ over ln θ² in [ln θ_c², ln θ_max²] and x in (ζ_min, 1 − ζ_min), ζ_min = Q₀/(Eθ) (k_T > Q₀),
        # on a grid in logit(x) (dx = x(1 − x) dt), by the trapezoid rule.
        log_theta2 = np.linspace(2 * np.log(theta_cut), 2 * np.log(theta_max), 400)
        theta = np.exp(0.5 * log_theta2)[:, None]
        t_max = np.log((1 - config.cutoff_kt / (energy * theta)) / (config.cutoff_kt / (energy * theta)))
        t = np.linspace(-1.0, 1.0, 4001)[None, :] * t_max
        x = 1.0 / (1.0 + np.exp(-t))
        kt = np.minimum(x, 1 - x) * energy * theta
        weight, _ = shower._splitting_weight(x, np.full(x.shape, gluon))
        integrand = alpha_s(kt, config.alpha_s_mz) / np.pi * weight * x * (1 - x)
        inner = integrate.trapezoid(integrand, t, axis=1)
        exponent = integrate.trapezoid(inner, log_theta2)
        assert no_branching_above_cut == pytest.approx(np.exp(-exponent), abs=0.01)


def test_jet_mass_of_two_massless_particles():
    pt = np.array([[300.0, 200.0]])
    eta = np.array([[0.1, -0.2]])
    phi = np.array([[0.0, 0.25]])
    expected = np.sqrt(2 * 300 * 200 * (np.cosh(0.3) - np.cos(0.25)))
    assert jet_mass(pt, eta, phi)[0] == pytest.approx(expected, rel=1e-10)
    summary = whole_jet_summary(np.array([0, 0]), pt[0], eta[0], phi[0], 1)
    assert summary["mass"][0] == pytest.approx(expected, rel=1e-10)
    assert summary["n_constituents"][0] == 2


def test_nsubjettiness_of_few_particle_jets_is_analytic():
    # Two particles: τ1 (β = 1) is minimised on the harder one, τ1 = pT_soft ΔR / (Σ pT R₀); τ2 = 0.
    pt = np.array([[300.0, 100.0, 0.0]])
    eta = np.array([[0.0, 0.3, 0.0]])
    phi = np.array([[0.0, 0.4, 0.0]])
    assert nsubjettiness(pt, eta, phi, 1, radius=0.8)[0] == pytest.approx(100 * 0.5 / (400 * 0.8), rel=1e-3)
    assert nsubjettiness(pt, eta, phi, 2)[0] == pytest.approx(0.0, abs=1e-9)
    # Three particles, one axis each: τ3 = 0; τ2 puts the softest on its nearest neighbour.
    pt3 = np.array([[300.0, 200.0, 50.0]])
    eta3 = np.array([[0.0, 0.4, 0.0]])
    phi3 = np.array([[0.0, 0.0, 0.1]])
    assert nsubjettiness(pt3, eta3, phi3, 3)[0] == pytest.approx(0.0, abs=1e-9)
    assert nsubjettiness(pt3, eta3, phi3, 2, radius=0.8)[0] == pytest.approx(50 * 0.1 / (550 * 0.8), rel=1e-3)


def _exclusive_kt_tau(pt, eta, phi, n_axes, n_cluster, radius=0.8):
    """τ_N on exclusive-kT axes of the ``n_cluster`` hardest constituents, by brute force: merge the
    pair with the smallest min(pT_i², pT_j²) ΔR²_ij until N remain (pT-weighted η, φ); τ_N over all."""
    hardest = np.argsort(-pt, kind="stable")[:n_cluster]
    objects = [(pt[i], eta[i], phi[i]) for i in hardest if pt[i] > 0]
    while len(objects) > n_axes:
        best, pair = np.inf, None
        for i in range(len(objects)):
            for j in range(i + 1, len(objects)):
                (pi, ei, fi), (pj, ej, fj) = objects[i], objects[j]
                d = min(pi, pj) ** 2 * ((ei - ej) ** 2 + (fi - fj) ** 2)
                if d < best:
                    best, pair = d, (i, j)
        (pi, ei, fi), (pj, ej, fj) = objects[pair[0]], objects[pair[1]]
        merged = (pi + pj, (pi * ei + pj * ej) / (pi + pj), (pi * fi + pj * fj) / (pi + pj))
        objects = [o for k, o in enumerate(objects) if k not in pair] + [merged]
    axes = np.array([(e, f) for _, e, f in objects])
    mask = pt > 0
    dist = np.sqrt((eta[mask, None] - axes[None, :, 0]) ** 2 + (phi[mask, None] - axes[None, :, 1]) ** 2)
    return np.sum(pt[mask] * dist.min(axis=1)) / (pt[mask].sum() * radius)


def test_nsubjettiness_axes_against_brute_force_exclusive_kt():
    config = ToyShowerConfig()
    rng = np.random.default_rng(4)
    for process in ("qcd", "top"):
        particles = shower.generate_particles(process, 12, config, rng)
        pt, eta, phi = shower.eta_phi(particles.p)
        inside = eta**2 + phi**2 < 0.64
        pt, eta, phi, mask = leading_constituents(particles.jet[inside], pt[inside], eta[inside], phi[inside], 12, 30)
        seeds = exclusive_kt_axes(pt, eta, phi, (1, 2, 3), n_leading=10)
        for n_axes in (1, 2, 3):
            kt10 = np.array([_exclusive_kt_tau(pt[j], eta[j], phi[j], n_axes, 10) for j in range(12)])
            kt_all = np.array([_exclusive_kt_tau(pt[j], eta[j], phi[j], n_axes, 30) for j in range(12)])
            # the vectorised clustering finds the same axes as the brute force ...
            axes_eta, axes_phi = seeds[n_axes]
            on_seeds = np.sum(pt * np.minimum.reduce([np.hypot(eta - axes_eta[:, [a]], phi - axes_phi[:, [a]])
                                                      for a in range(n_axes)]), 1) / (pt.sum(1) * 0.8)
            np.testing.assert_allclose(on_seeds, kt10, rtol=1e-9)
            # ... and the minimisation only improves on them, and typically on kT axes of all constituents
            ours = nsubjettiness(pt, eta, phi, n_axes)
            assert np.all(ours <= kt10 * (1 + 1e-5) + 1e-7), (process, n_axes)
            assert np.median(ours / kt_all) < 1.0


def test_preprocessing_centres_rotates_and_flips():
    rng = np.random.default_rng(5)
    n = 200
    pt = rng.exponential(10, (n, 30))
    mask = rng.random((n, 30)) < 0.8
    pt = np.where(mask, pt, 0)
    eta = np.where(mask, rng.normal(0.3, 0.2, (n, 30)), 0)
    phi = np.where(mask, rng.normal(-0.2, 0.1, (n, 30)) + 0.5 * eta, 0)
    eta_p, phi_p = preprocess(pt, eta, phi, mask)
    total = pt.sum(1)
    np.testing.assert_allclose((pt * eta_p).sum(1) / total, 0, atol=1e-9)
    np.testing.assert_allclose((pt * phi_p).sum(1) / total, 0, atol=1e-9)
    # principal axis along φ: the η-φ covariance vanishes and the φ spread is the larger
    np.testing.assert_allclose((pt * eta_p * phi_p).sum(1), 0, atol=1e-8)
    assert np.all((pt * phi_p**2).sum(1) >= (pt * eta_p**2).sum(1))
    np.testing.assert_allclose(np.abs(principal_angle(pt, eta_p, phi_p)), np.pi / 2, atol=1e-6)
    assert np.all((pt * (eta_p > 0)).sum(1) >= (pt * (eta_p < 0)).sum(1))
    assert np.all((pt * (phi_p > 0)).sum(1) >= (pt * (phi_p < 0)).sum(1))
    # distances between constituents are unchanged (a rigid motion)
    d_before = (eta[:, 0] - eta[:, 1]) ** 2 + (phi[:, 0] - phi[:, 1]) ** 2
    d_after = (eta_p[:, 0] - eta_p[:, 1]) ** 2 + (phi_p[:, 0] - phi_p[:, 1]) ** 2
    both = mask[:, 0] & mask[:, 1]
    np.testing.assert_allclose(d_after[both], d_before[both], rtol=1e-9)


def test_leading_constituents_keeps_the_hardest_sorted():
    jet = np.array([1, 0, 1, 1, 0, 1])
    pt = np.array([5.0, 7.0, 9.0, 1.0, 3.0, 4.0])
    eta = np.arange(6.0)
    out_pt, out_eta, _, mask = leading_constituents(jet, pt, eta, eta, n_jets=3, n_max=3)
    np.testing.assert_array_equal(out_pt, [[7, 3, 0], [9, 5, 4], [0, 0, 0]])
    np.testing.assert_array_equal(out_eta, [[1, 4, 0], [2, 0, 5], [0, 0, 0]])
    np.testing.assert_array_equal(mask.sum(1), [2, 3, 0])


def test_pixelate_puts_each_constituent_in_its_pixel():
    pt = np.array([[2.0, 1.0, 5.0]])
    eta = np.array([[0.0, -0.79, 0.9]])   # the last lies outside the image
    phi = np.array([[0.0, 0.79, 0.0]])
    mask = np.ones_like(pt, dtype=bool)
    image = pixelate(pt, eta, phi, mask, normalise=False)
    assert image[0, 20, 20] == 2.0 and image[0, 0, 39] == 1.0 and image.sum() == 3.0
    assert pixelate(pt, eta, phi, mask, normalise=True).sum() == pytest.approx(1.0)


def test_observables_are_finite_for_a_single_particle_jet():
    pt = np.array([[100.0, 0.0]])
    zeros = np.zeros_like(pt)
    obs = compute_observables(pt, zeros, zeros, pt > 0)
    assert obs["mass"][0] == 0 and obs["tau21"][0] == 0 and obs["n_constituents"][0] == 1


def test_detector_smearing_and_underlying_event_options():
    rng = np.random.default_rng(6)
    plain = shower.generate_particles("qcd", 300, ToyShowerConfig(), rng)
    smeared = shower.generate_particles("qcd", 300, ToyShowerConfig(detector=True), np.random.default_rng(7))
    assert np.linalg.norm(smeared.p, axis=1).min() > 1.0 > np.linalg.norm(plain.p, axis=1).min()
    ue = shower.underlying_event(2000, ToyShowerConfig(), rng)
    _, eta, phi = shower.eta_phi(ue.p)
    assert np.all(eta**2 + phi**2 < 0.64)
    assert len(ue.jet) / 2000 == pytest.approx(4.0 * np.pi * 0.64, rel=0.05)
