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
    """Decoder output for latent points ``z`` (n, latent_dim)."""
    return model.decode(torch.as_tensor(np.asarray(z, dtype=np.float32), device=_device(model))).cpu().numpy()


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
    """Decoded paths through latent point ``z`` along each latent dimension in ``dims`` (μ from −span to span)."""
    values = np.linspace(-span, span, n_steps, dtype=np.float32)
    paths = []
    for dim in dims:
        line = np.repeat(np.asarray(z, dtype=np.float32)[None, :], n_steps, axis=0)
        line[:, dim] = values
        paths.append(decode(model, line))
    return paths


def prior_samples(model: VAE, n: int, seed: int = 0) -> np.ndarray:
    """Decoded draws z ~ N(0, 1) of the prior."""
    generator = torch_generator(seed)
    z = torch.randn((n, model.latent_dim), generator=generator).numpy()
    return decode(model, z)


@torch.no_grad()
def reconstructions(model: VAE, inputs: np.ndarray, seed: int = 0) -> np.ndarray:
    """Reconstructions with the latent noise sampled (what the loss sees)."""
    generator = torch_generator(seed, _device(model))
    x = torch.as_tensor(inputs, device=_device(model))
    mu, logvar = model.encode(x)
    z = mu + torch.randn(mu.shape, generator=generator, device=mu.device) * torch.exp(0.5 * logvar)
    return model.decode(z).cpu().numpy()


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
