"""Plotly figures of the Autoencoder ROC page: the curve toy, score histograms, ROC curves, jet images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.anomaly.roc import RocCurve, WorkingPoint
from ganplify_core.plotstyle import COLORS, SEQUENCE, legend_below, styled

ROC_COLORS = {"autoencoder": COLORS["gan"], "mass": COLORS["fit"], "tau32": COLORS["kde"],
              "supervised": COLORS["truth"], "off-curve points": COLORS["gan"]}
ROC_COLORS.update(decorrelated=COLORS["accent"], yours=COLORS["gan"])
ROC_LABELS = {"autoencoder": "autoencoder (unsupervised)", "decorrelated": "autoencoder, mass-decorrelated",
              "yours": "your autoencoder (ONNX)",
              "mass": "jet mass", "tau32": "τ32", "supervised": "supervised CNN (labels)"}
# The curve toy's colours: visible on the heat map and in the legend's white box alike.
TRUE_CURVE_COLOR = "#00B4D8"
POINT_EDGE = "#333333"
CLASS_LABELS = {"qcd": "QCD", "top": "top"}


def curve_toy_figure(result, max_points: int = 600) -> go.Figure:
    """Reconstruction error over the plane (log colour scale), the true and the learned curve, the points."""
    fig = go.Figure()
    fig.add_heatmap(x=result.grid_x, y=result.grid_y, z=np.log10(np.maximum(result.grid_error, 1e-8)),
                    colorscale="Viridis", colorbar=dict(title="log₁₀ error"), name="reconstruction error",
                    hovertemplate="x %{x:.2f}, y %{y:.2f}<br>log₁₀ error %{z:.2f}<extra></extra>")
    train = result.train_points[:max_points]
    fig.add_scatter(x=train[:, 0], y=train[:, 1], mode="markers", name="training points (on the curve)",
                    marker=dict(size=6, color="white", opacity=0.85, line=dict(width=1, color=POINT_EDGE)))
    fig.add_scatter(x=result.anomalies[:, 0], y=result.anomalies[:, 1], mode="markers", name="off-curve points",
                    marker=dict(size=7, color=COLORS["accent"], symbol="x"))
    fig.add_scatter(x=result.true_curve[:, 0], y=result.true_curve[:, 1], mode="lines", name="true curve y = f(x)",
                    line=dict(color=TRUE_CURVE_COLOR, dash="dash", width=3))
    fig.add_scatter(x=result.learned_curve[:, 0], y=result.learned_curve[:, 1], mode="lines",
                    name="learned curve D(z)", line=dict(color=COLORS["gan"], width=3))
    fig.update_xaxes(title="x", range=[result.grid_x[0], result.grid_x[-1]], constrain="domain")
    fig.update_yaxes(title="y", range=[result.grid_y[0], result.grid_y[-1]], scaleanchor="x", constrain="domain")
    fig = styled(fig, "What the autoencoder learned, and its reconstruction error", height=560)
    return legend_below(fig)


def _log_axis(**extra) -> dict:
    """A log axis labelled at the powers of ten only (no crowded 2 and 5 minor labels)."""
    return dict(type="log", dtick=1, exponentformat="power", showexponent="all", minor=dict(ticks="outside"),
                **extra)


def roc_figure(curves: dict[str, RocCurve], point: WorkingPoint | None = None, log_fpr: bool = False,
               title: str = "ROC curve", rejections: dict | None = None) -> go.Figure:
    """TPR against FPR for each named curve (AUC in the legend), random guessing, and the working point.

    Random guessing is the curve TPR = FPR, drawn with many points so that it stays that curve on a log
    FPR axis. With ``rejections`` (``name -> {"0.3": 1/ε_B, ...}``), each curve's points at ε_S = 0.3 and
    0.5 are marked, the background rejection in their hover text.
    """
    fig = go.Figure()
    smallest = min((c.fpr[c.fpr > 0].min() for c in curves.values() if (c.fpr > 0).any()), default=1e-4)
    diagonal = np.geomspace(min(smallest, 1e-2), 1.0, 200) if log_fpr else np.array([0.0, 1.0])
    fig.add_scatter(x=diagonal, y=diagonal, mode="lines", name="random guess (TPR = FPR, AUC 0.5)",
                    line=dict(color=COLORS["reference"], dash="dot"), hoverinfo="skip")
    for i, (name, curve) in enumerate(curves.items()):
        fpr, tpr = curve.fpr, curve.tpr
        if log_fpr:
            fpr, tpr = fpr[fpr > 0], tpr[fpr > 0]
        fig.add_scatter(x=fpr, y=tpr, mode="lines", name=f"{ROC_LABELS.get(name, name)}: AUC {curve.auc:.3f}",
                        line=dict(color=ROC_COLORS.get(name, SEQUENCE[i % len(SEQUENCE)]),
                                  width=3 if name == "autoencoder" else 2),
                        hovertemplate="FPR %{x:.4f}<br>TPR %{y:.3f}<extra>" + ROC_LABELS.get(name, name) + "</extra>")
    for i, (name, values) in enumerate((rejections or {}).items()):
        if name not in curves:
            continue
        marks = [(float(e), r) for e, r in values.items() if r is not None and np.isfinite(r) and r > 0]
        if marks:
            fig.add_scatter(x=[1.0 / r for _, r in marks], y=[e for e, _ in marks], mode="markers", showlegend=i == 0,
                            name="1/ε_B at ε_S = 0.3 and 0.5", legendgroup="rejection",
                            marker=dict(size=9, symbol="diamond", color=ROC_COLORS.get(name, SEQUENCE[i % len(SEQUENCE)]),
                                        line=dict(color="black", width=1)),
                            customdata=[[r] for _, r in marks],
                            hovertemplate="ε_S %{y:.1f}: 1/ε_B = %{customdata[0]:.1f}<extra>"
                                          + ROC_LABELS.get(name, name) + "</extra>")
    if point is not None and (point.fpr > 0 or not log_fpr):
        fig.add_scatter(x=[point.fpr], y=[point.tpr], mode="markers", name="working point (your cut)",
                        marker=dict(size=13, color=COLORS["accent"], line=dict(color="black", width=1)),
                        hovertemplate=f"cut {point.cut:.3g}<br>TPR {point.tpr:.3f}<br>FPR {point.fpr:.4f}<extra></extra>")
    if log_fpr:
        fig.update_xaxes(title="false positive rate ε_B (background passing the cut, log scale)", **_log_axis())
    else:
        fig.update_xaxes(title="false positive rate ε_B (background passing the cut)", range=[0, 1])
    fig.update_yaxes(title="true positive rate ε_S (signal passing the cut)", range=[0, 1.02])
    return legend_below(styled(fig, title, height=560))


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
        # a shape (not add_vline's annotation, which a log axis would place at 10^cut and stretch the range)
        fig.add_shape(type="line", x0=cut, x1=cut, y0=0, y1=1, yref="paper",
                      line=dict(color=COLORS["accent"], width=3, dash="dash"))
        fig.add_annotation(x=np.log10(cut), y=1, yref="paper", text="cut: above = flagged ", showarrow=False,
                           xanchor="right", yanchor="top", font=dict(color=COLORS["accent"]))
    # the range of the bins: where the scores are, whatever the cut
    fig.update_xaxes(title=f"{score_label} (log scale)", **_log_axis(range=[np.log10(edges[0]), np.log10(edges[-1])]))
    fig.update_yaxes(title="fraction of jets per bin")
    return styled(fig, "Anomaly score of the test jets", height=420)


def jet_image_grid(images: np.ndarray, reconstructions: np.ndarray, classes: list, scores: np.ndarray,
                   floor: float = 1e-4, pixel_label: str = "pixel value", per_row: int = 3) -> go.Figure:
    """Each example jet image above its reconstruction, ``per_row`` jets a row (one row per class), log₁₀ scale.

    Square thumbnails, about 230 px each on a wide page.
    """
    n = len(images)
    rows = 2 * int(np.ceil(n / per_row))
    titles = []
    for start in range(0, n, per_row):
        chunk = range(start, min(start + per_row, n))
        titles += [f"{CLASS_LABELS.get(classes[i], classes[i])} jet, score {scores[i]:.3g}" for i in chunk]
        titles += [""] * (per_row - len(chunk))
        titles += ["its reconstruction" for _ in chunk] + [""] * (per_row - len(chunk))
    fig = make_subplots(rows=rows, cols=per_row, subplot_titles=titles, horizontal_spacing=0.03,
                        vertical_spacing=0.05)
    axis = np.linspace(-0.8, 0.8, images.shape[-1])
    for i in range(n):
        row, col = 2 * (i // per_row) + 1, i % per_row + 1
        for offset, picture in ((0, images[i]), (1, reconstructions[i])):
            fig.add_heatmap(z=np.log10(np.maximum(picture, floor)), x=axis, y=axis, zmin=np.log10(floor), zmax=0,
                            colorscale="Magma", showscale=(i == 0 and offset == 0),
                            colorbar=dict(title=f"log₁₀ {pixel_label}", len=0.5, y=1, yanchor="top"),
                            row=row + offset, col=col,
                            hovertemplate="φ %{x:.2f}, η %{y:.2f}<br>log₁₀ value %{z:.2f}<extra></extra>")
    fig.update_xaxes(showticklabels=False, constrain="domain")
    for k in range(1, rows * per_row + 1):
        fig.update_yaxes(showticklabels=False, scaleanchor=f"x{'' if k == 1 else k}", constrain="domain",
                         row=(k - 1) // per_row + 1, col=(k - 1) % per_row + 1)
    for annotation in fig.layout.annotations:
        annotation.font.size = 13
    return styled(fig, "Test jets and their reconstructions (10 %, 50 % and 90 % quantiles of the score)",
                  height=260 * rows + 80)


PIXEL_LABELS = {"linear": "pT fraction", "sqrt": "√(pT fraction)"}


def rejection_text(value: float | None, n_background: int) -> str:
    """``"12.3"``, or ``"> 20,000 (no background passes)"`` when the rejection is infinite."""
    if value is None or not np.isfinite(value):
        return f"> {n_background:,} (no background passes)"
    return f"{value:.1f}"


def auc_table(result) -> pd.DataFrame:
    """One row per tagger: AUC (± its standard deviation over seeds) and 1/ε_B at ε_S = 0.3 and 0.5."""
    n_background = len(result.normal_scores)
    rows = []
    for name, curve in result.rocs.items():
        row = {"tagger": ROC_LABELS.get(name, name), "AUC": round(curve.auc, 4)}
        if result.repeats > 1:
            row["AUC std over seeds"] = round(result.auc_std(name), 4)
        for e in ("0.3", "0.5"):
            value = result.rejections.get(name, {}).get(e)
            text = rejection_text(value, n_background)
            spread = result.rejection_std(name, e)
            row[f"1/ε_B at ε_S = {e}"] = text if spread is None else f"{text} ± {spread:.1f}"
        rows.append(row)
    return pd.DataFrame(rows)


def report_table(report) -> pd.DataFrame:
    """Your scores (and the mass baseline): AUC and 1/ε_B at ε_S = 0.3 and 0.5 (a :class:`TaggerReport`)."""
    rows = []
    for name, curve in report.rocs().items():
        values = report.rejections if name == report.name else report.mass_rejections
        label = name if name == report.name else f"jet mass ({report.mass_direction} = signal)"
        rows.append({"tagger": label, "AUC": round(curve.auc, 4),
                     **{f"1/ε_B at ε_S = {e}": rejection_text(values[e], report.n_background) for e in ("0.3", "0.5")}})
    return pd.DataFrame(rows)


def mass_table(result) -> pd.DataFrame:
    """The autoencoder score before and after the mass decorrelation: AUC, 1/ε_B and Spearman ρ with the mass."""
    rows = []
    for name, what in (("autoencoder", "reconstruction error s"), ("decorrelated", "decorrelated F(s | m)")):
        rows.append({"score": what, "AUC": round(result.rocs[name].auc, 4),
                     "1/ε_B at ε_S = 0.3": rejection_text(result.rejections[name]["0.3"], len(result.normal_scores)),
                     **{f"Spearman ρ with the mass, {CLASS_LABELS[c]} jets": round(result.mass_spearman[name][c], 3)
                        for c in ("qcd", "top")}})
    return pd.DataFrame(rows)


def mass_sculpting(result, efficiency: float = 0.5, n_bins: int = 40) -> go.Figure:
    """The mass of the background (trained-on class) test jets: all, and those passing each score's cut at ε_S.

    A score correlated with the mass keeps the heavy background jets and sculpts a bump into the mass
    distribution; the decorrelated score keeps its shape.
    """
    background = result.normal_mass
    edges = np.linspace(0.0, float(np.quantile(np.concatenate([background, result.anomaly_mass]), 0.995)), n_bins + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    fig = go.Figure()
    normal = CLASS_LABELS[result.normal_class]
    samples = (("all", background, COLORS["reference"], "dot"),)
    for name, (b, s) in (("autoencoder", (result.normal_scores, result.anomaly_scores)),
                         ("decorrelated", (result.normal_decorrelated, result.anomaly_decorrelated))):
        cut = float(np.quantile(s, 1.0 - efficiency))
        samples += ((f"passing the {ROC_LABELS[name]} cut (ε_S = {efficiency:g})", background[b > cut],
                     ROC_COLORS[name], "solid"),)
    for label, values, color, dash in samples:
        density, _ = np.histogram(values, bins=edges, density=True)
        fig.add_scatter(x=centres, y=density, mode="lines", line=dict(shape="hvh", color=color, width=3, dash=dash),
                        name=f"{normal} jets {label} ({len(values):,})",
                        hovertemplate="m %{x:.0f} GeV<br>density %{y:.4f}<extra></extra>")
    fig.update_xaxes(title="jet mass m [GeV]")
    fig.update_yaxes(title="fraction of jets per GeV")
    return legend_below(styled(fig, f"Does the cut sculpt the {normal} jet mass?", height=460))


def scores_frame(result) -> pd.DataFrame:
    """The test jets' autoencoder scores (the CSV download, which the page's own-tagger upload reads back).

    ``label`` is 1 for the class the autoencoder looks for (the signal), 0 for the one it learned; ``score``
    the reconstruction error; ``mass`` the jet mass [GeV] (when the result has it); ``class`` the name.
    """
    counts = [len(result.normal_scores), len(result.anomaly_scores)]
    frame = pd.DataFrame({
        "label": np.repeat([0, 1], counts),
        "score": np.concatenate([result.normal_scores, result.anomaly_scores]),
    })
    if result.normal_mass is not None:
        frame["mass"] = np.concatenate([result.normal_mass, result.anomaly_mass]).astype(np.float64)
    frame["class"] = np.repeat([result.normal_class, result.anomaly_class], counts)
    return frame
