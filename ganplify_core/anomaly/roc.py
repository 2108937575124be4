"""ROC curve, AUC and the working point of a cut on a score.

Jets with score ``s > c`` are called signal. Over the signal sample the fraction called signal is the
true positive rate ``tpr(c)`` (signal efficiency ε_S), over the background sample the false positive rate
``fpr(c)`` (mistag rate ε_B); physicists quote the background rejection ``1/fpr``. Sweeping ``c`` traces the
ROC curve, and ``AUC = ∫₀¹ tpr d(fpr)`` is the probability that a random signal scores above a random
background (0.5: no separation, 1: perfect). ROC points and AUC come from scikit-learn
(:func:`sklearn.metrics.roc_curve`, :func:`sklearn.metrics.roc_auc_score`).

Source: the lecture's autoencoder slides (seed 004): "set a cut somewhere ... for each cut, measure error
rates ... measure network quality as AUC = ∫ tpr(fpr) dfpr".
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

MAX_ROC_POINTS = 200


@dataclasses.dataclass(frozen=True)
class RocCurve:
    """A ROC curve thinned to at most :data:`MAX_ROC_POINTS` real working points, and the full-sample AUC."""

    fpr: np.ndarray
    tpr: np.ndarray
    auc: float


@dataclasses.dataclass(frozen=True)
class WorkingPoint:
    """What a cut ``score > cut`` does: signal efficiency, mistag rate and background rejection."""

    cut: float
    tpr: float
    fpr: float
    rejection: float  # 1 / fpr; inf when no background passes


def labelled(background: np.ndarray, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pooled scores and labels (0 background, 1 signal)."""
    scores = np.concatenate([np.asarray(background, float), np.asarray(signal, float)])
    labels = np.concatenate([np.zeros(len(background)), np.ones(len(signal))])
    return scores, labels


def auc(background: np.ndarray, signal: np.ndarray) -> float:
    """Area under the ROC curve for "signal scores higher", from :func:`sklearn.metrics.roc_auc_score`."""
    scores, labels = labelled(background, signal)
    return float(roc_auc_score(labels, scores))


def roc(background: np.ndarray, signal: np.ndarray, max_points: int = MAX_ROC_POINTS) -> RocCurve:
    """The ROC curve, thinned to ``≤ max_points`` of its own points, spread evenly in fpr and in log fpr.

    Every point kept is a real working point of the full curve (not an interpolation), and the first and
    last points ((0, ·) and (1, 1)) are always kept; the AUC is computed on all scores.
    """
    scores, labels = labelled(background, signal)
    fpr, tpr, _ = roc_curve(labels, scores)
    if len(fpr) > max_points:
        half = max_points // 2 - 1
        positive = fpr[fpr > 0]
        smallest = positive.min() if len(positive) else 1e-6
        targets = np.concatenate([np.linspace(0.0, 1.0, half), np.geomspace(smallest, 1.0, half)])
        # the largest-fpr point at or below each target: the best tpr reachable at that mistag rate
        keep = np.searchsorted(fpr, targets, side="right") - 1
        keep = np.unique(np.concatenate([[0, len(fpr) - 1], np.clip(keep, 0, len(fpr) - 1)]))
        fpr, tpr = fpr[keep], tpr[keep]
    return RocCurve(fpr=fpr.astype(np.float64), tpr=tpr.astype(np.float64), auc=float(roc_auc_score(labels, scores)))


def working_point(background: np.ndarray, signal: np.ndarray, cut: float) -> WorkingPoint:
    """TPR, FPR and rejection of the cut ``score > cut``."""
    tpr = float(np.mean(np.asarray(signal) > cut))
    fpr = float(np.mean(np.asarray(background) > cut))
    return WorkingPoint(cut=float(cut), tpr=tpr, fpr=fpr, rejection=1.0 / fpr if fpr > 0 else float("inf"))


def cut_at_quantile(background: np.ndarray, signal: np.ndarray, quantile: float) -> float:
    """The cut value at ``quantile`` (in [0, 1]) of the pooled scores of both samples."""
    return float(np.quantile(np.concatenate([background, signal]), quantile))


# -- background rejection at a fixed signal efficiency (arXiv:1902.09914) ----------------------------------

#: The signal efficiencies ε_S at which the rejection 1/ε_B is quoted (the top-tagging comparison of
#: Kasieczka et al., "The Machine Learning Landscape of Top Taggers", arXiv:1902.09914, quotes ε_S = 0.3).
SIGNAL_EFFICIENCIES = (0.3, 0.5)


def mistag_at(background: np.ndarray, signal: np.ndarray, efficiency: float) -> float:
    """The background efficiency ε_B of the cut that keeps a fraction ``efficiency`` of the signal.

    Read off the full ROC curve (every distinct cut), linearly interpolated between the two cuts whose
    signal efficiencies bracket ``efficiency``; 0 when no background passes there.
    """
    if not 0.0 < efficiency <= 1.0:
        raise ValueError(f"signal efficiency must be in (0, 1], got {efficiency}")
    scores, labels = labelled(background, signal)
    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    i = int(np.searchsorted(tpr, efficiency, side="left"))  # the first cut with tpr >= efficiency
    i = min(max(i, 1), len(tpr) - 1)
    t0, t1, f0, f1 = tpr[i - 1], tpr[i], fpr[i - 1], fpr[i]
    return float(f1 if t1 == t0 else f0 + (efficiency - t0) * (f1 - f0) / (t1 - t0))


def rejection_at(background: np.ndarray, signal: np.ndarray, efficiency: float) -> float:
    """Background rejection ``1/ε_B`` at signal efficiency ε_S = ``efficiency``; ``inf`` if ε_B = 0."""
    mistag = mistag_at(background, signal, efficiency)
    return 1.0 / mistag if mistag > 0 else float("inf")


def rejections(background: np.ndarray, signal: np.ndarray,
               efficiencies: tuple = SIGNAL_EFFICIENCIES) -> dict[str, float]:
    """``{"0.3": 1/ε_B at ε_S = 0.3, "0.5": ...}`` (keys as the JSON prints them)."""
    return {f"{e:g}": rejection_at(background, signal, e) for e in efficiencies}


def json_number(value: float) -> float | None:
    """A float for JSON: ``None`` for an infinite rejection (no background passes the cut)."""
    return float(value) if np.isfinite(value) else None
