"""``python -m ganplify_core ae-roc`` (top tagging) and ``ae-curve`` (the curve toy), headless.

The options come from the parameters declared on :class:`TopTaggingConfig` and :class:`CurveToyConfig`;
a second process with the same settings waits for the first and reads its result. The page's defaults
ship as precomputed results (``--save-asset`` recomputes and writes them)::

    python -m ganplify_core ae-roc --save-asset --json
    python -m ganplify_core ae-curve --save-asset --json

Your own tagger's scores, a CSV ``label,score`` or ``label,score,mass`` (label 1 = signal), instead of
training anything (see :mod:`ganplify_core.anomaly.user_tagger`)::

    python -m ganplify_core ae-roc --scores my_tagger.csv --json

Your own autoencoder as an ONNX file (a batch of 40 × 40 jet images in, their reconstruction out; see
:mod:`ganplify_core.anomaly.onnx_autoencoder`), scored on the built-in test jets::

    python -m ganplify_core ae-onnx --onnx ae.onnx --train-on qcd --n-test 5000 --json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganplify_core import cli, experiments, params, upload_store
from ganplify_core.anomaly import onnx_autoencoder, user_tagger
from ganplify_core.anomaly.experiment import (
    CURVE,
    CURVE_ASSET,
    ONNX_SCORING,
    TOP_TAGGING,
    TOP_TAGGING_ASSET,
    CurveToyConfig,
    OnnxScoringConfig,
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


def run_scores(path: str) -> dict:
    """ROC, AUC, 1/ε_B and the counts of a ``label,score[,mass]`` CSV file (``ae-roc --scores``)."""
    data = upload_store.read_file(path, user_tagger.MAX_BYTES, f"--scores {path}")
    return user_tagger.evaluate(user_tagger.parse_scores(data, Path(path).name)).to_json()


def run_ae_roc(args: argparse.Namespace) -> dict:
    if args.scores is not None:
        if args.save_asset:
            raise InputError("--scores reads your tagger's scores; --save-asset writes the page's default: use one")
        return run_scores(args.scores)
    return _run(TOP_TAGGING, params.config_from_args(TopTaggingConfig, args), TOP_TAGGING_ASSET, args)


def run_ae_curve(args: argparse.Namespace) -> dict:
    return _run(CURVE, params.config_from_args(CurveToyConfig, args), CURVE_ASSET, args)


def _save_asset_option(parser: argparse.ArgumentParser, asset) -> None:
    parser.add_argument("--save-asset", action="store_true",
                        help=f"recompute the default settings and write assets/{asset.name} (the page's instant default)")


def run_ae_onnx(args: argparse.Namespace) -> dict:
    data = upload_store.read_file(args.onnx, onnx_autoencoder.MAX_ONNX_BYTES, f"--onnx {args.onnx}")
    digest, _ = onnx_autoencoder.accept(data, name=Path(args.onnx).name)
    jets = {}
    if args.jets is not None:
        from ganplify_core.jets import files

        data = upload_store.read_file(args.jets, files.MAX_UPLOAD_BYTES, f"--jets {args.jets}",
                                      "write its first jets to a smaller file")
        jets = {"jets_sha256": files.store_upload(data, args.jets_format, name=Path(args.jets).name),
                "jets_format": args.jets_format}
    config = params.config_from_args(OnnxScoringConfig, args, onnx_sha256=digest, **jets)
    return ONNX_SCORING.to_json(experiments.run(ONNX_SCORING, config, cli.stderr_progress(args)))


def register(subparsers) -> None:
    p = cli.add_command(subparsers, "ae-roc", "Unsupervised top tagging: an autoencoder's reconstruction error "
                        "as anomaly score, its ROC and AUC, with mass, tau32 and a supervised CNN as baselines.",
                        run_ae_roc)
    params.add_options(p, TopTaggingConfig)
    _save_asset_option(p, TOP_TAGGING_ASSET)
    p.add_argument("--scores", metavar="FILE", default=None,
                   help=f"your own tagger: a CSV {user_tagger.FORMAT}; prints auc, rejection (1/ε_B at ε_S = 0.3 and "
                        f"0.5), n_signal, n_background (and the mass baseline with a mass column); trains nothing "
                        f"(at most {user_tagger.MAX_MB} MB, {user_tagger.MAX_ROWS:,} rows)")

    q = cli.add_command(subparsers, "ae-curve", "The autoencoder idea on a toy: learn a curve y = f(x) through a "
                        "1-number bottleneck and flag off-curve points by reconstruction error (ROC, AUC).",
                        run_ae_curve)
    params.add_options(q, CurveToyConfig)
    _save_asset_option(q, CURVE_ASSET)

    r = cli.add_command(subparsers, "ae-onnx", "Your own jet-image autoencoder (an ONNX file) scored on the built-in "
                        "test jets: ROC, AUC, 1/ε_B at ε_S = 0.3 and 0.5, against the jet mass.", run_ae_onnx)
    r.add_argument("--onnx", metavar="FILE", required=True,
                   help=f"the model: input {' or '.join(onnx_autoencoder.SHAPES)} float32 jet images (free batch "
                        f"dimension), output their reconstruction; at most {onnx_autoencoder.MAX_ONNX_BYTES // 2**20} MB")
    r.add_argument("--jets", metavar="FILE", default=None,
                   help="score these jets instead of the built-in ones: a file with QCD and top jets (at most 20 MB; "
                        "the first --n-test of each class are used)")
    r.add_argument("--jets-format", default="toptagging", choices=("toptagging", "jetnet", "root"),
                   help="the layout of --jets (see ganplify_core.jets.files)")
    params.add_options(r, OnnxScoringConfig)
