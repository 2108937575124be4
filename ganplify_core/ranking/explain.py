"""SHAP values of a model's predictions, and exact interventional Shapley values by enumeration.

A prediction ``f(x)`` is a game whose players are the features: a coalition ``S`` of features takes
its values from ``x`` and the other features from a background sample ``B`` (the *interventional*
or *marginal* expectation, Janzing, Minorics, Blöbaum, AISTATS 2020):

.. math::

    v_x(S) = \\frac{1}{|B|} \\sum_{b \\in B} f(x_S, b_{N \\setminus S}),

so :math:`v_x(\\emptyset) = E_B[f]` (the base value) and :math:`v_x(N) = f(x)`. Its Shapley values
:math:`\\varphi_i` satisfy :math:`f(x) = E_B[f] + \\sum_i \\varphi_i` (efficiency). For ``d <= 10``
features :func:`exact_interventional_shapley` enumerates all :math:`2^d` coalitions, vectorised over
coalitions and background rows; ``shap`` (S. M. Lundberg and S.-I. Lee, NeurIPS 2017) estimates the
same quantity: exactly and fast for trees (``TreeExplainer``, interventional, Lundberg et al.,
Nature Machine Intelligence 2 (2020) 56), by sampling coalitions for any model (``KernelExplainer``).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np

from ganplify_core.errors import InputError
from ganplify_core.ranking.games import coalition_masks, shapley_by_subsets
from ganplify_core.ranking.models import TrainedModel
from ganplify_core.training import Progress, no_progress

MAX_EXACT_FEATURES = 10
ROWS_PER_CALL = 200_000  # model rows evaluated per call in the enumeration: bounds memory at ~16 MB * d


def interventional_worths(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, background: np.ndarray) -> np.ndarray:
    """:math:`v_x(S)` for every coalition mask ``S``: shape (2**d,).

    Builds the hybrid rows :math:`(x_S, b_{N\\setminus S})` for a chunk of coalitions times all
    background rows at once and evaluates them in one model call per chunk.
    """
    d = x.shape[0]
    masks = coalition_masks(d)
    per_chunk = max(ROWS_PER_CALL // len(background), 1)
    worth = np.empty(len(masks))
    for start in range(0, len(masks), per_chunk):
        chunk = masks[start:start + per_chunk]
        rows = np.where(chunk[:, None, :], x[None, None, :], background[None, :, :])  # (c, |B|, d)
        worth[start:start + len(chunk)] = predict(rows.reshape(-1, d)).reshape(len(chunk), len(background)).mean(axis=1)
    return worth


@dataclasses.dataclass(frozen=True)
class ExactShapley:
    """Exact Shapley values of one prediction: ``prediction = base_value + values.sum()``."""

    values: np.ndarray
    base_value: float
    prediction: float


def exact_interventional_shapley(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, background: np.ndarray) -> ExactShapley:
    """Exact interventional Shapley values of ``predict`` at ``x`` with background rows ``background``.

    Cost: :math:`2^d |B|` model evaluations (d = 10, |B| = 100: 102 400 rows).
    """
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[0]
    if d > MAX_EXACT_FEATURES:
        raise InputError(f"exact Shapley values enumerate 2^d coalitions: at most {MAX_EXACT_FEATURES} features, this model has {d}")
    worth = interventional_worths(predict, x, np.asarray(background, dtype=np.float64))
    phi = shapley_by_subsets(worth - worth[0])
    return ExactShapley(phi, float(worth[0]), float(worth[-1]))


def tree_explainer(model: TrainedModel, background: np.ndarray):
    """shap's ``TreeExplainer``, interventional on ``background``, explaining :meth:`TrainedModel.output`."""
    import shap

    output = "probability" if model.task == "classification" else "raw"
    return shap.TreeExplainer(model.estimator, data=background, feature_perturbation="interventional", model_output=output)


def _class_one(values, expected):
    values = np.asarray(values)
    expected = np.atleast_1d(np.asarray(expected, dtype=np.float64))
    if values.ndim == 3:  # (n, d, classes): keep class 1
        return values[..., -1], float(expected[-1])
    return values, float(expected[-1])


@dataclasses.dataclass(frozen=True)
class ShapValues:
    """SHAP values (n, d) of the explained rows and the base value :math:`E_B[f]`; the explainer used."""

    values: np.ndarray
    base_value: float
    explainer: str


def shap_values(model: TrainedModel, X: np.ndarray, background: np.ndarray, progress: Progress | None = None,
                n_chunks: int = 10, seed: int = 0) -> ShapValues:
    """SHAP values of ``model.output`` for the rows ``X``, in chunks so progress can be reported.

    Trees: ``TreeExplainer`` (interventional; exact for the interventional game in theory, but see
    the README's caveat: it disagrees with :func:`exact_interventional_shapley` on some data). Network:
    ``KernelExplainer`` on the same background (model-agnostic: a weighted linear regression over
    sampled coalitions, Lundberg and Lee 2017; its default budget of 2d + 2048 coalitions covers all
    of them up to d = 11, where it is close to exact). shap's ``PermutationExplainer`` was tried first:
    its numba kernels compile for ~30 s in every new process, too slow for a page.
    """
    import shap

    progress = progress or no_progress
    if model.kind in ("gbt", "rf"):
        explainer, name = tree_explainer(model, background), "shap.TreeExplainer (interventional)"

        def explain(rows):
            return _class_one(explainer.shap_values(rows, check_additivity=False), explainer.expected_value)
    else:
        explainer = shap.KernelExplainer(model.output, background)
        name = "shap.KernelExplainer (model-agnostic)"
        np.random.seed(seed)  # KernelExplainer samples coalitions (d > 11) from NumPy's global generator

        def explain(rows):
            return _class_one(explainer.shap_values(rows, silent=True), explainer.expected_value)

    parts, base = [], 0.0
    chunks = [c for c in np.array_split(np.arange(len(X)), min(n_chunks, len(X))) if len(c)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k, rows in enumerate(chunks):
            values, base = explain(X[rows])
            parts.append(values)
            progress((k + 1) / len(chunks), f"SHAP: {rows[-1] + 1}/{len(X)} rows")
    return ShapValues(np.concatenate(parts).astype(np.float64), float(base), name)


def strongest_interaction(shap_matrix: np.ndarray, X: np.ndarray) -> np.ndarray:
    """For each feature, the other feature that best explains the spread of its SHAP values.

    shap's heuristic (``shap.utils.approximate_interactions``): sort by the feature's value, and
    pick the feature whose values correlate most with the SHAP residuals in bins. ``-1`` with one feature.
    """
    from shap.utils import approximate_interactions

    d = X.shape[1]
    if d < 2:
        return np.full(d, -1)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.array([int(approximate_interactions(j, shap_matrix, X)[0]) for j in range(d)])
