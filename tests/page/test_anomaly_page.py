"""Page tests for the Autoencoder ROC page (streamlit AppTest): the shipped defaults, a small training run
from the button, a changed curve toy as a quick job, links with bad settings."""

from __future__ import annotations

import json

from sklearn.metrics import roc_auc_score
from streamlit.testing.v1 import AppTest

from ganplify_core import experiments, jobs
from ganplify_core.anomaly import roc
from ganplify_core.anomaly.experiment import (
    CURVE,
    CURVE_DEFAULT,
    CURVE_PAGE_FIXED,
    TOP_TAGGING,
    TOP_TAGGING_DEFAULT,
    CurveToyConfig,
    TopTaggingConfig,
)

PAGE = "views/autoencoder_roc.py"
TIMEOUT = 300
# Part 2 on small settings: estimated above 5 s (so it waits for the press) but quick to train.
SMALL = {"n_train": 2000, "n_test": 2000, "epochs": 4}


def _open_with(app_path, **settings) -> AppTest:
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for name, value in settings.items():
        at.query_params[name] = str(value)
    return at.run()


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def test_first_load_shows_both_shipped_defaults_and_computes_nothing(app_path, tmp_cache):
    toy, tagging = CURVE.shipped(CURVE_DEFAULT), TOP_TAGGING.shipped(TOP_TAGGING_DEFAULT)
    assert toy is not None and tagging is not None, "assets missing: python -m ganplify_core ae-curve/ae-roc --save-asset"
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    metrics = _metrics(at)
    assert metrics["AUC, off-curve vs on-curve test points"] == f"{toy.auc:.3f}"
    assert metrics["AUC (autoencoder)"] == f"{tagging.auc:.3f}"
    for e in ("0.3", "0.5"):
        assert metrics[f"1/ε_B at ε_S = {e}"] == f"{tagging.rejections['autoencoder'][e]:.1f}"
    assert len(at.get("plotly_chart")) == 5       # toy map and ROC, histograms, ROC, mass sculpting (open tab)
    assert not any("press" in i.value.lower() for i in at.info)
    # the score's correlation with the QCD jet mass, before and after the decorrelation, read from the result
    text = " ".join(m.value for m in at.markdown)
    assert f"ρ = **{tagging.mass_spearman['autoencoder']['qcd']:.2f}**" in text
    assert f"{tagging.rocs['decorrelated'].auc:.3f}" in text
    assert "arXiv:2104.09051" in text and "arXiv:1808.08979" in text
    tables = [d.value for d in at.table]
    assert any("1/ε_B at ε_S = 0.3" in t.columns for t in tables)
    assert not list(tmp_cache.rglob("*.npz")) and not jobs.active(), "the default view must not train"
    at.session_state["autoencoder_roc.view"] = "jets"  # drawn once chosen
    at.run()
    assert not at.exception, at.exception
    titles = [json.loads(chart.proto.spec)["layout"].get("title", {}).get("text", "") for chart in at.get("plotly_chart")]
    assert len(titles) == 5 and not any("mass" in t.lower() for t in titles[2:]), titles
    assert not list(tmp_cache.rglob("*.npz")) and not jobs.active(), "choosing a tab never trains"


def test_small_training_run_from_the_button(app_path, tmp_cache):
    config = TopTaggingConfig(**SMALL)
    assert TOP_TAGGING.estimate_seconds(config) > experiments.QUICK_SECONDS, "needs settings that wait for a press"
    at = _open_with(app_path, **SMALL, cut_percent=80)
    assert not at.exception, at.exception
    assert any("Train and score" in i.value and "about" in i.value for i in at.info), "the estimate before the press"
    assert jobs.find(TOP_TAGGING, config) is None and not list(tmp_cache.rglob("*.npz")), "nothing starts unpressed"

    _button(at, "Train and score").click().run()
    assert not at.exception, at.exception
    job = jobs.find(TOP_TAGGING, config)
    assert job is not None and job.wait(TIMEOUT) and job.state == jobs.DONE, job and job.error
    at.run()
    assert not at.exception, at.exception
    result = experiments.cached_result(TOP_TAGGING, config)
    metrics = _metrics(at)
    scores, labels = roc.labelled(result.normal_scores, result.anomaly_scores)
    assert metrics["AUC (autoencoder)"] == f"{roc_auc_score(labels, scores):.3f}"
    cut = roc.cut_at_quantile(result.normal_scores, result.anomaly_scores, 0.80)
    point = roc.working_point(result.normal_scores, result.anomaly_scores, cut)
    assert metrics["Your cut: top flagged (TPR)"] == f"{point.tpr:.3f}"
    assert len(at.get("plotly_chart")) >= 4

    # plot options move the working point and the axis, never retrain; a rerun shows the same numbers
    at.slider(key="autoencoder_roc.cut_percent").set_value(50.0).run()
    looser = _metrics(at)
    assert float(looser["Your cut: top flagged (TPR)"]) > float(metrics["Your cut: top flagged (TPR)"])
    assert at.query_params["cut_percent"] == "50.0"
    at.checkbox(key="autoencoder_roc.log_fpr").check().run()
    at.run()
    assert not at.exception, at.exception
    assert _metrics(at) == looser
    assert jobs.find(TOP_TAGGING, config) is job, "no second job"


def test_a_changed_curve_toy_is_quick_and_runs_as_a_job(app_path, tmp_cache):
    # the page's curve settings are all estimated under 5 s: they start without a press, in the job runner
    config = CurveToyConfig(noise=0.05, n_anomalies=50, seed=0, **CURVE_PAGE_FIXED)
    assert CURVE.estimate_seconds(config) < experiments.QUICK_SECONDS
    at = _open_with(app_path, noise=0.05, n_anomalies=50)
    assert not at.exception, at.exception
    job = jobs.find(CURVE, config)
    assert job is not None and job.wait(TIMEOUT) and job.state == jobs.DONE, job and job.error
    at.run()
    assert not at.exception, at.exception
    assert _metrics(at)["AUC, off-curve vs on-curve test points"] == f"{experiments.cached_result(CURVE, config).auc:.3f}"
    assert jobs.find(TOP_TAGGING, TOP_TAGGING_DEFAULT) is None, "Part 2's default is shipped, not computed"


def test_bad_setting_from_a_link_falls_back_with_a_notice(app_path, tmp_cache):
    at = _open_with(app_path, bottleneck=999, model="vae", noise="nan", n_train=3)
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    for key in ("bottleneck=999", "model=vae", "noise=nan", "n\\_train=3"):  # Markdown-escaped, as shown
        assert key in notices, notices


def test_presets_set_the_widgets(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    labels = [b.label for b in at.button]
    for name in ("The paper's setting", "A 30-second demo", "Where it fails"):
        assert any(label.startswith(name) for label in labels), labels
    next(b for b in at.button if b.label.startswith("Where it fails")).click().run()
    assert not at.exception, at.exception
    assert at.query_params["train_on"] == "top" and at.query_params["n_train"] == "2000"
    config = TopTaggingConfig(n_train=2000, n_test=2000, epochs=3, train_on="top")
    assert config in [p.config for p in TOP_TAGGING.presets]
    if experiments.is_cached(TOP_TAGGING, config):   # shipped by make assets
        assert _metrics(at)["AUC (autoencoder)"] == f"{experiments.cached_result(TOP_TAGGING, config).auc:.3f}"
    else:
        assert any("Train and score" in i.value for i in at.info)
