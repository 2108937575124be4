"""``python -m ganplify_core ae-roc`` (top tagging) and ``ae-curve`` (the curve toy), headless.

The options come from the parameters declared on :class:`TopTaggingConfig` and :class:`CurveToyConfig`;
a second process with the same settings waits for the first and reads its result. The page's defaults
ship as precomputed results (``--save-asset`` recomputes and writes them)::

    python -m ganplify_core ae-roc --save-asset --json
    python -m ganplify_core ae-curve --save-asset --json
"""

from __future__ import annotations

import argparse

from ganplify_core import cli, experiments, params
from ganplify_core.anomaly.experiment import (
    CURVE,
    CURVE_ASSET,
    TOP_TAGGING,
    TOP_TAGGING_ASSET,
    CurveToyConfig,
    TopTaggingConfig,
    save_asset,
)
from ganplify_core.errors import InputError


def _run(experiment: experiments.Experiment, config, asset, args: argparse.Namespace) -> dict:
    progress = cli.stderr_progress(args)
    if not args.save_asset:
        return experiment.to_json(experiments.run(experiment, config, progress))
    if config != experiment.config_type():
        raise InputError("--save-asset writes the page's default result: use the default settings")
    result = experiment.compute(config, progress)  # always recomputed: the asset must be fresh
    out = experiment.to_json(result)
    out["asset"] = str(save_asset(result, asset))
    return out


def run_ae_roc(args: argparse.Namespace) -> dict:
    return _run(TOP_TAGGING, params.config_from_args(TopTaggingConfig, args), TOP_TAGGING_ASSET, args)


def run_ae_curve(args: argparse.Namespace) -> dict:
    return _run(CURVE, params.config_from_args(CurveToyConfig, args), CURVE_ASSET, args)


def _save_asset_option(parser: argparse.ArgumentParser, asset) -> None:
    parser.add_argument("--save-asset", action="store_true",
                        help=f"recompute the default settings and write assets/{asset.name} (the page's instant default)")


def register(subparsers) -> None:
    p = cli.add_command(subparsers, "ae-roc", "Unsupervised top tagging: an autoencoder's reconstruction error "
                        "as anomaly score, its ROC and AUC, with mass, tau32 and a supervised CNN as baselines.",
                        run_ae_roc)
    params.add_options(p, TopTaggingConfig)
    _save_asset_option(p, TOP_TAGGING_ASSET)

    q = cli.add_command(subparsers, "ae-curve", "The autoencoder idea on a toy: learn a curve y = f(x) through a "
                        "1-number bottleneck and flag off-curve points by reconstruction error (ROC, AUC).",
                        run_ae_curve)
    params.add_options(q, CurveToyConfig)
    _save_asset_option(q, CURVE_ASSET)
