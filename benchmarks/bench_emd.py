"""All pairwise exact EMDs between n W jets: ours (``pairwise_emd``) vs a one-core loop of ``ot.emd2``.

    .venv/bin/python benchmarks/bench_emd.py [--n 1000] [--sample 3000] [--threads N] [--solvers simplex,pot]
    .venv/bin/python benchmarks/bench_emd.py --profile 150 [--repeats 3]

In one run, on the same jets:

1. the reference: a one-core Python loop of ``ot.emd2`` (cost matrix by ``ot.dist``, padding stripped) over
   ``--sample`` pairs, extrapolated to all n(n−1)/2 pairs;
2. the floor of any POT-based code: the bare C++ solver (``emd_c``) on prepared arrays, same pairs;
3. ``pairwise_emd`` over all pairs on ``--threads`` threads (default: all cores), with each solver
   (``simplex``: ours, compiled by numba; ``pot``: POT's ``emd_c`` per pair): wall time, CPU time per
   pair, the ratio to (1), and the largest relative difference to (1) on the sampled pairs. The
   simplex is compiled (or loaded from numba's cache) on a few jets first, outside the timing.

``--profile N`` instead times our compiled simplex alone, in this thread, on all pairs of N W jets, against
the bare ``emd_c`` on the same pairs, alternating ``--repeats`` times: CPU time per pair, pivots per pair,
CPU time per pivot, and the ratio of the two solvers' best times, which a busy machine moves much less than
either time.

Timings depend on what else the machine runs: quote them from an idle machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import ot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ot.lp.emd_wrap import emd_c  # noqa: E402

from ganplify_core.jets import get_jets  # noqa: E402
from ganplify_core.vae.emd import (  # noqa: E402
    MAX_PIVOTS,
    _compact,
    _compiled_kernel,
    default_threads,
    jet_weights_positions,
    pairwise_emd,
)


def profile(weights: np.ndarray, positions: np.ndarray, repeats: int) -> None:
    """Our simplex's kernel on one thread against the bare emd_c, same pairs, alternating ``repeats`` times."""
    n = len(weights)
    n_pairs = n * (n - 1) // 2
    compact_weights, compact_positions, counts = _compact(weights, positions)
    prepared = []
    for i, j in zip(*np.triu_indices(n, k=1)):
        xi, xj = compact_positions[i, :counts[i]], compact_positions[j, :counts[j]]
        prepared.append((np.ascontiguousarray(compact_weights[i, :counts[i]]),
                         np.ascontiguousarray(compact_weights[j, :counts[j]]),
                         np.ascontiguousarray(np.sqrt(((xi[:, None] - xj[None]) ** 2).sum(-1)))))
    kernel = _compiled_kernel()
    cpu = time.process_time()
    kernel(compact_weights[:3], compact_positions[:3], counts[:3], np.zeros(1, np.int64), -1.0, np.empty(2), MAX_PIVOTS)
    print(f"compiled simplex loaded (or compiled) in {time.process_time() - cpu:.1f} CPU-s")
    rows, ours, reference = np.arange(n, dtype=np.int64), np.empty(n_pairs), np.empty(n_pairs)
    pot_times, our_times = [], []
    for _ in range(repeats):
        cpu = time.process_time()
        for k, (a, b, cost) in enumerate(prepared):
            reference[k] = emd_c(a, b, cost, 1_000_000, 1)[1]
        pot_times.append((time.process_time() - cpu) / n_pairs)
        cpu = time.process_time()
        pivots = kernel(compact_weights, compact_positions, counts, rows, -1.0, ours, MAX_PIVOTS)
        our_times.append((time.process_time() - cpu) / n_pairs)
    pot, our = min(pot_times), min(our_times)
    difference = np.max(np.abs(ours - reference) / np.maximum(reference, 1e-300))
    print(f"{n} W jets (mean {counts.mean():.1f} particles), {n_pairs} pairs, one thread, best of {repeats}:")
    print(f"  bare emd_c: {1e6 * pot:.1f} CPU-µs/pair")
    print(f"  our simplex: {1e6 * our:.1f} CPU-µs/pair = {our / pot:.3f} × emd_c; {pivots / n_pairs:.1f} pivots/pair, "
          f"{1e9 * our * n_pairs / pivots:.0f} CPU-ns/pivot (all included); gave up on {np.isnan(ours).sum()} pairs; "
          f"largest relative difference to emd_c {difference:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="jets (all n(n−1)/2 pairs are computed)")
    parser.add_argument("--sample", type=int, default=3000, help="pairs in the one-core ot.emd2 loop")
    parser.add_argument("--threads", type=int, default=None, help="threads for pairwise_emd (default: all cores)")
    parser.add_argument("--solvers", default="simplex,pot", help="pairwise_emd solvers to time, comma-separated")
    parser.add_argument("--profile", type=int, default=None, metavar="N",
                        help="instead: our simplex's kernel alone on one thread vs emd_c, all pairs of N jets")
    parser.add_argument("--repeats", type=int, default=3, help="--profile: alternating repetitions (best is kept)")
    args = parser.parse_args()
    jets = get_jets("w", args.profile or args.n, seed=21)
    weights, positions = jet_weights_positions(np.where(jets.mask, jets.pt, 0.0), jets.eta, jets.phi)
    if args.profile:
        profile(weights, positions, max(1, args.repeats))
        return
    n_pairs = args.n * (args.n - 1) // 2
    rng = np.random.default_rng(0)
    flat = np.sort(rng.choice(n_pairs, size=min(args.sample, n_pairs), replace=False))
    i_all, j_all = np.triu_indices(args.n, k=1)
    pairs = list(zip(i_all[flat], j_all[flat]))
    print(f"{args.n} W jets (mean {np.mean((weights > 0).sum(1)):.1f} particles), {n_pairs} pairs; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")

    wall, cpu = time.perf_counter(), time.process_time()
    reference = []
    for i, j in pairs:
        keep_i, keep_j = weights[i] > 0, weights[j] > 0
        cost = ot.dist(positions[i][keep_i], positions[j][keep_j], metric="euclidean")
        reference.append(ot.emd2(weights[i][keep_i], weights[j][keep_j], cost))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    reference = np.array(reference)
    per_pair_pot = wall / len(pairs)
    print(f"1. one-core loop of ot.emd2: {1e6 * cpu / len(pairs):.0f} CPU-µs/pair, {1e6 * per_pair_pot:.0f} µs/pair "
          f"wall -> all pairs in {per_pair_pot * n_pairs:.1f} s (extrapolated from {len(pairs)} pairs)")

    prepared = []
    for i, j in pairs:
        keep_i, keep_j = weights[i] > 0, weights[j] > 0
        prepared.append((np.ascontiguousarray(weights[i][keep_i]), np.ascontiguousarray(weights[j][keep_j]),
                         np.ascontiguousarray(ot.dist(positions[i][keep_i], positions[j][keep_j]) ** 0.5)))
    cpu = time.process_time()
    for a, b, cost in prepared:
        emd_c(a, b, cost, 1_000_000, 1)
    cpu = time.process_time() - cpu
    print(f"2. the bare C++ solver (emd_c, prepared arrays, one core): {1e6 * cpu / len(pairs):.0f} CPU-µs/pair "
          f"(the floor for POT's network simplex)")

    threads = args.threads or default_threads()
    for solver in [name.strip() for name in args.solvers.split(",") if name.strip()]:
        if solver == "simplex":
            pairwise_emd(weights[:3], positions[:3], solver="simplex", n_threads=1)  # compile or load it
        wall, cpu = time.perf_counter(), time.process_time()
        ours = pairwise_emd(weights, positions, n_threads=threads, solver=solver)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        difference = np.max(np.abs(ours[flat] - reference) / np.maximum(reference, 1e-300))
        print(f"3. pairwise_emd(solver={solver!r}), {threads} threads: all {n_pairs} pairs in {wall:.1f} s wall, "
              f"{1e6 * cpu / n_pairs:.0f} CPU-µs/pair -> {per_pair_pot * n_pairs / wall:.1f}x the one-core ot.emd2 "
              f"loop; largest relative difference to ot.emd2 {difference:.1e}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
