"""The home page's figure: 100 points from the camel back, the question the whole app starts from."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganplify_core.plotstyle import COLORS, styled


def camelback_teaser(n_points: int = 100, seed: int = 0) -> go.Figure:
    """Density ½N(−4, 1) + ½N(4, 1) with ``n_points`` samples drawn from it as a rug and histogram."""
    rng = np.random.default_rng(seed)
    centres = np.where(rng.random(n_points) < 0.5, -4.0, 4.0)
    sample = centres + rng.standard_normal(n_points)
    x = np.linspace(-9, 9, 400)
    density = 0.5 * (np.exp(-0.5 * (x + 4) ** 2) + np.exp(-0.5 * (x - 4) ** 2)) / np.sqrt(2 * np.pi)
    fig = go.Figure()
    fig.add_histogram(x=sample, histnorm="probability density", nbinsx=30, name=f"{n_points} training points",
                      marker_color=COLORS["data"], opacity=0.6)
    fig.add_scatter(x=x, y=density, mode="lines", name="true density", line=dict(color=COLORS["truth"], width=2))
    fig.add_scatter(x=sample, y=np.full(n_points, -0.01), mode="markers", marker=dict(symbol="line-ns-open", size=10,
                    color=COLORS["data"]), showlegend=False, hoverinfo="x")
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="p(x)")
    return styled(fig, height=300)
