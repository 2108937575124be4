"""Plotly figures of the clustering page: scatter by cluster, DBSCAN point types, elbow, silhouette,
comparison grid, embeddings side by side, explained variance, Mapper graph, persistence diagram, barcode
and Betti curves.

Scatter plots of more than :data:`SVG_MAX_POINTS` points use WebGL (``Scattergl``) so up to 100 000
points stay smooth; smaller ones are SVG (crisper, and cheap for a browser without a GPU). Hover text (point index,
cluster, true label) is attached to at most :data:`HOVER_MAX_POINTS` points (a random subset, the same
for every figure of a data set); the others are drawn in the same colours without hover, which keeps the
page's payload small. The comparison grid draws at most :data:`GRID_MAX_POINTS` points per panel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from ganplify_core.clustering import topology
from ganplify_core.clustering.algorithms import ALGORITHMS
from ganplify_core.clustering.embedding import METHOD_TITLES
from ganplify_core.plotstyle import COLORS, SEQUENCE, rgba, styled

SVG_MAX_POINTS = 5_000
HOVER_MAX_POINTS = 20_000
GRID_MAX_POINTS = 4_000
NOISE_COLOR = "#9E9E9E"
PALETTE_MIN_DISTANCE = 25.0  # CIE ΔE*ab between any two cluster colours (about 2.3 is "just noticeable")


def lab(hex_color: str) -> np.ndarray:
    """CIE L*a*b* (D65) of an sRGB colour ``"#RRGGBB"``: distances in it follow perceived differences."""
    h = hex_color.lstrip("#")
    rgb = np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0
    rgb = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    xyz /= np.array([0.95047, 1.0, 1.08883])  # the D65 white
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def distinct_palette(min_distance: float = PALETTE_MIN_DISTANCE) -> list[str]:
    """Okabe–Ito's seven colour-blind-safe colours, then colours of Plotly's Alphabet, Dark24 and Light24 sets,
    each time the one farthest (ΔE) from every colour chosen so far, the noise grey and white, while that
    distance is at least ``min_distance``; greys and near-white colours are left out (they would read as
    noise or vanish). The eighth cluster thus gets the colour most unlike the first seven, and so on."""
    chosen = list(SEQUENCE[:-1])
    avoid = [lab(c) for c in chosen + [NOISE_COLOR, "#FFFFFF"]]
    pool = {}
    for candidate in qualitative.Alphabet + qualitative.Dark24 + qualitative.Light24:
        c = lab(candidate)
        if np.hypot(c[1], c[2]) >= 15 and c[0] <= 88:
            pool[candidate] = c
    while pool:
        gaps = {name: min(np.linalg.norm(c - other) for other in avoid) for name, c in pool.items()}
        best = max(gaps, key=gaps.get)
        if gaps[best] < min_distance:
            break
        chosen.append(best)
        avoid.append(pool.pop(best))
    return chosen


PALETTE = distinct_palette()


def compact(value: float | None, digits: int = 3) -> str:
    """A score short enough for a metric tile: 3 significant digits, thousands as k and millions as M
    ("0.712", "38.9", "3.90 k", "1.25 M"); "—" when undefined."""
    if value is None or value != value:
        return "—"
    if abs(value) >= 1e12:
        return f"{value:.2e}"
    for scale, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g}{suffix}".replace("e+", "e")
    return f"{value:.{digits}g}" if abs(value) >= 1 else f"{value:.{digits}f}"


def colour(label: int) -> str:
    """Colour of cluster/class number ``label`` (noise, −1, is grey)."""
    return NOISE_COLOR if label < 0 else PALETTE[label % len(PALETTE)]


def scatter_type(n_points: int):
    """``go.Scatter`` (SVG) for small plots, ``go.Scattergl`` (WebGL) above :data:`SVG_MAX_POINTS`."""
    return go.Scattergl if n_points > SVG_MAX_POINTS else go.Scatter


def hover_subset(n: int, seed: int = 0, limit: int = HOVER_MAX_POINTS) -> np.ndarray:
    """Boolean mask of the points that carry hover text (all of them up to ``limit``)."""
    mask = np.ones(n, dtype=bool)
    if n > limit:
        mask[:] = False
        mask[np.random.default_rng(seed).choice(n, limit, replace=False)] = True
    return mask


def _group_name(label: int, names: tuple) -> str:
    if label < 0:
        return "noise"
    return names[label] if label < len(names) else f"cluster {label}"


def _label_text(values: np.ndarray | None, names: tuple, index: np.ndarray) -> list:
    if values is None:
        return ["—"] * len(index)
    return [names[v] if 0 <= v < len(names) else str(v) for v in values[index]]


def _hover_data(index: np.ndarray, true_labels, true_names: tuple) -> tuple[np.ndarray, str, str]:
    """A point's hover data: ``customdata`` and how the template writes the point's number and its true label.

    Numbers go as a typed int32 array, a fraction of the bytes of the same numbers as text: the point's index
    alone when there are no true labels (the label reads "—"), index and label when the labels have no names
    (shown as the number, as text would show it); named labels go as text.
    """
    if true_labels is None:
        return index.astype(np.int32), "%{customdata}", "—"
    if not true_names:
        return np.column_stack([index, true_labels[index]]).astype(np.int32), "%{customdata[0]}", "%{customdata[1]}"
    return np.column_stack([index, _label_text(true_labels, true_names, index)]), "%{customdata[0]}", "%{customdata[1]}"


def cluster_traces(coords: np.ndarray, labels: np.ndarray, names: tuple = (), true_labels=None, true_names: tuple = (),
                   marker_size: float = 5, hover_mask=None, show_legend: bool = True,
                   points_in_figure: int | None = None) -> list:
    """One scatter trace per cluster (plus a hover-less twin for points beyond the hover cap); WebGL when
    the whole figure (``points_in_figure``, default these points) holds more than :data:`SVG_MAX_POINTS`."""
    coords = np.asarray(coords, dtype=np.float32)  # positions on a screen: float32 sends half the bytes
    hover_mask = hover_subset(len(coords)) if hover_mask is None else hover_mask
    traces, scatter = [], scatter_type(points_in_figure or len(coords))
    for label in np.unique(labels):
        in_group = labels == label
        name = _group_name(int(label), names)
        for with_hover in (True, False):
            index = np.flatnonzero(in_group & (hover_mask if with_hover else ~hover_mask))
            if not len(index):
                continue
            marker = dict(size=marker_size, color=colour(int(label)), opacity=0.8,
                          symbol="x" if label < 0 else "circle")
            trace = scatter(x=coords[index, 0], y=coords[index, 1], mode="markers", name=name, marker=marker,
                                 legendgroup=name, showlegend=show_legend and with_hover)
            if with_hover:
                trace.customdata, point, label_text = _hover_data(index, true_labels, true_names)
                trace.hovertemplate = f"point {point}<br>{name}<br>true label: {label_text}<extra></extra>"
            else:
                trace.hoverinfo = "skip"
            traces.append(trace)
    return traces


def cluster_scatter(coords: np.ndarray, labels: np.ndarray, title: str, axis_names=("x1", "x2"), names: tuple = (),
                    true_labels=None, true_names: tuple = (), height: int = 480) -> go.Figure:
    """Points coloured by cluster (or class), noise as grey crosses."""
    fig = go.Figure(cluster_traces(coords, labels, names, true_labels, true_names))
    fig.update_xaxes(title=axis_names[0])
    fig.update_yaxes(title=axis_names[1])
    return styled(fig, title, height)


def dbscan_scatter(coords: np.ndarray, labels: np.ndarray, core_mask: np.ndarray, title: str, axis_names=("x1", "x2"),
                   true_labels=None, true_names: tuple = (), height: int = 480) -> go.Figure:
    """DBSCAN's three kinds of point: core (large, filled), border (small, open ring), noise (grey cross)."""
    coords = np.asarray(coords, dtype=np.float32)  # positions on a screen: float32 sends half the bytes
    hover, scatter = hover_subset(len(coords)), scatter_type(len(coords))
    fig = go.Figure()
    kinds = (("core", core_mask & (labels >= 0), 7, "circle"),
             ("border", ~core_mask & (labels >= 0), 7, "circle-open"),
             ("noise", labels < 0, 6, "x"))
    for kind, mask, size, symbol in kinds:
        for label in np.unique(labels[mask]):
            index = np.flatnonzero(mask & (labels == label) & hover)
            rest = np.flatnonzero(mask & (labels == label) & ~hover)
            name = "noise" if label < 0 else f"cluster {label} ({kind})"
            marker = dict(size=size, color=colour(int(label)), symbol=symbol, line=dict(width=1.5, color=colour(int(label))))
            customdata, point, label_text = _hover_data(index, true_labels, true_names)
            fig.add_trace(scatter(
                x=coords[index, 0], y=coords[index, 1], mode="markers", name=name, marker=marker, legendgroup=name,
                customdata=customdata, hovertemplate=f"point {point}<br>{name}<br>true label: {label_text}<extra></extra>"))
            if len(rest):
                fig.add_trace(scatter(x=coords[rest, 0], y=coords[rest, 1], mode="markers", marker=marker,
                                           legendgroup=name, showlegend=False, hoverinfo="skip"))
    fig.update_xaxes(title=axis_names[0])
    fig.update_yaxes(title=axis_names[1])
    fig = styled(fig, title, height)
    fig.update_layout(legend=dict(orientation="v", y=1, yanchor="top", x=1.02, xanchor="left"))
    return fig


def elbow_figure(k_values: np.ndarray, inertias: np.ndarray, elbow_k: int, height: int = 380) -> go.Figure:
    """Inertia against k, the chord from first to last point, and the elbow found."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=k_values, y=inertias, mode="lines+markers", name="inertia",
                             line=dict(color=COLORS["fit"]), hovertemplate="k = %{x}<br>inertia = %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[k_values[0], k_values[-1]], y=[inertias[0], inertias[-1]], mode="lines", name="chord",
                             line=dict(color=COLORS["reference"], dash="dot"), hoverinfo="skip"))
    at = int(np.flatnonzero(k_values == elbow_k)[0])
    fig.add_trace(go.Scatter(x=[elbow_k], y=[inertias[at]], mode="markers", name=f"elbow: k = {elbow_k}",
                             marker=dict(size=14, color=COLORS["gan"], symbol="star")))
    fig.update_xaxes(title="number of clusters k", dtick=1)
    fig.update_yaxes(title="inertia (within-cluster sum of squares)")
    return styled(fig, "Elbow curve (k-means)", height)


def silhouette_figure(values: np.ndarray, labels: np.ndarray, mean: float, height: int = 420) -> go.Figure:
    """Silhouette of every scored point, sorted within each cluster, clusters stacked (Rousseeuw's plot)."""
    fig = go.Figure()
    offset = 0
    for label in np.unique(labels):
        v = np.sort(values[labels == label])
        y = offset + np.arange(len(v))
        fig.add_trace(go.Scatter(x=v, y=y, mode="lines", fill="tozerox", name=f"cluster {label}",
                                 line=dict(color=colour(int(label)), width=0.5),
                                 hovertemplate=f"cluster {label}<br>silhouette %{{x:.3f}}<extra></extra>"))
        offset += len(v) + max(5, len(values) // 100)
    fig.add_vline(x=mean, line=dict(color=COLORS["truth"], dash="dash"), annotation_text=f"mean {mean:.3f}",
                  annotation_position="top left")  # the mean is often near 1: on the right the label was cut off
    fig.update_xaxes(title="silhouette s = (b − a) / max(a, b)", range=[min(-0.2, float(values.min(initial=0))), 1])
    fig.update_yaxes(title="points (sorted within cluster)", showticklabels=False)
    return styled(fig, "Silhouette per cluster", height)


def comparison_grid(coords: np.ndarray, entries: list, true_labels=None, columns: int = 4, seed: int = 0) -> go.Figure:
    """One small scatter per algorithm, titled with its name, fit time and ARI (or why it was refused)."""
    shown = np.arange(len(coords))
    if len(shown) > GRID_MAX_POINTS:
        shown = np.sort(np.random.default_rng(seed).choice(shown, GRID_MAX_POINTS, replace=False))
    rows = -(-len(entries) // columns)
    titles = []
    for entry in entries:
        title = ALGORITHMS[entry.algorithm].title
        if entry.outcome is None:
            titles.append(f"{title}<br>refused (too many points)")
            continue
        result, scores = entry.outcome.result, entry.outcome.scores
        score = f", ARI {scores.ari:.2f}" if scores.ari is not None else f", sil. {scores.silhouette:.2f}"
        given = f" (k = {result.params['n_clusters']})" if "n_clusters" in result.params else ""
        titles.append(f"{title}{given}<br>{result.fit_seconds:.2f} s{score}")
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=titles, horizontal_spacing=0.03, vertical_spacing=0.12)
    hover = hover_subset(len(shown))
    for i, entry in enumerate(entries):
        if entry.outcome is None:
            continue
        for trace in cluster_traces(coords[shown], entry.outcome.result.labels[shown], marker_size=3,
                                    true_labels=None if true_labels is None else true_labels[shown], hover_mask=hover,
                                    show_legend=False, points_in_figure=len(shown) * len(entries)):
            fig.add_trace(trace, row=i // columns + 1, col=i % columns + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_annotations(font_size=12)
    return styled(fig, None, max(260, 800 // columns) * rows + 40)  # taller rows when fewer, wider panels


def comparison_figure(comparison, coords: np.ndarray, true_labels=None, seed: int = 0, columns: int = 4) -> go.Figure:
    """:func:`comparison_grid` of a comparison result (one argument per result, so a page can remember it)."""
    return comparison_grid(coords, list(comparison.entries), true_labels, columns, seed)


def _mode_note(e) -> str:
    mode = e.params.get("map_mode", "reproducible") if e.method != "pca" else "reproducible"
    if mode == "parallel":
        return " (parallel)"
    if mode == "subsample" and e.params["map_fit_points"] < len(e.coords):
        return f" (fitted on {e.params['map_fit_points']:,})"
    return ""


def embeddings_figure(embeddings: list, colour_labels: np.ndarray, colour_names: tuple = (), true_labels=None,
                      true_names: tuple = (), height: int = 440) -> go.Figure:
    """The 2-D maps side by side, same colouring, titled with compute time and trustworthiness."""
    titles = [f"{METHOD_TITLES[e.method]}{_mode_note(e)}: {e.seconds:.1f} s, trustworthiness {e.trustworthiness:.3f}"
              for e in embeddings]
    fig = make_subplots(rows=1, cols=len(embeddings), subplot_titles=titles, horizontal_spacing=0.04)
    hover = hover_subset(len(colour_labels))
    for i, e in enumerate(embeddings):
        for trace in cluster_traces(e.coords, colour_labels, colour_names, true_labels, true_names, marker_size=4,
                                    hover_mask=hover, show_legend=i == 0,
                                    points_in_figure=len(colour_labels) * len(embeddings)):
            fig.add_trace(trace, row=1, col=i + 1)
    fig.update_xaxes(title="map axis 1")
    fig.update_yaxes(title="map axis 2", col=1)
    fig.update_annotations(font_size=12)
    fig = styled(fig, None, height)
    # the legend to the right of the panels: above them it ran into the panel titles
    fig.update_layout(legend=dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top"),
                      margin=dict(t=50, r=140))
    return fig


def explained_variance_figure(ratios: np.ndarray, height: int = 340) -> go.Figure:
    """PCA: variance explained by each component (bars) and cumulatively (line)."""
    components = np.arange(1, len(ratios) + 1)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=components, y=ratios, name="per component", marker_color=COLORS["fit"],
                         hovertemplate="PC%{x}: %{y:.1%}<extra></extra>"))
    fig.add_trace(go.Scatter(x=components, y=np.cumsum(ratios), mode="lines+markers", name="cumulative",
                             line=dict(color=COLORS["gan"]), hovertemplate="PC1–%{x}: %{y:.1%}<extra></extra>"))
    fig.update_xaxes(title="principal component", dtick=1)
    fig.update_yaxes(title="fraction of variance explained", tickformat=".0%", range=[0, 1.02])
    return styled(fig, "PCA explained variance", height)


def mapper_figure(members: list, edges: np.ndarray, node_values: np.ndarray, colour_title: str, seed: int = 0,
                  height: int = 520) -> go.Figure:
    """The Mapper graph: node size ∝ √(points), colour = mean of the chosen variable over the node's points."""
    import networkx as nx  # only this figure needs it

    graph = nx.Graph()
    graph.add_nodes_from(range(len(members)))
    graph.add_edges_from(map(tuple, edges.tolist()))
    layout = nx.spring_layout(graph, seed=seed) if len(members) else {}
    xy = np.array([layout[i] for i in range(len(members))]).reshape(-1, 2)
    edge_x = np.full(3 * len(edges), np.nan)
    edge_y = np.full(3 * len(edges), np.nan)
    if len(edges):
        edge_x[0::3], edge_x[1::3] = xy[edges[:, 0], 0], xy[edges[:, 1], 0]
        edge_y[0::3], edge_y[1::3] = xy[edges[:, 0], 1], xy[edges[:, 1], 1]
    sizes = np.array([len(m) for m in members])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=edge_x, y=edge_y, mode="lines", line=dict(color="#BBBBBB", width=1), hoverinfo="skip",
                             showlegend=False))
    fig.add_trace(go.Scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers", showlegend=False,
        marker=dict(size=8 + 22 * np.sqrt(sizes / max(sizes.max(initial=1), 1)), color=node_values, colorscale="Viridis",
                    showscale=True, colorbar=dict(title=colour_title), line=dict(width=1, color="#333333")),
        customdata=np.column_stack([np.arange(len(members)), sizes, node_values]),
        hovertemplate=f"node %{{customdata[0]}}<br>%{{customdata[1]}} points<br>{colour_title}: %{{customdata[2]:.3g}}<extra></extra>"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return styled(fig, f"Mapper graph: {len(members)} nodes, {len(edges)} edges", height)


# -- persistent homology ----------------------------------------------------------------------------------------

HOMOLOGY_COLOURS = (SEQUENCE[0], SEQUENCE[1], SEQUENCE[2])
BARCODE_MAX_BARS = 40  # per homology dimension: the longest ones (H0 alone has one bar per point)


def _scale_band(fig: go.Figure, scale: tuple, betti: tuple, **where) -> None:
    lo, hi = scale
    if hi > lo:
        fig.add_vrect(x0=lo, x1=hi, fillcolor=rgba(COLORS["accent"], 0.15), line_width=0, layer="below", **where)


def persistence_diagram_figure(diagrams, scale: tuple, betti: tuple, height: int = 460) -> go.Figure:
    """Birth against death of every feature, one colour per dimension; features that never die on a line
    at the top ("∞"); the most persistent scale as a band (features born before it and dying after it)."""
    finite = np.concatenate([d[np.isfinite(d[:, 1])].ravel() for d in diagrams] + [np.array(scale)])
    top = float(finite.max(initial=1.0)) * 1.08 or 1.0
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", line=dict(color=COLORS["reference"], dash="dot"),
                             name="birth = death", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[0, top], y=[top, top], mode="lines", line=dict(color=COLORS["reference"], width=1),
                             name="never dies (∞)", hoverinfo="skip"))
    for k, d in enumerate(diagrams):
        deaths = np.where(np.isfinite(d[:, 1]), d[:, 1], top)
        fig.add_trace(go.Scatter(
            x=d[:, 0], y=deaths, mode="markers", name=topology.HOMOLOGY_NAMES[k],
            marker=dict(size=7, color=HOMOLOGY_COLOURS[k], opacity=0.75, symbol=("circle", "diamond", "square")[k]),
            customdata=np.column_stack([d[:, 1] - d[:, 0]]),
            hovertemplate=f"H{k}<br>born %{{x:.3g}}, dies %{{y:.3g}}<br>lives %{{customdata[0]:.3g}}<extra></extra>"))
    lo, hi = scale
    if hi > lo:  # the features alive over the whole range: born before lo, dying after hi
        fig.add_shape(type="rect", x0=0, x1=lo, y0=hi, y1=top, fillcolor=rgba(COLORS["accent"], 0.12), line_width=0,
                      layer="below")
    fig.update_xaxes(title="birth (scale ε)", range=[-0.02 * top, top * 1.02])
    fig.update_yaxes(title="death (scale ε)", range=[-0.02 * top, top * 1.04])
    return styled(fig, "Persistence diagram", height)


def barcode_figure(diagrams, scale: tuple, betti: tuple, max_bars: int = BARCODE_MAX_BARS, height: int = 460) -> go.Figure:
    """One horizontal bar [birth, death) per feature (the longest ``max_bars`` per dimension), grouped by
    dimension; the most persistent scale shaded: the bars crossing it are the Betti numbers."""
    finite = np.concatenate([d[np.isfinite(d[:, 1]), 1] for d in diagrams] + [np.array(scale)])
    top = float(finite.max(initial=1.0)) * 1.1 or 1.0
    fig = go.Figure()
    row = 0
    ticks, tick_text = [], []
    for k, d in enumerate(diagrams):
        bars = topology.longest_bars(d, max_bars)
        if not len(bars):
            continue
        x = np.full(3 * len(bars), np.nan)
        y = np.full(3 * len(bars), np.nan)
        x[0::3], x[1::3] = bars[:, 0], np.where(np.isfinite(bars[:, 1]), bars[:, 1], top)
        rows = row + np.arange(len(bars))
        y[0::3], y[1::3] = rows, rows
        shown = f"{len(bars)} of {len(d)}" if len(bars) < len(d) else f"{len(d)}"
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=HOMOLOGY_COLOURS[k], width=3),
                                 name=f"{topology.HOMOLOGY_NAMES[k]}: {shown} bars", hoverinfo="skip"))
        ticks.append(row + (len(bars) - 1) / 2)
        tick_text.append(f"H{k}")
        row += len(bars) + 3
    _scale_band(fig, scale, betti)
    fig.update_xaxes(title="scale ε (bars reaching the right edge never die)", range=[0, top])
    fig.update_yaxes(tickvals=ticks, ticktext=tick_text, autorange="reversed", showgrid=False, zeroline=False)
    return styled(fig, "Barcode", height)


def betti_curve_figure(diagrams, scale: tuple, betti: tuple, height: int = 360) -> go.Figure:
    """Betti numbers as the scale ε grows (log axis), the most persistent range shaded; the count axis is cut
    a little above the Betti numbers found (at small ε, b0 counts every point)."""
    events = np.unique(np.concatenate([d.ravel() for d in diagrams]))
    events = events[np.isfinite(events) & (events > 0)]
    fig = go.Figure()
    if len(events):
        start = min(float(np.percentile(events, 5)), scale[0] if scale[0] > 0 else np.inf)
        grid = np.geomspace(start * 0.8, events.max() * 1.25, 400)
        for k, d in enumerate(diagrams):
            curve = ((d[:, 0][None, :] <= grid[:, None]) & (grid[:, None] < d[:, 1][None, :])).sum(axis=1)
            fig.add_trace(go.Scatter(x=grid, y=curve, mode="lines", line=dict(color=HOMOLOGY_COLOURS[k], shape="hv", width=(4, 2.5, 2)[k],
                                                                          dash=("solid", "solid", "dash")[k]),
                                     name=f"b{k}", hovertemplate=f"ε = %{{x:.3g}}: b{k} = %{{y}}<extra></extra>"))
    _scale_band(fig, scale, betti)
    fig.update_xaxes(title="scale ε (log)", type="log")
    fig.update_yaxes(title="Betti number", range=[-0.3, max(5, 2 * max(betti, default=1) + 1)], dtick=1)
    return styled(fig, "Betti numbers against scale", height)


def node_means(members: list, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each node's points (the node colour)."""
    return np.array([float(np.mean(values[m])) for m in members])


# -- tables and choices the page shows (built here, not in the page) ----------------------------------------

def labels_frame(view: np.ndarray, result, true_labels=None, label_names: tuple = ()) -> pd.DataFrame:
    """Every point's view coordinates, cluster and core flag (and true label): the page's CSV download."""
    frame = pd.DataFrame({"index": np.arange(len(view)), "view_x": view[:, 0], "view_y": view[:, 1],
                          "cluster": result.labels, "core_point": result.core_mask})
    if true_labels is not None:
        frame["true_label"] = [label_names[i] for i in true_labels]
    return frame


def comparison_frame(rows: list[dict]) -> pd.DataFrame:
    """The comparison's rows (:func:`ganplify_core.clustering.experiment.comparison_rows`) as a table."""
    return pd.DataFrame(rows)


def diagram_frame(diagrams) -> pd.DataFrame:
    """Every feature of the persistence diagrams: homology dimension, birth, death (empty for one that never dies)."""
    rows = [(k, float(b), float(d) if np.isfinite(d) else None) for k, dgm in enumerate(diagrams) for b, d in dgm]
    return pd.DataFrame(rows, columns=["dimension", "birth", "death"])


def map_colours(dataset, result, colour_by: str) -> tuple[np.ndarray, tuple, str]:
    """What the maps' points are coloured by: (one label per point, label names, a note when it is not the choice).

    ``colour_by`` is ``"cluster"`` or ``"true label"``; before the data is clustered (``result`` None) the true
    classes stand in, or one colour when there are none."""
    if colour_by == "true label" and dataset.true_labels is not None:
        return dataset.true_labels, dataset.label_names, ""
    if result is not None:
        return result.labels, (), ""
    if dataset.true_labels is not None:
        return dataset.true_labels, dataset.label_names, "Not clustered yet: the maps are coloured by true class."
    return (np.zeros(dataset.n_samples, dtype=np.int64), ("all points",),
            "Not clustered yet (and no true classes): the maps are drawn in one colour.")


def mapper_colour_options(graph, dataset, cluster_labels: np.ndarray | None, max_features: int = 20) -> dict:
    """What the Mapper nodes can be coloured by (the mean over each node's points): name -> one value per point."""
    options = {"lens (first axis)": graph.lens_values[:, 0]}
    if cluster_labels is not None:
        options["cluster label (section 2)"] = cluster_labels.astype(float)
    if dataset.true_labels is not None:
        options["true class (mean code)"] = dataset.true_labels.astype(float)
    options.update({f"feature: {name}": dataset.points[:, i] for i, name in enumerate(dataset.feature_names[:max_features])})
    return options


def data_preview(view: np.ndarray, axis_names, true_labels=None, label_names: tuple = ()) -> go.Figure:
    """The data before clustering: coloured by its true class when it has one."""
    labels = true_labels if true_labels is not None else np.zeros(len(view), dtype=np.int64)
    title = "The data, coloured by true class (not clustered yet)" if true_labels is not None else "The data (not clustered yet)"
    return cluster_scatter(view, labels, title, axis_names, label_names, true_labels, label_names)
