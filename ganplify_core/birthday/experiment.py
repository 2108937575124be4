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
from ganplify_core.birthday import duplicates, support, uploads
from ganplify_core.birthday.features import shower_features
from ganplify_core.birthday.sources import GAN_GRID, SIMULATED, SOURCE_LABELS, SOURCES, UPLOADED, draw_pool
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
# The simulator's grids (x × y × z cells): the default, and the seed's 3DGAN geometry.
GRIDS = {"25x25x25": (25, 25, 25), "51x51x25": (51, 51, 25)}
# Definitions of a duplicate, loosest first; every run computes all three (nested: each duplicate of a
# stricter definition is one of the looser ones, the thresholds being per-feature quantiles).
DEFINITIONS = tuple(duplicates.FEATURE_SETS)
# Simulated pools are held in memory as float32: showers × cells at most this (1.3 GB).
MAX_POOL_CELLS = uploads.MAX_TOTAL_CELLS
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
    ``grid`` is the simulator's geometry (25 × 25 × 25, or the seed's 51 × 51 × 25; the GAN makes 25³ only).
    ``features`` picks the headline definition; every run computes the curves of all three.
    ``showers_sha256`` / ``reference_sha256`` name uploaded ``.npz`` files (:mod:`.uploads`): the sources
    ``upload`` and ``reference``; with a reference the thresholds are fitted on it instead of the simulator.
    """

    sources: tuple[str, ...] = param(("sim", "sim-heldout", "gan", "templates"), choices=SOURCES, multiple=True,
                                     cli="--source", labels=SOURCE_LABELS, label="Generators to compare",
                                     help="which generators to test")
    energy: str = param("100", unit="GeV", label="Primary energy",
                        help="primary energy in GeV: a value (100) or a range (10-500) sampled uniformly, within 10–500")
    features: str = param("shapes+energy+ssim", choices=tuple(duplicates.FEATURE_SETS), widget="radio",
                          label="Headline definition: duplicate = close in",
                          help="the definition of the headline estimates (the seed's (a) to (c)); the curves of all "
                               "three come from the same run")
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
    grid: str = param("25x25x25", choices=tuple(GRIDS), label="Calorimeter grid (x × y × z cells)",
                      labels={"25x25x25": "25 × 25 × 25", "51x51x25": "51 × 51 × 25 (the seed's 3DGAN)"},
                      help="cells of the simulated showers: 25×25×25, or the seed's 51×51×25 (the GAN makes 25×25×25 only)")
    showers_sha256: str | None = None
    reference_sha256: str | None = None

    def __post_init__(self):
        # One text per energy, so that equal energies share one cache entry.
        energy = self.energy
        try:
            canonical = energy_text(energy) if isinstance(energy, (tuple, list)) else energy_text(parse_energy(energy))
        except (InputError, TypeError, ValueError):
            return  # check() reports it
        object.__setattr__(self, "energy", canonical)

    def check(self) -> None:
        self._check_uploads()
        if "gan" in self.sources and self.grid_shape != GAN_GRID:
            raise InputError(f"grid={self.grid}: the 3D GAN makes 25x25x25 showers only; with the seed's 51x51x25 grid "
                             "compare the simulator, templates, uniform or your own showers")
        cells = math.prod(self.grid_shape)
        if self.simulates and self.pool_size * cells > MAX_POOL_CELLS:
            raise InputError(f"pool={self.pool_size} showers of {self.grid} cells exceed {MAX_POOL_CELLS:.1e} cells "
                             f"(memory): use a pool of at most {MAX_POOL_CELLS // cells}")
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

    def _check_uploads(self) -> None:
        for source, digest, option in (("upload", self.showers_sha256, "--showers FILE"),
                                       ("reference", self.reference_sha256, "--reference FILE")):
            if digest is not None and not uploads.is_digest(digest):
                raise InputError(f"{source}: an uploaded file is named by its SHA-256 digest (64 hex digits)")
            if source in self.sources and digest is None:
                raise InputError(f"source '{source}' needs an uploaded .npz (upload one on the page, or {option})")
        if self.showers_sha256 is not None and "upload" not in self.sources:
            raise InputError("your showers were given but the source 'upload' is not selected")
        grids = {}
        for name, digest, source in (("your showers", self.showers_sha256, "upload"),
                                     ("your reference sample", self.reference_sha256, "reference")):
            if digest is not None:
                held = uploads.load(digest)
                grids[name] = held.grid
                if source in self.sources and self.pool_size > len(held):
                    raise InputError(f"pool={self.pool_size}, but {name} hold only {len(held)} showers: "
                                     f"use a pool of at most {len(held)}")
        if len(set(grids.values())) > 1:
            raise InputError("your reference sample has a grid of {} cells, your showers {}: they must match".format(
                uploads.grid_text(grids["your reference sample"]), uploads.grid_text(grids["your showers"])))
        if grids and self.simulates and next(iter(grids.values())) != self.grid_shape:
            grid = uploads.grid_text(next(iter(grids.values())))
            same = next((k for k, v in GRIDS.items() if v == next(iter(grids.values()))), None)
            fix = (f"use grid {same}" if same else "give a reference sample (--reference) and compare only your files "
                   "(--source upload,reference)")
            raise InputError(f"your files have a grid of {grid} cells but the simulator runs on {self.grid}: {fix}")

    @property
    def grid_shape(self) -> tuple[int, int, int]:
        return GRIDS.get(self.grid, GAN_GRID)

    @property
    def simulates(self) -> bool:
        """Whether the simulator runs: a simulated source, or the thresholds' training sample (no reference)."""
        return self.reference_sha256 is None or any(s in SIMULATED for s in self.sources)

    @property
    def threshold_source(self) -> str:
        """Where the thresholds come from: ``reference`` (your sample) or ``sim`` (the simulator)."""
        return "reference" if self.reference_sha256 is not None else "sim"

    def upload_of(self, source: str) -> str | None:
        return {"upload": self.showers_sha256, "reference": self.reference_sha256}.get(source)

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
class DefinitionResult:
    """One duplicate definition's curve and estimates for one source (the seed's plots (a), (b), (c)).

    ``features`` names the definition (a key of ``duplicates.FEATURE_SETS``); ``p_duplicate``,
    ``band_low``, ``band_high`` (G,) as in :class:`SourceResult`; ``estimates`` with their intervals.
    """

    features: str
    p_duplicate: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    estimates: support.SupportEstimates


@dataclasses.dataclass(frozen=True)
class SourceResult:
    """One source's curves, estimates and the material for its figures.

    Attributes
    ----------
    p_duplicate, band_low, band_high : (G,) p̂(s) on the grid and its 95 % Wilson band (headline definition).
    first_duplicate_sizes : int (R,) subset size of each ordering's first duplicate (M + 1: none).
    estimates : the support estimates (headline definition).
    definitions : every definition's curve and estimates, loosest first (shapes; + energy; + SSIM),
        all from the same pool and the same R orderings.
    true_support : K or d for the generators of known support, NaN otherwise.
    n_pairs, n_ssim_evaluations : pairs in the pool, and how many of them needed SSIM.
    similar_pairs : int (k, 2) the most similar pairs of the pool; similar_scores (k,) their largest
        distance in units of its threshold (≤ 1: a duplicate).
    similar_images : float32 (k, 2, X, Y, Z) the showers of the most similar pairs, GeV.
    example_images : float32 (n, X, Y, Z) the first showers of the pool, GeV.
    shape_mean, shape_low, shape_high : tuples of three arrays (X,), (Y,), (Z,): mean shower shapes
        along x, y, z and their 16–84 % band.
    deposited_energy, primary_energy : (M,) GeV (primary NaN where an upload gives none).
    seconds : time to draw the pool, find duplicates, and build the curves.
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
    shape_mean: tuple
    shape_low: tuple
    shape_high: tuple
    deposited_energy: np.ndarray
    primary_energy: np.ndarray
    seconds: dict
    definitions: tuple  # no default: results cached before the three definitions are recomputed

    def definition(self, features: str) -> DefinitionResult:
        return next(d for d in self.definitions if d.features == features)


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


def _pool(config: BirthdayConfig, source: str, n: int | None = None):
    return draw_pool(source, config.pool_size if n is None else n, config.energy_range, config.seed, config.templates,
                     config.support, config.gan_config, grid=config.grid_shape, upload=config.upload_of(source))


def _source_result(config: BirthdayConfig, source: str, thresholds: duplicates.DuplicateThresholds,
                   grid: np.ndarray, pool=None) -> SourceResult:
    device = get_device()
    start = time.perf_counter()
    if pool is None:
        pool = _pool(config, source)
    features = shower_features(pool.images, device)
    drawn = time.perf_counter()
    searches = {}
    for definition in DEFINITIONS:  # the headline one also ranks the most similar pairs
        headline = definition == config.features
        searches[definition] = duplicates.find_duplicates(features, duplicates.subset(thresholds, definition),
                                                          n_similar=N_SIMILAR if headline else 0)
    search = searches[config.features]
    searched = time.perf_counter()
    positions = support.ordering_positions(config.pool_size, config.replications, config.seed)
    definitions, first = [], None
    for definition in DEFINITIONS:
        found = searches[definition]
        sizes = support.first_duplicate_sizes(config.pool_size, found.i, found.j, config.replications, positions=positions)
        p = support.duplicate_probability(sizes, grid)
        low, high = support.wilson_interval(p, config.replications)
        variance = support.rate_variance(config.pool_size, found.i, found.j)
        definitions.append(DefinitionResult(definition, p, low, high,
                                            support.support_estimates(sizes, config.pool_size, len(found.i), variance)))
        if definition == config.features:
            first = sizes
    del positions
    headline = next(d for d in definitions if d.features == config.features)
    curved = time.perf_counter()
    shapes = [shape.cpu().numpy() for shape in features.shapes]
    pairs = np.stack([search.similar_i, search.similar_j], axis=1)
    return SourceResult(
        source=source, label=SOURCE_LABELS[source], p_duplicate=headline.p_duplicate, band_low=headline.band_low,
        band_high=headline.band_high, first_duplicate_sizes=first, estimates=headline.estimates,
        true_support=_true_support(config, source), n_pairs=search.n_pairs,
        n_ssim_evaluations=sum(found.n_ssim_evaluations for found in searches.values()),
        similar_pairs=pairs, similar_scores=search.similar_score,
        similar_images=pool.images[pairs.reshape(-1)].reshape(len(pairs), 2, *pool.images.shape[1:]),
        example_images=pool.images[:N_EXAMPLES],
        shape_mean=tuple(x.mean(axis=0) for x in shapes), shape_low=tuple(np.quantile(x, 0.16, axis=0) for x in shapes),
        shape_high=tuple(np.quantile(x, 0.84, axis=0) for x in shapes),
        deposited_energy=features.energy.cpu().numpy().astype(np.float32), primary_energy=np.asarray(pool.energies, np.float32),
        seconds={"pool": drawn - start, "duplicates": searched - drawn, "curve": curved - searched},
        definitions=tuple(definitions),
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


MAX_EXPORT = 2000  # showers per exported file: a GAN pool of 2 000 is about 11 MB compressed (page uploads: 20 MB)


def export_showers(config: BirthdayConfig, source: str, n: int | None = None) -> bytes:
    """The first ``n`` (≤ :data:`MAX_EXPORT`) showers of ``source``'s pool in this run, as a ``.npz`` that
    the upload reads back (``showers`` (n, X, Y, Z) float32 GeV, ``energy`` (n,) where known)."""
    n = min(config.pool_size if n is None else int(n), MAX_EXPORT, config.pool_size)
    pool = _pool(config, source)  # the same seed: the very showers of the run's pool
    energy = pool.energies[:n] if np.all(np.isfinite(pool.energies[:n])) else None
    return uploads.showers_npz(pool.images[:n], energy)


def page_config(config: BirthdayConfig, showers_sha256: str | None = None,
                reference_sha256: str | None = None) -> BirthdayConfig:
    """The page's config with its uploads: the uploaded sources added, the pool at most the files' showers,
    the grid the files' (when it is a simulator grid; on another grid only your files are compared), and
    the GAN dropped on a grid it cannot make."""
    sources = list(config.sources)
    changes: dict = {"showers_sha256": showers_sha256, "reference_sha256": reference_sha256}
    held = []
    for source, digest in (("upload", showers_sha256), ("reference", reference_sha256)):
        if digest is not None:
            if source not in sources:
                sources.insert(0 if source == "upload" else len(sources), source)
            showers = uploads.load(digest)
            held.append(len(showers))
            grid = next((name for name, g in GRIDS.items() if g == showers.grid), None)
            if grid is not None:
                changes["grid"] = grid
    if held:
        changes["pool_size"] = min([config.pool_size] + held)
        grids = {uploads.load(d).grid for d in (showers_sha256, reference_sha256) if d is not None}
        if not grids <= set(GRIDS.values()):  # no simulator on your grid: your files only
            sources = [s for s in sources if s in UPLOADED]
    grid = GRIDS.get(changes.get("grid", config.grid), GAN_GRID)
    if grid != GAN_GRID and "gan" in sources and len(sources) > 1:
        sources.remove("gan")
    return dataclasses.replace(config, sources=tuple(sources), **changes)


def quick_look(config: BirthdayConfig) -> BirthdayConfig:
    """A small, fast version of ``config`` (a few seconds cold) for a page's first load.

    Shapes + energy only (no SSIM), a pool of 300 showers, 300 orderings; the ``gan`` source is dropped
    when its generator is not at hand (no shipped checkpoint, or a retrained GAN not trained yet).
    """
    gan_ready = gan_available() if not config.gan_steps else experiments.is_cached(CALO_GAN, config.gan_config)
    sources = tuple(s for s in config.sources if s != "gan" or gan_ready) or ("sim",)
    pool = min([QUICK_POOL] + [len(uploads.load(config.upload_of(s))) for s in sources if s in UPLOADED])
    return dataclasses.replace(config, sources=sources, features="shapes+energy", pool_size=pool,
                               replications=QUICK_POOL, threshold_showers=max(pool, 10), grid_points=25)


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
        origin = config.threshold_source
        progress(0.0, "simulating the training sample" if origin == "sim" else "reading your reference sample")
        if origin == "sim":
            train = _pool(config, "sim")
        else:  # the reference file: the first threshold_showers of it (it may hold fewer than the pool)
            held = len(uploads.load(config.reference_sha256))
            train = _pool(config, "reference", min(held, max(config.pool_size, config.threshold_showers)))
        threshold_set = shower_features(train.images[: config.threshold_showers], get_device())
        progress(0.05, "fitting the duplicate thresholds on training pairs")
        # Every feature's threshold (SSIM too): the three definitions share them, so they are nested.
        thresholds = duplicates.fit_thresholds(threshold_set, DEFINITIONS[-1], config.alpha, config.seed)
        del threshold_set
        results = []
        step = 0.9 / len(config.sources)
        for k, source in enumerate(config.sources):
            scaled(progress, 0.1 + k * step, 0.1 + (k + 1) * step)(0.0, f"{SOURCE_LABELS[source]}: pool, duplicates, curves")
            reuse = source == origin and len(train.images) >= config.pool_size
            results.append(_source_result(config, source, thresholds, grid,
                                          pool=dataclasses.replace(train, images=train.images[:config.pool_size],
                                                                   energies=train.energies[:config.pool_size]) if reuse else None))
        progress(1.0, "done")
    return BirthdayResult(config=config, subset_sizes=grid, thresholds=thresholds, sources=tuple(results))


def _estimates_json(e: support.SupportEstimates) -> dict:
    return {
        "s_star": e.s_star, "support_estimate": e.support_estimate,
        "support_estimate_refined": e.support_estimate_refined, "collision_estimate": e.collision_estimate,
        "support_lower_bound": e.support_lower_bound, "duplicate_pairs": e.n_duplicate_pairs,
        "duplicate_rate": e.duplicate_rate, "duplicate_rate_ci95": list(e.duplicate_rate_ci95),
        "collision_estimate_ci95": list(e.collision_ci95), "s_star_ci95": list(e.s_star_ci95),
        "support_estimate_refined_ci95": list(e.support_refined_ci95), "dispersion": e.dispersion,
    }


def baseline_source(result: BirthdayResult) -> str | None:
    """The pool other sources' duplicate rates are divided by: the held-out simulator (free of the
    threshold fit), else the thresholds' own training sample (simulator or your reference)."""
    names = [s.source for s in result.sources]
    return next((name for name in ("sim-heldout", "sim", "reference") if name in names), None)


def relative_rates(result: BirthdayResult) -> dict:
    """Per source (not the baseline) and definition: its duplicate rate over the baseline's, 95 % interval.

    ``{source: {definition: {"ratio", "ci95": [lo, hi], "duplicate_pairs", "baseline_pairs"}}}``; empty
    without a baseline. This, not the support estimates themselves, compares a generator with the
    simulator: the simulator's own "support" is a constant of the method (about 1/α per feature).
    """
    base_name = baseline_source(result)
    if base_name is None:
        return {}
    base = result.source(base_name)
    out = {}
    for s in result.sources:
        if s.source == base_name:
            continue
        rows = {}
        for d in s.definitions:
            b = base.definition(d.features).estimates
            e = d.estimates
            ratio, low, high = support.rate_ratio(e.n_duplicate_pairs, e.n_pairs, b.n_duplicate_pairs, b.n_pairs,
                                                  var_1=e.rate_variance, var_2=b.rate_variance)
            rows[d.features] = {"ratio": ratio, "ci95": [low, high], "duplicate_pairs": e.n_duplicate_pairs,
                                "baseline_pairs": b.n_duplicate_pairs}
        out[s.source] = rows
    return out


def method_constant(result: BirthdayResult, features: str) -> float:
    """1/α^k, k the definition's features: the simulator's collision "support" if its k features were
    independent, each passing its α-quantile threshold with probability α by construction."""
    return result.thresholds.alpha ** -len(duplicates.feature_names(features))


def summary(result: BirthdayResult) -> dict:
    """The numbers the CLI prints: the first source's at top level, every source's under ``by_source``.

    Each source also carries ``by_definition`` (shapes; shapes+energy; shapes+energy+ssim: the same keys
    for each), and the top level ``relative_duplicate_rate`` (per source and definition, over the
    ``baseline``), ``method_constant`` (1/α^k per definition), ``grid`` and ``threshold_source``.
    """
    by_source = {}
    for s in result.sources:
        by_source[s.source] = {
            "p_duplicate": s.p_duplicate, "band_low": s.band_low, "band_high": s.band_high,
            **_estimates_json(s.estimates),
            "pairs": s.n_pairs, "ssim_evaluations": s.n_ssim_evaluations,
            "true_support": s.true_support,  # NaN (none known) and the other non-finite values: null, by cli.main
            "by_definition": {d.features: {"p_duplicate": d.p_duplicate, **_estimates_json(d.estimates)}
                              for d in s.definitions},
        }
    first = result.sources[0].source
    thresholds = dict(zip(result.thresholds.features, result.thresholds.values))
    return {"source": first, "subset_sizes": result.subset_sizes, **by_source[first],
            "thresholds": thresholds, "by_source": by_source, "features": result.config.features,
            "grid": list(result.sources[0].example_images.shape[1:]), "threshold_source": result.config.threshold_source,
            "baseline": baseline_source(result), "relative_duplicate_rate": relative_rates(result),
            "method_constant": {d: method_constant(result, d) for d in DEFINITIONS}}


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
    headline_ssim = config.features.endswith("ssim")
    cells = math.prod(config.grid_shape) / math.prod(GAN_GRID)  # per-shower costs grow with the cells
    if config.showers_sha256 or config.reference_sha256:
        held = [len(uploads.load(d)) for d in (config.showers_sha256, config.reference_sha256) if d]
        cells = math.prod(uploads.load(config.showers_sha256 or config.reference_sha256).grid) / math.prod(GAN_GRID)
        thresholds = min(config.threshold_showers, m if config.reference_sha256 is None else held[-1])
    else:
        thresholds = min(config.threshold_showers, m)
    threshold_pairs = min(thresholds * (thresholds - 1) // 2, duplicates.THRESHOLD_PAIRS)
    seconds = SECONDS_OVERHEAD + thresholds * SECONDS_PER_FEATURE_SHOWER * cells + threshold_pairs * SECONDS_PER_THRESHOLD_PAIR
    if config.threshold_source == "sim":
        seconds += m * SECONDS_PER_SIMULATED_SHOWER * cells
    # Every run fits the SSIM threshold too (all three definitions come from one run).
    seconds += (thresholds * SECONDS_PER_SSIM_IMAGE + min(threshold_pairs, duplicates.SSIM_THRESHOLD_PAIRS)
                * SECONDS_PER_SSIM_PAIR) * cells
    for source in config.sources:
        if source == "sim-heldout":
            seconds += m * SECONDS_PER_SIMULATED_SHOWER * cells
        elif source in ("templates", "uniform"):
            size = config.templates if source == "templates" else config.support
            seconds += _distinct_draws(config, size) * SECONDS_PER_SIMULATED_SHOWER * cells
        elif source == "gan":
            seconds += SECONDS_GAN_LOAD + m * SECONDS_PER_GAN_SHOWER
        found = _expected_duplicates(config, source)
        seconds += m * SECONDS_PER_FEATURE_SHOWER * cells + len(DEFINITIONS) * m * (m - 1) / 2 * SECONDS_PER_PAIR_SCREENED
        checked = found + (4 * N_SIMILAR if headline_ssim else 0)
        seconds += (min(2 * checked, m) * SECONDS_PER_SSIM_IMAGE + checked * SECONDS_PER_SSIM_PAIR) * cells
        seconds += r * m * SECONDS_PER_ORDERING_ELEMENT + len(DEFINITIONS) * r * found * SECONDS_PER_ORDERING_PAIR
    return seconds


def estimate_seconds(config: BirthdayConfig) -> float:
    """Wall time on the 2-core machine class: pools, duplicate searches, orderings; a retrained GAN's
    training too unless it is cached."""
    seconds = _estimate_without_training(config)
    if config.uses_retrained_gan and not experiments.is_cached(CALO_GAN, config.gan_config):
        seconds += CALO_GAN.estimate_seconds(config.gan_config)
    return seconds


# The page's default, shipped so that its first view shows the seed's answer with nothing pressed: shapes only,
# α = 0.05, M = 1000 (issue 13's demo setting), with templates of known support as the method's check.
PAGE_DEFAULT = BirthdayConfig(sources=("sim", "sim-heldout", "gan", "templates"), features="shapes", alpha=0.05,
                              pool_size=1000, replications=1000)
# The page's GAN settings under a preset: the shipped checkpoint (its retraining slider back at 300 steps).
_SHIPPED_GAN = {"retrained": False, "gan_steps": 300}
PRESETS = (
    experiments.Preset(
        "paper", "The paper's setting",
        BirthdayConfig(sources=("sim", "sim-heldout", "gan"), features="shapes+energy+ssim", alpha=0.02, energy="100",
                       pool_size=2000, replications=1000), page_values=_SHIPPED_GAN,
        note="Jaruskova & Vallecorsa's: the 100 GeV bin, α = 0.02, shapes + energy + SSIM as the headline (all three "
             "definitions computed), 1 000 replications; the simulator and the GAN on the 25×25×25 grid."),
    experiments.Preset(
        "demo", "A 30-second demo", PAGE_DEFAULT, page_values=_SHIPPED_GAN,
        note="Shapes only, α = 0.05, 1 000 showers per generator: the GAN's pairs are duplicates many times as often "
             "as the simulator's, and templates of known support check the method."),
    experiments.Preset(
        "fails", "Where it fails",
        BirthdayConfig(sources=("sim-heldout", "templates"), features="shapes", alpha=0.05, pool_size=2000,
                       replications=1000, templates=100_000), page_values=_SHIPPED_GAN,
        note="A generator of 100 000 distinct showers measured with shapes only at α = 0.05: the simulator's own "
             "duplicate rate (≈ α³ per pair) swamps it, so the method cannot see a support above about 1/α³."),
)

BIRTHDAY = experiments.register(experiments.Experiment(
    name="birthday", config_type=BirthdayConfig, compute=run_birthday, to_json=summary,
    estimate_seconds=estimate_seconds, cache_key=cache_key, label="Pools, duplicate pairs and curves",
    presets=PRESETS, ship=(PAGE_DEFAULT,),
    calibration=(BirthdayConfig(sources=("sim", "templates"), features="shapes", pool_size=3000, replications=2000),
                 BirthdayConfig(sources=("sim", "sim-heldout", "gan"), pool_size=2000, replications=1000),
                 BirthdayConfig(sources=("templates", "uniform"), energy="10-500", pool_size=2000,
                                replications=3000, templates=500, support=5000))))
