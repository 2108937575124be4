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

Intervals that do cover the pool
--------------------------------
The duplicate count D of a pool of M samples is a sum of N = C(M, 2) pair indicators, each 1 with the
pair collision probability q (1/d for a uniform support). For a uniform support the indicators are
pairwise independent (two pairs sharing a sample collide together with probability 1/d² = q²), so
Var D = N q (1 − q) exactly and D is close to Poisson(N q) when q is small. The exact (Garwood)
Poisson interval on D, divided into N, gives the 95 % interval of the duplicate rate q̂ = D/N and,
inverted, of the collision support N/D. A generator whose duplicates cluster (a few showers duplicated
many times, as in mode collapse) has D far more variable than Poisson: the GAN's shape duplicates vary
about 15 times more (measured: M = 1 000, α = 0.05). So the rate's variance is also estimated from the
Hoeffding decomposition of the U-statistic D/N (:func:`rate_variance`, from each shower's number of
duplicate partners), and the interval reported is the wider of the Poisson one and this one's
(log-normal, rate · exp(± 1.96 sd / rate)); ``dispersion`` is this variance over the Poisson one. Two pools' rates are compared by their ratio (:func:`rate_ratio`): the exact conditional
interval (given D₁ + D₂ = n, D₁ is binomial with π = ρN₁/(ρN₁ + N₂), ρ the rate ratio, so a
Clopper–Pearson interval on π maps to one on ρ), widened to the log-ratio interval of the two
variances where that is wider.

s* has a distribution-free interval from the R orderings: s* is the median of the first-duplicate sizes
T_r, and order statistics T_(k₁) ≤ T_(k₂) with k₁, k₂ the binomial(R, ½) quantiles bracket that median
with 95 % probability. This covers the ordering noise only (one pool).

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


def ordering_positions(n_pool: int, replications: int, seed: int = 0) -> np.ndarray:
    """positions[r, k]: where sample k lands in random ordering r (the inverse of a random permutation)."""
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random((replications, n_pool)), axis=1).argsort(axis=1)


def first_duplicate_sizes(n_pool: int, i: np.ndarray, j: np.ndarray, replications: int, seed: int = 0,
                          positions: np.ndarray | None = None) -> np.ndarray:
    """For R random orderings of the pool, the subset size at which the first duplicate appears.

    Parameters
    ----------
    n_pool : M, the pool size.
    i, j : int arrays (D,), the duplicate pairs of the pool.
    replications : R.
    seed : seeds the orderings.
    positions : the orderings (:func:`ordering_positions`), to share them between duplicate definitions.

    Returns
    -------
    ndarray
        int64 (R,): :math:`T_r` in 2..M, or M + 1 when ordering r has no duplicate at all (only if D = 0).
    """
    if positions is None:
        positions = ordering_positions(n_pool, replications, seed)
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
    ``duplicate_rate`` D/N (N = C(M, 2) pairs) with its 95 % interval (the wider of Poisson and the
    U-statistic's); ``collision_ci95`` the interval of N/D that follows; ``rate_variance`` the variance of D/N and
    ``dispersion`` its ratio to the Poisson variance (≫ 1: clustered duplicates); ``s_star_ci95`` and ``support_refined_ci95`` the order-statistic
    interval of s* (ordering noise of one pool) and of s*²/(2 ln 2).
    """

    s_star: float
    support_estimate: float
    support_estimate_refined: float
    collision_estimate: float
    support_lower_bound: float
    n_duplicate_pairs: int
    # No defaults: a result cached before these existed fails to load and is recomputed (never shown half-filled).
    n_pairs: int
    duplicate_rate: float
    duplicate_rate_ci95: tuple
    collision_ci95: tuple
    s_star_ci95: tuple
    support_refined_ci95: tuple
    rate_variance: float
    dispersion: float


def poisson_interval(count: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval of a Poisson mean from one observed ``count``: (0 when count = 0, upper)."""
    tail = (1 - confidence) / 2
    low = stats.chi2.ppf(tail, 2 * count) / 2 if count > 0 else 0.0
    return float(low), float(stats.chi2.ppf(1 - tail, 2 * count + 2) / 2)


def collision_interval(n_duplicate_pairs: int, n_pairs: float, confidence: float = 0.95) -> tuple[float, float]:
    """Interval of the collision support N/D from the Poisson interval on D (upper inf when D = 0)."""
    low, high = poisson_interval(int(n_duplicate_pairs), confidence)
    return n_pairs / high, (n_pairs / low if low > 0 else math.inf)


def s_star_interval(first_sizes: np.ndarray, n_pool: int, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free interval of the median first-duplicate size s* from order statistics.

    With R orderings the k-th smallest T lies below the median with probability P(Bin(R, ½) ≥ k);
    ranks from the binomial quantiles give a ``confidence`` interval (NaN beyond the pool: no s* there).
    """
    r = len(first_sizes)
    ordered = np.sort(first_sizes)
    tail = (1 - confidence) / 2
    low_rank = max(int(stats.binom.ppf(tail, r, 0.5)), 1)            # 1-based ranks
    high_rank = min(int(stats.binom.ppf(1 - tail, r, 0.5)) + 1, r)
    to_size = lambda rank: float(ordered[rank - 1]) if ordered[rank - 1] <= n_pool else math.nan
    return to_size(low_rank), to_size(high_rank)


def rate_variance(n_pool: int, i: np.ndarray, j: np.ndarray) -> float:
    """Variance of the duplicate rate U = D/C(M, 2) of a pool, from its Hoeffding decomposition.

    U is a U-statistic of degree 2: Var U = [4(M − 2) ζ₁ + 2 ζ₂] / (M(M − 1)), with ζ₂ = q(1 − q) (one
    pair) and ζ₁ the variance of h(x) = P(x is a duplicate of a random shower). Shower k's share
    h_k ≈ deg_k/(M − 1) (its duplicate partners) has variance ζ₁ + q(1 − q)/(M − 1) over showers, so
    ζ₁ is estimated by that spread less its binomial part (at least 0). Independent pairs (a uniform
    support) give ζ₁ ≈ 0 and Var U ≈ q/N, the Poisson value; clustered duplicates (hubs of many
    partners) give a large ζ₁. (The delete-one-shower jackknife estimates the same ζ₁ but doubles the
    ζ₂ term.)
    """
    m = int(n_pool)
    if m < 3:
        return math.nan
    degree = np.bincount(np.concatenate([np.asarray(i), np.asarray(j)]).astype(np.int64), minlength=m).astype(float)
    q = len(i) / (m * (m - 1) / 2)
    share = degree / (m - 1)
    zeta_1 = max(float(share.var(ddof=1)) - q * (1 - q) / (m - 1), 0.0)
    return (4 * (m - 2) * zeta_1 + 2 * q * (1 - q)) / (m * (m - 1))


def _log_normal(value: float, sd_log: float, confidence: float) -> tuple[float, float]:
    z = stats.norm.ppf(0.5 + confidence / 2)
    return value * math.exp(-z * sd_log), value * math.exp(z * sd_log)


def rate_ratio(d_1: int, n_1: float, d_2: int, n_2: float, confidence: float = 0.95,
               var_1: float | None = None, var_2: float | None = None) -> tuple[float, float, float]:
    """Ratio ρ = (D₁/N₁)/(D₂/N₂) of two duplicate rates and its interval (lo, hi).

    Given n = D₁ + D₂, D₁ ~ Binomial(n, π) with π = ρN₁/(ρN₁ + N₂) (Poisson counts); the
    Clopper–Pearson interval of π maps to ρ = π N₂ / ((1 − π) N₁). With the rates' variances
    ``var_1``, ``var_2`` the interval is widened to exp(ln ρ ± z sd), sd² = var₁/q₁² + var₂/q₂², where
    that is wider (clustered duplicates). NaN ratio when D₂ = 0 (the upper end is then inf);
    (nan, nan, nan) when both are 0.
    """
    d_1, d_2 = int(d_1), int(d_2)
    n = d_1 + d_2
    if n == 0:
        return math.nan, math.nan, math.nan
    ci = stats.binomtest(d_1, n).proportion_ci(confidence, method="exact")
    to_ratio = lambda pi: pi * n_2 / ((1 - pi) * n_1) if pi < 1 else math.inf
    ratio = (d_1 / n_1) / (d_2 / n_2) if d_2 else math.nan
    low, high = float(to_ratio(ci.low)), float(to_ratio(ci.high))
    if d_1 and d_2 and var_1 is not None and var_2 is not None and math.isfinite(var_1) and math.isfinite(var_2):
        sd = math.sqrt(var_1 / (d_1 / n_1) ** 2 + var_2 / (d_2 / n_2) ** 2)
        wide_low, wide_high = _log_normal(ratio, sd, confidence)
        low, high = min(low, wide_low), max(high, wide_high)
    return ratio, low, high


def support_estimates(first_sizes: np.ndarray, n_pool: int, n_duplicate_pairs: int,
                      rate_variance: float | None = None) -> SupportEstimates:
    """s*², s*²/(2 ln 2) and C(M, 2)/D from a pool's first-duplicate sizes and duplicate count, with intervals.

    ``rate_variance``: the variance of D/N (:func:`rate_variance`); the rate's interval is then the wider
    of the Poisson one and the log-normal one of this variance.
    """
    s_star = half_probability_size(first_sizes, n_pool)
    n_pairs = n_pool * (n_pool - 1) / 2
    s_low, s_high = s_star_interval(first_sizes, n_pool)
    rate_low, rate_high = (value / n_pairs for value in poisson_interval(int(n_duplicate_pairs)))
    rate = n_duplicate_pairs / n_pairs
    dispersion = math.nan
    if n_duplicate_pairs and rate_variance is not None and math.isfinite(rate_variance):
        dispersion = rate_variance / (rate / n_pairs)
        wide_low, wide_high = _log_normal(rate, math.sqrt(rate_variance) / rate, 0.95)
        rate_low, rate_high = min(rate_low, wide_low), max(rate_high, wide_high)
    return SupportEstimates(
        s_star=s_star,
        support_estimate=s_star ** 2,
        support_estimate_refined=s_star ** 2 / TWO_LN2,
        collision_estimate=n_pairs / n_duplicate_pairs if n_duplicate_pairs else math.nan,
        support_lower_bound=n_pool ** 2 / TWO_LN2 if math.isnan(s_star) else math.nan,
        n_duplicate_pairs=int(n_duplicate_pairs),
        n_pairs=int(n_pairs),
        duplicate_rate=rate,
        duplicate_rate_ci95=(rate_low, rate_high),
        collision_ci95=(1 / rate_high, 1 / rate_low if rate_low > 0 else math.inf),
        s_star_ci95=(s_low, s_high),
        support_refined_ci95=(s_low ** 2 / TWO_LN2, s_high ** 2 / TWO_LN2),
        rate_variance=math.nan if rate_variance is None else float(rate_variance),
        dispersion=dispersion,
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
