"""Plotly figures of jets: example images, example point clouds, observable distributions per class.

Images are shown with η across and φ up, so the principal axis of every jet (rotated onto φ by the
preprocessing) is vertical and its hardest half is up and to the right.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganplify_core.jets.images import IMAGE_RANGE, N_PIXELS
from ganplify_core.jets.observables import LABELS
from ganplify_core.plotstyle import COLORS, SEQUENCE, styled

CLASS_NAMES = {"qcd": "QCD", "w": "W", "top": "top"}


def class_name(process: str) -> str:
    """"QCD", "W", "top" for the built-in classes; a file's class as it is named ("gluon", "ttv=1")."""
    return CLASS_NAMES.get(process, process)


def class_color(process: str, index: int = 0) -> str:
    """The class's colour (the built-in classes keep theirs on every page), else the palette in order."""
    return COLORS.get(process) or SEQUENCE[index % len(SEQUENCE)]
_PIXEL_CENTRES = -IMAGE_RANGE + (np.arange(N_PIXELS) + 0.5) * (2 * IMAGE_RANGE / N_PIXELS)


def _log_intensity(image: np.ndarray, floor: float = 1e-4) -> np.ndarray:
    """log₁₀ of a unit-sum image, with empty pixels left blank (NaN)."""
    return np.where(image > 0, np.log10(np.maximum(image, floor)), np.nan)


def example_images(overview, start: int = 0, n_examples: int = 3) -> go.Figure:
    """Grid: one row per class, jets ``start + 1 … start + n_examples`` and the class average (log₁₀ pT fraction).

    ``overview`` is a :class:`~ganplify_core.jets.experiment.JetOverview`.
    """
    classes = list(overview.classes)
    titles = [f"{class_name(c)} jet {start + i + 1}" if i < n_examples else f"{class_name(c)}: average of {overview.size(c):,}"
              for c in classes for i in range(n_examples + 1)]
    fig = make_subplots(rows=len(classes), cols=n_examples + 1, subplot_titles=titles,
                        horizontal_spacing=0.03, vertical_spacing=0.08)
    for row, name in enumerate(classes, start=1):
        images = overview.example_images[name][start:start + n_examples]
        panels = list(images) + [overview.average_images[name]]
        for col, image in enumerate(panels, start=1):
            fig.add_heatmap(z=_log_intensity(image).T, x=_PIXEL_CENTRES, y=_PIXEL_CENTRES, zmin=-4, zmax=0,
                            colorscale="Viridis", showscale=(row == 1 and col == 1),
                            colorbar=dict(title="log₁₀ pT fraction", len=0.9),
                            hovertemplate="η %{x:.2f}<br>φ %{y:.2f}<br>log₁₀ fraction %{z:.2f}<extra></extra>",
                            row=row, col=col)
            fig.update_xaxes(showticklabels=(row == len(classes)), title_text="η" if row == len(classes) else None,
                             row=row, col=col)
            fig.update_yaxes(showticklabels=(col == 1), title_text="φ" if col == 1 else None, scaleanchor=None,
                             row=row, col=col)
    return styled(fig, "Jet images (40 × 40 pixels over [−0.8, 0.8]², after centring, rotation and flip)",
                  height=250 * len(classes) + 60)


def example_point_clouds(overview, start: int = 0, n_examples: int = 3) -> go.Figure:
    """Grid: one row per class, jets ``start + 1 … start + n_examples`` as their constituents (marker area ∝ pT)."""
    classes = list(overview.classes)
    jets_by_class = overview.examples
    picks = range(start, start + n_examples)
    titles = [f"{class_name(c)} jet {i + 1}: m = {jets_by_class[c].observables['mass'][i]:.0f} GeV, "
              f"τ₃₂ = {jets_by_class[c].observables['tau32'][i]:.2f}" if i < len(jets_by_class[c]) else ""
              for c in classes for i in picks]
    fig = make_subplots(rows=len(classes), cols=n_examples, subplot_titles=titles,
                        horizontal_spacing=0.04, vertical_spacing=0.08)
    for row, name in enumerate(classes, start=1):
        jets = jets_by_class[name]
        for col, i in enumerate(picks, start=1):
            if i >= len(jets):  # a class of fewer jets than the examples asked for
                continue
            mask = jets.mask[i]
            pt = jets.pt[i][mask]
            fig.add_scatter(x=jets.eta[i][mask], y=jets.phi[i][mask], mode="markers",
                            marker=dict(size=4 + 30 * np.sqrt(pt / pt.max()), color=class_color(name, row - 1), opacity=0.6,
                                        line=dict(width=0.5, color="white")),
                            customdata=pt, showlegend=False, name=class_name(name),
                            hovertemplate="pT %{customdata:.1f} GeV<br>η %{x:.3f}<br>φ %{y:.3f}<extra></extra>",
                            row=row, col=col)
            fig.update_xaxes(range=[-IMAGE_RANGE, IMAGE_RANGE], title_text="η" if row == len(classes) else None,
                             row=row, col=col)
            fig.update_yaxes(range=[-IMAGE_RANGE, IMAGE_RANGE], title_text="φ" if col == 1 else None, row=row, col=col)
    fig.update_annotations(font_size=11)
    return styled(fig, "The same kind of jets as point clouds: the 50 hardest constituents (area ∝ pT)",
                  height=250 * len(classes) + 60)


_RANGES = {"mass": (0, 300), "pt": (400, 700), "n_constituents": (0, 140), "tau1": (0, 0.6), "tau2": (0, 0.3),
           "tau3": (0, 0.2), "tau21": (0, 1), "tau32": (0, 1)}


SOURCE_NAMES = {"toy": "toy", "reference": "Pythia", "file": "your file"}


def observable_histograms(overview, observables: tuple[str, ...] = ("mass", "tau21", "tau32", "n_constituents"),
                          n_bins: int = 40) -> go.Figure:
    """Normalised histograms of ``observables`` per class: the toy solid, the Pythia reference (if shown) dashed."""
    cols = 2
    rows = (len(observables) + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.1, vertical_spacing=0.16)
    sources = [(overview.config.source, overview.observables)]
    if overview.compared_source:
        sources.append((overview.compared_source, overview.compared))
        sources.sort(key=lambda s: s[0] != "toy")  # the toy first, drawn solid
    for k, name in enumerate(observables):
        row, col = k // cols + 1, k % cols + 1
        low, high = _RANGES[name]
        # whole-number bins of equal width for counts, so no bin holds one more integer than its neighbour
        edges = (np.arange(low, high + 4, 4) - 0.5) if name == "n_constituents" else np.linspace(low, high, n_bins + 1)
        centres = 0.5 * (edges[1:] + edges[:-1])
        for source, by_class in sources:
            dash = "solid" if source in ("toy", "file") else "dash"
            for index, (cls, values) in enumerate(by_class.items()):
                counts, _ = np.histogram(values[name], bins=edges)
                density = counts / max(counts.sum(), 1) / np.diff(edges)
                legend = class_name(cls) + (f" ({SOURCE_NAMES[source]})" if len(sources) > 1 else "")
                fig.add_scatter(x=centres, y=density, mode="lines",
                                line=dict(color=class_color(cls, index), dash=dash, shape="hvh"),
                                name=legend, legendgroup=legend, showlegend=(k == 0),
                                hovertemplate=f"{legend}<br>{LABELS[name]} %{{x:.3g}}<br>density %{{y:.3g}}<extra></extra>",
                                row=row, col=col)
        fig.update_xaxes(title_text=LABELS[name], row=row, col=col)
        fig.update_yaxes(title_text="density", row=row, col=col)
    return styled(fig, "Jet observables per class", height=300 * rows + 80)
