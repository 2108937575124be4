"""Points on a curve ``y = f(x)``, and points pushed off it: the autoencoder idea in two dimensions.

The normal data are pairs ``(x, f(x) + ε)`` with ``x ~ U[-1, 1]`` and ``ε ~ N(0, σ²)``. An autoencoder
with a one-dimensional bottleneck can represent them (the curve is one-dimensional); the anomalies are
pairs ``(x, f(x) ± d + ε)``, moved vertically by a distance ``d`` (sign random), which it cannot. Since
the curve's slope is bounded, a vertical offset ``d`` puts a point at a perpendicular distance between
``d / sqrt(1 + max f'²)`` and ``d`` from the curve.

Source: the autoencoder slides of the lecture (seed 004): "(x, y) are both input and output ... if the
pair matches the function the loss is small, if it does not match the loss is big".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ganplify_core.errors import InputError

X_RANGE = (-1.0, 1.0)

#: The curves the user can pick, ``name -> (f, formula shown on the page)``.
CURVES: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "sine": (lambda x: np.sin(np.pi * x), "y = sin(πx)"),
    "parabola": (lambda x: 2.0 * x**2 - 1.0, "y = 2x² − 1"),
    "cubic": (lambda x: 4.0 * x**3 - 3.0 * x, "y = 4x³ − 3x"),
    "step": (lambda x: np.tanh(5.0 * x), "y = tanh(5x)"),
}


def curve_function(curve: str) -> Callable[[np.ndarray], np.ndarray]:
    """The function ``f`` of a named curve; InputError for an unknown name."""
    if curve not in CURVES:
        raise InputError(f"curve={curve!r} is unknown; choose one of {', '.join(CURVES)}")
    return CURVES[curve][0]


def sample_on_curve(curve: str, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` points ``(x, f(x) + ε)``, ``x ~ U[-1, 1]``, ``ε ~ N(0, noise²)``; float32 array (n, 2)."""
    f = curve_function(curve)
    x = rng.uniform(*X_RANGE, size=n)
    y = f(x) + noise * rng.standard_normal(n)
    return np.stack([x, y], axis=1).astype(np.float32)


def sample_off_curve(curve: str, n: int, distance: float, noise: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` anomalies ``(x, f(x) ± distance + ε)`` with a random sign; float32 array (n, 2)."""
    points = sample_on_curve(curve, n, noise, rng)
    sign = rng.choice(np.array([-1.0, 1.0]), size=n)
    points[:, 1] += (sign * distance).astype(np.float32)
    return points


def distance_to_curve(curve: str, points: np.ndarray, n_grid: int = 2001) -> np.ndarray:
    """Euclidean distance of each point to the curve segment ``{(x, f(x)) : x in [-1, 1]}``.

    Brute force over ``n_grid`` curve points (chunked); accurate to about the grid spacing (0.001).
    """
    f = curve_function(curve)
    gx = np.linspace(*X_RANGE, n_grid)
    grid = np.stack([gx, f(gx)], axis=1)
    out = np.empty(len(points))
    for start in range(0, len(points), 2048):
        chunk = points[start:start + 2048, None, :] - grid[None, :, :]
        out[start:start + 2048] = np.sqrt((chunk**2).sum(-1).min(1))
    return out
