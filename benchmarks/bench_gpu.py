"""Each heavy metric on the CPU and on CUDA, in one run on one machine (needs a GPU; `gpu_checks.sh` runs it).

The work pieces, each a fixed task timed on ``cpu`` (torch's default threads: every core of the machine)
and on ``cuda`` (synchronised), best of ``--repeats`` after a warm-up, ratio ``t(cpu) / t(cuda)``:

* ``amplify-train``: 500 training steps of the amplification GAN (MLPs of width 64, 100 training points);
* ``amplify-sample``: the amplification curve's 10⁷ generated points (sample, cell index, bincount);
* ``calo-train``: 40 steps of the calorimeter GAN at the default size (batch 32, 25³ cells, 256 showers);
* ``ae-train``: 20 Adam steps of the default convolutional jet autoencoder on batches of 128 40×40 images;
* ``sinkhorn``: ``sinkhorn_emd`` on 256 pairs of W jets (ε = 0.01, 100 iterations);
* ``birthday``: the duplicate search of a 2 000-shower pool (features, screen, exact distances, SSIM).

    python3 benchmarks/bench_gpu.py [--repeats 3] [--only amplify-train,sinkhorn]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_threads

Work = Callable[[], object]


def amplify_train(device: torch.device) -> Work:
    from ganplify_core.amplify.gan import GanSettings, train_gan

    data = np.random.default_rng(0).normal(size=(100, 1))
    return lambda: train_gan(data, GanSettings(steps=500, log_every=100), seed=0, device=device)


def amplify_sample(device: torch.device) -> Work:
    from ganplify_core.amplify.distributions import get_distribution
    from ganplify_core.amplify.gan import GanSettings, GeneratorSampler, train_gan
    from ganplify_core.amplify.metrics import generated_grid, mse_vs_generated

    dist = get_distribution("camelback", 1, 10)
    trained = train_gan(dist.sample(100, np.random.default_rng(0)), GanSettings(steps=50), seed=0, device="cpu")
    sampler = GeneratorSampler(trained, seed=1, device=device)
    grid = generated_grid(10_000_000)
    return lambda: mse_vs_generated(sampler.sample, dist.cell_index, 10, grid, sampler.chunk_size)


def calo_train(device: torch.device) -> Work:
    from ganplify_core.calorimeter import gan

    config = gan.CaloGanConfig(steps=40, n_train=256)

    def train() -> object:
        saved, gan.get_device = gan.get_device, lambda: device
        try:
            return gan._train(config, None)
        finally:
            gan.get_device = saved
    return train


def ae_train(device: torch.device) -> Work:
    from bench_threads import ae_work

    return ae_work(device)


def sinkhorn(device: torch.device) -> Work:
    from bench_threads import _jets

    from ganplify_core.vae.sinkhorn import sinkhorn_emd

    tensors = [torch.tensor(v, device=device) for seed in (11, 12) for v in _jets(256, seed=seed)]
    return lambda: sinkhorn_emd(*tensors, epsilon=0.01, n_iterations=100, epsilon_scaling=False)


def birthday(device: torch.device) -> Work:
    from ganplify_core.birthday import duplicates
    from ganplify_core.birthday.features import shower_features
    from ganplify_core.birthday.sources import draw_pool

    energy = (100.0, 100.0)
    thresholds = duplicates.fit_thresholds(shower_features(draw_pool("sim", 1000, energy, 0).images, device),
                                           "shapes+energy+ssim", 0.02, 0)
    images = draw_pool("templates", 2000, energy, 0, templates=1000).images
    return lambda: duplicates.find_duplicates(shower_features(images, device), thresholds)


WORKS = {"amplify-train": amplify_train, "amplify-sample": amplify_sample, "calo-train": calo_train,
         "ae-train": ae_train, "sinkhorn": sinkhorn, "birthday": birthday}


def best_seconds(work: Work, device: torch.device, repeats: int) -> float:
    def synchronise() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    work()  # warm-up (CUDA context, kernels, caches)
    synchronise()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        synchronise()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", default=",".join(WORKS))
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("bench_gpu.py: no CUDA device here")
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    print(f"{torch.cuda.get_device_name(cuda)}; torch {torch.__version__}; CPU: {os.cpu_count()} cores, "
          f"torch threads {torch.get_num_threads()}", flush=True)
    for name in (k.strip() for k in args.only.split(",") if k.strip()):
        seconds = {device.type: best_seconds(WORKS[name](device), device, args.repeats) for device in (cpu, cuda)}
        print(f"  {name:<15} cpu {seconds['cpu']:8.3f} s   cuda {seconds['cuda']:8.3f} s   "
              f"cpu/cuda = {seconds['cpu'] / seconds['cuda']:6.1f}", flush=True)


if __name__ == "__main__":
    main()
