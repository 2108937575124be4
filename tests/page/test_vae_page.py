"""The VAE latent explorer page: default first load (data + correlation dimension) and a small sweep."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

PAGE = "pages/vae_latent.py"


def test_default_page_shows_data_and_correlation_dimension(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) >= 2  # data preview + dimensionality


def test_small_sweep_then_explorer(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=120)
    for name, value in {"n": "600", "n_corrdim": "300", "n_betas": "4", "steps_per_beta": "20",
                        "beta_min": "0.05", "beta_max": "1.0", "latent_dim": "3"}.items():
        at.query_params[name] = value
    at.run()
    next(b for b in at.button if b.label == "Train the β sweep").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # data, dimensionality, KL curves, latent scatter, traversal, prior samples, reconstructions
    assert len(at.get("plotly_chart")) >= 6


def test_bad_link_value_is_a_notice_not_a_crash(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=60)
    at.query_params["beta_min"] = "0.5"
    at.query_params["beta_max"] = "0.1"
    at.run()
    assert not at.exception
    assert at.error, "beta_min > beta_max must be reported as an error"


def test_jets_first_load_previews_without_training(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=90)
    at.query_params["dataset"] = "jets"
    at.query_params["n"] = "300"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) >= 1  # jets preview; EMDs wait for the button
