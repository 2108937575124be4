"""How sure are we? Bootstrap intervals over training sets and a paired test against the training sample.

Everything here works on the per-training-set values a result already stores (one MSE per set and
method), so a stored result needs no retraining to gain its intervals.

Bootstrap (percentile method, Efron 1979)
    The K training sets are the independent units. A resample draws K of them with replacement; the
    statistic is recomputed on it, B = 10 000 times; the 95 % interval is the 2.5 % and 97.5 % quantiles
    of the resampled statistic. Two statistics per method:

    * the mean over sets of the amplification, (1/K) Σₖ A(mₖ), and
    * the amplification of the mean MSE, A((1/K) Σₖ mₖ), with A(m) = (N − 1)/(N² m n).

    All methods use the *same* resampled sets (a paired bootstrap), and the generator of the resamples
    is seeded from the config, so the interval of a result is reproducible.

Paired test of a method against its own training sample
    For set k, dₖ = log(train MSEₖ / method MSEₖ) > 0 when the method beats the sample it was trained
    on. Under the null hypothesis "neither is better" dₖ is symmetric about 0. Two-sided tests:

    * sign test: the number of sets with dₖ > 0 among the untied sets is Binomial(K', ½)
      (``scipy.stats.binomtest``);
    * Wilcoxon signed-rank test on dₖ (``scipy.stats.wilcoxon``, exact for small K).

    With K = 10 sets, 7 of 10 better gives a two-sided sign-test p of 0.34: ten sets cannot establish a
    small gain.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ganplify_core.amplify.metrics import amplification

N_BOOTSTRAP = 10_000
BOOTSTRAP_TAG = 0xB0075  # mixed into the config's seed: the bootstrap's own stream


def bootstrap_indices(n_sets: int, seed: int, n_boot: int = N_BOOTSTRAP) -> np.ndarray:
    """(n_boot, n_sets) indices of resampled training sets, from a generator seeded by ``seed``."""
    rng = np.random.default_rng(np.random.SeedSequence((int(seed), BOOTSTRAP_TAG, int(n_sets))))
    return rng.integers(n_sets, size=(n_boot, n_sets))


def percentile_interval(replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The (1 − level)/2 and (1 + level)/2 quantiles of the bootstrap replicates."""
    lo, hi = np.quantile(np.asarray(replicates, dtype=float), [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def mean_amplification_ci(amp: np.ndarray, indices: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Interval of the mean over sets of the per-set amplifications ``amp`` (K,)."""
    return percentile_interval(np.asarray(amp, dtype=float)[indices].mean(axis=1), level)


def amplification_of_mean_mse_ci(mse: np.ndarray, n_quant: int, n_train: int, indices: np.ndarray,
                                 level: float = 0.95) -> tuple[float, float]:
    """Interval of A(mean over sets of the MSE), from the per-set MSEs ``mse`` (K,)."""
    replicates = amplification(np.asarray(mse, dtype=float)[indices].mean(axis=1), n_quant, n_train)
    return percentile_interval(replicates, level)


def paired_test(method_mse: np.ndarray, train_mse: np.ndarray) -> dict:
    """A method against its own training samples, set by set (two-sided tests; see the module docstring).

    Returns ``sets_better`` (sets where the method's MSE is lower), ``sets``, ``p_sign`` and ``p_wilcoxon``
    (None where no set differs: no test is possible).
    """
    method_mse = np.asarray(method_mse, dtype=float)
    train_mse = np.asarray(train_mse, dtype=float)
    if method_mse.shape != train_mse.shape or method_mse.ndim != 1:
        raise ValueError("paired_test needs two equal-length 1-D arrays")
    d = np.log(train_mse) - np.log(method_mse)
    better, worse = int((d > 0).sum()), int((d < 0).sum())
    untied = better + worse
    out = {"sets_better": better, "sets": len(d), "p_sign": None, "p_wilcoxon": None}
    if untied:
        out["p_sign"] = float(stats.binomtest(better, untied, 0.5).pvalue)
        out["p_wilcoxon"] = float(stats.wilcoxon(d[d != 0]).pvalue)
    return out


def uncertainty_summary(mse_by_method: dict, train_mse: np.ndarray, n_quant: int, n_train: int, seed: int) -> dict:
    """Intervals for the training sample and every method, and each method's paired test.

    Returns ``{"train": {...}, method: {...}}`` with ``amplification_ci95`` (of the mean amplification),
    ``amplification_of_mean_mse_ci95`` and, for the methods, ``vs_sample`` (:func:`paired_test`).
    """
    train_mse = np.asarray(train_mse, dtype=float)
    indices = bootstrap_indices(len(train_mse), seed)
    out = {}
    for name, mse in {"train": train_mse, **mse_by_method}.items():
        mse = np.asarray(mse, dtype=float)
        entry = {"amplification_ci95": list(mean_amplification_ci(amplification(mse, n_quant, n_train), indices)),
                 "amplification_of_mean_mse_ci95": list(amplification_of_mean_mse_ci(mse, n_quant, n_train, indices))}
        if name != "train":
            entry["vs_sample"] = paired_test(mse, train_mse)
        out[name] = entry
    return out


def format_p(p: float | None) -> str:
    """A p-value as text: two significant digits, '< 0.001' below that, 'n/a' when no test was possible."""
    if p is None or not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.2g}"
