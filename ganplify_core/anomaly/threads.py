"""How many torch threads the autoencoder page's networks train on, and the measurement behind the choice.

torch's intra-op thread count belongs to the whole process (``torch.set_num_threads``), and the app runs
its jobs side by side in worker threads. The networks here are small (a 2 → 64 → 1 curve autoencoder; a
convolutional jet-image autoencoder of 8/16/32 channels on batches of 128 images), so each operation is
too short for a second thread to pay for its synchronisation, and on a machine whose cores are already
busy the threads wait for each other. Hence :data:`TORCH_THREADS` = 1, set for the duration of each
experiment by :func:`experiment_threads` (``ganplify_core.sweeps.single_threaded``, which counts
overlapping jobs under a lock and restores the previous count when the last one ends).

:func:`seconds_per_step` measures it: ``python -m ganplify_core.anomaly.threads`` times the same training
steps of the default convolutional autoencoder on 1 and on 2 threads, alternating, and prints the ratio
(``docs/anomaly.md`` records what it printed, and the machine's load).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import threading
import time
from collections.abc import Iterator

import torch

from ganplify_core.sweeps import single_threaded

#: torch threads of the page's training runs (see the module docstring for the measurement).
TORCH_THREADS = 1

_measure_lock = threading.Lock()


def experiment_threads() -> contextlib.AbstractContextManager:
    """The context every anomaly experiment computes in: torch on :data:`TORCH_THREADS` thread(s)."""
    return single_threaded()


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """torch on exactly ``n`` threads inside the block, restored afterwards (for measurements only).

    Holds a lock, so two measurements never change the count under each other; do not use it in the
    app's jobs (use :func:`experiment_threads`).
    """
    with _measure_lock:
        before = torch.get_num_threads()
        torch.set_num_threads(int(n))
        try:
            yield
        finally:
            torch.set_num_threads(before)


def seconds_per_step(threads: int, steps: int = 30, batch_size: int = 128, seed: int = 0) -> float:
    """Wall seconds per Adam step of the default conv jet autoencoder (B = 20) on ``threads`` threads.

    Random unit-sum images stand in for jets (the cost of a step does not depend on the pixel values).
    """
    from ganplify_core.anomaly.models import build_jet_autoencoder

    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(batch_size, 1, 40, 40, generator=generator)
    images /= images.sum(dim=(1, 2, 3), keepdim=True)
    torch.manual_seed(seed)
    model = build_jet_autoencoder("conv", 20)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    with torch_threads(threads):
        for i in range(steps + 3):  # three warm-up steps
            if i == 3:
                start = time.perf_counter()
            loss = torch.mean((model(images) - images) ** 2)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
        return (time.perf_counter() - start) / steps


def _spin() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description="Time conv-autoencoder training steps on 1 and 2 torch threads.")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--busy", type=int, default=0,
                        help="processes that spin on the CPU during the measurement (a server busy with other jobs)")
    args = parser.parse_args()
    print(f"os.cpu_count {os.cpu_count()}, load average before {os.getloadavg()[0]:.2f}, "
          f"{args.busy} spinning process(es)")
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(max(0, min(args.busy, 8)))]
    for process in spinners:
        process.start()
    times: dict[int, list[float]] = {1: [], 2: []}
    try:
        for _ in range(args.rounds):
            for n in (1, 2):
                times[n].append(seconds_per_step(n, steps=args.steps))
    finally:
        for process in spinners:
            process.terminate()
            process.join()
    best = {n: min(t) for n, t in times.items()}
    for n, t in times.items():
        print(f"{n} thread(s): ms per step " + ", ".join(f"{1000 * s:.1f}" for s in t))
    print(f"best of {args.rounds}: 1 thread {1000 * best[1]:.1f} ms, 2 threads {1000 * best[2]:.1f} ms, "
          f"2 threads / 1 thread = {best[2] / best[1]:.2f}")
    print(f"load average after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
