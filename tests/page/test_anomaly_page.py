"""Page tests for the Autoencoder ROC page (streamlit AppTest)."""

from __future__ import annotations

from sklearn.metrics import roc_auc_score
from streamlit.testing.v1 import AppTest

from ganplify_core.anomaly import roc
from ganplify_core.anomaly.experiment import TopTaggingConfig, run_top_tagging
from test_anomaly import SMALL

PAGE = "pages/autoencoder_roc.py"
TIMEOUT = 300


def test_first_load_shows_the_curve_toy_and_waits_for_the_button(app_path):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) >= 2
    assert any("Train and score" in i.value for i in at.info)
    assert float(at.metric[0].value) > 0.9   # the default off-curve points are easy to find


def _open_with(app_path, **settings) -> AppTest:
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for name, value in settings.items():
        at.query_params[name] = str(value)
    return at.run()


def test_page_shows_the_auc_sklearn_computes_on_the_same_scores(app_path):
    result = run_top_tagging(TopTaggingConfig(**SMALL))   # computed by test_anomaly, or here
    at = _open_with(app_path, n_train=SMALL["n_train"], n_test=SMALL["n_test"], epochs=SMALL["epochs"], cut_percent=80)
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    scores, labels = roc.labelled(result.normal_scores, result.anomaly_scores)
    assert metrics["AUC (autoencoder)"] == f"{roc_auc_score(labels, scores):.3f}"
    cut = roc.cut_at_quantile(result.normal_scores, result.anomaly_scores, 0.80)
    point = roc.working_point(result.normal_scores, result.anomaly_scores, cut)
    assert metrics["TPR: top flagged"] == f"{point.tpr:.3f}"
    assert len(at.get("plotly_chart")) >= 5       # toy map and ROC, histograms, ROC, images
    # moving the cut moves the working point, without retraining
    at.slider(key="autoencoder_roc.cut_percent").set_value(50.0).run()
    looser = {m.label: m.value for m in at.metric}
    assert float(looser["TPR: top flagged"]) > float(metrics["TPR: top flagged"])
    assert at.query_params["cut_percent"] == "50.0"


def test_bad_setting_from_a_link_falls_back_with_a_notice(app_path):
    at = _open_with(app_path, bottleneck=999, model="vae")
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "bottleneck=999" in notices and "model=vae" in notices
