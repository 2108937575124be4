"""Page test for the feature-ranking page (streamlit AppTest): default load, a small training run, bad input."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

PAGE = "pages/feature_ranking.py"
TIMEOUT = 120


def test_default_load_shows_the_two_friends_game_and_the_data_without_training(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 2  # Shapley bars + data preview; nothing trained yet
    shapley = json.loads(charts[0].proto.spec)
    assert [trace["text"] for trace in shapley["data"]] == [["200", "400"], ["200", "400"]]  # both formulas
    assert "Σφ = 600" in shapley["layout"]["title"]["text"]
    assert any("Train and rank" in i.value for i in at.info)


def test_small_training_run_draws_every_ranking_and_the_exact_comparison(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for name, value in {"n_rows": "600", "shap_rows": "30", "background_size": "20", "n_repeats": "2", "event": "3"}.items():
        at.query_params[name] = value
    at.run()
    next(b for b in at.button if "Train" in b.label).click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert len(at.get("plotly_chart")) >= 9
    text = " ".join(m.value for m in at.markdown)
    assert "rank last under 3 of 3 methods" in text
    gap = float(text.split("Largest difference between exact and shap: **")[1].split("**")[0])
    assert gap < 1e-6
    assert any("rank --dataset calibration" in c.value for c in at.code)


def test_malformed_game_shows_an_error_not_a_traceback(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    at.text_area(key="feature_ranking.game_text.two_friends").set_value('{"A,B": 1').run()
    assert not at.exception
    assert "not valid JSON" in at.error[0].value
