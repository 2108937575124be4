"""The calorimeter GAN, the VAE β sweep and the jet-network fitting do not wait for the device every step.

No GPU is needed: a read of a tensor (``.item()``, ``float()``, ``.tolist()``, ``.cpu()``, ``.numpy()``) is
counted where the loop's own module makes it (on a GPU each one waits for the queued work); the logged
history is checked against the values the steps returned; and ``device.autocast`` / ``device.to_device`` are
replaced to see that a CUDA device reaches them, or to run the forward passes in bfloat16 on the CPU.
"""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np
import pytest
import torch

from ganplify_core import training
from ganplify_core.anomaly import fitting
from ganplify_core.anomaly.models import JetImageCNN, build_jet_autoencoder
from ganplify_core.calorimeter import gan
from ganplify_core.sweeps import single_threaded
from ganplify_core.vae import beta_sweep
from ganplify_core.vae.latents import make_latent
from ganplify_core.vae.model import PointVAE

READS = ("item", "__float__", "tolist", "cpu", "numpy")
CUDA = torch.device("cuda")
TINY_GAN = gan.CaloGanConfig(seed=1, steps=6, batch_size=4, n_train=8, latent_dim=4, channels=4)


@pytest.fixture(autouse=True)
def one_thread():
    with single_threaded():
        yield


@pytest.fixture
def reads(monkeypatch):
    """``reads[file][name]``: tensor reads made from frames of the given source file (gan.py, ...)."""
    counts: dict[str, dict[str, int]] = {}

    def counting(name):
        original = getattr(torch.Tensor, name)

        def read(self, *args, **kwargs):
            caller = os.path.basename(sys._getframe(1).f_code.co_filename)
            counts.setdefault(caller, dict.fromkeys(READS, 0))[name] += 1
            return original(self, *args, **kwargs)
        return read

    for name in READS:
        monkeypatch.setattr(torch.Tensor, name, counting(name))
    return lambda file: counts.get(file, dict.fromkeys(READS, 0))


def recording_run_training(monkeypatch, module, returned: list):
    """Replace ``module.run_training`` by the real one around a step that also records what it returned
    (read immediately, as ``.item()`` used to, so a value changed later in place would show)."""
    def run(step, n_steps, *args, **kwargs):
        def recorded(i):
            losses = step(i)
            returned.append({k: (type(v), v.dtype if torch.is_tensor(v) else None, v.shape if torch.is_tensor(v) else None,
                                 float(v)) for k, v in losses.items()})
            return losses
        return training.run_training(recorded, n_steps, *args, **kwargs)
    monkeypatch.setattr(module, "run_training", run)


class Autocast:
    """Stands in for ``device.autocast``: records the device, and whether a forward pass ran inside it."""

    def __init__(self, dtype=None):
        self.devices, self.depth, self.forwards_outside = [], 0, 0
        self.dtype = dtype

    def __call__(self, device):
        self.devices.append(device)

        @contextlib.contextmanager
        def context():
            self.depth += 1
            try:  # bfloat16 on the CPU: the forward passes take the CUDA path's dtypes
                with torch.autocast("cpu", dtype=self.dtype) if self.dtype else contextlib.nullcontext():
                    yield
            finally:
                self.depth -= 1
        return context()

    def watch(self, *modules):
        def hook(module, args, output):
            self.forwards_outside += self.depth == 0
        for module in modules:
            module.register_forward_hook(hook)


# -- calorimeter GAN ----------------------------------------------------------------------------------

def test_calo_gan_steps_return_tensors_read_nothing_and_log_what_they_returned(monkeypatch, reads):
    returned: list = []
    recording_run_training(monkeypatch, gan, returned)
    _, history, _ = gan._train(TINY_GAN, None)
    assert reads("gan.py") == dict.fromkeys(READS, 0)  # was five .item() a step
    assert len(returned) == TINY_GAN.steps
    for losses in returned:
        assert set(losses) == {"d_loss", "g_loss", "r1", "energy_error", "sum_error"}
        assert all(kind is torch.Tensor and dtype == torch.float32 and shape == () for kind, dtype, shape, _ in losses.values())
    np.testing.assert_array_equal(history["step"], np.arange(TINY_GAN.steps))
    for name in returned[0]:  # the history holds exactly the float32 values the steps returned
        np.testing.assert_array_equal(history[name], [losses[name][3] for losses in returned], err_msg=name)
    # R1 is computed every R1_EVERY-th step and carried over in between
    r1 = history["r1"]
    assert np.isfinite(r1).all() and r1[1] == r1[0] and r1[gan.R1_EVERY] != r1[0]


def _gan_parts(config):
    torch.manual_seed(0)
    generator = gan.CaloGenerator(config.latent_dim, config.channels).to(memory_format=gan.CHANNELS_LAST)
    discriminator = gan.CaloDiscriminator(config.channels, projection=True).to(memory_format=gan.CHANNELS_LAST)
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-3)
    data_u = gan.to_network_units(torch.rand(8, 25, 25, 25) ** 8).half()
    data_e = torch.linspace(10.0, 500.0, 8)
    return generator, discriminator, opt_g, opt_d, data_u, data_e


def test_calo_gan_step_passes_the_cuda_device_to_autocast_and_pinned_copies(monkeypatch):
    amp, copies = Autocast(), []
    monkeypatch.setattr(gan, "autocast", amp)
    monkeypatch.setattr(gan, "to_device", lambda tensor, device: copies.append((tensor.shape, device)) or tensor)
    generator, discriminator, opt_g, opt_d, data_u, data_e = _gan_parts(TINY_GAN)
    amp.watch(generator, discriminator)
    step = gan._training_step(TINY_GAN, generator, discriminator, opt_g, opt_d, data_u, data_e, 1.0, CUDA)
    for i in range(2):
        step(i)
    assert amp.devices == [CUDA] * 4 and amp.forwards_outside == 0  # D and G updates, both steps
    b, latent = TINY_GAN.batch_size, TINY_GAN.latent_dim
    assert copies == [((b,), CUDA), ((b,), CUDA), ((b, latent), CUDA)] * 2  # index, energies, noise


def test_calo_gan_step_in_bfloat16_keeps_its_losses_in_float32(monkeypatch):
    """The CUDA path's dtypes, run on the CPU: bf16 forward passes, float32 losses and R1, weights train."""
    amp = Autocast(torch.bfloat16)
    monkeypatch.setattr(gan, "autocast", amp)
    generator, discriminator, opt_g, opt_d, data_u, data_e = _gan_parts(TINY_GAN)
    dtypes = []
    generator.register_forward_hook(lambda module, args, output: dtypes.append(output.dtype))
    before = [p.detach().clone() for p in generator.parameters()]
    step = gan._training_step(TINY_GAN, generator, discriminator, opt_g, opt_d, data_u, data_e, 1.0, torch.device("cpu"))
    losses = [step(i) for i in range(2)]
    assert dtypes == [torch.bfloat16] * 2
    for value in [*losses[0].values(), *losses[1].values()]:
        assert value.dtype == torch.float32 and torch.isfinite(value)
    assert all(p.dtype == torch.float32 for p in generator.parameters())
    assert any(not torch.equal(a, p) for a, p in zip(before, generator.parameters()))


# -- VAE β sweep ---------------------------------------------------------------------------------------

def _point_vae(seed=0):
    torch.manual_seed(seed)
    return PointVAE(4, 2, hidden=8, latent=make_latent("gaussian", 2))


def test_beta_sweep_reads_back_once_per_beta_not_per_step(monkeypatch, reads):
    returned: list = []
    recording_run_training(monkeypatch, beta_sweep, returned)
    data = torch.randn(60, 4)
    config = beta_sweep.BetaSweepConfig(betas=(0.1, 0.3, 1.0), latent_dim=2, hidden=8, steps_per_beta=5,
                                        first_steps=10, batch_size=16)
    model = _point_vae()
    beta_sweep.train_beta_sweep(model, data[:40], data[40:], config, None)
    assert len(returned) == 20 and all(losses["loss"][:3] == (torch.Tensor, torch.float32, ()) for losses in returned)
    n_state = len(model.state_dict())
    # per β: evaluate's KL row and distance (one .cpu().numpy() and one float), and the weights' snapshot
    assert reads("beta_sweep.py") == {"item": 0, "__float__": 3, "tolist": 0, "cpu": 3 * (1 + n_state), "numpy": 3}


def test_evaluate_sums_on_the_device_as_the_per_batch_loop_did(reads):
    model, data, beta = _point_vae(1), torch.randn(50, 4), 0.3
    kl, dist2 = beta_sweep.evaluate(model, data, beta, batch_size=8, seed=4)  # 7 batches
    assert reads("beta_sweep.py") == {"item": 0, "__float__": 1, "tolist": 0, "cpu": 1, "numpy": 1}
    generator = torch.Generator().manual_seed(4)  # the old loop: both sums copied back every batch
    kl_old, dist2_old = torch.zeros(2, dtype=torch.float64), 0.0
    with torch.no_grad():
        for start in range(0, 50, 8):
            out = model.losses(data[start:start + 8], beta, generator)
            kl_old += out["kl"].sum(0).double()
            dist2_old += out["distance2"].double().sum().item()
    np.testing.assert_array_equal(kl, (kl_old / 50).numpy())
    assert dist2 == dist2_old / 50


# -- autoencoder and supervised CNN fitting ------------------------------------------------------------

IMAGES = np.random.default_rng(0).random((20, 1, 40, 40), dtype=np.float32) ** 4
LABELS = (np.arange(20) % 2).astype(np.float32)


def test_fitting_reads_nothing_in_its_steps_and_logs_what_they_returned(monkeypatch, reads):
    returned: list = []
    recording_run_training(monkeypatch, fitting, returned)
    torch.manual_seed(0)
    history = fitting.fit_autoencoder(build_jet_autoencoder("conv", 4), IMAGES, epochs=3, batch_size=8)
    torch.manual_seed(0)
    fitting.fit_classifier(JetImageCNN(), IMAGES, LABELS, epochs=1, batch_size=8)
    assert reads("fitting.py") == dict.fromkeys(READS, 0)
    assert len(returned) == 9 + 3 and all(losses["loss"][:3] == (torch.Tensor, torch.float32, ()) for losses in returned)
    np.testing.assert_array_equal(history["loss"], [returned[i]["loss"][3] for i in history["step"]])


def test_classifier_probability_copies_back_once(reads):
    torch.manual_seed(0)
    model = JetImageCNN()
    p = fitting.classifier_probability(model, IMAGES, batch_size=6)  # 4 batches
    assert reads("fitting.py")["cpu"] == 1 and reads("fitting.py")["numpy"] == 1
    with torch.no_grad():
        expected = torch.sigmoid(model(torch.as_tensor(IMAGES))).double().numpy()
    assert p.dtype == np.float64 and p.shape == (20,)
    np.testing.assert_allclose(p, expected, rtol=1e-6)
    assert fitting.classifier_probability(model, IMAGES[:0]).shape == (0,)


def test_minibatch_training_passes_the_cuda_device_to_autocast_and_copies_once_an_epoch(monkeypatch):
    amp, copies = Autocast(), []
    monkeypatch.setattr(fitting, "autocast", amp)
    monkeypatch.setattr(fitting, "to_device", lambda tensor, device: copies.append((tensor.shape, device)) or tensor)
    torch.manual_seed(0)
    model = build_jet_autoencoder("conv", 4)
    amp.watch(model)
    data = torch.as_tensor(IMAGES)
    loss_of_batch = lambda index: torch.mean((model(data[index]) - data[index]) ** 2)  # noqa: E731
    fitting._minibatch_training(model, loss_of_batch, len(data), 2, 8, 1e-3, 0, None, "test", CUDA)
    assert amp.devices == [CUDA] * 6 and amp.forwards_outside == 0
    assert copies == [((20,), CUDA)] * 2  # the permutation, once per epoch


def test_fitting_in_bfloat16_keeps_the_losses_in_float32(monkeypatch):
    monkeypatch.setattr(fitting, "autocast", Autocast(torch.bfloat16))
    dtypes = []
    torch.manual_seed(0)
    model = build_jet_autoencoder("conv", 4)
    model.register_forward_hook(lambda module, args, output: dtypes.append(output.dtype))
    history = fitting.fit_autoencoder(model, IMAGES, epochs=1, batch_size=8)
    torch.manual_seed(0)
    cnn = JetImageCNN()
    cnn.register_forward_hook(lambda module, args, output: dtypes.append(output.dtype))
    classifier = fitting.fit_classifier(cnn, IMAGES, LABELS, epochs=1, batch_size=8)
    assert dtypes == [torch.bfloat16] * 6
    assert np.isfinite(history["loss"]).all() and np.isfinite(classifier["loss"]).all()


# -- on a GPU (skipped here: none of these CUDA paths has run in the session that wrote them) -----------

@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_loops_train_with_autocast_and_finite_losses(monkeypatch):
    monkeypatch.setattr(gan, "get_device", lambda: CUDA)
    generator, history, _ = gan._train(TINY_GAN, None)
    assert all(np.isfinite(history[k]).all() for k in ("d_loss", "g_loss", "r1", "energy_error", "sum_error"))
    assert all(torch.isfinite(p).all() for p in generator.parameters())
    torch.manual_seed(0)
    model = build_jet_autoencoder("conv", 4)
    losses = fitting.fit_autoencoder(model, IMAGES, epochs=3, batch_size=8, device=CUDA)["loss"]
    assert np.isfinite(losses).all() and next(model.parameters()).is_cuda
    p = fitting.classifier_probability(JetImageCNN().to(CUDA), IMAGES, batch_size=6, device=CUDA)
    assert p.shape == (20,) and np.all((p > 0) & (p < 1))
    data = torch.randn(60, 4, device=CUDA)
    config = beta_sweep.BetaSweepConfig(betas=(0.1, 0.3, 1.0), latent_dim=2, hidden=8, steps_per_beta=5,
                                        first_steps=10, batch_size=16)
    sweep = beta_sweep.train_beta_sweep(_point_vae().to(CUDA), data[:40], data[40:], config, None)
    assert np.isfinite(sweep.kl_per_dim).all() and np.isfinite(sweep.distance2).all()
