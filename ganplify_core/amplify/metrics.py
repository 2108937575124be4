"""Quantile MSE, its expectation for true samples, and the amplification factor.

With N equal-probability cells and x_j the fraction of a sample in cell j (arXiv:2008.06545, Sec. 2),

    MSE = (1/N) Σ_j (x_j − 1/N)².

For n independent true samples the counts are multinomial with p_j = 1/N, so Var x_j = p_j(1 − p_j)/n and

    E[MSE] = (1/N) Σ_j (1/N)(1 − 1/N)/n = (N − 1)/(N² n).

A method with quantile MSE m is therefore worth n_eq = (N − 1)/(N² m) true samples, and its
amplification factor is n_eq / n_train (> 1: better than its own training sample).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def quantile_mse(counts: np.ndarray | torch.Tensor) -> np.ndarray:
    """MSE of the cell fractions against 1/N; ``counts`` has the N cells on its last axis."""
    counts = np.asarray(counts.cpu() if isinstance(counts, torch.Tensor) else counts, dtype=float)
    n_quant = counts.shape[-1]
    fractions = counts / counts.sum(axis=-1, keepdims=True)
    return ((fractions - 1.0 / n_quant) ** 2).mean(axis=-1)


def expected_mse_of_true_samples(n: np.ndarray | float, n_quant: int) -> np.ndarray:
    """E[MSE] of ``n`` true samples: (N − 1)/(N² n)."""
    return (n_quant - 1) / (n_quant**2 * np.asarray(n, dtype=float))


def equivalent_true_samples(mse: np.ndarray | float, n_quant: int) -> np.ndarray:
    """Number of true samples with the same expected MSE: (N − 1)/(N² MSE)."""
    return (n_quant - 1) / (n_quant**2 * np.asarray(mse, dtype=float))


def amplification(mse: np.ndarray | float, n_quant: int, n_train: int) -> np.ndarray:
    """Equivalent true samples per training point."""
    return equivalent_true_samples(mse, n_quant) / n_train


def generated_grid(max_generated: int, per_decade: int = 4) -> np.ndarray:
    """Log-spaced sample sizes from 10² to ``max_generated`` (included), ``per_decade`` per decade."""
    decades = np.log10(max_generated) - 2
    points = np.unique(np.round(np.logspace(2, np.log10(max_generated), int(np.ceil(decades * per_decade)) + 1)).astype(np.int64))
    return points


def mse_vs_generated(
    sample_chunk: Callable[[int], torch.Tensor],
    cell_index: Callable[[torch.Tensor], torch.Tensor],
    n_quant: int,
    grid: np.ndarray,
    chunk_size: int = 1 << 20,
) -> np.ndarray:
    """Quantile MSE of the first g generated points, for every g in ``grid`` (increasing).

    Points come from ``sample_chunk(m)`` (m ≤ ``chunk_size``) and are binned at once with
    ``bincount``; chunks are cut at the grid points, so memory stays O(chunk_size) whatever the
    total, and every point counts in all the sizes after it.
    """
    counts = np.zeros(n_quant, dtype=np.int64)
    mse = np.empty(len(grid))
    produced = 0
    for k, target in enumerate(grid):
        while produced < target:
            m = int(min(chunk_size, target - produced))
            cells = cell_index(sample_chunk(m))
            if cells.device.type == "cpu":  # NumPy's bincount is many times faster than torch's on CPU
                counts += np.bincount(cells.numpy(), minlength=n_quant)
            else:
                counts += torch.bincount(cells, minlength=n_quant).cpu().numpy()
            produced += m
        mse[k] = quantile_mse(counts)
    return mse
