"""Two sessions, one computation; a job outlives the session that started it (AppTest, the GAN page)."""

from __future__ import annotations

import gc

from streamlit.testing.v1 import AppTest

from ganplify_core import experiments, jobs
from ganplify_core.amplify.experiment import AMPLIFY, AmplifyConfig

TIMEOUT = 600
LINK = {"distribution": "camelback", "n_train": "30", "n_seeds": "1", "steps": "2000", "max_generated": "100000",
        "seed": "21"}
CONFIG = AmplifyConfig(n_train=30, n_seeds=1, steps=2000, max_generated=100_000, seed=21)


def _session(app_path) -> AppTest:
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT)
    for key, value in LINK.items():
        at.query_params[key] = value
    return at.run()


def _press(at: AppTest) -> AppTest:
    return next(b for b in at.button if b.label == "Train and compare").click().run()


def test_two_sessions_pressing_the_same_settings_compute_once(app_path, tmp_cache, tmp_path, monkeypatch):
    trace = tmp_path / "trace.log"
    monkeypatch.setenv("GANPLIFY_TRACE_FILE", str(trace))
    experiments.forget_memory()
    first, second = _session(app_path), _session(app_path)
    _press(first)
    _press(second)
    job = jobs.find(AMPLIFY, CONFIG)
    assert job is not None, "both sessions wait for one job"
    assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
    for session in (first, second):
        session.run()
        assert not session.exception, session.exception
        assert [m for m in session.metric if m.label.startswith("GAN")]
    assert trace.read_text().count("compute amplify") == 1


def test_a_job_goes_on_when_its_session_is_gone(app_path, tmp_cache):
    experiments.forget_memory()
    config = AmplifyConfig(n_train=30, n_seeds=1, steps=2000, max_generated=100_000, seed=22)
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT)
    for key, value in {**LINK, "seed": "22"}.items():
        at.query_params[key] = value
    at.run()
    _press(at)
    job = jobs.find(AMPLIFY, config)
    assert job is not None and job.state in (jobs.QUEUED, jobs.RUNNING)
    del at  # the tab is closed
    gc.collect()
    assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
    experiments.forget_memory()
    assert experiments.is_cached(AMPLIFY, config), "its result is on disk for the next visitor"
    later = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT)
    for key, value in {**LINK, "seed": "22"}.items():
        later.query_params[key] = value
    later.run()
    assert not later.exception and [m for m in later.metric if m.label.startswith("GAN")]
