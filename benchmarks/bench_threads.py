"""torch on 1 vs 2 threads for each kind of work the app runs, on an idle machine and beside a busy process.

    .venv/bin/python benchmarks/bench_threads.py [--repeats 3] [--only gan,calo,ae,sinkhorn]

Kinds of work (each a fixed piece, timed with :func:`ganplify_core.threads.torch_threads`):

* ``gan``: 100 training steps of the amplification GAN (MLPs of width 64, fake batch 256, R1 penalty);
* ``calo``: the calorimeter generator (shipped weights) making 256 showers of 25³ cells, then the mean
  shower profiles (numpy);
* ``ae``: 20 Adam steps of the default convolutional jet autoencoder on batches of 128 40×40 images;
* ``sinkhorn``: ``sinkhorn_emd`` on 256 pairs of W jets at once (ε = 0.01, 100 iterations) vs a loop of
  ``ot.sinkhorn2`` over the same pairs (one core, the reference; it must stay ≥ 10× slower).

Each is timed on 1 and 2 threads, alternating, best of ``--repeats``, first with nothing else running
(from this script), then beside one process spinning on a core (another job). Prints the times and
``t(1 thread) / t(2 threads)`` (above 1: the second thread helps).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from ganplify_core.threads import torch_threads  # noqa: E402


def gan_work() -> Callable[[], object]:
    from ganplify_core.amplify.gan import GanSettings, train_gan

    data = np.random.default_rng(0).normal(size=(2000, 2))
    settings = GanSettings(steps=100, log_every=20)
    return lambda: train_gan(data, settings, seed=0, device="cpu")


def calo_work() -> Callable[[], object]:
    from ganplify_core.calorimeter.gan import generate_showers, load_pretrained_generator
    from ganplify_core.calorimeter.plots import mean_profiles

    generator = load_pretrained_generator()
    lo, hi = generator.config.energy_range
    energies = np.linspace(lo, hi, 256)
    return lambda: mean_profiles(generate_showers(generator, energies, seed=1))


def ae_work(device: torch.device | str = "cpu") -> Callable[[], object]:
    from ganplify_core.anomaly.models import build_jet_autoencoder

    generator = torch.Generator().manual_seed(0)
    images = torch.rand(128, 1, 40, 40, generator=generator)
    images = (images / images.sum(dim=(1, 2, 3), keepdim=True)).to(device)
    torch.manual_seed(0)
    model = build_jet_autoencoder("conv", 20).to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)

    def steps() -> None:
        for _ in range(20):
            loss = torch.mean((model(images) - images) ** 2)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return steps


def _jets(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from ganplify_core.jets import get_jets

    jets = get_jets("w", n, seed=seed)
    pt = np.where(jets.mask, jets.pt, 0.0).astype(np.float64)
    return pt / pt.sum(1, keepdims=True), np.stack([jets.eta, jets.phi], axis=-1).astype(np.float64)


def sinkhorn_work() -> tuple[Callable[[], object], Callable[[], object]]:
    import ot

    from ganplify_core.vae.sinkhorn import sinkhorn_emd

    a, x = _jets(256, seed=11)
    b, y = _jets(256, seed=12)
    tensors = [torch.tensor(v) for v in (a, x, b, y)]

    def batched() -> np.ndarray:
        return sinkhorn_emd(*tensors, epsilon=0.01, n_iterations=100, epsilon_scaling=False).numpy()

    def pot_loop() -> np.ndarray:
        values = []
        for k in range(len(a)):
            keep_a, keep_b = a[k] > 0, b[k] > 0
            cost = ot.dist(x[k][keep_a], y[k][keep_b], metric="euclidean")
            values.append(ot.sinkhorn2(a[k][keep_a], b[k][keep_b], cost, 0.01, numItermax=100, stopThr=0))
        return np.array(values)
    return batched, pot_loop


def best_seconds(work: Callable[[], object], threads: int, repeats: int) -> float:
    times = []
    with torch_threads(threads):
        work()  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
    return min(times)


def _spin() -> None:
    while True:
        pass


def measure(name: str, work: Callable[[], object], repeats: int) -> dict[int, float]:
    best = {1: float("inf"), 2: float("inf")}
    for _ in range(repeats):  # alternate, so a change of load hits both counts
        for n in (1, 2):
            best[n] = min(best[n], best_seconds(work, n, 1))
    print(f"  {name:<28} 1 thread {best[1]:7.3f} s   2 threads {best[2]:7.3f} s   "
          f"t1/t2 = {best[1] / best[2]:.2f}", flush=True)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default="gan,calo,ae,sinkhorn")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    works: dict[str, Callable[[], object]] = {}
    pot_loop = None
    if "gan" in kinds:
        works["gan: 100 training steps"] = gan_work()
    if "calo" in kinds:
        works["calo: 256 showers + bins"] = calo_work()
    if "ae" in kinds:
        works["ae: 20 conv AE steps"] = ae_work()
    if "sinkhorn" in kinds:
        works["sinkhorn: 256 pairs batched"], pot_loop = sinkhorn_work()
    print(f"{os.cpu_count()} cores, torch {torch.__version__}, load average {os.getloadavg()[0]:.2f} at the start")
    for busy in (0, 1):
        spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(busy)]
        for process in spinners:
            process.start()
        try:
            print("beside one busy process:" if busy else "nothing else from this script running:")
            results = {name: measure(name, work, args.repeats) for name, work in works.items()}
            if pot_loop is not None:
                with torch_threads(1):
                    start = time.perf_counter()
                    pot_loop()
                    loop_seconds = time.perf_counter() - start
                batched = results["sinkhorn: 256 pairs batched"]
                print(f"  loop of ot.sinkhorn2 (1 core) {loop_seconds:7.3f} s -> batched is "
                      f"{loop_seconds / batched[1]:.1f}x faster on 1 thread, {loop_seconds / batched[2]:.1f}x on 2",
                      flush=True)
        finally:
            for process in spinners:
                process.terminate()
                process.join()
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
