"""``python -m ganplify_core train-calo-gan``: train the conditional 3D GAN and write its checkpoint.

The shipped ``assets/calo_gan.pt`` comes from::

    OMP_NUM_THREADS=1 nice -n 10 python -m ganplify_core train-calo-gan --seed 0 --steps 800 --out assets/calo_gan.pt --json
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ganplify_core import cli
from ganplify_core.calorimeter.gan import CaloGanConfig, generate_showers, save_generator, train_calo_gan
from ganplify_core.calorimeter.showers import simulate_showers
from ganplify_core.errors import InputError

CHECK_ENERGIES_GEV = (20.0, 100.0, 400.0)


def response_check(generator, n: int = 200, seed: int = 12345) -> dict[str, dict[str, float]]:
    """Mean and spread of the deposited energy (GeV) and mean depth (X0) for simulator and GAN at a few E."""
    result = {}
    for energy in CHECK_ENERGIES_GEV:
        if not (generator.config.energy_range[0] <= energy <= generator.config.energy_range[1]):
            continue
        sim = simulate_showers(n, energy=energy, seed=seed, use_cache=False).images.astype(np.float64)
        gan = generate_showers(generator, np.full(n, energy), seed=seed).astype(np.float64)
        row = {}
        for name, images in (("sim", sim), ("gan", gan)):
            total = images.sum(axis=(1, 2, 3))
            depth = images.sum(axis=(0, 1, 2))
            row[f"{name}_total_mean"] = total.mean()
            row[f"{name}_total_std"] = total.std()
            row[f"{name}_mean_depth_x0"] = float((depth * (np.arange(len(depth)) + 0.5)).sum() / depth.sum())
        result[f"{energy:g} GeV"] = row
    return result


def _train_handler(args: argparse.Namespace) -> dict:
    config = CaloGanConfig(seed=args.seed, steps=args.steps, batch_size=args.batch_size, n_train=args.n_train,
                           channels=args.channels, projection_discriminator=args.energy_to_discriminator).validate()
    out = Path(args.out)
    if args.check_showers < 2:
        raise InputError(f"--check-showers must be at least 2, got {args.check_showers}")
    if out.exists() and out.is_dir():
        raise InputError(f"--out must be a file path, got the directory {out}")
    generator, history = train_calo_gan(config, use_cache=False)
    tail = slice(int(0.9 * len(history["step"])), None)
    final = {k: float(np.nanmean(v[tail])) for k, v in history.items() if k not in ("step", "train_seconds")}
    check = response_check(generator, n=args.check_showers)
    save_generator(generator, out, extra={"final_losses": final})
    return {"out": str(out), "size_bytes": out.stat().st_size, "train_seconds": float(history["train_seconds"][0]),
            "config": config, "final_losses_last_10pct": final, "response_check": check}


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "train-calo-gan",
                             "Train the conditional 3D GAN on toy calorimeter showers and save its checkpoint.",
                             _train_handler)
    defaults = CaloGanConfig()
    parser.add_argument("--seed", type=int, default=defaults.seed, help="training seed (data, initialisation, noise)")
    parser.add_argument("--steps", type=int, default=defaults.steps, help="optimisation steps")
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="showers per step")
    parser.add_argument("--n-train", type=int, default=defaults.n_train, help="simulated training showers (10–500 GeV)")
    parser.add_argument("--channels", type=int, default=defaults.channels, help="network width")
    parser.add_argument("--energy-to-discriminator", action="store_true",
                        help="also give the discriminator the primary energy (projection term)")
    parser.add_argument("--check-showers", type=int, default=200,
                        help="showers per energy for the simulator-vs-GAN response check printed at the end")
    parser.add_argument("--out", default="calo_gan.pt", help="checkpoint path (e.g. assets/calo_gan.pt)")
