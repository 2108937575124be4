"""Feature ranking of a user's own model as an ONNX file (issue 15.5), against scikit-learn's originals.

Every model here is written by skl2onnx in the test from a scikit-learn model, so the ONNX ranking can be
checked against the original: a model that uses only feature 0 puts it first (and the others at exactly
no effect), and permutation importance agrees with ``sklearn.inspection.permutation_importance``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ganplify_core import cli, experiments
from ganplify_core.errors import InputError
from ganplify_core.ranking import datasets, importance, models, onnx_model, uploads
from ganplify_core.ranking.experiment import MEAN_ABS_SHAP, PERMUTATION, RANKING, RankingConfig, estimate_seconds

skl2onnx = pytest.importorskip("skl2onnx")
onnx = pytest.importorskip("onnx")
FEATURES = ("a", "b", "c", "d")


def data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(FEATURES)))
    y = 3.0 * X[:, 0] + 1.0 * X[:, 1] + 0.3 * X[:, 2] + 0.3 * rng.normal(size=n)
    return X, y


def to_onnx(model, X, zipmap=True) -> bytes:
    options = None if zipmap or not hasattr(model, "predict_proba") else {id(model): {"zipmap": False}}
    return skl2onnx.to_onnx(model, X[:1].astype(np.float32), options=options, target_opset=17).SerializeToString()


def csv_of(X, y, target="y") -> bytes:
    frame = pd.DataFrame(X, columns=list(FEATURES[:X.shape[1]]))
    frame[target] = y
    return frame.to_csv(index=False).encode()


def only_feature_0(classify: bool):
    """A linear (logistic) regression fitted on all four features, then with every weight but feature 0's set to 0."""
    from sklearn.linear_model import LinearRegression, LogisticRegression

    X, y = data()
    if classify:
        y = (y > 0).astype(float)
        model = LogisticRegression().fit(X, y)
        model.coef_[0, 1:] = 0.0
    else:
        model = LinearRegression().fit(X, y)
        model.coef_[1:] = 0.0
    return model, X, y


def ranked(tmp_path, model_bytes, csv_bytes, **changes):
    """The ranking of an uploaded model on an uploaded CSV, small enough for a unit test."""
    csv_digest, _ = uploads.accept(csv_bytes, "y", name="mine.csv")
    onnx_digest, _ = onnx_model.accept(model_bytes, name="mine.onnx")
    config = RankingConfig(dataset="upload", upload_sha256=csv_digest, upload_target="y", model="onnx",
                           onnx_sha256=onnx_digest, n_rows=600, n_repeats=3, shap_rows=20, background_size=10)
    return experiments.run(RANKING, config.replace(**changes))


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_a_model_that_uses_only_feature_0_ranks_it_first(classify, tmp_path, tmp_cache):
    model, X, y = only_feature_0(classify)
    result = ranked(tmp_path, to_onnx(model, X, zipmap=False), csv_of(X, y))
    assert result.task == ("classification" if classify else "regression")
    assert result.model_label == "your ONNX model" and result.builtin is None
    assert "KernelExplainer" in result.explainer
    for method in (PERMUTATION, MEAN_ABS_SHAP):
        assert result.ranking_table()[method][0][0] == "a", method
    # the other weights are exactly zero: shuffling them changes no output, so no error either
    np.testing.assert_array_equal(result.permutation.difference_mean[1:], 0.0)
    np.testing.assert_allclose(result.shap_values[:, 1:], 0.0, atol=1e-6)
    assert result.permutation.difference_mean[0] > 0.5
    # the held-out score is the original model's on the same rows (float32 inside the ONNX model)
    score = result.test_score["ROC AUC"] if classify else result.test_score["R²"]
    assert 0.8 < score <= 1.0
    # SHAP is the exact enumeration for four features (KernelExplainer covers all 2^4 coalitions)
    assert result.exact_vs_shap_gap < 1e-5


def test_zipmap_output_gives_the_same_ranking_as_plain_probabilities(tmp_path, tmp_cache):
    model, X, y = only_feature_0(classify=True)
    plain = ranked(tmp_path, to_onnx(model, X, zipmap=False), csv_of(X, y))
    zipped = ranked(tmp_path, to_onnx(model, X, zipmap=True), csv_of(X, y))
    assert onnx_model.parse(to_onnx(model, X, zipmap=True)).zipmap
    np.testing.assert_allclose(zipped.permutation.ratio_mean, plain.permutation.ratio_mean, rtol=1e-6)
    np.testing.assert_allclose(zipped.shap_values, plain.shap_values, atol=1e-6)


@pytest.mark.parametrize("classify", [False, True], ids=["regressor", "classifier"])
def test_permutation_importance_agrees_with_scikit_learn_on_the_original_model(classify):
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.inspection import permutation_importance

    X, y = data(n=1500, seed=3)
    if classify:
        y = (y > 0).astype(float)
        original = GradientBoostingClassifier(n_estimators=40, max_depth=2, random_state=0).fit(X[:1000], y[:1000])
        scoring, task = "neg_log_loss", "classification"
    else:
        original = GradientBoostingRegressor(n_estimators=40, max_depth=2, random_state=0).fit(X[:1000], y[:1000])
        scoring, task = "neg_mean_squared_error", "regression"
    loaded = onnx_model.parse(to_onnx(original, X, zipmap=False))
    X_test, y_test = X[1000:], y[1000:]
    ours = importance.permutation_importance(lambda rows: models.model_output(loaded, task, rows), X_test, y_test, task,
                                             n_repeats=30, seed=0)
    theirs = permutation_importance(original, X_test, y_test, scoring=scoring, n_repeats=30, random_state=0)
    # difference e_perm - e_orig is scikit-learn's importance (score drop of the negated loss);
    # different shuffles: agree within the spread of 30 repeats, plus float32 rounding in the ONNX model
    tolerance = 4 * np.hypot(ours.difference_std, theirs.importances_std) / np.sqrt(30) + 1e-3
    assert np.all(np.abs(ours.difference_mean - theirs.importances_mean) < tolerance), (ours.difference_mean, theirs.importances_mean)
    assert list(np.argsort(-ours.difference_mean)) == list(np.argsort(-theirs.importances_mean)) == [0, 1, 2, 3]
    # the ONNX model reproduces the original's output to float32 precision
    np.testing.assert_allclose(models.model_output(loaded, task, X_test), models.model_output(original, task, X_test),
                               atol=1e-4)


def test_the_feature_count_must_match_the_table(tmp_path, tmp_cache):
    model, X, y = only_feature_0(classify=False)
    with pytest.raises(InputError, match="expects 4 input features but the table has 3"):
        ranked(tmp_path, to_onnx(model, X), csv_of(X[:, :3], y))


def graph_model(input_shape, input_type=None, inputs=1, output_type=None, axes=(1,)) -> bytes:
    """A small ONNX graph (Y = sum of X over ``axes``, the features) with the given input declaration."""
    from onnx import TensorProto, helper

    input_type = input_type or TensorProto.FLOAT
    names = [f"X{i}" for i in range(inputs)]
    nodes = [helper.make_node("ReduceSum", [names[0]], ["S"], keepdims=1, axes=list(axes)),
             helper.make_node("Cast", ["S"], ["Y"], to=output_type or TensorProto.FLOAT)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info(n, input_type, input_shape) for n in names],
                              [helper.make_tensor_value_info("Y", output_type or TensorProto.FLOAT, [None, 1])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]).SerializeToString()


def test_bad_files_are_refused_with_one_clear_message(monkeypatch):
    from onnx import TensorProto

    cases = [
        (b"", "is empty"),
        (b"this is not a model", "not a model onnxruntime can load"),
        (graph_model([None, 4])[:-7], "not a model onnxruntime can load"),  # truncated
        (graph_model([1, 4]), "fixed batch of 1 rows"),
        (graph_model([None, 4], inputs=2), "has 2 inputs"),
        (graph_model([None, 4], input_type=TensorProto.INT64), "float or double"),
        (graph_model([None], axes=(0,)), "ranking needs \\[rows, features\\]"),
        (graph_model([None, 4], output_type=TensorProto.INT64), "no float output"),
    ]
    for content, message in cases:
        with pytest.raises(InputError, match=message):
            onnx_model.parse(content)
    assert onnx_model.parse(graph_model([None, 4])).n_features == 4
    assert onnx_model.parse(graph_model([None, "features"])).n_features is None
    monkeypatch.setattr(onnx_model, "MAX_ONNX_BYTES", 100)
    with pytest.raises(InputError, match="MB is accepted"):
        onnx_model.parse(graph_model([None, 4]) + b"\0" * 100)


def test_outputs_that_cannot_be_ranked_are_refused():
    from sklearn.linear_model import LinearRegression

    X, y = data()
    binary = (y > 0).astype(float)
    # a regressor fitted on a 0/1 target outputs values outside [0, 1]: not a probability
    regressor = onnx_model.parse(to_onnx(LinearRegression().fit(X, 4 * binary - 2), X))
    with pytest.raises(InputError, match="probability of the larger class"):
        regressor.check_table(X, "classification")
    # a classifier's two columns cannot be a regression's one number
    model, _, _ = only_feature_0(classify=True)
    classifier = onnx_model.parse(to_onnx(model, X, zipmap=False))
    with pytest.raises(InputError, match="gives 2 numbers per row"):
        classifier.check_table(X, "regression")
    # a free feature dimension is checked by running the model: a wrong width is one clear message
    free = onnx_model.parse(graph_model([None, "features"]))
    free.check_table(X, "regression")
    np.testing.assert_allclose(free.predict(X), X.sum(axis=1), atol=1e-5)
    batch_sum = onnx_model.parse(graph_model([None, 4], axes=(0, 1)))  # one number for the whole batch
    with pytest.raises(InputError, match="has shape \\(1, 1\\) for 256 rows"):
        batch_sum.check_table(X, "regression")
    sum_model = onnx_model.parse(graph_model([None, 4]))
    with pytest.raises(InputError, match="expects 4 input features"):
        sum_model.check_table(X[:, :2], "regression")


def test_the_config_and_the_estimate(tmp_cache):
    with pytest.raises(InputError, match="needs an uploaded ONNX file"):
        RankingConfig(model="onnx").validate()
    with pytest.raises(InputError, match="takes no uploaded ONNX file"):
        RankingConfig(onnx_sha256="0" * 64).validate()
    with pytest.raises(InputError, match="ONNX model's SHAP values"):
        RankingConfig(model="onnx", onnx_sha256="0" * 64, shap_rows=2000, background_size=100).validate()
    model, X, y = only_feature_0(classify=False)
    digest, _ = onnx_model.accept(to_onnx(model, X), name="mine.onnx")
    csv_digest, _ = uploads.accept(csv_of(X, y), "y")
    base = RankingConfig(dataset="upload", upload_sha256=csv_digest, upload_target="y", model="onnx", onnx_sha256=digest,
                         shap_rows=50)
    for changes in ({"shap_rows": 150}, {"background_size": 100}, {"n_repeats": 20}):  # 180 held-out rows
        assert estimate_seconds(base.replace(**changes)) > estimate_seconds(base), changes
    assert onnx_model.load(digest).seconds_per_row > 0
    onnx_model.load.cache_clear()
    experiments.forget_memory()
    from ganplify_core import cache

    cache.clear_cache()
    with pytest.raises(InputError, match="upload it again"):
        onnx_model.load(digest)


def test_cli_ranks_an_onnx_model_on_a_csv(tmp_path, tmp_cache, capsys):
    model, X, y = only_feature_0(classify=True)
    (tmp_path / "model.onnx").write_bytes(to_onnx(model, X))
    (tmp_path / "table.csv").write_bytes(csv_of(X, y, target="label"))
    argv = ["rank", "--onnx", str(tmp_path / "model.onnx"), "--csv", str(tmp_path / "table.csv"), "--target", "label",
            "--shap-rows", "20", "--background", "10", "--repeats", "2", "--json"]
    assert cli.main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["dataset", "model", "task", "test_score", "rankings", "scores", "permutation_difference",
                         "kendall_tau", "correlated_pairs", "explainer", "test_score_std", "permutation_ratio_std",
                         "permutation_difference_std", "event"]
    assert out["model"] == "your ONNX model" and out["task"] == "classification"
    assert out["rankings"][PERMUTATION][0] == "a" and out["rankings"][MEAN_ABS_SHAP][0] == "a"
    # one line, status 2, no traceback: a file that is not ONNX, a wrong feature count, a missing file
    (tmp_path / "bad.onnx").write_bytes(b"\x08\x07garbage")
    narrow = tmp_path / "narrow.csv"
    narrow.write_bytes(csv_of(X[:, :2], y))
    for args, message in ((["--onnx", str(tmp_path / "bad.onnx"), "--csv", str(tmp_path / "table.csv")], "onnxruntime can load"),
                          (["--onnx", str(tmp_path / "model.onnx"), "--csv", str(narrow)], "expects 4 input features"),
                          (["--onnx", str(tmp_path / "absent.onnx")], "no such file"),
                          (["--model", "onnx"], "needs an uploaded ONNX file")):
        assert cli.main(["rank", *args, "--json"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err and "Traceback" not in err, err


@pytest.mark.parametrize("name", ["calibration", "height", "diabetes", "breast_cancer"])
def test_the_pages_data_download_loads_back_as_an_upload(name):
    from ganplify_core import ui

    table = datasets.load_dataset(name, 300, seed=1)
    content = ui.spreadsheet_safe(table.frame()).to_csv(index=False).encode()  # what the page's download writes
    back = datasets.parse_feature_csv(content)
    assert back.feature_names == table.feature_names and back.target_name == table.target_name
    assert back.task == table.task
    np.testing.assert_array_equal(back.X, table.X)
    np.testing.assert_array_equal(back.y, table.y)


def test_a_refused_command_stores_nothing(tmp_path, tmp_cache, capsys):
    model, X, y = only_feature_0(classify=False)
    (tmp_path / "model.onnx").write_bytes(to_onnx(model, X))
    (tmp_path / "narrow.csv").write_bytes(csv_of(X[:, :2], y))
    (tmp_path / "table.csv").write_bytes(csv_of(X, y))
    for args in (["--onnx", str(tmp_path / "model.onnx"), "--csv", str(tmp_path / "narrow.csv")],  # wrong width
                 ["--onnx", str(tmp_path / "model.onnx"), "--csv", str(tmp_path / "table.csv"), "--event", "250"]):  # a bad setting
        try:
            status = cli.main(["rank", *args, "--json"])
        except SystemExit as exc:  # argparse's own refusals exit inside main
            status = exc.code
        assert status == 2, args
    capsys.readouterr()
    assert not list(tmp_cache.rglob("*.npz")), list(tmp_cache.rglob("*"))
