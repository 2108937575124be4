"""Benchmark of the clustering page's heavy computations, cold and cached.

1. UMAP of 10 000 digits-like points (scikit-learn's 8 × 8 digits resampled with Gaussian pixel noise of
   standard deviation 1, in 64 dimensions), against PCA of the same points in the same run.
2. The elbow curve (k-means, k = 1 … 15) on 100 000 points (blobs).
3. ``--large``: t-SNE and UMAP of 100 000 toy jets (8 standardised observables), each large-data choice
   (``map_mode``: parallel, fit on a subsample of 10 000 and place the rest) against the plain baseline
   (reproducible: seeded, one thread) in the same run, with the trustworthiness each keeps. The plain t-SNE is
   refused above 20 000 points, so its baseline is t-SNE of 20 000 of the jets. Target: every fast choice
   under 2 minutes on the 2-core machine class (numba's compilation is timed apart, on a warm-up).

"Cold" is the first computation with an empty disk cache (UMAP's numba compilation is timed
separately, on a 200-point warm-up); "cached" is the same experiment run again
(``experiments.run``), served from the disk cache. The ratios are what to compare across machines:
timings on a shared machine are noisy.

    python benchmarks/bench_clustering.py               # 1 and 2
    python benchmarks/bench_clustering.py --large       # 3 only (about 10 minutes on an idle 2-core machine)
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["GANPLIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-clustering-")

import numpy as np
from sklearn.datasets import load_digits

from ganplify_core import experiments
from ganplify_core.clustering.datasets import Dataset
from ganplify_core.clustering.embedding import embed
from ganplify_core.clustering.experiment import ELBOW, EMBED, ElbowConfig, EmbedConfig, standardised


def digits_like(n: int, seed: int = 0) -> Dataset:
    """``n`` digits drawn with replacement from scikit-learn's 1 797, plus N(0, 1) pixel noise."""
    digits = load_digits()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(digits.data), n)
    points = digits.data[pick] + rng.normal(0.0, 1.0, size=(n, 64))
    return Dataset(points, digits.target[pick].astype(np.int64), tuple(f"p{i}" for i in range(64)),
                   tuple(map(str, range(10))), "digits-like")


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def large_maps(n: int = 100_000) -> None:
    """Section 3: the large-data choices of t-SNE and UMAP against the plain methods, one run."""
    from ganplify_core.clustering.datasets import DatasetConfig, make_dataset

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    data, seconds = timed(lambda: make_dataset(DatasetConfig("jets", n_samples=n)))
    points = standardised(data.points, True)
    print(f"{len(points):,} toy jets (8 observables) made in {seconds:.1f} s")
    _, compile_s = timed(lambda: embed(points[:300], "umap"))
    print(f"UMAP warm-up on 300 points (numba compilation): {compile_s:.1f} s")
    runs = (("umap", {}, points, "plain (seeded, one thread): the baseline"),
            ("umap", {"map_mode": "parallel"}, points, "parallel, unseeded"),
            ("umap", {"map_mode": "subsample"}, points, "fit on 10 000, place the rest"),
            ("tsne", {}, points[:20_000], "plain, on at most 20 000 points (its limit): the baseline"),
            ("tsne", {"map_mode": "parallel"}, points[:20_000], "parallel neighbour search, at most 20 000 points"),
            ("tsne", {"map_mode": "subsample"}, points, "fit on 10 000, place the rest"))
    print("| map | choice | points | seconds | trustworthiness (2 000 points) |")
    print("|---|---|---:|---:|---:|")
    for method, given, x, what in runs:
        e, seconds = timed(lambda: embed(x, method, given))
        print(f"| {method} | {what} | {len(x):,} | {seconds:.1f} | {e.trustworthiness:.3f} |", flush=True)


def main() -> None:
    if "--large" in sys.argv[1:]:
        args = sys.argv[1:]
        large_maps(int(args[args.index("--n") + 1]) if "--n" in args else 100_000)  # --n: a smaller smoke run
        return
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    _, compile_s = timed(lambda: embed(digits_like(200, seed=1).points, "umap"))
    print(f"UMAP warm-up on 200 points (numba compilation): {compile_s:.1f} s")

    data = standardised(digits_like(10_000).points, True)
    umap_map, umap_cold = timed(lambda: embed(data, "umap"))
    pca_map, pca_cold = timed(lambda: embed(data, "pca"))
    print(f"UMAP, 10 000 digits-like points: {umap_cold:.1f} s (fit {umap_map.seconds:.1f} s), trustworthiness "
          f"{umap_map.trustworthiness:.3f}; PCA (baseline): {pca_cold:.2f} s, trustworthiness "
          f"{pca_map.trustworthiness:.3f}; UMAP/PCA time = {umap_cold / pca_cold:.0f}x")
    digits_umap = EmbedConfig("digits", method="umap")
    _, cold = timed(lambda: experiments.run(EMBED, digits_umap))
    experiments.forget_memory()
    _, cached = timed(lambda: experiments.run(EMBED, digits_umap))
    print(f"UMAP of the 1 797 digits as an experiment: cold {cold:.1f} s, cached {cached * 1000:.0f} ms, "
          f"cold/cached = {cold / cached:.0f}x")

    elbow = ElbowConfig("blobs", n_samples=100_000, k_max=15)
    curve, elbow_cold = timed(lambda: experiments.run(ELBOW, elbow))
    experiments.forget_memory()
    _, elbow_cached = timed(lambda: experiments.run(ELBOW, elbow))
    print(f"Elbow k = 1…15, 100 000 points: cold {elbow_cold:.1f} s, cached {elbow_cached * 1000:.0f} ms, "
          f"cold/cached = {elbow_cold / elbow_cached:.0f}x; elbow found at k = {curve.elbow_k} (true 3)")

if __name__ == "__main__":
    main()
