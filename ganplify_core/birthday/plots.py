"""Figures of the birthday-paradox page: showers, shape distributions, curves, similar pairs, estimates."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.birthday import support
from ganplify_core.birthday.experiment import BirthdayResult
from ganplify_core.plotstyle import COLORS, SEQUENCE, legend_below, rgba, styled

SOURCE_COLORS = {
    "sim": COLORS["data"], "sim-heldout": COLORS["reference"], "gan": COLORS["gan"],
    "templates": COLORS["qcd"], "uniform": COLORS["kde"],
}
AXIS_TITLES = ("x (cells of 0.25 R_M)", "y (cells of 0.25 R_M)", "depth z (layers of 1 X0)")
SHORT_LABELS = {"sim": "simulator", "sim-heldout": "sim. held-out", "gan": "GAN", "templates": "templates", "uniform": "uniform"}


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
            titles.append(f"{SHORT_LABELS[s.source]}, {s.primary_energy[k]:.0f} GeV")
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
    fig.update_xaxes(title_text="subset size s (samples)", type="log" if result.config.grid_scale == "log" else "linear")
    fig.update_yaxes(title_text="P(at least one duplicate pair)", range=[-0.02, 1.02])
    fig = styled(fig, f"Probability of a duplicate among s samples ({result.config.replications} orderings, 95 % Wilson band)",
                 height=480)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="left", x=0.01, bgcolor="rgba(255,255,255,0.7)"))
    return fig


def similar_pairs(result: BirthdayResult, source: str, n_pairs: int = 2) -> go.Figure | None:
    """The most similar pairs of one source's pool, the two showers of a pair one above the other."""
    s = result.source(source)
    if len(s.similar_pairs) == 0:
        return None
    k = min(n_pairs, len(s.similar_pairs))
    images = s.similar_images[:k].reshape(2 * k, *s.similar_images.shape[2:])
    titles = [f"pair {p + 1}, #{s.similar_pairs[p, member]}" for p in range(k) for member in range(2)]
    return _projections(images, titles, f"{s.label}: most similar pairs in the pool (the two showers of a pair one above the other)")


def similar_pairs_caption(result: BirthdayResult, source: str, n_pairs: int = 2) -> str:
    """Which showers each shown pair holds, its score and whether it is a duplicate."""
    s = result.source(source)
    parts = []
    for p in range(min(n_pairs, len(s.similar_pairs))):
        verdict = "a duplicate" if s.similar_scores[p] <= 1 else "not a duplicate"
        parts.append(f"pair {p + 1}: showers #{s.similar_pairs[p, 0]} and #{s.similar_pairs[p, 1]}, "
                     f"score {s.similar_scores[p]:.2f} ({verdict})")
    return "; ".join(parts) + "."


def _fmt(value: float) -> float | None:
    return None if math.isnan(value) else float(round(value))


def estimates_table(result: BirthdayResult) -> pd.DataFrame:
    """One row per source: s*, the three support estimates, the lower bound, duplicate pairs, truth."""
    rows = []
    for s in result.sources:
        e = s.estimates
        rows.append({
            "source": s.label, "true support": _fmt(s.true_support), "s*": _fmt(e.s_star),
            "s*² (rough)": _fmt(e.support_estimate), "s*²/(2 ln 2) (refined)": _fmt(e.support_estimate_refined),
            "C(M,2)/D (collision)": _fmt(e.collision_estimate), "lower bound if no s*": _fmt(e.support_lower_bound),
            "duplicate pairs D": e.n_duplicate_pairs, "pairs in pool": s.n_pairs, "pairs needing SSIM": s.n_ssim_evaluations,
        })
    return pd.DataFrame(rows)


def curves_frame(result: BirthdayResult) -> pd.DataFrame:
    """Long table of the curves (for the CSV download)."""
    frames = [pd.DataFrame({"source": s.source, "subset_size": result.subset_sizes, "p_duplicate": s.p_duplicate,
                            "band_low": s.band_low, "band_high": s.band_high}) for s in result.sources]
    return pd.concat(frames, ignore_index=True)


def _support_text(s) -> tuple[float, str]:
    """(a number to compare, its wording) for one source: the refined estimate, or the lower bound."""
    e = s.estimates
    if not math.isnan(e.support_estimate_refined):
        rough = f", from only {e.n_duplicate_pairs} duplicate pair(s): a rough figure" if e.n_duplicate_pairs < 10 else ""
        return e.support_estimate_refined, f"≈ {e.support_estimate_refined:,.0f} (s* = {e.s_star:.0f}{rough})"
    return e.support_lower_bound, f"> {e.support_lower_bound:,.0f} (no duplicate half of the time even at s = M)"


def support_comparison(result: BirthdayResult) -> str | None:
    """Plain words on simulator vs GAN support, whichever way the numbers fall; None without both."""
    names = [s.source for s in result.sources]
    if "gan" not in names or not {"sim", "sim-heldout"} & set(names):
        return None
    sim = result.source("sim" if "sim" in names else "sim-heldout")
    gan = result.source("gan")
    sim_value, sim_words = _support_text(sim)
    gan_value, gan_words = _support_text(gan)
    sim_bound, gan_bound = math.isnan(sim.estimates.s_star), math.isnan(gan.estimates.s_star)
    head = f"Simulator support {sim_words}; GAN support {gan_words}. "
    if gan_bound and sim_bound:
        return head + ("Neither pool reaches p = ½, so this run cannot tell which support is larger: use a larger pool, "
                       "a looser α (0.05) or fewer features.")
    if gan_bound:
        return head + ("The GAN showed *fewer* duplicates than the simulator here: by this test its support is not "
                       "smaller. The duplicate definition decides this (see the text above).")
    if sim_bound:
        return head + f"The simulator's support is at least **{sim_value / gan_value:,.0f} times** the GAN's."
    ratio = sim_value / gan_value
    if ratio >= 2:
        return head + f"The simulator's support is about **{ratio:,.1f} times** the GAN's."
    return head + (f"The ratio is only {ratio:.2f}: with these features and α the GAN's support is *not* clearly smaller "
                   "than the simulator's.")


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
    fig.update_xaxes(title_text="samples s", type="log")
    fig.update_yaxes(title_text="P(a duplicate pair)", range=[-0.02, 1.02])
    fig = styled(fig, "The birthday problem: d equally likely outcomes", height=320)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=0.98, xanchor="left", x=0.01))
    return fig
