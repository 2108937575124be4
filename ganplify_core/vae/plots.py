"""Plotly figures of the VAE latent explorer (all styled with :func:`ganplify_core.plotstyle.styled`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.plotstyle import COLORS, SEQUENCE, styled
from ganplify_core.vae.beta_sweep import BetaSweepResult
from ganplify_core.vae.corrdim import CorrelationDimension

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "hexagon")


def factor_names(result: BetaSweepResult) -> list[str]:
    """Names of the latent factors (z1 (S¹), c (category), z2, ...), z1... for a Gaussian latent."""
    names = list(getattr(result, "factor_names", ()) or ())
    return names or [f"z{i + 1}" for i in range(result.kl_per_dim.shape[1])]


def kl_curves(result: BetaSweepResult, unit: str, title: str = "Information the encoder pays for, per latent dimension",
              height: int = 400) -> go.Figure:
    """Total KL and KL per latent factor against β (log axis).

    Latents that carry the same information have equal KL curves (the two of a circle): each factor gets its
    own colour, dash and marker symbol, and the markers are hollow, so two equal curves stay visible.
    """
    fig = go.Figure()
    fig.add_scatter(x=result.betas, y=result.kl_total, name="total KL", mode="lines+markers",
                    line=dict(color=COLORS["truth"], width=3),
                    hovertemplate="β = %{x:.3g}<br>KL = %{y:.2f} nats<extra></extra>")
    for i, name in enumerate(factor_names(result)):
        fig.add_scatter(x=result.betas, y=result.kl_per_dim[:, i], name=name, mode="lines+markers",
                        line=dict(color=SEQUENCE[i % len(SEQUENCE)], dash=DASHES[i % len(DASHES)], width=2),
                        marker=dict(symbol=f"{SYMBOLS[i % len(SYMBOLS)]}-open", size=9 + 3 * (i % 3),
                                    line=dict(width=2)),
                        hovertemplate=f"{name}<br>β = %{{x:.3g}}<br>KL = %{{y:.2f}} nats<extra></extra>")
    fig.update_xaxes(type="log", title=f"β [{unit}]")
    fig.update_yaxes(title="KL divergence [nats]")
    return styled(fig, title, height=height)


def kl_animation(result: BetaSweepResult, threshold: float = 0.25) -> go.Figure:
    """KL per latent factor as β falls: one bar per factor, one frame per β (largest first), play button + slider.

    The dashed line is the active threshold; the frame title gives β, the total KL and D(β) there. The chart opens
    on the last frame (the smallest β, every factor the sweep opens), not on the first (at the largest β nothing
    is open); Play runs the sweep from the largest β.
    """
    names = factor_names(result)
    order = np.argsort(result.betas)[::-1]  # β falls
    top = float(np.nanmax(result.kl_per_dim)) * 1.1 + 0.1

    def bars(k: int) -> go.Bar:
        kl = result.kl_per_dim[k]
        return go.Bar(x=names, y=kl, marker=dict(color=[SEQUENCE[i % len(SEQUENCE)] for i in range(len(names))]),
                      # no "0.00" on a closed factor: it sat on the threshold's dashed line
                      text=[f"{v:.2f}" if v >= 0.005 else "" for v in kl], textposition="outside", showlegend=False,
                      hovertemplate="%{x}: %{y:.2f} nats<extra></extra>")

    def caption(k: int) -> str:
        return (f"β = {result.betas[k]:.3g}: KL = {result.kl_total[k]:.2f} nats, D(β) = {result.dimensionality[k]:.2f}, "
                f"{int(result.active_dims[k])} active")

    frames = [go.Frame(data=[bars(k)], name=f"{result.betas[k]:.3g}", layout=dict(title=dict(text=caption(k))))
              for k in order]
    fig = go.Figure(data=[bars(order[-1])], frames=frames)
    fig.add_hline(y=threshold, line=dict(color=COLORS["reference"], dash="dash"))
    # The line's label sits above the plot, where no bar can cover it (inside, an open factor's bar did).
    fig.add_annotation(text=f"dashed line: active above {threshold:g} nats", xref="paper", yref="paper", x=1, y=1.02,
                       xanchor="right", yanchor="bottom", showarrow=False)
    fig.update_yaxes(title="KL divergence [nats]", range=[0, top])
    fig.update_xaxes(title="latent factor")
    step_ms = 700
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=-0.25, xanchor="left", yanchor="top",
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, dict(frame=dict(duration=step_ms, redraw=True),
                                                         transition=dict(duration=300), fromcurrent=True)]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
        sliders=[dict(active=len(order) - 1, x=0.3, y=-0.2, len=0.7, currentvalue=dict(prefix="β = "),
                      steps=[dict(label=f"{result.betas[k]:.3g}", method="animate",
                                  args=[[f"{result.betas[k]:.3g}"], dict(mode="immediate", frame=dict(duration=0, redraw=True))])
                             for k in order])])
    fig = styled(fig, caption(order[-1]), height=480)
    fig.update_layout(margin=dict(b=150))  # room for the play button and the slider
    return fig


def dimensionality_two_ways(result: BetaSweepResult | None, corrdim: CorrelationDimension, unit: str,
                            expected: float | None = None) -> go.Figure:
    """D(β) = −dKL/d ln β (and 2 d⟨dist²⟩/dβ²) beside the correlation dimension dim(Q), same y axis."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06,
                        subplot_titles=("VAE: D(β) = −dKL / d ln β", "Data: correlation dimension dim(Q)"))
    if result is not None:
        fig.add_scatter(x=result.betas, y=result.dimensionality, name="D(β) from KL", mode="lines+markers",
                        line=dict(color=COLORS["gan"], width=3), row=1, col=1,
                        hovertemplate="β = %{x:.3g}<br>D = %{y:.2f}<extra></extra>")
        fig.add_scatter(x=result.betas, y=result.dimensionality_reconstruction, name="2 d⟨dist²⟩/dβ²",
                        mode="lines+markers", line=dict(color=COLORS["fit"], dash="dash"), row=1, col=1,
                        hovertemplate="β = %{x:.3g}<br>D_rec = %{y:.2f}<extra></extra>")
    else:
        fig.add_annotation(text="no β sweep yet:<br>press “Train the β sweep”", showarrow=False, row=1, col=1,
                           x=0.5, y=0.5, xref="x domain", yref="y domain", font=dict(size=14))
    fig.add_scatter(x=corrdim.q, y=corrdim.dim, name="dim(Q) ± bootstrap", mode="lines+markers",
                    error_y=dict(type="data", array=corrdim.dim_err, visible=True),
                    line=dict(color=COLORS["qcd"], width=3), row=1, col=2,
                    customdata=corrdim.pair_fraction,
                    hovertemplate="Q = %{x:.3g}<br>dim = %{y:.2f}<br>pairs closer: %{customdata:.2%}<extra></extra>")
    if expected is not None:
        for col in (1, 2):
            fig.add_hline(y=expected, line=dict(color=COLORS["truth"], dash="dot"), row=1, col=col)
    fig.update_xaxes(type="log", title=f"β [{unit}]", row=1, col=1)
    fig.update_xaxes(type="log", title=f"Q [{unit}]", row=1, col=2)
    fig.update_yaxes(title="dimension", row=1, col=1)
    # shared y range, numbers on both panels (a shared axis hides the right panel's tick labels by default)
    fig.update_yaxes(showticklabels=True, row=1, col=2)
    curves = [corrdim.dim] + ([result.dimensionality, result.dimensionality_reconstruction] if result is not None else [])
    finite = np.concatenate([np.asarray(c, dtype=float)[np.isfinite(c)] for c in curves] + [np.zeros(1)])
    top = max(float(finite.max()) + 0.5, (expected or 0) + 1.0, 2.5)
    bottom = min(float(finite.min()) - 0.3, -0.3)
    fig.update_yaxes(range=[max(bottom, -3.0), min(top, 20.0)])
    return styled(fig, None, height=400)


def latent_scatter(means: np.ndarray, dims: np.ndarray, colour: np.ndarray, colour_name: str) -> go.Figure:
    """Posterior means in the plane of two latent dimensions, coloured by a physical property."""
    fig = go.Figure(go.Scatter(
        x=means[:, dims[0]], y=means[:, dims[1]] if len(dims) > 1 else np.zeros(len(means)), mode="markers",
        marker=dict(color=colour, colorscale="Viridis", size=5, opacity=0.8, colorbar=dict(title=colour_name)),
        hovertemplate=f"μ_x = %{{x:.2f}}<br>μ_y = %{{y:.2f}}<br>{colour_name} = %{{marker.color:.3g}}<extra></extra>"))
    fig.update_xaxes(title=f"μ of z{dims[0] + 1}")
    fig.update_yaxes(title=f"μ of z{dims[1] + 1}" if len(dims) > 1 else "")
    return styled(fig, "Latent means of held-out inputs", height=420)


def manifold_view(data_3d: np.ndarray, colour: np.ndarray, colour_name: str, title: str,
                  paths_3d: list[np.ndarray] | None = None, path_names: list[str] | None = None,
                  highlight_3d: np.ndarray | None = None, highlight_name: str = "decoded", flat: bool = False) -> go.Figure:
    """Data in its first three principal components, with decoded paths and points drawn on top.

    ``flat``: the first two components only, drawn without WebGL (a rotatable 3D view is the slowest chart a page
    can hold: about half a second before anything shows in a browser drawing in software).
    """
    if flat:
        def trace(points, **kwargs):
            return go.Scatter(x=points[:, 0], y=points[:, 1], **kwargs)
    else:
        def trace(points, **kwargs):
            return go.Scatter3d(x=points[:, 0], y=points[:, 1], z=points[:, 2], **kwargs)
    fig = go.Figure(trace(
        data_3d, mode="markers", name="data",
        marker=dict(size=4 if flat else 2, color=colour, colorscale="Viridis", opacity=0.5, colorbar=dict(title=colour_name)),
        hovertemplate=f"{colour_name} = %{{marker.color:.3g}}<extra></extra>"))
    for k, path in enumerate(paths_3d or []):
        fig.add_trace(trace(path, mode="lines", name=(path_names or [])[k] if path_names else f"path {k + 1}",
                            line=dict(width=4 if flat else 6, color=SEQUENCE[(k + 1) % len(SEQUENCE)])))
    if highlight_3d is not None:
        size = 5 if len(highlight_3d) > 1 else 9
        fig.add_trace(trace(highlight_3d, mode="markers", name=highlight_name,
                            marker=dict(size=size + 3 if flat else size, color=COLORS["gan"])))
    if flat:
        fig.update_xaxes(title="PC1 [ambient units]")
        fig.update_yaxes(title="PC2 [ambient units]", scaleanchor="x")
    else:
        fig.update_layout(scene=dict(xaxis_title="PC1", yaxis_title="PC2", zaxis_title="PC3"))
    return styled(fig, title, height=480)


def manifold_preview(data_2d: np.ndarray, colour: np.ndarray, colour_name: str, title: str) -> go.Figure:
    """Data in its first two principal components (a flat view that needs no WebGL)."""
    fig = go.Figure(go.Scatter(
        x=data_2d[:, 0], y=data_2d[:, 1], mode="markers", name="data",
        marker=dict(size=5, color=colour, colorscale="Viridis", opacity=0.7, colorbar=dict(title=colour_name)),
        hovertemplate=f"PC1 = %{{x:.2f}}<br>PC2 = %{{y:.2f}}<br>{colour_name} = %{{marker.color:.3g}}<extra></extra>"))
    fig.update_xaxes(title="PC1 [ambient units]")
    fig.update_yaxes(title="PC2 [ambient units]", scaleanchor="x")
    return styled(fig, title, height=420)


def reconstruction_pairs(original_3d: np.ndarray, reconstructed_3d: np.ndarray) -> go.Figure:
    """Originals and their reconstructions (principal-component view), joined by lines."""
    xs, ys, zs = [], [], []
    for a, b in zip(original_3d, reconstructed_3d):
        xs += [a[0], b[0], None]
        ys += [a[1], b[1], None]
        zs += [a[2], b[2], None]
    fig = go.Figure()
    fig.add_scatter3d(x=xs, y=ys, z=zs, mode="lines", name="displacement", line=dict(color=COLORS["reference"]))
    fig.add_scatter3d(x=original_3d[:, 0], y=original_3d[:, 1], z=original_3d[:, 2], mode="markers",
                      name="original", marker=dict(size=3, color=COLORS["data"]))
    fig.add_scatter3d(x=reconstructed_3d[:, 0], y=reconstructed_3d[:, 1], z=reconstructed_3d[:, 2], mode="markers",
                      name="reconstruction", marker=dict(size=3, color=COLORS["gan"]))
    fig.update_layout(scene=dict(xaxis_title="PC1", yaxis_title="PC2", zaxis_title="PC3"))
    return styled(fig, "Reconstructions (latent noise sampled) beside the originals", height=450)


def jet_clouds(jets: np.ndarray, titles: list[str], title: str, radius: float = 0.8) -> go.Figure:
    """Jets as weighted point clouds in (η, φ): marker area ∝ pT fraction; one panel per jet."""
    n = len(jets)
    fig = make_subplots(rows=1, cols=n, subplot_titles=titles, horizontal_spacing=0.02)
    for k, jet in enumerate(jets):
        weights = jet[:, 0]
        keep = weights > 1e-4
        fig.add_scatter(x=jet[keep, 1], y=jet[keep, 2], mode="markers", showlegend=False, row=1, col=k + 1,
                        marker=dict(size=4 + 40 * np.sqrt(weights[keep]), color=COLORS["w"], opacity=0.7,
                                    line=dict(width=0.5, color="white")),
                        customdata=weights[keep],
                        hovertemplate="η = %{x:.2f}<br>φ = %{y:.2f}<br>pT fraction = %{customdata:.3f}<extra></extra>")
        fig.update_xaxes(range=[-radius, radius], title="η", row=1, col=k + 1)
        fig.update_yaxes(range=[-radius, radius], showticklabels=k == 0, row=1, col=k + 1,
                         scaleanchor=f"x{k + 1 if k else ''}")
    fig.update_yaxes(title="φ", row=1, col=1)
    return styled(fig, title, height=300)


def sweep_table(result: BetaSweepResult):
    """One row per β: KL (total and per latent dimension), both dimensionality estimates, ⟨dist²⟩, active dims."""
    import pandas as pd

    return pd.DataFrame({"beta": result.betas, "kl_total": result.kl_total, "D_from_kl": result.dimensionality,
                         "D_from_reconstruction": result.dimensionality_reconstruction,
                         "mean_distance2": result.distance2, "active_dims": result.active_dims,
                         **{f"kl_z{i + 1}": result.kl_per_dim[:, i] for i in range(result.kl_per_dim.shape[1])},
                         **({"category_purity": result.category_purity}
                            if getattr(result, "category_purity", None) is not None else {})})


def corrdim_table(result: CorrelationDimension):
    """One row per Q: dim(Q), its bootstrap error and the fraction of pairs closer than Q."""
    import pandas as pd

    return pd.DataFrame({"q": result.q, "dim": result.dim, "dim_err": result.dim_err,
                         "pair_fraction": result.pair_fraction})
