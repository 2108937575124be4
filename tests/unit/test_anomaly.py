"""Autoencoder ROC: the curve toy, anomaly scores, ROC/AUC against scikit-learn and scipy, top tagging, CLI."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch
from scipy.stats import mannwhitneyu, norm
from sklearn.metrics import roc_auc_score, roc_curve

from ganplify_core import cli, experiments, params
from ganplify_core.anomaly import curve_toy, roc
from ganplify_core.anomaly.experiment import (
    CURVE,
    CURVE_DEFAULT,
    TOP_TAGGING,
    TOP_TAGGING_DEFAULT,
    CurveToyConfig,
    TopTaggingConfig,
    compute_curve_toy,
    top_tagging_stages,
)
from ganplify_core.anomaly.models import ConvJetAutoencoder, DenseJetAutoencoder, JetImageCNN
from ganplify_core.anomaly.scores import reconstruction_error
from ganplify_core.errors import InputError

# Small, fast settings of the default model (conv AE, √ intensity, MSE); shared with the page test.
SMALL = dict(n_train=2000, n_test=2000, epochs=3, classifier_epochs=3)


# -- curve toy ----------------------------------------------------------------------------------------------

def test_points_on_the_curve_scatter_with_the_requested_noise():
    rng = np.random.default_rng(1)
    points = curve_toy.sample_on_curve("cubic", 20_000, 0.05, rng)
    residual = points[:, 1] - curve_toy.curve_function("cubic")(points[:, 0])
    assert abs(residual.mean()) < 0.002 and abs(residual.std() - 0.05) < 0.002
    assert points[:, 0].min() >= -1 and points[:, 0].max() <= 1


def test_off_curve_points_are_displaced_by_the_distance():
    rng = np.random.default_rng(2)
    points = curve_toy.sample_off_curve("sine", 500, 0.4, 0.0, rng)
    offset = points[:, 1] - curve_toy.curve_function("sine")(points[:, 0])
    np.testing.assert_allclose(np.abs(offset), 0.4, atol=1e-6)
    assert (offset > 0).any() and (offset < 0).any()


def test_distance_to_curve_known_values():
    # below the parabola's vertex (0, -1) the nearest curve point is the vertex itself
    d = curve_toy.distance_to_curve("parabola", np.array([[0.0, -1.3], [0.5, 2 * 0.25 - 1]]))
    np.testing.assert_allclose(d, [0.3, 0.0], atol=1e-3)


def test_unknown_curve_is_an_input_error():
    with pytest.raises(InputError, match="curve"):
        curve_toy.curve_function("spiral")


def test_curve_autoencoder_learns_the_curve_and_flags_off_curve_points(tmp_cache):
    config = CurveToyConfig(curve="parabola", noise=0.02, n_train=300, n_test=300, n_anomalies=60, distance=0.4,
                            steps=600)
    result = experiments.run(CURVE, config)
    learned_distance = curve_toy.distance_to_curve("parabola", result.learned_curve)
    assert np.median(learned_distance) < 0.05
    assert result.auc > 0.95
    assert result.auc == pytest.approx(roc.auc(result.test_scores, result.anomaly_scores))
    assert np.median(result.anomaly_scores) > 10 * np.median(result.test_scores)


def test_curve_toy_depends_only_on_its_seed():
    config = CurveToyConfig(n_train=50, n_test=50, n_anomalies=10, steps=20)
    torch.manual_seed(123)
    first = compute_curve_toy(config)
    torch.rand(7)  # whatever ran before must not matter
    second = compute_curve_toy(config)
    np.testing.assert_array_equal(first.test_scores, second.test_scores)


# -- scores and ROC -------------------------------------------------------------------------------------------

def test_reconstruction_errors_against_their_formulas():
    torch.manual_seed(0)
    x, x_hat = torch.rand(5, 1, 40, 40), torch.rand(5, 1, 40, 40)
    mse = reconstruction_error(x, x_hat, "mse")
    np.testing.assert_allclose(mse, ((x - x_hat) ** 2).flatten(1).mean(1), rtol=1e-6)
    relative = reconstruction_error(x, x_hat, "relative")
    np.testing.assert_allclose(relative, ((x - x_hat) ** 2).flatten(1).sum(1) / (x**2).flatten(1).sum(1), rtol=1e-6)
    # the relative score does not see the overall scale of an image; the MSE scales with its square
    np.testing.assert_allclose(reconstruction_error(3 * x, 3 * x_hat, "relative"), relative, rtol=1e-5)
    np.testing.assert_allclose(reconstruction_error(3 * x, 3 * x_hat, "mse"), 9 * mse, rtol=1e-5)
    # √ of a unit-sum image has unit sum of squares: relative = P × MSE
    unit = x / x.flatten(1).sum(1)[:, None, None, None]
    np.testing.assert_allclose(reconstruction_error(unit.sqrt(), x_hat, "relative"),
                               1600 * reconstruction_error(unit.sqrt(), x_hat, "mse"), rtol=1e-4)
    with pytest.raises(InputError, match="score"):
        reconstruction_error(x, x_hat, "l1")


def test_auc_matches_sklearn_mann_whitney_and_the_gaussian_formula():
    rng = np.random.default_rng(3)
    background, signal = rng.normal(0, 1, 40_000), rng.normal(1.0, 1, 40_000)
    curve = roc.roc(background, signal)
    scores, labels = roc.labelled(background, signal)
    assert curve.auc == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    u = mannwhitneyu(signal, background).statistic / (len(signal) * len(background))
    assert curve.auc == pytest.approx(u, abs=1e-9)
    assert curve.auc == pytest.approx(norm.cdf(1.0 / np.sqrt(2)), abs=0.005)   # AUC = Φ(Δμ / √2)
    # thinned to at most 200 real working points of the full curve, with nearly the same area
    assert len(curve.fpr) <= roc.MAX_ROC_POINTS
    fpr, tpr, _ = roc_curve(labels, scores)
    full = set(zip(fpr.tolist(), tpr.tolist()))
    assert all((f, t) in full for f, t in zip(curve.fpr.tolist(), curve.tpr.tolist()))
    assert (curve.fpr[0], curve.fpr[-1], curve.tpr[-1]) == (0.0, 1.0, 1.0)
    assert np.trapezoid(curve.tpr, curve.fpr) == pytest.approx(curve.auc, abs=0.005)


def test_working_point_counts_jets_above_the_cut():
    background, signal = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.25, 0.35, 0.45, 0.55, 0.65])
    point = roc.working_point(background, signal, 0.3)
    assert (point.tpr, point.fpr, point.rejection) == (4 / 5, 1 / 4, 4.0)
    assert roc.working_point(background, signal, 1.0).rejection == float("inf")
    assert roc.cut_at_quantile(background, signal, 0.5) == pytest.approx(np.median(np.r_[background, signal]))


def test_jet_networks_keep_the_image_shape():
    images = torch.rand(3, 1, 40, 40)
    assert ConvJetAutoencoder(7)(images).shape == images.shape
    assert ConvJetAutoencoder(7).encoder(images).shape == (3, 7)
    assert DenseJetAutoencoder(9)(images).shape == images.shape
    assert JetImageCNN()(images).shape == (3,)


# -- top tagging -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained_on_qcd():
    return experiments.run(TOP_TAGGING, TopTaggingConfig(**SMALL))


def test_qcd_trained_autoencoder_finds_top_but_less_well_than_supervised(trained_on_qcd):
    result = trained_on_qcd
    assert result.anomaly_class == "top"
    assert result.auc > 0.75
    assert result.rocs["supervised"].auc > result.auc
    assert result.rocs["mass"].auc > 0.8 and result.rocs["tau32"].auc > 0.6


def test_result_auc_is_sklearns_on_the_same_scores(trained_on_qcd):
    scores, labels = roc.labelled(trained_on_qcd.normal_scores, trained_on_qcd.anomaly_scores)
    assert trained_on_qcd.auc == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


def test_training_on_top_to_find_qcd_is_clearly_worse(trained_on_qcd):
    on_top = experiments.run(TOP_TAGGING, TopTaggingConfig(**SMALL, train_on="top"))
    assert on_top.anomaly_class == "qcd"
    assert on_top.auc < trained_on_qcd.auc - 0.2
    # the baselines are only re-oriented: same AUC whichever class is called the signal
    for name in ("mass", "tau32", "supervised"):
        assert on_top.rocs[name].auc == pytest.approx(trained_on_qcd.rocs[name].auc, abs=1e-9)


def test_invalid_settings_are_input_errors():
    for bad in (dict(model="vae"), dict(bottleneck=0), dict(bottleneck=401), dict(train_on="w"), dict(score="l1"),
                dict(n_train=5), dict(n_train=10_000_000), dict(n_test=10**9), dict(epochs=0), dict(epochs=1000),
                dict(classifier_epochs=float("nan")), dict(dataset="lhc"), dict(seed=-1), dict(seed=2**40),
                dict(dataset="reference", n_train=9000, n_test=9000)):
        with pytest.raises(InputError):
            TopTaggingConfig(**bad).validate()
    for bad in (dict(noise=float("nan")), dict(noise=float("inf")), dict(noise=-0.1), dict(distance=0.0),
                dict(n_train=0), dict(n_train=10**8), dict(steps=10**7), dict(curve="spiral"), dict(seed=-1)):
        with pytest.raises(InputError):
            CurveToyConfig(**bad).validate()
    TOP_TAGGING_DEFAULT.validate()
    CURVE_DEFAULT.validate()


def test_estimates_grow_with_the_work_and_skip_trained_networks(tmp_cache):
    small = TopTaggingConfig(n_train=1000, n_test=1000, epochs=2)
    estimate = TOP_TAGGING.estimate_seconds
    assert estimate(small.replace(n_train=4000)) > 2 * estimate(small)
    assert estimate(small.replace(epochs=8)) > 1.5 * estimate(small)
    assert estimate(small.replace(model="dense")) < estimate(small)
    assert estimate(TOP_TAGGING_DEFAULT) > 30   # the default trains for a minute: never without a press
    assert CURVE.estimate_seconds(CURVE_DEFAULT.replace(n_train=5000)) > 2 * CURVE.estimate_seconds(CURVE_DEFAULT)
    # once both networks are trained, another score only costs jets and scoring
    before = estimate(small)
    experiments.run(TOP_TAGGING, small)
    stages = top_tagging_stages(small.replace(score="relative"))
    assert stages["autoencoder"] == stages["supervised"] == 0 and stages["jets"] > 0 and stages["scoring"] > 0
    assert estimate(small.replace(score="relative")) < before


def test_default_settings_ship_with_the_page():
    for experiment, default in ((CURVE, CURVE_DEFAULT), (TOP_TAGGING, TOP_TAGGING_DEFAULT)):
        shipped = experiment.shipped(default)
        assert shipped is not None, f"python -m ganplify_core {experiment.name} --save-asset"
        assert shipped.config == default
        assert experiment.shipped(default.replace(seed=1)) is None
        assert experiments.is_cached(experiment, default)
    shipped = TOP_TAGGING.shipped(TOP_TAGGING_DEFAULT)
    scores, labels = roc.labelled(shipped.normal_scores, shipped.anomaly_scores)
    assert shipped.auc == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert len(shipped.normal_scores) == len(shipped.anomaly_scores) == TOP_TAGGING_DEFAULT.n_test


def _exit_status(args: list[str]) -> int:
    """``cli.main``'s status, whether it returns it or argparse exits with it."""
    try:
        return cli.main(args)
    except SystemExit as exc:
        return exc.code


def test_cli_prints_aucs_and_a_thinned_roc(trained_on_qcd, capsys):
    args = ["ae-roc", "--n-train", "2000", "--n-test", "2000", "--epochs", "3", "--classifier-epochs", "3", "--json"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"anomaly_class", "auc", "auc_mass", "auc_tau32", "auc_supervised", "roc", "config"}
    assert out["auc"] == pytest.approx(trained_on_qcd.auc)
    assert out["auc_supervised"] == pytest.approx(trained_on_qcd.rocs["supervised"].auc)
    assert out["config"] == dataclasses.asdict(TopTaggingConfig(**SMALL))
    assert 2 <= len(out["roc"]["fpr"]) == len(out["roc"]["tpr"]) <= 200
    for bad in (["--bottleneck", "0"], ["--seed", "-1"], ["--n-train", "100000000"], ["--epochs", "nan"],
                ["--model", "vae"], ["--dataset", "reference", "--n-train", "9000", "--n-test", "9000"]):
        assert _exit_status(["ae-roc", *bad, "--json"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_curve_cli_keeps_its_json_keys_and_rejects_bad_values(tmp_cache, capsys):
    args = ["ae-curve", "--curve", "parabola", "--n-train", "100", "--n-test", "100", "--n-anomalies", "20",
            "--steps", "50", "--noise", "0.05", "--distance", "0.5", "--seed", "3", "--json"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"auc", "roc", "config"}
    config = CurveToyConfig(curve="parabola", n_train=100, n_test=100, n_anomalies=20, steps=50, noise=0.05,
                            distance=0.5, seed=3)
    assert out["config"] == dataclasses.asdict(config)
    assert out["auc"] == pytest.approx(experiments.cached_result(CURVE, config).auc)
    for bad in (["--seed", "-1"], ["--noise", "nan"], ["--distance", "inf"], ["--n-train", "1000000000"],
                ["--curve", "spiral"]):
        assert _exit_status(["ae-curve", *bad, "--json"]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def test_the_terminal_line_rebuilds_the_same_config():
    parser = cli.build_parser()
    for command, config in (("ae-roc", TopTaggingConfig(model="dense", bottleneck=7, train_on="top", score="relative",
                                                        intensity="linear", n_train=1000, n_test=2000, epochs=2, seed=9)),
                            ("ae-curve", CurveToyConfig(curve="step", noise=0.1, n_anomalies=30, distance=0.45, seed=4))):
        line = params.command_line(command, config)
        args = parser.parse_args(line.split()[3:])
        assert params.config_from_args(type(config), args) == config
