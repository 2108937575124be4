"""Exact energy mover's distances between all pairs of jets, fast: POT's C++ network simplex on threads.

The EMD between two jets (Komiske, Metodiev & Thaler, Phys. Rev. Lett. 123 (2019) 041801,
arXiv:1902.02346) is

    EMD(E, E') = min_f Σ_ij f_ij d_ij / R + |Σ_i E_i − Σ_j E'_j|,   d_ij = ΔR_ij in (η, φ),
    f_ij ≥ 0,  Σ_j f_ij ≤ E_i,  Σ_i f_ij ≤ E'_j,  Σ_ij f_ij = min(Σ E, Σ E').

For jets of equal total weight (normalised pT, what the correlation dimension uses) the last term is zero
and ``R`` only scales the answer; :func:`pairwise_emd` then returns ``min Σ f_ij d_ij`` (ΔR units, no R),
exactly ``ot.emd2``'s value. With ``R`` given, unequal totals are allowed: the lighter jet gets one
extra particle carrying the difference at distance R from every particle (the construction of the
``wasserstein`` package), which turns the problem into a balanced one with the same optimum.

Where the time goes, and what this module does about it (``benchmarks/bench_emd.py`` measures it):

* The solver itself, POT's network simplex (``ot.lp.emd_wrap.emd_c``, C++), is most of the cost
  of a 40×40 problem; it is called directly, without ``ot.emd2``'s Python-side conversions and checks.
* Cost matrices are built with numpy for a block of pairs at once (one row jet against up to
  ``BLOCK`` column jets), over all particle slots: zero weights are dropped inside the C++
  wrapper, so every per-pair argument is a contiguous view and nothing is copied per pair.
* ``emd_c`` releases the GIL while it solves, so the pairs are spread over threads of this process, not
  worker processes: no process start, no import of torch in a worker, no pickling of the jets.
* With ``GANPLIFY_DASK_SCHEDULER`` set, the same row blocks go to the Dask cluster instead
  (:func:`ganplify_core.sweeps.run_sweep`).
"""

from __future__ import annotations

import concurrent.futures

import numpy as np

from ganplify_core.errors import InputError
from ganplify_core.training import Progress, no_progress

try:
    from ot.lp.emd_wrap import emd_c as _emd_c
except ImportError:  # pragma: no cover - POT moved its wrapper
    _emd_c = None

BLOCK = 16           # column jets whose cost matrices are built at once for one row jet (fits in cache)
MAX_ITERATIONS = 1_000_000  # network-simplex pivots; a 50×50 problem needs a few hundred
_OPTIMAL = 1         # POT's result code for an optimal solution


def _solve(a: np.ndarray, b: np.ndarray, cost: np.ndarray) -> float:
    """min Σ T_ij cost_ij over transport plans T with marginals a and b (equal totals; zeros allowed)."""
    if _emd_c is None:  # pragma: no cover - other POT versions
        import ot

        return float(ot.emd2(a, b, cost, check_marginals=False, numItermax=MAX_ITERATIONS))
    result = _emd_c(a, b, cost, MAX_ITERATIONS, 1)
    if result[4] != _OPTIMAL:
        raise RuntimeError(f"the network simplex stopped without an optimum (POT result code {result[4]})")
    return float(result[1])


def emd(a: np.ndarray, x: np.ndarray, b: np.ndarray, y: np.ndarray, R: float | None = None) -> float:
    """Exact EMD between one pair of weighted point sets (weights ``a``, ``b``; positions ``x``, ``y`` (k, d)).

    Without ``R`` the totals must be equal and the value is ``min Σ f_ij |x_i − y_j|``; with ``R`` it is
    ``min Σ f_ij |x_i − y_j| / R + |Σa − Σb|``.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    size = max(len(a), len(b))
    return float(pairwise_emd(np.stack([_pad(a, size), _pad(b, size)]), np.stack([_pad(x, size), _pad(y, size)]),
                              R=R, n_threads=1)[0])


def _pad(values: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate([values, np.zeros((size - len(values),) + values.shape[1:])])


def _costs(x: np.ndarray, columns: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Euclidean distances of the k_i points ``x`` to each jet's k slots: ``columns`` (d, m, k) → ``out`` (m, k_i, k)."""
    np.subtract(x[None, :, None, 0], columns[0][:, None, :], out=out)
    out *= out
    square = np.empty_like(out)
    for axis in range(1, x.shape[1]):
        np.subtract(x[None, :, None, axis], columns[axis][:, None, :], out=square)
        square *= square
        out += square
    return np.sqrt(out, out=out)


def _row_block(weights: np.ndarray, positions: np.ndarray, rows: np.ndarray, R: float | None) -> np.ndarray:
    """EMDs of each jet ``i`` in ``rows`` to every jet ``j > i``, concatenated in ``pdist`` order.

    ``weights`` (n, k) may hold zeros (padding, in any slot); ``positions`` (n, k, d).
    """
    n, k = weights.shape
    totals = weights.sum(1)
    columns = np.ascontiguousarray(np.moveaxis(positions, -1, 0))  # (d, n, k): one coordinate's slots contiguous
    out = np.empty(sum(n - 1 - int(i) for i in rows))
    at = 0
    extra = R is not None
    a_buffer = np.zeros(k + extra)
    b_buffer = np.zeros(k + extra)
    for i in rows:
        i = int(i)
        keep = np.flatnonzero(weights[i] > 0)
        a = np.ascontiguousarray(weights[i, keep])
        x = positions[i, keep]
        k_i = len(keep)
        for start in range(i + 1, n, BLOCK):
            stop = min(n, start + BLOCK)
            if not extra:
                costs = _costs(x, columns[:, start:stop], np.empty((stop - start, k_i, k)))
                for offset, j in enumerate(range(start, stop)):
                    out[at] = _solve(a, weights[j], costs[offset])
                    at += 1
                continue
            costs = np.full((stop - start, k_i + 1, k + 1), float(R))
            costs[:, :k_i, :k] = _costs(x, columns[:, start:stop], np.empty((stop - start, k_i, k)))
            costs[:, k_i, k] = 0.0
            a_buffer[:k_i] = a
            for offset, j in enumerate(range(start, stop)):
                difference = totals[j] - totals[i]
                a_buffer[k_i] = max(difference, 0.0)   # the lighter jet gets the missing weight at distance R
                b_buffer[:k] = weights[j]
                b_buffer[k] = max(-difference, 0.0)
                out[at] = _solve(a_buffer[:k_i + 1], b_buffer, costs[offset]) / R  # the dummy adds |ΔE|·R
                at += 1
    return out


def row_chunks(n: int, n_chunks: int) -> list[np.ndarray]:
    """Rows 0…n−1 cut into ``n_chunks`` runs with about equal numbers of pairs (row i has n − 1 − i)."""
    cumulative = np.cumsum(np.arange(n - 1, -1, -1))
    cuts = np.searchsorted(cumulative, np.linspace(0, cumulative[-1], n_chunks + 1)[1:-1])
    return [c for c in np.split(np.arange(n), cuts) if len(c)]


def default_threads() -> int:
    """Threads for the pairwise EMDs: ``$GANPLIFY_JOBS`` or the number of cores (as sweeps use)."""
    from ganplify_core.sweeps import n_jobs

    return n_jobs()


def pairwise_emd(weights: np.ndarray, positions: np.ndarray, R: float | None = None,
                 progress: Progress | None = None, n_threads: int | None = None,
                 n_chunks: int | None = None) -> np.ndarray:
    """Condensed matrix (``scipy.spatial.distance.pdist`` order) of exact EMDs between all pairs of jets.

    Parameters
    ----------
    weights : ndarray (n, k)
        Particle weights (pT or pT/ΣpT), ≥ 0; zeros are padding and may sit in any slot.
    positions : ndarray (n, k, d)
        Particle positions ((η, φ) for jets); the ground distance is Euclidean.
    R : float, optional
        Jet radius of the EMD with unequal totals (see the module docstring). Without it every jet must
        carry the same total weight (to 1e-9 relative) and the value is ``min Σ f_ij d_ij``.
    progress : callable, optional
        ``progress(fraction, message)``, called from this thread as chunks of rows finish (a job's
        cancellation raised there stops the remaining chunks).
    n_threads : int, optional
        Threads (default :func:`default_threads`). 1 runs in this thread.
    n_chunks : int, optional
        Chunks of rows (about equal numbers of pairs; default ``8 × n_threads``, at most n/2).
    """
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    if weights.ndim != 2 or positions.shape[:2] != weights.shape or positions.ndim != 3:
        raise InputError(f"weights (n, k) and positions (n, k, d) needed; got {weights.shape} and {positions.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise InputError("particle weights must be finite and ≥ 0 (0 marks padding)")
    real = weights[..., None] > 0
    if not np.all(np.isfinite(positions[np.broadcast_to(real, positions.shape)])):
        raise InputError("particle positions must be finite")
    positions = np.where(real, positions, 0.0)  # padding's positions are never used; keep them finite
    totals = weights.sum(1)
    if np.any(totals <= 0):
        raise InputError("every jet needs at least one particle with weight > 0")
    if R is None:
        if np.any(np.abs(totals - totals[0]) > 1e-9 * totals[0]):
            raise InputError("jets with unequal total weights need R (the EMD adds |ΣE − ΣE'| for the difference)")
        # POT needs the same total on both sides to rounding: rescale each jet to the first one's total.
        weights = weights * (totals[0] / totals)[:, None]
    elif not (np.isfinite(R) and R > 0):
        raise InputError(f"R must be a positive number; got {R}")
    n = len(weights)
    if n < 2:
        return np.zeros(0)
    progress = progress or no_progress
    n_threads = max(1, int(n_threads or default_threads()))
    chunks = row_chunks(n, max(1, min(n_chunks or 8 * n_threads, n // 2)))
    label = "EMD pairs"

    from ganplify_core.sweeps import dask_scheduler, run_sweep

    if dask_scheduler():
        parts = run_sweep(_row_block, [(weights, positions, rows, R) for rows in chunks], progress, label=label)
        return np.concatenate(parts)
    if n_threads == 1 or len(chunks) == 1:
        parts = []
        for done, rows in enumerate(chunks, 1):
            parts.append(_row_block(weights, positions, rows, R))
            progress(done / len(chunks), f"{label}: {done}/{len(chunks)} chunks")
        return np.concatenate(parts)
    executor = concurrent.futures.ThreadPoolExecutor(min(n_threads, len(chunks)), thread_name_prefix="emd")
    try:
        futures = [executor.submit(_row_block, weights, positions, rows, R) for rows in chunks]
        done = 0
        for _ in concurrent.futures.as_completed(futures):
            done += 1
            progress(done / len(chunks), f"{label}: {done}/{len(chunks)} chunks")
        return np.concatenate([future.result() for future in futures])
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def jet_weights_positions(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray,
                          normalise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(weights, positions) from per-particle arrays (n, k) with zero-pT padding; weights pT/ΣpT if ``normalise``."""
    pt, eta, phi = (np.asarray(v, dtype=np.float64) for v in (pt, eta, phi))
    if np.any(~np.isfinite(pt)) or np.any(pt < 0):
        raise InputError("pT must be finite and ≥ 0 (0 marks padding)")
    totals = pt.sum(1, keepdims=True)
    if np.any(totals <= 0):
        raise InputError("every jet needs at least one particle with pT > 0")
    weights = pt / totals if normalise else pt
    positions = np.stack([np.where(pt > 0, eta, 0.0), np.where(pt > 0, phi, 0.0)], axis=-1)
    return weights, positions

