"""The birthday-paradox experiment: duplicate-probability curves and support estimates per source.

``run_birthday(BirthdayConfig(...))`` simulates the training sample, fits the duplicate thresholds on
it, then for each source draws a pool of M showers, finds the pool's duplicate pairs once
(:func:`~ganplify_core.birthday.duplicates.find_duplicates`), and reads the whole curve p(s) and the
support estimates off R random orderings of the pool (:mod:`ganplify_core.birthday.support`).
Results are disk-cached by the full config (and the GAN checkpoint's content).

Source: K. Jaruskova and S. Vallecorsa, "Estimating Support Size of the 3DGAN", IML workshop, CERN,
2020; S. Arora and Y. Zhang, arXiv:1706.08224.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import time

import numpy as np
import torch

from ganplify_core import cache
from ganplify_core.birthday import duplicates, support
from ganplify_core.birthday.features import shower_features
from ganplify_core.birthday.sources import SOURCE_LABELS, SOURCES, draw_pool
from ganplify_core.device import get_device
from ganplify_core.errors import InputError
from ganplify_core.training import Progress, no_progress, scaled

N_EXAMPLES = 3
N_SIMILAR = 3


@dataclasses.dataclass(frozen=True)
class BirthdayConfig:
    """Everything that determines a birthday-paradox result.

    Attributes
    ----------
    sources : which generators to test (:data:`~ganplify_core.birthday.sources.SOURCES`).
    energy : (lo, hi) primary energy in GeV: a fixed bin when lo = hi, else uniform in [lo, hi].
    features : ``shapes``, ``shapes+energy`` or ``shapes+energy+ssim``.
    alpha : quantile of training-pair distances used as threshold (0.02 or 0.05 in the seed).
    pool_size : M, showers drawn per source; subsets of 2..M are read off its orderings.
    replications : R, random orderings of each pool.
    grid_points, grid_scale : the subset sizes shown (log- or linearly spaced from 2 to M).
    templates, support : K of the template generator, d of the uniform one (their true supports).
    threshold_showers : training showers whose pairs give the thresholds (the first of the ``sim`` pool).
    seed : seeds every sample and ordering.
    gan : a ``CaloGanConfig`` for a retrained GAN, or None for the shipped checkpoint.
    """

    sources: tuple[str, ...] = ("sim", "sim-heldout", "gan", "templates")
    energy: tuple[float, float] = (100.0, 100.0)
    features: str = "shapes+energy+ssim"
    alpha: float = 0.02
    pool_size: int = 2000
    replications: int = 1000
    grid_points: int = 40
    grid_scale: str = "log"
    templates: int = 1000
    support: int = 1000
    threshold_showers: int = 1000
    seed: int = 0
    gan: object = None

    def validate(self) -> "BirthdayConfig":
        """Raise :class:`InputError` naming the bad setting and the fix."""
        if not self.sources:
            raise InputError("sources: choose at least one source")
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown:
            raise InputError(f"sources: unknown {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
        duplicates.feature_names(self.features)
        if not 0 < self.alpha < 0.5:
            raise InputError(f"alpha must be in (0, 0.5), e.g. 0.02 or 0.05; got {self.alpha}")
        lo, hi = self.energy
        if not 10.0 <= lo <= hi <= 500.0:
            raise InputError(f"energy must satisfy 10 <= low <= high <= 500 GeV, got {self.energy}")
        if not 10 <= self.pool_size <= 20_000:
            raise InputError(f"pool size must be between 10 and 20000, got {self.pool_size}")
        if not 10 <= self.replications <= 100_000:
            raise InputError(f"replications must be between 10 and 100000, got {self.replications}")
        if not 2 <= self.grid_points <= 500:
            raise InputError(f"grid points must be between 2 and 500, got {self.grid_points}")
        if self.grid_scale not in ("log", "linear"):
            raise InputError(f"grid scale must be 'log' or 'linear', got {self.grid_scale!r}")
        if not 1 <= self.templates <= 10_000_000 or not 1 <= self.support <= 10_000_000:
            raise InputError("templates (K) and support (d) must be between 1 and 10000000")
        if not 10 <= self.threshold_showers <= 5000:
            raise InputError(f"threshold showers must be between 10 and 5000, got {self.threshold_showers}")
        return self


@dataclasses.dataclass(frozen=True)
class SourceResult:
    """One source's curve, estimates and the material for its figures.

    Attributes
    ----------
    p_duplicate, band_low, band_high : (G,) p̂(s) on the grid and its 95 % Wilson band.
    first_duplicate_sizes : int (R,) subset size of each ordering's first duplicate (M + 1: none).
    estimates : the support estimates.
    true_support : K or d for the generators of known support, NaN otherwise.
    n_pairs, n_ssim_evaluations : pairs in the pool, and how many of them needed SSIM.
    similar_pairs : int (k, 2) the most similar pairs of the pool; similar_scores (k,) their largest
        distance in units of its threshold (≤ 1: a duplicate).
    similar_images : float32 (k, 2, L, L, L) the showers of the most similar pairs, GeV.
    example_images : float32 (n, L, L, L) the first showers of the pool, GeV.
    shape_mean, shape_low, shape_high : (3, L) mean shower shapes along x, y, z and their 16–84 % band.
    deposited_energy, primary_energy : (M,) GeV.
    seconds : time to draw the pool, find duplicates, and build the curve.
    """

    source: str
    label: str
    p_duplicate: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    first_duplicate_sizes: np.ndarray
    estimates: support.SupportEstimates
    true_support: float
    n_pairs: int
    n_ssim_evaluations: int
    similar_pairs: np.ndarray
    similar_scores: np.ndarray
    similar_images: np.ndarray
    example_images: np.ndarray
    shape_mean: np.ndarray
    shape_low: np.ndarray
    shape_high: np.ndarray
    deposited_energy: np.ndarray
    primary_energy: np.ndarray
    seconds: dict


@dataclasses.dataclass(frozen=True)
class BirthdayResult:
    """Curves of every source on a shared grid of subset sizes, and the thresholds used."""

    config: BirthdayConfig
    subset_sizes: np.ndarray
    thresholds: duplicates.DuplicateThresholds
    sources: tuple

    def source(self, name: str) -> SourceResult:
        return next(s for s in self.sources if s.source == name)


def _true_support(config: BirthdayConfig, source: str) -> float:
    return {"templates": float(config.templates), "uniform": float(config.support)}.get(source, math.nan)


def _source_result(config: BirthdayConfig, source: str, thresholds: duplicates.DuplicateThresholds,
                   grid: np.ndarray, pool=None) -> SourceResult:
    device = get_device()
    start = time.perf_counter()
    if pool is None:
        pool = draw_pool(source, config.pool_size, config.energy, config.seed, config.templates, config.support, config.gan)
    features = shower_features(pool.images, device)
    drawn = time.perf_counter()
    search = duplicates.find_duplicates(features, thresholds, n_similar=N_SIMILAR)
    searched = time.perf_counter()
    first = support.first_duplicate_sizes(config.pool_size, search.i, search.j, config.replications, config.seed)
    p = support.duplicate_probability(first, grid)
    low, high = support.wilson_interval(p, config.replications)
    estimates = support.support_estimates(first, config.pool_size, len(search.i))
    curved = time.perf_counter()
    shapes = features.shapes.cpu().numpy()
    pairs = np.stack([search.similar_i, search.similar_j], axis=1)
    return SourceResult(
        source=source, label=SOURCE_LABELS[source], p_duplicate=p, band_low=low, band_high=high,
        first_duplicate_sizes=first, estimates=estimates, true_support=_true_support(config, source),
        n_pairs=search.n_pairs, n_ssim_evaluations=search.n_ssim_evaluations,
        similar_pairs=pairs, similar_scores=search.similar_score,
        similar_images=pool.images[pairs.reshape(-1)].reshape(len(pairs), 2, *pool.images.shape[1:]),
        example_images=pool.images[:N_EXAMPLES],
        shape_mean=shapes.mean(axis=1), shape_low=np.quantile(shapes, 0.16, axis=1), shape_high=np.quantile(shapes, 0.84, axis=1),
        deposited_energy=features.energy.cpu().numpy().astype(np.float32), primary_energy=np.asarray(pool.energies, np.float32),
        seconds={"pool": drawn - start, "duplicates": searched - drawn, "curve": curved - searched},
    )


def _gan_digest(config: BirthdayConfig) -> str | None:
    """The shipped checkpoint's SHA-256 (part of the cache key), if the GAN is used without retraining."""
    if "gan" not in config.sources or config.gan is not None:
        return None
    from ganplify_core.calorimeter.gan import PRETRAINED_PATH

    if not PRETRAINED_PATH.exists():
        return "missing"  # the run itself then stops with the loader's message
    return hashlib.sha256(PRETRAINED_PATH.read_bytes()).hexdigest()


def gan_available() -> bool:
    """Whether the shipped GAN checkpoint exists (the ``gan`` source needs it unless retrained)."""
    try:
        from ganplify_core.calorimeter.gan import PRETRAINED_PATH
    except ImportError:
        return False
    return PRETRAINED_PATH.exists()


def quick_look(config: BirthdayConfig) -> BirthdayConfig:
    """A small, fast version of ``config`` (a few seconds cold) for a page's first load.

    Shapes + energy only (no SSIM), a pool of 400 showers, 400 orderings; without a GAN checkpoint the
    ``gan`` source is dropped.
    """
    sources = tuple(s for s in config.sources if s != "gan" or config.gan is not None or gan_available()) or ("sim",)
    return dataclasses.replace(config, sources=sources, features="shapes+energy", pool_size=400, replications=400,
                               threshold_showers=400, grid_points=25)


def retrain_gan(steps: int, seed: int, progress: Progress | None = None):
    """Train the calorimeter GAN (``train_calo_gan``, disk-cached) and return its config for ``BirthdayConfig.gan``."""
    from ganplify_core.calorimeter.gan import CaloGanConfig, train_calo_gan

    gan_config = CaloGanConfig(seed=int(seed), steps=int(steps))
    train_calo_gan(gan_config, progress)
    return gan_config


def _cache_key(config: BirthdayConfig) -> dict:
    return {"config": config, "gan_checkpoint": _gan_digest(config)}


def is_available(config: BirthdayConfig) -> bool:
    """Whether ``run_birthday(config)`` is on disk already (so a page may show it without a button)."""
    return cache.is_cached("birthday", _cache_key(config))


def run_birthday(config: BirthdayConfig, progress: Progress | None = None, use_cache: bool = True) -> BirthdayResult:
    """Duplicate-probability curves and support estimates for every source of ``config``.

    Parameters
    ----------
    config : BirthdayConfig
    progress : callable, optional
        ``progress(fraction, message)``.
    use_cache : bool
        Read/write the disk cache (keyed by the config and the GAN checkpoint).

    Returns
    -------
    BirthdayResult
    """
    config.validate()
    progress = progress or no_progress

    def compute() -> BirthdayResult:
        grid = support.subset_grid(config.pool_size, config.grid_points, config.grid_scale)
        progress(0.0, "simulating the training sample")
        train = draw_pool("sim", config.pool_size, config.energy, config.seed)
        threshold_set = shower_features(train.images[: config.threshold_showers], get_device())
        progress(0.05, "fitting the duplicate thresholds on training pairs")
        thresholds = duplicates.fit_thresholds(threshold_set, config.features, config.alpha, config.seed)
        del threshold_set
        results = []
        step = 0.9 / len(config.sources)
        for k, source in enumerate(config.sources):
            scaled(progress, 0.1 + k * step, 0.1 + (k + 1) * step)(0.0, f"{SOURCE_LABELS[source]}: pool, duplicates, curve")
            results.append(_source_result(config, source, thresholds, grid, pool=train if source == "sim" else None))
        progress(1.0, "done")
        return BirthdayResult(config=config, subset_sizes=grid, thresholds=thresholds, sources=tuple(results))

    if not use_cache:
        return compute()
    with torch.inference_mode():
        return cache.cached("birthday", _cache_key(config), compute)
