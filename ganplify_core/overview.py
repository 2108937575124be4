"""The home page's figure: 100 points from the camel back, the question the whole app starts from."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganplify_core.amplify.distributions import get_distribution
from ganplify_core.plotstyle import COLORS, styled


def camelback_teaser(n_points: int = 100, seed: int = 0) -> go.Figure:
    """Density ½N(−4, 1) + ½N(4, 1) with ``n_points`` samples drawn from it as a rug and histogram."""
    camelback = get_distribution("camelback", 1, 10)
    sample = camelback.sample(n_points, np.random.default_rng(seed))[:, 0]
    x = np.linspace(-9, 9, 400)
    density = camelback.density(x)
    fig = go.Figure()
    fig.add_histogram(x=sample, histnorm="probability density", nbinsx=30, name=f"{n_points} training points",
                      marker_color=COLORS["data"], opacity=0.6)
    fig.add_scatter(x=x, y=density, mode="lines", name="true density", line=dict(color=COLORS["truth"], width=2))
    fig.add_scatter(x=sample, y=np.full(n_points, -0.01), mode="markers", marker=dict(symbol="line-ns-open", size=10,
                    color=COLORS["data"]), showlegend=False, hoverinfo="x")
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="p(x)")
    return styled(fig, height=300)
