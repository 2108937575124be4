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

``--files``: instead, the user's files (:func:`ganplify_core.jets.files.read_jets`): a top-tagging-layout HDF5
file (200 four-momenta per jet, about 70 real) and the same jets as JetNet arrays, read back; CPU seconds per
jet and per MB, the rates behind ``experiment.estimate_file`` (``_FILE_SECONDS_PER_BYTE``).

    .venv/bin/python benchmarks/bench_jets.py [--n 20000] [--n-baseline 100]
    .venv/bin/python benchmarks/bench_jets.py --files [--n 6000]
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


def toptagging_bytes(n: int, seed: int = 0) -> bytes:
    """A top-tagging-layout file (pandas "fixed", written with h5py) of ``n`` jets of 30–110 constituents."""
    import io

    import h5py

    rng = np.random.default_rng(seed)
    n_particles = 200
    pt = np.where(np.arange(n_particles)[None] < rng.integers(30, 110, (n, 1)), rng.exponential(8, (n, n_particles)), 0.0)
    pt = -np.sort(-pt, axis=1)
    eta, phi = rng.normal(0.5, 0.2, pt.shape), rng.normal(1.0, 0.2, pt.shape)
    p4 = np.stack([pt * np.cosh(eta), pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)], 2)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        group = f.create_group("table")
        group["block0_items"] = np.array([f"{k}_{i}" for i in range(n_particles) for k in ("E", "PX", "PY", "PZ")], "S")
        group["block0_values"] = np.where(pt[:, :, None] > 0, p4, 0.0).astype(np.float32).reshape(n, -1)
        group["block1_items"] = np.array(["is_signal_new"], "S")
        group["block1_values"] = (np.arange(n) % 2)[:, None]
    return buffer.getvalue()


def bench_files(n: int) -> None:
    from ganplify_core.jets.files import MAX_JETS, jets_to_npz, read_jets

    data = toptagging_bytes(n)
    cpu, wall = timed(lambda: read_jets(data, "toptagging", max_jets=min(n, MAX_JETS)))
    print(f"toptagging: {n:,} jets, {len(data) / 2**20:.1f} MB: {cpu / n * 1e6:.0f} µs/jet CPU "
          f"({cpu / (len(data) / 2**20):.2f} s/MB), wall {wall:.1f} s")
    npz = jets_to_npz(read_jets(data, "toptagging", max_jets=min(n, MAX_JETS)))
    cpu, wall = timed(lambda: read_jets(npz, "jetnet", max_jets=min(n, MAX_JETS)))
    print(f"jetnet:     {n:,} jets, {len(npz) / 2**20:.1f} MB: {cpu / n * 1e6:.0f} µs/jet CPU "
          f"({cpu / (len(npz) / 2**20):.2f} s/MB), wall {wall:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="jets per class, vectorised (--files: jets in the file)")
    parser.add_argument("--n-baseline", type=int, default=100, help="jets per class, one at a time")
    parser.add_argument("--files", action="store_true", help="time reading the user's files instead")
    args = parser.parse_args()
    if args.files:
        bench_files(args.n)
        return
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
