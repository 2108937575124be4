"""Latent spaces of the VAE: Gaussian R^L, a periodic factor S¹ × R^(L−1), or a category × R^(L−1).

Collins' "note on topology" (seed 003): a Gaussian latent space is R^L, so a VAE trained on a circle
must cut it open somewhere, or spend a second latent dimension to keep it closed; a latent space
R^N × (S¹)^M "should optimally learn to put periodic coordinates on the S¹'s". A mixed sample (a union
of pieces of different dimension) can be modelled with "a categorical variable before the continuous
ones". His philosophy: offer the VAE these options and learn the data's structure from how it uses them.

Each latent space turns the encoder's output ``h`` into

- a KL divergence to its prior per latent *factor* (B, L): a factor is one Gaussian coordinate, the
  periodic angle, or the category;
- reconstruction terms: ``(weight (B,), decoder input)`` pairs whose weighted squared distances make
  the reconstruction error (one sampled term, or one per category, summed exactly: no relaxation);
- coordinates for the explorer (B, L): Gaussian means, the angle in (−π, π], the likeliest category;
  and the decoder input of any such coordinates.

**Periodic factor** (:class:`PeriodicLatent`). The posterior on S¹ is the power spherical distribution
of De Cao & Aziz (arXiv:2006.04437), ``q(x) ∝ (1 + μ·x)^κ`` for unit vectors x, μ ∈ S¹: it has a
reparameterised sampler (a Beta(κ + ½, ½) variable from two Gamma draws, no rejection) and a closed-form
entropy, so its KL to the uniform prior on the circle is exact,

    KL = ln 2π − H,   H = (κ + 1) ln 2 + ½ ln π + lnΓ(κ + ½) − lnΓ(κ + 1) − κ [ln 2 + ψ(κ + ½) − ψ(κ + 1)].

At large κ the angle is Gaussian with variance 2/κ and KL ≈ ½ ln κ + const: like a Gaussian latent, a
periodic factor costs ln(1/β) + const once open, so D(β) = −dKL/d ln β still counts it as one dimension.
The decoder sees the point (cos θ, sin θ) on the circle, so it can close the loop.

**Categorical factor** (:class:`CategoricalLatent`). ``q(c|x)`` is a softmax over K categories with a
uniform prior, KL = Σ_c q_c ln(K q_c) ≤ ln K; the reconstruction error is the exact expectation over
the categories, Σ_c q_c |x − dec(c, z)|² (K decoder passes; K is small). A category costs at most ln K
nats whatever β is, so it adds nothing to D(β) at small β.
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Gamma

LATENT_KINDS = ("gaussian", "periodic", "categorical")
LOGVAR_RANGE = (-20.0, 10.0)
MAX_LOG_KAPPA = 12.0  # κ up to e¹² ≈ 1.6·10⁵: an angular resolution of √(2/κ) ≈ 0.0035 rad  # κ up to e¹² ≈ 1.6·10⁵: an angular resolution of √(2/κ) ≈ 0.0035 rad


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) per latent dimension, ``½(−1 − log σ² + μ² + σ²)``, shape of ``mu``."""
    return 0.5 * (-1.0 - logvar + mu * mu + logvar.exp())


def power_spherical_kl_circle(kappa: torch.Tensor) -> torch.Tensor:
    """KL of the power spherical distribution on S¹ (concentration κ ≥ 0) to the uniform distribution (nats)."""
    half = 0.5
    entropy = ((kappa + 1.0) * math.log(2.0) + half * math.log(math.pi) + torch.lgamma(kappa + half)
               - torch.lgamma(kappa + 1.0) - kappa * (math.log(2.0) + torch.digamma(kappa + half) - torch.digamma(kappa + 1.0)))
    return (math.log(2.0 * math.pi) - entropy).clamp_min(0.0)


def sample_power_spherical_circle(direction: torch.Tensor, kappa: torch.Tensor,
                                  generator: torch.Generator | None = None) -> torch.Tensor:
    """Reparameterised draws (B, 2) on S¹ from the power spherical distribution with mean ``direction`` (B, 2).

    t = μ·x = 2B − 1 with B ~ Beta(κ + ½, ½), computed from two Gamma draws g₁ ~ Γ(κ + ½), g₂ ~ Γ(½) as
    t = (g₁ − g₂)/(g₁ + g₂) and √(1 − t²) = 2√(g₁g₂)/(g₁ + g₂) (no cancellation near t = 1); the
    component orthogonal to μ has a random sign (the uniform direction on S⁰).
    """
    g1 = Gamma(kappa + 0.5, torch.ones_like(kappa)).rsample()
    g2 = Gamma(torch.full_like(kappa, 0.5), torch.ones_like(kappa)).rsample()
    total = (g1 + g2).clamp_min(1e-30)
    t = (g1 - g2) / total
    s = 2.0 * torch.sqrt((g1 * g2).clamp_min(1e-30)) / total
    sign = torch.randint(0, 2, kappa.shape, generator=generator, device=kappa.device).to(kappa.dtype) * 2.0 - 1.0
    normal = torch.stack([-direction[..., 1], direction[..., 0]], dim=-1)
    return t.unsqueeze(-1) * direction + (sign * s).unsqueeze(-1) * normal


class LatentSpace:
    """A latent space: how many encoder outputs it reads, its KL, sampling and decoder inputs."""

    kind = "gaussian"

    def __init__(self, n_factors: int):
        self.n_factors = n_factors
        # While True the Gaussian factors reach the decoder as 0 (their prior mean): the sweep offers a periodic
        # or categorical factor first and lets the Gaussian ones join once it has opened (see beta_sweep).
        self.hold_gaussians = False

    @property
    def n_gaussian(self) -> int:
        return self.n_factors

    @property
    def n_params(self) -> int:
        """Encoder outputs the latent space reads."""
        return 2 * self.n_gaussian

    @property
    def decoder_dim(self) -> int:
        return self.n_gaussian

    def factor_names(self) -> list[str]:
        return [f"z{i + 1}" for i in range(self.n_factors)]

    # Gaussian part (the last 2·n_gaussian encoder outputs: means, then log-variances)
    def _gaussian(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        g = h[..., h.shape[-1] - 2 * self.n_gaussian:]
        mu, logvar = g.chunk(2, dim=-1) if self.n_gaussian else (g, g)
        return mu, logvar.clamp(*LOGVAR_RANGE)

    def _sample_gaussian(self, h, generator):
        mu, logvar = self._gaussian(h)
        if self.hold_gaussians:
            return torch.zeros_like(mu)
        noise = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + noise * torch.exp(0.5 * logvar)

    def kl(self, h: torch.Tensor) -> torch.Tensor:
        """KL to the prior per latent factor, (B, n_factors)."""
        return gaussian_kl(*self._gaussian(h))

    def reconstruction_terms(self, h: torch.Tensor, generator: torch.Generator | None = None,
                             sample: bool = True) -> list[tuple[torch.Tensor | float, torch.Tensor]]:
        """``(weight, decoder input)`` pairs: the squared distance is Σ weight · dist²(x, decode(input))."""
        return [(1.0, self._sample_gaussian(h, generator) if sample else self._gaussian(h)[0])]

    def coordinates(self, h: torch.Tensor) -> torch.Tensor:
        """The posterior's location per factor (B, n_factors): what the explorer plots."""
        return self._gaussian(h)[0]

    def decoder_input(self, coordinates: torch.Tensor) -> torch.Tensor:
        """The decoder's input for latent coordinates (B, n_factors)."""
        return coordinates

    def prior_coordinates(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn((n, self.n_factors), generator=generator)


class GaussianLatent(LatentSpace):
    """R^L with the prior N(0, 1) per dimension (the VAE of the seed)."""


class PeriodicLatent(LatentSpace):
    """S¹ × R^(L−1): factor 1 an angle (power spherical posterior, uniform prior), the rest Gaussian."""

    kind = "periodic"

    @property
    def n_gaussian(self) -> int:
        return self.n_factors - 1

    @property
    def n_params(self) -> int:
        return 2 + 2 * self.n_gaussian  # the vector v (direction and concentration), then the Gaussian part

    @property
    def decoder_dim(self) -> int:
        return 2 + self.n_gaussian

    def factor_names(self) -> list[str]:
        return ["z1 (S¹)"] + [f"z{i + 2}" for i in range(self.n_gaussian)]

    def _circle(self, h):
        # κ = e^|v| − 1 from the encoder's 2-vector v, direction v/|v|: near the prior (v → 0) the mean point
        # E[x] ≈ v/2 moves linearly with v, like a Gaussian mean (an exp(r) parametrisation of κ has gradients
        # ∝ κ there, and the angle, once closed at large β, never opened again); at large |v|, κ grows
        # exponentially to the sharp posteriors small β needs.
        norm = h[..., :2].norm(dim=-1)
        direction = h[..., :2] / norm.clamp_min(1e-12).unsqueeze(-1)
        kappa = torch.expm1(norm.clamp(max=MAX_LOG_KAPPA))
        return direction, kappa

    def kl(self, h):
        direction, kappa = self._circle(h)
        return torch.cat([power_spherical_kl_circle(kappa).unsqueeze(-1), gaussian_kl(*self._gaussian(h))], dim=-1)

    def reconstruction_terms(self, h, generator=None, sample=True):
        direction, kappa = self._circle(h)
        point = sample_power_spherical_circle(direction, kappa, generator) if sample else direction
        rest = self._sample_gaussian(h, generator) if sample else self._gaussian(h)[0]
        return [(1.0, torch.cat([point, rest], dim=-1))]

    def coordinates(self, h):
        direction, _ = self._circle(h)
        angle = torch.atan2(direction[..., 1], direction[..., 0]).unsqueeze(-1)
        return torch.cat([angle, self._gaussian(h)[0]], dim=-1)

    def decoder_input(self, coordinates):
        angle = coordinates[..., :1]
        return torch.cat([torch.cos(angle), torch.sin(angle), coordinates[..., 1:]], dim=-1)

    def prior_coordinates(self, n, generator=None):
        angle = (torch.rand((n, 1), generator=generator) * 2.0 - 1.0) * math.pi
        return torch.cat([angle, torch.randn((n, self.n_gaussian), generator=generator)], dim=-1)


class CategoricalLatent(LatentSpace):
    """{1..K} × R^(L−1): factor 1 a category (softmax posterior, uniform prior), the rest Gaussian."""

    kind = "categorical"

    def __init__(self, n_factors: int, n_categories: int = 2):
        super().__init__(n_factors)
        self.n_categories = n_categories

    @property
    def n_gaussian(self) -> int:
        return self.n_factors - 1

    @property
    def n_params(self) -> int:
        return self.n_categories + 2 * self.n_gaussian

    @property
    def decoder_dim(self) -> int:
        return self.n_categories + self.n_gaussian

    def factor_names(self) -> list[str]:
        return ["c (category)"] + [f"z{i + 2}" for i in range(self.n_gaussian)]

    def probabilities(self, h: torch.Tensor) -> torch.Tensor:
        """q(c|x), (B, K)."""
        return torch.softmax(h[..., :self.n_categories], dim=-1)

    def kl(self, h):
        log_q = torch.log_softmax(h[..., :self.n_categories], dim=-1)
        category = (log_q.exp() * (log_q + math.log(self.n_categories))).sum(-1).clamp_min(0.0)
        return torch.cat([category.unsqueeze(-1), gaussian_kl(*self._gaussian(h))], dim=-1)

    def reconstruction_terms(self, h, generator=None, sample=True):
        q = self.probabilities(h)
        rest = self._sample_gaussian(h, generator) if sample else self._gaussian(h)[0]
        eye = torch.eye(self.n_categories, dtype=h.dtype, device=h.device)
        return [(q[..., c], torch.cat([eye[c].expand(*rest.shape[:-1], -1), rest], dim=-1))
                for c in range(self.n_categories)]

    def coordinates(self, h):
        category = self.probabilities(h).argmax(-1).to(h.dtype).unsqueeze(-1)
        return torch.cat([category, self._gaussian(h)[0]], dim=-1)

    def decoder_input(self, coordinates):
        category = coordinates[..., 0].round().long().clamp(0, self.n_categories - 1)
        one_hot = torch.nn.functional.one_hot(category, self.n_categories).to(coordinates.dtype)
        return torch.cat([one_hot, coordinates[..., 1:]], dim=-1)

    def prior_coordinates(self, n, generator=None):
        category = torch.randint(0, self.n_categories, (n, 1), generator=generator).float()
        return torch.cat([category, torch.randn((n, self.n_gaussian), generator=generator)], dim=-1)


def make_latent(kind: str, n_factors: int, n_categories: int = 2) -> LatentSpace:
    """The latent space of ``kind`` (one of :data:`LATENT_KINDS`) with ``n_factors`` factors."""
    if kind == "gaussian":
        return GaussianLatent(n_factors)
    if kind == "periodic":
        return PeriodicLatent(n_factors)
    if kind == "categorical":
        return CategoricalLatent(n_factors, n_categories)
    raise ValueError(f"latent kind {kind!r} is unknown; use one of {', '.join(LATENT_KINDS)}")
