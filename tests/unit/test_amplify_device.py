"""The GAN trains and samples on the chosen device, and its loop does not wait for the device every step."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
import torch

from ganplify_core.amplify.distributions import get_distribution
from ganplify_core.amplify.gan import LOSS_NAMES, GanSettings, GeneratorSampler, train_gan
from ganplify_core.amplify.metrics import mse_vs_generated
from ganplify_core.device import get_device
from ganplify_core.sweeps import single_threaded


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks: one thread (two threads on a busy 2-core machine are many times slower)."""
    with single_threaded():
        yield


DATA = get_distribution("camelback", 1, 10).sample(100, np.random.default_rng(0))
SMALL = GanSettings(width=16, depth=2, steps=300)


def test_the_loop_reads_the_device_only_for_progress_reports(monkeypatch):
    """In gan.py: no .item() or float(tensor) in the loop, .tolist() only for the ~100 progress lines.
    (torch's own Adam reads its step counter, a CPU tensor, with .item(): no device sync, not counted.)"""
    reads = {"item": 0, "__float__": 0, "tolist": 0}

    def counting(name):
        original = getattr(torch.Tensor, name)

        def read(self, *args):
            if sys._getframe(1).f_code.co_filename.endswith(os.path.join("amplify", "gan.py")):
                reads[name] += 1
            return original(self, *args)
        return read

    for name in reads:
        monkeypatch.setattr(torch.Tensor, name, counting(name))
    messages = []
    trained = train_gan(DATA, SMALL, seed=1, progress=lambda f, m: messages.append((f, m)))
    assert reads == {"item": 0, "__float__": 0, "tolist": 100} and len(messages) == 100 and messages[-1][0] == 1.0
    assert "d_loss" in messages[-1][1]
    steps = trained.history["step"]
    assert steps[0] == 0 and steps[-1] == SMALL.steps - 1 and len(steps) == SMALL.steps // SMALL.log_every + 1
    for name in LOSS_NAMES:  # every logged step has its losses, the last one too
        assert trained.history[name].shape == steps.shape and np.isfinite(trained.history[name]).all()


def test_the_default_device_is_the_chosen_one_and_cpu_is_reproducible():
    device = get_device()
    trained = train_gan(DATA, SMALL, seed=2, n_snapshots=2)
    assert all(v.device.type == device.type for v in trained.generator_state.values())
    again = train_gan(DATA, SMALL, seed=2, n_snapshots=2, device="cpu") if device.type == "cpu" else None
    if again is not None:  # same seed, same numbers
        for k, v in trained.generator_state.items():
            assert torch.equal(v, again.generator_state[k])
        np.testing.assert_array_equal(trained.history["g_loss"], again.history["g_loss"])
    sampler = GeneratorSampler(trained, seed=3, chunk_size=4096)
    assert sampler.sample(100).device.type == device.type


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_training_and_scoring_match_the_law():
    dist = get_distribution("camelback", 1, 10)
    trained = train_gan(DATA, GanSettings(steps=3000), seed=4, device="cuda")
    sampler = GeneratorSampler(trained, seed=5, device="cuda")
    points = sampler.sample(1000)
    assert points.is_cuda and points.shape == (1000, 1)
    mse = mse_vs_generated(sampler.sample, dist.cell_index, 10, np.array([1000, 100_000]), sampler.chunk_size)
    assert mse[-1] < 1e-2  # not collapsed onto one hump (≈ 0.02 or more)
