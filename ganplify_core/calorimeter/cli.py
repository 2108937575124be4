"""``python -m ganplify_core train-calo-gan``: train the conditional 3D GAN and write its checkpoint.

The shipped ``assets/calo_gan.pt`` comes from::

    OMP_NUM_THREADS=1 nice -n 10 python -m ganplify_core train-calo-gan --seed 0 --steps 800 --out assets/calo_gan.pt --json

The training goes through ``experiments.run(CALO_GAN, config)``: a second process with the same settings
waits for the first and reads its (disk-cached) result; ``--out`` is written from that result.
"""

from __future__ import annotations

import argparse

import numpy as np

from ganplify_core import cli, experiments, params
from ganplify_core.calorimeter.gan import CALO_GAN, CaloGanConfig, generate_showers, save_generator
from ganplify_core.calorimeter.showers import simulate_showers
from ganplify_core.errors import InputError

CHECK_ENERGIES_GEV = (20.0, 100.0, 400.0)
MAX_CHECK_SHOWERS = 5_000


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
    config = params.config_from_args(CaloGanConfig, args)
    out = args.out  # checked by cli.output_file while the options were parsed: its folder exists, is never created
    if not 2 <= args.check_showers <= MAX_CHECK_SHOWERS:
        raise InputError(f"--check-showers must be between 2 and {MAX_CHECK_SHOWERS}, got {args.check_showers}")
    trained = experiments.run(CALO_GAN, config, cli.stderr_progress(args))
    generator = trained.generator()
    check = response_check(generator, n=args.check_showers)
    save_generator(generator, out, extra={"final_losses": trained.final_losses()})
    return {"out": str(out), "size_bytes": out.stat().st_size, **CALO_GAN.to_json(trained), "response_check": check}


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "train-calo-gan",
                             "Train the conditional 3D GAN on toy calorimeter showers and save its checkpoint.",
                             _train_handler)
    params.add_options(parser, CaloGanConfig)
    parser.add_argument("--check-showers", type=int, default=200,
                        help=f"showers per energy for the simulator-vs-GAN response check printed at the end "
                             f"(2 to {MAX_CHECK_SHOWERS})")
    parser.add_argument("--out", default="calo_gan.pt", type=cli.output_file(".pt", ".pth"),
                        help="checkpoint path (e.g. assets/calo_gan.pt; its folder must exist)")
