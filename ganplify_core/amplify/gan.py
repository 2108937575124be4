"""A small GAN that amplifies its training sample: MLPs, an R1-regularised objective, weight averaging.

Objective (non-saturating GAN, Goodfellow et al. 2014, with the R1 penalty of Mescheder, Geiger,
Nowozin, "Which training methods for GANs do actually converge?", ICML 2018, arXiv:1801.04406):

    L_D = E_data[softplus(−D(x))] + E_z[softplus(D(G(z)))] + (γ/2) E_data[‖∇ₓ D(x)‖²]
    L_G = E_z[softplus(−D(G(z)))]

The R1 term penalises the discriminator's slope on the data, so D cannot draw a sharp wall around each
training point; the generator then sees a smooth target and *interpolates* between the points, which
is where the amplification of arXiv:2008.06545 comes from. Sampling uses an exponential moving average
of the generator's weights (θ̄ ← β θ̄ + (1 − β) θ, β = 0.999; Yazıcı et al., arXiv:1806.04498), which
averages out the oscillation of the adversarial game.

What we found (camel back, n = 100, N = 10; see README): a plain BCE GAN, a cosine LR schedule, small
batches or WGAN-GP are 2–100× *worse* than the data (mode hopping, one hump favoured); R1 with
Adam(lr 1e-4, β = (0, 0.99)), data divided by 4, the full training batch against 256 fakes and EMA
beats the data. The R1 weight is the main lever: γ = 1 leaves the GAN about as good as its sample (and
drifting back towards it with longer training), γ = 10–30 makes it clearly better, γ = 100 smooths too much.
A stronger penalty needs more steps. The defaults (γ = 30, 6000 steps) were chosen after the first result
was seen, out of about 12 configurations, by the true-law metric (amplification of the mean quantile MSE) on
training sets other than the ones shown by default; the fit and the kernel density got no such selection
(docs/amplify.md).
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ganplify_core.device import get_device
from ganplify_core.training import Progress, no_progress

DATA_SCALE = 4.0  # training points are divided by this so they sit at O(1), where the MLPs' init fits


@dataclasses.dataclass(frozen=True)
class GanSettings:
    """Hyper-parameters of one GAN (the page's controls map onto these)."""

    width: int = 64
    depth: int = 3
    latent: int = 4
    lr: float = 1e-4
    steps: int = 6000
    fake_batch: int = 256
    max_real_batch: int = 1024
    r1_gamma: float = 30.0
    ema_decay: float = 0.999
    log_every: int = 20


def mlp(n_in: int, width: int, depth: int, n_out: int) -> nn.Sequential:
    """``depth`` hidden layers of ``width`` LeakyReLU(0.2) units, linear output."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(n_in if i == 0 else width, width), nn.LeakyReLU(0.2)]
    layers.append(nn.Linear(width if depth else n_in, n_out))
    return nn.Sequential(*layers)


@dataclasses.dataclass
class TrainedGan:
    """The averaged generator's weights, and the losses logged during training."""

    generator_state: dict
    settings: GanSettings
    dim: int
    history: dict
    snapshot_steps: np.ndarray
    snapshots: list


LOSS_NAMES = ("d_loss", "g_loss", "r1", "d_real", "d_fake")


def train_gan(data: np.ndarray, settings: GanSettings, seed: int, progress: Progress | None = None,
              n_snapshots: int = 0, device: torch.device | str | None = None) -> TrainedGan:
    """Train G and D on ``data`` (n, dim); return the EMA generator and the loss history.

    Runs on ``device`` (default :func:`ganplify_core.device.get_device`: CUDA if present). The weights are
    initialised on the CPU from ``seed`` and then moved, so the CPU results do not depend on the device
    code; on CUDA the batches come from a CUDA generator, so the numbers differ from the CPU's (same law).

    The loop never waits for the device between steps: the losses of every ``log_every``-th step (and the
    last) are kept as device tensors and copied to the host in one piece at the end; only the ~100 progress
    reports read a value back.

    ``n_snapshots`` copies of the EMA generator are kept at evenly spaced steps (the last at the end),
    to show how the quality evolves with training (never to choose when to stop).

    Losses logged: ``d_loss`` (without the penalty), ``g_loss``, ``r1`` (‖∇D‖² on the data),
    ``d_real`` (mean D logit on data) and ``d_fake``.
    """
    device = torch.device(device) if device is not None else get_device()
    torch.manual_seed(seed)
    generator_rng = torch.Generator(device=device).manual_seed(seed + 1)
    real_all = torch.as_tensor(np.asarray(data, dtype=np.float32) / DATA_SCALE).to(device)
    n, dim = real_all.shape
    G = mlp(settings.latent, settings.width, settings.depth, dim)
    D = mlp(dim, settings.width, settings.depth, 1)
    G_ema = copy.deepcopy(G).requires_grad_(False)
    G, D, G_ema = G.to(device), D.to(device), G_ema.to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=settings.lr, betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(D.parameters(), lr=settings.lr, betas=(0.0, 0.99))
    real_batch = min(n, settings.max_real_batch)
    ema_params = list(G_ema.parameters())
    snapshot_at = {int(round(settings.steps * (k + 1) / n_snapshots)) for k in range(n_snapshots)}
    snapshots: list[dict] = []
    params = list(G.parameters())

    def step(i: int) -> torch.Tensor:
        if real_batch < n:
            real = real_all[torch.randint(n, (real_batch,), generator=generator_rng, device=device)]
        else:
            real = real_all
        real = real.clone().requires_grad_(True)
        z = torch.randn(settings.fake_batch, settings.latent, generator=generator_rng, device=device)
        with torch.no_grad():
            fake = G(z)
        d_real, d_fake = D(real), D(fake)
        (grad,) = torch.autograd.grad(d_real.sum(), real, create_graph=True)
        r1 = grad.pow(2).sum(1).mean()
        d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        opt_d.zero_grad(set_to_none=True)
        (d_loss + 0.5 * settings.r1_gamma * r1).backward()
        opt_d.step()

        z = torch.randn(settings.fake_batch, settings.latent, generator=generator_rng, device=device)
        g_loss = F.softplus(-D(G(z))).mean()
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, params, 1.0 - settings.ema_decay)
        if (i + 1) in snapshot_at:
            snapshots.append({k: v.detach().clone() for k, v in G_ema.state_dict().items()})
        return torch.stack([d_loss.detach(), g_loss.detach(), r1.detach(), d_real.detach().mean(),
                            d_fake.detach().mean()])

    progress = progress or no_progress
    report_every = max(1, settings.steps // 100)
    logged_steps: list[int] = []
    logged: list[torch.Tensor] = []
    for i in range(settings.steps):
        losses = step(i)
        if i % settings.log_every == 0 or i == settings.steps - 1:
            logged_steps.append(i)
            logged.append(losses)
        if (i + 1) % report_every == 0 or i == settings.steps - 1:  # ~100 host reads per run
            shown = ", ".join(f"{name} {value:.3g}" for name, value in zip(LOSS_NAMES, losses.tolist()))
            progress((i + 1) / settings.steps, f"GAN: step {i + 1}/{settings.steps}  {shown}")
    values = torch.stack(logged).cpu().numpy().astype(np.float64) if logged else np.zeros((0, len(LOSS_NAMES)))
    history = {"step": np.asarray(logged_steps), **{name: values[:, j] for j, name in enumerate(LOSS_NAMES)}}
    state = {k: v.detach().clone() for k, v in G_ema.state_dict().items()}
    return TrainedGan(state, settings, dim, history, np.array(sorted(snapshot_at), dtype=np.int64), snapshots)


class GeneratorSampler:
    """Draws points from a trained generator fast: no autograd, preallocated buffers, in-place activations.

    ``sample(m)`` returns a view of an internal buffer (valid until the next call), shape (m, dim), in
    the data's units, on ``device`` (default :func:`ganplify_core.device.get_device`).
    """

    def __init__(self, trained: TrainedGan, seed: int, chunk_size: int = 1 << 16,
                 device: torch.device | str | None = None, state: dict | None = None):
        device = torch.device(device) if device is not None else get_device()
        s = trained.settings
        model = mlp(s.latent, s.width, s.depth, trained.dim)
        model.load_state_dict(trained.generator_state if state is None else state)
        linears = [m for m in model if isinstance(m, nn.Linear)]
        self.weights = [layer.weight.detach().t().contiguous().to(device) for layer in linears]
        self.biases = [layer.bias.detach().to(device) for layer in linears]
        self.weights[-1] = self.weights[-1] * DATA_SCALE  # fold the un-scaling into the last layer
        self.biases[-1] = self.biases[-1] * DATA_SCALE
        self.chunk_size = chunk_size
        self.latent, self.dim = s.latent, trained.dim
        self.generator = torch.Generator(device=device).manual_seed(seed)
        self.z = torch.empty(chunk_size, s.latent, device=device)
        self.hidden = [torch.empty(chunk_size, w.shape[1], device=device) for w in self.weights]

    @torch.no_grad()
    def sample(self, m: int) -> torch.Tensor:
        if m > self.chunk_size:
            return torch.cat([self.sample(min(self.chunk_size, m - k)).clone() for k in range(0, m, self.chunk_size)])
        x = torch.randn(m, self.latent, generator=self.generator, out=self.z[:m])
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            out = self.hidden[i][:m]
            torch.addmm(b, x, w, out=out)
            if i < len(self.weights) - 1:
                F.leaky_relu_(out, 0.2)
            x = out
        return x


class PooledSampler:
    """Draws from an equal mixture of several generators (an ensemble of GANs trained on the same data).

    Each chunk of m points takes m/K from each of the K samplers (the remainder from the first ones),
    written into one preallocated buffer; ``sample(m)`` returns a view of it, as :class:`GeneratorSampler`.
    Pooling K independently initialised GANs averages out the errors in which they differ (mode weights
    hopping with the adversarial game), while the error they share, the training sample's, stays.
    """

    def __init__(self, samplers: list[GeneratorSampler]):
        self.samplers = samplers
        self.chunk_size = min(s.chunk_size for s in samplers)
        self.dim = samplers[0].dim
        self.buffer = torch.empty(self.chunk_size, self.dim, device=samplers[0].z.device)

    @torch.no_grad()
    def sample(self, m: int) -> torch.Tensor:
        if len(self.samplers) == 1:
            return self.samplers[0].sample(m)
        if m > self.chunk_size:
            return torch.cat([self.sample(min(self.chunk_size, m - k)).clone() for k in range(0, m, self.chunk_size)])
        share, extra = divmod(m, len(self.samplers))
        start = 0
        for j, sampler in enumerate(self.samplers):
            part = share + (j < extra)
            if part:
                self.buffer[start:start + part].copy_(sampler.sample(part))
            start += part
        return self.buffer[:m]
