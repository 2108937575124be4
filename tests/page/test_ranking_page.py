"""The feature-ranking page (streamlit AppTest): default load, press -> job -> rerun, two sessions, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from app_pages import terminal_lines
from streamlit.testing.v1 import AppTest

from ganplify_core import experiments, jobs
from ganplify_core.ranking.experiment import RANKING, RankingConfig

PAGE = "views/feature_ranking.py"
TIMEOUT = 240

# A random forest with 400 SHAP rows: estimated above 5 s (so it waits for a press), done in about 10 s.
SLOW = {"model": "rf", "n_rows": "4000", "shap_rows": "400", "event": "3"}
SLOW_CONFIG = RankingConfig(model="rf", n_rows=4000, shap_rows=400, event=3)


def open_page(app_path, query=None) -> AppTest:
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def press(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Train and rank").click().run()


def test_default_load_shows_the_two_friends_game_and_the_data(app_path, tmp_cache):
    experiments.forget_memory()
    shipped = experiments.shipped_path(RANKING, RankingConfig()).exists()  # then shown at once, no job
    quick = RANKING.estimate_seconds(RankingConfig()) < experiments.QUICK_SECONDS and not shipped
    at = open_page(app_path)
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    shapley = json.loads(charts[0].proto.spec)
    assert [trace["text"] for trace in shapley["data"]] == [["200", "400"], ["200", "400"]]  # both formulas
    assert "Σφ = 600" in shapley["layout"]["title"]["text"]
    assert any("shapley --missing zero --game" in c.value for c in terminal_lines(at))
    if shipped:  # the shipped default: its ranking at once, nothing to press, no job
        assert not any("press **Train and rank**" in i.value for i in at.info)
        assert len(charts) > 2 and jobs.find(RANKING, RankingConfig()) is None
    elif quick:  # estimated under 5 s: computed without a press (or running), never a press prompt
        assert not any("press **Train and rank**" in i.value for i in at.info)
        job = jobs.find(RANKING, RankingConfig())
        assert job is not None
        assert job.wait(TIMEOUT)  # let it finish here, not in the next test's cache directory
    else:
        assert len(charts) == 2  # Shapley bars + data preview; nothing trained
        assert any("press **Train and rank** (about" in i.value for i in at.info)
        assert jobs.find(RANKING, RankingConfig()) is None


def test_press_runs_one_job_and_a_rerun_and_a_second_session_read_it(app_path, tmp_cache):
    experiments.forget_memory()
    assert RANKING.estimate_seconds(SLOW_CONFIG) > experiments.QUICK_SECONDS, "needs settings that wait for a press"
    at = open_page(app_path, SLOW)
    assert not at.exception, at.exception
    assert any("press **Train and rank** (about" in i.value for i in at.info), [i.value for i in at.info]
    assert jobs.find(RANKING, SLOW_CONFIG) is None, "nothing starts without a press"

    other = open_page(app_path, SLOW)  # a second session with the same settings, before the press
    press(at)
    assert not at.exception, at.exception
    job = jobs.find(RANKING, SLOW_CONFIG)
    assert job is not None
    press(other)  # pressing the same settings joins the same job
    assert jobs.find(RANKING, SLOW_CONFIG) is job
    assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error

    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # the game, the data, the rankings and their Kendall τ: the other views wait for their tab
    assert len(at.get("plotly_chart")) == 4
    text = " ".join(m.value for m in at.markdown)
    assert "rank last under 3 of 3 methods" in text
    assert any("rank --dataset calibration --model rf --n-rows 4000" in c.value for c in terminal_lines(at))
    numbers = [m.value for m in at.metric]
    shown = {}
    for tab in ("permutation", "shap", "exact"):
        at.session_state["feature_ranking.view"] = tab  # what choosing the tab sets
        at.run()
        assert not at.exception, at.exception
        assert [m.value for m in at.metric] == numbers, "choosing a tab never recomputes"
        assert at.query_params["view"] == tab, "the open tab is kept in the link"
        shown[tab] = len(at.get("plotly_chart")) - 2  # less the game and the data
    assert shown == {"permutation": 1, "shap": 3, "exact": 1}, shown
    text = " ".join(m.value for m in at.markdown)
    gap = float(text.split("Largest difference between exact and shap: **")[1].split("**")[0])
    assert gap < 1e-6

    # a plot-only widget: never recomputes
    at.session_state["feature_ranking.view"] = "shap"
    at.run()
    dependence = next(s for s in at.selectbox if s.label == "Dependence plot for")
    dependence.set_value("eta").run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric] == numbers

    other.run()  # the other session reads the same result
    assert not other.exception, other.exception
    assert [m.value for m in other.metric] == numbers
    assert RANKING.entry_path(SLOW_CONFIG).exists(), "the result is on disk"


def test_bad_input_shows_messages_not_tracebacks(app_path, tmp_cache):
    at = open_page(app_path)
    at.text_area(key="feature_ranking.game_text.two_friends").set_value('{"A,B": 1').run()
    assert not at.exception
    assert "not valid JSON" in at.error[0].value
    at = open_page(app_path, {"event": "300", "shap_rows": "200"})  # an event beyond the SHAP rows
    assert not at.exception
    assert any("must index the SHAP rows" in e.value for e in at.error)
    at = open_page(app_path, {"n_rows": "nan", "model": "svm"})  # a link with values the page cannot use
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "n\\_rows ignored" in notices and "model ignored" in notices  # Markdown-escaped


def test_old_links_keep_their_keys(app_path, tmp_cache):
    query = {"game": "glove", "missing": "additive", "dataset": "height", "model": "gbt", "n_rows": "600",
             "n_repeats": "2", "shap_rows": "30", "background_size": "20", "event": "1", "seed": "7"}
    at = open_page(app_path, query)
    assert not at.exception, at.exception
    assert not any("ignored" in i.value for i in at.info), [i.value for i in at.info]
    assert next(s for s in at.selectbox if s.label == "Preset game").value == "glove"
    assert next(r for r in at.radio if r.label == "Coalitions not listed are worth").value == "additive"
    line = next(c.value for c in terminal_lines(at) if "rank --dataset" in c.value)
    for option in ("--dataset height", "--n-rows 600", "--repeats 2", "--shap-rows 30", "--background 20",
                   "--event 1", "--seed 7"):
        assert option in line, (option, line)


def test_your_own_onnx_model_beside_your_csv(app_path, tmp_cache):
    """An ONNX model uploaded beside a CSV is ranked (no training); a bad file or a wrong width is one message."""
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = 2.0 * X[:, 0] + 0.1 * rng.normal(size=400)
    model = LinearRegression().fit(X, y)
    model.coef_[1:] = 0.0  # uses only feature a
    content = skl2onnx.to_onnx(model, X[:1].astype(np.float32)).SerializeToString()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["y"] = y
    at = open_page(app_path, {"dataset": "upload", "n_repeats": "2", "shap_rows": "20", "background_size": "10"})
    at.file_uploader(key="feature_ranking.csv_upload").set_value(("mine.csv", frame.to_csv(index=False).encode(), "text/csv")).run()
    assert not at.exception, at.exception
    at.file_uploader(key="feature_ranking.onnx_upload").set_value(("broken.onnx", b"not a model", "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert any("broken.onnx is not a model onnxruntime can load" in e.value for e in at.error), [e.value for e in at.error]
    narrow = frame.drop(columns=["c"]).to_csv(index=False).encode()
    at.file_uploader(key="feature_ranking.csv_upload").set_value(("narrow.csv", narrow, "text/csv")).run()
    at.file_uploader(key="feature_ranking.onnx_upload").set_value(("mine.onnx", content, "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert any("mine.onnx expects 3 input features but the table has 2" in e.value for e in at.error)

    at.file_uploader(key="feature_ranking.csv_upload").set_value(("mine.csv", frame.to_csv(index=False).encode(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not any(r.label == "Model" for r in at.radio)  # the uploaded model replaces the choice
    if not any(m.label.startswith("Test") for m in at.metric):  # estimated above 5 s on a slow machine: press
        press(at)
        assert all(job.wait(TIMEOUT) for job in jobs.active()), "the ONNX ranking did not finish"
        at.run()
    assert not at.exception, at.exception
    assert [m.label for m in at.metric][:2] == ["Test R²", "Test RMSE"]
    line = next(c.value for c in terminal_lines(at) if "rank " in c.value and "--onnx" in c.value)
    assert "--onnx mine.onnx" in line and "--csv mine.csv" in line and "--model" not in line
    assert "your ONNX model" in " ".join(m.value for m in at.markdown)



def test_the_shipped_default_shows_its_answer_on_first_view(app_path, tmp_path, monkeypatch):
    """With the default shipped (make assets) and an empty cache, part 3 shows the ranking with nothing pressed."""
    monkeypatch.setattr(experiments, "SHIPPED_DIR", tmp_path / "shipped")
    monkeypatch.setenv("GANPLIFY_CACHE_DIR", str(tmp_path / "cache"))
    experiments.forget_memory()
    experiments.make_shipped(RANKING, RankingConfig())
    experiments.forget_memory()
    before = jobs.find(RANKING, RankingConfig())  # an earlier test's finished job, if any
    at = open_page(app_path)
    assert not at.exception, at.exception
    assert jobs.find(RANKING, RankingConfig()) is before, "read from the shipped file, no job submitted"
    assert not any("press **Train and rank**" in i.value for i in at.info)
    assert any("Shipped result for these settings" in c.value for c in at.caption)
    metrics = {m.label: m.value for m in at.metric}
    assert "±" in metrics["Test R²"]  # with its bootstrap uncertainty
    text = " ".join(m.value for m in at.markdown)
    assert "matters most to the held-out error" in text and "rank last under" in text
    assert len(at.get("plotly_chart")) == 4  # the game, the data, the rankings and their Kendall τ
    experiments.forget_memory()
