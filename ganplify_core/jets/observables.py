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


def _distances(eta: np.ndarray, phi: np.ndarray, axes_eta: np.ndarray, axes_phi: np.ndarray) -> list[np.ndarray]:
    """ΔR between constituents (n, m) and each axis (n, a): a list of a arrays (n, m)."""
    return [np.sqrt((eta - axes_eta[:, i, None]) ** 2 + (phi - axes_phi[:, i, None]) ** 2)
            for i in range(axes_eta.shape[1])]


def nsubjettiness_axes(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: int,
                       iterations: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Approximately τ-minimising axes (n_jets, n_axes, 2) in (η, φ), and the unnormalised τ_N·R₀·ΣpT.

    See the module docstring for the seeding and refinement.
    """
    pt = np.asarray(pt, dtype=np.float32)
    eta = np.asarray(eta, dtype=np.float32)
    phi = np.asarray(phi, dtype=np.float32)
    n_jets = pt.shape[0]
    rows = np.arange(n_jets)
    axes_eta = np.zeros((n_jets, n_axes), dtype=np.float32)
    axes_phi = np.zeros((n_jets, n_axes), dtype=np.float32)
    pick = np.argmax(pt, axis=1)
    axes_eta[:, 0], axes_phi[:, 0] = eta[rows, pick], phi[rows, pick]
    for a in range(1, n_axes):
        nearest = np.minimum.reduce(_distances(eta, phi, axes_eta[:, :a], axes_phi[:, :a]))
        pick = np.argmax(pt * nearest**2, axis=1)
        axes_eta[:, a], axes_phi[:, a] = eta[rows, pick], phi[rows, pick]

    best = np.full(n_jets, np.inf, dtype=np.float32)
    best_eta, best_phi = axes_eta.copy(), axes_phi.copy()
    for step in range(iterations + 1):
        dist = _distances(eta, phi, axes_eta, axes_phi)
        nearest = np.minimum.reduce(dist)
        tau = np.sum(pt * nearest, axis=1)
        better = tau < best
        best = np.where(better, tau, best)
        best_eta[better], best_phi[better] = axes_eta[better], axes_phi[better]
        if step == iterations:
            break
        # Weiszfeld step per axis on the constituents nearest to it (weights pT/ΔR for β = 1).
        for a in range(n_axes):
            weight = np.where(dist[a] == nearest, pt / np.maximum(dist[a], 1e-4), 0.0)
            total = weight.sum(axis=1)
            has = total > 0
            safe = np.where(has, total, 1.0)
            axes_eta[:, a] = np.where(has, (weight * eta).sum(axis=1) / safe, axes_eta[:, a])
            axes_phi[:, a] = np.where(has, (weight * phi).sum(axis=1) / safe, axes_phi[:, a])
    return np.stack([best_eta, best_phi], axis=2), best.astype(np.float64)


def nsubjettiness(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: int, radius: float = 0.8) -> np.ndarray:
    """τ_N (β = 1, R₀ = ``radius``), shape (n_jets,); 0 for an empty jet."""
    _, unnormalised = nsubjettiness_axes(pt, eta, phi, n_axes)
    norm = np.sum(np.asarray(pt, dtype=np.float64), axis=1) * radius
    return np.where(norm > 0, unnormalised / np.where(norm > 0, norm, 1.0), 0.0)


def whole_jet_summary(jet: np.ndarray, pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_jets: int) -> dict[str, np.ndarray]:
    """Mass, pT and constituent count of jets given as a flat particle list (``jet`` = jet index)."""
    p4 = [np.bincount(jet, weights=w, minlength=n_jets) for w in
          (pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta))]
    return {"mass": np.sqrt(np.maximum(p4[0] ** 2 - p4[1] ** 2 - p4[2] ** 2 - p4[3] ** 2, 0.0)),
            "pt": np.hypot(p4[1], p4[2]), "n_constituents": np.bincount(jet, minlength=n_jets)}


def compute_observables(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray,
                        radius: float = 0.8, whole_jet: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """All of :data:`OBSERVABLES` as float32 arrays of shape (n_jets,), in that order.

    τ_N come from the given (leading) constituents. Mass, pT and constituent count come from
    ``whole_jet`` when given (every constituent of the jet, e.g. :func:`whole_jet_summary` or the
    clustering program's jet), else from the given constituents. Ratios τ21 = τ2/τ1 and τ32 = τ3/τ2
    are 0 where the denominator is 0 (a jet of one particle).
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
    if whole_jet is not None:
        values.update({name: whole_jet[name] for name in ("mass", "pt", "n_constituents")})
    return {name: np.asarray(values[name], dtype=np.float32) for name in OBSERVABLES}
