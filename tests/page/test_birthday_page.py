"""The birthday-paradox page: the default first load (quick look), a small run from the button, old links,
and the retrained GAN as a setting of the link."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ganplify_core import experiments, jobs
from ganplify_core.birthday.experiment import BIRTHDAY, BirthdayConfig, quick_look

PAGE = "pages/birthday_paradox.py"
TIMEOUT = 240


def _finish(at: AppTest, config) -> AppTest:
    """Wait for the job of ``config`` (a worker thread), then rerun the page."""
    job = jobs.find(BIRTHDAY, config)
    assert job is not None, "a job was submitted"
    assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
    return at.run()


def test_default_page_shows_the_quick_look_and_the_estimate(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    default = BirthdayConfig()
    assert BIRTHDAY.estimate_seconds(default) > experiments.QUICK_SECONDS, "the default needs a press"
    assert jobs.find(BIRTHDAY, default) is None, "nothing heavy starts without a press"
    quick = quick_look(default)
    assert BIRTHDAY.estimate_seconds(quick) < experiments.QUICK_SECONDS
    if not any("Quick look" in info.value for info in at.info):  # a busy machine: the quick job outlasted the wait
        at = _finish(at, quick)
    assert not at.exception, at.exception
    assert any("Quick look" in info.value for info in at.info)
    assert any("Estimate the supports" in info.value and "on this server" in info.value for info in at.info)
    assert len(at.get("plotly_chart")) >= 3
    assert "--pool 300" in at.code[0].value, "the terminal line reproduces what is shown"


SMALL = {"sources": "templates,uniform", "features": "shapes+energy+ssim", "pool": "1500", "replications": "200",
         "grid_points": "8", "templates": "300", "support": "300", "energy": "100 GeV", "gan_steps": "300"}


def test_small_button_run_then_rerun(app_path, tmp_cache):
    config = BirthdayConfig(sources=("templates", "uniform"), features="shapes+energy+ssim", pool_size=1500,
                            replications=200, grid_points=8, templates=300, support=300)
    assert BIRTHDAY.estimate_seconds(config) > experiments.QUICK_SECONDS, "this test needs a press"
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for name, value in SMALL.items():  # an old link: every key and value text as the page wrote them
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    assert not any("ignored" in info.value for info in at.info), [i.value for i in at.info]
    assert jobs.find(BIRTHDAY, config) is None
    next(b for b in at.button if b.label == "Estimate the supports").click()
    at.run()
    assert not at.exception, at.exception
    at = _finish(at, config)
    assert not at.exception and not at.error, (at.exception, at.error)
    assert not any("Quick look" in info.value for info in at.info)
    table = at.dataframe[0].value
    assert list(table["true support"]) == [300.0, 300.0]
    assert all(150 <= v <= 600 for v in table["s*²/(2 ln 2) (refined)"])
    assert len(at.get("plotly_chart")) >= 3
    # a plot option, then a rerun: the same numbers, nothing computed again
    at.selectbox[0].set_value("uniform").run()
    assert not at.exception, at.exception
    at.run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value.equals(table)
    assert jobs.find(BIRTHDAY, config).state == jobs.DONE
    assert at.query_params["energy"] == "100 GeV" and at.query_params["pool"] == "1500"


def test_retrained_gan_is_a_setting_of_the_link(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for name, value in {"sources": "gan", "retrained": "1", "gan_steps": "100", "seed": "5"}.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    config = BirthdayConfig(sources=("gan",), gan_steps=100, seed=5)
    assert jobs.find(BIRTHDAY, config) is None, "a GAN training never starts from a link"
    prompt = " ".join(info.value for info in at.info)
    assert "Estimate the supports" in prompt and "This GAN has not been trained yet" in prompt
    assert "--gan-steps 100" in " ".join(c.value for c in at.code)
    # the old session toggle is gone: the same link without `retrained` means the shipped checkpoint
    at2 = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    at2.query_params["gan_steps"] = "100"
    at2.run()
    assert not at2.exception, at2.exception
    assert "--gan-steps 0" in " ".join(c.value for c in at2.code)
