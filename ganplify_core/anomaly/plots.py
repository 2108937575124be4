"""Plotly figures of the Autoencoder ROC page: the curve toy, score histograms, ROC curves, jet images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.anomaly.roc import RocCurve, WorkingPoint
from ganplify_core.plotstyle import COLORS, SEQUENCE, styled

ROC_COLORS = {"autoencoder": COLORS["gan"], "mass": COLORS["fit"], "tau32": COLORS["kde"],
              "supervised": COLORS["truth"], "off-curve points": COLORS["gan"]}
ROC_LABELS = {"autoencoder": "autoencoder (unsupervised)", "mass": "jet mass", "tau32": "τ32",
              "supervised": "supervised CNN (labels)"}
CLASS_LABELS = {"qcd": "QCD", "top": "top"}


def curve_toy_figure(result, max_points: int = 600) -> go.Figure:
    """Reconstruction error over the plane (log colour scale), the true and the learned curve, the points."""
    fig = go.Figure()
    fig.add_heatmap(x=result.grid_x, y=result.grid_y, z=np.log10(np.maximum(result.grid_error, 1e-8)),
                    colorscale="Viridis", colorbar=dict(title="log₁₀ error"), name="reconstruction error",
                    hovertemplate="x %{x:.2f}, y %{y:.2f}<br>log₁₀ error %{z:.2f}<extra></extra>")
    train = result.train_points[:max_points]
    fig.add_scatter(x=train[:, 0], y=train[:, 1], mode="markers", name="training points (on the curve)",
                    marker=dict(size=4, color="white", opacity=0.7, line=dict(width=0)))
    fig.add_scatter(x=result.anomalies[:, 0], y=result.anomalies[:, 1], mode="markers", name="off-curve points",
                    marker=dict(size=7, color=COLORS["accent"], symbol="x"))
    fig.add_scatter(x=result.true_curve[:, 0], y=result.true_curve[:, 1], mode="lines", name="true curve y = f(x)",
                    line=dict(color="white", dash="dash", width=2))
    fig.add_scatter(x=result.learned_curve[:, 0], y=result.learned_curve[:, 1], mode="lines",
                    name="learned curve D(z)", line=dict(color=COLORS["gan"], width=3))
    fig.update_xaxes(title="x", range=[result.grid_x[0], result.grid_x[-1]])
    fig.update_yaxes(title="y", range=[result.grid_y[0], result.grid_y[-1]], scaleanchor="x")
    return styled(fig, "What the autoencoder learned, and its reconstruction error", height=520)


def roc_figure(curves: dict[str, RocCurve], point: WorkingPoint | None = None, log_fpr: bool = False,
               title: str = "ROC curve") -> go.Figure:
    """TPR against FPR for each named curve (AUC in the legend), the diagonal, and the chosen working point."""
    fig = go.Figure()
    fig.add_scatter(x=[1e-4 if log_fpr else 0, 1], y=[1e-4 if log_fpr else 0, 1], mode="lines",
                    name="random guess (AUC 0.5)", line=dict(color=COLORS["reference"], dash="dot"))
    for i, (name, curve) in enumerate(curves.items()):
        fpr, tpr = curve.fpr, curve.tpr
        if log_fpr:
            fpr, tpr = fpr[fpr > 0], tpr[fpr > 0]
        fig.add_scatter(x=fpr, y=tpr, mode="lines", name=f"{ROC_LABELS.get(name, name)}: AUC {curve.auc:.3f}",
                        line=dict(color=ROC_COLORS.get(name, SEQUENCE[i % len(SEQUENCE)]),
                                  width=3 if name == "autoencoder" else 2),
                        hovertemplate="FPR %{x:.4f}<br>TPR %{y:.3f}<extra>" + ROC_LABELS.get(name, name) + "</extra>")
    if point is not None and (point.fpr > 0 or not log_fpr):
        fig.add_scatter(x=[point.fpr], y=[point.tpr], mode="markers", name="working point (your cut)",
                        marker=dict(size=13, color=COLORS["accent"], line=dict(color="black", width=1)),
                        hovertemplate=f"cut {point.cut:.3g}<br>TPR {point.tpr:.3f}<br>FPR {point.fpr:.4f}<extra></extra>")
    fig.update_xaxes(title="false positive rate (background passing the cut)", type="log" if log_fpr else "linear",
                     range=None if log_fpr else [0, 1])
    fig.update_yaxes(title="true positive rate (signal passing the cut)", range=[0, 1.02])
    return styled(fig, title, height=480)


def score_histograms(normal: np.ndarray, anomaly: np.ndarray, normal_class: str, normal_label: str,
                     anomaly_label: str, cut: float | None = None, n_bins: int = 60, score_label: str = "reconstruction error") -> go.Figure:
    """Normalised histograms of the two samples' scores on log-spaced bins, with the cut as a vertical line.

    ``normal_class`` ("qcd" or "top") picks the colours: each class keeps its colour whichever is normal.
    """
    pooled = np.concatenate([normal, anomaly])
    positive = pooled[pooled > 0]
    lo, hi = (np.quantile(positive, 0.0005), np.quantile(positive, 0.9995)) if len(positive) else (1e-6, 1.0)
    edges = np.geomspace(lo, max(hi, lo * 1.01), n_bins + 1)
    centres = np.sqrt(edges[1:] * edges[:-1])
    fig = go.Figure()
    anomaly_class = "top" if normal_class == "qcd" else "qcd"
    for values, label, color in ((normal, normal_label, COLORS[normal_class]),
                                 (anomaly, anomaly_label, COLORS[anomaly_class])):
        counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
        fraction = counts / max(len(values), 1)
        fig.add_scatter(x=centres, y=fraction, mode="lines", line=dict(shape="hvh", color=color, width=2),
                        fill="tozeroy", opacity=0.5, name=label,
                        hovertemplate="score %{x:.3g}<br>fraction %{y:.3f}<extra>" + label + "</extra>")
    if cut is not None:
        fig.add_vline(x=cut, line=dict(color=COLORS["accent"], width=3, dash="dash"),
                      annotation_text="cut: above = flagged", annotation_position="top right")
    fig.update_xaxes(title=f"{score_label} (log scale)", type="log")
    fig.update_yaxes(title="fraction of jets per bin")
    return styled(fig, "Anomaly score of the test jets", height=420)


def jet_image_grid(images: np.ndarray, reconstructions: np.ndarray, classes: list, scores: np.ndarray,
                   floor: float = 1e-4) -> go.Figure:
    """Each example jet image (top row) above its reconstruction (bottom row), log₁₀ pixel intensity."""
    n = len(images)
    titles = [f"{CLASS_LABELS.get(c, c)}, score {s:.3g}" for c, s in zip(classes, scores)] + \
             ["reconstruction"] * n
    fig = make_subplots(rows=2, cols=n, subplot_titles=titles, horizontal_spacing=0.01, vertical_spacing=0.08)
    axis = np.linspace(-0.8, 0.8, images.shape[-1])
    for col in range(n):
        for row, picture in ((1, images[col]), (2, reconstructions[col])):
            fig.add_heatmap(z=np.log10(np.maximum(picture, floor)), x=axis, y=axis, zmin=np.log10(floor), zmax=0,
                            colorscale="Magma", showscale=(col == n - 1 and row == 1),
                            colorbar=dict(title="log₁₀ pT fraction"), row=row, col=col + 1,
                            hovertemplate="η %{y:.2f}, φ %{x:.2f}<br>log₁₀ fraction %{z:.2f}<extra></extra>")
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    for annotation in fig.layout.annotations:
        annotation.font.size = 11
    return styled(fig, "Test jets (top row) and their reconstructions (bottom row)", height=380)


def auc_table(result) -> pd.DataFrame:
    """One row per tagger of a top-tagging result: its name and AUC."""
    return pd.DataFrame({"tagger": [ROC_LABELS[n] for n in result.rocs],
                         "AUC": [round(c.auc, 4) for c in result.rocs.values()]})


def scores_frame(result) -> pd.DataFrame:
    """The test jets' autoencoder scores with their class (the CSV download)."""
    return pd.DataFrame({
        "class": np.repeat([result.normal_class, result.anomaly_class],
                           [len(result.normal_scores), len(result.anomaly_scores)]),
        "autoencoder_score": np.concatenate([result.normal_scores, result.anomaly_scores]),
    })
