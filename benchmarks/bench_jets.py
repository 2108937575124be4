"""Toy jets per second per core: the vectorised generator against the same generator one jet at a time.

Task: make preprocessed toy jets with all observables (``get_jets`` without its disk cache: shower,
hadronisation, leading 50 constituents, whole-jet mass/pT/count, N-subjettiness τ1–τ3, centring,
rotation, flip) for each class.

* Ours: one call for ``--n`` jets (the generator works on all partons of all jets at once, in chunks
  of 1 000 jets).
* Baseline: the same code called with one jet at a time (a per-jet Python loop around the same
  NumPy operations), timed on ``--n-baseline`` jets and extrapolated.

Time is the process's CPU time (``time.process_time``) with NumPy/BLAS/torch threads set to 1, so
the figure is per core even though the machine is shared; wall time is printed alongside.
Target: at least 5 000 jets per second per core.

    .venv/bin/python benchmarks/bench_jets.py [--n 20000] [--n-baseline 100]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganplify_core.jets.sample import _toy_sample, assemble, toy_constituents  # noqa: E402
from ganplify_core.jets.shower import PROCESSES, ToyShowerConfig  # noqa: E402

torch.set_num_threads(1)


def timed(fn):
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - cpu, time.perf_counter() - wall


def one_at_a_time(process: str, n: int, config: ToyShowerConfig) -> None:
    rng = np.random.default_rng(1)
    for _ in range(n):
        pt, eta, phi, mask, whole = toy_constituents(process, 1, config, rng)
        assemble(pt, eta, phi, mask, process, "toy", whole)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="jets per class, vectorised")
    parser.add_argument("--n-baseline", type=int, default=100, help="jets per class, one at a time")
    args = parser.parse_args()
    config = ToyShowerConfig()
    _toy_sample("qcd", 1000, 99, config)  # warm up imports and caches
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible (shared with other "
          f"jobs), Python {platform.python_version()}, NumPy {np.__version__}; 1 thread")
    print(f"{'class':6s} {'ours jets/s/core':>17s} {'(wall)':>8s} {'one-at-a-time':>14s} {'speed-up':>9s}")
    totals = np.zeros(2)
    for process in PROCESSES:
        cpu, wall = timed(lambda: _toy_sample(process, args.n, 0, config))
        base_cpu, _ = timed(lambda: one_at_a_time(process, args.n_baseline, config))
        ours, base = args.n / cpu, args.n_baseline / base_cpu
        totals += (cpu, base_cpu * args.n / args.n_baseline)
        print(f"{process:6s} {ours:17.0f} {args.n / wall:8.0f} {base:14.0f} {ours / base:8.0f}×")
    n_all = args.n * len(PROCESSES)
    print(f"{'all':6s} {n_all / totals[0]:17.0f} {'':8s} {n_all / totals[1]:14.0f} {totals[1] / totals[0]:8.0f}×")
    print(f"target ≥ 5000 jets/s per core: {'met' if n_all / totals[0] >= 5000 else 'NOT met'}")


if __name__ == "__main__":
    main()
