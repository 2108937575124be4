"""Jet images: the pT of the constituents summed in a 40 × 40 grid over [−R, R]² in (η, φ).

Pixel (i, j) covers η ∈ [−R + iΔ, −R + (i+1)Δ), φ ∈ [−R + jΔ, −R + (j+1)Δ), Δ = 2R/40 = 0.04 for
R = 0.8 (the first image axis is η, the second φ). Constituents outside the square are dropped.
With ``normalise=True`` each image is divided by its sum (unit total intensity), as in
de Oliveira et al., JHEP 07 (2016) 069.
"""

from __future__ import annotations

import numpy as np

from ganplify_core import cache

N_PIXELS = 40
IMAGE_RANGE = 0.8


def pixelate(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray, normalise: bool = True,
             n_pixels: int = N_PIXELS, extent: float = IMAGE_RANGE) -> np.ndarray:
    """float32 images (n_jets, n_pixels, n_pixels) of padded constituents (one bincount, no loops)."""
    n_jets = pt.shape[0]
    width = 2.0 * extent / n_pixels
    i = np.floor((eta + extent) / width).astype(np.int64)
    j = np.floor((phi + extent) / width).astype(np.int64)
    inside = mask & (i >= 0) & (i < n_pixels) & (j >= 0) & (j < n_pixels)
    jet = np.broadcast_to(np.arange(n_jets)[:, None], pt.shape)
    flat = (jet[inside] * n_pixels + i[inside]) * n_pixels + j[inside]
    images = np.bincount(flat, weights=pt[inside].astype(np.float64), minlength=n_jets * n_pixels * n_pixels)
    images = images.reshape(n_jets, n_pixels, n_pixels)
    if normalise:
        total = images.sum(axis=(1, 2), keepdims=True)
        images = np.where(total > 0, images / np.where(total > 0, total, 1.0), 0.0)
    return images.astype(np.float32)


def jet_images(jets, normalise: bool = True) -> np.ndarray:
    """40 × 40 images of a :class:`~ganplify_core.jets.sample.JetSample`, float32 (n, 40, 40), disk-cached.

    The cache key holds a hash of the constituent arrays, so any sample (toy, reference, or modified)
    gets its own entry.
    """
    key = {"pt": jets.pt, "eta": jets.eta, "phi": jets.phi, "mask": jets.mask, "normalise": bool(normalise)}
    return cache.cached("jet-images", key, lambda: pixelate(jets.pt, jets.eta, jets.phi, jets.mask, normalise))
