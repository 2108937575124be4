"""Figures of calorimeter showers: projections of single showers and mean profiles per source.

Coordinates: cells of 0.25 Molière radii (R_M) transversely, layers of 1 radiation length (X0) in depth;
axes are drawn in those physical units, with the grid centre (the beam axis) at x = y = 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.calorimeter.showers import CELL_SIZE_RM, LAYER_DEPTH_X0
from ganplify_core.plotstyle import COLORS, SEQUENCE, styled

# A source named "sim…" (simulator, held-out simulation) is drawn as data, "gan…" in the GAN colour.
_ROLE_COLORS = {"sim": COLORS["data"], "gan": COLORS["gan"]}


def _transverse_axis(n_cells: int) -> np.ndarray:
    return (np.arange(n_cells) + 0.5 - n_cells / 2) * CELL_SIZE_RM


def _depth_axis(n_layers: int) -> np.ndarray:
    return (np.arange(n_layers) + 0.5) * LAYER_DEPTH_X0


def _color(name: str, index: int) -> str:
    for key, color in _ROLE_COLORS.items():
        if name.lower().startswith(key):
            return color
    return SEQUENCE[index % len(SEQUENCE)]


def shower_projections(images: np.ndarray, titles: Sequence[str] | None = None, log: bool = True,
                       height_per_row: int = 300) -> go.Figure:
    """One row per shower: energy summed along y (x–depth view), along x (y–depth view) and over depth.

    Parameters
    ----------
    images : ndarray (n, nx, ny, nz)
        Deposited energy per cell, GeV. Keep n small (a handful of showers).
    titles : sequence of str, optional
        One label per shower (e.g. ``"simulator, 100 GeV"``).
    log : bool
        Colour by log10 of the energy (the halo spans several decades below the core).
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim == 3:
        images = images[None]
    n, nx, ny, nz = images.shape
    titles = list(titles) if titles is not None else [f"shower {i + 1}" for i in range(n)]
    views = [("x–depth", 2, "depth (X0)", "x (R_M)"), ("y–depth", 1, "depth (X0)", "y (R_M)"), ("x–y", 3, "x (R_M)", "y (R_M)")]
    # A column shares its x axis (every shower has the same grid), so only the bottom row labels it: between
    # rows is room for the subplot titles alone (about 45 px; with x-axis titles on every row it needed 110).
    fig = make_subplots(rows=n, cols=3, horizontal_spacing=0.1, vertical_spacing=min(0.3, 45 / (height_per_row * n)),
                        subplot_titles=[f"{t}: {v[0]}" for t in titles for v in views])
    unit = "log10(E / GeV)" if log else "E (GeV)"
    for i in range(n):
        for j, (_, axis, x_label, y_label) in enumerate(views):
            plane = images[i].sum(axis=axis - 1)  # (x, z), (y, z) or (x, y)
            if j == 2:
                x_coords, y_coords, z = _transverse_axis(nx), _transverse_axis(ny), plane.T
            else:
                x_coords, y_coords, z = _depth_axis(nz), _transverse_axis(plane.shape[0]), plane
            shown = np.where(z > 0, np.log10(np.where(z > 0, z, 1.0)), np.nan) if log else z
            fig.add_trace(go.Heatmap(
                x=x_coords, y=y_coords, z=shown, coloraxis="coloraxis", customdata=z,
                hovertemplate=f"{x_label}: %{{x:.2f}}<br>{y_label}: %{{y:.2f}}<br>E: %{{customdata:.3g}} GeV<extra></extra>"),
                row=i + 1, col=j + 1)
            bottom = i == n - 1
            fig.update_xaxes(title_text=x_label if bottom else None, showticklabels=bottom, row=i + 1, col=j + 1)
            fig.update_yaxes(title_text=y_label, row=i + 1, col=j + 1)
    fig.update_layout(coloraxis=dict(colorscale="Viridis", colorbar=dict(title=unit)))
    fig = styled(fig, "Shower projections (energy summed along the hidden axis)", height=height_per_row * n + 80)
    fig.update_annotations(font_size=12)  # the subplot titles
    return fig


def mean_profiles(images: np.ndarray) -> dict[str, np.ndarray]:
    """Mean shower shapes of a sample, each normalised to unit sum per shower before averaging.

    Returns
    -------
    dict
        ``depth`` (nz,) longitudinal profile; ``x`` (nx,), ``y`` (ny,) lateral profiles;
        ``radius`` (radial bins) energy per R_M of radius; ``radius_edges``; ``total`` (n,) in GeV.
    """
    images = np.asarray(images, dtype=np.float64)
    total = images.sum(axis=(1, 2, 3))
    shapes = images / np.where(total > 0, total, 1.0)[:, None, None, None]
    n, nx, ny, nz = images.shape
    transverse = shapes.sum(axis=3).mean(axis=0)
    r = np.hypot(*np.meshgrid(_transverse_axis(nx), _transverse_axis(ny), indexing="ij"))
    edges = np.arange(0.0, r.max() + CELL_SIZE_RM, CELL_SIZE_RM)
    radial = np.histogram(r, bins=edges, weights=transverse)[0] / np.diff(edges)
    return {"depth": shapes.sum(axis=(1, 2)).mean(axis=0), "x": shapes.sum(axis=(2, 3)).mean(axis=0),
            "y": shapes.sum(axis=(1, 3)).mean(axis=0), "radius": radial, "radius_edges": edges, "total": total}


def profile_comparison(samples: Mapping[str, np.ndarray], energies: Mapping[str, np.ndarray] | None = None,
                       height: int = 640) -> go.Figure:
    """Mean longitudinal, lateral and radial profiles per source, and the total-energy distributions.

    Parameters
    ----------
    samples : mapping of name to ndarray (n, nx, ny, nz)
        e.g. ``{"simulator": sim.images, "GAN": gan_images}`` (GeV per cell).
    energies : mapping of name to ndarray (n,), optional
        Primary energies; when given, the last panel shows the response ``Σ E_cells / E_p`` instead of
        the total deposited energy.
    """
    fig = make_subplots(rows=2, cols=2, horizontal_spacing=0.1, vertical_spacing=0.16, subplot_titles=(
        "Longitudinal profile", "Lateral profile (x)", "Radial profile",
        "Response Σcells / E_p" if energies else "Total deposited energy"))
    for k, (name, images) in enumerate(samples.items()):
        p = mean_profiles(images)
        color = _color(name, k)
        style = dict(name=name, legendgroup=name, line=dict(color=color, shape="hvh"), mode="lines")
        fig.add_trace(go.Scatter(x=_depth_axis(len(p["depth"])), y=p["depth"], **style,
                                 hovertemplate="depth %{x:.1f} X0: %{y:.3g}<extra>" + name + "</extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=_transverse_axis(len(p["x"])), y=p["x"], showlegend=False, **style,
                                 hovertemplate="x %{x:.2f} R_M: %{y:.3g}<extra>" + name + "</extra>"), row=1, col=2)
        centres = 0.5 * (p["radius_edges"][1:] + p["radius_edges"][:-1])
        fig.add_trace(go.Scatter(x=centres, y=p["radius"], showlegend=False, **style,
                                 hovertemplate="r %{x:.2f} R_M: %{y:.3g} per R_M<extra>" + name + "</extra>"), row=2, col=1)
        values = p["total"] / np.asarray(energies[name]) if energies else p["total"]
        fig.add_trace(go.Histogram(x=values, name=name, legendgroup=name, showlegend=False, marker_color=color,
                                   opacity=0.55, histnorm="probability density", nbinsx=40), row=2, col=2)
    fig.update_xaxes(title_text="depth (X0)", row=1, col=1)
    fig.update_yaxes(title_text="fraction of energy per layer", row=1, col=1)
    fig.update_xaxes(title_text="x (R_M)", row=1, col=2)
    fig.update_yaxes(title_text="fraction per cell column", type="log", row=1, col=2)
    fig.update_xaxes(title_text="radius (R_M)", row=2, col=1)
    fig.update_yaxes(title_text="fraction per R_M", type="log", row=2, col=1)
    fig.update_xaxes(title_text="Σcells / E_p" if energies else "deposited energy (GeV)", row=2, col=2)
    fig.update_yaxes(title_text="density", row=2, col=2)
    fig.update_layout(barmode="overlay")
    return styled(fig, "Mean shower shapes per source (each shower normalised to unit energy)", height=height)


def energy_response(energies: Mapping[str, np.ndarray], totals: Mapping[str, np.ndarray], n_bins: int = 10) -> go.Figure:
    """Mean deposited energy and its spread versus primary energy, per source (the calorimeter response)."""
    fig = go.Figure()
    for k, name in enumerate(energies):
        e, t = np.asarray(energies[name], dtype=np.float64), np.asarray(totals[name], dtype=np.float64)
        edges = np.linspace(e.min(), e.max() + 1e-9, n_bins + 1) if e.max() > e.min() else np.array([e.min() - 1, e.min() + 1])
        which = np.digitize(e, edges) - 1
        used = [b for b in range(len(edges) - 1) if np.any(which == b)]
        mean_e = np.array([e[which == b].mean() for b in used])
        mean_t = np.array([t[which == b].mean() for b in used])
        std_t = np.array([t[which == b].std() for b in used])
        fig.add_trace(go.Scatter(x=mean_e, y=mean_t, error_y=dict(type="data", array=std_t), name=name,
                                 mode="markers+lines", line=dict(color=_color(name, k)),
                                 hovertemplate="E_p %{x:.0f} GeV: %{y:.3g} GeV<extra>" + name + "</extra>"))
    fig.update_xaxes(title_text="primary energy E_p (GeV)")
    fig.update_yaxes(title_text="deposited energy (GeV), mean ± std")
    return styled(fig, "Calorimeter response")
