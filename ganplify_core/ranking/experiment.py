"""The feature-ranking experiment: one model, every ranking method, side by side.

:func:`run_ranking` trains the chosen model on a held-out split and computes, on the held-out rows:
the model's built-in importance (trees), permutation importance (ratio and difference, with repeats),
SHAP values of a subsample (interventional, on a background sample from the training rows), the
exact interventional Shapley values of one chosen prediction (models with at most 10 features),
Kendall's τ between the rankings, and the strongly correlated feature pairs. The result holds arrays
only, so it is disk-cached (no pickle); a cached result shows without retraining.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from ganplify_core import cache
from ganplify_core.errors import InputError
from ganplify_core.ranking import datasets, explain, importance, models
from ganplify_core.ranking.datasets import FeatureTable
from ganplify_core.seeding import make_rng
from ganplify_core.training import Progress, scaled

BUILTIN = "built-in (impurity)"
PERMUTATION = "permutation (ratio)"
MEAN_ABS_SHAP = "mean |SHAP|"


@dataclasses.dataclass(frozen=True)
class RankingConfig:
    """Everything that determines a ranking result.

    ``dataset`` is one of :data:`~ganplify_core.ranking.datasets.DATASETS` or ``"upload"`` (then
    ``upload_sha256`` identifies the file's content and the table is passed to :func:`run_ranking`).
    ``event`` indexes the SHAP subsample: the prediction shown as a waterfall and explained exactly.
    """

    dataset: str = "calibration"
    model: str = "gbt"
    n_rows: int = 4000
    test_fraction: float = 0.3
    n_repeats: int = 5
    shap_rows: int = 200
    background_size: int = 50
    event: int = 0
    seed: int = 0
    upload_sha256: str | None = None
    upload_target: str | None = None

    def validate(self) -> None:
        if self.dataset not in datasets.DATASETS + ("upload",):
            raise InputError(f"unknown data set '{self.dataset}'; choose one of {', '.join(datasets.DATASETS)}")
        if self.model not in models.MODELS:
            raise InputError(f"unknown model '{self.model}'; choose one of {', '.join(models.MODELS)}")
        for name, lo, hi in (("n_rows", 100, datasets.MAX_ROWS), ("n_repeats", 1, 50), ("shap_rows", 10, 100_000),
                             ("background_size", 5, 1000)):
            if not lo <= getattr(self, name) <= hi:
                raise InputError(f"{name} must be between {lo} and {hi}, not {getattr(self, name)}")
        if not 0 <= self.event < self.shap_rows:
            raise InputError(f"event must index the SHAP rows: between 0 and {self.shap_rows - 1}")


@dataclasses.dataclass(frozen=True)
class RankingResult:
    """Every ranking of one trained model, and what is needed to draw it."""

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


def upload_digest(content: bytes) -> str:
    """SHA-256 of an uploaded file: the cache key of results computed from it."""
    return hashlib.sha256(content).hexdigest()


def load_table(config: RankingConfig, table: FeatureTable | None = None) -> FeatureTable:
    """The config's feature table (an uploaded one must be passed in)."""
    if config.dataset == "upload":
        if table is None:
            raise InputError("dataset 'upload' needs the uploaded table")
        if len(table.y) > config.n_rows:
            rows = make_rng(config.seed).permutation(len(table.y))[:config.n_rows]
            table = dataclasses.replace(table, X=table.X[rows], y=table.y[rows])
        return table
    return datasets.load_dataset(config.dataset, config.n_rows, config.seed)


def compute_ranking(config: RankingConfig, table: FeatureTable | None = None, progress: Progress | None = None) -> RankingResult:
    """Train, rank by every method, compare (uncached; see :func:`run_ranking`)."""
    config.validate()
    table = load_table(config, table)
    report = scaled(progress, 0.0, 0.3)
    report(0.0, f"training the {models.MODEL_LABELS[config.model]}…")
    model = models.train_model(table, config.model, config.test_fraction, config.seed)
    report(1.0, "trained")
    names = table.feature_names

    perm = importance.permutation_importance(model.output, model.X_test, model.y_test, model.task,
                                             config.n_repeats, config.seed, scaled(progress, 0.3, 0.45))
    rng = make_rng(config.seed + 1)
    background = model.X_train[rng.choice(len(model.X_train), min(config.background_size, len(model.X_train)), replace=False)]
    n_explain = min(config.shap_rows, len(model.X_test))
    if config.event >= n_explain:
        raise InputError(f"event {config.event} is beyond the {n_explain} explained held-out rows")
    explained = model.X_test[rng.choice(len(model.X_test), n_explain, replace=False)]
    shap = explain.shap_values(model, explained, background, scaled(progress, 0.45, 0.9), seed=config.seed)

    scaled(progress, 0.9, 1.0)(0.0, "exact Shapley values of one prediction…")
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
    scaled(progress, 0.9, 1.0)(1.0, "done")
    return RankingResult(
        dataset_description=table.description, feature_names=tuple(names), target_name=table.target_name,
        task=table.task, model_label=models.MODEL_LABELS[config.model], test_score=model.test_score,
        n_train=len(model.y_train), n_test=len(model.y_test), builtin=builtin, permutation=perm,
        shap_values=shap.values, shap_base_value=shap.base_value, explainer=shap.explainer,
        explained_rows=explained, explained_outputs=model.output(explained),
        interaction_partner=explain.strongest_interaction(shap.values, explained),
        event=config.event, exact=exact, exact_note=note, rankings=rankings, tau_methods=methods, kendall_tau=tau,
        correlated=tuple(importance.correlated_pairs(model.X_train, tuple(names))),
        true_relevance=table.true_relevance, irrelevant=table.irrelevant_features,
    )


def run_ranking(config: RankingConfig, table: FeatureTable | None = None, progress: Progress | None = None) -> RankingResult:
    """:func:`compute_ranking`, disk-cached by the full config (an upload by its content's SHA-256)."""
    if config.dataset == "upload" and (table is None or config.upload_sha256 is None):
        raise InputError("dataset 'upload' needs the uploaded table and its SHA-256")
    return cache.cached("feature-ranking", config, lambda: compute_ranking(config, table, progress))


def is_ranking_cached(config: RankingConfig) -> bool:
    """Whether :func:`run_ranking` would load from disk instead of training."""
    return cache.is_cached("feature-ranking", config)
