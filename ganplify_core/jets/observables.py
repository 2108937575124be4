"""Jet observables from zero-padded constituents: mass, pT, multiplicity, N-subjettiness.

All functions take arrays ``pt, eta, phi`` of shape (n_jets, n_max) (GeV, rapidity-like η, radians,
relative to the jet axis; padding has pT = 0) and a boolean ``mask`` of the same shape, and are
vectorised over jets.

Constituents are treated as massless: E = pT cosh η, p = (pT cos φ, pT sin φ, pT sinh η), so the jet
mass m² = (Σ E)² − |Σ p|² depends only on the differences Δη, Δφ (it is unchanged by the centring of
the preprocessing, not by its rotation: observables are computed before the rotation).

N-subjettiness (J. Thaler, K. Van Tilburg, JHEP 1103:015 (2011), arXiv:1011.2268), with β = 1:

    τ_N = Σ_k pT_k min(ΔR_{1k}, …, ΔR_{Nk}) / (Σ_k pT_k · R₀),    R₀ = R = 0.8.

**Axis choice.** τ_N is defined with the axes that minimise it. We approximate FastJet's
``OnePass_KT_Axes`` (exclusive-kT axes, then one pass of minimisation): seed axes kT-like — the hardest
constituent, then repeatedly the constituent with the largest pT·ΔR² to the axes so far (the pair that
exclusive kT clustering would keep apart longest) — then refine with a few Lloyd steps in which each
axis moves to the β = 1 optimum of the constituents nearest to it (Weiszfeld's geometric-median
iteration, weights pT/ΔR). The smallest τ_N met on the way is returned, so τ_N never exceeds its value
on the seed axes. Tests compare it with exclusive-kT axes computed by brute force.
"""

from __future__ import annotations

import numpy as np

OBSERVABLES = ("mass", "pt", "n_constituents", "tau1", "tau2", "tau3", "tau21", "tau32")

UNITS = {"mass": "GeV", "pt": "GeV", "n_constituents": "", "tau1": "", "tau2": "", "tau3": "",
         "tau21": "", "tau32": ""}

LABELS = {"mass": "jet mass m [GeV]", "pt": "jet pT [GeV]", "n_constituents": "constituents",
          "tau1": "τ₁", "tau2": "τ₂", "tau3": "τ₃", "tau21": "τ₂₁ = τ₂/τ₁", "tau32": "τ₃₂ = τ₃/τ₂"}


def jet_four_momentum(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Σ of massless constituents' four-momenta (E, px, py, pz), shape (n_jets, 4); padding adds zero."""
    pt = pt.astype(np.float64)
    eta = eta.astype(np.float64)
    phi = phi.astype(np.float64)
    return np.stack([np.sum(pt * np.cosh(eta), 1), np.sum(pt * np.cos(phi), 1),
                     np.sum(pt * np.sin(phi), 1), np.sum(pt * np.sinh(eta), 1)], axis=1)


def jet_mass(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Invariant mass √((ΣE)² − |Σp|²) in GeV, shape (n_jets,)."""
    p4 = jet_four_momentum(pt, eta, phi)
    return np.sqrt(np.maximum(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=1), 0.0))


def jet_pt(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Transverse momentum |Σ pT⃗| in GeV, shape (n_jets,)."""
    p4 = jet_four_momentum(pt, eta, phi)
    return np.hypot(p4[:, 1], p4[:, 2])


def _distances(eta: np.ndarray, phi: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """ΔR between constituents (n, m) and axes (n, a, 2): shape (n, m, a)."""
    d_eta = eta[:, :, None] - axes[:, None, :, 0]
    d_phi = phi[:, :, None] - axes[:, None, :, 1]
    return np.sqrt(d_eta**2 + d_phi**2)


def nsubjettiness_axes(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: int,
                       iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Approximately τ-minimising axes (n_jets, n_axes, 2) in (η, φ), and the unnormalised τ_N·R₀·ΣpT.

    See the module docstring for the seeding and refinement.
    """
    pt = np.asarray(pt, dtype=np.float64)
    eta = np.asarray(eta, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    n_jets = pt.shape[0]
    rows = np.arange(n_jets)
    first = np.argmax(pt, axis=1)
    axes = np.zeros((n_jets, n_axes, 2))
    axes[:, 0] = np.stack([eta[rows, first], phi[rows, first]], 1)
    for a in range(1, n_axes):
        d2 = _distances(eta, phi, axes[:, :a]).min(axis=2) ** 2
        pick = np.argmax(pt * d2, axis=1)
        axes[:, a] = np.stack([eta[rows, pick], phi[rows, pick]], 1)

    def unnormalised_tau(ax: np.ndarray) -> np.ndarray:
        return np.sum(pt * _distances(eta, phi, ax).min(axis=2), axis=1)

    best_axes, best = axes.copy(), unnormalised_tau(axes)
    for _ in range(iterations):
        dist = _distances(eta, phi, axes)                                   # (n, m, a)
        nearest = np.argmin(dist, axis=2)
        member = nearest[:, :, None] == np.arange(n_axes)[None, None, :]   # (n, m, a)
        weight = np.where(member, pt[:, :, None] / np.maximum(dist, 1e-4), 0.0)
        total = weight.sum(axis=1)                                          # (n, a)
        new_eta = np.einsum("nma,nm->na", weight, eta) / np.maximum(total, 1e-300)
        new_phi = np.einsum("nma,nm->na", weight, phi) / np.maximum(total, 1e-300)
        has = total > 0
        axes = np.where(has[:, :, None], np.stack([new_eta, new_phi], 2), axes)
        tau = unnormalised_tau(axes)
        better = tau < best
        best = np.where(better, tau, best)
        best_axes[better] = axes[better]
    return best_axes, best


def nsubjettiness(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: int, radius: float = 0.8) -> np.ndarray:
    """τ_N (β = 1, R₀ = ``radius``), shape (n_jets,); 0 for an empty jet."""
    _, unnormalised = nsubjettiness_axes(pt, eta, phi, n_axes)
    norm = np.sum(np.asarray(pt, dtype=np.float64), axis=1) * radius
    return np.where(norm > 0, unnormalised / np.where(norm > 0, norm, 1.0), 0.0)


def compute_observables(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray,
                        radius: float = 0.8) -> dict[str, np.ndarray]:
    """All of :data:`OBSERVABLES` as float32 arrays of shape (n_jets,), in that order.

    Ratios τ21 = τ2/τ1 and τ32 = τ3/τ2 are 0 where the denominator is 0 (a jet of one particle).
    """
    pt = np.where(mask, pt, 0.0)
    taus = [nsubjettiness(pt, eta, phi, n, radius) for n in (1, 2, 3)]
    ratio = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)  # noqa: E731
    values = {
        "mass": jet_mass(pt, eta, phi),
        "pt": jet_pt(pt, eta, phi),
        "n_constituents": mask.sum(axis=1),
        "tau1": taus[0], "tau2": taus[1], "tau3": taus[2],
        "tau21": ratio(taus[1], taus[0]), "tau32": ratio(taus[2], taus[1]),
    }
    return {name: np.asarray(values[name], dtype=np.float32) for name in OBSERVABLES}
