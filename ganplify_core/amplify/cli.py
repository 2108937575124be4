"""``python -m ganplify_core amplify``: the GAN amplification experiment from the terminal.

Example (the page's default; ``--save-asset`` stores it under ``assets/shipped/``, as ``make assets`` does)::

    python -m ganplify_core amplify --dataset camelback --n-train 100 --quantiles 10 --seeds 10 \\
        --max-generated 10000000 --save-asset --json

and ``score-samples``, the same score for points from your own generator (.npy, .npz or .csv)::

    python -m ganplify_core score-samples --dataset ring --n-train 100 --quantiles 10 --samples mine.npy --json
"""

from __future__ import annotations

import argparse

from ganplify_core import cache, cli, experiments, params
from ganplify_core.amplify.distributions import default_dim
from ganplify_core.amplify.experiment import AMPLIFY, AmplifyConfig, save_asset
from ganplify_core.amplify.samples import LIMITS, ScoreConfig, load_samples, score_samples


def config_from_args(args: argparse.Namespace) -> AmplifyConfig:
    """The frozen config the options describe (``--dim`` defaults to 1, 2, 3 by dataset)."""
    dim = args.dim if args.dim is not None else default_dim(args.distribution)
    return params.config_from_args(AmplifyConfig, args, dim=dim)


def handle(args: argparse.Namespace) -> dict:
    config = config_from_args(args)
    progress = cli.stderr_progress(args)
    if args.save_asset:
        path = save_asset(config, progress)  # always recomputed: the asset must be fresh
        out = cache.load(path).summary()
        out["asset"] = str(path)
        return out
    return experiments.run(AMPLIFY, config, progress).summary()


def handle_score(args: argparse.Namespace) -> dict:
    dim = args.dim if args.dim is not None else default_dim(args.distribution)
    config = params.config_from_args(ScoreConfig, args, dim=dim)
    return score_samples(load_samples(args.samples, config.dim), config).summary()


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "amplify",
                             "GAN amplification: quantile MSE of fit, kernel density and GAN vs the training sample",
                             handle)
    params.add_options(parser, AmplifyConfig, defaults={"dim": None})
    parser.add_argument("--save-asset", action="store_true",
                        help="recompute and store the result under assets/shipped/ (what make assets does for the page's "
                             "default)")

    score = cli.add_command(subparsers, "score-samples",
                            "score your own generator's samples: quantile MSE, equivalent true points, amplification",
                            handle_score)
    params.add_options(score, ScoreConfig, defaults={"dim": None})
    score.add_argument("--samples", required=True, metavar="FILE",
                       help=f"points from your generator: .npy, .npz (one array or 'samples') or .csv, shape "
                            f"(points, D); {LIMITS}")
