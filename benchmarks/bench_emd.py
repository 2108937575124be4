"""All pairwise exact EMDs between n W jets: ours (``pairwise_emd``) vs a one-core loop of ``ot.emd2``.

    .venv/bin/python benchmarks/bench_emd.py [--n 1000] [--sample 3000] [--threads N] [--solvers simplex,pot]

In one run, on the same jets:

1. the reference: a one-core Python loop of ``ot.emd2`` (cost matrix by ``ot.dist``, padding stripped) over
   ``--sample`` pairs, extrapolated to all n(n−1)/2 pairs;
2. the floor of any POT-based code: the bare C++ solver (``emd_c``) on prepared arrays, same pairs;
3. ``pairwise_emd`` over all pairs on ``--threads`` threads (default: all cores), with each solver
   (``simplex``: ours, compiled by numba; ``pot``: POT's ``emd_c`` per pair): wall time, CPU time per
   pair, the ratio to (1), and the largest relative difference to (1) on the sampled pairs. The
   simplex is compiled (or loaded from numba's cache) on a few jets first, outside the timing.

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
from ganplify_core.vae.emd import default_threads, jet_weights_positions, pairwise_emd  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="jets (all n(n−1)/2 pairs are computed)")
    parser.add_argument("--sample", type=int, default=3000, help="pairs in the one-core ot.emd2 loop")
    parser.add_argument("--threads", type=int, default=None, help="threads for pairwise_emd (default: all cores)")
    parser.add_argument("--solvers", default="simplex,pot", help="pairwise_emd solvers to time, comma-separated")
    args = parser.parse_args()
    jets = get_jets("w", args.n, seed=21)
    weights, positions = jet_weights_positions(np.where(jets.mask, jets.pt, 0.0), jets.eta, jets.phi)
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
