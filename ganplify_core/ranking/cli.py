"""``python -m ganplify_core shapley`` (exact Shapley values of a game) and ``... rank`` (feature rankings).

Examples::

    python -m ganplify_core shapley --game '{"F1,F2": 600, "F2": 200}' --json
    # {"values": {"F1": 200.0, "F2": 400.0}, "total": 600.0}
    python -m ganplify_core rank --dataset calibration --model gbt --json

The options of both commands come from the parameters declared on :class:`~ganplify_core.ranking.games.GameConfig`
and :class:`~ganplify_core.ranking.experiment.RankingConfig`. ``rank --csv FILE`` ranks an uploaded table: the
config names it by the SHA-256 of its bytes (:mod:`ganplify_core.ranking.uploads`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganplify_core import cli, experiments, params
from ganplify_core.errors import InputError
from ganplify_core.ranking import games, uploads
from ganplify_core.ranking.experiment import RANKING, RankingConfig


def shapley_command(args: argparse.Namespace) -> dict:
    settings = params.config_from_args(games.GameConfig, args)
    game = games.parse_game_json(args.game, missing=settings.missing)
    result = games.solve_game(game)
    return {"values": dict(zip(game.players, result.by_subsets.tolist())), "total": result.grand_coalition_worth}


def rank_config(args: argparse.Namespace) -> RankingConfig:
    """The validated config the options describe; ``--csv`` makes it the 'upload' data set."""
    if not args.csv:
        return params.config_from_args(RankingConfig, args)
    path = Path(args.csv)
    if not path.is_file():
        raise InputError(f"--csv: no such file '{args.csv}'")
    digest, _ = uploads.accept(path.read_bytes(), args.target, name=path.name)
    return params.config_from_args(RankingConfig, args, dataset="upload", upload_sha256=digest,
                                   upload_target=args.target or None)


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
