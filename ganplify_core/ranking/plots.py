"""Plotly figures for the feature-ranking page: games, rankings side by side, and SHAP's four views.

The SHAP views redraw ``shap``'s static matplotlib plots (bar, beeswarm, dependence, waterfall)
interactively, from the arrays in :class:`~ganplify_core.ranking.experiment.RankingResult`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.plotstyle import COLORS, SEQUENCE, styled

if TYPE_CHECKING:
    import pandas as pd
from ganplify_core.ranking.games import ShapleyResult

FEATURE_COLORSCALE = [[0.0, "#0072B2"], [0.5, "#BBBBBB"], [1.0, "#D55E00"]]  # low -> high feature value


def plus_minus(value: float, std: float | None) -> str:
    """``"0.857 ± 0.010"``: a value to the precision of its uncertainty (two significant digits of it)."""
    if std is None or not np.isfinite(std) or std <= 0:
        return f"{value:.4g}"
    decimals = max(0, 1 - int(np.floor(np.log10(std))))
    return f"{value:.{decimals}f} ± {std:.{decimals}f}"


def _label(name: str, units) -> str:
    """``"E_raw [GeV]"`` where ``units`` knows the unit, else the name."""
    unit = (units or {}).get(name)
    return f"{name} [{unit}]" if unit else name


def _unit_suffix(name: str, units) -> str:
    """``" GeV"`` for a value shown after ``name =``; empty without a unit."""
    unit = (units or {}).get(name)
    return f" {unit}" if unit else ""


def _scatter(n_points: int):
    """SVG scatter for small plots (light and reliable everywhere), WebGL beyond 3 000 points."""
    return go.Scattergl if n_points > 3000 else go.Scatter


def shapley_bars(result: ShapleyResult, unit: str = "$") -> go.Figure:
    """Each player's Shapley value by both formulas, with v(N) for the efficiency check."""
    fig = go.Figure()
    for label, values, color in (("formula (1): subset weights", result.by_subsets, SEQUENCE[0]),
                                 ("formula (2): average over orderings", result.by_orderings, SEQUENCE[1])):
        fig.add_bar(x=list(result.players), y=values, name=label, marker_color=color,
                    text=[f"{v:.4g}" for v in values], textposition="outside",
                    hovertemplate="%{x}: φ = %{y:.6g} " + unit + "<extra>" + label + "</extra>")
    fig.update_layout(barmode="group", xaxis_title="player", yaxis_title=f"Shapley value φ ({unit})")
    total = float(result.by_subsets.sum())
    return styled(fig, f"Σφ = {total:.6g} {unit}, v(N) = {result.grand_coalition_worth:.6g} {unit}", height=380)


def importance_panels(feature_names, rankings: dict, errors: dict | None = None, irrelevant=(),
                      baselines: dict | None = None) -> go.Figure:
    """One horizontal bar panel per method, features in the order of the last method (mean |SHAP|).

    ``baselines`` maps a method to its "no effect" value (1 for the permutation ratio): its bars start
    there, so a feature the model ignores has no bar, and the axis still reads the score itself.
    """
    errors, baselines = errors or {}, baselines or {}
    methods = list(rankings)
    order = np.argsort(np.asarray(rankings[methods[-1]]), kind="stable")  # ascending: most important on top
    labels = [feature_names[i] + (" ✗" if feature_names[i] in irrelevant else "") for i in order]
    fig = make_subplots(rows=1, cols=len(methods), shared_yaxes=True, subplot_titles=methods, horizontal_spacing=0.04)
    for k, method in enumerate(methods):
        scores = np.asarray(rankings[method])[order]
        err = errors.get(method)
        base = float(baselines.get(method, 0.0))
        fig.add_bar(x=scores - base, base=base, y=labels, orientation="h", marker_color=SEQUENCE[k % len(SEQUENCE)],
                    showlegend=False, customdata=scores,
                    error_x=dict(type="data", array=np.asarray(err)[order]) if err is not None else None,
                    hovertemplate="%{y}: %{customdata:.4g}<extra>" + method + "</extra>", row=1, col=k + 1)
        if base:
            fig.add_vline(x=base, line_dash="dot", line_color=COLORS["reference"], row=1, col=k + 1)
    height = max(300, 26 * len(labels) + 120)
    return styled(fig, None, height=height)


def permutation_forms(feature_names, perm, error_name: str) -> go.Figure:
    """Permutation importance in both forms: ratio e_perm/e_orig and difference e_perm − e_orig (± 1 s.d.)."""
    order = np.argsort(perm.ratio_mean, kind="stable")
    labels = [feature_names[i] for i in order]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.05,
                        subplot_titles=("ratio e_perm / e_orig", f"difference e_perm − e_orig ({error_name})"))
    fig.add_bar(x=perm.ratio_mean[order] - 1.0, base=1.0, y=labels, orientation="h", customdata=perm.ratio_mean[order],
                error_x=dict(type="data", array=perm.ratio_std[order]), marker_color=SEQUENCE[0], showlegend=False,
                hovertemplate="%{y}: %{customdata:.4g} ×<extra>ratio</extra>", row=1, col=1)
    fig.add_bar(x=perm.difference_mean[order], y=labels, orientation="h", error_x=dict(type="data", array=perm.difference_std[order]),
                marker_color=SEQUENCE[1], showlegend=False, hovertemplate="%{y}: %{x:.4g}<extra>difference</extra>", row=1, col=2)
    fig.add_vline(x=1.0, line_dash="dot", line_color=COLORS["reference"], row=1, col=1)
    fig.update_xaxes(title_text="error ratio (bars start at 1 = no effect)", row=1, col=1)
    fig.update_xaxes(title_text=f"increase of {error_name} (0 = no effect)", row=1, col=2)
    return styled(fig, None, height=max(300, 26 * len(labels) + 120))


def kendall_heatmap(methods, tau: np.ndarray) -> go.Figure:
    """Kendall's τ between the rankings of each pair of methods."""
    fig = go.Figure(go.Heatmap(z=tau, x=list(methods), y=list(methods), zmin=-1, zmax=1, colorscale="RdBu",
                               text=np.round(tau, 2), texttemplate="%{text}", colorbar=dict(title="τ"),
                               hovertemplate="%{y} vs %{x}: τ = %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return styled(fig, "Agreement between rankings (Kendall τ)", height=300)


def _beeswarm_offsets(values: np.ndarray, n_bins: int = 60, width: float = 0.4) -> np.ndarray:
    """Vertical offsets that spread points with similar x (vectorised: rank within histogram bin)."""
    if len(values) == 0:
        return values
    span = np.ptp(values) or 1.0
    bins = np.minimum(((values - values.min()) / span * n_bins).astype(int), n_bins - 1)
    order = np.lexsort((values, bins))
    sorted_bins = bins[order]
    start = np.searchsorted(sorted_bins, sorted_bins, side="left")
    rank = np.arange(len(values)) - start
    counts = np.bincount(bins, minlength=n_bins)[sorted_bins]
    # alternate above/below the row: 0, +1, -1, +2, -2, ...
    signed = np.where(rank % 2 == 0, -(rank // 2), (rank + 1) // 2)
    scale = width / max(counts.max() / 2, 1)
    offsets = np.empty(len(values))
    offsets[order] = signed * min(scale, 0.08)
    return offsets


def _value_colour(column: np.ndarray) -> np.ndarray:
    """Feature values as ranks in [0, 1] (robust colouring, as shap's beeswarm does with percentiles)."""
    ranks = np.argsort(np.argsort(column, kind="stable"), kind="stable")
    return ranks / max(len(column) - 1, 1)


def shap_beeswarm(feature_names, shap_values: np.ndarray, rows: np.ndarray, output_name: str, max_features: int = 15,
                  units=None) -> go.Figure:
    """Every explained row as a dot per feature: x = SHAP value, colour = the feature's value (low → high)."""
    order = np.argsort(np.abs(shap_values).mean(axis=0))[::-1][:max_features][::-1]
    fig = go.Figure()
    for position, j in enumerate(order):
        fig.add_trace(_scatter(shap_values.size)(
            x=shap_values[:, j], y=position + _beeswarm_offsets(shap_values[:, j]), mode="markers",
            marker=dict(size=5, color=_value_colour(rows[:, j]), colorscale=FEATURE_COLORSCALE, cmin=0, cmax=1,
                        showscale=position == len(order) - 1,
                        colorbar=dict(title="feature value", tickvals=[0, 1], ticktext=["low", "high"])),
            customdata=rows[:, j], name=feature_names[j], showlegend=False,
            hovertemplate=feature_names[j] + " = %{customdata:.4g}" + _unit_suffix(feature_names[j], units)
            + "<br>SHAP = %{x:.4g}<extra></extra>"))
    fig.add_vline(x=0, line_color=COLORS["reference"], line_width=1)
    fig.update_yaxes(tickvals=list(range(len(order))), ticktext=[feature_names[j] for j in order], range=[-0.7, len(order) - 0.3])
    fig.update_xaxes(title_text=f"SHAP value (contribution to {output_name})")
    return styled(fig, "SHAP summary (beeswarm)", height=max(320, 34 * len(order) + 120))


def shap_dependence(feature_names, shap_values: np.ndarray, rows: np.ndarray, feature: int, partner: int, output_name: str,
                    units=None) -> go.Figure:
    """SHAP value of one feature against its value, coloured by the feature it interacts with most."""
    marker = dict(size=6, opacity=0.8)
    if partner >= 0:
        marker.update(color=rows[:, partner], colorscale=FEATURE_COLORSCALE, showscale=True,
                      colorbar=dict(title=_label(feature_names[partner], units)))
        hover = (feature_names[feature] + " = %{x:.4g}" + _unit_suffix(feature_names[feature], units) + "<br>SHAP = %{y:.4g}<br>"
                 + feature_names[partner] + " = %{marker.color:.4g}" + _unit_suffix(feature_names[partner], units)
                 + "<extra></extra>")
    else:
        marker.update(color=COLORS["fit"])
        hover = feature_names[feature] + " = %{x:.4g}" + _unit_suffix(feature_names[feature], units) + "<br>SHAP = %{y:.4g}<extra></extra>"
    fig = go.Figure(_scatter(len(rows))(x=rows[:, feature], y=shap_values[:, feature], mode="markers", marker=marker,
                                 hovertemplate=hover))
    fig.add_hline(y=0, line_color=COLORS["reference"], line_width=1)
    fig.update_xaxes(title_text=_label(feature_names[feature], units))
    fig.update_yaxes(title_text=f"SHAP value of {feature_names[feature]} ({output_name})")
    colour_note = f", coloured by {feature_names[partner]}" if partner >= 0 else ""
    return styled(fig, f"Dependence: {feature_names[feature]}{colour_note}", height=420)


def shap_waterfall(feature_names, contributions: np.ndarray, row: np.ndarray, base_value: float, output_name: str,
                   max_features: int = 12, units=None) -> go.Figure:
    """One prediction as base value + Σ contributions (largest |contribution| first; the rest summed)."""
    order = np.argsort(-np.abs(contributions), kind="stable")
    shown, rest = order[:max_features], order[max_features:]
    labels = [f"{feature_names[j]} = {row[j]:.4g}{_unit_suffix(feature_names[j], units)}" for j in shown]
    values = list(contributions[shown])
    if len(rest):
        labels.append(f"{len(rest)} other features")
        values.append(float(contributions[rest].sum()))
    prediction = base_value + float(contributions.sum())
    fig = go.Figure(go.Waterfall(
        orientation="h", measure=["absolute"] + ["relative"] * len(values) + ["total"],
        y=["base value E[f]"] + labels + ["prediction f(x)"], x=[base_value] + values + [prediction],
        base=0, text=[f"{base_value:.4g}"] + [f"{v:+.4g}" for v in values] + [f"{prediction:.4g}"],
        textposition="outside", increasing=dict(marker_color=COLORS["gan"]), decreasing=dict(marker_color=COLORS["qcd"]),
        totals=dict(marker_color=COLORS["reference"]), connector=dict(line=dict(color="#999999", width=1)),
        hovertemplate="%{y}: %{x:.5g}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    span = np.abs(values).sum() if values else 1.0
    low = min(base_value, prediction, base_value + np.cumsum(values).min()) - 0.15 * span
    high = max(base_value, prediction, base_value + np.cumsum(values).max()) + 0.15 * span
    fig.update_xaxes(title_text=output_name, range=[low, high])
    return styled(fig, f"f(x) = {base_value:.4g} + Σφ = {prediction:.4g}", height=max(320, 30 * (len(values) + 2) + 120))


def exact_vs_shap(feature_names, exact: np.ndarray, estimate: np.ndarray, explainer: str) -> go.Figure:
    """Exact enumerated Shapley values of one prediction next to shap's estimate of them."""
    order = np.argsort(np.abs(exact), kind="stable")
    labels = [feature_names[j] for j in order]
    fig = go.Figure()
    fig.add_bar(x=exact[order], y=labels, orientation="h", name="exact (all coalitions)", marker_color=COLORS["truth"],
                hovertemplate="%{y}: φ = %{x:.6g}<extra>exact</extra>")
    fig.add_bar(x=estimate[order], y=labels, orientation="h", name=explainer, marker_color=COLORS["accent"],
                hovertemplate="%{y}: φ = %{x:.6g}<extra>shap</extra>")
    fig.update_layout(barmode="group", xaxis_title="Shapley value φ of this prediction")
    return styled(fig, "Exact Shapley values vs shap", height=max(320, 40 * len(labels) + 120))


def feature_preview(feature_names, X: np.ndarray, y: np.ndarray, target_name: str, max_features: int = 6, max_points: int = 400,
                    units=None) -> go.Figure:
    """Target against the first few features: what the data look like before any model.

    The first ``max_points`` rows only (the title says how many): with 800 the six panels' markers were the
    slowest chart of the page's first view to draw.
    """
    k = min(max_features, len(feature_names))
    cols = min(k, 3)
    rows = int(np.ceil(k / cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_label(f, units) for f in feature_names[:k]], vertical_spacing=0.12)
    shown = slice(0, min(max_points, len(y)))
    for j in range(k):
        fig.add_trace(go.Scatter(x=X[shown, j], y=y[shown], mode="markers", marker=dict(size=3, color=COLORS["data"], opacity=0.5),
                                   showlegend=False, hovertemplate=feature_names[j] + " = %{x:.4g}" + _unit_suffix(feature_names[j], units)
                                   + "<br>" + target_name + " = %{y:.4g}" + _unit_suffix(target_name, units) + "<extra></extra>"),
                      row=j // cols + 1, col=j % cols + 1)
    fig.update_yaxes(title_text=_label(target_name, units), col=1)
    n_shown = min(max_points, len(y))
    title = f"The first {n_shown:,} of {len(y):,} rows" if n_shown < len(y) else None
    return styled(fig, title, height=260 * rows + (100 if title else 40))


# -- tables the page shows or offers for download ------------------------------------------------------------

def marginal_table(game) -> pd.DataFrame:
    """Every order and each player's marginal contribution in it (formula 2), for games of up to 4 players."""
    import pandas as pd

    from ganplify_core.ranking.games import marginal_contribution_table

    return pd.DataFrame(marginal_contribution_table(game))


def relevance_frame(true_relevance: dict, units=None) -> pd.DataFrame:
    """Each feature's unit and role in the generating formula ("–": a pure number)."""
    import pandas as pd

    return pd.DataFrame({"feature": list(true_relevance),
                         "unit": [(units or {}).get(f) or "–" for f in true_relevance],
                         "role in the generator": list(true_relevance.values())})


def results_frame(result, units=None) -> pd.DataFrame:
    """One row per feature: every method's score and both permutation statistics (the page's CSV).

    The unit is the feature's own (its values'); the scores are ratios, loss differences or SHAP values.
    """
    import pandas as pd

    return pd.DataFrame({"feature": result.feature_names, **{method: scores for method, scores in result.rankings.items()},
                         "permutation difference": result.permutation.difference_mean,
                         "permutation ratio std": result.permutation.ratio_std,
                         "permutation difference std": result.permutation.difference_std,
                         "unit": [(units or {}).get(f) or "" for f in result.feature_names]})
