"""Bootstrap intervals over training sets and the paired tests, against exact enumeration and by-hand values."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from ganplify_core.amplify.metrics import amplification
from ganplify_core.amplify.uncertainty import (
    amplification_of_mean_mse_ci,
    bootstrap_indices,
    format_p,
    mean_amplification_ci,
    paired_test,
    uncertainty_summary,
)

MSE = np.array([4.6e-4, 9.6e-4, 2.9e-4, 5.9e-4, 8.4e-4])  # five training sets
N_QUANT, N_TRAIN = 10, 100


def _exact_bootstrap(values: np.ndarray, statistic) -> np.ndarray:
    """The statistic on every one of the K^K equally likely ordered resamples: the exact bootstrap law."""
    k = len(values)
    return np.array([statistic(values[list(idx)]) for idx in itertools.product(range(k), repeat=k)])


@pytest.mark.parametrize("which", ["mean amplification", "amplification of the mean MSE"])
def test_interval_matches_the_exact_bootstrap_distribution(which):
    """With 5 sets all 5⁵ = 3125 resamples can be enumerated: the Monte Carlo interval's ends must sit at the
    2.5 % and 97.5 % points of that exact distribution (within the Monte Carlo error of 10⁴ resamples)."""
    indices = bootstrap_indices(len(MSE), seed=0)
    if which == "mean amplification":
        lo, hi = mean_amplification_ci(amplification(MSE, N_QUANT, N_TRAIN), indices)
        exact = _exact_bootstrap(amplification(MSE, N_QUANT, N_TRAIN), np.mean)
    else:
        lo, hi = amplification_of_mean_mse_ci(MSE, N_QUANT, N_TRAIN, indices)
        exact = _exact_bootstrap(MSE, lambda m: float(amplification(m.mean(), N_QUANT, N_TRAIN)))
    tolerance = 0.006  # about 4 standard errors of a 2.5 % quantile from 10 000 draws
    assert np.mean(exact < lo) <= 0.025 + tolerance and np.mean(exact <= lo) >= 0.025 - tolerance
    assert np.mean(exact > hi) <= 0.025 + tolerance and np.mean(exact >= hi) >= 0.025 - tolerance
    point = amplification(MSE, N_QUANT, N_TRAIN).mean() if which == "mean amplification" \
        else amplification(MSE.mean(), N_QUANT, N_TRAIN)
    assert lo < point < hi


def test_interval_agrees_with_scipys_percentile_bootstrap():
    values = amplification(np.random.default_rng(1).uniform(3e-4, 1.5e-3, 12), N_QUANT, N_TRAIN)
    ours = mean_amplification_ci(values, bootstrap_indices(len(values), seed=3))
    reference = stats.bootstrap((values,), np.mean, n_resamples=20_000, method="percentile",
                                random_state=np.random.default_rng(4)).confidence_interval
    spread = values.std() / math.sqrt(len(values))
    assert ours == pytest.approx((reference.low, reference.high), abs=0.1 * spread)


def test_the_bootstrap_is_reproducible_from_the_seed():
    a = bootstrap_indices(10, seed=5)
    np.testing.assert_array_equal(a, bootstrap_indices(10, seed=5))
    assert not np.array_equal(a, bootstrap_indices(10, seed=6))
    assert a.shape == (10_000, 10) and a.min() >= 0 and a.max() <= 9


def _exact_signed_rank_p(d: np.ndarray) -> float:
    """Two-sided exact Wilcoxon signed-rank p by enumerating all 2^n sign patterns (no ties in |d|)."""
    ranks = stats.rankdata(np.abs(d))
    observed = ranks[d > 0].sum()
    total = ranks.sum()
    w = np.array([sum(r for r, s in zip(ranks, signs) if s) for signs in itertools.product((0, 1), repeat=len(d))])
    extreme = min(observed, total - observed)
    return min(1.0, float(np.mean(w <= extreme) + np.mean(w >= total - extreme)))


def test_paired_test_on_known_inputs():
    train = np.array([6.4, 17.2, 4.4, 7.4, 12.4, 6.0, 9.6, 5.4, 9.6, 11.0]) * 1e-4
    gan = np.array([4.6, 9.6, 2.9, 5.9, 8.4, 6.7, 11.5, 5.1, 9.7, 2.9]) * 1e-4
    out = paired_test(gan, train)
    assert out["sets_better"] == 7 and out["sets"] == 10
    assert out["p_sign"] == pytest.approx(2 * sum(math.comb(10, j) for j in range(7, 11)) / 2**10)  # 0.34375
    d = np.log(train / gan)
    assert out["p_wilcoxon"] == pytest.approx(_exact_signed_rank_p(d))
    assert out["p_wilcoxon"] == pytest.approx(stats.wilcoxon(d).pvalue)


def test_paired_test_extremes_and_ties():
    train = np.full(10, 1e-3)
    better = paired_test(np.linspace(1e-4, 5e-4, 10), train)
    assert better["sets_better"] == 10
    assert better["p_sign"] == pytest.approx(2 / 2**10) and better["p_wilcoxon"] == pytest.approx(2 / 2**10)
    tied = paired_test(np.r_[1e-3, 1e-3, 5e-4], np.full(3, 1e-3))  # two ties left out of both tests
    assert tied["sets_better"] == 1 and tied["sets"] == 3 and tied["p_sign"] == pytest.approx(1.0)
    none = paired_test(train, train)
    assert none["p_sign"] is None and none["p_wilcoxon"] is None
    assert format_p(None) == "n/a" and format_p(1e-5) == "< 0.001" and format_p(0.34375) == "0.34"


def test_summary_intervals_contain_their_estimates():
    rng = np.random.default_rng(2)
    train = rng.uniform(4e-4, 1.6e-3, 10)
    mse = {"fit": rng.uniform(2e-4, 9e-4, 10), "gan": rng.uniform(3e-4, 1.2e-3, 10)}
    out = uncertainty_summary(mse, train, N_QUANT, N_TRAIN, seed=0)
    assert set(out) == {"train", "fit", "gan"} and "vs_sample" not in out["train"]
    for name, values in {"train": train, **mse}.items():
        lo, hi = out[name]["amplification_of_mean_mse_ci95"]
        assert lo < amplification(values.mean(), N_QUANT, N_TRAIN) < hi
        lo, hi = out[name]["amplification_ci95"]
        assert lo < amplification(values, N_QUANT, N_TRAIN).mean() < hi
    assert out["gan"]["vs_sample"] == paired_test(mse["gan"], train)
    assert out == uncertainty_summary(mse, train, N_QUANT, N_TRAIN, seed=0)  # fixed seed, same numbers
