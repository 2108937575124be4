"""Benchmarks of the GAN amplification page (ratios measured in one run; the machine is shared).

1. Generating and binning 10⁷ GAN samples (``mse_vs_generated`` with the fast sampler: latent noise,
   3 × 64 LeakyReLU MLP, cell index, bincount at every grid point) against the generator's matrix
   multiplications alone on the same number of rows. Target: ratio ≤ 2.
2. For context, the naive way: ``G(torch.randn(n))`` with autograd on, ``.numpy()``, ``np.histogram``.
3. The page once cached: a second ``AppTest`` run of the default page. Target: < 1 s.
4. ``--train``: the default ensemble (10 training sets) from scratch (``run_amplification``), wall time,
   and whether it reproduces the shipped result exactly. Target: < 5 min.

``--numbers`` only prints the figures docs/amplify.md quotes (intervals, paired tests), from the shipped
default; no timing.

    .venv/bin/python benchmarks/bench_amplify.py [--train | --numbers]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ganplify_core.amplify.distributions import get_distribution  # noqa: E402
from ganplify_core.amplify.experiment import DEFAULT_CONFIG, run_amplification  # noqa: E402
from ganplify_core.amplify.gan import GanSettings, GeneratorSampler, mlp, train_gan  # noqa: E402
from ganplify_core.amplify.metrics import generated_grid, mse_vs_generated  # noqa: E402

N = 10_000_000


def best_of(fn, repeats=3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def shipped_default():
    from ganplify_core import cache, experiments
    from ganplify_core.amplify.experiment import AMPLIFY

    path = experiments.shipped_path(AMPLIFY, DEFAULT_CONFIG)
    return cache.load(path) if path.exists() else None


def print_numbers() -> None:
    """The table of docs/amplify.md ("How sure is the headline?"), from the shipped default."""
    from ganplify_core.amplify import plots

    result = shipped_default()
    if result is None:
        print("no shipped default: make assets")
        return
    frame = plots.uncertainty_table(result.summary(), result.config.methods)
    print("| " + " | ".join(frame.columns) + " |")
    print("|" + "---|" * len(frame.columns))
    for row in frame.itertuples(index=False):
        print("| " + " | ".join(str(v) for v in row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", action="store_true", help="also time the default 10-seed ensemble")
    parser.add_argument("--numbers", action="store_true", help="only print the documented figures (shipped default)")
    args = parser.parse_args()
    if args.numbers:
        print_numbers()
        return
    print(f"torch threads: {torch.get_num_threads()}, cores: {os.cpu_count()}")
    dist = get_distribution("camelback", 1, 10)
    trained = train_gan(dist.sample(100, np.random.default_rng(0)), GanSettings(steps=200), seed=0)
    sampler = GeneratorSampler(trained, seed=1)
    chunk = sampler.chunk_size
    z = torch.randn(chunk, trained.settings.latent)

    @torch.no_grad()
    def matmuls_only():
        for _ in range(N // chunk):
            x = z
            for w, b, out in zip(sampler.weights, sampler.biases, sampler.hidden):
                torch.addmm(b, x, w, out=out)
                x = out

    grid = generated_grid(N)
    full = lambda: mse_vs_generated(sampler.sample, dist.cell_index, 10, grid, chunk)
    t_matmul, t_full = [], []
    for _ in range(3):  # interleaved, so load from other jobs hits both alike
        t_matmul.append(best_of(matmuls_only, 1))
        t_full.append(best_of(full, 1))
    t_matmul, t_full = min(t_matmul), min(t_full)
    print(f"matmuls alone, {N:.0e} rows:              {t_matmul:.2f} s")
    print(f"generate + bin {N:.0e} (grid of {len(grid)}):    {t_full:.2f} s   ratio {t_full / t_matmul:.2f} (target ≤ 2)")

    model = mlp(trained.settings.latent, 64, 3, 1)
    model.load_state_dict(trained.generator_state)
    n_naive = 1_000_000

    def naive():
        x = model(torch.randn(n_naive, trained.settings.latent)).detach().numpy() * 4
        np.histogram(x, np.r_[-np.inf, dist.edges()[0], np.inf])

    t_naive = best_of(naive, 2) * N / n_naive
    print(f"naive (autograd, numpy, histogram), scaled to {N:.0e}: {t_naive:.2f} s   ratio {t_naive / t_matmul:.2f}")

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "views" / "gan_amplification.py"), default_timeout=300)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    start = time.perf_counter()
    at.run()
    second = time.perf_counter() - start
    print(f"page, default (shipped result): first run {first:.2f} s, cached rerun {second:.2f} s (target < 1 s)")

    if args.train:
        start = time.perf_counter()
        result = run_amplification(DEFAULT_CONFIG, lambda f, m: print(f"  [{100 * f:5.1f}%] {m}", flush=True))
        elapsed = time.perf_counter() - start
        gan = result.summary()["gan"]["amplification"]
        print(f"default ensemble ({DEFAULT_CONFIG.n_seeds} training sets × {DEFAULT_CONFIG.gans_per_set} GANs, "
              f"{DEFAULT_CONFIG.steps} steps, "
              f"{DEFAULT_CONFIG.max_generated:.0e} generated each): {elapsed:.0f} s (target < 300 s); "
              f"GAN amplification {gan['mean']:.2f} ± {gan['std']:.2f}")
        shipped = shipped_default()
        if shipped is not None:
            same = all(np.array_equal(result.mse[m], shipped.mse[m]) for m in result.mse) \
                and np.array_equal(result.train_mse, shipped.train_mse)
            print(f"identical to the shipped result (every set's MSE curves): {same}")


if __name__ == "__main__":
    main()
