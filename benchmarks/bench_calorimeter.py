"""Toy calorimeter speed: vectorised ``simulate_showers`` against a per-shower, per-spot Python loop.

Both run the same physics (GFlash longitudinal and radial profiles, spots, response, threshold) at
100 GeV on the 25³ grid, one thread, in the same run; the script prints showers per second for each and
their ratio. Target (spec): at least 1 000 showers per second vectorised.

    .venv/bin/python benchmarks/bench_calorimeter.py
"""

from __future__ import annotations

import math
import os
import platform
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from ganplify_core.calorimeter import showers as S


def naive_shower(energy: float, rng: random.Random, grid=(25, 25, 25)) -> np.ndarray:
    """The straightforward version: one shower, one spot at a time (the baseline, not used elsewhere)."""
    nx, ny, nz = grid
    par = {k: float(v) for k, v in S.longitudinal_parameters(np.array(energy)).items()}
    g1, g2 = rng.gauss(0, 1), rng.gauss(0, 1)
    ln_t = par["mean_ln_t"] + par["sigma_ln_t"] * g1
    ln_a = par["mean_ln_alpha"] + par["sigma_ln_alpha"] * (par["rho"] * g1 + math.sqrt(1 - par["rho"] ** 2) * g2)
    t_max, alpha = math.exp(ln_t), max(math.exp(ln_a), 1.05)
    beta = (alpha - 1) / t_max
    e_vis = S.SAMPLING_FRACTION * energy * max(1 + S.STOCHASTIC_TERM / math.sqrt(energy) * rng.gauss(0, 1), 0)
    x0, y0 = rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)
    n_spots = int(S.number_of_spots(np.array(energy)))
    image = np.zeros(grid)
    for _ in range(n_spots):
        depth = rng.gammavariate(alpha, 1.0) / beta
        r_core, r_tail, p = (float(v) for v in S.radial_parameters(np.array(depth / t_max), np.array(energy)))
        scale = r_core if rng.random() < p else r_tail
        u = rng.random()
        radius = scale * math.sqrt(u / (1 - u)) / S.CELL_SIZE_RM
        phi = rng.uniform(0, 2 * math.pi)
        ix = math.floor(nx / 2 + x0 + radius * math.cos(phi))
        iy = math.floor(ny / 2 + y0 + radius * math.sin(phi))
        iz = math.floor(depth / S.LAYER_DEPTH_X0)
        if 0 <= ix < nx and 0 <= iy < ny and iz < nz:
            image[ix, iy, iz] += e_vis / n_spots
    image[image < S.CELL_THRESHOLD * image.max()] = 0
    return image.astype(np.float32)


def main() -> None:
    n_naive, n_fast = 10, 4000
    rng = random.Random(0)
    start = time.perf_counter()
    naive = np.stack([naive_shower(100.0, rng) for _ in range(n_naive)])
    naive_rate = n_naive / (time.perf_counter() - start)

    S.simulate_showers(64, energy=100.0, seed=1, use_cache=False)  # warm-up
    start = time.perf_counter()
    fast = S.simulate_showers(n_fast, energy=100.0, seed=0, use_cache=False)
    fast_rate = n_fast / (time.perf_counter() - start)

    # Same physics: mean response and mean depth agree (statistically) between the two.
    for name, images in (("naive", naive), ("vectorised", fast.images[:500])):
        depth = images.sum(axis=(0, 1, 2))
        print(f"{name:>10}: mean visible energy {images.sum(axis=(1, 2, 3)).mean():.3f} GeV, "
              f"mean depth {(depth * (np.arange(25) + 0.5)).sum() / depth.sum():.2f} X0")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, load {os.getloadavg()[0]:.1f}")
    print(f"naive loop:  {naive_rate:8.1f} showers/s ({n_naive} showers at 100 GeV)")
    print(f"vectorised:  {fast_rate:8.1f} showers/s ({n_fast} showers at 100 GeV)")
    print(f"speed-up:    {fast_rate / naive_rate:8.0f}x   (target: >= 1000 showers/s vectorised: "
          f"{'met' if fast_rate >= 1000 else 'NOT met'})")


if __name__ == "__main__":
    main()
