"""Figures of the birthday-paradox page: showers, shape distributions, curves, similar pairs, estimates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.birthday import duplicates, support
from ganplify_core.birthday.experiment import (
    DEFINITIONS,
    BirthdayResult,
    baseline_source,
    method_constant,
    relative_rates,
)
from ganplify_core.plotstyle import COLORS, SEQUENCE, legend_below, rgba, styled

SOURCE_COLORS = {
    "sim": COLORS["data"], "sim-heldout": COLORS["reference"], "gan": COLORS["gan"],
    "templates": COLORS["qcd"], "uniform": COLORS["kde"],
}
AXIS_TITLES = ("x (cells of 0.25 R_M)", "y (cells of 0.25 R_M)", "depth z (layers of 1 X0)")
SOURCE_COLORS.update({"upload": COLORS["accent"], "reference": COLORS["fit"]})  # apart from the GAN and the simulator
SHORT_LABELS = {"sim": "simulator", "sim-heldout": "sim. held-out", "gan": "GAN", "templates": "templates", "uniform": "uniform",
                "upload": "your showers", "reference": "your reference"}
DEFINITION_LABELS = {"shapes": "(a) shower shapes", "shapes+energy": "(b) shapes + relative energy difference",
                     "shapes+energy+ssim": "(c) shapes + energy + SSIM"}
SHORT_DEFINITIONS = {"shapes": "(a) shapes", "shapes+energy": "(b) + energy", "shapes+energy+ssim": "(c) + SSIM"}


def _log_axis(fig: go.Figure, **where) -> None:
    """A log x axis labelled at powers of ten only (minor labels like "2 5" are unreadable on a projector)."""
    fig.update_xaxes(type="log", dtick=1, **where)


def _projections(images: np.ndarray, titles: list[str], title: str) -> go.Figure:
    """The calorimeter page's shower projections (x–depth, y–depth, x–y), retitled."""
    from ganplify_core.calorimeter.plots import shower_projections

    fig = shower_projections(images, titles=titles)
    fig.update_layout(title=title)
    return fig


def example_showers(result: BirthdayResult, per_source: int = 1) -> go.Figure:
    """One (or a few) showers of each source, e.g. simulator vs GAN, as energy projections."""
    images, titles = [], []
    for s in result.sources:
        for k in range(min(per_source, len(s.example_images))):
            images.append(s.example_images[k])
            energy = s.primary_energy[k]
            titles.append(SHORT_LABELS[s.source] + (f", {energy:.0f} GeV" if np.isfinite(energy) else ""))
    return _projections(np.stack(images), titles, "Example showers (log10 of energy summed along the hidden axis)")


def shape_distributions(result: BirthdayResult) -> go.Figure:
    """Mean shower shapes along x, y and z with their 16–84 % band per source, and total energies."""
    fig = make_subplots(rows=1, cols=4, subplot_titles=("shape along x", "shape along y", "longitudinal shape (z)",
                                                        "total deposited energy"), horizontal_spacing=0.06)
    for k, s in enumerate(result.sources):
        color = SOURCE_COLORS.get(s.source, SEQUENCE[k % len(SEQUENCE)])
        for axis in range(3):
            cells = np.arange(len(s.shape_mean[axis]))
            fig.add_trace(go.Scatter(x=np.r_[cells, cells[::-1]], y=np.r_[s.shape_high[axis], s.shape_low[axis][::-1]],
                                     fill="toself", fillcolor=rgba(color, 0.15), line=dict(width=0), hoverinfo="skip",
                                     showlegend=False, legendgroup=s.source), row=1, col=axis + 1)
            fig.add_trace(go.Scatter(x=cells, y=s.shape_mean[axis], mode="lines", line=dict(color=color, width=2),
                                     name=s.label, legendgroup=s.source, showlegend=axis == 0,
                                     hovertemplate=f"{s.label}<br>cell %{{x}}<br>fraction %{{y:.3f}}<extra></extra>"),
                          row=1, col=axis + 1)
            fig.update_xaxes(title_text=AXIS_TITLES[axis], row=1, col=axis + 1)
        fig.add_trace(go.Histogram(x=s.deposited_energy, name=s.label, legendgroup=s.source, showlegend=False,
                                   marker_color=color, opacity=0.55, nbinsx=40,
                                   hovertemplate=f"{s.label}<br>%{{x:.3f}} GeV: %{{y}} showers<extra></extra>"), row=1, col=4)
    fig.update_xaxes(title_text="deposited energy (GeV)", row=1, col=4)
    fig.update_yaxes(title_text="energy fraction per cell", row=1, col=1)
    fig.update_layout(barmode="overlay")
    fig = legend_below(styled(fig, "Shower shapes (mean and 16–84 % band) and deposited energy per source", height=420))
    fig.update_layout(margin=dict(b=110))
    return fig


def duplicate_curves(result: BirthdayResult) -> go.Figure:
    """p(s) with its Wilson band per source, the ½ line, s* markers and, for known supports, the exact curve."""
    fig = go.Figure()
    s_grid = result.subset_sizes
    for k, s in enumerate(result.sources):
        color = SOURCE_COLORS.get(s.source, SEQUENCE[k % len(SEQUENCE)])
        fig.add_trace(go.Scatter(x=np.r_[s_grid, s_grid[::-1]], y=np.r_[s.band_high, s.band_low[::-1]], fill="toself",
                                 fillcolor=rgba(color, 0.18), line=dict(width=0), hoverinfo="skip", showlegend=False,
                                 legendgroup=s.source))
        e = s.estimates
        name = s.label + (f" (s* = {e.s_star:.0f}, support ≈ {e.support_estimate_refined:,.0f})" if not math.isnan(e.s_star)
                          else f" (no s* ≤ {result.config.pool_size}: support > {e.support_lower_bound:,.0f})")
        fig.add_trace(go.Scatter(x=s_grid, y=s.p_duplicate, mode="lines+markers", line=dict(color=color, width=2),
                                 marker=dict(size=5), name=name, legendgroup=s.source,
                                 hovertemplate=f"{s.label}<br>s = %{{x}}<br>P(duplicate) = %{{y:.3f}}<extra></extra>"))
        if not math.isnan(s.true_support):
            exact = support.uniform_duplicate_probability(s_grid, int(s.true_support))
            fig.add_trace(go.Scatter(x=s_grid, y=exact, mode="lines", line=dict(color=color, dash="dot", width=1.5),
                                     name=f"exact birthday curve, support {s.true_support:,.0f}", legendgroup=s.source,
                                     hovertemplate="exact: s = %{x}, p = %{y:.3f}<extra></extra>"))
        if not math.isnan(e.s_star):
            fig.add_vline(x=e.s_star, line=dict(color=color, dash="dash", width=1))
    fig.add_hline(y=0.5, line=dict(color=COLORS["truth"], dash="dash", width=1),
                  annotation_text="p = ½", annotation_position="bottom right")
    fig.update_xaxes(title_text="subset size s (samples)")
    if result.config.grid_scale == "log":
        _log_axis(fig)
    fig.update_yaxes(title_text="P(at least one duplicate pair)", range=[-0.02, 1.02])
    fig = styled(fig, f"Probability of a duplicate among s samples, {DEFINITION_LABELS[result.config.features]} "
                      f"({result.config.replications} orderings, 95 % Wilson band)", height=520)
    fig = legend_below(fig)
    fig.update_layout(legend=dict(y=-0.18), margin=dict(b=140))
    return fig


def definition_curves(result: BirthdayResult) -> go.Figure:
    """The seed's three result plots side by side, from one run: p(s) per source under definitions (a)–(c)."""
    fig = make_subplots(rows=1, cols=len(DEFINITIONS), shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[SHORT_DEFINITIONS[d] for d in DEFINITIONS])
    s_grid = result.subset_sizes
    for k, s in enumerate(result.sources):
        color = SOURCE_COLORS.get(s.source, SEQUENCE[k % len(SEQUENCE)])
        for col, d in enumerate(s.definitions, start=1):
            fig.add_trace(go.Scatter(x=np.r_[s_grid, s_grid[::-1]], y=np.r_[d.band_high, d.band_low[::-1]], fill="toself",
                                     fillcolor=rgba(color, 0.15), line=dict(width=0), hoverinfo="skip", showlegend=False,
                                     legendgroup=s.source), row=1, col=col)
            fig.add_trace(go.Scatter(x=s_grid, y=d.p_duplicate, mode="lines", line=dict(color=color, width=2), name=s.label,
                                     legendgroup=s.source, showlegend=col == 1,
                                     hovertemplate=f"{s.label}<br>{DEFINITION_LABELS[d.features]}<br>s = %{{x}}<br>"
                                                   f"P(duplicate) = %{{y:.3f}}<extra></extra>"), row=1, col=col)
            fig.update_xaxes(title_text="subset size s", row=1, col=col)
            if result.config.grid_scale == "log":
                _log_axis(fig, row=1, col=col)
    for col in range(1, len(DEFINITIONS) + 1):
        fig.add_hline(y=0.5, line=dict(color=COLORS["truth"], dash="dash", width=1), row=1, col=col)
    fig.update_yaxes(title_text="P(at least one duplicate pair)", range=[-0.02, 1.02], row=1, col=1)
    fig = legend_below(styled(fig, "The three duplicate definitions, one run (same pools, same orderings)", height=440))
    fig.update_layout(margin=dict(b=120))
    return fig


def _interval(value: float, interval, digits: int = 0) -> str:
    """``6,167 [4,961–7,765]``; ``—`` for NaN; ``∞`` for an open upper end."""
    def one(x):
        return "∞" if math.isinf(x) else f"{x:,.{digits}f}"
    if value is None or math.isnan(value):
        return "—"
    low, high = interval
    return f"{one(value)} [{one(low)}–{one(high)}]" if not (math.isnan(low) or math.isnan(high)) else one(value)


def definitions_table(result: BirthdayResult) -> pd.DataFrame:
    """Per source and definition: duplicate pairs D (of N = C(M, 2)) and the collision support N/D, 95 % interval."""
    rows = []
    for s in result.sources:
        row = {"source": SHORT_LABELS[s.source]}
        for d in s.definitions:
            e = d.estimates
            row[f"{SHORT_DEFINITIONS[d.features]}: D · N/D [95 %]"] = (f"{e.n_duplicate_pairs:,} · "
                                                                      + _interval(e.collision_estimate, e.collision_ci95))
        rows.append(row)
    return pd.DataFrame(rows)


def relative_rates_table(result: BirthdayResult) -> pd.DataFrame | None:
    """Each source's duplicate rate over the baseline's (:func:`baseline_source`), per definition, 95 % interval."""
    rates = relative_rates(result)
    if not rates:
        return None
    rows = []
    for name, by_definition in rates.items():
        row = {"source": SHORT_LABELS[name]}
        for d, r in by_definition.items():
            row[SHORT_DEFINITIONS[d]] = (_interval(r["ratio"], r["ci95"], 2).replace(" [", "× [", 1) if not math.isnan(r["ratio"])
                                         else (f"{r['duplicate_pairs']} vs 0 pairs" if r["duplicate_pairs"] else "no pairs"))
        rows.append(row)
    return pd.DataFrame(rows)


def similar_pairs(result: BirthdayResult, source: str, n_pairs: int = 2) -> go.Figure | None:
    """The most similar pairs of one source's pool, the two showers of a pair one above the other."""
    s = result.source(source)
    if len(s.similar_pairs) == 0:
        return None
    k = min(n_pairs, len(s.similar_pairs))
    images = s.similar_images[:k].reshape(2 * k, *s.similar_images.shape[2:])
    titles = [f"pair {p + 1}, #{s.similar_pairs[p, member]}" for p in range(k) for member in range(2)]
    return _projections(images, titles, f"{s.label}: most similar pairs (a pair's two showers one above the other)")


def similar_pairs_caption(result: BirthdayResult, source: str, n_pairs: int = 2) -> str:
    """Which showers each shown pair holds, its score and whether it is a duplicate."""
    s = result.source(source)
    parts = []
    for p in range(min(n_pairs, len(s.similar_pairs))):
        verdict = "a duplicate" if s.similar_scores[p] <= 1 else "not a duplicate"
        parts.append(f"pair {p + 1}: showers #{s.similar_pairs[p, 0]} and #{s.similar_pairs[p, 1]}, "
                     f"score {s.similar_scores[p]:.2f} ({verdict})")
    return "; ".join(parts) + "."


def estimates_table(result: BirthdayResult) -> pd.DataFrame:
    """One row per source (headline definition): s*, the support estimates with their 95 % intervals, truth.

    Text cells (``—`` where a value does not exist), so that no table shows a literal None; the numbers
    (and the pairs needing SSIM) are in the CSV and the CLI's JSON.
    """
    rows = []
    for s in result.sources:
        e = s.estimates
        no_s_star = f"none ≤ M: support > {e.support_lower_bound:,.0f}" if math.isnan(e.s_star) else None
        rows.append({
            "source": SHORT_LABELS[s.source], "true": _interval(s.true_support, (math.nan, math.nan)),
            "s* [95 %]": no_s_star or _interval(e.s_star, e.s_star_ci95),
            "s*² (paper)": _interval(e.support_estimate, (math.nan,) * 2),
            "s*²/(2 ln 2) [95 %]": _interval(e.support_estimate_refined, e.support_refined_ci95),
            "C(M,2)/D [95 %]": _interval(e.collision_estimate, e.collision_ci95),
            "D": f"{e.n_duplicate_pairs:,}",
        })
    return pd.DataFrame(rows)


def estimates_frame(result: BirthdayResult) -> pd.DataFrame:
    """Every source and definition's estimates and intervals as numbers (for the downloads)."""
    rows = []
    for s in result.sources:
        for d in s.definitions:
            e = d.estimates
            rows.append({"source": s.source, "definition": d.features, "true_support": s.true_support, "s_star": e.s_star,
                         "s_star_low": e.s_star_ci95[0], "s_star_high": e.s_star_ci95[1],
                         "support_rough": e.support_estimate, "support_refined": e.support_estimate_refined,
                         "support_refined_low": e.support_refined_ci95[0], "support_refined_high": e.support_refined_ci95[1],
                         "collision": e.collision_estimate, "collision_low": e.collision_ci95[0],
                         "collision_high": e.collision_ci95[1], "duplicate_pairs": e.n_duplicate_pairs,
                         "pairs": e.n_pairs, "duplicate_rate": e.duplicate_rate,
                         "pairs_needing_ssim": s.n_ssim_evaluations})
    return pd.DataFrame(rows)


def curves_frame(result: BirthdayResult) -> pd.DataFrame:
    """Long table of the curves (for the CSV download)."""
    frames = [pd.DataFrame({"source": s.source, "definition": d.features, "subset_size": result.subset_sizes,
                            "p_duplicate": d.p_duplicate, "band_low": d.band_low, "band_high": d.band_high})
              for s in result.sources for d in s.definitions]
    return pd.concat(frames, ignore_index=True)


def _ratio_words(r: dict) -> str:
    """``26.5× [21.0–34.1]: more often`` and what it means, from a :func:`relative_rates` entry."""
    ratio, (low, high) = r["ratio"], r["ci95"]
    if math.isnan(ratio):
        if not r["duplicate_pairs"]:
            return "never (no duplicate pair in either pool: no comparison)"
        return f"at least **{low:,.1f}×** as often (95 %; {r['duplicate_pairs']:,} duplicate pairs against none)"
    text = f"**{ratio:,.2f}×** [{low:,.2f}–{'∞' if math.isinf(high) else f'{high:,.2f}'}]"
    if low > 1:
        return text + ", more often: a smaller effective support"
    if high < 1:
        return text + ", less often"
    return text + ": the interval holds 1, no difference is seen"


def _baseline_name(base) -> str:
    """How prose names the baseline pool: "toy simulator (held-out sample)", or "your reference sample"."""
    return base.label.lower() if base.source != "reference" else "your reference sample"


def support_comparison(result: BirthdayResult) -> str | None:
    """Claim 6 in words, every number read from ``result``: the simulator's "support" is a constant of the
    method (≈ 1/α^k), so a generator is compared by its duplicate rate relative to the simulator's."""
    base_name = baseline_source(result)
    if base_name is None:
        return None
    base = result.source(base_name)
    definition = result.config.features
    k = len(duplicates.feature_names(definition))
    e = base.definition(definition).estimates
    constant = method_constant(result, definition)
    # Your reference sample plays the simulator's part when the thresholds come from it.
    who, whose = (("the simulator", "the simulator's") if base.source != "reference"
                  else ("your reference sample", "your reference sample's"))
    named = _baseline_name(base)
    parts = [
        f"**{whose[0].upper() + whose[1:]} own \"support\" is a constant of the method.** Under the headline "
        f"definition {DEFINITION_LABELS[definition]}, {'the ' if base.source != 'reference' else ''}{named} has "
        f"{e.n_duplicate_pairs:,} duplicate pair(s) among {e.n_pairs:,}: a collision support "
        + (f"N/D = {_interval(e.collision_estimate, e.collision_ci95)} (95 %)" if e.n_duplicate_pairs
           else f"N/D above {e.collision_ci95[0]:,.0f} (95 %; no duplicate pair)")
        + f", against 1/α^{k} = {constant:,.0f} "
        f"(α = {result.thresholds.alpha:g}, {k} features). Each threshold is the α-quantile of {whose} own pairs, "
        f"so a pair of {who}'s showers passes each feature with probability α *by construction*, and all {k} with "
        f"probability α^{k} if the features were independent (correlated features, such as the three shapes, pass "
        f"together more often, which puts N/D below 1/α^k). {whose[0].upper() + whose[1:]} number is set by the "
        f"threshold, not by its showers; what compares a generator with {who} is how much more often its pairs "
        "pass the *same* thresholds, the **relative duplicate rate**."
    ]
    rates = relative_rates(result)
    for name in ("gan", "upload"):
        if name in rates:
            label = result.source(name).label
            r = rates[name][definition]
            others = "; ".join(f"{DEFINITION_LABELS[d]}: {_ratio_words(rates[name][d])}" for d in DEFINITIONS if d != definition)
            parts.append(f"**{label} vs {named}:** its pairs are duplicates {_ratio_words(r)} "
                         f"({r['duplicate_pairs']:,} against {r['baseline_pairs']:,} duplicate pairs of "
                         f"{e.n_pairs:,}). The other definitions, same run: {others}.")
    return "\n\n".join(parts)


def what_to_notice(result: BirthdayResult) -> str:
    """A few bullet points, every number read from ``result`` (empty when there is nothing to compare)."""
    points = []
    definition = result.config.features
    base_name = baseline_source(result)
    for s in result.sources:
        if math.isnan(s.true_support):
            continue
        e = s.definition(definition).estimates
        low, high = e.collision_ci95
        inside = "inside" if low <= s.true_support <= high else "outside"
        text = (f"- **The method's check**: {s.label.lower()} of true support {s.true_support:,.0f} is measured at "
                f"N/D = {_interval(e.collision_estimate, e.collision_ci95)} and s*²/(2 ln 2) = "
                f"{_interval(e.support_estimate_refined, e.support_refined_ci95)}: the truth is {inside} the collision "
                "interval.")
        if base_name is not None:
            chance = result.source(base_name).definition(definition).estimates.duplicate_rate
            text += (f" Different showers also pass the thresholds by chance, at the simulator's rate "
                     f"({chance:.2g} per pair): 1/(1/{s.true_support:,.0f} + {chance:.2g}) = "
                     f"{1 / (1 / s.true_support + chance):,.0f} is what the method can see.")
        points.append(text)
    if base_name is not None:
        base = result.source(base_name)
        counts = ", ".join(f"{SHORT_DEFINITIONS[d.features].split(' ', 1)[0]} {d.estimates.n_duplicate_pairs:,}"
                           for d in base.definitions)
        points.append(f"- **Stricter definitions, fewer duplicates**: {'the ' if base.source != 'reference' else ''}"
                      f"{_baseline_name(base)} has {counts} duplicate "
                      f"pairs among {base.estimates.n_pairs:,}; each added feature divides the rate by roughly 1/α = "
                      f"{1 / result.thresholds.alpha:g} or less (features that move together cost less).")
        rates = relative_rates(result)
        for name in ("gan", "upload"):
            if name in rates:
                words = "; ".join(f"{SHORT_DEFINITIONS[d].split(' ', 1)[0]} {_ratio_words(r).split(':')[0].split(',')[0]}"
                                  for d, r in rates[name].items())
                points.append(f"- **{result.source(name).label} vs {_baseline_name(base)}, by definition** (rate ratio, 95 %): "
                              f"{words}. Whether the generator \"has a smaller support\" depends on the definition, "
                              "as the seed warns.")
    return "\n".join(points)


def textbook_curves(supports: tuple[int, ...] = (365, 10_000, 1_000_000)) -> go.Figure:
    """The exact birthday curves p(s) for uniform supports d, with s* ≈ √(2 ln 2 · d) marked."""
    fig = go.Figure()
    s_grid = np.unique(np.round(np.geomspace(2, 5_000, 200)).astype(np.int64))
    for k, d in enumerate(supports):
        color = SEQUENCE[k % len(SEQUENCE)]
        fig.add_trace(go.Scatter(x=s_grid, y=support.uniform_duplicate_probability(s_grid, d), mode="lines",
                                 line=dict(color=color, width=2), name=f"d = {d:,}",
                                 hovertemplate=f"d = {d:,}<br>s = %{{x}}<br>p = %{{y:.3f}}<extra></extra>"))
        s_star = math.sqrt(support.TWO_LN2 * d)
        fig.add_trace(go.Scatter(x=[s_star], y=[0.5], mode="markers", marker=dict(color=color, size=9, symbol="diamond"),
                                 showlegend=False, hovertemplate=f"s* ≈ √(2 ln 2 · d) = {s_star:.0f}<extra></extra>"))
    fig.add_hline(y=0.5, line=dict(color=COLORS["truth"], dash="dash", width=1))
    fig.update_xaxes(title_text="samples s")
    _log_axis(fig)
    fig.update_yaxes(title_text="P(a duplicate pair)", range=[-0.02, 1.02])
    fig = legend_below(styled(fig, "Birthday problem:<br>d equal outcomes", height=380))
    fig.update_layout(legend=dict(y=-0.3), margin=dict(b=100))  # below the axis title: it covers no curve
    return fig
