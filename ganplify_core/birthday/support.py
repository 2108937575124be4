"""The birthday-paradox curve and support-size estimators.

If a generator has support of size d (d equally likely outcomes), s samples contain at least one
duplicate pair with probability

.. math:: p(s) = 1 - \\prod_{i=1}^{s-1} \\left(1 - \\frac{i}{d}\\right) \\approx 1 - e^{-s(s-1)/2d},

which crosses ½ at :math:`s^* \\approx \\sqrt{2 \\ln 2\\, d} \\approx 1.18 \\sqrt d` (23 people for 365
birthdays). Hence three estimators of the support:

* ``support_estimate`` :math:`= s^{*2}`: the rough rule of Arora & Zhang (2017) and of the seed;
  for uniform support it overestimates d by 2 ln 2 ≈ 1.39.
* ``support_estimate_refined`` :math:`= s^{*2} / (2 \\ln 2)`: exact (to O(1/√d)) for uniform support.
* ``collision_estimate`` :math:`= \\binom{M}{2} / D`, D the number of duplicate pairs among the whole pool
  of M samples: each pair collides with probability 1/d under uniform support, so D/C(M, 2) is an unbiased
  estimate of 1/d; it needs many collisions (D ≳ 10) to be precise, and uses every pair, not just the
  first duplicate. For non-uniform support all three measure an *effective* support
  :math:`1/\\sum_k p_k^2` (the collision probability's inverse), smaller than the number of outcomes.

How the whole curve costs one pairwise pass
-------------------------------------------
Draw a pool of M samples once and find its duplicate graph (pairs (i, j) that are duplicates) once.
A random subset of size s of the pool is distributed exactly as s fresh samples (the pool is i.i.d.),
so take R random orderings of the pool and let subset s of ordering r be its first s elements. Subset s
contains a duplicate pair iff some edge (i, j) has both ends among the first s, i.e. iff
:math:`T_r \\le s` where

.. math:: T_r = 1 + \\min_{(i, j)} \\max(\\mathrm{pos}_r(i), \\mathrm{pos}_r(j))

is the size at which ordering r meets its first duplicate. So :math:`\\hat p(s) = \\#\\{r: T_r \\le s\\}/R`
for *every* s at once, from R × D integer operations and no per-s pairwise work; and
:math:`s^* = \\min\\{s: \\hat p(s) \\ge ½\\}` is the ⌈R/2⌉-th smallest :math:`T_r` (every integer s
is available, so no interpolation between grid points is needed).

The R orderings share one pool: the confidence band (Wilson score interval for a binomial proportion)
covers the ordering noise of :math:`\\hat p(s)` given the pool, not pool-to-pool variation.

References
----------
S. Arora, Y. Zhang, "Do GANs actually learn the distribution? An empirical study", arXiv:1706.08224.
E. B. Wilson, "Probable inference, the law of succession, and statistical inference", JASA 22 (1927) 209.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from scipy import stats

TWO_LN2 = 2 * math.log(2)

# Orderings × edges per chunk of the first-duplicate search (bounded memory: ~32 MB of int64).
CHUNK_ELEMENTS = 4_000_000


def first_duplicate_sizes(n_pool: int, i: np.ndarray, j: np.ndarray, replications: int, seed: int = 0) -> np.ndarray:
    """For R random orderings of the pool, the subset size at which the first duplicate appears.

    Parameters
    ----------
    n_pool : M, the pool size.
    i, j : int arrays (D,), the duplicate pairs of the pool.
    replications : R.
    seed : seeds the orderings.

    Returns
    -------
    ndarray
        int64 (R,): :math:`T_r` in 2..M, or M + 1 when ordering r has no duplicate at all (only if D = 0).
    """
    rng = np.random.default_rng(seed)
    # positions[r, k] = where sample k lands in ordering r (the inverse of a random permutation).
    positions = np.argsort(rng.random((replications, n_pool)), axis=1).argsort(axis=1)
    first = np.full(replications, n_pool, dtype=np.int64)
    chunk = max(1, CHUNK_ELEMENTS // max(1, replications))
    for a in range(0, len(i), chunk):
        later = np.maximum(positions[:, i[a:a + chunk]], positions[:, j[a:a + chunk]])
        np.minimum(first, later.min(axis=1), out=first)
    return first + 1


def duplicate_probability(first_sizes: np.ndarray, subset_sizes: np.ndarray) -> np.ndarray:
    """:math:`\\hat p(s)`: the fraction of orderings whose first duplicate came at size ≤ s."""
    sorted_sizes = np.sort(first_sizes)
    return np.searchsorted(sorted_sizes, np.asarray(subset_sizes), side="right") / len(first_sizes)


def wilson_interval(p_hat: np.ndarray, n: int, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion estimated as ``p_hat`` from ``n`` trials."""
    z = stats.norm.ppf(0.5 + confidence / 2)
    p_hat = np.asarray(p_hat, dtype=float)
    centre = (p_hat + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p_hat * (1 - p_hat) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def half_probability_size(first_sizes: np.ndarray, n_pool: int) -> float:
    """:math:`s^*`, the smallest s with :math:`\\hat p(s) \\ge ½`; NaN if the pool never gets there."""
    s_star = int(np.sort(first_sizes)[math.ceil(len(first_sizes) / 2) - 1])
    return float(s_star) if s_star <= n_pool else math.nan


@dataclasses.dataclass(frozen=True)
class SupportEstimates:
    """Support-size estimates of one source (NaN where the pool showed too few duplicates).

    ``support_lower_bound``: when :math:`\\hat p(M) < ½` (no s*), the refined estimate at s = M, a lower
    bound on the (effective) support; else NaN.
    """

    s_star: float
    support_estimate: float
    support_estimate_refined: float
    collision_estimate: float
    support_lower_bound: float
    n_duplicate_pairs: int


def support_estimates(first_sizes: np.ndarray, n_pool: int, n_duplicate_pairs: int) -> SupportEstimates:
    """s*², s*²/(2 ln 2) and C(M, 2)/D from a pool's first-duplicate sizes and duplicate count."""
    s_star = half_probability_size(first_sizes, n_pool)
    n_pairs = n_pool * (n_pool - 1) / 2
    return SupportEstimates(
        s_star=s_star,
        support_estimate=s_star ** 2,
        support_estimate_refined=s_star ** 2 / TWO_LN2,
        collision_estimate=n_pairs / n_duplicate_pairs if n_duplicate_pairs else math.nan,
        support_lower_bound=n_pool ** 2 / TWO_LN2 if math.isnan(s_star) else math.nan,
        n_duplicate_pairs=int(n_duplicate_pairs),
    )


def uniform_duplicate_probability(subset_sizes: np.ndarray, support: int) -> np.ndarray:
    """Exact birthday probability for a uniform distribution over ``support`` outcomes."""
    s = np.asarray(subset_sizes, dtype=np.int64)
    k = np.arange(1, int(s.max()) if s.size else 1)
    with np.errstate(divide="ignore"):  # s > support: log 0 = −inf, probability 1
        log_none = np.concatenate([[0.0], np.cumsum(np.log1p(-np.minimum(k / support, 1.0)))])
    return 1 - np.exp(log_none[np.clip(s - 1, 0, None)])


def subset_grid(n_pool: int, points: int, scale: str = "log") -> np.ndarray:
    """Subset sizes from 2 to M: ``points`` values, log- or linearly spaced, unique integers."""
    if scale == "log":
        grid = np.geomspace(2, n_pool, points)
    elif scale == "linear":
        grid = np.linspace(2, n_pool, points)
    else:
        raise ValueError(f"scale must be 'log' or 'linear', got {scale!r}")
    return np.unique(np.round(grid).astype(np.int64))
