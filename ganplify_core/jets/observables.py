"""Jet observables from zero-padded constituents: mass, pT, multiplicity, N-subjettiness.

All functions take arrays ``pt, eta, phi`` of shape (n_jets, n_max) (GeV, rapidity-like η, radians,
relative to the jet axis; padding has pT = 0) and a boolean ``mask`` of the same shape, and are
vectorised over jets.

Constituents are treated as massless: E = pT cosh η, p = (pT cos φ, pT sin φ, pT sinh η), so the jet
mass m² = (Σ E)² − |Σ p|² depends only on the differences Δη, Δφ (it is unchanged by the centring of
the preprocessing, not by its rotation: observables are computed before the rotation).

N-subjettiness (J. Thaler, K. Van Tilburg, JHEP 1103:015 (2011), arXiv:1011.2268), with β = 1:

    τ_N = Σ_k pT_k min(ΔR_{1k}, …, ΔR_{Nk}) / (Σ_k pT_k · R₀),    R₀ = R = 0.8.

**Axis choice.** τ_N is defined with the axes that minimise it. We follow FastJet's
``OnePass_KT_Axes`` (exclusive-kT axes, then minimisation): seeds are (a) the exclusive-kT axes of the
10 hardest constituents (pairs merged in order of min(pT_i², pT_j²) ΔR²_ij until N objects remain,
vectorised over jets) and (b) kT-like farthest-point seeds (the hardest constituent, then repeatedly
the constituent with the largest pT·ΔR² to the axes so far). Each is refined with a few Lloyd steps in
which each axis moves to the β = 1 optimum of the constituents nearest to it (Weiszfeld's
geometric-median iteration, weights pT/ΔR); the smallest τ_N met is returned. Tests check it against
exclusive-kT axes of all constituents computed by brute force.
"""

from __future__ import annotations

import numpy as np

OBSERVABLES = ("mass", "pt", "n_constituents", "tau1", "tau2", "tau3", "tau21", "tau32")

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


def exclusive_kt_axes(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: tuple[int, ...] = (1, 2, 3),
                      n_leading: int = 10) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Exclusive-kT axes of the ``n_leading`` hardest constituents, vectorised over jets.

    Pairs are merged in order of d_ij = min(pT_i², pT_j²) ΔR²_ij (no beam distance, as FastJet's
    exclusive jets with R → ∞ used by N-subjettiness' ``KT_Axes``), recombining pT-weighted in (η, φ);
    the objects left when N remain are the N axes. One clustering gives every N. A jet with fewer
    than N constituents gets its constituents (and zeros) as axes. Returns {N: (eta (n, N), phi (n, N))}.
    """
    n_jets, m = pt.shape
    k = min(n_leading, m)
    order = np.argsort(-pt, axis=1, kind="stable")[:, :k]
    p = np.take_along_axis(np.asarray(pt, dtype=np.float64), order, 1)
    e = np.take_along_axis(np.asarray(eta, dtype=np.float64), order, 1)
    f = np.take_along_axis(np.asarray(phi, dtype=np.float64), order, 1)
    upper = np.triu(np.ones((k, k), dtype=bool), 1)
    axes = {n: (e[:, :n].copy() if n <= k else np.pad(e, ((0, 0), (0, n - k))),
                f[:, :n].copy() if n <= k else np.pad(f, ((0, 0), (0, n - k)))) for n in n_axes}
    count = (p > 0).sum(axis=1)
    for _ in range(k):
        for n in n_axes:
            now = np.flatnonzero(count == n)
            if now.size:
                top = np.argsort(-p[now], axis=1, kind="stable")[:, :n]
                axes[n][0][now] = np.take_along_axis(e[now], top, 1)
                axes[n][1][now] = np.take_along_axis(f[now], top, 1)
        merging = np.flatnonzero(count > 1)
        if merging.size == 0:
            break
        pm, em, fm = p[merging], e[merging], f[merging]
        alive = pm > 0
        soft2 = np.minimum(pm[:, :, None], pm[:, None, :]) ** 2
        d = soft2 * ((em[:, :, None] - em[:, None, :]) ** 2 + (fm[:, :, None] - fm[:, None, :]) ** 2)
        d = np.where(upper & alive[:, :, None] & alive[:, None, :], d, np.inf)
        flat = np.argmin(d.reshape(len(merging), -1), axis=1)
        i, j = flat // k, flat % k
        r = np.arange(len(merging))
        pi, pj = pm[r, i], pm[r, j]
        total = pi + pj
        em[r, i] = (pi * em[r, i] + pj * em[r, j]) / total
        fm[r, i] = (pi * fm[r, i] + pj * fm[r, j]) / total
        pm[r, i], pm[r, j] = total, 0.0
        p[merging], e[merging], f[merging] = pm, em, fm
        count[merging] -= 1
    return axes


def _seed_farthest(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: int) -> tuple[np.ndarray, np.ndarray]:
    """kT-like seeds: the hardest constituent, then each time the one with the largest pT·ΔR² to the axes."""
    n_jets = pt.shape[0]
    rows = np.arange(n_jets)
    axes_eta = np.zeros((n_jets, n_axes), dtype=eta.dtype)
    axes_phi = np.zeros((n_jets, n_axes), dtype=phi.dtype)
    pick = np.argmax(pt, axis=1)
    axes_eta[:, 0], axes_phi[:, 0] = eta[rows, pick], phi[rows, pick]
    for a in range(1, n_axes):
        nearest = np.minimum.reduce(_distances(eta, phi, axes_eta[:, :a], axes_phi[:, :a]))
        pick = np.argmax(pt * nearest**2, axis=1)
        axes_eta[:, a], axes_phi[:, a] = eta[rows, pick], phi[rows, pick]
    return axes_eta, axes_phi


def _minimise_tau(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, axes_eta: np.ndarray, axes_phi: np.ndarray,
                  iterations: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lloyd/Weiszfeld refinement from the given axes; the smallest unnormalised τ met, and its axes."""
    axes_eta, axes_phi = axes_eta.astype(pt.dtype), axes_phi.astype(pt.dtype)
    n_axes = axes_eta.shape[1]
    best = np.full(pt.shape[0], np.inf, dtype=pt.dtype)
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
    return best, best_eta, best_phi


def nsubjettiness_axes(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: int, iterations: int = 4,
                       kt_seeds: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Approximately τ-minimising axes (n_jets, n_axes, 2) in (η, φ), and the unnormalised τ_N·R₀·ΣpT.

    Refines two seedings — exclusive-kT axes (``kt_seeds``, computed if not given) and the kT-like
    farthest-point seeds — and keeps the better result per jet (see the module docstring).
    """
    pt = np.asarray(pt, dtype=np.float32)
    eta = np.asarray(eta, dtype=np.float32)
    phi = np.asarray(phi, dtype=np.float32)
    if kt_seeds is None:
        kt_seeds = exclusive_kt_axes(pt, eta, phi, (n_axes,))[n_axes]
    tau_a, eta_a, phi_a = _minimise_tau(pt, eta, phi, *kt_seeds, iterations)
    tau_b, eta_b, phi_b = _minimise_tau(pt, eta, phi, *_seed_farthest(pt, eta, phi, n_axes), iterations)
    use_b = tau_b < tau_a
    axes = np.where(use_b[:, None, None], np.stack([eta_b, phi_b], 2), np.stack([eta_a, phi_a], 2))
    return axes, np.where(use_b, tau_b, tau_a).astype(np.float64)


def nsubjettiness(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_axes: int, radius: float = 0.8,
                  kt_seeds: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """τ_N (β = 1, R₀ = ``radius``), shape (n_jets,); 0 for an empty jet."""
    _, unnormalised = nsubjettiness_axes(pt, eta, phi, n_axes, kt_seeds=kt_seeds)
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
    seeds = exclusive_kt_axes(pt, eta, phi, (1, 2, 3))
    taus = [nsubjettiness(pt, eta, phi, n, radius, kt_seeds=seeds[n]) for n in (1, 2, 3)]
    ratio = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1.0), 0.0)
    if whole_jet is None:
        whole_jet = {"mass": jet_mass(pt, eta, phi), "pt": jet_pt(pt, eta, phi), "n_constituents": mask.sum(axis=1)}
    values = {
        "mass": whole_jet["mass"], "pt": whole_jet["pt"], "n_constituents": whole_jet["n_constituents"],
        "tau1": taus[0], "tau2": taus[1], "tau3": taus[2],
        "tau21": ratio(taus[1], taus[0]), "tau32": ratio(taus[2], taus[1]),
    }
    return {name: np.asarray(values[name], dtype=np.float32) for name in OBSERVABLES}
