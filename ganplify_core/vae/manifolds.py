"""Toy data of known intrinsic dimension: smooth d-manifolds embedded nonlinearly in D dimensions.

A d-dimensional manifold is the image of coordinates ``t ∈ [−1, 1]^d`` (uniform) under a smooth,
injective map into R^D,

    x(t) = A · [t, ½ sin(W t + c)] · s + noise,

with a random frequency matrix ``W`` (d × d, entries ~ N(0, ω²), ω = 1.5 by default: bends of about
one radian across the patch), random phases ``c``, a random matrix ``A`` with orthonormal columns (D × 2d)
and isotropic Gaussian noise of standard deviation ``noise`` in every ambient direction. The linear
part ``t`` keeps the map injective; the sines bend the sheet so that no linear method sees it flat.
The scale ``s`` makes the RMS distance of a point to the mean equal to ``size`` per intrinsic dimension.
A VAE (or the correlation dimension) sees ``d`` dimensions between the noise scale
``noise·√D`` and the size of the patch; below the noise it sees all D, above the patch none.

Also: a circle S¹ (intrinsic dimension 1, but periodic: a Gaussian latent space has to cut it) and a
mixed sample, the union of a curve (d = 1) and a surface (d = 2), as in the seed's "mixed sample".
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ganplify_core.errors import InputError
from ganplify_core.seeding import make_rng

MANIFOLDS = ("sheet", "circle", "mixed")


@dataclasses.dataclass(frozen=True)
class ManifoldSample:
    """Points on a toy manifold and the coordinates that generated them.

    Attributes
    ----------
    points : ndarray (n, D) float32
        The embedded points (with noise).
    coordinates : ndarray (n, d_max) float32
        Manifold coordinates in [−1, 1] (the circle's angle over π); NaN where a component has fewer.
    component : ndarray (n,) int
        Which piece each point is on (0 except in the mixed sample: 0 curve, 1 surface).
    intrinsic_dim : ndarray (n,) int
        The intrinsic dimension at each point.
    """

    points: np.ndarray
    coordinates: np.ndarray
    component: np.ndarray
    intrinsic_dim: np.ndarray


def _embedding(rng: np.random.Generator, d: int, ambient_dim: int, n_waves: int, frequency: float):
    n_features = d + n_waves
    if n_features > ambient_dim:
        raise InputError(f"ambient_dim={ambient_dim} is too small for intrinsic dimension {d}; use at least {n_features}")
    waves = rng.normal(scale=frequency, size=(d, n_waves))
    phases = rng.uniform(0, 2 * np.pi, size=n_waves)
    basis, _ = np.linalg.qr(rng.normal(size=(ambient_dim, n_features)))
    return waves, phases, basis


def embedded_sheet(
    n: int,
    intrinsic_dim: int,
    ambient_dim: int = 16,
    noise: float = 0.01,
    size: float = 1.0,
    frequency: float = 1.5,
    seed: int = 0,
) -> ManifoldSample:
    """``n`` points on a smooth, curved ``intrinsic_dim``-manifold in ``ambient_dim`` dimensions.

    Parameters
    ----------
    n : int
        Number of points.
    intrinsic_dim : int
        d, between 1 and 5.
    ambient_dim : int
        D, the dimension of the embedding space (default 16).
    noise : float
        Standard deviation of the isotropic Gaussian noise in every ambient direction.
    size : float
        RMS distance from the mean, per intrinsic dimension, of the noiseless points.
    frequency : float
        Spread of the random wave numbers (radians per unit coordinate): 0 is a flat sheet.
    seed : int
        Seeds both the random embedding and the points.
    """
    if not 1 <= intrinsic_dim <= 5:
        raise InputError(f"intrinsic_dim={intrinsic_dim} must be between 1 and 5")
    if n < 2:
        raise InputError(f"n={n} must be at least 2")
    rng = make_rng(seed)
    n_waves = intrinsic_dim
    waves, phases, basis = _embedding(rng, intrinsic_dim, ambient_dim, n_waves, frequency)
    t = rng.uniform(-1.0, 1.0, size=(n, intrinsic_dim))
    features = np.concatenate([t, 0.5 * np.sin(t @ waves + phases)], axis=1)
    clean = features @ basis.T
    clean -= clean.mean(0)
    clean *= size * np.sqrt(intrinsic_dim / max((clean**2).sum(1).mean(), 1e-30))
    points = clean + rng.normal(scale=noise, size=clean.shape)
    return ManifoldSample(points.astype(np.float32), t.astype(np.float32),
                          np.zeros(n, dtype=np.int64), np.full(n, intrinsic_dim, dtype=np.int64))


def embedded_circle(n: int, ambient_dim: int = 16, noise: float = 0.01, size: float = 1.0, seed: int = 0) -> ManifoldSample:
    """A circle of radius ``size`` in a random 2-plane of R^D, plus noise; coordinate = angle / π."""
    if n < 2:
        raise InputError(f"n={n} must be at least 2")
    rng = make_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(ambient_dim, 2)))
    angle = rng.uniform(-np.pi, np.pi, size=n)
    clean = size * np.stack([np.cos(angle), np.sin(angle)], axis=1) @ basis.T
    points = clean + rng.normal(scale=noise, size=clean.shape)
    return ManifoldSample(points.astype(np.float32), (angle / np.pi)[:, None].astype(np.float32),
                          np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64))


def mixed_sample(n: int, ambient_dim: int = 16, noise: float = 0.01, size: float = 1.0, seed: int = 0) -> ManifoldSample:
    """Half the points on a curve (d = 1), half on a surface (d = 2), the two pieces set apart by 4·size."""
    rng = make_rng(seed)
    n_curve = n // 2
    curve = embedded_sheet(n_curve, 1, ambient_dim, noise, size, seed=int(rng.integers(2**31)))
    surface = embedded_sheet(n - n_curve, 2, ambient_dim, noise, size, seed=int(rng.integers(2**31)))
    offset = rng.normal(size=ambient_dim)
    offset *= 4.0 * size / np.linalg.norm(offset)
    points = np.concatenate([curve.points, surface.points + offset.astype(np.float32)])
    coordinates = np.full((n, 2), np.nan, dtype=np.float32)
    coordinates[:n_curve, :1] = curve.coordinates
    coordinates[n_curve:] = surface.coordinates
    component = np.concatenate([np.zeros(n_curve, dtype=np.int64), np.ones(n - n_curve, dtype=np.int64)])
    order = rng.permutation(n)
    return ManifoldSample(points[order], coordinates[order], component[order],
                          np.concatenate([curve.intrinsic_dim, surface.intrinsic_dim])[order])


def make_manifold(kind: str, n: int, intrinsic_dim: int = 2, ambient_dim: int = 16, noise: float = 0.01,
                  seed: int = 0) -> ManifoldSample:
    """One of :data:`MANIFOLDS`: ``"sheet"`` (d = ``intrinsic_dim``), ``"circle"`` or ``"mixed"``."""
    if kind == "sheet":
        return embedded_sheet(n, intrinsic_dim, ambient_dim, noise, seed=seed)
    if kind == "circle":
        return embedded_circle(n, ambient_dim, noise, seed=seed)
    if kind == "mixed":
        return mixed_sample(n, ambient_dim, noise, seed=seed)
    raise InputError(f"manifold={kind!r} is unknown; use one of {', '.join(MANIFOLDS)}")
