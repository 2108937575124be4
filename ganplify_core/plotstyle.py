"""One look for every figure: template, colours, and the small helpers all plot modules share."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# The trace types this package draws. The shared template is plotly_white kept for them and for the axes they
# use, without the other trace types' entries and the geo, polar and ternary axes: every figure carries its
# template, and building copies of the whole of plotly_white's took about a quarter of the clustering page's
# script in lecture mode (py-spy).
TRACE_TYPES = ("scatter", "scattergl", "scatter3d", "heatmap", "histogram", "bar", "waterfall")


def _lean_white() -> go.layout.Template:
    white = pio.templates["plotly_white"].to_plotly_json()
    layout = {k: v for k, v in white["layout"].items() if k not in ("geo", "polar", "ternary")}
    return go.layout.Template(layout=layout, data={k: v for k, v in white["data"].items() if k in TRACE_TYPES})


TEMPLATE = "ganplify_white"
pio.templates[TEMPLATE] = _lean_white()

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
    # The title sits at the top of the figure and the legend just above the plot, with room between them
    # for a two-row legend (otherwise a long legend runs into the title).
    fig.update_layout(
        template=TEMPLATE,
        title=dict(text=title, x=0.01, xanchor="left", y=0.99, yanchor="top") if title else None,
        height=height,
        margin=dict(l=60, r=20, t=100 if title else 60, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="right", x=1),
        colorway=SEQUENCE,
    )
    return fig


def rgba(hex_color: str, alpha: float) -> str:
    """``"#RRGGBB"`` with opacity ``alpha``, as a Plotly ``rgba(...)`` colour (for bands and fills)."""
    h = hex_color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def legend_below(fig: go.Figure) -> go.Figure:
    """Move the legend under the plot, left-aligned (for legends too long to sit above it); return the figure."""
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0))
    return fig
