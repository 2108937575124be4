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
from ganplify_core.anomaly import curve_toy, decorrelation, roc
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
    assert estimate(small.replace(epochs=10)) > 1.5 * estimate(small)
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
    # the keys of the first version stay; the rejections, the decorrelated AUC and the mass correlation join them
    assert {"anomaly_class", "auc", "auc_mass", "auc_tau32", "auc_supervised", "roc", "config"} <= set(out)
    assert set(out["rejection"]) == {"0.3", "0.5"}
    assert out["rejection"]["0.3"] == pytest.approx(trained_on_qcd.rejections["autoencoder"]["0.3"])
    assert "auc_std" not in out  # one seed: no spread
    assert out["auc"] == pytest.approx(trained_on_qcd.auc)
    assert out["auc_supervised"] == pytest.approx(trained_on_qcd.rocs["supervised"].auc)
    assert out["config"] == dataclasses.asdict(TopTaggingConfig(**SMALL))
    assert 2 <= len(out["roc"]["fpr"]) == len(out["roc"]["tpr"]) <= 200
    for bad in (["--bottleneck", "0"], ["--seed", "-1"], ["--n-train", "100000000"], ["--epochs", "nan"],
                ["--model", "vae"], ["--dataset", "reference", "--n-train", "9000", "--n-test", "9000"],
                ["--repeats", "0"], ["--repeats", "11"], ["--seed", str(params.SEED_MAX), "--repeats", "2"]):
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


# -- background rejection, seeds, mass correlation (issue 14.5) --------------------------------------------------

def test_rejection_at_fixed_signal_efficiency_matches_the_gaussian_formula():
    # background N(0, 1), signal N(1, 1): the cut keeping ε_S of the signal is c = 1 + Φ⁻¹(1 − ε_S),
    # and it keeps ε_B = 1 − Φ(c) of the background
    rng = np.random.default_rng(5)
    background, signal = rng.normal(0, 1, 400_000), rng.normal(1, 1, 400_000)
    for efficiency in roc.SIGNAL_EFFICIENCIES:
        expected = 1.0 / norm.sf(1.0 + norm.isf(efficiency))
        assert roc.rejection_at(background, signal, efficiency) == pytest.approx(expected, rel=0.02)
    assert set(roc.rejections(background, signal)) == {"0.3", "0.5"}


def test_rejection_counts_the_background_above_the_cut_on_a_small_sample():
    background = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    signal = np.array([0.15, 0.55, 0.85, 0.95, 2.0, 3.0])
    # the cut score >= 0.95 keeps 3 of the 6 signal jets (0.95, 2, 3) and 1 of the 10 background jets (1.0)
    assert roc.mistag_at(background, signal, 0.5) == pytest.approx(0.1)
    assert roc.rejection_at(background, signal, 0.5) == pytest.approx(10.0)
    # ε_S = 4/6 needs the cut at 0.85: background 0.9 and 1.0 pass
    assert roc.mistag_at(background, signal, 4 / 6) == pytest.approx(0.2)
    # a tie (a signal and a background jet at 0.5) is a diagonal segment of the ROC: interpolated along it
    assert roc.mistag_at(np.array([0.5, 1.0]), np.array([0.5, 2.0]), 0.75) == pytest.approx(0.75)
    # ε_S = 0.3 lies between the cuts keeping 1/6 (ε_B 0) and 2/6 (ε_B 0) of the signal: nothing passes
    assert roc.rejection_at(background, signal, 0.3) == float("inf")
    assert roc.json_number(float("inf")) is None
    with pytest.raises(ValueError):
        roc.mistag_at(background, signal, 0.0)


def test_spearman_is_scipys_and_the_decorrelated_score_forgets_the_mass():
    rng = np.random.default_rng(6)
    mass = rng.uniform(20, 250, 30_000)
    score = 0.01 * mass + rng.normal(0, 0.5, 30_000)            # background: the score follows the mass
    from scipy.stats import spearmanr
    assert decorrelation.spearman(score, mass) == pytest.approx(spearmanr(score, mass).statistic, abs=1e-12)
    assert decorrelation.spearman(score, mass) > 0.8
    fitted = decorrelation.fit_mass_quantiles(score[:20_000], mass[:20_000])
    test = fitted.transform(score[20_000:], mass[20_000:])
    assert abs(decorrelation.spearman(test, mass[20_000:])) < 0.05
    # uniform in [0, 1]: each tenth holds a tenth of the jets
    counts, _ = np.histogram(test, bins=10, range=(0, 1))
    assert counts.min() > 0.08 * len(test) and counts.max() < 0.12 * len(test)
    # a jet unusual for its mass still scores high; the same score at a higher mass scores lower
    m = np.array([100.0, 100.0, 200.0])
    t = fitted.transform(np.array([2.5, 1.0, 2.5]), m)   # 3σ, 0σ and 1σ above the mean score at their mass
    assert t[0] > 0.99 and t[1] == pytest.approx(0.5, abs=0.1) and t[2] == pytest.approx(norm.cdf(1.0), abs=0.06)


def test_result_reports_rejections_mass_correlation_and_the_decorrelated_score(trained_on_qcd):
    result = trained_on_qcd
    for name in ("autoencoder", "decorrelated", "mass", "tau32", "supervised"):
        scores = {"autoencoder": (result.normal_scores, result.anomaly_scores),
                  "decorrelated": (result.normal_decorrelated, result.anomaly_decorrelated)}.get(name)
        if scores is not None:
            for e in ("0.3", "0.5"):
                assert result.rejections[name][e] == pytest.approx(roc.rejection_at(*scores, float(e)))
            assert result.rocs[name].auc == pytest.approx(roc.auc(*scores))
        # a tighter cut rejects more background
        assert result.rejections[name]["0.3"] >= result.rejections[name]["0.5"]
    # the QCD-trained autoencoder's score follows the QCD jet mass; the decorrelated score does not
    rho = result.mass_spearman["autoencoder"]["qcd"]
    assert rho == pytest.approx(decorrelation.spearman(result.normal_scores, result.normal_mass))
    assert rho > 0.3
    assert abs(result.mass_spearman["decorrelated"]["qcd"]) < 0.1
    # most of what it finds is the mass: the AUC falls once the mass is taken out
    assert result.rocs["decorrelated"].auc < result.auc - 0.1
    assert result.repeats == 1 and result.auc_std() is None


def test_repeats_give_the_spread_over_seeds(tmp_cache, capsys):
    tiny = TopTaggingConfig(n_train=300, n_test=300, epochs=1, classifier_epochs=1, seed=7)
    both = experiments.run(TOP_TAGGING, tiny.replace(repeats=2))
    one, two = (experiments.run(TOP_TAGGING, tiny.replace(seed=s)) for s in (7, 8))
    assert both.seed_aucs["autoencoder"] == [one.auc, two.auc]
    assert both.auc == one.auc and both.config.repeats == 2
    assert both.auc_std() == pytest.approx(abs(one.auc - two.auc) / np.sqrt(2))
    assert both.seed_rejections["mass"]["0.5"] == [one.rejections["mass"]["0.5"], two.rejections["mass"]["0.5"]]
    # the seeds are stored on their own: three repeats only estimate the third
    assert TOP_TAGGING.estimate_seconds(tiny.replace(repeats=3)) == pytest.approx(
        TOP_TAGGING.estimate_seconds(tiny.replace(seed=9)))
    args = ["ae-roc", "--n-train", "300", "--n-test", "300", "--epochs", "1", "--classifier-epochs", "1",
            "--seed", "7", "--repeats", "2", "--json"]
    assert cli.main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["auc_std"] == pytest.approx(both.auc_std()) and out["seed_aucs"]["autoencoder"] == [one.auc, two.auc]
