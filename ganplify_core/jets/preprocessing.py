"""From particle lists to fixed-size jets: leading constituents, centring, rotation, flipping.

The steps follow the standard jet-image preprocessing (de Oliveira et al., JHEP 07 (2016) 069,
arXiv:1511.05190; Macaluso & Shih, JHEP 10 (2018) 121, arXiv:1803.00107):

1. keep the ``n_max`` hardest constituents, sorted by pT, zero-padded;
2. **centre**: subtract the pT-weighted centroid (η̄, φ̄) = Σ pT (η, φ) / Σ pT;
3. **rotate** about the centre so that the principal axis of the pT-weighted second-moment tensor
   C = Σ pT (η, φ)ᵀ(η, φ) / Σ pT points along φ (vertical in the images);
4. **flip** η → −η and/or φ → −φ so that the half-planes η > 0 and φ > 0 hold at least half the pT:
   the hardest side of the jet always lies in the same quadrant.
"""

from __future__ import annotations

import numpy as np


def leading_constituents(jet: np.ndarray, pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, n_jets: int,
                         n_max: int = 50) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scatter a flat particle list into (n_jets, n_max) arrays of the hardest constituents.

    ``jet`` is each particle's jet index. Returns ``pt, eta, phi`` (float64, descending pT, zero-padded)
    and the boolean ``mask``.
    """
    order = np.lexsort((-pt, jet))
    jet, pt, eta, phi = jet[order], pt[order], eta[order], phi[order]
    starts = np.searchsorted(jet, np.arange(n_jets))
    rank = np.arange(jet.size) - starts[jet]
    keep = rank < n_max
    out = [np.zeros((n_jets, n_max)) for _ in range(3)]
    for array, values in zip(out, (pt, eta, phi)):
        array[jet[keep], rank[keep]] = values[keep]
    mask = np.zeros((n_jets, n_max), dtype=bool)
    mask[jet[keep], rank[keep]] = True
    return out[0], out[1], out[2], mask


def wrap_phi(phi: np.ndarray) -> np.ndarray:
    """Angles folded into (−π, π]."""
    return np.pi - np.mod(np.pi - phi, 2.0 * np.pi)


def centre(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subtract the pT-weighted centroid from η and φ (padding stays 0)."""
    total = np.maximum(pt.sum(axis=1, keepdims=True), 1e-12)
    eta_c = eta - (pt * eta).sum(axis=1, keepdims=True) / total
    phi_c = phi - (pt * phi).sum(axis=1, keepdims=True) / total
    return np.where(mask, eta_c, 0.0), np.where(mask, phi_c, 0.0)


def principal_angle(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Angle (from the η axis) of the principal axis of the pT-weighted second moments of centred jets."""
    c_ee = (pt * eta * eta).sum(axis=1)
    c_pp = (pt * phi * phi).sum(axis=1)
    c_ep = (pt * eta * phi).sum(axis=1)
    return 0.5 * np.arctan2(2.0 * c_ep, c_ee - c_pp)


def rotate_and_flip(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotate centred jets so the principal axis is along φ, then flip the hardest half to η, φ > 0."""
    alpha = (0.5 * np.pi - principal_angle(pt, eta, phi))[:, None]
    cos, sin = np.cos(alpha), np.sin(alpha)
    eta_r = eta * cos - phi * sin
    phi_r = eta * sin + phi * cos
    flip_eta = np.where((pt * (eta_r > 0)).sum(1) < (pt * (eta_r < 0)).sum(1), -1.0, 1.0)[:, None]
    flip_phi = np.where((pt * (phi_r > 0)).sum(1) < (pt * (phi_r < 0)).sum(1), -1.0, 1.0)[:, None]
    return np.where(mask, eta_r * flip_eta, 0.0), np.where(mask, phi_r * flip_phi, 0.0)


def preprocess(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre, rotate and flip (steps 2–4 of the module docstring); returns the new η, φ."""
    eta_c, phi_c = centre(pt, eta, phi, mask)
    return rotate_and_flip(pt, eta_c, phi_c, mask)
