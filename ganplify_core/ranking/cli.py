"""``python -m ganplify_core shapley`` (exact Shapley values of a game) and ``... rank`` (feature rankings).

Examples::

    python -m ganplify_core shapley --game '{"F1,F2": 600, "F2": 200}' --json
    # {"values": {"F1": 200.0, "F2": 400.0}, "total": 600.0}
    python -m ganplify_core rank --dataset calibration --model gbt --json
    python -m ganplify_core rank --onnx model.onnx --csv table.csv --target y --json

The options of both commands come from the parameters declared on :class:`~ganplify_core.ranking.games.GameConfig`
and :class:`~ganplify_core.ranking.experiment.RankingConfig`. ``rank --csv FILE`` ranks an uploaded table: the
config names it by the SHA-256 of its bytes (:mod:`ganplify_core.ranking.uploads`); ``rank --onnx FILE``
ranks the inputs of the user's own model instead of training one (:mod:`ganplify_core.ranking.onnx_model`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganplify_core import cli, experiments, params, upload_store
from ganplify_core.clustering.csv_input import MAX_CSV_BYTES
from ganplify_core.errors import InputError
from ganplify_core.ranking import datasets, experiment, games, onnx_model, uploads
from ganplify_core.ranking.experiment import RANKING, RankingConfig


def shapley_command(args: argparse.Namespace) -> dict:
    settings = params.config_from_args(games.GameConfig, args)
    game = games.parse_game_json(args.game, missing=settings.missing)
    result = games.solve_game(game)
    return {"values": dict(zip(game.players, result.by_subsets.tolist())), "total": result.grand_coalition_worth}


def _read(option: str, name: str, limit: int) -> tuple[Path, bytes]:
    return Path(name), upload_store.read_file(name, limit, f"{option} {name}")


def rank_config(args: argparse.Namespace) -> RankingConfig:
    """The validated config the options describe; ``--csv`` makes it the 'upload' data set, ``--onnx`` the model.

    Both files are read and checked (and the config validated) before either is stored: a refused
    command leaves nothing in the cache.
    """
    if args.target and not args.csv:
        raise InputError("--target names a column of --csv FILE")
    fixed, table, model = {}, None, None
    if args.csv:
        csv_path, csv_content = _read("--csv", args.csv, MAX_CSV_BYTES)
        table = datasets.parse_feature_csv(csv_content, args.target or None, name=csv_path.name)
        fixed.update(dataset="upload", upload_sha256=uploads.digest_of(csv_content), upload_target=args.target or None)
    if args.onnx:
        onnx_path, onnx_content = _read("--onnx", args.onnx, onnx_model.MAX_ONNX_BYTES)
        model = onnx_model.parse(onnx_content, name=onnx_path.name)
        fixed.update(model="onnx", onnx_sha256=onnx_model.digest_of(onnx_content))
    config = params.config_from_args(RankingConfig, args, **fixed)
    if model is not None:
        if table is None:
            table = experiment.preview_table(config)
        model.check_table(table.X, table.task)  # the feature count and the output, before any job
    if args.csv:
        uploads.store(csv_content, config.upload_sha256, csv_path.name)
    if args.onnx:
        onnx_model.store(onnx_content, config.onnx_sha256, onnx_path.name)
    return config


def rank_command(args: argparse.Namespace) -> dict:
    config = rank_config(args)
    return RANKING.to_json(experiments.run(RANKING, config, cli.stderr_progress(args)))


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "shapley", "Exact Shapley values of a coalition game (both formulas agree).", shapley_command)
    parser.add_argument("--game", required=True, help='JSON mapping comma-joined coalitions to worths, e.g. \'{"F1,F2": 600, "F2": 200}\'')
    params.add_options(parser, games.GameConfig)

    parser = cli.add_command(subparsers, "rank", "Rank a model's input features: built-in, permutation, SHAP, exact Shapley.", rank_command)
    params.add_options(parser, RankingConfig)
    parser.add_argument("--csv", help="rank the features of this CSV file instead (numeric columns; target last unless --target)")
    parser.add_argument("--target", help="target column of --csv")
    parser.add_argument("--onnx", help="rank the inputs of your own model (an ONNX file, at most 20 MB; e.g. from skl2onnx) "
                                       "instead of training one (replaces --model): its input must take the table's features")
