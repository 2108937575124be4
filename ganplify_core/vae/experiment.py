"""The VAE latent explorer's experiments: a β sweep and a correlation dimension on one dataset.

A page (or the CLI) fills a frozen :class:`DatasetConfig` plus :class:`SweepSettings`, calls
:func:`run_beta_sweep` or :func:`run_correlation_dimension` (both disk-cached per config) and plots
the result. :func:`load_model` rebuilds the VAE at any β of a sweep for the latent explorer.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from ganplify_core import cache
from ganplify_core.device import get_device
from ganplify_core.errors import InputError
from ganplify_core.training import Progress
from ganplify_core.vae.beta_sweep import (BetaSweepConfig, BetaSweepResult, jet_vae, log_beta_grid, point_vae,
                                          train_beta_sweep)
from ganplify_core.vae.corrdim import CorrelationDimension, correlation_dimension, emd_distances, euclidean_distances
from ganplify_core.vae.manifolds import MANIFOLDS, make_manifold
from ganplify_core.vae.model import VAE

DATASETS = ("manifold", "jets")
JET_PROCESSES = ("w", "qcd", "top")


@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    """Which data: a toy manifold (kind, d, D, noise) or jets (process, source); n points; seed."""

    dataset: str = "manifold"
    manifold: str = "sheet"
    intrinsic_dim: int = 2
    ambient_dim: int = 16
    noise: float = 0.01
    process: str = "w"
    source: str = "toy"
    n: int = 2500
    seed: int = 0

    def __post_init__(self):
        if self.dataset not in DATASETS:
            raise InputError(f"dataset={self.dataset!r} is unknown; use one of {', '.join(DATASETS)}")
        if self.dataset == "manifold" and self.manifold not in MANIFOLDS:
            raise InputError(f"manifold={self.manifold!r} is unknown; use one of {', '.join(MANIFOLDS)}")
        if self.dataset == "jets" and self.process not in JET_PROCESSES:
            raise InputError(f"process={self.process!r} is unknown; use one of {', '.join(JET_PROCESSES)}")
        if self.n < 10:
            raise InputError(f"n={self.n} is too small; use at least 10")

    @property
    def distance_unit(self) -> str:
        return "ΔR (EMD of pT fractions)" if self.dataset == "jets" else "ambient units"

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
    """Generate (or load) the data of ``config``."""
    if config.dataset == "manifold":
        sample = make_manifold(config.manifold, config.n, config.intrinsic_dim, config.ambient_dim, config.noise, config.seed)
        properties = {f"coordinate t{k + 1}": sample.coordinates[:, k] for k in range(sample.coordinates.shape[1])}
        if config.manifold == "mixed":
            properties["intrinsic dimension"] = sample.intrinsic_dim.astype(np.float32)
        return Dataset(sample.points, properties)
    from ganplify_core.jets import get_jets

    jets = get_jets(config.process, config.n, seed=config.seed, source=config.source)
    pt = np.where(jets.mask, jets.pt, 0.0).astype(np.float32)
    weights = pt / np.maximum(pt.sum(1, keepdims=True), 1e-30)
    inputs = np.stack([weights, jets.eta * jets.mask, jets.phi * jets.mask], axis=-1).astype(np.float32)
    properties = {"jet mass [GeV]": jets.observables["mass"], "τ21": jets.observables["tau21"],
                  "constituents": jets.observables["n_constituents"]}
    return Dataset(inputs, {k: np.asarray(v, dtype=np.float32) for k, v in properties.items()})


# -- the β sweep -----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SweepSettings:
    """The β grid (log-spaced) and the training budget of a sweep."""

    beta_min: float = 0.01
    beta_max: float = 2.0
    n_betas: int = 10
    latent_dim: int = 5
    steps_per_beta: int = 250
    hidden: int = 64

    def __post_init__(self):
        if not 1 <= self.latent_dim <= 16:
            raise InputError(f"latent_dim={self.latent_dim} must be between 1 and 16")
        if not 1 <= self.steps_per_beta <= 100_000:
            raise InputError(f"steps_per_beta={self.steps_per_beta} must be between 1 and 100000")
        self.betas()  # validates the grid

    def betas(self) -> tuple[float, ...]:
        return log_beta_grid(self.beta_min, self.beta_max, self.n_betas)


def _split(n: int) -> int:
    return max(1, int(round(0.8 * n)))


def _sweep_config(data: DatasetConfig, settings: SweepSettings) -> BetaSweepConfig:
    return BetaSweepConfig(betas=settings.betas(), latent_dim=settings.latent_dim, hidden=settings.hidden,
                           steps_per_beta=settings.steps_per_beta, first_steps=2 * settings.steps_per_beta,
                           batch_size=256 if data.dataset == "manifold" else 64,
                           anneal_upwards=data.dataset == "jets", seed=data.seed)


def new_model(data: DatasetConfig, settings: SweepSettings) -> VAE:
    """An untrained VAE for ``data`` with the architecture of ``settings``."""
    config = _sweep_config(data, settings)
    if data.dataset == "jets":
        return jet_vae(config)
    return point_vae(data.ambient_dim, config)


def run_beta_sweep(data: DatasetConfig, settings: SweepSettings, progress: Progress | None = None) -> BetaSweepResult:
    """Train the annealed β sweep on ``data`` (disk-cached per config)."""

    def compute() -> BetaSweepResult:
        inputs = torch.as_tensor(load_dataset(data).inputs, device=get_device())
        n_train = _split(len(inputs))
        return train_beta_sweep(new_model(data, settings), inputs[:n_train], inputs[n_train:],
                                _sweep_config(data, settings), progress)

    return cache.cached("vae-beta-sweep", (data, settings), compute)


def is_sweep_cached(data: DatasetConfig, settings: SweepSettings) -> bool:
    """Whether :func:`run_beta_sweep` would load from disk instead of training."""
    return cache.is_cached("vae-beta-sweep", (data, settings))


def load_model(data: DatasetConfig, settings: SweepSettings, state_dict: dict) -> VAE:
    """The VAE of a sweep at one β, in evaluation mode on the compute device."""
    model = new_model(data, settings)
    model.load_state_dict({k: torch.as_tensor(v) for k, v in state_dict.items()})
    return model.to(get_device()).eval()


def held_out(data: DatasetConfig, dataset: Dataset) -> tuple[np.ndarray, dict]:
    """The evaluation part of a dataset (the inputs the sweep did not train on) and its properties."""
    n_train = _split(len(dataset.inputs))
    return dataset.inputs[n_train:], {k: v[n_train:] for k, v in dataset.properties.items()}


# -- the correlation dimension ---------------------------------------------------------------------------

def pairwise_distances(data: DatasetConfig, dataset: Dataset, progress: Progress | None = None) -> np.ndarray:
    """Condensed pairwise distances: exact EMD for jets, Euclidean for manifolds."""
    if data.dataset == "jets":
        weights, eta, phi = np.moveaxis(dataset.inputs, -1, 0)
        return emd_distances(weights, eta, phi, progress)
    return euclidean_distances(dataset.inputs)


def run_correlation_dimension(data: DatasetConfig, n_q: int = 30, progress: Progress | None = None) -> CorrelationDimension:
    """dim(Q) of ``data.n`` points of the dataset, with bootstrap error bars (disk-cached)."""

    def compute() -> CorrelationDimension:
        dataset = load_dataset(data)
        distances = pairwise_distances(data, dataset, progress)
        return correlation_dimension(distances, len(dataset.inputs), n_q=n_q, seed=data.seed)

    return cache.cached("vae-correlation-dimension", (data, n_q), compute)


def is_corrdim_cached(data: DatasetConfig, n_q: int = 30) -> bool:
    """Whether :func:`run_correlation_dimension` would load from disk instead of computing."""
    return cache.is_cached("vae-correlation-dimension", (data, n_q))


def plateau_value(values: np.ndarray, scales: np.ndarray, window_decades: float = 0.5) -> tuple[float, float, float]:
    """The flattest stretch of a dimension curve: (mean value, lower scale, upper scale).

    Among windows [s, s·10^window_decades] that fit inside the grid, starting at a grid point, the one whose
    values (the grid points inside) vary least; NaNs where no window fits or every window has a gap (NaN).
    A summary for text, not a fit.
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
        spread = window.max() - window.min()
        if spread < best_spread and window.mean() > 0.5:
            best_spread, best = spread, (float(window.mean()), float(scales[inside][0]), float(scales[inside][-1]))
    return best


def flattest_half_decade(curve: str, scale: str, values: np.ndarray, scales: np.ndarray) -> str:
    """One sentence (Markdown) on :func:`plateau_value` of a curve, e.g. ``curve="dim(Q)", scale="Q"``."""
    level, lo, hi = plateau_value(values, scales)
    if np.isnan(level):
        return f"{curve} has no half-decade of {scale} without gaps to summarise."
    return f"Flattest half-decade of {curve}: **{level:.2f}** for {scale} in [{lo:.3g}, {hi:.3g}]."
