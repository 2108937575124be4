"""The β sweep: one VAE annealed from large to small β, and the dimensionality it reveals.

We train ONE model and anneal it along a log grid of β rather than one model per β. At each β the
optimum is close to the previous one (the same latent directions, slightly sharper or broader
posteriors), so warm-starting from it needs only a few hundred steps where a fresh model needs
thousands: the whole sweep costs about as much as training one model. A snapshot of the weights is kept
at every β for the latent explorer.

Direction: for the toy manifolds we go from large to small β, which opens latent dimensions one at a
time, in order of the length scale they explain. The jet VAE is annealed upwards instead
(``anneal_upwards``): started at large β it collapses onto the mean jet (every posterior equal to the
prior), a saddle point from which a few hundred steps per β do not escape; started at small β the
information is cheap, the encoder learns it first, and raising β closes dimensions, which the KL term
does readily.

At each β, on a held-out evaluation set:

- KL_i = ⟨½(−1 − log σ_i² + μ_i² + σ_i²)⟩ per latent dimension and KL = Σ_i KL_i (nats);
- ⟨dist²⟩, the mean squared reconstruction distance with the latent noise sampled;
- D(β) = −dKL/d ln β (centred finite differences on the grid; one-sided at its ends) and the
  reconstruction-side estimate D_rec(β) = 2 d⟨dist²⟩/dβ² (see :mod:`ganplify_core.vae.model`);
- the active dimensions: those with KL_i above a threshold (default 0.25 nats).

On a GPU the training and evaluation data stay on it, batches are drawn there, and the losses are read
back only for the progress reports and once per β. There is no bfloat16 autocast: its 8-bit mantissa
(relative precision 2⁻⁸ ≈ 0.4 %) is too coarse for the reconstructions the sweep resolves at its smallest β
(the default grid starts at 0.01, the toy noise level, on patches of size about 1), and the networks are too
narrow (64 wide) for tensor cores to pay.

Source: J. Collins, "Representation learning of collider events" (seed slides) and arXiv:2109.10919.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from ganplify_core.device import get_device
from ganplify_core.errors import InputError
from ganplify_core.seeding import seed_everything, torch_generator
from ganplify_core.sweeps import single_threaded
from ganplify_core.training import Progress, run_training, scaled
from ganplify_core.vae.latents import make_latent
from ganplify_core.vae.model import VAE, JetVAE, PointVAE, kl_per_dimension


@dataclasses.dataclass(frozen=True)
class BetaSweepConfig:
    """Everything that determines a β sweep (and its cache entry)."""

    betas: tuple[float, ...]
    latent_dim: int = 5
    hidden: int = 64
    steps_per_beta: int = 300
    first_steps: int = 600
    batch_size: int = 256
    learning_rate: float = 2e-3
    active_threshold: float = 0.25
    anneal_upwards: bool = False
    seed: int = 0
    latent_kind: str = "gaussian"  # gaussian, periodic (S¹ × R^(L−1)) or categorical (K × R^(L−1))
    n_categories: int = 2
    jet_distance: str = "exact"  # the jet VAE's reconstruction distance: exact EMD or Sinkhorn (ε = 0.01, 40 its)


@dataclasses.dataclass(frozen=True)
class BetaSweepResult:
    """Per-β statistics (ascending β) and the model's weights at each β.

    Arrays have one entry per β; ``kl_per_dim`` is (n_betas, latent_dim).
    """

    betas: np.ndarray
    kl_total: np.ndarray
    kl_per_dim: np.ndarray
    distance2: np.ndarray
    dimensionality: np.ndarray
    dimensionality_reconstruction: np.ndarray
    active_dims: np.ndarray
    state_dicts: list


def log_beta_grid(lo: float, hi: float, n: int) -> tuple[float, ...]:
    """``n`` values of β from ``lo`` to ``hi``, evenly spaced in ln β."""
    if not (0 < lo < hi < np.inf) or n < 3:
        raise InputError(f"betas must satisfy 0 < LO < HI and N >= 3; got {lo}:{hi}:{n}")
    return tuple(float(b) for b in np.geomspace(lo, hi, n))


def parse_beta_grid(text: str) -> tuple[float, ...]:
    """``"LO:HI:N"`` → the log grid (for the CLI)."""
    try:
        lo, hi, n = text.split(":")
        return log_beta_grid(float(lo), float(hi), int(n))
    except ValueError:
        raise InputError(f"--betas {text!r}: use LO:HI:N with 0 < LO < HI and N >= 3, e.g. 0.01:1:9") from None


def dimensionality_from_kl(betas: np.ndarray, kl_total: np.ndarray) -> np.ndarray:
    """D(β) = −dKL/d ln β by finite differences on the (ascending) grid."""
    return -np.gradient(np.asarray(kl_total, dtype=float), np.log(np.asarray(betas, dtype=float)))


def dimensionality_from_reconstruction(betas: np.ndarray, distance2: np.ndarray) -> np.ndarray:
    """D_rec(β) = 2 d⟨dist²⟩/dβ² by finite differences on the grid."""
    betas = np.asarray(betas, dtype=float)
    return 2.0 * np.gradient(np.asarray(distance2, dtype=float), betas**2)


@torch.no_grad()
def evaluate(model: VAE, data: torch.Tensor, beta: float, batch_size: int = 1024, seed: int = 0) -> tuple[np.ndarray, float]:
    """Mean KL per latent dimension (L,) and mean squared reconstruction distance on ``data``."""
    generator = torch_generator(seed, data.device)
    # Summed in float64 on the data's device and copied back once (not once per batch).
    kl_sum = torch.zeros(model.latent_dim, dtype=torch.float64, device=data.device)
    dist2_sum = torch.zeros((), dtype=torch.float64, device=data.device)
    for start in range(0, len(data), batch_size):
        out = model.losses(data[start:start + batch_size], beta, generator)
        kl_sum += out["kl"].sum(0).double()
        dist2_sum += out["distance2"].double().sum()
    return (kl_sum / len(data)).cpu().numpy(), float(dist2_sum) / len(data)


def train_beta_sweep(model: VAE, train: torch.Tensor, test: torch.Tensor, config: BetaSweepConfig,
                     progress: Progress | None = None) -> BetaSweepResult:
    """Anneal ``model`` down ``config.betas`` (largest first); return per-β statistics, ascending in β."""
    # The networks are small: intra-op threads cost more in synchronisation than they save on a CPU
    # (on a busy 2-core machine a jet step took 3 s with 2 threads and 0.11 s with 1).
    with single_threaded():
        return _anneal(model, train, test, config, progress)


def _anneal(model: VAE, train: torch.Tensor, test: torch.Tensor, config: BetaSweepConfig,
            progress: Progress | None) -> BetaSweepResult:
    seed_everything(config.seed)
    device = train.device
    generator = torch_generator(config.seed, device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    schedule = sorted(config.betas, reverse=not config.anneal_upwards)
    total_steps = config.first_steps + config.steps_per_beta * (len(schedule) - 1)
    done = 0
    kl_rows, dist2_rows, snapshots = [], [], []
    # (β, steps, recorded): the first β trains twice as long.
    stages = [(beta, config.first_steps if k == 0 else config.steps_per_beta, True) for k, beta in enumerate(schedule)]
    latent = model.latent
    if latent.kind == "periodic" and latent.n_gaussian > 0 and not config.anneal_upwards:
        # A periodic factor is offered first: half of the first stage's steps go to a warm-up at
        # the smallest β with the Gaussian factors held at the prior, so the special factor learns the data's
        # topology (the circle's winding) while information is cheap; then the Gaussian factors join and the
        # sweep goes UP the grid (closing what larger β no longer pays for). Offered everything at once from the
        # largest β down, the Gaussian factors opened first on the circle (near collapse two Gaussian
        # coordinates buy the same mean displacement for half the KL of an angle) at most seeds tried, or the
        # angle opened near β ≈ size as a fold (winding 0) that a Gaussian factor then completed; the angle
        # never took the circle over. Going up, the angle's KL relaxes slowly: it lags the optimum unless each
        # β gets a few hundred steps (measured on the circle: 600 steps per β track ln(1/β); 200 lag by ~1 nat).
        warm_up = config.first_steps // 2
        schedule = sorted(config.betas)
        stages = [(schedule[0], warm_up, False), (schedule[0], config.first_steps - warm_up, True)] + \
            [(beta, config.steps_per_beta, True) for beta in schedule[1:]]
        latent.hold_gaussians = True
    for beta, n_steps, recorded in stages:
        def step(i: int, beta: float = beta) -> dict[str, torch.Tensor]:
            index = torch.randint(0, len(train), (min(config.batch_size, len(train)),), generator=generator, device=device)
            out = model.losses(train[index], beta, generator)
            optimiser.zero_grad(set_to_none=True)
            out["loss"].backward()
            optimiser.step()
            return {"loss": out["loss"].detach()}  # read back only for run_training's progress reports

        label = f"β = {beta:.3g} ({len(kl_rows) + 1}/{len(schedule)})" if recorded else f"warm-up at β = {beta:.3g}"
        run_training(step, n_steps, scaled(progress, done / total_steps, (done + n_steps) / total_steps),
                     log_every=max(n_steps, 1), label=label)
        done += n_steps
        latent.hold_gaussians = False
        if not recorded:
            continue
        model.eval()
        kl, dist2 = evaluate(model, test, beta, seed=config.seed + len(kl_rows))
        model.train()
        kl_rows.append(kl)
        dist2_rows.append(dist2)
        snapshots.append({name: value.detach().cpu().clone() for name, value in model.state_dict().items()})
    order = np.argsort(schedule)
    betas = np.asarray(schedule)[order]
    kl_per_dim = np.asarray(kl_rows)[order]
    distance2 = np.asarray(dist2_rows)[order]
    kl_total = kl_per_dim.sum(1)
    return BetaSweepResult(
        betas=betas,
        kl_total=kl_total,
        kl_per_dim=kl_per_dim,
        distance2=distance2,
        dimensionality=dimensionality_from_kl(betas, kl_total),
        dimensionality_reconstruction=dimensionality_from_reconstruction(betas, distance2),
        active_dims=(kl_per_dim > config.active_threshold).sum(1),
        state_dicts=[snapshots[i] for i in order],
    )


def point_vae(data_dim: int, config: BetaSweepConfig) -> PointVAE:
    """A fresh :class:`PointVAE` on the compute device, initialised from ``config.seed``."""
    seed_everything(config.seed)
    latent = make_latent(config.latent_kind, config.latent_dim, config.n_categories)
    return PointVAE(data_dim, config.latent_dim, config.hidden, latent=latent).to(get_device())


def jet_vae(config: BetaSweepConfig) -> JetVAE:
    """A fresh :class:`JetVAE` on the compute device, initialised from ``config.seed``."""
    seed_everything(config.seed)
    return JetVAE(config.latent_dim, config.hidden, distance=config.jet_distance).to(get_device())


def latent_means(model: VAE, data: torch.Tensor, batch_size: int = 2048) -> np.ndarray:
    """Posterior locations for every input, (n, latent_dim): means μ(x) of the Gaussian factors, the angle of
    a periodic one, the likeliest category of a categorical one."""
    with torch.no_grad():
        return torch.cat([model.coordinates(data[s:s + batch_size]) for s in range(0, len(data), batch_size)]).cpu().numpy()


__all__ = ["BetaSweepConfig", "BetaSweepResult", "train_beta_sweep", "log_beta_grid", "parse_beta_grid",
           "dimensionality_from_kl", "dimensionality_from_reconstruction", "kl_per_dimension", "latent_means"]
