"""One look for every figure: template, colours, and the small helpers all plot modules share."""

from __future__ import annotations

import plotly.graph_objects as go

TEMPLATE = "plotly_white"

# Colour-blind-safe palette (Okabe–Ito), named by role so every page colours a role the same way.
COLORS = {
    "truth": "#000000",
    "data": "#E69F00",
    "fit": "#56B4E9",
    "kde": "#009E73",
    "gan": "#D55E00",
    "reference": "#7F7F7F",
    "qcd": "#0072B2",
    "w": "#009E73",
    "top": "#D55E00",
    "accent": "#CC79A7",
}
SEQUENCE = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]


def styled(fig: go.Figure, title: str | None = None, height: int = 420) -> go.Figure:
    """Apply the shared template, margins and legend placement; return the figure."""
    fig.update_layout(
        template=TEMPLATE,
        title=title,
        height=height,
        margin=dict(l=60, r=20, t=50 if title else 20, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        colorway=SEQUENCE,
    )
    return fig
