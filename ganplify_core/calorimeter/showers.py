"""Toy electromagnetic calorimeter: GFlash-style electron showers deposited on a 3D cell grid.

A stand-in for GEANT4 electron showers in a 3DGAN-like ECAL (spec: ``shared/specs/toy-calorimeter.md``).
Every shower is a cloud of ``N`` energy spots, each carrying ``E_vis / N``:

* **Depth** ``t`` (in radiation lengths X0) of a spot follows the Grindhammer–Peters gamma profile

  .. math:: \\frac{1}{E}\\frac{dE}{dt} = \\frac{(\\beta t)^{\\alpha-1}\\,\\beta\\,e^{-\\beta t}}{\\Gamma(\\alpha)},
     \\qquad T = \\frac{\\alpha-1}{\\beta},

  with ``y = E / E_c`` and, per shower, ``(ln T, ln α)`` drawn from a correlated Gaussian:
  ``<ln T> = ln(ln y − 0.812)``, ``σ(ln T) = 1/(−1.4 + 1.26 ln y)``,
  ``<ln α> = ln(0.81 + (0.458 + 2.26/Z) ln y)``, ``σ(ln α) = 1/(−0.58 + 0.86 ln y)``,
  ``ρ = 0.705 − 0.023 ln y``. This is the shower-to-shower fluctuation.
* **Radius** ``r`` (in Molière radii R_M) from the core + tail profile at ``τ = t / T``

  .. math:: f(r) = p\\,\\frac{2 r R_C^2}{(r^2 + R_C^2)^2} + (1-p)\\,\\frac{2 r R_T^2}{(r^2 + R_T^2)^2},

  sampled by inverting its CDF ``F(r) = r² / (r² + R²)``: ``r = R sqrt(u / (1 − u))``; azimuth uniform.
* **Response**: visible energy ``E_vis = f_s E (1 + (a / sqrt(E)) ξ)``, ξ ~ N(0, 1), sampling fraction
  ``f_s = 2 %``, stochastic term ``a = 10 %`` (E in GeV). Spots are histogrammed into cells; cells below
  ``1e-4`` of the shower's hottest cell are set to zero.

Geometry: cells of 0.25 R_M transversely and 1 X0 deep; 25 × 25 × 25 cells (or 51 × 51 × 25); tungsten
absorber (Z = 74, E_c = 8 MeV). The impact point is jittered uniformly within the central cell; energy
leaking out of the grid (behind layer 25 or beyond the lateral edge) is lost, as in a real calorimeter.
The number of spots ``N = 93 ln(Z) E^0.876`` is capped (default 2 000) for speed; with the cap, spot
statistics fluctuate less than in GFlash, and the stochastic term carries the resolution.

Everything is vectorised over showers and spots (NumPy, chunks of :data:`CHUNK_SIZE` showers so the
memory stays bounded); a chunk's random numbers come from ``default_rng([seed, chunk_index])`` so a
sample is reproducible from its seed.

References
----------
G. Grindhammer and S. Peters, "The parameterized simulation of electromagnetic showers in homogeneous
and sampling calorimeters", arXiv:hep-ex/0001020 (1993).
G. Grindhammer, M. Rudowicz, S. Peters, "The fast simulation of electromagnetic and hadronic showers",
NIM A 290 (1990) 469.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ganplify_core import cache
from ganplify_core.errors import InputError

Z_ABSORBER = 74.0  # tungsten
CRITICAL_ENERGY_GEV = 0.008  # E_c of tungsten, 8 MeV
SAMPLING_FRACTION = 0.02
STOCHASTIC_TERM = 0.10  # a in sigma_E / E = a / sqrt(E / GeV)
CELL_SIZE_RM = 0.25  # transverse cell size in Moliere radii
LAYER_DEPTH_X0 = 1.0  # longitudinal cell size in radiation lengths
CELL_THRESHOLD = 1e-4  # of the hottest cell
MAX_SPOTS = 2000
GRIDS = ((25, 25, 25), (51, 51, 25))
ENERGY_RANGE_GEV = (1.0, 10_000.0)  # where the parametrisation is used here
DEFAULT_ENERGY = (10.0, 500.0)
CHUNK_SIZE = 64
# Bump when the physics above changes, so disk-cached samples are recomputed.
MODEL_VERSION = 1


@dataclasses.dataclass(frozen=True)
class ShowerSample:
    """Simulated showers.

    Attributes
    ----------
    images : ndarray, float32, shape (n, nx, ny, nz)
        Visible (deposited) energy per cell in GeV, indexed ``[shower, x, y, z]``; z is the depth.
    energies : ndarray, float32, shape (n,)
        Primary electron energy in GeV.
    """

    images: np.ndarray
    energies: np.ndarray

    def __len__(self) -> int:
        return len(self.energies)


@dataclasses.dataclass(frozen=True)
class ShowerConfig:
    """Everything that determines a sample (the disk-cache key)."""

    n: int
    energy: tuple[float, float]
    seed: int
    grid: tuple[int, int, int]
    max_spots: int = MAX_SPOTS
    model_version: int = MODEL_VERSION


# -- the parametrisation ------------------------------------------------------------------------------

def longitudinal_parameters(energy: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, width and correlation of ``(ln T, ln α)`` at primary energy ``energy`` (GeV).

    Returns
    -------
    dict
        ``mean_ln_t``, ``sigma_ln_t``, ``mean_ln_alpha``, ``sigma_ln_alpha``, ``rho``: arrays of the
        shape of ``energy``.
    """
    ln_y = np.log(np.asarray(energy, dtype=np.float64) / CRITICAL_ENERGY_GEV)
    return {
        "mean_ln_t": np.log(ln_y - 0.812),
        "sigma_ln_t": 1.0 / (-1.4 + 1.26 * ln_y),
        "mean_ln_alpha": np.log(0.81 + (0.458 + 2.26 / Z_ABSORBER) * ln_y),
        "sigma_ln_alpha": 1.0 / (-0.58 + 0.86 * ln_y),
        "rho": 0.705 - 0.023 * ln_y,
    }


def expected_shower_maximum(energy: float | np.ndarray) -> np.ndarray:
    """Typical depth of the shower maximum ``T = exp<ln T> = ln y − 0.812`` in X0."""
    return np.exp(longitudinal_parameters(energy)["mean_ln_t"])


def number_of_spots(energy: np.ndarray, max_spots: int = MAX_SPOTS) -> np.ndarray:
    """``N = 93 ln(Z) E^0.876`` (E in GeV), rounded and capped at ``max_spots``."""
    n = 93.0 * math.log(Z_ABSORBER) * np.asarray(energy, dtype=np.float64) ** 0.876
    return np.clip(np.rint(n), 1, max_spots).astype(np.int64)


def radial_parameters(tau: np.ndarray, energy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Core radius ``R_C``, tail radius ``R_T`` (in R_M) and core fraction ``p`` at ``τ = t / T``."""
    ln_e = np.log(energy)
    z1 = 0.0251 + 0.00319 * ln_e
    z2 = 0.1162 - 0.000381 * Z_ABSORBER
    r_core = z1 + z2 * tau
    k1, k2, k3 = 0.659 - 0.00309 * Z_ABSORBER, 0.645, -2.59
    k4 = 0.3585 + 0.0412 * ln_e
    r_tail = k1 * (np.exp(k3 * (tau - k2)) + np.exp(k4 * (tau - k2)))
    p1, p2 = 2.632 - 0.00094 * Z_ABSORBER, 0.401 + 0.00187 * Z_ABSORBER
    p3 = 1.313 - 0.0686 * ln_e
    x = (p2 - tau) / p3
    p = np.clip(p1 * np.exp(x - np.exp(x)), 0.0, 1.0)
    return r_core, r_tail, p


# -- the simulation -----------------------------------------------------------------------------------

def _check_arguments(n: int, energy, grid) -> tuple[tuple[float, float], tuple[int, int, int]]:
    if int(n) != n or n < 1:
        raise InputError(f"n must be a positive integer, got {n!r}")
    if np.ndim(energy) == 0:
        lo = hi = float(energy)
    else:
        if len(energy) != 2:
            raise InputError(f"energy must be one value in GeV or a (low, high) range, got {energy!r}")
        lo, hi = (float(e) for e in energy)
    if not (ENERGY_RANGE_GEV[0] <= lo <= hi <= ENERGY_RANGE_GEV[1]):
        raise InputError(
            f"energy must lie in [{ENERGY_RANGE_GEV[0]:g}, {ENERGY_RANGE_GEV[1]:g}] GeV with low <= high, got {energy!r}")
    grid = tuple(int(g) for g in grid)
    if grid not in GRIDS:
        raise InputError(f"grid must be one of {', '.join(map(str, GRIDS))}, got {grid}")
    return (lo, hi), grid


def _simulate_chunk(rng: np.random.Generator, n: int, energy: tuple[float, float],
                    grid: tuple[int, int, int], max_spots: int) -> ShowerSample:
    nx, ny, nz = grid
    lo, hi = energy
    e = rng.uniform(lo, hi, n) if hi > lo else np.full(n, lo)

    # Per shower: (ln T, ln alpha) from the correlated Gaussian, response, impact point, spot count.
    par = longitudinal_parameters(e)
    g1, g2 = rng.standard_normal((2, n))
    ln_t = par["mean_ln_t"] + par["sigma_ln_t"] * g1
    ln_alpha = par["mean_ln_alpha"] + par["sigma_ln_alpha"] * (par["rho"] * g1 + np.sqrt(1 - par["rho"] ** 2) * g2)
    t_max = np.exp(ln_t)
    alpha = np.maximum(np.exp(ln_alpha), 1.05)
    beta = (alpha - 1.0) / t_max
    e_visible = SAMPLING_FRACTION * e * np.maximum(1.0 + STOCHASTIC_TERM / np.sqrt(e) * rng.standard_normal(n), 0.0)
    impact = rng.uniform(-0.5, 0.5, (2, n))  # in cells, around the centre of the central cell
    n_spots = number_of_spots(e, max_spots)
    width = int(n_spots.max())

    # Per spot, all showers at once, in float32 (twice as fast, and far more precise than the cells).
    f32 = np.float32
    shape = (n, width)
    depth = rng.standard_gamma(np.broadcast_to(alpha.astype(f32)[:, None], shape), dtype=f32) / beta.astype(f32)[:, None]
    tau = depth / t_max.astype(f32)[:, None]
    r_core, r_tail, p_core = radial_parameters(tau, e.astype(f32)[:, None])
    radius_scale = np.where(rng.random(shape, dtype=f32) < p_core, r_core, r_tail)
    u = rng.random(shape, dtype=f32)
    radius = radius_scale * np.sqrt(u / (1.0 - u)) / f32(CELL_SIZE_RM)
    phi = rng.random(shape, dtype=f32) * f32(2.0 * np.pi)

    ix = np.floor((nx / 2 + impact[0]).astype(f32)[:, None] + radius * np.cos(phi))
    iy = np.floor((ny / 2 + impact[1]).astype(f32)[:, None] + radius * np.sin(phi))
    iz = np.floor(depth / f32(LAYER_DEPTH_X0))
    inside = ((ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny) & (iz < nz)
              & (np.arange(width)[None, :] < n_spots[:, None]))
    shower = np.broadcast_to(np.arange(n)[:, None], shape)
    cells = nx * ny * nz
    flat = shower[inside] * cells + ((ix[inside] * ny + iy[inside]) * nz + iz[inside]).astype(np.int64)
    spot_energy = np.broadcast_to((e_visible / n_spots)[:, None], shape)[inside]
    images = np.bincount(flat, weights=spot_energy, minlength=n * cells).reshape(n, nx, ny, nz)
    return ShowerSample(images=apply_readout_threshold(images.astype(np.float32)), energies=e.astype(np.float32))


def apply_readout_threshold(images: np.ndarray) -> np.ndarray:
    """Zero the cells of each shower (n, x, y, z) below CELL_THRESHOLD × its hottest cell, in place; returns it."""
    hottest = images.reshape(len(images), -1).max(axis=1)
    images[images < CELL_THRESHOLD * hottest[:, None, None, None]] = 0.0
    return images


def _simulate(config: ShowerConfig) -> ShowerSample:
    chunks = [
        _simulate_chunk(np.random.default_rng([config.seed, k]), min(CHUNK_SIZE, config.n - start),
                        config.energy, config.grid, config.max_spots)
        for k, start in enumerate(range(0, config.n, CHUNK_SIZE))
    ]
    if len(chunks) == 1:
        return chunks[0]
    return ShowerSample(images=np.concatenate([c.images for c in chunks]),
                        energies=np.concatenate([c.energies for c in chunks]))


def simulate_showers(n: int, energy: float | tuple[float, float] = DEFAULT_ENERGY, seed: int = 0,
                     grid: tuple[int, int, int] = (25, 25, 25), max_spots: int = MAX_SPOTS,
                     use_cache: bool = True) -> ShowerSample:
    """Simulate ``n`` electron showers in the toy calorimeter.

    Parameters
    ----------
    n : int
        Number of showers.
    energy : float or (float, float)
        Primary energy in GeV: a fixed value, or a range sampled uniformly (default 10–500 GeV).
    seed : int
        Seed; the same arguments always give the same sample.
    grid : (int, int, int)
        Cells along (x, y, z): ``(25, 25, 25)`` or ``(51, 51, 25)``.
    max_spots : int
        Cap on the number of energy spots per shower.
    use_cache : bool
        Read/write the disk cache (:mod:`ganplify_core.cache`), keyed by all the arguments.

    Returns
    -------
    ShowerSample
        ``images`` float32 (n, nx, ny, nz) in GeV of visible energy, ``energies`` float32 (n,) in GeV.

    Examples
    --------
    >>> s = simulate_showers(4, energy=100.0, seed=1, use_cache=False)
    >>> s.images.shape, s.energies.tolist()
    ((4, 25, 25, 25), [100.0, 100.0, 100.0, 100.0])
    """
    energy, grid = _check_arguments(n, energy, grid)
    if int(max_spots) < 1:
        raise InputError(f"max_spots must be a positive integer, got {max_spots!r}")
    config = ShowerConfig(n=int(n), energy=energy, seed=int(seed), grid=grid, max_spots=int(max_spots))
    if not use_cache:
        return _simulate(config)
    return cache.cached("calo-showers", config, lambda: _simulate(config))
