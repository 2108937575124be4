"""Permutation importance on held-out data, in both of the lecture's forms, and ranking agreement.

Algorithm (A. Fisher, C. Rudin, F. Dominici, "All models are wrong, but many are useful", JMLR 20
(2019) 177; C. Molnar, *Interpretable Machine Learning*, "Permutation feature importance"):

1. :math:`e_{orig} = L(y, f(X))` on the held-out set.
2. For each feature ``j`` and each repeat ``r``: permute column ``j`` of ``X``, giving
   :math:`X_{perm,j}`, and compute :math:`e_{perm,j} = L(y, f(X_{perm,j}))`.
3. :math:`FI_j = e_{perm,j} / e_{orig}` (ratio) or :math:`e_{perm,j} - e_{orig}` (difference); mean
   and standard deviation over repeats.

The loss is the mean squared error for a regression and the log-loss for a classification. Both
forms rank the features identically (same :math:`e_{orig}` for all); the ratio reads "how many
times worse", the difference "how much loss, in the loss's units".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from ganplify_core.seeding import make_rng
from ganplify_core.training import Progress, no_progress


def loss(task: str, y: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Mean squared error (regression) or log-loss (classification) along the last axis."""
    if task == "classification":
        p = np.clip(predicted, 1e-7, 1 - 1e-7)
        return -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p), axis=-1)
    return np.mean((predicted - y) ** 2, axis=-1)


@dataclasses.dataclass(frozen=True)
class PermutationImportance:
    """Per feature: mean and standard deviation over repeats of both forms; ``e_orig``; all repeats."""

    ratio_mean: np.ndarray
    ratio_std: np.ndarray
    difference_mean: np.ndarray
    difference_std: np.ndarray
    error_original: float
    error_permuted: np.ndarray  # (d, n_repeats)


def permutation_importance(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    task: str,
    n_repeats: int = 5,
    seed: int = 0,
    progress: Progress | None = None,
) -> PermutationImportance:
    """Permutation importance of every column of ``X`` for the model output ``predict``.

    All repeats of one feature are evaluated in one call of ``predict`` on the stacked
    ``(n_repeats * n, d)`` matrix, so the cost is ``d`` model calls.
    """
    progress = progress or no_progress
    rng = make_rng(seed)
    n, d = X.shape
    e_orig = float(loss(task, y, predict(X)))
    e_perm = np.empty((d, n_repeats))
    for j in range(d):
        stacked = np.tile(X, (n_repeats, 1))
        shuffles = rng.permuted(np.tile(X[:, j], (n_repeats, 1)), axis=1)
        stacked[:, j] = shuffles.ravel()
        e_perm[j] = loss(task, y, predict(stacked).reshape(n_repeats, n))
        progress((j + 1) / d, f"permutation importance: feature {j + 1}/{d}")
    ratio = e_perm / max(e_orig, 1e-300)
    difference = e_perm - e_orig
    return PermutationImportance(ratio.mean(1), ratio.std(1), difference.mean(1), difference.std(1), e_orig, e_perm)


def kendall_tau_matrix(importances: dict[str, np.ndarray]) -> tuple[tuple[str, ...], np.ndarray]:
    """Kendall's τ-b between every pair of importance vectors (1: same order, -1: reversed)."""
    from scipy.stats import kendalltau

    names = tuple(importances)
    tau = np.eye(len(names))
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            value = kendalltau(importances[names[a]], importances[names[b]]).statistic
            tau[a, b] = tau[b, a] = value if np.isfinite(value) else 0.0
    return names, tau


CORRELATED = 0.5  # |Spearman ρ| from which a pair of features is reported as correlated


def correlated_pairs(X: np.ndarray, names: tuple[str, ...], threshold: float = CORRELATED) -> list[tuple[str, str, float]]:
    """Feature pairs whose Spearman rank correlation has magnitude >= ``threshold``, strongest first.

    Correlated features can stand in for each other: a model may use either, so importance is split
    between them, and permuting one of them creates unrealistic combinations with the other.
    """
    from scipy.stats import spearmanr

    if X.shape[1] < 2:
        return []
    rho = np.nan_to_num(np.asarray(spearmanr(X).statistic, dtype=np.float64))
    if rho.ndim == 0:  # two columns: scipy returns the one coefficient
        rho = np.array([[1.0, rho], [rho, 1.0]])
    a, b = np.triu_indices(X.shape[1], k=1)
    keep = np.abs(rho[a, b]) >= threshold
    pairs = [(names[i], names[j], float(rho[i, j])) for i, j in zip(a[keep], b[keep])]
    return sorted(pairs, key=lambda p: -abs(p[2]))
