"""The generators whose support the birthday test estimates.

* ``sim``: the toy calorimeter (stand-in for GEANT4), the sample the thresholds are fitted on —
  the seed's "training data".
* ``sim-heldout``: an independent sample from the same simulator (another seed): the curve of a
  generator that *is* the simulator, free of any threshold-fitting effect.
* ``gan``: the conditional 3D GAN (:mod:`ganplify_core.calorimeter.gan`), shipped checkpoint or retrained.
* ``templates``: K fixed simulator showers, each output a uniformly chosen template times
  (1 + 10⁻³ ε) cell by cell, ε ~ N(0, 1): support K, near (not exact) duplicates.
* ``uniform``: a uniform distribution over d fixed simulator showers, returned exactly: support d,
  the textbook birthday problem (exact duplicates), whose curve is known in closed form.
* ``upload``: your own showers (:mod:`.uploads`), the first M of the file.
* ``reference``: your own reference sample (the thresholds are then fitted on it, as on ``sim``).

Grids: the simulator and the generators built on it make 25 × 25 × 25 or the seed's 51 × 51 × 25
cells; the shipped GAN makes 25 × 25 × 25 only; uploads any grid.

Only the templates that a pool actually draws are simulated (a pool of M draws at most M distinct
ones); they are i.i.d. simulator showers either way, so this is the same generator at a fraction of
the cost when K ≫ M.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ganplify_core.errors import InputError

SOURCES = ("sim", "sim-heldout", "gan", "templates", "uniform", "upload", "reference")
SOURCE_LABELS = {
    "sim": "Toy simulator (training sample)",
    "sim-heldout": "Toy simulator (held-out sample)",
    "gan": "3D GAN",
    "templates": "K templates + tiny noise",
    "uniform": "Uniform over d showers",
    "upload": "Your showers (uploaded)",
    "reference": "Your reference sample (uploaded)",
}
SIMULATED = ("sim", "sim-heldout", "templates", "uniform")  # made by the toy simulator, on its grids
UPLOADED = ("upload", "reference")
GAN_GRID = (25, 25, 25)
TEMPLATE_NOISE = 1e-3

# Seed offsets so that the sources never share random numbers.
_SEED_OFFSETS = {"sim": 0, "sim-heldout": 1_000_003, "gan": 2_000_003, "templates": 3_000_017, "uniform": 4_000_037,
                 "upload": 0, "reference": 0}


@dataclasses.dataclass(frozen=True)
class ShowerPool:
    """A pool of M showers from one source: images float32 (M, X, Y, Z) in GeV, primary energies (M,) (NaN: unknown)."""

    images: np.ndarray
    energies: np.ndarray


def _simulated(n: int, energy: tuple[float, float], seed: int, grid: tuple[int, int, int] = GAN_GRID) -> ShowerPool:
    from ganplify_core.calorimeter import simulate_showers

    sample = simulate_showers(n, energy=energy, seed=seed, grid=grid, use_cache=False)
    return ShowerPool(sample.images, sample.energies)


def _drawn_from_finite_set(n: int, size: int, energy: tuple[float, float], seed: int, noise: float,
                           grid: tuple[int, int, int] = GAN_GRID) -> ShowerPool:
    """n uniform draws from ``size`` fixed simulator showers, each times (1 + noise · ε) per cell."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, size, n)
    distinct, index = np.unique(labels, return_inverse=True)
    members = _simulated(len(distinct), energy, seed + 1, grid)
    images = members.images[index]
    if noise:
        images = images * (1 + noise * rng.standard_normal(images.shape, dtype=np.float32))
    return ShowerPool(images.astype(np.float32, copy=False), members.energies[index])


def gan_generator(gan_config=None):
    """The shipped generator, or the one ``gan_config`` trains (``experiments.run``: disk-cached)."""
    from ganplify_core.calorimeter.gan import trained_generator

    return trained_generator(gan_config)


def uploaded_pool(digest: str, n: int, what: str = "your showers") -> ShowerPool:
    """The first ``n`` showers of stored upload ``digest``."""
    from ganplify_core.birthday import uploads

    showers = uploads.load(digest)
    if n > len(showers):
        raise InputError(f"pool={n}, but {what} hold only {len(showers)} showers: use a pool of at most {len(showers)}")
    energies = showers.energy[:n] if showers.energy is not None else np.full(n, np.nan, np.float32)
    return ShowerPool(showers.images[:n], energies)


def draw_pool(source: str, n: int, energy: tuple[float, float], seed: int = 0, templates: int = 1000,
              support: int = 1000, gan_config=None, grid: tuple[int, int, int] = GAN_GRID,
              upload: str | None = None) -> ShowerPool:
    """``n`` showers from ``source`` at primary energies fixed (lo = hi) or uniform in [lo, hi] GeV.

    Parameters
    ----------
    source : one of :data:`SOURCES`.
    n : pool size M.
    energy : (lo, hi) primary energy in GeV.
    seed : the experiment's seed (each source offsets it).
    templates, support : K for ``templates``, d for ``uniform``.
    gan_config : a ``CaloGanConfig`` to use a retrained GAN; None for the shipped checkpoint.
    grid : cells (x, y, z) of the simulated sources: (25, 25, 25) or (51, 51, 25); the GAN makes 25³.
    upload : for ``upload`` and ``reference``, the SHA-256 of the stored file.
    """
    if source not in SOURCES:
        raise InputError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if source in UPLOADED:
        if upload is None:
            raise InputError(f"source '{source}' needs an uploaded .npz of showers")
        return uploaded_pool(upload, n, "your showers" if source == "upload" else "your reference sample")
    seed = int(seed) + _SEED_OFFSETS[source]
    grid = tuple(int(g) for g in grid)
    if source in ("sim", "sim-heldout"):
        return _simulated(n, energy, seed, grid)
    if source == "templates":
        return _drawn_from_finite_set(n, templates, energy, seed, TEMPLATE_NOISE, grid)
    if source == "uniform":
        return _drawn_from_finite_set(n, support, energy, seed, 0.0, grid)
    if grid != GAN_GRID:
        raise InputError(f"the 3D GAN makes {GAN_GRID[0]}×{GAN_GRID[1]}×{GAN_GRID[2]} showers only, not "
                         f"{grid[0]}×{grid[1]}×{grid[2]}: compare the simulator, templates, uniform or your own showers")
    from ganplify_core.calorimeter.gan import generate_showers

    generator = gan_generator(gan_config)
    lo, hi = energy
    energies = np.random.default_rng(seed).uniform(lo, hi, n).astype(np.float32) if hi > lo else np.full(n, lo, np.float32)
    return ShowerPool(generate_showers(generator, energies, seed=seed), energies)
