"""The VAE latent explorer's experiments: a β sweep (``vae``) and a correlation dimension (``corrdim``).

Each experiment has one frozen config whose fields carry its parameters (:mod:`ganplify_core.params`):
:class:`VaeConfig` (the data plus the β grid and training budget) and :class:`CorrdimConfig` (the data
plus the number of Q values). Both derive from :class:`DatasetConfig`, the data settings, which
:func:`load_dataset` turns into model inputs. Everything runs them through
``experiments.run(VAE_SWEEP, config)`` / ``experiments.run(CORRDIM, config)``; :func:`load_model` rebuilds
the VAE at any β of a finished sweep for the latent explorer (it never trains).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from ganplify_core import experiments, params, upload_store
from ganplify_core.device import get_device
from ganplify_core.errors import InputError
from ganplify_core.jets import files as jet_files
from ganplify_core.jets.sample import SOURCES
from ganplify_core.params import param
from ganplify_core.sweeps import n_jobs
from ganplify_core.training import Progress
from ganplify_core.vae.beta_sweep import (
    BetaSweepConfig,
    BetaSweepResult,
    jet_vae,
    log_beta_grid,
    point_vae,
    train_beta_sweep,
)
from ganplify_core.vae.corrdim import CorrelationDimension, correlation_dimension, emd_distances, euclidean_distances
from ganplify_core.vae.latents import LATENT_KINDS
from ganplify_core.vae.manifolds import MANIFOLDS, make_manifold
from ganplify_core.vae.model import JET_DISTANCES, VAE

DATASETS = ("manifold", "jets")
JET_PROCESSES = ("w", "qcd", "top")
HIDDEN = 64  # hidden units of the VAEs (not a setting)
# The β grid (LO, HI, N) and training steps per β of each dataset when none are given (the CLI's defaults,
# and what the page sets when the data are chosen). Jets (W, exact EMD, 2 000 jets, 4 latents, seed 0;
# measured): two active latents from β = 0.005 to 0.018 with D(β) = 2.0-2.3 and D_rec = 2.0-2.1 at
# 0.012-0.018, one at 0.028-0.043, collapse from 0.065; the manifolds' grid (0.01-2) left 7 of 10 β collapsed.
DEFAULT_BETAS = {"manifold": (0.01, 2.0, 10), "jets": (0.005, 0.1, 8)}
DEFAULT_STEPS = {"manifold": 250, "jets": 400}


def dataset_grid(dataset: str) -> dict:
    """The default β grid and steps per β of a dataset as config fields."""
    return {**dict(zip(("beta_min", "beta_max", "n_betas"), DEFAULT_BETAS[dataset])),
            "steps_per_beta": DEFAULT_STEPS[dataset]}


# Ambient dimensions a manifold needs (the sheet: d coordinates + d bends).
MIN_AMBIENT = {"circle": 2, "mixed": 4}
# Training steps a sweep may take in all (first β: 2 × steps per β): minutes on the 2-core machine class.
MAX_TOTAL_STEPS = {"manifold": 100_000, "jets": 5_000}
MAX_CORRDIM_JETS = 2_000  # n(n−1)/2 exact EMDs: 2 000 jets are 2·10⁶ of them, about 4 min on 2 idle cores


@dataclasses.dataclass(frozen=True)
class DatasetConfig(params.Config):
    """Which data: a toy manifold (kind, d, D, noise) or jets (process, source); n points; seed.

    Jets from the user's file (issue 15.3): ``source="file"``, the upload's SHA-256 ``jets_digest`` (the bytes
    stored by :func:`ganplify_core.jets.files.store_upload`; the cache key follows the content, never the
    name), its ``jets_format`` and the ``jets_class`` to use; :func:`file_jets` reads it with ``read_jets``."""

    dataset: str = param("manifold", choices=DATASETS, widget="radio", label="Data",
                         help="toy manifolds of known dimension, or jets (distance: energy mover's distance)")
    manifold: str = param("sheet", choices=MANIFOLDS, label="Toy manifold",
                          help="sheet: a curved d-manifold; circle: S¹ (periodic, d = 1); "
                               "mixed: a curve (d = 1) plus a surface (d = 2)")
    intrinsic_dim: int = param(2, lo=1, hi=5, widget="slider", label="Intrinsic dimension d (sheet)",
                               help="d of the sheet")
    ambient_dim: int = param(16, lo=2, hi=1024, label="Ambient dimension D", help="D, the embedding dimension")
    noise: float = param(0.01, lo=0.0, hi=1.0, step=0.001, format="%.3f", widget="slider",
                         label="Noise per ambient direction (16 dims)",
                         help="standard deviation of the Gaussian noise per ambient direction (the sheet's size is ≈ 1)")
    process: str = param("w", choices=JET_PROCESSES, widget="radio", label="Jets",
                         help="jet process (dataset jets); W: two prongs, QCD: one, top: three")
    source: str = param("toy", choices=SOURCES + (jet_files.SOURCE,), label="Jet source",
                        help="jet source: toy, reference, or file (your jets file: --jets-input FILE)")
    jets_format: str = param("jetnet", choices=jet_files.FORMATS, labels=jet_files.FORMAT_LABELS, label="File format",
                             cli="--jets-format", help="the layout of your jets file (source file)")
    jets_class: str = param("", label="Class of jets", cli="--jets-class",
                            help="the class of your jets file to use, e.g. qcd, top, w or <label>=<value> "
                                 "(blank: the file's only class)")
    jets_digest: str = ""  # SHA-256 of the uploaded file, stored by ganplify_core.jets.files.store_upload
    jets_name: str = ""    # its name (messages and the terminal line; not in the cache key)
    n: int = param(2500, lo=10, hi=50_000, unit="points", label="Points / jets",
                   help="number of points or jets")
    seed: int = params.seed_param()

    def check(self) -> None:
        if self.dataset == "manifold":
            need = MIN_AMBIENT.get(self.manifold, 2 * self.intrinsic_dim)
            if self.ambient_dim < need:
                raise InputError(f"ambient_dim={self.ambient_dim} is too small for the {self.manifold}"
                                 f"{f' of dimension {self.intrinsic_dim}' if self.manifold == 'sheet' else ''}; "
                                 f"use at least {need}")
        if self.from_file:
            if not self.jets_digest:
                raise InputError("upload a jets file first (the CLI reads one as --dataset jets --jets-input FILE "
                                 "--jets-format FORMAT)")
            if not upload_store.exists(self.jets_digest):
                raise InputError("the uploaded jets file is no longer on this server (the cache was cleared): "
                                 "upload it again")

    @property
    def from_file(self) -> bool:
        """Jets read from the user's file (stored under ``jets_digest``) rather than generated."""
        return self.dataset == "jets" and self.source == jet_files.SOURCE

    @property
    def data(self) -> DatasetConfig:
        """The data settings alone (what :func:`load_dataset` reads)."""
        return DatasetConfig(**{f.name: getattr(self, f.name) for f in dataclasses.fields(DatasetConfig)})

    @property
    def ignored(self) -> tuple[str, ...]:
        """The settings this config's dataset does not use (left out of its terminal line and cache key)."""
        file_fields = ("jets_format", "jets_class", "jets_digest")
        if self.dataset == "jets":
            return ("manifold", "intrinsic_dim", "ambient_dim", "noise") \
                + (("process",) if self.from_file else file_fields)
        return ("process", "source") + file_fields + (("intrinsic_dim",) if self.manifold != "sheet" else ())

    def canonical(self):
        """This config with the settings its dataset ignores at their defaults (the cache key: one entry for both).

        A jets file is in the key by its content (``jets_digest``), never by its name."""
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        return dataclasses.replace(self, **{name: defaults[name] for name in self.ignored + ("jets_name",)})

    @property
    def distance_unit(self) -> str:
        return "ΔR (EMD of pT fractions)" if self.dataset == "jets" else "ambient units"

    @property
    def jets_title(self) -> str:
        """The jets in words: W, QCD, top, or a class of the user's file."""
        if self.from_file:
            return f"{self.jets_class or 'file'} jets of {self.jets_name or 'your file'}"
        return f"{self.process.upper()} jets"

    @property
    def expected_dimension(self) -> float | None:
        """The intrinsic dimension known by construction (sheet: d, circle: 1), else None."""
        if self.dataset != "manifold":
            return None
        return {"sheet": float(self.intrinsic_dim), "circle": 1.0}.get(self.manifold)


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Model inputs and the physical properties to colour them by.

    ``inputs`` is (n, D) for manifolds, (n, 50, 3) = (pT fraction, η, φ) for jets; ``properties`` maps a
    name (manifold coordinate, jet mass, τ21, ...) to an (n,) array.
    """

    inputs: np.ndarray
    properties: dict


def load_dataset(config: DatasetConfig) -> Dataset:
    """Generate (or load) the data of ``config`` (any config deriving from :class:`DatasetConfig`)."""
    if config.dataset == "manifold":
        sample = make_manifold(config.manifold, config.n, config.intrinsic_dim, config.ambient_dim, config.noise, config.seed)
        properties = {f"coordinate t{k + 1}": sample.coordinates[:, k] for k in range(sample.coordinates.shape[1])}
        if config.manifold == "mixed":
            properties["intrinsic dimension"] = sample.intrinsic_dim.astype(np.float32)
        return Dataset(sample.points, properties)
    if config.from_file:
        jets = file_jets(config)
    else:
        from ganplify_core.jets import get_jets

        jets = get_jets(config.process, config.n, seed=config.seed, source=config.source)
    pt = np.where(jets.mask, jets.pt, 0.0).astype(np.float32)
    weights = pt / np.maximum(pt.sum(1, keepdims=True), 1e-30)
    inputs = np.stack([weights, jets.eta * jets.mask, jets.phi * jets.mask], axis=-1).astype(np.float32)
    properties = {"jet mass [GeV]": jets.observables["mass"], "τ21": jets.observables["tau21"],
                  "constituents": jets.observables["n_constituents"]}
    return Dataset(inputs, {k: np.asarray(v, dtype=np.float32) for k, v in properties.items()})


def file_samples(digest: str, format: str, name: str | None = None) -> dict:
    """Every jet (up to ``read_jets``' limit) of the uploaded file ``digest``, by class; read once, then from the
    disk cache (keyed by the content's digest and the format, not the name)."""
    from ganplify_core import cache

    return cache.cached("jets-file", {"digest": digest, "format": format},
                        lambda: jet_files.read_jets(jet_files.uploaded_bytes(digest), format, max_jets=jet_files.MAX_JETS,
                                                    name=name))


def file_classes(digest: str, format: str, name: str | None = None) -> dict:
    """The classes of the uploaded file ``digest`` and their numbers of jets."""
    return {c: len(jets) for c, jets in file_samples(digest, format, name).items()}


def file_jets(config: DatasetConfig):
    """The first ``config.n`` jets of class ``config.jets_class`` in the uploaded file (read by ``read_jets``; all
    of them when the class has fewer)."""
    from ganplify_core.jets.experiment import _head

    name = config.jets_name or "the jets file"
    classes = file_samples(config.jets_digest, config.jets_format, config.jets_name or None)
    if config.jets_class:
        if config.jets_class not in classes:
            raise InputError(f"{name} has no class {config.jets_class!r}; its classes are "
                             f"{', '.join(classes)}")
        jets = classes[config.jets_class]
    elif len(classes) == 1:
        jets = next(iter(classes.values()))
    else:
        raise InputError(f"{name} has the classes {', '.join(classes)}: choose one (--jets-class)")
    if len(jets) < jet_files.MIN_JETS:
        raise InputError(f"{name} has {len(jets)} jets of class {jets.process!r}; at least {jet_files.MIN_JETS} "
                         "are needed")
    return _head(jets, config.n)


def _split(n: int) -> int:
    return max(1, int(round(0.8 * n)))


def held_out(dataset: Dataset) -> tuple[np.ndarray, dict]:
    """The evaluation part of a dataset (the inputs the sweep did not train on) and its properties."""
    n_train = _split(len(dataset.inputs))
    return dataset.inputs[n_train:], {k: v[n_train:] for k, v in dataset.properties.items()}


# -- the β sweep -----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class VaeConfig(DatasetConfig):
    """A β sweep: the data, the β grid (log-spaced) and the training budget (``python -m ganplify_core vae``)."""

    beta_min: float = param(0.01, lo=1e-4, hi=100.0, widget="number", format="%.4f", label="Smallest β",
                            help="smallest β of the log grid (a distance: ambient units, or ΔR for jets)")
    beta_max: float = param(2.0, lo=1e-4, hi=100.0, widget="number", format="%.3f", label="Largest β",
                            help="largest β of the log grid")
    n_betas: int = param(10, lo=3, hi=30, widget="slider", label="β values (log grid)", help="number of β values")
    latent_dim: int = param(5, lo=1, hi=16, widget="slider", label="Latent dimensions",
                            help="latent factors of the VAE (the periodic angle or the category counts as one)")
    latent_kind: str = param("gaussian", choices=LATENT_KINDS, widget="radio", label="Latent space",
                             help="gaussian: R^L (the seed's VAE); periodic: S¹ × R^(L−1), an angle for a circle; "
                                  "categorical: a category × R^(L−1), for a sample made of pieces (toy manifolds only)")
    n_categories: int = param(2, lo=2, hi=8, label="Categories (categorical latent)",
                              help="number of categories K of the categorical latent (it costs at most ln K nats)")
    jet_distance: str = param("exact", choices=JET_DISTANCES, widget="radio", label="Jet reconstruction distance",
                              help="exact: the EMD from a network simplex per jet, with its exact gradient; sinkhorn: "
                                   "the seed's entropic approximation (ε = 0.01 ΔR, 40 iterations), biased at small "
                                   "distances (jets only)")
    steps_per_beta: int = param(250, lo=1, hi=5_000, widget="slider", label="Training steps per β (annealed)",
                                help="training steps at each β (twice as many at the first)")

    def check(self) -> None:
        super().check()
        if self.dataset == "jets" and self.latent_kind != "gaussian":
            raise InputError(f"latent_kind={self.latent_kind} is for the toy manifolds; the jet VAE has a gaussian "
                             "latent space (the toy jets are centred: no periodic coordinate, one process per sample)")
        if not self.beta_min < self.beta_max:
            raise InputError(f"beta_min={self.beta_min:g} must be smaller than beta_max={self.beta_max:g}")
        limit = MAX_TOTAL_STEPS[self.dataset]
        if self.total_steps > limit:
            raise InputError(f"{self.total_steps} training steps in all (steps_per_beta × (n_betas + 1)) is more than "
                             f"the {limit} a {self.dataset} sweep may take; use fewer steps or β values")

    @property
    def total_steps(self) -> int:
        return self.steps_per_beta * (self.n_betas + 1)  # the first β trains twice as long

    @property
    def ignored(self) -> tuple[str, ...]:
        return super().ignored + (("n_categories",) if self.latent_kind != "categorical" else ()) \
            + (("jet_distance",) if self.dataset != "jets" else ())

    def betas(self) -> tuple[float, ...]:
        return log_beta_grid(self.beta_min, self.beta_max, self.n_betas)

    @property
    def sweep_config(self) -> BetaSweepConfig:
        return BetaSweepConfig(betas=self.betas(), latent_dim=self.latent_dim, hidden=HIDDEN,
                               steps_per_beta=self.steps_per_beta, first_steps=2 * self.steps_per_beta,
                               batch_size=256 if self.dataset == "manifold" else 64,
                               anneal_upwards=self.dataset == "jets", seed=self.seed,
                               latent_kind=self.latent_kind, n_categories=self.n_categories,
                               jet_distance=self.jet_distance)


@dataclasses.dataclass(frozen=True)
class VaeSweepResult(BetaSweepResult):
    """A β sweep's per-β statistics and weights (:class:`BetaSweepResult`) and the unit of its distance."""

    distance_unit: str = ""
    latent_kind: str = "gaussian"
    factor_names: tuple = ()
    # categorical latent on the mixed sample: per β, the purity of the likeliest category against the true
    # piece (Σ over categories of the largest piece's count, over n); empty otherwise
    category_purity: np.ndarray | None = None

    def summary(self) -> dict:
        """The CLI's JSON (``python -m ganplify_core vae --json``); the gaussian latent's keys as they always were."""
        out = {"betas": self.betas, "kl_total": self.kl_total, "kl_per_dim": self.kl_per_dim,
               "dimensionality": self.dimensionality,
               "dimensionality_reconstruction": self.dimensionality_reconstruction,
               "distance2": self.distance2, "active_dims": self.active_dims, "distance_unit": self.distance_unit}
        if self.latent_kind != "gaussian":
            out.update(latent_kind=self.latent_kind, latent_factors=list(self.factor_names))
            if self.category_purity is not None:
                out["category_purity"] = self.category_purity
        return out


def new_model(config: VaeConfig) -> VAE:
    """An untrained VAE for ``config``'s data with its architecture."""
    if config.dataset == "jets":
        return jet_vae(config.sweep_config)
    return point_vae(config.ambient_dim, config.sweep_config)


def run_beta_sweep(config: VaeConfig, progress: Progress | None = None) -> VaeSweepResult:
    """Train the annealed β sweep of ``config`` (the ``vae`` experiment's compute; not cached here)."""
    dataset = load_dataset(config)
    inputs = torch.as_tensor(dataset.inputs, device=get_device())
    n_train = _split(len(inputs))
    model = new_model(config)
    sweep = train_beta_sweep(model, inputs[:n_train], inputs[n_train:], config.sweep_config, progress)
    purity = None
    if config.latent_kind == "categorical" and "intrinsic dimension" in dataset.properties:
        pieces = dataset.properties["intrinsic dimension"][n_train:]
        with torch.no_grad():
            purity = np.array([category_purity(load_model(config, state).coordinates(inputs[n_train:])[:, 0].cpu().numpy(),
                                               pieces) for state in sweep.state_dicts])
    return VaeSweepResult(**{f.name: getattr(sweep, f.name) for f in dataclasses.fields(BetaSweepResult)},
                          distance_unit=config.distance_unit, latent_kind=config.latent_kind,
                          factor_names=tuple(model.latent.factor_names()), category_purity=purity)


def category_purity(categories: np.ndarray, pieces: np.ndarray) -> float:
    """Σ over categories of the count of its commonest piece, over n (1: every category holds one piece)."""
    categories, pieces = np.asarray(categories).astype(int), np.asarray(pieces).astype(int)
    if len(categories) == 0:
        return float("nan")
    total = 0
    for c in np.unique(categories):
        total += np.bincount(pieces[categories == c]).max()
    return total / len(categories)


def load_model(config: VaeConfig, state_dict: dict) -> VAE:
    """The VAE of a finished sweep at one β (one of its ``state_dicts``), in evaluation mode: no training."""
    model = new_model(config)
    model.load_state_dict({k: torch.as_tensor(v) for k, v in state_dict.items()})
    return model.to(get_device()).eval()


# Measured on the 2-core machine class as CPU seconds of one thread (time.process_time, which is what an idle
# core gives; the machine was shared when they were measured), checked by benchmarks/bench_estimates.py.
SECONDS_PER_POINT_STEP = 2.2e-3     # one Adam step of the point VAE, batch 256, 64 hidden units, one thread
SECONDS_PER_JET_STEP = 0.030        # one step of the jet VAE, batch 64: a batched Sinkhorn EMD and its gradient
# The exact EMD loss (a network simplex per jet, gradient from the plan and potentials) against Sinkhorn: CPU
# time per step of the same jet VAE measured in one process on the shared machine, 28 ms against 39-42 ms.
# To be re-measured idle (benchmarks/bench_estimates.py).
JET_DISTANCE_COST = {"sinkhorn": 1.0, "exact": 0.72}
SECONDS_PER_JET_EVALUATED = 6e-4    # one held-out jet through the jet VAE and Sinkhorn, per β
SECONDS_PER_JET_GENERATED = 1.2e-3  # the toy shower generator (first use only; then read from the disk cache)


# Cost of a step relative to the Gaussian latent's (CPU time of the same sweeps, measured on the shared
# machine; to be re-measured idle): the periodic latent's Gamma draws cost about half a step more; the
# categorical one decodes once per category (the decoder is about a quarter of a step).
LATENT_COST = {"gaussian": lambda config: 1.0, "periodic": lambda config: 1.5,
               "categorical": lambda config: 1.0 + 0.25 * (config.n_categories - 1)}


def estimate_sweep_seconds(config: VaeConfig) -> float:
    """Wall time of a β sweep: training steps (batch ≤ 256 points or 64 jets), evaluation at each β, data."""
    n_train, n_test = _split(config.n), config.n - _split(config.n)
    if config.dataset == "jets":
        per_step = SECONDS_PER_JET_STEP * min(64, n_train) / 64 * (1 + config.latent_dim / 64) \
            * JET_DISTANCE_COST[config.jet_distance]
        data = SECONDS_PER_JET_GENERATED * config.n
        evaluation = config.n_betas * n_test * SECONDS_PER_JET_EVALUATED
    else:
        batch = min(256, n_train)
        per_step = SECONDS_PER_POINT_STEP * (0.4 + 0.6 * batch / 256) * (1 + config.ambient_dim / 256) \
            * LATENT_COST[config.latent_kind](config)
        data = 2e-6 * config.n * config.ambient_dim
        evaluation = config.n_betas * n_test * 2e-6
    return 0.5 + data + config.total_steps * per_step + evaluation


# -- the correlation dimension ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CorrdimConfig(DatasetConfig):
    """dim(Q) of the data from all pairwise distances (``python -m ganplify_core corrdim``)."""

    n: int = param(1000, lo=10, hi=10_000, unit="points", label="Points / jets for the correlation dimension",
                   help="points or jets; n(n−1)/2 pairwise distances (exact EMDs for jets)")
    n_q: int = param(30, lo=3, hi=200, label="Q values", help="number of Q values (log grid)")

    def check(self) -> None:
        super().check()
        if self.dataset == "jets" and self.n > MAX_CORRDIM_JETS:
            raise InputError(f"n={self.n} jets need {self.n * (self.n - 1) // 2} exact EMDs; use at most "
                             f"{MAX_CORRDIM_JETS} jets ({MAX_CORRDIM_JETS * (MAX_CORRDIM_JETS - 1) // 2} EMDs, minutes)")


@dataclasses.dataclass(frozen=True)
class CorrdimResult(CorrelationDimension):
    """dim(Q) (:class:`CorrelationDimension`) and the unit of its distance."""

    distance_unit: str = ""

    def summary(self) -> dict:
        """The CLI's JSON (``python -m ganplify_core corrdim --json``)."""
        return {"q": self.q, "dim": self.dim, "dim_err": self.dim_err, "pair_fraction": self.pair_fraction,
                "distance_unit": self.distance_unit}


def pairwise_distances(config: DatasetConfig, dataset: Dataset, progress: Progress | None = None) -> np.ndarray:
    """Condensed pairwise distances: exact EMD for jets, Euclidean for manifolds."""
    if config.dataset == "jets":
        weights, eta, phi = np.moveaxis(dataset.inputs, -1, 0)
        return emd_distances(weights, eta, phi, progress)
    return euclidean_distances(dataset.inputs)


def run_correlation_dimension(config: CorrdimConfig, progress: Progress | None = None) -> CorrdimResult:
    """dim(Q) of ``config.n`` points of the dataset, with bootstrap error bars (the ``corrdim`` compute)."""
    dataset = load_dataset(config)
    distances = pairwise_distances(config, dataset, progress)
    result = correlation_dimension(distances, len(dataset.inputs), n_q=config.n_q, seed=config.seed)
    return CorrdimResult(**{f.name: getattr(result, f.name) for f in dataclasses.fields(CorrelationDimension)},
                         distance_unit=config.distance_unit)


SECONDS_PER_EMD = 7.5e-5          # one exact EMD of two jets on one core: our simplex, 73 CPU-µs (bench_emd.py, load 2.5)
SECONDS_PER_PAIR_BOOTSTRAP = 1.8e-8 # one pair in one of the 31 counts (30 bootstrap resamples + the sample)


def estimate_corrdim_seconds(config: CorrdimConfig) -> float:
    """Wall time of dim(Q): the pairwise distances (exact EMDs over the cores for jets), then 31 counts."""
    pairs = config.n * (config.n - 1) / 2
    counting = pairs * 31 * SECONDS_PER_PAIR_BOOTSTRAP
    if config.dataset == "jets":
        workers = max(1, min(n_jobs(), config.n // 2))  # threads of this process (no worker processes to start)
        return 0.5 + SECONDS_PER_JET_GENERATED * config.n + pairs * SECONDS_PER_EMD / workers + counting
    return 0.1 + pairs * 1e-8 * config.ambient_dim / 16 + counting


# The page's presets: what each shows is said in its note; the page default and the circle pair are shipped
# (assets/shipped/, by make assets), so the first view and "where it fails" show their answer at once.
PAGE_DEFAULT = VaeConfig()
CIRCLE_GAUSSIAN = VaeConfig(manifold="circle", n=600, latent_dim=2, beta_min=0.03, beta_max=2.0, n_betas=5,
                            steps_per_beta=600)
CIRCLE_PERIODIC = CIRCLE_GAUSSIAN.replace(latent_kind="periodic")
JETS_W = VaeConfig(dataset="jets", process="w", n=2000, latent_dim=4, **dataset_grid("jets"))
PRESETS = (
    experiments.Preset(
        "paper", "The paper's setting", PAGE_DEFAULT, page_values={"n_corrdim": 1000},
        note="Collins' dimensionality analysis on a toy of known dimension: a curved 2-sheet in 16 dimensions "
             "(noise 0.01); D(β) = −dKL/d ln β and the correlation dimension dim(Q) side by side."),
    experiments.Preset(
        "demo", "A 30-second demo", VaeConfig(intrinsic_dim=1, n=1000, n_betas=6, steps_per_beta=300, latent_dim=3),
        page_values={"n_corrdim": 1000},
        note="A curved line (d = 1): one latent opens between the noise and the size of the curve."),
    experiments.Preset(
        "fails", "Where it fails", CIRCLE_GAUSSIAN, page_values={"n_corrdim": 1000},
        note="The circle: the Gaussian VAE keeps two latents where the data have one dimension (it does not "
             "cut the circle open as the seed expects); the periodic latent beside it uses one."),
    experiments.Preset(
        "jets", "W jets", JETS_W, page_values={"n_corrdim": 300},
        note="The seed's application: W jets with the exact EMD; the jets' own β grid (minutes)."),
)

VAE_SWEEP = experiments.register(experiments.Experiment(
    name="vae", config_type=VaeConfig, compute=run_beta_sweep, to_json=VaeSweepResult.summary,
    estimate_seconds=estimate_sweep_seconds, cache_key=VaeConfig.canonical,
    label="Annealing the VAE along the β grid", presets=PRESETS,
    ship=(PAGE_DEFAULT, CIRCLE_GAUSSIAN, CIRCLE_PERIODIC),
    calibration=(VaeConfig(n_betas=6, steps_per_beta=1000),
                 VaeConfig(manifold="circle", n=600, latent_dim=3, n_betas=4, steps_per_beta=2000),
                 VaeConfig(dataset="jets", n=300, beta_min=0.005, beta_max=0.2, n_betas=3, steps_per_beta=60))))

CORRDIM = experiments.register(experiments.Experiment(
    name="corrdim", config_type=CorrdimConfig, compute=run_correlation_dimension, to_json=CorrdimResult.summary,
    estimate_seconds=estimate_corrdim_seconds, cache_key=CorrdimConfig.canonical,
    label="Pairwise distances and the correlation dimension", ship=(CorrdimConfig(),),
    calibration=(CorrdimConfig(n=6000),
                 CorrdimConfig(dataset="jets", n=500),  # estimated above 5 s (the calibration range)
                 CorrdimConfig(dataset="jets", n=600, process="qcd"))))


# -- reading a dimension curve -----------------------------------------------------------------------------

PLATEAU_TOLERANCE = 0.2  # a plateau varies by at most this fraction of its level over the half-decade


def plateau_value(values: np.ndarray, scales: np.ndarray, window_decades: float = 0.5,
                  tolerance: float = PLATEAU_TOLERANCE) -> tuple[float, float, float]:
    """The flattest stretch of a dimension curve, if it is flat: (mean value, lower scale, upper scale).

    Among windows [s, s·10^window_decades] that fit inside the grid, starting at a grid point, the one whose
    values (the grid points inside) vary least, provided they vary by at most ``tolerance`` × their mean over
    the half-decade (their spread scaled from the points' span to the window's) and the mean is above 0.5; NaNs where no window qualifies: a curve that falls steadily has no plateau, and
    none is reported. A summary for text, not a fit.
    """
    order = np.argsort(np.asarray(scales, dtype=float))
    values, scales = np.asarray(values, dtype=float)[order], np.asarray(scales, dtype=float)[order]
    log_s = np.log10(scales)
    best = (np.nan, np.nan, np.nan)
    best_spread = np.inf
    for i in range(len(scales)):
        if log_s[i] + window_decades > log_s[-1] + 1e-9:
            break
        inside = (log_s >= log_s[i]) & (log_s <= log_s[i] + window_decades + 1e-9)
        window = values[inside]
        if inside.sum() < 2 or np.isnan(window).any():
            continue
        # the change over the whole window, scaled up from the grid points inside (two points a third of a
        # decade apart changing by 0.4 change by 0.6 over half a decade)
        span = log_s[inside].max() - log_s[inside].min()
        spread, level = (window.max() - window.min()) * window_decades / max(span, 1e-12), window.mean()
        if spread < best_spread and level > 0.5 and spread <= tolerance * level:
            best_spread, best = spread, (float(level), float(scales[inside][0]), float(scales[inside][-1]))
    return best


def flattest_half_decade(curve: str, scale: str, values: np.ndarray, scales: np.ndarray) -> str:
    """One sentence (Markdown) on :func:`plateau_value` of a curve, e.g. ``curve="dim(Q)", scale="Q"``."""
    level, lo, hi = plateau_value(values, scales)
    if np.isnan(level):
        return (f"{curve} has no plateau: no half-decade of {scale} over which it stays within "
                f"{PLATEAU_TOLERANCE:.0%} of its level (it keeps changing, or has gaps).")
    return f"Flattest half-decade of {curve}: **{level:.2f}** for {scale} in [{lo:.3g}, {hi:.3g}]."
