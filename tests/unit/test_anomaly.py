"""Autoencoder ROC: the curve toy, anomaly scores, ROC/AUC against scikit-learn and scipy, top tagging, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy.stats import mannwhitneyu, norm
from sklearn.metrics import roc_auc_score, roc_curve

from ganplify_core import cli
from ganplify_core.anomaly import curve_toy, roc
from ganplify_core.anomaly.experiment import CurveToyConfig, TopTaggingConfig, run_curve_toy, run_top_tagging
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
    result = run_curve_toy(config)
    learned_distance = curve_toy.distance_to_curve("parabola", result.learned_curve)
    assert np.median(learned_distance) < 0.05
    assert result.auc > 0.95
    assert result.auc == pytest.approx(roc.auc(result.test_scores, result.anomaly_scores))
    assert np.median(result.anomaly_scores) > 10 * np.median(result.test_scores)


def test_curve_toy_depends_only_on_its_seed():
    from ganplify_core.anomaly.experiment import _compute_curve_toy

    config = CurveToyConfig(n_train=50, n_test=50, n_anomalies=10, steps=20)
    torch.manual_seed(123)
    first = _compute_curve_toy(config, None)
    torch.rand(7)  # whatever ran before must not matter
    second = _compute_curve_toy(config, None)
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
    return run_top_tagging(TopTaggingConfig(**SMALL))


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
    on_top = run_top_tagging(TopTaggingConfig(**SMALL, train_on="top"))
    assert on_top.anomaly_class == "qcd"
    assert on_top.auc < trained_on_qcd.auc - 0.2
    # the baselines are only re-oriented: same AUC whichever class is called the signal
    for name in ("mass", "tau32", "supervised"):
        assert on_top.rocs[name].auc == pytest.approx(trained_on_qcd.rocs[name].auc, abs=1e-9)


def test_invalid_settings_are_input_errors():
    for bad in (dict(model="vae"), dict(bottleneck=0), dict(train_on="w"), dict(score="l1"), dict(n_train=5),
                dict(dataset="lhc")):
        with pytest.raises(InputError):
            TopTaggingConfig(**bad).validate()


def test_cli_prints_aucs_and_a_thinned_roc(trained_on_qcd, capsys):
    args = ["ae-roc", "--n-train", "2000", "--n-test", "2000", "--epochs", "3", "--classifier-epochs", "3", "--json"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["auc"] == pytest.approx(trained_on_qcd.auc)
    assert out["auc_supervised"] == pytest.approx(trained_on_qcd.rocs["supervised"].auc)
    assert {"auc_mass", "auc_tau32"} <= set(out)
    assert 2 <= len(out["roc"]["fpr"]) == len(out["roc"]["tpr"]) <= 200
    assert cli.main(["ae-roc", "--bottleneck", "0", "--json"]) == 2
    assert "bottleneck" in capsys.readouterr().err
