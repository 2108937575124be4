"""Feature ranking: what the page's computations cost, each against a baseline in the same run.

1. Exact interventional Shapley values of one prediction (d = 10 features, |B| = 100 background rows):
   our enumeration, vectorised over coalitions and background (a few model calls of 200 000 rows),
   against a naive loop that calls the model once per coalition (1024 calls of 100 rows).
2. SHAP on many rows for a tree model: shap's TreeExplainer on the page's settings (interventional,
   50 background rows) and in its path-dependent mode (no background, what precomputed dashboards
   such as explainerdashboard and shapash use), timed on 1 000 rows and extrapolated to 100 000,
   and the page's subsample (200 rows), against training the model.

3. ``--numbers``: the figures the README quotes, each computed here from a ranking result (default
   settings, seed 0): per model on the calibration data the test score ± its bootstrap s.d., Kendall τ
   between the methods, whether the irrelevant features rank last, the top feature's permutation ratio
   ± s.d. over repeats and the largest |exact − SHAP| of event 0; the same for the jets and for the
   diabetes random forest (TreeExplainer's efficiency miss); and a scikit-learn model converted with
   skl2onnx and ranked as an uploaded ONNX model (its estimate against the measured time).

Run: ``nice -n 10 .venv/bin/python benchmarks/bench_ranking.py [--rows-path 20000] [--numbers]``.
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


def _row(label: str, result) -> str:
    from ganplify_core.ranking.plots import plus_minus

    scores = ", ".join(f"{metric} {plus_minus(value, result.test_score_std.get(metric))}"
                       for metric, value in result.test_score.items())
    short = {"built-in (impurity)": "built-in", "permutation (ratio)": "perm", "mean |SHAP|": "SHAP"}  # no "|" in a table
    taus = ", ".join(f"{short.get(a, a)}/{short.get(b, b)} {result.kendall_tau[i, j]:.2f}"
                     for i, a in enumerate(result.tau_methods) for j, b in enumerate(result.tau_methods) if i < j)
    perm = result.permutation
    top = int(np.argmax(perm.ratio_mean))
    last = result.methods_ranking_irrelevant_last()
    irrelevant = (f"{len(last)} of {len(result.rankings)}" if result.irrelevant else "–")
    largest = float(np.abs(result.exact.values).max()) if result.exact is not None else float("nan")
    first = {method: order[0][0] for method, order in result.ranking_table().items()}
    return (f"| {label} | {scores} | {taus} | {irrelevant} | {result.feature_names[top]} "
            f"{plus_minus(perm.ratio_mean[top], perm.ratio_std[top])} | "
            f"{', '.join(sorted(set(first.values())))} | {result.exact_vs_shap_gap:.1e} of {largest:.3g} | "
            f"{result.shap_efficiency_gap:.1e} |")


def readme_numbers() -> None:
    """The README's figures, each from a ranking result computed now (see the module docstring, 3.)."""
    import tempfile

    from ganplify_core.ranking import onnx_model, uploads
    from ganplify_core.ranking.experiment import RankingConfig, compute_ranking, estimate_seconds

    print("| settings (seed 0) | test score ± bootstrap s.d. | Kendall τ | irrelevant last under | top permutation ratio "
          "± s.d. | first under each method | max abs(exact − SHAP), event 0, of the largest φ | SHAP efficiency miss |")
    print("|---|---|---|---|---|---|---|---|")
    for label, config in (("calibration, boosted trees (default)", RankingConfig()),
                          ("calibration, random forest", RankingConfig(model="rf")),
                          ("calibration, network (KernelSHAP)", RankingConfig(model="mlp")),
                          ("jets, boosted trees, 4 000 rows", RankingConfig(dataset="jets", n_rows=4000)),
                          ("diabetes, random forest", RankingConfig(dataset="diabetes", model="rf", n_rows=442))):
        print(_row(label, compute_ranking(config)), flush=True)

    # an uploaded model: the calibration data as CSV, a scikit-learn boosted regressor as ONNX
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingRegressor

    os.environ["GANPLIFY_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-ranking-")  # the uploads go to a scratch cache
    table = datasets.load_dataset("calibration", 4000, seed=0)
    frame = table.frame()
    model = models.train_model(table, "gbt", 0.3, seed=0)
    original = GradientBoostingRegressor(n_estimators=150, max_depth=3, subsample=0.8, random_state=0).fit(model.X_train, model.y_train)
    csv_digest, _ = uploads.accept(frame.to_csv(index=False).encode(), name="calibration.csv")
    onnx_digest, _ = onnx_model.accept(to_onnx(original, model.X_train[:1].astype(np.float32)).SerializeToString())
    config = RankingConfig(dataset="upload", upload_sha256=csv_digest, model="onnx", onnx_sha256=onnx_digest)
    estimate = estimate_seconds(config)
    start = time.perf_counter()
    result = compute_ranking(config)
    seconds = time.perf_counter() - start
    print(_row("calibration CSV, boosted trees as ONNX (KernelSHAP)", result))
    print(f"\nONNX ranking: estimated {estimate:.1f} s, measured {seconds:.1f} s (measured/estimated {seconds / estimate:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-path", type=int, default=20_000, help="rows for the path-dependent TreeExplainer timing")
    parser.add_argument("--numbers", action="store_true", help="print the README's figures (computed now) and stop")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    if args.numbers:
        readme_numbers()
        return

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
