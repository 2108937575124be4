"""The models whose inputs are ranked: gradient-boosted trees, a random forest, a small neural network,
or the user's own model as an ONNX file.

The first three are scikit-learn estimators trained on a random split; the held-out part gives the test
score and is where permutation importance and SHAP are evaluated. An ONNX model
(:mod:`ganplify_core.ranking.onnx_model`) is not trained: the same split gives its background rows
(the "training" part) and its held-out rows. The explained output :func:`model_output` is
the prediction for a regression and the probability of class 1 for a classification, for every model
alike, so rankings from different models and methods are in the same units.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from ganplify_core.errors import InputError
from ganplify_core.ranking.datasets import FeatureTable
from ganplify_core.seeding import make_rng

TRAINED = ("gbt", "rf", "mlp")   # the models this package trains
MODELS = TRAINED + ("onnx",)
MODEL_LABELS = {"gbt": "gradient-boosted trees", "rf": "random forest", "mlp": "neural network (MLP)",
                "onnx": "your ONNX model"}


@dataclasses.dataclass
class TrainedModel:
    """A fitted estimator and its train/test split (arrays of the feature table's rows)."""

    kind: str
    estimator: object
    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_score: dict

    def output(self, X: np.ndarray) -> np.ndarray:
        """The explained output f(X), shape (n,)."""
        return model_output(self.estimator, self.task, X)


def model_output(estimator, task: str, X: np.ndarray) -> np.ndarray:
    """Prediction (regression) or probability of class 1 (classification)."""
    if task == "classification":
        return estimator.predict_proba(X)[:, 1]
    return estimator.predict(X)


def make_estimator(kind: str, task: str, seed: int):
    """An unfitted estimator: ``gbt`` (150 trees of depth 3), ``rf`` (100 trees, depth <= 10) or ``mlp``."""
    from sklearn import ensemble, neural_network, pipeline, preprocessing
    from sklearn.compose import TransformedTargetRegressor

    classify = task == "classification"
    if kind == "gbt":
        cls = ensemble.GradientBoostingClassifier if classify else ensemble.GradientBoostingRegressor
        return cls(n_estimators=150, max_depth=3, learning_rate=0.1, subsample=0.8, random_state=seed)
    if kind == "rf":
        cls = ensemble.RandomForestClassifier if classify else ensemble.RandomForestRegressor
        return cls(n_estimators=100, max_depth=10, min_samples_leaf=3, random_state=seed, n_jobs=1)
    if kind == "mlp":
        cls = neural_network.MLPClassifier if classify else neural_network.MLPRegressor
        network = cls(hidden_layer_sizes=(64, 32), alpha=1e-3, learning_rate_init=3e-3, max_iter=300,
                      early_stopping=True, n_iter_no_change=15, random_state=seed)
        model = pipeline.make_pipeline(preprocessing.StandardScaler(), network)
        if not classify:  # the network trains on a standardised target and predicts in its units
            model = TransformedTargetRegressor(model, transformer=preprocessing.StandardScaler())
        return model
    raise InputError(f"unknown model '{kind}'; choose one of {', '.join(TRAINED)} (or upload an ONNX model)")


def test_score(task: str, y_true: np.ndarray, predicted: np.ndarray) -> dict:
    """R² and RMSE (regression) or ROC AUC and accuracy (classification) on held-out data."""
    from sklearn import metrics

    if task == "classification":
        return {"ROC AUC": float(metrics.roc_auc_score(y_true, predicted)),
                "accuracy": float(metrics.accuracy_score(y_true, predicted > 0.5))}
    return {"R²": float(metrics.r2_score(y_true, predicted)),
            "RMSE": float(np.sqrt(metrics.mean_squared_error(y_true, predicted)))}


def split(table: FeatureTable, test_fraction: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test): a random ``1 - test_fraction`` and the rest."""
    if not 0.05 <= test_fraction <= 0.8:
        raise InputError("test_fraction must be between 0.05 and 0.8")
    n = len(table.y)
    order = make_rng(seed).permutation(n)
    n_test = max(int(round(test_fraction * n)), 10)
    if n - n_test < 20:
        raise InputError(f"only {n} rows: too few to train on {n - n_test} and test on {n_test}; use more rows")
    return order[n_test:], order[:n_test]


def bootstrap_scores(task: str, y_true: np.ndarray, predicted: np.ndarray, rows: np.ndarray) -> dict:
    """Each :func:`test_score` metric on each resample ``rows[b]`` of the held-out rows, vectorised.

    ROC AUC by the Mann-Whitney rank statistic with average ranks for ties (what scikit-learn's
    ``roc_auc_score`` computes); NaN for a resample that holds one class only.
    """
    y, p = y_true[rows], predicted[rows]
    if task == "classification":
        from scipy.stats import rankdata

        positives = y.sum(axis=1)
        negatives = y.shape[1] - positives
        ranks = rankdata(p, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = ((ranks * y).sum(axis=1) - positives * (positives + 1) / 2) / (positives * negatives)
        auc = np.where((positives > 0) & (negatives > 0), auc, np.nan)
        return {"ROC AUC": auc, "accuracy": ((p > 0.5) == (y > 0.5)).mean(axis=1)}
    mse = ((p - y) ** 2).mean(axis=1)
    spread = ((y - y.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(spread > 0, 1.0 - mse / spread, np.nan)
    return {"R²": r2, "RMSE": np.sqrt(mse)}


def test_score_std(task: str, y_true: np.ndarray, predicted: np.ndarray, seed: int = 0, n_boot: int = 200) -> dict:
    """Bootstrap standard deviation of each :func:`test_score` metric over resamples of the held-out rows.

    The spread a metric would have on another held-out sample of the same size, the model held fixed
    (B. Efron, R. Tibshirani, *An Introduction to the Bootstrap*, 1993).
    """
    n = len(y_true)
    rng = make_rng(seed + 2)
    y, p = np.asarray(y_true, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    per_chunk = max(1, 1_000_000 // max(n, 1))  # resamples per vectorised step: about 8 MB an array
    parts = [bootstrap_scores(task, y, p, rng.integers(0, n, (min(per_chunk, n_boot - start), n)))
             for start in range(0, n_boot, per_chunk)]
    out = {}
    for metric in parts[0]:
        values = np.concatenate([part[metric] for part in parts])
        values = values[np.isfinite(values)]
        if len(values) >= 2:
            out[metric] = float(values.std(ddof=1))
    return out


def train_model(table: FeatureTable, kind: str, test_fraction: float = 0.3, seed: int = 0) -> TrainedModel:
    """Fit model ``kind`` on a random ``1 - test_fraction`` of the rows; score it on the rest."""
    train, test = split(table, test_fraction, seed)
    if table.task == "classification" and len(np.unique(table.y[train])) < 2:
        raise InputError("the training split holds only one class; use more rows")
    estimator = make_estimator(kind, table.task, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLP convergence warnings: early stopping decides
        estimator.fit(table.X[train], table.y[train])
    predicted = model_output(estimator, table.task, table.X[test])
    return TrainedModel(kind, estimator, table.task, table.X[train], table.y[train], table.X[test], table.y[test],
                        test_score(table.task, table.y[test], predicted))


def onnx_model(table: FeatureTable, model, test_fraction: float = 0.3, seed: int = 0) -> TrainedModel:
    """The user's ONNX model (:class:`~ganplify_core.ranking.onnx_model.OnnxModel`) on the same split, untrained.

    Its rows outside the held-out part are only the background of SHAP and the exact values.
    """
    model.check_table(table.X, table.task)
    train, test = split(table, test_fraction, seed)
    predicted = model_output(model, table.task, table.X[test])
    if table.task == "classification" and len(np.unique(table.y[test])) < 2:
        raise InputError("the held-out rows hold only one class (no ROC AUC); use more rows")
    return TrainedModel("onnx", model, table.task, table.X[train], table.y[train], table.X[test], table.y[test],
                        test_score(table.task, table.y[test], predicted))


def builtin_importance(model: TrainedModel) -> np.ndarray | None:
    """The model's own ranking: mean decrease in impurity (trees); ``None`` for the network.

    For trees this is scikit-learn's ``feature_importances_``: the total (training) loss reduction of
    the splits on each feature, normalised to sum to 1 -- the lecture's XGBoost "gain", summed
    instead of averaged. It is computed on training data and favours features with many distinct
    values (Strobl et al., BMC Bioinformatics 8 (2007) 25).
    """
    return np.asarray(model.estimator.feature_importances_, dtype=np.float64) if model.kind in ("gbt", "rf") else None
