"""Variational autoencoders with a dimensionful β: one for points in R^D, one for jets as point clouds.

The loss of one input x (Collins, "Representation learning of collider events"; arXiv:2109.10919) is

    L = |x_out − x_in|² / β² + Σ_i ½ (−1 − log σ_i² + μ_i² + σ_i²),

the squared reconstruction distance in units of β plus the KL divergence of the Gaussian posterior
``q(z|x) = N(μ, σ²)`` from the prior ``N(0, 1)``, summed over latent dimensions i. β has the unit of the
distance: it is the price of information (a latent dimension is worth opening only if it cuts the
reconstruction error by more than β² per nat) and the resolution of the reconstruction (the latent
noise smears the output over a distance ~β). For points the distance is Euclidean; for jets it is the
Sinkhorn approximation of the energy mover's distance (:mod:`ganplify_core.vae.sinkhorn`) between the
input's and the output's normalised pT distributions in (η, φ).

In the linear-Gaussian picture each latent direction along which the data spread over a length ``a ≫ β``
settles at σ² ≈ β²/(2a²), so it costs KL_i ≈ ln(a/β) + ½ ln 2 and leaves ⟨|Δx|²⟩ ≈ β²/2 along it; hence
with D such directions

    D(β) = −dKL/d ln β   and   D(β) = 2 d⟨|Δx|²⟩/dβ².
"""

from __future__ import annotations

import torch
from torch import nn

from ganplify_core.vae.sinkhorn import sinkhorn_emd


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if k < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


def kl_per_dimension(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) per latent dimension, ``½(−1 − log σ² + μ² + σ²)``, shape of ``mu``."""
    return 0.5 * (-1.0 - logvar + mu * mu + logvar.exp())


class VAE(nn.Module):
    """Encoder, decoder and reconstruction distance; subclasses define the data's representation."""

    latent_dim: int

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and log-variance, each (B, latent_dim)."""
        raise NotImplementedError

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def distance2(self, x_in: torch.Tensor, x_out: torch.Tensor) -> torch.Tensor:
        """Squared reconstruction distance per input, (B,)."""
        raise NotImplementedError

    def losses(self, x: torch.Tensor, beta: float, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Per-input squared distance (B,), KL per dimension (B, L) and the mean loss (scalar)."""
        mu, logvar = self.encode(x)
        noise = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + noise * torch.exp(0.5 * logvar)
        dist2 = self.distance2(x, self.decode(z))
        kl = kl_per_dimension(mu, logvar)
        loss = (dist2 / beta**2 + kl.sum(1)).mean()
        return {"loss": loss, "distance2": dist2, "kl": kl}


class PointVAE(VAE):
    """MLP VAE for points in R^D with Euclidean reconstruction distance."""

    def __init__(self, data_dim: int, latent_dim: int = 5, hidden: int = 64):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = _mlp([data_dim, hidden, hidden, 2 * latent_dim])
        self.decoder = _mlp([latent_dim, hidden, hidden, data_dim])

    def encode(self, x):
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar.clamp(-20.0, 10.0)

    def decode(self, z):
        return self.decoder(z)

    def distance2(self, x_in, x_out):
        return ((x_out - x_in) ** 2).sum(-1)


class JetVAE(VAE):
    """VAE for jets as weighted point clouds.

    Input and output are (B, N, 3) tensors of (weight, η, φ) per particle, weights pT/ΣpT (zero for
    padding). The encoder is a deep-sets (energy-flow) network: a per-particle MLP of (η, φ, η², φ², ηφ), summed
    with the pT weights, then an MLP to (μ, log σ²), so it is blind to the particles' order. The decoder
    emits ``n_out`` particles: positions inside the jet radius (``radius · tanh``) and softmax weights.
    The reconstruction distance is the Sinkhorn EMD (ΔR units), squared.
    """

    def __init__(self, latent_dim: int = 6, hidden: int = 64, n_out: int = 24, radius: float = 0.8,
                 epsilon: float = 0.01, n_iterations: int = 40):
        super().__init__()
        self.latent_dim, self.n_out, self.radius = latent_dim, n_out, radius
        self.epsilon, self.n_iterations = epsilon, n_iterations
        self.feature_scale = 0.2
        self.particle_net = _mlp([5, hidden, hidden, hidden])
        self.event_net = _mlp([hidden, hidden, 2 * latent_dim])
        self.decoder = _mlp([latent_dim, hidden, 2 * hidden, 3 * n_out])

    def encode(self, x):
        # Jets are centred on their pT centroid, so Σ_i w_i f(η_i, φ_i) of any nearly linear f is ~0 for
        # every jet: the particle features include the quadratic terms (the jet's second moments, of
        # which the mass is one) and the positions are scaled to O(1).
        scaled = x[..., 1:] / self.feature_scale
        eta, phi = scaled[..., :1], scaled[..., 1:]
        per_particle = self.particle_net(torch.cat([eta, phi, eta * eta, phi * phi, eta * phi], dim=-1))
        pooled = (x[..., :1] * per_particle).sum(1)
        mu, logvar = self.event_net(pooled).chunk(2, dim=-1)
        return mu, logvar.clamp(-20.0, 10.0)

    def decode(self, z):
        out = self.decoder(z).view(*z.shape[:-1], self.n_out, 3)
        weights = torch.softmax(out[..., 0], dim=-1)
        positions = self.radius * torch.tanh(out[..., 1:])
        return torch.cat([weights.unsqueeze(-1), positions], dim=-1)

    def distance2(self, x_in, x_out):
        emd = sinkhorn_emd(x_in[..., 0], x_in[..., 1:], x_out[..., 0], x_out[..., 1:],
                           epsilon=self.epsilon, n_iterations=self.n_iterations)
        return emd**2
