"""``python -m ganplify_core amplify``: the GAN amplification experiment from the terminal.

Example (the page's default, which is also how ``assets/amplify-default.npz`` is made)::

    python -m ganplify_core amplify --dataset camelback --n-train 100 --quantiles 10 --seeds 10 \\
        --max-generated 10000000 --save-asset --json
"""

from __future__ import annotations

import argparse
import sys

from ganplify_core import cli
from ganplify_core.amplify.distributions import default_dim
from ganplify_core.amplify.experiment import DEFAULT_CONFIG, METHODS, AmplifyConfig, amplify, run_amplification, save_asset
from ganplify_core.errors import InputError


def config_from_args(args: argparse.Namespace) -> AmplifyConfig:
    """The frozen config the options describe (``--dim`` defaults to 1, 2, 3 by dataset)."""
    methods = tuple(m.strip() for m in args.method.split(",") if m.strip())
    unknown = set(methods) - set(METHODS)
    if unknown or not methods:
        raise InputError(f"--method {args.method}: choose a comma-separated subset of {','.join(METHODS)}")
    dim = args.dim if args.dim is not None else default_dim(args.dataset)
    config = AmplifyConfig(distribution=args.dataset, dim=dim, n_train=args.n_train, n_quant=args.quantiles,
                           width=args.width, depth=args.depth, latent=args.latent, lr=args.lr, r1_gamma=args.r1_gamma,
                           steps=args.steps, gans_per_set=args.gans_per_set, n_seeds=args.seeds,
                           methods=tuple(m for m in METHODS if m in methods), max_generated=args.max_generated,
                           seed=args.seed)
    config.validate()
    return config


def handle(args: argparse.Namespace) -> dict:
    config = config_from_args(args)

    def progress(fraction: float, message: str) -> None:
        if not args.json:
            print(f"[{100 * fraction:5.1f}%] {message}", file=sys.stderr)

    if args.save_asset:
        result = run_amplification(config, progress)  # always recomputed: the asset must be fresh
        out = result.summary()
        out["asset"] = str(save_asset(result))
        return out
    return amplify(config, progress).summary()


def command_args(config: AmplifyConfig) -> dict:
    """The CLI arguments that reproduce ``config`` (for ``cli.format_command``)."""
    return {
        "dataset": config.distribution, "dim": config.dim, "n_train": config.n_train, "quantiles": config.n_quant,
        "seeds": config.n_seeds, "max_generated": config.max_generated, "method": list(config.methods),
        "width": config.width, "depth": config.depth, "latent": config.latent, "lr": config.lr,
        "r1_gamma": config.r1_gamma, "steps": config.steps, "gans_per_set": config.gans_per_set, "seed": config.seed,
    }


def register(subparsers) -> None:
    d = DEFAULT_CONFIG
    parser = cli.add_command(subparsers, "amplify",
                             "GAN amplification: quantile MSE of fit, kernel density and GAN vs the training sample",
                             handle)
    parser.add_argument("--dataset", choices=("camelback", "ring", "shell"), default=d.distribution)
    parser.add_argument("--dim", type=int, default=None, help="dimension: 1 camel back, 2 ring, 3…10 shell")
    parser.add_argument("--n-train", type=int, default=d.n_train, help="training points per training set")
    parser.add_argument("--quantiles", type=int, default=d.n_quant, help="equal-probability cells N_quant")
    parser.add_argument("--seeds", type=int, default=d.n_seeds, help="independent training sets")
    parser.add_argument("--max-generated", type=int, default=d.max_generated, help="largest number of points generated")
    parser.add_argument("--method", default=",".join(d.methods), help="comma-separated subset of fit,kde,gan")
    parser.add_argument("--width", type=int, default=d.width, help="GAN hidden width")
    parser.add_argument("--depth", type=int, default=d.depth, help="GAN hidden layers")
    parser.add_argument("--latent", type=int, default=d.latent, help="GAN latent size")
    parser.add_argument("--lr", type=float, default=d.lr, help="Adam learning rate")
    parser.add_argument("--r1-gamma", type=float, default=d.r1_gamma,
                        help="weight γ of the R1 penalty on the discriminator's slope at the data (smoothing)")
    parser.add_argument("--steps", type=int, default=d.steps, help="GAN training steps (the stopping rule)")
    parser.add_argument("--gans-per-set", type=int, default=d.gans_per_set,
                        help="GANs trained per training set (different initialisations), samples pooled")
    parser.add_argument("--seed", type=int, default=d.seed, help="global seed (training set k uses (seed, k))")
    parser.add_argument("--save-asset", action="store_true",
                        help="recompute and write the result to assets/amplify-default.npz (the page's instant default)")
