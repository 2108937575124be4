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
import functools
import hashlib
import math
import re
import time

import numpy as np
import torch

from ganplify_core import experiments, params
from ganplify_core.birthday import duplicates, support
from ganplify_core.birthday.features import shower_features
from ganplify_core.birthday.sources import SOURCE_LABELS, SOURCES, draw_pool
from ganplify_core.calorimeter.gan import CALO_GAN, MAX_STEPS, PRETRAINED_PATH, CaloGanConfig
from ganplify_core.device import get_device
from ganplify_core.errors import InputError
from ganplify_core.params import param
from ganplify_core.training import Progress, no_progress, scaled

N_EXAMPLES = 3
QUICK_POOL = 300  # the quick look's pool size and orderings (estimated under 5 s with every source)
N_SIMILAR = 3
ENERGY_LIMITS_GEV = (10.0, 500.0)
# R orderings of M showers are held as R × M positions (8 bytes each, three arrays at the peak):
# at most 2·10⁸ of them, about 5 GB.
MAX_ORDERING_ELEMENTS = 200_000_000
# Templates or uniform draws: a pool holds about C(M, 2)/K duplicate pairs, each one is kept in memory
# and checked (with SSIM, the expensive feature); at most 10⁷ of them.
MAX_EXPECTED_DUPLICATES = 10_000_000
_ENERGY_TEXT = re.compile(r"^\s*([0-9.eE+]+)\s*(?:[-–]\s*([0-9.eE+]+))?\s*(?:GeV)?\s*$")


def parse_energy(text: str) -> tuple[float, float]:
    """``"100"`` or ``"100 GeV"`` → (100, 100); ``"10-500"`` or ``"10–500 GeV"`` → (10, 500)."""
    match = _ENERGY_TEXT.match(str(text))
    try:
        if match is None:
            raise ValueError
        lo = float(match.group(1))
        hi = float(match.group(2)) if match.group(2) else lo
    except ValueError:
        raise InputError(f"energy={str(text)[:40]}: a value (100) or a range (10-500) in GeV") from None
    return lo, hi


def energy_text(energy: tuple[float, float]) -> str:
    """(100, 100) → ``"100"``, (10, 500) → ``"10-500"``: how the CLI writes an energy."""
    lo, hi = (float(e) for e in energy)
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


@dataclasses.dataclass(frozen=True)
class BirthdayConfig(params.Config):
    """Everything that determines a birthday-paradox result (the page's controls and the CLI's options).

    ``energy`` is text: ``"100"`` (a fixed bin) or ``"10-500"`` (uniform in the range), GeV, written in
    a canonical form (``"100.0"`` and ``(100, 100)`` become ``"100"``); :attr:`energy_range` is the pair.
    ``gan_steps`` 0 uses the shipped checkpoint ``assets/calo_gan.pt``; otherwise the GAN is retrained
    for that many steps with this config's seed (``train-calo-gan --steps N --seed S``, disk-cached).
    """

    sources: tuple[str, ...] = param(("sim", "sim-heldout", "gan", "templates"), choices=SOURCES, multiple=True,
                                     cli="--source", labels=SOURCE_LABELS, label="Generators to compare",
                                     help="which generators to test")
    energy: str = param("100", unit="GeV", label="Primary energy",
                        help="primary energy in GeV: a value (100) or a range (10-500) sampled uniformly, within 10–500")
    features: str = param("shapes+energy+ssim", choices=tuple(duplicates.FEATURE_SETS), widget="radio",
                          label="Duplicate = close in", help="what defines a duplicate (the seed's definitions (a) to (c))")
    alpha: float = param(0.02, lo=0.001, hi=0.49, label="Threshold quantile α",
                         help="threshold quantile of training-pair distances (the seed uses 0.02 or 0.05)")
    pool_size: int = param(2000, lo=10, hi=20_000, unit="showers", url="pool", cli="--pool",
                           label="Pool size M (showers per generator)", help="M, showers drawn per source")
    replications: int = param(1000, lo=10, hi=100_000, label="Replications R (random orderings)",
                              help="R, random orderings of the pool")
    grid_points: int = param(40, lo=2, hi=500, label="Subset sizes shown", help="subset sizes reported, 2..M")
    grid_scale: str = param("log", choices=("log", "linear"), widget="radio", label="Subset-size grid",
                            help="subset sizes spaced on a log or a linear scale")
    templates: int = param(1000, lo=1, hi=10_000_000, widget="number", label="K (templates: true support)",
                           help="K, the template generator's support")
    support: int = param(1000, lo=1, hi=10_000_000, widget="number", label="d (uniform: true support)",
                         help="d, the uniform generator's support")
    threshold_showers: int = param(1000, lo=10, hi=5000, unit="showers",
                                   help="training showers whose pairs give the thresholds (the first of the sim pool)")
    gan_steps: int = param(0, lo=0, hi=MAX_STEPS, label="GAN training steps",
                           help="0: the shipped GAN checkpoint; else the GAN retrained for this many steps with this seed")
    seed: int = params.seed_param(help="seeds every sample and ordering (and a retrained GAN)")

    def __post_init__(self):
        # One text per energy, so that equal energies share one cache entry.
        energy = self.energy
        try:
            canonical = energy_text(energy) if isinstance(energy, (tuple, list)) else energy_text(parse_energy(energy))
        except (InputError, TypeError, ValueError):
            return  # check() reports it
        object.__setattr__(self, "energy", canonical)

    def check(self) -> None:
        lo, hi = parse_energy(self.energy)
        if not ENERGY_LIMITS_GEV[0] <= lo <= hi <= ENERGY_LIMITS_GEV[1]:
            raise InputError(f"energy={self.energy}: use a value or a range (low-high) within 10–500 GeV")
        if self.replications * self.pool_size > MAX_ORDERING_ELEMENTS:
            raise InputError(f"replications={self.replications} with pool={self.pool_size}: R × M must stay below "
                             f"{MAX_ORDERING_ELEMENTS:.0e} (memory); use fewer replications or a smaller pool")
        pairs = self.pool_size * (self.pool_size - 1) / 2
        for source, name, size in (("templates", "templates", self.templates), ("uniform", "support", self.support)):
            if source in self.sources and pairs / size > MAX_EXPECTED_DUPLICATES:
                raise InputError(f"{name}={size} with pool={self.pool_size}: about {pairs / size:.1e} duplicate pairs "
                                 f"(more than {MAX_EXPECTED_DUPLICATES:.0e}); use a larger {name} or a smaller pool")

    @property
    def energy_range(self) -> tuple[float, float]:
        """(lo, hi) primary energy in GeV: a fixed bin when lo = hi, else uniform in [lo, hi]."""
        return parse_energy(self.energy)

    @property
    def gan_config(self) -> CaloGanConfig | None:
        """The retrained GAN's config, or None for the shipped checkpoint."""
        return CaloGanConfig(seed=self.seed, steps=self.gan_steps) if self.gan_steps else None

    @property
    def uses_retrained_gan(self) -> bool:
        return "gan" in self.sources and self.gan_steps > 0


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
        pool = draw_pool(source, config.pool_size, config.energy_range, config.seed, config.templates, config.support,
                         config.gan_config)
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


@functools.lru_cache(maxsize=4)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _gan_digest(config: BirthdayConfig) -> str | None:
    """The shipped checkpoint's SHA-256 (part of the cache key), if the GAN is used without retraining."""
    if "gan" not in config.sources or config.gan_steps:
        return None
    if not PRETRAINED_PATH.exists():
        return "missing"  # the run itself then stops with the loader's message
    stat = PRETRAINED_PATH.stat()
    return _file_digest(str(PRETRAINED_PATH), stat.st_size, stat.st_mtime_ns)


def gan_available() -> bool:
    """Whether the shipped GAN checkpoint exists (the ``gan`` source needs it unless retrained)."""
    return PRETRAINED_PATH.exists()


def cache_key(config: BirthdayConfig) -> dict:
    """What a result depends on: the config, and the shipped checkpoint's content when it is used."""
    return {"config": config, "gan_checkpoint": _gan_digest(config)}


def quick_look(config: BirthdayConfig) -> BirthdayConfig:
    """A small, fast version of ``config`` (a few seconds cold) for a page's first load.

    Shapes + energy only (no SSIM), a pool of 300 showers, 300 orderings; the ``gan`` source is dropped
    when its generator is not at hand (no shipped checkpoint, or a retrained GAN not trained yet).
    """
    gan_ready = gan_available() if not config.gan_steps else experiments.is_cached(CALO_GAN, config.gan_config)
    sources = tuple(s for s in config.sources if s != "gan" or gan_ready) or ("sim",)
    return dataclasses.replace(config, sources=sources, features="shapes+energy", pool_size=QUICK_POOL,
                               replications=QUICK_POOL, threshold_showers=QUICK_POOL, grid_points=25)


def run_birthday(config: BirthdayConfig, progress: Progress | None = None) -> BirthdayResult:
    """Duplicate-probability curves and support estimates for every source of ``config`` (no cache:
    run it through ``experiments.run(BIRTHDAY, config)``).

    A retrained GAN (``gan_steps`` > 0) is trained first (``experiments.run(CALO_GAN, …)``, disk-cached).
    """
    config.validate()
    progress = progress or no_progress
    start = 0.0
    if config.uses_retrained_gan and not experiments.is_cached(CALO_GAN, config.gan_config):
        gan_seconds = CALO_GAN.estimate_seconds(config.gan_config)
        start = gan_seconds / (gan_seconds + _estimate_without_training(config))
        experiments.run(CALO_GAN, config.gan_config, scaled(progress, 0.0, start))
    progress = scaled(progress, start, 1.0)
    with torch.inference_mode():
        grid = support.subset_grid(config.pool_size, config.grid_points, config.grid_scale)
        progress(0.0, "simulating the training sample")
        train = draw_pool("sim", config.pool_size, config.energy_range, config.seed)
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


def summary(result: BirthdayResult) -> dict:
    """The numbers the CLI prints: the first source's at top level, every source's under ``by_source``."""
    by_source = {}
    for s in result.sources:
        e = s.estimates
        by_source[s.source] = {
            "p_duplicate": s.p_duplicate, "band_low": s.band_low, "band_high": s.band_high,
            "s_star": e.s_star, "support_estimate": e.support_estimate,
            "support_estimate_refined": e.support_estimate_refined, "collision_estimate": e.collision_estimate,
            "support_lower_bound": e.support_lower_bound,
            "duplicate_pairs": e.n_duplicate_pairs, "pairs": s.n_pairs, "ssim_evaluations": s.n_ssim_evaluations,
            "true_support": s.true_support,  # NaN (none known) and the other non-finite values: null, by cli.main
        }
    first = result.sources[0].source
    thresholds = dict(zip(result.thresholds.features, result.thresholds.values))
    return {"source": first, "subset_sizes": result.subset_sizes, **by_source[first],
            "thresholds": thresholds, "by_source": by_source}


# -- the time it takes, on the 2-core machine class (measured: see benchmarks/bench_estimates.py) --------------
# Rates from the process time of small runs, then the idle-machine benchmark (screening, SSIM and GAN rates).

SECONDS_OVERHEAD = 2.5e-01
SECONDS_PER_SIMULATED_SHOWER = 5.0e-04   # toy simulator, 2 000 spots per shower
SECONDS_PER_FEATURE_SHOWER = 5.0e-05     # shapes and energy of one shower
SECONDS_PER_THRESHOLD_PAIR = 6.0e-06     # shape and energy distances of one training pair
SECONDS_PER_PAIR_SCREENED = 2.5e-08      # the dense screen of M(M − 1)/2 pairs
SECONDS_PER_SSIM_IMAGE = 1.0e-04         # SSIM statistics of one image (3D Gaussian filters)
SECONDS_PER_SSIM_PAIR = 2.1e-04          # one SSIM of a pair
SECONDS_PER_ORDERING_ELEMENT = 1.0e-07   # R × M positions (two argsorts)
SECONDS_PER_ORDERING_PAIR = 2.0e-08      # R × D: each duplicate pair in each ordering
SECONDS_PER_GAN_SHOWER = 1.2e-03         # the shipped generator, per shower
SECONDS_GAN_LOAD = 1.5e-01


def _expected_duplicates(config: BirthdayConfig, source: str) -> float:
    pairs = config.pool_size * (config.pool_size - 1) / 2
    size = {"templates": config.templates, "uniform": config.support}.get(source)
    return pairs / size if size else 0.0


def _distinct_draws(config: BirthdayConfig, size: int) -> float:
    """Expected number of distinct members among M uniform draws from ``size``."""
    m = config.pool_size
    return size * -math.expm1(m * math.log1p(-1.0 / size)) if size > 1 else 1.0


def _estimate_without_training(config: BirthdayConfig) -> float:
    m, r = config.pool_size, config.replications
    ssim = config.features.endswith("ssim")
    thresholds = min(config.threshold_showers, m)
    threshold_pairs = min(thresholds * (thresholds - 1) // 2, duplicates.THRESHOLD_PAIRS)
    seconds = (SECONDS_OVERHEAD + m * SECONDS_PER_SIMULATED_SHOWER + thresholds * SECONDS_PER_FEATURE_SHOWER
               + threshold_pairs * SECONDS_PER_THRESHOLD_PAIR)
    if ssim:
        seconds += (thresholds * SECONDS_PER_SSIM_IMAGE
                    + min(threshold_pairs, duplicates.SSIM_THRESHOLD_PAIRS) * SECONDS_PER_SSIM_PAIR)
    for source in config.sources:
        if source == "sim-heldout":
            seconds += m * SECONDS_PER_SIMULATED_SHOWER
        elif source in ("templates", "uniform"):
            size = config.templates if source == "templates" else config.support
            seconds += _distinct_draws(config, size) * SECONDS_PER_SIMULATED_SHOWER
        elif source == "gan":
            seconds += SECONDS_GAN_LOAD + m * SECONDS_PER_GAN_SHOWER
        found = _expected_duplicates(config, source)
        seconds += m * SECONDS_PER_FEATURE_SHOWER + m * (m - 1) / 2 * SECONDS_PER_PAIR_SCREENED
        if ssim:
            checked = found + 4 * N_SIMILAR
            seconds += min(2 * checked, m) * SECONDS_PER_SSIM_IMAGE + checked * SECONDS_PER_SSIM_PAIR
        seconds += r * m * SECONDS_PER_ORDERING_ELEMENT + r * found * SECONDS_PER_ORDERING_PAIR
    return seconds


def estimate_seconds(config: BirthdayConfig) -> float:
    """Wall time on the 2-core machine class: pools, duplicate searches, orderings; a retrained GAN's
    training too unless it is cached."""
    seconds = _estimate_without_training(config)
    if config.uses_retrained_gan and not experiments.is_cached(CALO_GAN, config.gan_config):
        seconds += CALO_GAN.estimate_seconds(config.gan_config)
    return seconds


BIRTHDAY = experiments.register(experiments.Experiment(
    name="birthday", config_type=BirthdayConfig, compute=run_birthday, to_json=summary,
    estimate_seconds=estimate_seconds, cache_key=cache_key, label="Pools, duplicate pairs and curves",
    calibration=(BirthdayConfig(sources=("sim", "templates"), features="shapes", pool_size=3000, replications=2000),
                 BirthdayConfig(sources=("sim", "sim-heldout", "gan"), pool_size=2000, replications=1000),
                 BirthdayConfig(sources=("templates", "uniform"), energy="10-500", pool_size=2000,
                                replications=3000, templates=500, support=5000))))
