"""Distances between showers: Jensen–Shannon divergence of shapes, energy difference, 3D SSIM.

All three are vectorised torch on the device of their inputs, and evaluated either densely for a block
of rows against a set of showers (``*_matrix``) or for an explicit list of index pairs (``*_pairs``),
always in chunks so that memory stays bounded whatever the number of pairs.

Jensen–Shannon divergence, with the unnormalised Kullback–Leibler divergence of the seed
-----------------------------------------------------------------------------------------------
.. math:: D_{KL}(P, Q) = \\sum_k P_k \\ln\\frac{P_k}{Q_k} - P_k + Q_k,\\qquad
          D_{JS}(P, Q) = \\tfrac12 D_{KL}(P, M) + \\tfrac12 D_{KL}(Q, M),\\quad M = \\tfrac12 (P + Q).

The linear terms cancel exactly in :math:`D_{JS}` (:math:`\\tfrac12(-P+M) + \\tfrac12(-Q+M) = 0`), so
for shapes of unit sum it equals the usual JS divergence with natural logarithms, and per element

.. math:: D_{JS}(P, Q) = \\tfrac12 \\sum_k \\left[P_k\\ln P_k + Q_k\\ln Q_k - S_k\\ln S_k + S_k\\ln 2\\right],
          \\quad S = P + Q,

with :math:`0 \\ln 0 = 0` (so empty cells are harmless). The element-wise sum keeps precision for
nearly identical shapes (no difference of large totals). It lies in :math:`[0, \\ln 2]`.

Energy distance
---------------
Relative difference of total deposited energy, :math:`|E_a - E_b| / \\tfrac12 (E_a + E_b)`: relative,
so that one threshold is meaningful over a range of primary energies (10–500 GeV).

Structural similarity (SSIM) in 3D
----------------------------------
.. math:: \\mathrm{SSIM}(x, y) = \\Big\\langle \\frac{(2\\mu_x\\mu_y + C_1)(2\\sigma_{xy} + C_2)}
          {(\\mu_x^2 + \\mu_y^2 + C_1)(\\sigma_x^2 + \\sigma_y^2 + C_2)} \\Big\\rangle_{\\text{voxels}},

local statistics weighted by a Gaussian window (σ = 1.5 cells, truncated at 3.5 σ: 11 taps),
:math:`C_1 = (0.01 L)^2`, :math:`C_2 = (0.03 L)^2`, L the data range; the mean runs over voxels at least
the window radius (5) from every border, as in scikit-image's ``structural_similarity`` (which crops
``(win_size - 1) // 2``). Those voxels' windows lie inside the image, so a *valid* separable
convolution gives them exactly, with no padding convention involved.

Speed: :math:`\\mu_x` and :math:`\\sigma_x^2 = \\overline{x^2} - \\mu_x^2` depend on one image only and
are computed once per image (:func:`ssim_statistics`); per pair only the cross term
:math:`\\overline{xy}` needs a filtered product image (:func:`ssim_pairs`).

References
----------
K. Jaruskova, S. Vallecorsa, "Estimating Support Size of the 3DGAN", IML workshop, CERN, 2020.
Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment: from error visibility
to structural similarity", IEEE Trans. Image Process. 13 (2004) 600.
"""

from __future__ import annotations

import dataclasses
import math

import torch

SSIM_SIGMA = 1.5
SSIM_TRUNCATE = 3.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03

# Elements (pairs × cells) per chunk: bounds memory to a few tens of MB whatever the pool size.
CHUNK_ELEMENTS = 4_000_000


def kl_divergence_unnormalised(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """:math:`\\sum_k p_k \\ln(p_k/q_k) - p_k + q_k` over the last axis (0 ln 0 = 0; p > 0 = q gives inf)."""
    return (torch.xlogy(p, p) - torch.xlogy(p, q) - p + q).sum(dim=-1)


def js_divergence(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Jensen–Shannon divergence from its definition, ½ D_KL(P, M) + ½ D_KL(Q, M), over the last axis."""
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence_unnormalised(p, m) + 0.5 * kl_divergence_unnormalised(q, m)


def _js_from_terms(p: torch.Tensor, q: torch.Tensor, plogp: torch.Tensor, qlogq: torch.Tensor) -> torch.Tensor:
    s = p + q
    return 0.5 * (plogp + qlogq - torch.xlogy(s, s) + s * math.log(2.0)).sum(dim=-1)


def js_divergence_matrix(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """All-pairs Jensen–Shannon divergence between the rows of ``p`` (n, L) and ``q`` (m, L): (n, m)."""
    out = torch.empty(p.shape[0], q.shape[0], dtype=p.dtype, device=p.device)
    plogp, qlogq = torch.xlogy(p, p), torch.xlogy(q, q)
    rows = max(1, CHUNK_ELEMENTS // max(1, q.shape[0] * p.shape[1]))
    for a in range(0, p.shape[0], rows):
        b = min(a + rows, p.shape[0])
        out[a:b] = _js_from_terms(p[a:b, None], q[None], plogp[a:b, None], qlogq[None])
    return out


def js_divergence_pairs(shapes: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
    """Jensen–Shannon divergence between rows ``i`` and ``j`` of ``shapes`` (n, L), for each pair: (len(i),)."""
    out = torch.empty(len(i), dtype=shapes.dtype, device=shapes.device)
    chunk = max(1, CHUNK_ELEMENTS // shapes.shape[1])
    for a in range(0, len(i), chunk):
        p, q = shapes[i[a:a + chunk]], shapes[j[a:a + chunk]]
        out[a:a + chunk] = _js_from_terms(p, q, torch.xlogy(p, p), torch.xlogy(q, q))
    return out


def relative_energy_difference(e_a: torch.Tensor, e_b: torch.Tensor) -> torch.Tensor:
    """:math:`|E_a - E_b| / \\tfrac12 (E_a + E_b)` (broadcasting; 0 when both are 0)."""
    mean = 0.5 * (e_a + e_b)
    return (e_a - e_b).abs() / torch.where(mean > 0, mean, torch.ones_like(mean))


# -- SSIM ------------------------------------------------------------------------------------------------

def gaussian_window(sigma: float = SSIM_SIGMA, truncate: float = SSIM_TRUNCATE) -> torch.Tensor:
    """Normalised 1D Gaussian weights with radius ``int(truncate * sigma + 0.5)`` (as scipy.ndimage)."""
    radius = int(truncate * sigma + 0.5)
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    w = torch.exp(-0.5 * (x / sigma) ** 2)
    return w / w.sum()


def _valid_filter_matrix(length: int, window: torch.Tensor) -> torch.Tensor:
    """(length − 2r, length) matrix G with (G v)_a = Σ_t w_t v_{a+t}: a 'valid' 1D convolution."""
    width = len(window)
    out = length - width + 1
    if out < 1:
        raise ValueError(f"images of side {length} are smaller than the SSIM window ({width})")
    g = torch.zeros(out, length, dtype=window.dtype)
    for t in range(width):  # a loop over the 11 taps, not over data
        g[torch.arange(out), torch.arange(out) + t] = window[t]
    return g


def gaussian_filter_valid(volumes: torch.Tensor, filters: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """Separable Gaussian filter of (n, X, Y, Z) volumes, valid region only: (n, X', Y', Z').

    ``filters`` holds the valid filter matrices of x, y and z. Each axis is one matrix product on a view
    of the data (z: on the right; y: broadcast on the left; x: on the left of the flattened (y, z)), so
    nothing is transposed or copied between the three steps.
    """
    g_x, g_y, g_z = filters
    n, size_x = volumes.shape[:2]
    volumes = g_y @ (volumes @ g_z.T)
    return (g_x @ volumes.reshape(n, size_x, -1)).reshape(n, g_x.shape[0], g_y.shape[0], g_z.shape[0])


@dataclasses.dataclass(frozen=True)
class SsimStatistics:
    """Per-image Gaussian-filtered statistics on the cropped region (computed once per image).

    Attributes
    ----------
    mean : (n, V) local means μ over the V cropped voxels.
    variance : (n, V) local variances σ² = mean of x² − μ².
    filters : the valid 1D Gaussian filter matrices of x, y and z, e.g. (X', X).
    c1, c2 : the SSIM constants (0.01 L)², (0.03 L)².
    """

    mean: torch.Tensor
    variance: torch.Tensor
    filters: tuple[torch.Tensor, ...]
    c1: float
    c2: float


def ssim_statistics(images: torch.Tensor, data_range: float, sigma: float = SSIM_SIGMA,
                    dtype: torch.dtype = torch.float32) -> SsimStatistics:
    """Local means and variances of every image, for :func:`ssim_pairs` (chunked over images).

    ``dtype`` sets the precision of every SSIM computed from these statistics (float32: about 1e-6).
    """
    if not data_range > 0:
        raise ValueError(f"data_range must be positive, got {data_range}")
    window = gaussian_window(sigma)
    g = tuple(_valid_filter_matrix(length, window).to(device=images.device, dtype=dtype) for length in images.shape[1:])
    chunk = max(1, CHUNK_ELEMENTS // max(1, math.prod(images.shape[1:])))
    means, variances = [], []
    for a in range(0, images.shape[0], chunk):
        x = images[a:a + chunk].to(dtype)
        mu = gaussian_filter_valid(x, g).flatten(1)
        means.append(mu)
        variances.append(gaussian_filter_valid(x * x, g).flatten(1) - mu * mu)
    return SsimStatistics(torch.cat(means), torch.cat(variances), g, (SSIM_K1 * data_range) ** 2, (SSIM_K2 * data_range) ** 2)


def ssim_pairs(images: torch.Tensor, stats: SsimStatistics, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
    """Mean SSIM of images ``i[e]`` and ``j[e]`` for each pair e: (len(i),), chunked over pairs."""
    dtype = stats.mean.dtype
    out = torch.empty(len(i), dtype=dtype, device=images.device)
    chunk = max(1, CHUNK_ELEMENTS // max(1, math.prod(images.shape[1:])))
    for a in range(0, len(i), chunk):
        ia, ja = i[a:a + chunk], j[a:a + chunk]
        cross = gaussian_filter_valid(images[ia].to(dtype) * images[ja].to(dtype), stats.filters).flatten(1)
        mu_x, mu_y = stats.mean[ia], stats.mean[ja]
        covariance = cross - mu_x * mu_y
        numerator = (2 * mu_x * mu_y + stats.c1) * (2 * covariance + stats.c2)
        denominator = (mu_x ** 2 + mu_y ** 2 + stats.c1) * (stats.variance[ia] + stats.variance[ja] + stats.c2)
        out[a:a + chunk] = (numerator / denominator).mean(dim=1)
    return out
