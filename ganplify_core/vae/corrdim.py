"""Correlation dimension of a sample from its pairwise distances (Grassberger & Procaccia).

    dim(Q) = Q ∂/∂Q ln Σ_{i<j} Θ(d_ij < Q)

On a d-dimensional manifold the number of pairs closer than Q grows like Q^d at scales between the
noise and the size of the manifold, so dim(Q) has a plateau at d there (Grassberger & Procaccia,
Phys. Rev. Lett. 50 (1983) 346; Kégl, NIPS 2002). For jets, d_ij is the energy mover's distance
(Komiske, Metodiev & Thaler, Phys. Rev. Lett. 123 (2019) 041801, arXiv:1902.02346): exact EMD between the
jets' normalised pT distributions with ground distance ΔR in (η, φ), computed with POT's network-simplex
solver (``ot.emd2``'s), over all pairs, on threads (:mod:`ganplify_core.vae.emd`).

The derivative is a centred finite difference of ln C(Q) on a log grid of Q. Error bars are the
standard deviation over bootstrap resamples of the points (each resample reweights every pair by the
product of its two points' multiplicities, so no distance is recomputed).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial.distance import pdist

from ganplify_core.errors import InputError
from ganplify_core.seeding import make_rng
from ganplify_core.training import Progress
from ganplify_core.vae.emd import jet_weights_positions, pairwise_emd


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


def emd_distances(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, progress: Progress | None = None,
                  n_chunks: int | None = None) -> np.ndarray:
    """Condensed matrix of exact EMDs (ΔR units, weights pT/ΣpT) between all pairs of jets.

    POT's network simplex over threads of this process (:func:`ganplify_core.vae.emd.pairwise_emd`).
    """
    weights, positions = jet_weights_positions(pt, eta, phi)
    return pairwise_emd(weights, positions, progress=progress, n_chunks=n_chunks)


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
