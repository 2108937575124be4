"""``python -m ganplify_core shapley`` (exact Shapley values of a game) and ``... rank`` (feature rankings).

Examples::

    python -m ganplify_core shapley --game '{"F1,F2": 600, "F2": 200}' --json
    # {"values": {"F1": 200.0, "F2": 400.0}, "total": 600.0}
    python -m ganplify_core rank --dataset calibration --model gbt --json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganplify_core import cli
from ganplify_core.errors import InputError
from ganplify_core.ranking import datasets, games, models
from ganplify_core.ranking.experiment import RankingConfig, run_ranking, upload_digest


def shapley_command(args: argparse.Namespace) -> dict:
    game = games.parse_game_json(args.game, missing=args.missing)
    result = games.solve_game(game)
    return {"values": dict(zip(game.players, result.by_subsets.tolist())), "total": result.grand_coalition_worth}


def rank_config(args: argparse.Namespace) -> tuple[RankingConfig, datasets.FeatureTable | None]:
    table, digest = None, None
    if args.csv:
        path = Path(args.csv)
        if not path.is_file():
            raise InputError(f"--csv: no such file '{args.csv}'")
        content = path.read_bytes()
        table, digest = datasets.parse_feature_csv(content, args.target, name=path.name), upload_digest(content)
    config = RankingConfig(dataset="upload" if table is not None else args.dataset, model=args.model, n_rows=args.n_rows,
                           test_fraction=args.test_fraction, n_repeats=args.repeats, shap_rows=args.shap_rows,
                           background_size=args.background, event=args.event, seed=args.seed,
                           upload_sha256=digest, upload_target=args.target if table is not None else None)
    return config, table


def rank_command(args: argparse.Namespace) -> dict:
    config, table = rank_config(args)
    result = run_ranking(config, table)
    out = {
        "dataset": config.dataset, "model": result.model_label, "task": result.task, "test_score": result.test_score,
        "rankings": {method: [name for name, _ in ordered] for method, ordered in result.ranking_table().items()},
        "scores": {method: dict(ordered) for method, ordered in result.ranking_table().items()},
        "permutation_difference": dict(zip(result.feature_names, result.permutation.difference_mean.tolist())),
        "kendall_tau": {f"{a} vs {b}": float(result.kendall_tau[i, j]) for i, a in enumerate(result.tau_methods)
                        for j, b in enumerate(result.tau_methods) if i < j},
        "correlated_pairs": [list(p) for p in result.correlated],
        "explainer": result.explainer,
    }
    if result.exact is not None:
        out["event"] = {"index": config.event, "prediction": result.exact.prediction, "base_value": result.exact.base_value,
                        "exact_shapley": dict(zip(result.feature_names, result.exact.values.tolist())),
                        "shap": dict(zip(result.feature_names, result.shap_values[config.event].tolist()))}
    return out


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "shapley", "Exact Shapley values of a coalition game (both formulas agree).", shapley_command)
    parser.add_argument("--game", required=True, help='JSON mapping comma-joined coalitions to worths, e.g. \'{"F1,F2": 600, "F2": 200}\'')
    parser.add_argument("--missing", choices=games.MISSING_RULES, default="zero",
                        help="worth of unlisted coalitions: 0 (default) or the sum of their members' single worths")

    parser = cli.add_command(subparsers, "rank", "Rank a model's input features: built-in, permutation, SHAP, exact Shapley.", rank_command)
    parser.add_argument("--dataset", choices=datasets.DATASETS, default="calibration")
    parser.add_argument("--csv", help="rank the features of this CSV file instead (numeric columns; target last unless --target)")
    parser.add_argument("--target", help="target column of --csv")
    parser.add_argument("--model", choices=models.MODELS, default="gbt")
    parser.add_argument("--n-rows", type=int, default=RankingConfig.n_rows)
    parser.add_argument("--test-fraction", type=float, default=RankingConfig.test_fraction)
    parser.add_argument("--repeats", type=int, default=RankingConfig.n_repeats, help="permutation repeats per feature")
    parser.add_argument("--shap-rows", type=int, default=RankingConfig.shap_rows, help="held-out rows explained with SHAP")
    parser.add_argument("--background", type=int, default=RankingConfig.background_size, help="background rows (interventional)")
    parser.add_argument("--event", type=int, default=RankingConfig.event, help="explained row shown exactly (index in the SHAP rows)")
    parser.add_argument("--seed", type=int, default=0)
