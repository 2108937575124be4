"""The conditional 3D GAN: architecture, checkpoint safety, the shipped generator's energy response, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from ganplify_core import cli, experiments
from ganplify_core.calorimeter.gan import (
    CALO_GAN,
    PRETRAINED_PATH,
    CaloDiscriminator,
    CaloGanConfig,
    CaloGenerator,
    TrainedCaloGan,
    generate_showers,
    load_pretrained_generator,
    save_generator,
    to_gev,
    to_network_units,
    voxel_shuffle,
)
from ganplify_core.errors import InputError

TINY = CaloGanConfig(seed=1, steps=3, batch_size=4, n_train=8, latent_dim=8, channels=8)


def test_voxel_shuffle_places_channels_in_sub_cells():
    h = torch.randn(2, 8, 3, 3, 3)
    out = voxel_shuffle(h)
    assert out.shape == (2, 6, 6, 6)
    for c in range(8):
        i, j, k = c // 4, (c // 2) % 2, c % 2
        torch.testing.assert_close(out[:, i::2, j::2, k::2], h[:, c])


def test_network_units_round_trip():
    x = torch.tensor([0.0, 1e-4, 0.01, 0.35])
    torch.testing.assert_close(to_gev(to_network_units(x)), x)


def test_networks_shapes():
    g, d = CaloGenerator(latent_dim=8, channels=8), CaloDiscriminator(channels=8)
    u = g(torch.randn(3, 8), torch.tensor([10.0, 100.0, 500.0]))
    assert u.shape == (3, 25, 25, 25) and torch.all(u >= 0)
    logit, energy = d(u)
    assert logit.shape == (3,) and energy.shape == (3,) and torch.all(energy >= 0)
    # With the projection term, D's verdict on the same shower depends on the claimed energy.
    conditional = CaloDiscriminator(channels=8, projection=True)
    low, _ = conditional(u, torch.full((3,), 10.0))
    high, _ = conditional(u, torch.full((3,), 500.0))
    assert not torch.allclose(low, high)


def test_tiny_training_run_is_finite_and_checkpoint_round_trips(tmp_cache, tmp_path):
    trained = experiments.run(CALO_GAN, TINY)  # computes, and writes the disk cache
    assert isinstance(trained, TrainedCaloGan) and experiments.is_cached(CALO_GAN, TINY)
    generator, history = trained.generator(), trained.history
    assert len(history["step"]) == TINY.steps
    for name in ("d_loss", "g_loss", "energy_error", "sum_error"):
        assert np.all(np.isfinite(history[name])), name
    assert all(torch.isfinite(p).all() for p in generator.parameters())
    path = tmp_path / "g.pt"
    save_generator(generator, path)
    checkpoint = torch.load(path, weights_only=True)  # plain types only: loads without unpickling code
    assert checkpoint["config"]["channels"] == 8
    reloaded = load_pretrained_generator(path)
    a = generate_showers(generator, [50.0, 200.0], seed=3)
    b = generate_showers(reloaded, [50.0, 200.0], seed=3)
    np.testing.assert_allclose(a, b, rtol=2e-2, atol=1e-4)  # float16 storage of the weights
    # The disk cache gives the same (float16-stored) generator back.
    experiments.forget_memory()
    again = experiments.run(CALO_GAN, TINY)
    assert again is not trained
    cached, cached_history = again.generator(), again.history
    np.testing.assert_array_equal(generate_showers(cached, [80.0], seed=0), generate_showers(reloaded, [80.0], seed=0))
    np.testing.assert_array_equal(cached_history["d_loss"], history["d_loss"])


def test_shipped_checkpoint_is_small_and_weights_only():
    assert PRETRAINED_PATH.exists()
    assert PRETRAINED_PATH.stat().st_size < 5_000_000
    checkpoint = torch.load(PRETRAINED_PATH, weights_only=True)
    assert set(checkpoint) >= {"state_dict", "config"}
    assert all(v.dtype in (torch.float16, torch.int64) for v in checkpoint["state_dict"].values())


def test_shipped_generator_output_and_energy_response():
    generator = load_pretrained_generator()
    energies = np.repeat([20.0, 100.0, 250.0, 450.0], 64)
    images = generate_showers(generator, energies, seed=0)
    assert images.shape == (256, 25, 25, 25) and images.dtype == np.float32 and np.all(images >= 0)
    mean_total = images.sum(axis=(1, 2, 3)).reshape(4, 64).mean(axis=1)
    assert np.all(np.diff(mean_total) > 0), mean_total  # more energy in, more energy deposited
    # Roughly the simulator's response (2 % sampling fraction less a little leakage), within 30 %.
    np.testing.assert_allclose(mean_total / (0.0195 * np.array([20.0, 100.0, 250.0, 450.0])), 1.0, atol=0.3)
    # Same seed, same showers; another seed, others.
    np.testing.assert_array_equal(generate_showers(generator, [100.0] * 4, seed=1), generate_showers(generator, [100.0] * 4, seed=1))
    assert not np.array_equal(generate_showers(generator, [100.0] * 4, seed=1), generate_showers(generator, [100.0] * 4, seed=2))


def test_energies_outside_training_range_are_refused():
    generator = load_pretrained_generator()
    with pytest.raises(InputError):
        generate_showers(generator, [5000.0])
    with pytest.raises(InputError):
        CaloGanConfig(steps=0).validate()


def test_config_bounds_and_estimate():
    for bad in ({"steps": 0}, {"steps": 10**6}, {"seed": -1}, {"lr_generator": float("nan")}, {"channels": 2},
                {"n_train": 4, "batch_size": 8}, {"r1_gamma": float("inf")}):
        with pytest.raises(InputError):
            CaloGanConfig(**bad).validate()
    small, large = CALO_GAN.estimate_seconds(CaloGanConfig(steps=100)), CALO_GAN.estimate_seconds(CaloGanConfig(steps=1000))
    assert 0 < small < large and large > 5 * small / 2, "the estimate grows with the steps"
    assert CALO_GAN.estimate_seconds(CaloGanConfig(n_train=20_000, steps=1)) > CALO_GAN.estimate_seconds(CaloGanConfig(steps=1))


def test_cli_trains_and_writes_a_checkpoint(tmp_path, capsys, tmp_cache):
    out = tmp_path / "cli.pt"
    code = cli.main(["train-calo-gan", "--steps", "2", "--batch-size", "4", "--n-train", "8", "--channels", "8",
                     "--check-showers", "10", "--out", str(out), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["train_seconds"] > 0 and set(result["final_losses_last_10pct"]) >= {"d_loss", "g_loss"}
    assert "100 GeV" in result["response_check"]
    assert list(result) == ["out", "size_bytes", "train_seconds", "config", "final_losses_last_10pct", "response_check"]
    assert result["config"]["steps"] == 2 and result["config"]["channels"] == 8
    load_pretrained_generator(out)
    capsys.readouterr()
    for bad in (["--steps", "0"], ["--seed", "-1"], ["--lr-generator", "nan"], ["--n-train", "100000000"],
                ["--n-train", "4", "--batch-size", "8"], ["--check-showers", "1"]):
        try:
            code = cli.main(["train-calo-gan", *bad, "--out", str(out)])
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, (bad, err)
