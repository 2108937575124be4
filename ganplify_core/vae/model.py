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

from ganplify_core.vae.emd_loss import exact_emd
from ganplify_core.vae.latents import LatentSpace, gaussian_kl, make_latent
from ganplify_core.vae.sinkhorn import sinkhorn_emd

JET_DISTANCES = ("exact", "sinkhorn")


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if k < len(sizes) - 2:
            layers.append(nn.SiLU())
    return nn.Sequential(*layers)


kl_per_dimension = gaussian_kl  # KL(N(μ, σ²) ‖ N(0, 1)) per latent dimension (the name other modules import)


class VAE(nn.Module):
    """Encoder, decoder and reconstruction distance; subclasses define the data's representation.

    The latent space (:mod:`ganplify_core.vae.latents`: Gaussian, periodic or categorical) reads the
    encoder's raw output ``h`` (:meth:`encode`); the decoder reads the latent space's decoder input.
    """

    latent: LatentSpace

    @property
    def latent_dim(self) -> int:
        """Latent factors (a Gaussian coordinate, the periodic angle, or the category each count one)."""
        return self.latent.n_factors

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The encoder's raw output ``h`` (B, latent.n_params) that the latent space reads."""
        raise NotImplementedError

    def decode(self, decoder_input: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def distance2(self, x_in: torch.Tensor, x_out: torch.Tensor) -> torch.Tensor:
        """Squared reconstruction distance per input, (B,)."""
        raise NotImplementedError

    def coordinates(self, x: torch.Tensor) -> torch.Tensor:
        """Posterior locations per latent factor (B, latent_dim): Gaussian means, the angle, the category."""
        return self.latent.coordinates(self.encode(x))

    def decode_coordinates(self, coordinates: torch.Tensor) -> torch.Tensor:
        """The decoder's output at latent coordinates (B, latent_dim)."""
        return self.decode(self.latent.decoder_input(coordinates))

    def losses(self, x: torch.Tensor, beta: float, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Per-input squared distance (B,), KL per latent factor (B, L) and the mean loss (scalar)."""
        h = self.encode(x)
        dist2 = 0.0
        for weight, decoder_input in self.latent.reconstruction_terms(h, generator):
            dist2 = dist2 + weight * self.distance2(x, self.decode(decoder_input))
        kl = self.latent.kl(h)
        loss = (dist2 / beta**2 + kl.sum(1)).mean()
        return {"loss": loss, "distance2": dist2, "kl": kl}


class PointVAE(VAE):
    """MLP VAE for points in R^D with Euclidean reconstruction distance."""

    def __init__(self, data_dim: int, latent_dim: int = 5, hidden: int = 64, latent: LatentSpace | None = None):
        super().__init__()
        self.latent = latent or make_latent("gaussian", latent_dim)
        self.encoder = _mlp([data_dim, hidden, hidden, self.latent.n_params])
        self.decoder = _mlp([self.latent.decoder_dim, hidden, hidden, data_dim])

    def encode(self, x):
        return self.encoder(x)

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
    The reconstruction distance (ΔR units, squared) is the exact EMD with its envelope-theorem gradient
    (:mod:`ganplify_core.vae.emd_loss`; ``distance="exact"``, the default) or, as in the seed, the Sinkhorn
    approximation at ``epsilon``, ``n_iterations`` (``distance="sinkhorn"``), which is biased at the small
    distances of good reconstructions (see :mod:`ganplify_core.vae.emd_loss`).
    """

    def __init__(self, latent_dim: int = 6, hidden: int = 64, n_out: int = 24, radius: float = 0.8,
                 epsilon: float = 0.01, n_iterations: int = 40, distance: str = "exact"):
        super().__init__()
        if distance not in JET_DISTANCES:
            raise ValueError(f"distance={distance!r}; use one of {', '.join(JET_DISTANCES)}")
        self.distance = distance
        self.latent = make_latent("gaussian", latent_dim)
        self.n_out, self.radius = n_out, radius
        self.epsilon, self.n_iterations = epsilon, n_iterations
        self.feature_scale = 0.2
        self.particle_net = _mlp([5, hidden, hidden, hidden])
        self.event_net = _mlp([hidden, hidden, self.latent.n_params])
        self.decoder = _mlp([self.latent.decoder_dim, hidden, 2 * hidden, 3 * n_out])

    def encode(self, x):
        # Jets are centred on their pT centroid, so Σ_i w_i f(η_i, φ_i) of any nearly linear f is ~0 for
        # every jet: the particle features include the quadratic terms (the jet's second moments, of
        # which the mass is one) and the positions are scaled to O(1).
        scaled = x[..., 1:] / self.feature_scale
        eta, phi = scaled[..., :1], scaled[..., 1:]
        per_particle = self.particle_net(torch.cat([eta, phi, eta * eta, phi * phi, eta * phi], dim=-1))
        pooled = (x[..., :1] * per_particle).sum(1)
        return self.event_net(pooled)

    def decode(self, z):
        out = self.decoder(z).view(*z.shape[:-1], self.n_out, 3)
        weights = torch.softmax(out[..., 0], dim=-1)
        positions = self.radius * torch.tanh(out[..., 1:])
        return torch.cat([weights.unsqueeze(-1), positions], dim=-1)

    def distance2(self, x_in, x_out):
        if self.distance == "exact":
            return exact_emd(x_in[..., 0], x_in[..., 1:], x_out[..., 0], x_out[..., 1:]) ** 2
        emd = sinkhorn_emd(x_in[..., 0], x_in[..., 1:], x_out[..., 0], x_out[..., 1:],
                           epsilon=self.epsilon, n_iterations=self.n_iterations)
        return emd**2
