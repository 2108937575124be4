"""Correlation dimension of a sample from its pairwise distances (Grassberger & Procaccia).

    dim(Q) = Q ∂/∂Q ln Σ_{i<j} Θ(d_ij < Q)

On a d-dimensional manifold the number of pairs closer than Q grows like Q^d at scales between the
noise and the size of the manifold, so dim(Q) has a plateau at d there (Grassberger & Procaccia,
Phys. Rev. Lett. 50 (1983) 346; Kégl, NIPS 2002). For jets, d_ij is the energy mover's distance
(Komiske, Metodiev & Thaler, Phys. Rev. Lett. 123 (2019) 041801, arXiv:1902.02346): exact EMD between the
jets' normalised pT distributions with ground distance ΔR in (η, φ), computed with POT's network-simplex
solver ``ot.emd2``, over all pairs, in chunks of rows spread over the cores with joblib.

The derivative is a centred finite difference of ln C(Q) on a log grid of Q. Error bars are the
standard deviation over bootstrap resamples of the points (each resample reweights every pair by the
product of its two points' multiplicities, so no distance is recomputed).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import ot
from scipy.spatial.distance import pdist

from ganplify_core.errors import InputError
from ganplify_core.seeding import make_rng
from ganplify_core.sweeps import run_sweep
from ganplify_core.training import Progress


@dataclasses.dataclass(frozen=True)
class CorrelationDimension:
    """dim(Q) on a log grid of Q.

    Attributes
    ----------
    q : ndarray (k,)
        Distance scales (unit of the distance: ambient units for manifolds, ΔR for jet EMD).
    dim : ndarray (k,)
        Q d ln C / dQ at each scale (NaN where too few pairs are closer than Q).
    dim_err : ndarray (k,)
        Bootstrap standard deviation of ``dim``.
    pair_fraction : ndarray (k,)
        Fraction of pairs closer than Q.
    """

    q: np.ndarray
    dim: np.ndarray
    dim_err: np.ndarray
    pair_fraction: np.ndarray


def euclidean_distances(points: np.ndarray) -> np.ndarray:
    """Condensed pairwise Euclidean distances (length n(n−1)/2, the order of ``scipy.spatial.distance.pdist``)."""
    return pdist(np.asarray(points, dtype=np.float64))


try:  # POT's C++ network simplex without the Python-side checks of ``ot.emd2`` (half the time per pair)
    from ot.lp.emd_wrap import emd_c as _network_simplex

    def exact_emd(a: np.ndarray, b: np.ndarray, cost: np.ndarray) -> float:
        """Exact EMD ``min_T Σ T_ij cost_ij`` between histograms ``a`` and ``b`` (each summing to 1)."""
        return float(_network_simplex(a, b, cost, 100_000, 1)[1])
except (ImportError, TypeError):  # pragma: no cover - other POT versions
    def exact_emd(a: np.ndarray, b: np.ndarray, cost: np.ndarray) -> float:
        """Exact EMD ``min_T Σ T_ij cost_ij`` between histograms ``a`` and ``b`` (each summing to 1)."""
        return float(ot.emd2(a, b, cost, check_marginals=False))


def _emd_rows(weights: np.ndarray, positions: np.ndarray, counts: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Exact EMDs of jets ``i`` in ``rows`` to every jet ``j > i`` (concatenated, pdist order).

    Particles are sorted with the padding last, so jet k's particles are the first ``counts[k]``.
    """
    out = []
    for i in rows:
        k_i = counts[i]
        # One vectorised cost computation per row, sliced per pair.
        diff = positions[i, None, :k_i, None, :] - positions[i + 1:, None, :, :]
        costs = np.sqrt((diff * diff).sum(-1))
        for offset, j in enumerate(range(i + 1, len(weights))):
            out.append(exact_emd(weights[i, :k_i], weights[j, :counts[j]],
                                 np.ascontiguousarray(costs[offset, :, :counts[j]])))
    return np.asarray(out, dtype=np.float64)


def emd_distances(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, progress: Progress | None = None,
                  n_chunks: int | None = None) -> np.ndarray:
    """Condensed matrix of exact EMDs (ΔR units, weights pT/ΣpT) between all pairs of jets.

    The n(n−1)/2 problems are split into chunks of rows with about equal numbers of pairs, run in
    parallel with :func:`ganplify_core.sweeps.run_sweep`.
    """
    pt, eta, phi = (np.asarray(v, dtype=np.float64) for v in (pt, eta, phi))
    n = len(pt)
    order = np.argsort(pt <= 0, axis=1, kind="stable")  # real particles first, padding last
    pt, eta, phi = (np.take_along_axis(v, order, axis=1) for v in (pt, eta, phi))
    counts = (pt > 0).sum(1)
    if np.any(counts == 0):
        raise InputError("every jet needs at least one particle with pT > 0")
    weights = pt / pt.sum(1, keepdims=True)
    positions = np.stack([eta, phi], axis=-1)
    n_chunks = n_chunks or max(1, min(64, n // 8))
    # Row i has n − 1 − i pairs: cut the rows where the cumulative pair count crosses equal shares.
    cumulative = np.cumsum(np.arange(n - 1, -1, -1))
    cuts = np.searchsorted(cumulative, np.linspace(0, cumulative[-1], n_chunks + 1)[1:-1])
    chunks = [c for c in np.split(np.arange(n), cuts) if len(c)]
    parts = run_sweep(_emd_rows, [(weights, positions, counts, rows) for rows in chunks], progress, label="EMD pairs")
    return np.concatenate(parts) if parts else np.zeros(0)


def correlation_dimension(
    distances: np.ndarray,
    n_points: int,
    n_q: int = 30,
    q_range: tuple[float, float] | None = None,
    n_bootstrap: int = 30,
    seed: int = 0,
    min_pairs: int = 20,
) -> CorrelationDimension:
    """dim(Q) from a condensed distance matrix of ``n_points`` points.

    Parameters
    ----------
    distances : ndarray (n(n−1)/2,)
        Pairwise distances in ``pdist`` order.
    n_points : int
        n.
    n_q : int
        Number of Q values (log-spaced).
    q_range : (float, float), optional
        Smallest and largest Q; default from the 0.1 % and 99 % quantiles of the distances.
    n_bootstrap : int
        Bootstrap resamples of the points for the error bars.
    min_pairs : int
        dim(Q) is NaN where fewer pairs than this are closer than Q (too noisy to mean anything).
    """
    distances = np.asarray(distances, dtype=np.float64)
    if distances.size != n_points * (n_points - 1) // 2 or n_points < 3:
        raise InputError(f"need the n(n−1)/2 distances of n ≥ 3 points; got {distances.size} for n={n_points}")
    positive = distances[distances > 0]
    if q_range is None:
        q_range = (float(np.quantile(positive, 1e-3)), float(np.quantile(positive, 0.99)))
    q = np.geomspace(q_range[0], q_range[1], n_q)
    # Counts below the midpoints between grid points give the centred derivative at each grid point.
    log_q = np.log(q)
    edges = np.exp(np.concatenate([[log_q[0] - (log_q[1] - log_q[0]) / 2], (log_q[1:] + log_q[:-1]) / 2,
                                   [log_q[-1] + (log_q[-1] - log_q[-2]) / 2]]))
    bins = np.searchsorted(edges, distances, side="right")  # 0: below the first edge
    i_index, j_index = np.triu_indices(n_points, k=1)

    def dim_from_pair_weights(pair_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts = np.cumsum(np.bincount(bins, weights=pair_weights, minlength=len(edges) + 1))[: len(edges)]
        with np.errstate(divide="ignore", invalid="ignore"):
            dim = np.diff(np.log(counts)) / np.diff(np.log(edges))
        dim[counts[:-1] < min_pairs] = np.nan
        return dim, counts

    dim, _ = dim_from_pair_weights(np.ones_like(distances))
    rng = make_rng(seed)
    resamples = []
    for _ in range(n_bootstrap):
        multiplicity = np.bincount(rng.integers(0, n_points, n_points), minlength=n_points).astype(np.float64)
        resamples.append(dim_from_pair_weights(multiplicity[i_index] * multiplicity[j_index])[0])
    dim_err = np.nanstd(np.asarray(resamples), axis=0) if n_bootstrap > 1 else np.full_like(dim, np.nan)
    fraction = np.array([(distances < value).mean() for value in q])
    return CorrelationDimension(q, dim, dim_err, fraction)
