"""A conditional 3D convolutional GAN for calorimeter showers, in the spirit of 3DGAN.

Generator ``G(z, E)``: the latent vector is multiplied by the primary energy, as in 3DGAN
(input ``[z · e, e]`` with ``e = E / 100 GeV``), mapped by a linear layer to a 7³ volume, upsampled to
13³ by a stride-2 transposed convolution, convolved, and finally split into 2 × 2 × 2 sub-cells
(a 3D sub-pixel convolution, cropped from 26³ to 25³). Nothing is convolved on the fine 25³ grid,
where CPU convolutions with few channels are slowest; this keeps the GAN trainable on two cores.
A ReLU output gives exactly empty cells, like the simulator's.

Discriminator ``D(x)``: three stride-2 3D convolutions (25³ → 13³ → 7³ → 4³), a minibatch-standard-
deviation feature (against mode collapse, in the role of 3DGAN's minibatch discrimination), and two
heads: real/fake logit and a regression of ``e = E / 100 GeV``.

Cells are seen by both networks as ``u = (x / 10 MeV)^(1/2)``, which compresses the four decades
between the shower core and its halo; ``x = 10 MeV · u²`` returns to GeV.

Losses (per step, one D update then one G update):

* D: non-saturating GAN loss ``softplus(−D(x)) + softplus(D(G(z, E)))`` + R1 penalty
  ``(γ/2) E‖∇_x D(x)‖²`` on real showers (Mescheder et al. 2018; "lazy", every 4th step with weight
  ×4, as in StyleGAN2) + ``w_E |ê(x) − e| / e`` on real showers.
* G: ``softplus(−D(G(z, E)))`` + ``w_E |ê(G) − e| / e`` (energy regression, 3DGAN's auxiliary loss)
  + ``w_sum |ΣG − r E| / (r E)`` (total deposited energy against the simulator's mean response
  ``r = <Σx / E>`` over the training set, 3DGAN's "ECAL sum" loss).

The shipped checkpoint ``assets/calo_gan.pt`` is made by
``OMP_NUM_THREADS=1 nice -n 10 python -m ganplify_core train-calo-gan --seed 0 --steps 800 --out assets/calo_gan.pt --json``
(weights stored in float16, config as a plain dict; loaded with ``torch.load(..., weights_only=True)``).

References
----------
F. Carminati, G. Khattak, S. Vallecorsa et al., "Three dimensional Generative Adversarial Networks for
fast simulation", J. Phys. Conf. Ser. 1085 (2018) 032016 (3DGAN).
L. Mescheder, A. Geiger, S. Nowozin, "Which training methods for GANs do actually converge?",
ICML 2018, arXiv:1801.04406 (R1 penalty).
T. Karras et al., "Progressive growing of GANs", ICLR 2018, arXiv:1710.10196 (minibatch std).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ganplify_core import experiments, params
from ganplify_core.calorimeter.showers import apply_readout_threshold, simulate_showers
from ganplify_core.device import autocast, get_device, to_device
from ganplify_core.errors import InputError
from ganplify_core.params import param
from ganplify_core.paths import ASSETS_DIR
from ganplify_core.training import Progress, no_progress, run_training, scaled

CELL_UNIT_GEV = 0.01  # u = (x / CELL_UNIT_GEV) ** CELL_POWER
CELL_POWER = 0.5
ENERGY_UNIT_GEV = 100.0
R1_EVERY = 4
MINIBATCH_STD_EPS = 1e-8
# oneDNN's 3D convolutions on CPU are 2-4 times faster in channels-last layout (backward above all).
CHANNELS_LAST = torch.channels_last_3d
PRETRAINED_PATH = ASSETS_DIR / "calo_gan.pt"
# Steps of one training: 20 000 default-sized steps take about six hours on the 2-core machine class.
MAX_STEPS = 20_000


@dataclasses.dataclass(frozen=True)
class CaloGanConfig(params.Config):
    """Everything that determines a trained generator (each parameter declared once, on its field).

    ``energy_range`` (the primary energies of the training set, GeV; the generator is conditioned
    within it) is fixed at 10–500 GeV from the CLI and the page; Python callers may change it.
    """

    seed: int = params.seed_param(help="training seed (data, initialisation, noise)")
    steps: int = param(300, lo=1, hi=MAX_STEPS, label="Training steps",
                       help="optimisation steps (one D and one G update each)")
    batch_size: int = param(32, lo=2, hi=256, unit="showers", help="showers per step")
    n_train: int = param(2000, lo=2, hi=50_000, unit="showers",
                         help="simulated training showers, primary energies uniform in 10–500 GeV")
    energy_range: tuple[float, float] = (10.0, 500.0)
    latent_dim: int = param(64, lo=1, hi=512, help="latent size")
    channels: int = param(32, lo=4, hi=128, help="network width")
    lr_generator: float = param(4e-4, lo=1e-6, hi=0.1, help="Adam learning rate of the generator")
    lr_discriminator: float = param(4e-4, lo=1e-6, hi=0.1, help="Adam learning rate of the discriminator")
    r1_gamma: float = param(1.0, lo=0.0, hi=1000.0, help="weight of the R1 penalty")
    weight_energy: float = param(0.5, lo=0.0, hi=100.0, help="weight of the energy-regression losses")
    weight_sum: float = param(1.0, lo=0.0, hi=100.0, help="weight of the total-energy loss")
    projection_discriminator: bool = param(False, cli="--energy-to-discriminator",
                                           help="also give the discriminator the primary energy (projection term)")

    def check(self) -> None:
        if self.n_train < self.batch_size:
            raise InputError(f"n_train={self.n_train}: use at least batch_size ({self.batch_size}) training showers")
        lo, hi = self.energy_range
        if not (1.0 <= lo < hi <= 10_000.0):
            raise InputError(f"energy_range must be (low, high) GeV with 1 <= low < high <= 10000, got {self.energy_range}")


def to_network_units(cells_gev: torch.Tensor) -> torch.Tensor:
    """``u = (x / 10 MeV)^(1/2)``: the cell scale both networks work in."""
    return (cells_gev / CELL_UNIT_GEV).clamp_min(0) ** CELL_POWER


def to_gev(cells_u: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`to_network_units`."""
    return CELL_UNIT_GEV * cells_u.clamp_min(0) ** (1.0 / CELL_POWER)


class CaloGenerator(nn.Module):
    """``G(z, E)`` → showers in network units ``u``, shape (n, 25, 25, 25)."""

    def __init__(self, latent_dim: int = 64, channels: int = 32):
        super().__init__()
        self.latent_dim, self.channels = latent_dim, channels
        c1, c2 = channels, max(channels // 2, 2)
        self.project = nn.Linear(latent_dim + 1, c1 * 7 ** 3)
        self.body = nn.Sequential(
            nn.BatchNorm3d(c1), nn.LeakyReLU(0.2),
            nn.Conv3d(c1, c1, 3, padding=1), nn.BatchNorm3d(c1), nn.LeakyReLU(0.2),
            nn.ConvTranspose3d(c1, c2, 3, stride=2, padding=1), nn.BatchNorm3d(c2), nn.LeakyReLU(0.2),  # 7 -> 13
            nn.Conv3d(c2, c2, 3, padding=1), nn.BatchNorm3d(c2), nn.LeakyReLU(0.2),
            nn.Conv3d(c2, 8, 3, padding=1),  # the 2 x 2 x 2 sub-cells of each 13^3 cell
        )

    def forward(self, z: torch.Tensor, energy_gev: torch.Tensor) -> torch.Tensor:
        e = (energy_gev / ENERGY_UNIT_GEV).reshape(-1, 1)
        h = self.project(torch.cat([z * e, e], dim=1)).reshape(-1, self.channels, 7, 7, 7)
        h = self.body(h.contiguous(memory_format=CHANNELS_LAST))
        return F.relu(voxel_shuffle(h)[:, :25, :25, :25])


def voxel_shuffle(h: torch.Tensor) -> torch.Tensor:
    """(n, 8, m, m, m) → (n, 2m, 2m, 2m): channel ``4i + 2j + k`` becomes sub-cell ``(i, j, k)``.

    The 3D version of the sub-pixel convolution (Shi et al. 2016, arXiv:1609.05158): upsampling by
    rearranging channels instead of convolving on the fine grid, where CPU convolutions are slowest.
    """
    n, _, m, _, _ = h.shape
    h = h.reshape(n, 2, 2, 2, m, m, m).permute(0, 4, 1, 5, 2, 6, 3)
    return h.reshape(n, 2 * m, 2 * m, 2 * m)


class CaloDiscriminator(nn.Module):
    """``D(u[, E])`` → (real/fake logit, regressed ``e = E / 100 GeV``).

    With ``projection=True`` the logit gains ``⟨v(e), h⟩``, ``v`` a small MLP of the primary energy.
    """

    def __init__(self, channels: int = 32, projection: bool = False):
        super().__init__()
        c = channels
        self.features = nn.Sequential(
            nn.Conv3d(1, c // 4, 3, stride=2, padding=1), nn.LeakyReLU(0.2),       # 25 -> 13
            nn.Conv3d(c // 4, c // 2, 3, stride=2, padding=1), nn.LeakyReLU(0.2),  # 13 -> 7
            nn.Conv3d(c // 2, c, 3, stride=2, padding=1), nn.LeakyReLU(0.2),      # 7 -> 4
            nn.Flatten(),
        )
        width = c * 4 ** 3 + 1
        self.real_fake = nn.Linear(width, 1)
        self.energy = nn.Sequential(nn.Linear(width, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
        self.projection = nn.Sequential(nn.Linear(1, 64), nn.LeakyReLU(0.2), nn.Linear(64, width)) if projection else None

    def forward(self, u: torch.Tensor, energy_gev: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(u.unsqueeze(1).contiguous(memory_format=CHANNELS_LAST))
        # sqrt(var + ε), not std: a feature equal over the batch (a corner the shower never reaches) has std 0,
        # where std's gradient is 0/0 = NaN (seen on CUDA, and on the CPU with small batches)
        minibatch_std = (h.var(dim=0) + MINIBATCH_STD_EPS).sqrt().mean().expand(h.shape[0], 1)
        h = torch.cat([h, minibatch_std], dim=1)
        logit = self.real_fake(h).squeeze(1)
        if self.projection is not None:
            logit = logit + (self.projection((energy_gev / ENERGY_UNIT_GEV).reshape(-1, 1)) * h).sum(dim=1)
        return logit, F.softplus(self.energy(h)).squeeze(1)


def _training_set(config: CaloGanConfig) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Training showers in network units (float16 to halve memory), energies, mean response Σx/E."""
    sample = simulate_showers(config.n_train, energy=config.energy_range, seed=config.seed, use_cache=False)
    response = float(np.mean(sample.images.sum(axis=(1, 2, 3), dtype=np.float64) / sample.energies))
    u = to_network_units(torch.from_numpy(sample.images)).to(torch.float16)
    return u, torch.from_numpy(sample.energies), response


def _train(config: CaloGanConfig, progress: Progress | None) -> tuple[CaloGenerator, dict[str, np.ndarray], float]:
    device = get_device()
    torch.manual_seed(config.seed)
    data_u, data_e, response = _training_set(config)
    generator = CaloGenerator(config.latent_dim, config.channels).to(device, memory_format=CHANNELS_LAST)
    discriminator = CaloDiscriminator(config.channels, config.projection_discriminator).to(device, memory_format=CHANNELS_LAST)
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr_generator, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr_discriminator, betas=(0.5, 0.9))
    # The training set goes to the device once (float16: 31 kB a shower); batches are indexed there.
    step = _training_step(config, generator, discriminator, opt_g, opt_d, data_u.to(device), data_e.to(device),
                          response, device)
    history = run_training(step, config.steps, progress, log_every=max(1, config.steps // 200), label="3D GAN")
    generator.eval()
    generator.config = config
    return generator.cpu(), history, response


def _relative_error(estimate: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
    """Mean of ``|estimate − truth| / truth``, in float32 (``estimate`` may be bfloat16 under autocast)."""
    return ((estimate.float() - truth).abs() / truth).mean()


def _training_step(config: CaloGanConfig, generator: CaloGenerator, discriminator: CaloDiscriminator,
                   opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer, data_u: torch.Tensor,
                   data_e: torch.Tensor, response: float, device: torch.device) -> Callable[[int], dict[str, torch.Tensor]]:
    """``step(i)``: one D and one G update on a batch of ``data_u``, ``data_e`` (both already on ``device``).

    The step never waits for the device: it returns its losses as 0-d tensors (``run_training`` reads
    them back only for its progress reports and once at the end). The random numbers are drawn on the CPU
    from one seeded generator, as they always were, and go over through pinned memory without blocking
    (two small copies and the batch's indices). The networks' forward passes run under bfloat16 autocast on
    CUDA (:func:`ganplify_core.device.autocast`); every loss, the R1 penalty and the total-energy sum over
    15 625 cells are taken in float32. On the CPU none of this changes a number.
    """
    noise = torch.Generator().manual_seed(config.seed + 1)
    lo, hi = config.energy_range
    last_r1 = data_u.new_full((), float("nan"), dtype=torch.float32)  # (step 0 computes it)

    def step(i: int) -> dict[str, torch.Tensor]:
        nonlocal last_r1
        index = to_device(torch.randint(0, len(data_e), (config.batch_size,), generator=noise), device)
        energy_fake = to_device(torch.empty(config.batch_size).uniform_(lo, hi, generator=noise), device)
        z = to_device(torch.randn(config.batch_size, config.latent_dim, generator=noise), device)
        real = data_u[index].float()
        energy_real = data_e[index]
        e_real = energy_real / ENERGY_UNIT_GEV

        # Discriminator: non-saturating loss, R1 on real showers, energy regression on real showers.
        # One generator pass serves both updates (D sees it detached).
        lazy_r1 = i % R1_EVERY == 0
        real.requires_grad_(lazy_r1)
        with autocast(device):
            fake = generator(z, energy_fake)
            logit_real, e_hat_real = discriminator(real, energy_real)
            logit_fake, _ = discriminator(fake.detach(), energy_fake)
        if lazy_r1:
            (grad_real,) = torch.autograd.grad(logit_real.float().sum(), real, create_graph=True)
            r1 = grad_real.pow(2).flatten(1).sum(1).mean()
            last_r1 = r1.detach()
        else:
            r1 = real.new_zeros(())
        energy_loss_d = _relative_error(e_hat_real, e_real)
        d_loss = F.softplus(-logit_real.float()).mean() + F.softplus(logit_fake.float()).mean()
        opt_d.zero_grad(set_to_none=True)
        (d_loss + 0.5 * config.r1_gamma * R1_EVERY * r1 + config.weight_energy * energy_loss_d).backward()
        opt_d.step()

        # Generator: fool D, and carry the conditioning energy (D's regression and the total energy).
        with autocast(device):
            logit_fake, e_hat_fake = discriminator(fake, energy_fake)
        g_adv = F.softplus(-logit_fake.float()).mean()
        energy_loss_g = _relative_error(e_hat_fake, energy_fake / ENERGY_UNIT_GEV)
        sum_loss = _relative_error(to_gev(fake.float()).sum(dim=(1, 2, 3)), response * energy_fake)
        opt_g.zero_grad(set_to_none=True)
        (g_adv + config.weight_energy * energy_loss_g + config.weight_sum * sum_loss).backward()
        opt_g.step()
        return {"d_loss": d_loss.detach(), "g_loss": g_adv.detach(), "r1": last_r1,
                "energy_error": energy_loss_g.detach(), "sum_error": sum_loss.detach()}

    return step


def _checkpoint(generator: CaloGenerator, config: CaloGanConfig, extra: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint of plain types: float16 state dict, config as a dict, a few figures."""
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in generator.state_dict().items()}
    return {"state_dict": state, "config": dataclasses.asdict(config), **extra}


def generator_from_checkpoint(checkpoint: dict[str, Any]) -> CaloGenerator:
    """Rebuild a generator (eval mode, float32, on CPU) from a :func:`_checkpoint` dict."""
    config_dict = dict(checkpoint["config"])
    config_dict["energy_range"] = tuple(config_dict["energy_range"])
    config = CaloGanConfig(**config_dict)
    generator = CaloGenerator(config.latent_dim, config.channels)
    generator.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in checkpoint["state_dict"].items()})
    generator.eval()
    generator.config = config
    return generator


@dataclasses.dataclass(frozen=True)
class TrainedCaloGan:
    """A trained generator as plain data (what the disk cache holds).

    Attributes
    ----------
    config : the :class:`CaloGanConfig` it was trained with.
    checkpoint : float16 state dict, config as a dict, the simulator's mean response (see :func:`_checkpoint`).
    history : ``step``, ``d_loss``, ``g_loss``, ``r1``, ``energy_error`` (D's relative energy error on fakes),
        ``sum_error`` (relative error of the fakes' total energy), plus ``train_seconds`` (one value).
    """

    config: CaloGanConfig
    checkpoint: dict
    history: dict

    def generator(self) -> CaloGenerator:
        """The generator (eval mode, float32, on CPU)."""
        return generator_from_checkpoint(self.checkpoint)

    @property
    def train_seconds(self) -> float:
        return float(self.history["train_seconds"][0])

    def final_losses(self) -> dict[str, float]:
        """Each logged loss averaged over the last 10 % of training."""
        tail = slice(int(0.9 * len(self.history["step"])), None)
        return {k: float(np.nanmean(v[tail])) for k, v in self.history.items() if k not in ("step", "train_seconds")}

    def summary(self) -> dict:
        """The training's part of ``train-calo-gan --json`` (the CLI adds the file and the response check)."""
        return {"train_seconds": self.train_seconds, "config": self.config,
                "final_losses_last_10pct": self.final_losses()}


def train_calo_gan(config: CaloGanConfig, progress: Progress | None = None) -> TrainedCaloGan:
    """Train the conditional 3D GAN on freshly simulated showers (no cache: run it through
    ``experiments.run(CALO_GAN, config)``, which caches the result on disk).
    """
    config.validate()
    progress = progress or no_progress
    start = time.perf_counter()
    progress(0.0, f"simulating {config.n_train} training showers")
    generator, history, response = _train(config, scaled(progress, _simulation_share(config), 1.0))
    history["train_seconds"] = np.array([time.perf_counter() - start])
    return TrainedCaloGan(config=config, checkpoint=_checkpoint(generator, config, {"response": response}),
                          history=history)


def trained_generator(config: CaloGanConfig | None, progress: Progress | None = None) -> CaloGenerator:
    """The shipped generator (``config`` None) or the one ``config`` trains (disk-cached)."""
    if config is None:
        return load_pretrained_generator()
    return experiments.run(CALO_GAN, config, progress).generator()


# Seconds on the 2-core machine class (measured from the process time of 20-step runs on a shared
# machine; benchmarks/bench_estimates.py checks the estimate).
SECONDS_PER_SIMULATED_SHOWER = 5.0e-4     # toy simulator, 10–500 GeV, 2 000 spots
SECONDS_PER_STEP_PER_SHOWER = 4.4e-3      # one D + one G update, channels 32, per shower of the batch (idle 2 cores)
SECONDS_OVERHEAD = 0.5                    # building the networks, the first (slow) step


def _step_seconds(config: CaloGanConfig) -> float:
    return SECONDS_PER_STEP_PER_SHOWER * config.batch_size * (config.channels / 32) ** 1.5


def _simulation_share(config: CaloGanConfig) -> float:
    """The fraction of the estimated time spent simulating the training set (for the progress bar)."""
    simulate = config.n_train * SECONDS_PER_SIMULATED_SHOWER
    return simulate / (simulate + config.steps * _step_seconds(config))


def estimate_seconds(config: CaloGanConfig) -> float:
    """Wall time of one training on the 2-core machine class: simulation, then the steps."""
    return SECONDS_OVERHEAD + config.n_train * SECONDS_PER_SIMULATED_SHOWER + config.steps * _step_seconds(config)


CALO_GAN = experiments.register(experiments.Experiment(
    name="train-calo-gan", config_type=CaloGanConfig, compute=train_calo_gan, to_json=TrainedCaloGan.summary,
    estimate_seconds=estimate_seconds, label="Training the 3D GAN",
    calibration=(CaloGanConfig(steps=20), CaloGanConfig(steps=30, batch_size=16),
                 CaloGanConfig(steps=20, n_train=4000, channels=16))))


def save_generator(generator: CaloGenerator, path: str | Path, extra: dict[str, Any] | None = None) -> None:
    """Write ``generator`` as a weights-only checkpoint (float16 weights, config as a plain dict)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(_checkpoint(generator, generator.config, extra or {}), path)


def load_pretrained_generator(path: str | Path = PRETRAINED_PATH) -> CaloGenerator:
    """The shipped generator (``assets/calo_gan.pt``), loaded with ``torch.load(weights_only=True)``."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"no generator checkpoint at {path}; make one with `python -m ganplify_core train-calo-gan`")
    return generator_from_checkpoint(torch.load(path, map_location="cpu", weights_only=True))


@torch.no_grad()
def generate_showers(generator: CaloGenerator, energies, seed: int = 0, batch_size: int = 256) -> np.ndarray:
    """Showers from ``generator`` at primary energies ``energies`` (GeV).

    The simulator's read-out threshold is applied (cells below 1e-4 of the shower's hottest cell are
    zeroed), so both sources are compared after the same read-out.

    Returns
    -------
    ndarray, float32, shape (n, 25, 25, 25)
        Deposited energy per cell in GeV.
    """
    energies = np.asarray(energies, dtype=np.float32).reshape(-1)
    lo, hi = generator.config.energy_range
    if energies.size == 0 or not np.all((energies >= lo * 0.999) & (energies <= hi * 1.001)):
        raise InputError(f"energies must be a non-empty list within the generator's training range [{lo:g}, {hi:g}] GeV")
    noise = torch.Generator().manual_seed(int(seed))
    device = get_device()
    generator = generator.to(device)
    out = np.empty((len(energies), 25, 25, 25), dtype=np.float32)
    for start in range(0, len(energies), batch_size):
        e = torch.from_numpy(energies[start:start + batch_size])
        z = torch.randn(len(e), generator.latent_dim, generator=noise)
        out[start:start + len(e)] = to_gev(generator(z.to(device), e.to(device))).cpu().numpy()
    return apply_readout_threshold(out)
