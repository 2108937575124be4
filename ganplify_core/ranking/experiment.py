"""The feature-ranking experiment: one model, every ranking method, side by side.

:func:`compute_ranking` trains the chosen model on a held-out split and computes, on the held-out rows:
the model's built-in importance (trees), permutation importance (ratio and difference, with repeats),
SHAP values of a subsample (interventional, on a background sample from the training rows), the
exact interventional Shapley values of one chosen prediction (models with at most 10 features),
Kendall's τ between the rankings, and the strongly correlated feature pairs. The result holds arrays
only, so it is disk-cached (no pickle); a cached result shows without retraining. It is registered as
the experiment :data:`RANKING` (``rank``): everything runs it through ``experiments.run(RANKING, config)``.
"""

from __future__ import annotations

import dataclasses
import math
import sys

import numpy as np

from ganplify_core import experiments, params
from ganplify_core.errors import InputError
from ganplify_core.params import param
from ganplify_core.ranking import datasets, explain, importance, models, onnx_model, uploads
from ganplify_core.ranking.datasets import FeatureTable
from ganplify_core.seeding import make_rng
from ganplify_core.training import Progress, no_progress, scaled

BUILTIN = "built-in (impurity)"
PERMUTATION = "permutation (ratio)"
MEAN_ABS_SHAP = "mean |SHAP|"


DATA_CHOICES = datasets.DATASETS + ("upload",)
DATA_LABELS = {
    "calibration": "Electron energy calibration (synthetic, known truth)",
    "height": "Height at 20 from height at 10 and socks (lecture toy)",
    "diabetes": "Diabetes progression (scikit-learn)",
    "breast_cancer": "Breast cancer, benign vs malignant (scikit-learn)",
    "jets": "Top vs QCD jets from jet observables",
    "upload": "Your own CSV",
}
# The network's SHAP (KernelExplainer) evaluates the model about 2 000 times per explained row and
# background row (~2.5 ms per pair on a shared machine): 50 000 pairs are about 2 minutes.
MAX_KERNEL_PAIRS = 50_000


@dataclasses.dataclass(frozen=True)
class RankingConfig(params.Config):
    """Everything that determines a ranking result (the page's controls and the CLI's options).

    ``dataset`` is one of :data:`DATA_CHOICES`; for ``"upload"``, ``upload_sha256`` names the uploaded
    file by the SHA-256 of its bytes (:mod:`ganplify_core.ranking.uploads` keeps them) and
    ``upload_target`` its target column (None: the last numeric column). ``model="onnx"`` ranks the
    user's own model instead of training one: ``onnx_sha256`` names the uploaded ONNX file
    (:mod:`ganplify_core.ranking.onnx_model`). ``event`` indexes the SHAP subsample: the prediction
    shown as a waterfall and explained exactly.
    """

    dataset: str = param("calibration", choices=DATA_CHOICES, labels=DATA_LABELS, label="Data set",
                         help="the table whose features are ranked ('upload': a CSV, on the page or with --csv)")
    model: str = param("gbt", choices=models.MODELS, labels=models.MODEL_LABELS, widget="radio", label="Model",
                       help="the model whose inputs are ranked")
    n_rows: int = param(4000, lo=100, hi=datasets.MAX_ROWS, step=100, widget="number", unit="rows",
                        label="Rows (70 % train, 30 % held out)",
                        help="rows drawn from the data set (diabetes has 442, breast cancer 569)")
    test_fraction: float = param(0.3, lo=0.05, hi=0.8, label="Held-out fraction",
                                 help="fraction of the rows held out for the test score, permutation importance and SHAP")
    n_repeats: int = param(5, lo=1, hi=50, cli="--repeats", label="Permutation repeats per feature",
                           help="permutation repeats per feature")
    shap_rows: int = param(200, lo=10, hi=5000, step=10, widget="number", label="Held-out rows explained with SHAP",
                           help="held-out rows explained with SHAP (the cost grows with them, most for the "
                                "model-agnostic KernelExplainer of a network or an ONNX model: the estimate "
                                "before the press says how long)")
    background_size: int = param(50, lo=5, hi=1000, step=10, cli="--background",
                                 label="Background rows (interventional expectation)",
                                 help="background rows (interventional): SHAP's and the exact values' cost grows with them")
    event: int = param(0, lo=0, hi=4999, widget="number", label="Event to explain (index among the SHAP rows)",
                       help="explained row shown exactly (index in the SHAP rows)")
    seed: int = params.seed_param()
    upload_sha256: str | None = None
    upload_target: str | None = None
    onnx_sha256: str | None = None

    def check(self) -> None:
        if self.event >= self.shap_rows:
            raise InputError(f"event={self.event}: must index the SHAP rows, between 0 and {self.shap_rows - 1}")
        if self.dataset == "upload":
            if not uploads.is_digest(self.upload_sha256):
                raise InputError("the 'upload' data set needs an uploaded CSV (upload one on the page, or --csv FILE)")
        elif self.upload_sha256 is not None or self.upload_target is not None:
            raise InputError(f"data set '{self.dataset}' takes no uploaded file")
        if self.upload_target is not None and (not isinstance(self.upload_target, str) or not self.upload_target):
            raise InputError("the target column must be a column name")
        if self.model == "onnx" and not onnx_model.is_digest(self.onnx_sha256):
            raise InputError("the 'onnx' model needs an uploaded ONNX file (upload one beside the CSV on the page, "
                             "or --onnx FILE)")
        if self.model != "onnx" and self.onnx_sha256 is not None:
            raise InputError(f"model '{self.model}' is trained here and takes no uploaded ONNX file")
        if self.model in ("mlp", "onnx") and self.shap_rows * self.background_size > MAX_KERNEL_PAIRS:
            raise InputError(f"the {'network' if self.model == 'mlp' else 'ONNX model'}'s SHAP values (KernelExplainer) cost "
                             f"thousands of model evaluations per explained row and background row: keep "
                             f"shap_rows × background_size ≤ {MAX_KERNEL_PAIRS:,} "
                             f"(now {self.shap_rows} × {self.background_size}), or rank a tree model")


@dataclasses.dataclass(frozen=True)
class RankingResult:
    """Every ranking of one trained model, and what is needed to draw it."""

    config: RankingConfig
    dataset_description: str
    feature_names: tuple
    target_name: str
    task: str
    model_label: str
    test_score: dict
    n_train: int
    n_test: int
    builtin: np.ndarray | None
    permutation: importance.PermutationImportance
    shap_values: np.ndarray       # (m, d) for the explained rows
    shap_base_value: float
    explainer: str
    explained_rows: np.ndarray    # (m, d) feature values of the explained held-out rows
    explained_outputs: np.ndarray  # (m,) model output for them
    interaction_partner: np.ndarray  # (d,) index of each feature's strongest interaction, -1 if none
    event: int
    exact: explain.ExactShapley | None
    exact_note: str
    rankings: dict                # method -> importance per feature (larger = more important)
    tau_methods: tuple
    kendall_tau: np.ndarray
    correlated: tuple             # ((feature_a, feature_b, spearman_rho), ...)
    true_relevance: dict | None
    irrelevant: tuple
    test_score_std: dict = dataclasses.field(default_factory=dict)  # bootstrap s.d. over held-out resamples

    @property
    def shap_efficiency_gap(self) -> float:
        """max over explained rows of |base value + Σφ − f(x)|: zero (to rounding) for exact SHAP values."""
        return float(np.abs(self.shap_base_value + self.shap_values.sum(axis=1) - self.explained_outputs).max())

    @property
    def top_shap_feature(self) -> int:
        """Index of the feature with the largest mean |SHAP| (the dependence plot's default)."""
        return int(np.abs(self.shap_values).mean(axis=0).argmax())

    @property
    def exact_vs_shap_gap(self) -> float:
        """Largest |exact φ − SHAP φ| over the features, for the explained event (NaN without exact values)."""
        if self.exact is None:
            return float("nan")
        return float(np.abs(self.exact.values - self.shap_values[self.event]).max())

    def ranking_table(self) -> dict:
        """Method -> features ordered from most to least important, with their scores."""
        return {method: [(self.feature_names[i], float(scores[i])) for i in np.argsort(-scores, kind="stable")]
                for method, scores in self.rankings.items()}

    def methods_ranking_irrelevant_last(self) -> list[str]:
        """The methods under which exactly the irrelevant features take the last places."""
        n = len(self.irrelevant)
        return [method for method, order in self.ranking_table().items()
                if n and {name for name, _ in order[-n:]} == set(self.irrelevant)]

    def summary(self) -> dict:
        """The CLI's JSON (``python -m ganplify_core rank --json``).

        ``test_score_std``: the bootstrap standard deviation of each test metric over resamples of the
        held-out rows; ``permutation_ratio_std`` / ``permutation_difference_std``: the standard deviation
        of each feature's permutation importance over the repeated shuffles.
        """
        table = self.ranking_table()
        names = self.feature_names
        out = {
            "dataset": self.config.dataset, "model": self.model_label, "task": self.task, "test_score": self.test_score,
            "rankings": {method: [name for name, _ in ordered] for method, ordered in table.items()},
            "scores": {method: dict(ordered) for method, ordered in table.items()},
            "permutation_difference": dict(zip(names, self.permutation.difference_mean.tolist())),
            "kendall_tau": {f"{a} vs {b}": float(self.kendall_tau[i, j]) for i, a in enumerate(self.tau_methods)
                            for j, b in enumerate(self.tau_methods) if i < j},
            "correlated_pairs": [list(p) for p in self.correlated],
            "explainer": self.explainer,
            "test_score_std": dict(self.test_score_std),
            "permutation_ratio_std": dict(zip(names, self.permutation.ratio_std.tolist())),
            "permutation_difference_std": dict(zip(names, self.permutation.difference_std.tolist())),
        }
        if self.exact is not None:
            out["event"] = {"index": self.event, "prediction": self.exact.prediction, "base_value": self.exact.base_value,
                            "exact_shapley": dict(zip(names, self.exact.values.tolist())),
                            "shap": dict(zip(names, self.shap_values[self.event].tolist()))}
        return out


def load_table(config: RankingConfig) -> FeatureTable:
    """The config's feature table: a built-in data set, or the stored upload its digest names."""
    if config.dataset == "upload":
        table = uploads.table(config.upload_sha256, config.upload_target)
        if len(table.y) > config.n_rows:
            rows = make_rng(config.seed).permutation(len(table.y))[:config.n_rows]
            table = dataclasses.replace(table, X=table.X[rows], y=table.y[rows])
        return table
    return datasets.load_dataset(config.dataset, config.n_rows, config.seed)


def preview_table(config: RankingConfig) -> FeatureTable:
    """What the page shows of the data before anything is trained (at most 2 000 rows)."""
    return load_table(config.replace(n_rows=min(config.n_rows, 2000)))


# -- how long it takes ---------------------------------------------------------------------------------------
# Seconds on the 2-core machine class (one core per job), from small runs of each phase of compute_ranking
# (calibration data, d = 10; breast cancer, d = 30; jets, d = 8), as process CPU time: the machine was shared
# while calibrating (wall time 1.3–2x the CPU time), so wall-clock rates would overstate an idle server.
# Checked by benchmarks/bench_estimates.py --only rank.
IMPORT_SECONDS = 1.6                      # shap, scikit-learn's ensembles and networks, once per process
OVERHEAD_SECONDS = 0.2
JET_SECONDS_PER_ROW = 3e-4                # the toy jet shower, on the first use of a jet sample
TRAIN = {  # (fixed, per training row × feature [× log2 rows for the forest]); the network per row
    "gbt": (0.15, 3.9e-5), "rf": (0.1, 3.9e-6), "mlp": (0.1, 6.6e-4)}
CLASSIFICATION_SLOWER = 1.4               # gradient boosting's log-loss trees
PREDICT_PER_ROW = {"gbt": 2.1e-6, "rf": 8.8e-6, "mlp": 5e-6}      # permutation importance, exact enumeration
SHAP_PER_ROW = {"gbt": (5.5e-4, 6e-6), "rf": (1e-2, 2.9e-5)}      # (per row, per row × background row)
KERNEL_PER_ROW, KERNEL_PER_EVAL = 0.006, 0.6e-6                  # KernelExplainer: per row, per coalition × background
INTERACTION_PER_PAIR = (5.5e-4, 1.4e-6)   # per feature pair, (fixed, per explained row)
ONNX_LOAD_SECONDS = 0.05                  # an uploaded model: loading it (its rate per row is measured on it)


def _predict_per_row(config: RankingConfig) -> float:
    """Seconds per row of one model evaluation in a large batch (an ONNX model's is measured once per file)."""
    if config.model != "onnx":
        return PREDICT_PER_ROW[config.model]
    try:
        return onnx_model.load(config.onnx_sha256).seconds_per_row
    except InputError:  # not stored here: computing it will say so
        return PREDICT_PER_ROW["mlp"]


def _sizes(config: RankingConfig) -> tuple[int, int, str]:
    """(rows, features, task) the computation will see."""
    if config.dataset == "upload":
        try:
            stored = uploads.table(config.upload_sha256, config.upload_target)
        except InputError:  # not stored here: computing it will say so
            return config.n_rows, 10, "regression"
        return min(config.n_rows, len(stored.y)), len(stored.feature_names), stored.task
    available = datasets.ROWS_AVAILABLE[config.dataset]
    n = config.n_rows if available is None else min(config.n_rows, available)
    if config.dataset == "jets":
        n = 2 * max(n // 2, 1)
    task = "classification" if config.dataset in ("breast_cancer", "jets") else "regression"
    return n, datasets.N_FEATURES[config.dataset], task


def phase_seconds(config: RankingConfig) -> dict[str, float]:
    """Estimated seconds of each phase of :func:`compute_ranking` (they also weight its progress)."""
    n, d, task = _sizes(config)
    n_test = max(int(round(config.test_fraction * n)), 10)
    n_train = max(n - n_test, 1)
    m, background = min(config.shap_rows, n_test), min(config.background_size, n_train)
    fixed, rate = TRAIN.get(config.model, (0.0, 0.0))
    if config.model == "gbt":
        train = fixed + rate * n_train * d * (CLASSIFICATION_SLOWER if task == "classification" else 1.0)
    elif config.model == "rf":
        features = math.sqrt(d) if task == "classification" else d
        train = fixed + rate * n_train * features * math.log2(max(n_train, 2))
    elif config.model == "onnx":
        train = ONNX_LOAD_SECONDS
    else:
        train = fixed + rate * n_train
    if config.dataset == "jets":
        train += JET_SECONDS_PER_ROW * n
    predict = _predict_per_row(config)
    permutation = predict * d * config.n_repeats * n_test
    if config.model in ("mlp", "onnx"):
        evaluations = min(2**d - 2, 2 * d + 2048)
        per_eval = KERNEL_PER_EVAL + (predict if config.model == "onnx" else 0.0)
        shap = m * (KERNEL_PER_ROW + per_eval * background * evaluations)
    else:
        per_row, per_pair = SHAP_PER_ROW[config.model]
        shap = m * (per_row + per_pair * background)
    exact = predict * 2**d * background * 0.5 if d <= explain.MAX_EXACT_FEATURES else 0.0
    interactions = d * d * (INTERACTION_PER_PAIR[0] + INTERACTION_PER_PAIR[1] * m)
    return {"train": train, "permutation": permutation, "shap": shap, "exact": exact + interactions}


def estimate_seconds(config: RankingConfig) -> float:
    """Wall time on the 2-core machine class (one job uses one core)."""
    imports = IMPORT_SECONDS if "shap" not in sys.modules else 0.0
    return OVERHEAD_SECONDS + imports + sum(phase_seconds(config).values())


# -- the computation -----------------------------------------------------------------------------------------

def compute_ranking(config: RankingConfig, progress: Progress | None = None) -> RankingResult:
    """Train, rank by every method, compare (uncached: everything else calls ``experiments.run(RANKING, …)``)."""
    config.validate()
    progress = progress or no_progress
    phases = phase_seconds(config)
    total = sum(phases.values())
    edges, done = {}, 0.0
    for name, seconds in phases.items():
        edges[name] = (done / total, (done + seconds) / total)
        done += seconds
    table = load_table(config)
    report = scaled(progress, *edges["train"])
    if config.model == "onnx":
        report(0.0, "loading your ONNX model…")
        model = models.onnx_model(table, onnx_model.load(config.onnx_sha256), config.test_fraction, config.seed)
        report(1.0, "loaded")
    else:
        report(0.0, f"training the {models.MODEL_LABELS[config.model]}…")
        model = models.train_model(table, config.model, config.test_fraction, config.seed)
        report(1.0, "trained")
    names = table.feature_names

    perm = importance.permutation_importance(model.output, model.X_test, model.y_test, model.task,
                                             config.n_repeats, config.seed, scaled(progress, *edges["permutation"]))
    rng = make_rng(config.seed + 1)
    background = model.X_train[rng.choice(len(model.X_train), min(config.background_size, len(model.X_train)), replace=False)]
    n_explain = min(config.shap_rows, len(model.X_test))
    if config.event >= n_explain:
        raise InputError(f"event {config.event} is beyond the {n_explain} explained held-out rows")
    explained = model.X_test[rng.choice(len(model.X_test), n_explain, replace=False)]
    shap = explain.shap_values(model, explained, background, scaled(progress, *edges["shap"]), seed=config.seed)

    finish = scaled(progress, *edges["exact"])
    finish(0.0, "exact Shapley values of one prediction…")
    if len(names) <= explain.MAX_EXACT_FEATURES:
        exact = explain.exact_interventional_shapley(model.output, explained[config.event], background)
        note = (f"Exact: all 2^{len(names)} = {2 ** len(names)} coalitions × {len(background)} background rows "
                f"= {2 ** len(names) * len(background):,} model evaluations.")
    else:
        exact = None
        note = (f"Exact enumeration skipped: {len(names)} features would need 2^{len(names)} = {2 ** len(names):,} "
                f"coalitions (limit: {explain.MAX_EXACT_FEATURES} features).")

    rankings = {}
    builtin = models.builtin_importance(model)
    if builtin is not None:
        rankings[BUILTIN] = builtin
    rankings[PERMUTATION] = perm.ratio_mean
    rankings[MEAN_ABS_SHAP] = np.abs(shap.values).mean(axis=0)
    methods, tau = importance.kendall_tau_matrix(rankings)
    finish(0.5, "interactions and correlated features…")
    result = RankingResult(
        config=config, dataset_description=table.description, feature_names=tuple(names), target_name=table.target_name,
        task=table.task, model_label=models.MODEL_LABELS[config.model], test_score=model.test_score,
        n_train=len(model.y_train), n_test=len(model.y_test), builtin=builtin, permutation=perm,
        shap_values=shap.values, shap_base_value=shap.base_value, explainer=shap.explainer,
        explained_rows=explained, explained_outputs=model.output(explained),
        interaction_partner=explain.strongest_interaction(shap.values, explained),
        event=config.event, exact=exact, exact_note=note, rankings=rankings, tau_methods=methods, kendall_tau=tau,
        correlated=tuple(importance.correlated_pairs(model.X_train, tuple(names))),
        true_relevance=table.true_relevance, irrelevant=table.irrelevant_features,
        test_score_std=models.test_score_std(model.task, model.y_test, model.output(model.X_test), config.seed),
    )
    finish(1.0, "done")
    return result


DEFAULT = RankingConfig()
PRESETS = (
    experiments.Preset(
        "paper", "The lecture's setting", DEFAULT,
        note="The lecture's physics example: an electron energy calibration by boosted trees (XGBoost-like gain), "
             "ranked by gain, permutation importance and SHAP; three features are irrelevant by construction."),
    experiments.Preset(
        "demo", "A 30-second demo", RankingConfig(model="mlp", n_rows=10_000, shap_rows=200),
        note="A neural network ranked by permutation importance and model-agnostic KernelSHAP, checked against "
             "the exact Shapley values of one prediction."),
    experiments.Preset(
        "fails", "Where it fails", RankingConfig(dataset="jets", n_rows=4000),
        note="Top vs QCD jets: the correlated N-subjettiness observables share the credit, and shap's TreeExplainer "
             "on the probability output differs from the exact Shapley values of the same prediction although "
             "its efficiency check passes."),
)

RANKING = experiments.register(experiments.Experiment(
    name="rank", config_type=RankingConfig, compute=compute_ranking, to_json=RankingResult.summary,
    estimate_seconds=estimate_seconds, label="Training and ranking", presets=PRESETS, ship=(DEFAULT,),
    calibration=(RankingConfig(n_rows=16_000),
                 RankingConfig(model="rf", n_rows=6000, shap_rows=400),
                 RankingConfig(model="mlp", n_rows=3000, shap_rows=60),
                 RankingConfig(dataset="jets", n_rows=10_000, shap_rows=300))))
