"""Feature ranking: what the page's computations cost, each against a baseline in the same run.

1. Exact interventional Shapley values of one prediction (d = 10 features, |B| = 100 background rows):
   our enumeration, vectorised over coalitions and background (a few model calls of 200 000 rows),
   against a naive loop that calls the model once per coalition (1024 calls of 100 rows).
2. SHAP on many rows for a tree model: shap's TreeExplainer on the page's settings (interventional,
   50 background rows) and in its path-dependent mode (no background, what precomputed dashboards
   such as explainerdashboard and shapash use), timed on 1 000 rows and extrapolated to 100 000,
   and the page's subsample (200 rows), against training the model.

Run: ``nice -n 10 .venv/bin/python benchmarks/bench_ranking.py [--rows-path 20000]``.
Timings are noisy on a shared machine: read the ratios.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from ganplify_core.ranking import datasets, explain, models
from ganplify_core.ranking.games import shapley_by_subsets


def naive_exact_shapley(predict, x, background):
    """The textbook loop: one model call per coalition, then formula (1)."""
    d = len(x)
    worth = np.empty(2**d)
    for mask in range(2**d):
        rows = background.copy()
        for i in range(d):
            if mask >> i & 1:
                rows[:, i] = x[i]
        worth[mask] = predict(rows).mean()
    return shapley_by_subsets(worth - worth[0])


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-path", type=int, default=20_000, help="rows for the path-dependent TreeExplainer timing")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")

    table = datasets.load_dataset("calibration", 5000, seed=0)
    for kind in ("gbt", "rf"):
        start = time.perf_counter()
        model = models.train_model(table, kind, 0.3, seed=0)
        train_s = time.perf_counter() - start
        background = model.X_train[:100]
        x = model.X_test[0]
        t_vec, fast = best_of(lambda: explain.exact_interventional_shapley(model.output, x, background).values)
        t_naive, slow = best_of(lambda: naive_exact_shapley(model.output, x, background))
        assert np.allclose(fast, slow, atol=1e-12)
        print(f"[{kind}] exact Shapley, d=10, |B|=100: vectorised {t_vec:.3f} s, naive per-coalition loop {t_naive:.3f} s, "
              f"speed-up x{t_naive / t_vec:.1f} (max difference {np.abs(fast - slow).max():.1e})")

        bg50 = model.X_train[:50]
        rows = np.tile(model.X_test, (int(np.ceil(args.rows_path / len(model.X_test))), 1))[:args.rows_path]
        interventional = explain.tree_explainer(model, bg50)
        t_int, _ = best_of(lambda: interventional.shap_values(rows[:1000], check_additivity=False), repeats=1)
        import shap

        path = shap.TreeExplainer(model.estimator, feature_perturbation="tree_path_dependent")
        t_path, _ = best_of(lambda: path.shap_values(rows, check_additivity=False), repeats=1)
        per_row_int, per_row_path = t_int / 1000, t_path / len(rows)
        print(f"[{kind}] train {train_s:.2f} s; TreeExplainer interventional (|B|=50): {per_row_int * 1e3:.2f} ms/row "
              f"-> 200 rows (page default) {200 * per_row_int:.2f} s, 100 000 rows ~{1e5 * per_row_int:.0f} s; "
              f"path-dependent (dashboard mode): {per_row_path * 1e3:.3f} ms/row on {len(rows)} rows -> 100 000 rows ~{1e5 * per_row_path:.0f} s")


if __name__ == "__main__":
    main()
