"""Feature ranking: Shapley values of games, exact interventional Shapley vs shap, permutation importance."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganplify_core import cache, cli, experiments
from ganplify_core.errors import InputError
from ganplify_core.ranking import datasets, explain, games, importance, models, uploads
from ganplify_core.ranking.experiment import (
    BUILTIN,
    MEAN_ABS_SHAP,
    PERMUTATION,
    RANKING,
    RankingConfig,
    compute_ranking,
    estimate_seconds,
)


def exit_status(argv) -> int:
    """What ``python -m ganplify_core ARGV`` exits with (argparse's errors exit inside ``main``)."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return exc.code


# -- coalition games ------------------------------------------------------------------------------------

def test_two_friends_preset_gives_exactly_200_and_400():
    game = games.make_game(games.PRESETS["two_friends"])
    result = games.solve_game(game)
    assert game.players == ("F1", "F2")
    assert result.by_subsets.tolist() == [200.0, 400.0]
    assert result.by_orderings.tolist() == [200.0, 400.0]
    assert games.solve_game(games.make_game(games.PRESETS["two_friends_equal"])).by_subsets.tolist() == [300.0, 300.0]


def test_glove_and_majority_games_have_their_textbook_values():
    glove = games.solve_game(games.make_game(games.PRESETS["glove"]))
    np.testing.assert_allclose(glove.by_subsets, [2 / 3, 1 / 6, 1 / 6])
    majority = games.solve_game(games.make_game(games.PRESETS["majority"]))
    np.testing.assert_allclose(majority.by_orderings, [1 / 3] * 3)


def random_worth(rng, n):
    worth = rng.normal(size=2**n) * 10
    worth[0] = 0.0
    return worth


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_random_games_satisfy_efficiency_and_both_formulas_agree(n):
    rng = np.random.default_rng(n)
    for _ in range(3):
        worth = random_worth(rng, n)
        phi = games.shapley_by_subsets(worth)
        np.testing.assert_allclose(phi.sum(), worth[-1], atol=1e-9)
        np.testing.assert_allclose(games.shapley_by_orderings(worth), phi, atol=1e-9)


def test_symmetric_players_get_equal_values():
    rng = np.random.default_rng(1)
    n, i, j = 5, 1, 3
    worth = random_worth(rng, n)
    masks = np.arange(2**n)
    swapped = masks & ~((1 << i) | (1 << j)) | ((masks >> i & 1) << j) | ((masks >> j & 1) << i)
    worth = worth + worth[swapped]  # now v(S) = v(swap_ij(S)) for all S
    phi = games.shapley_by_subsets(worth)
    assert phi[i] == pytest.approx(phi[j], abs=1e-9)
    assert abs(phi[i] - phi[0]) > 1e-6  # the check can fail: others differ


def test_null_player_gets_zero_and_additive_game_pays_stand_alone_worths():
    rng = np.random.default_rng(2)
    n, null = 6, 4
    worth = random_worth(rng, n)
    masks = np.arange(2**n)
    worth = worth[masks & ~(1 << null)]  # v(S ∪ {null}) = v(S)
    phi = games.shapley_by_orderings(worth)
    assert phi[null] == pytest.approx(0.0, abs=1e-12)
    additive = games.make_game({"A": 1, "B": 2, "C": -4}, missing="additive")
    assert additive.worth[-1] == -1
    np.testing.assert_allclose(games.solve_game(additive).by_subsets, [1, 2, -4])


def test_missing_coalitions_default_to_zero_and_bad_games_are_rejected():
    game = games.parse_game_json('{"F1,F2": 600, "F2": 200}')
    assert game.worth.tolist() == [0, 0, 200, 600]
    for text, word in [('{"F1,F2": 600', "JSON"), ("[1, 2]", "object"), ('{"A": "x"}', "number"),
                       ('{"": 5, "A": 1}', "empty"), ('{"A,A": 1}', "twice"),
                       (json.dumps({",".join(f"P{i}" for i in range(9)): 1}), "at most 8")]:
        with pytest.raises(InputError, match=word):
            games.parse_game_json(text)


def test_a_pasted_game_is_bounded_before_any_quadratic_work():
    many = json.dumps({f"P{i}": 1 for i in range(100_000)})  # 100 000 coalitions of one player each
    with pytest.raises(InputError, match="at most 256"):
        games.make_game(json.loads(many))
    nine = {f"P{i}": 1 for i in range(9)}  # few coalitions, too many players
    with pytest.raises(InputError, match="at most 8 players"):
        games.make_game(nine)
    with pytest.raises(InputError, match="characters"):
        games.parse_game_json(" " * (games.MAX_GAME_CHARACTERS + 1))
    assert games.make_game({f"P{i}": 1 for i in range(8)}).n_players == 8  # the limit itself is fine


def test_cli_shapley_prints_values_and_total(capsys):
    assert cli.main(["shapley", "--game", '{"F1,F2": 600, "F2": 200}', "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"values": {"F1": 200.0, "F2": 400.0}, "total": 600.0}
    assert cli.main(["shapley", "--game", "{oops", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not valid JSON" in err
    assert cli.main(["shapley", "--game", '{"A": 1, "B": 2}', "--missing", "additive", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"values": {"A": 1.0, "B": 2.0}, "total": 3.0}
    assert exit_status(["shapley", "--game", '{"A": 1}', "--missing", "sometimes", "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "choose one of zero, additive" in err


# -- exact interventional Shapley values of a model --------------------------------------------------------

def test_exact_shapley_of_a_linear_model_is_weight_times_offset_from_background_mean():
    rng = np.random.default_rng(3)
    weights = rng.normal(size=7)
    background, x = rng.normal(size=(40, 7)), rng.normal(size=7)
    exact = explain.exact_interventional_shapley(lambda X: X @ weights + 1.5, x, background)
    np.testing.assert_allclose(exact.values, weights * (x - background.mean(0)), atol=1e-12)
    assert exact.base_value == pytest.approx(background.mean(0) @ weights + 1.5)


def test_exact_enumeration_agrees_with_shap_tree_explainer_on_six_features():
    import shap
    from sklearn.ensemble import GradientBoostingRegressor

    rng = np.random.default_rng(4)
    X = rng.normal(size=(600, 6))
    y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, 2]) + 0.5 * X[:, 3] + 0.1 * rng.normal(size=600)
    model = GradientBoostingRegressor(n_estimators=60, max_depth=4, random_state=0).fit(X, y)
    background = X[:50]
    explainer = shap.TreeExplainer(model, data=background, feature_perturbation="interventional")
    points = X[100:105]
    estimates = explainer.shap_values(points)
    for x, estimate in zip(points, estimates):
        exact = explain.exact_interventional_shapley(model.predict, x, background)
        np.testing.assert_allclose(exact.values, estimate, atol=1e-6)
        assert exact.base_value == pytest.approx(float(np.atleast_1d(explainer.expected_value)[0]), abs=1e-6)
        assert exact.prediction == pytest.approx(model.predict(x[None])[0], abs=1e-9)


def test_exact_enumeration_refuses_more_than_ten_features():
    with pytest.raises(InputError, match="at most 10"):
        explain.exact_interventional_shapley(lambda X: X.sum(1), np.zeros(11), np.zeros((3, 11)))


# -- permutation importance and agreement ------------------------------------------------------------------

def test_permutation_importance_matches_its_expectation_for_a_linear_model():
    # y = 2 x0 + noise(σ=0.5); f = 2 x0: e_orig = σ² and E[e_perm,0] = σ² + 2·2²·Var(x0) = 0.25 + 8.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(20_000, 3))
    y = 2 * X[:, 0] + 0.5 * rng.normal(size=len(X))
    result = importance.permutation_importance(lambda A: 2 * A[:, 0], X, y, "regression", n_repeats=3, seed=0)
    assert result.error_original == pytest.approx(0.25, rel=0.03)
    assert result.difference_mean[0] == pytest.approx(8.0, rel=0.03)
    assert result.ratio_mean[0] == pytest.approx(1 + result.difference_mean[0] / result.error_original, rel=1e-12)
    np.testing.assert_allclose(result.difference_mean[1:], 0.0, atol=1e-12)  # unused columns: no change at all
    np.testing.assert_allclose(result.ratio_mean[1:], 1.0, atol=1e-12)


def test_kendall_tau_and_correlated_pairs():
    names, tau = importance.kendall_tau_matrix({"a": np.array([1, 2, 3.0]), "b": np.array([3, 2, 1.0])})
    assert names == ("a", "b") and tau[0, 1] == pytest.approx(-1.0)
    rng = np.random.default_rng(6)
    z = rng.normal(size=500)
    X = np.column_stack([z, z + 0.1 * rng.normal(size=500), rng.normal(size=500)])
    pairs = importance.correlated_pairs(X, ("u", "v", "w"))
    assert [(a, b) for a, b, _ in pairs] == [("u", "v")]


@pytest.mark.parametrize("model, shap_rows", [("gbt", 80), ("rf", 80), ("mlp", 40)])
def test_irrelevant_calibration_features_rank_last_under_every_method(model, shap_rows, tmp_cache):
    config = RankingConfig(dataset="calibration", model=model, n_rows=2500, n_repeats=3, shap_rows=shap_rows, background_size=30)
    result = compute_ranking(config)
    irrelevant = set(result.irrelevant)
    assert irrelevant == {"phi", "socks_owned_at_10", "day_of_week"}
    assert set(result.rankings) == ({PERMUTATION, MEAN_ABS_SHAP} | ({BUILTIN} if model != "mlp" else set()))
    for method, ordered in result.ranking_table().items():
        assert {name for name, _ in ordered[-len(irrelevant):]} == irrelevant, method
    assert result.test_score["R²"] > 0.7
    # efficiency of every SHAP row; exact == TreeExplainer (interventional) for the chosen event
    np.testing.assert_allclose(result.shap_values.sum(1) + result.shap_base_value, result.explained_outputs, atol=1e-6)
    tolerance = 1e-6 if model != "mlp" else 0.05 * np.abs(result.exact.values).max()
    np.testing.assert_allclose(result.exact.values, result.shap_values[config.event], atol=tolerance)


def test_network_uses_model_agnostic_shap_close_to_exact(tmp_cache):
    config = RankingConfig(dataset="height", model="mlp", n_rows=400, n_repeats=2, shap_rows=10, background_size=20)
    result = compute_ranking(config)
    assert "KernelExplainer" in result.explainer and BUILTIN not in result.rankings
    # two features: the kernel explainer's budget covers all four coalitions, so it is exact
    np.testing.assert_allclose(result.exact.values, result.shap_values[0], atol=1e-6)
    assert result.ranking_table()[PERMUTATION][0][0] == "height_at_10_cm"


# -- data --------------------------------------------------------------------------------------------------

def test_bundled_datasets_load_with_their_tasks():
    assert datasets.load_dataset("diabetes", 100).X.shape == (100, 10)
    cancer = datasets.load_dataset("breast_cancer", 200)
    assert cancer.task == "classification" and set(np.unique(cancer.y)) == {0.0, 1.0}
    with pytest.raises(InputError, match="unknown data set"):
        datasets.load_dataset("mnist")


def csv_bytes(rows=60, extra=""):
    rng = np.random.default_rng(0)
    lines = ["a,b,label,name"] + [f"{x:.3f},{y:.3f},{int(x > 0)},row{i}" for i, (x, y) in enumerate(rng.normal(size=(rows, 2)))]
    return ("\n".join(lines) + extra).encode()


def test_csv_upload_parses_numeric_columns_and_a_binary_target():
    table = datasets.parse_feature_csv(csv_bytes(), target="label")
    assert table.feature_names == ("a", "b") and table.task == "classification" and table.X.shape == (60, 2)
    assert "name" in table.description  # the ignored text column is named


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01\x02\xff\xfe", "not a valid CSV"),
    (b"", "not a valid CSV"),
    (b"a,b\n1,2\n3,4,5,6\n", "not a valid CSV"),
    (b"x,y\na,b\nc,d\n", "Feature ranking needs at least two numeric columns"),
    (b"x,y\na,1\nc,2\n", "two numeric columns"),
    (csv_bytes(extra="\n1.0,,1,z"), "missing or infinite"),
    (csv_bytes(extra="\n1.0,inf,1,z"), "missing or infinite"),
    (csv_bytes(rows=10), "at least 50"),
])
def test_csv_upload_rejects_bad_files_with_clear_messages(content, message):
    with pytest.raises(InputError, match=message):
        datasets.parse_feature_csv(content)


def test_csv_upload_limits_size_and_target_name():
    with pytest.raises(InputError, match="20 MB limit"):
        datasets.parse_feature_csv(b"a,b\n" + b"1.0,2.0\n" * 2_700_000)  # 21.6 MB
    with pytest.raises(InputError, match="target column 'nope'"):
        datasets.parse_feature_csv(csv_bytes(), target="nope")


def test_models_report_a_held_out_score():
    table = datasets.load_dataset("breast_cancer", 569)
    model = models.train_model(table, "gbt", 0.3, seed=0)
    assert len(model.y_test) == 171 and model.test_score["ROC AUC"] > 0.9
    with pytest.raises(InputError, match="unknown model"):
        models.make_estimator("svm", "regression", 0)


def test_cli_ranks_an_uploaded_csv(tmp_path, tmp_cache, capsys):
    path = tmp_path / "mine.csv"
    path.write_bytes(csv_bytes(rows=120))
    argv = ["rank", "--csv", str(path), "--target", "label", "--model", "gbt", "--shap-rows", "20", "--background", "10",
            "--repeats", "2", "--json"]
    assert cli.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dataset"] == "upload" and out["task"] == "classification"
    assert out["rankings"][PERMUTATION][0] == "a"  # the label is a > 0
    assert cli.main(["rank", "--csv", str(tmp_path / "absent.csv"), "--json"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_csv_errors_speak_of_ranking_and_wide_tables_are_refused():
    with pytest.raises(InputError) as caught:
        datasets.parse_feature_csv(b"x,y\na,b\nc,d\n")
    assert "Clustering" not in str(caught.value)
    wide = ",".join(f"c{i}" for i in range(datasets.MAX_FEATURES + 2)) + "\n"
    wide += "\n".join(",".join(str(i * j) for j in range(datasets.MAX_FEATURES + 2)) for i in range(60))
    with pytest.raises(InputError, match=f"at most {datasets.MAX_FEATURES} features"):
        datasets.parse_feature_csv(wide.encode())


# -- the experiment contract ------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    ({"n_rows": 10_000_000}, "n_rows"), ({"n_rows": 50}, "n_rows"), ({"test_fraction": float("nan")}, "finite"),
    ({"test_fraction": float("inf")}, "finite"), ({"seed": -1}, "seed"), ({"shap_rows": 100_000}, "shap_rows"),
    ({"background_size": 5000}, "background_size"), ({"event": 200}, "must index the SHAP rows"),
    ({"model": "svm"}, "choose one of gbt"), ({"dataset": "mnist"}, "choose one of calibration"),
    ({"model": "mlp", "shap_rows": 2000, "background_size": 100}, "KernelExplainer"),
    ({"dataset": "upload"}, "needs an uploaded CSV"), ({"upload_sha256": "0" * 64}, "takes no uploaded file"),
])
def test_config_rejects_what_it_cannot_compute(changes, message):
    with pytest.raises(InputError, match=message):
        RankingConfig(**changes).validate()


@pytest.mark.parametrize("argv, message", [
    (["--seed", "-1"], "seed=-1"), (["--n-rows", "100000000"], "n_rows=100000000"),
    (["--test-fraction", "nan"], "finite"), (["--background", "inf"], "background_size"),
    (["--event", "250"], "SHAP rows"), (["--repeats", "1e9"], "whole number"),
])
def test_cli_rank_refuses_bad_values_with_one_line_and_status_2(argv, message, capsys):
    assert exit_status(["rank", *argv, "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_estimate_grows_with_every_size_a_user_sets():
    base = RankingConfig()
    for changes in ({"n_rows": 20_000}, {"shap_rows": 2000}, {"background_size": 500}, {"n_repeats": 50},
                    {"model": "rf"}, {"model": "mlp"}):
        assert estimate_seconds(base.replace(**changes)) > estimate_seconds(base), changes
    # the network's kernel explainer dominates: about 0.04 s per explained row at 50 background rows (idle machine)
    mlp = base.replace(model="mlp")
    per_row = (estimate_seconds(mlp.replace(shap_rows=400)) - estimate_seconds(mlp.replace(shap_rows=200))) / 200
    assert 0.02 < per_row < 0.1
    assert all(2 <= RANKING.estimate_seconds(c) <= 60 for c in RANKING.calibration)


SMALL = RankingConfig(dataset="height", n_rows=300, n_repeats=2, shap_rows=20, background_size=10)


def test_one_cached_run_and_the_cli_json_keys(tmp_cache, capsys):
    experiments.forget_memory()
    assert not experiments.is_cached(RANKING, SMALL)
    result = experiments.run(RANKING, SMALL)
    assert experiments.is_cached(RANKING, SMALL) and cache.exists("rank", SMALL)
    experiments.forget_memory()
    again = experiments.run(RANKING, SMALL)  # read back from disk, not recomputed
    np.testing.assert_array_equal(again.shap_values, result.shap_values)
    out = RANKING.to_json(again)
    assert list(out) == ["dataset", "model", "task", "test_score", "rankings", "scores", "permutation_difference",
                         "kendall_tau", "correlated_pairs", "explainer", "test_score_std", "permutation_ratio_std",
                         "permutation_difference_std", "event"]
    assert list(out["event"]) == ["index", "prediction", "base_value", "exact_shapley", "shap"]
    argv = ["rank", "--dataset", "height", "--n-rows", "300", "--repeats", "2", "--shap-rows", "20", "--background", "10", "--json"]
    assert cli.main(argv) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(cli.to_jsonable(out)))


def test_an_upload_enters_the_config_as_its_digest(tmp_cache):
    content = csv_bytes(rows=120)
    digest, table = uploads.accept(content, "label", name="mine.csv")
    assert digest == uploads.digest_of(content) and table.feature_names == ("a", "b")
    config = RankingConfig(dataset="upload", upload_sha256=digest, upload_target="label", shap_rows=20,
                           background_size=10, n_repeats=2).validate()
    assert RANKING.key(config) == RANKING.key(RankingConfig(**{**config.__dict__}))  # same content, same key
    result = experiments.run(RANKING, config)
    assert result.task == "classification" and result.ranking_table()[PERMUTATION][0][0] == "a"
    stored = next(tmp_cache.rglob("*.npz"))
    with np.load(stored, allow_pickle=False):  # stored without pickle
        pass
    cache.clear_cache()
    uploads._tables.cache_clear()
    experiments.forget_memory()
    with pytest.raises(InputError, match="upload it again"):
        experiments.run(RANKING, config.replace(n_rows=200))
