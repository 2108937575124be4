"""What the latent explorer shows of one trained VAE: latent means, traversals, prior samples, reconstructions.

All functions take a model in evaluation mode and NumPy inputs and return NumPy arrays (decoded
manifold points (n, D), or decoded jets (n, n_out, 3) = (pT fraction, η, φ)).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch
from sklearn.decomposition import PCA

from ganplify_core.seeding import torch_generator
from ganplify_core.vae.beta_sweep import BetaSweepResult, latent_means
from ganplify_core.vae.experiment import plateau_value
from ganplify_core.vae.model import VAE


def _device(model: VAE) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def decode(model: VAE, z: np.ndarray) -> np.ndarray:
    """Decoder output at latent coordinates ``z`` (n, latent_dim): Gaussian values, an angle, a category."""
    return model.decode_coordinates(torch.as_tensor(np.asarray(z, dtype=np.float32), device=_device(model))).cpu().numpy()


def factor_range(model: VAE, dim: int, span: float = 2.5) -> tuple[float, float]:
    """Where a traversal of latent factor ``dim`` goes: ±span for a Gaussian, (−π, π) for an angle, the categories."""
    if model.latent.kind == "periodic" and dim == 0:
        return -float(np.pi), float(np.pi)
    if model.latent.kind == "categorical" and dim == 0:
        return 0.0, float(model.latent.n_categories - 1)
    return -span, span


def encode_means(model: VAE, inputs: np.ndarray) -> np.ndarray:
    """Posterior means μ(x), (n, latent_dim)."""
    return latent_means(model, torch.as_tensor(inputs, device=_device(model)))


def most_active(kl_per_dim: np.ndarray, k: int = 2) -> np.ndarray:
    """Indices of the ``k`` latent dimensions with the largest KL, most informative first."""
    return np.argsort(-np.asarray(kl_per_dim))[:k]


def active_dimensions(kl_per_dim: np.ndarray, threshold: float = 0.25) -> np.ndarray:
    """Latent dimensions with KL above ``threshold`` nats, most informative first."""
    kl_per_dim = np.asarray(kl_per_dim)
    active = np.flatnonzero(kl_per_dim > threshold)
    return active[np.argsort(-kl_per_dim[active])]


def representative_beta_index(result: BetaSweepResult) -> int:
    """The grid point nearest the (geometric) middle of the flattest half-decade of D(β), else the middle β."""
    _, lo, hi = plateau_value(result.dimensionality, result.betas)
    target = np.sqrt(lo * hi) if np.isfinite(lo) else np.sqrt(result.betas[0] * result.betas[-1])
    return int(np.argmin(np.abs(np.log(result.betas) - np.log(target))))


def traversal_paths(model: VAE, z: np.ndarray, dims: np.ndarray, span: float = 2.5, n_steps: int = 41) -> list[np.ndarray]:
    """Decoded paths through latent point ``z`` along each latent factor in ``dims`` (:func:`factor_range`)."""
    paths = []
    for dim in dims:
        lo, hi = factor_range(model, dim, span)
        line = np.repeat(np.asarray(z, dtype=np.float32)[None, :], n_steps, axis=0)
        line[:, dim] = np.linspace(lo, hi, n_steps, dtype=np.float32)
        paths.append(decode(model, line))
    return paths


def prior_samples(model: VAE, n: int, seed: int = 0) -> np.ndarray:
    """Decoded draws of the prior (z ~ N(0, 1); an angle uniform on the circle; a category uniform)."""
    return decode(model, model.latent.prior_coordinates(n, torch_generator(seed)).numpy())


@torch.no_grad()
def reconstructions(model: VAE, inputs: np.ndarray, seed: int = 0) -> np.ndarray:
    """Reconstructions with the latent noise sampled (what the loss sees)."""
    generator = torch_generator(seed, _device(model))
    x = torch.as_tensor(inputs, device=_device(model))
    h = model.encode(x)
    terms = model.latent.reconstruction_terms(h, generator)
    if len(terms) > 1:  # a category: decode with the likeliest one
        weights = torch.stack([torch.as_tensor(w) for w, _ in terms], dim=-1)
        best = weights.argmax(-1)
        outputs = torch.stack([model.decode(inputs) for _, inputs in terms], dim=1)
        return outputs[torch.arange(len(x)), best].cpu().numpy()
    return model.decode(terms[0][1]).cpu().numpy()


@dataclasses.dataclass(frozen=True)
class Projection:
    """A fixed 3D principal-component view of a point cloud, to draw decoded points in the same frame."""

    mean: np.ndarray
    components: np.ndarray

    @classmethod
    def fit(cls, points: np.ndarray) -> Projection:
        pca = PCA(n_components=min(3, points.shape[1])).fit(points)
        return cls(pca.mean_, pca.components_)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points) - self.mean) @ self.components.T


def active_runs(result: BetaSweepResult) -> list[tuple[int, float, float]]:
    """Runs of consecutive β (ascending) with the same number of active latents: (count, first β, last β)."""
    runs: list[tuple[int, float, float]] = []
    for count, beta in zip(np.asarray(result.active_dims).tolist(), np.asarray(result.betas).tolist()):
        if runs and runs[-1][0] == count:
            runs[-1] = (count, runs[-1][1], beta)
        else:
            runs.append((count, beta, beta))
    return runs


def active_sentence(result: BetaSweepResult) -> str:
    """"2 active latents at every β from 0.01 to 0.62, 0 at 2" (Markdown), read from the sweep."""
    parts = []
    for count, lo, hi in active_runs(result):
        where = f"at β = {lo:.3g}" if lo == hi else f"at every β from {lo:.3g} to {hi:.3g}"
        parts.append(f"**{count}** {where}")
    return "Active latents (KL > 0.25 nats): " + "; ".join(parts) + "."


def range_text(values: np.ndarray) -> str:
    """"1.5–1.8": the range of finite values to 2 significant decimals."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return "—"
    lo, hi = float(values.min()), float(values.max())
    return f"{lo:.2f}" if abs(hi - lo) < 0.005 else f"{lo:.2f}–{hi:.2f}"
