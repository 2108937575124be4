"""The birthday-paradox page: the first view shows the shipped default's answer with nothing pressed, presets
set the widgets, lecture mode, a quick look for other settings, a small run from the button, old links, and the
retrained GAN as a setting of the link."""

from __future__ import annotations

import json

import pytest
from app_pages import terminal_lines
from streamlit.testing.v1 import AppTest

from ganplify_core import experiments, jobs
from ganplify_core.birthday.experiment import BIRTHDAY, PAGE_DEFAULT, PRESETS, BirthdayConfig, quick_look

PAGE = "views/birthday_paradox.py"
TIMEOUT = 240


def _finish(at: AppTest, config) -> AppTest:
    """Wait for the job of ``config`` (a worker thread), then rerun the page."""
    job = jobs.find(BIRTHDAY, config)
    assert job is not None, "a job was submitted"
    assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
    return at.run()


@pytest.fixture(scope="module")
def default_result(tmp_path_factory):
    """The page's default computed once (as ``make assets`` ships it), in a cache of this module's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GANPLIFY_CACHE_DIR", str(tmp_path_factory.mktemp("birthday-cache")))
        result = experiments.run(BIRTHDAY, PAGE_DEFAULT)
        yield result


def _texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown) + " " + " ".join(i.value for i in at.info)


def test_first_view_shows_the_default_answer_with_nothing_pressed(app_path, default_result):
    assert PAGE_DEFAULT in BIRTHDAY.ship, "the default is shipped by make assets"
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    assert jobs.find(BIRTHDAY, PAGE_DEFAULT) is None, "nothing computed: the answer was there"
    assert not any("have not been computed" in info.value for info in at.info), [i.value for i in at.info]
    # the textbook, the duplicate and definition curves, the shape distributions (open tab); the two grids of
    # twelve heatmaps (example showers, most similar pairs) wait for their tabs
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]
    assert len(titles) == 4 and titles[3].startswith("Shower shapes"), titles
    for view, title in (("showers", "Example showers"), ("pairs", "Toy simulator (training sample): most similar")):
        at.session_state["birthday_paradox.view"] = view  # a tab draws its chart once chosen
        at.run()
        assert not at.exception, at.exception
        titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]
        assert len(titles) == 4 and titles[3].startswith(title), titles
    assert jobs.find(BIRTHDAY, PAGE_DEFAULT) is None
    text = _texts(at)
    gan = default_result.source("gan").definition("shapes").estimates
    held = default_result.source("sim-heldout").definition("shapes").estimates
    # claim 6 and "what to notice" read the result: the counts and 1/α³ of this run are in the prose
    assert f"{gan.n_duplicate_pairs:,} against {held.n_duplicate_pairs:,} duplicate pairs" in text
    assert "1/α^3 = 8,000" in text and "relative duplicate rate" in text
    assert "relative difference" in text and "total energy" not in text  # claim 8's wording
    assert "None" not in " ".join(str(v) for v in at.table[0].value.to_numpy().ravel())
    assert at.query_params["features"] == "shapes" and at.query_params["pool"] == "1000"


def test_lecture_mode_folds_the_prose(app_path, default_result):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    at.query_params["lecture"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert {"What this page shows", "Which estimate holds when", "How it is computed"} <= {e.label for e in at.expander}
    assert len(at.get("plotly_chart")) == 4  # the grids of the closed tabs wait


def test_presets_set_the_widgets_and_start_nothing(app_path, default_result):
    fails = next(p for p in PRESETS if p.key == "fails")
    assert {p.key for p in PRESETS} == {"paper", "demo", "fails"}
    assert BIRTHDAY.estimate_seconds(fails.config) > experiments.QUICK_SECONDS
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT).run()
    button = next(b for b in at.button if b.label.startswith("Where it fails"))
    button.click().run()
    assert not at.exception, at.exception
    assert at.query_params["templates"] == "100000" and at.query_params["pool"] == "2000"
    assert at.query_params["sources"] == "sim-heldout,templates"
    assert jobs.find(BIRTHDAY, fails.config) is None, "a preset sets the widgets; the press computes"
    assert any("Estimate the supports" in info.value for info in at.info)


def test_other_settings_get_a_quick_look(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for name, value in {"sources": "sim,templates", "features": "shapes+energy+ssim", "pool": "2000"}.items():
        at.query_params[name] = value
    at.run()
    config = PAGE_DEFAULT.replace(sources=("sim", "templates"), features="shapes+energy+ssim", pool_size=2000)
    assert BIRTHDAY.estimate_seconds(config) > experiments.QUICK_SECONDS, "these settings need a press"
    quick = quick_look(config)
    assert BIRTHDAY.estimate_seconds(quick) < experiments.QUICK_SECONDS
    if not any("Quick look" in info.value for info in at.info):  # a busy machine: the quick job outlasted the wait
        at = _finish(at, quick)
    assert not at.exception, at.exception
    assert any("Quick look" in info.value for info in at.info)
    assert any("Estimate the supports" in info.value and "on this server" in info.value for info in at.info)
    assert "--pool 300" in terminal_lines(at)[0].value, "the terminal line reproduces what is shown"


SMALL = {"sources": "templates,uniform", "features": "shapes+energy+ssim", "pool": "1500", "replications": "200",
         "grid_points": "8", "templates": "300", "support": "300", "energy": "100 GeV", "gan_steps": "300",
         "alpha": "0.02"}


def _number(cell: str) -> float:
    return float(cell.split(" [")[0].replace(",", ""))


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
    table = at.table[0].value
    assert list(table["true"]) == ["300", "300"]
    assert all(150 <= _number(v) <= 600 for v in table["s*²/(2 ln 2) [95 %]"])
    assert len(at.get("plotly_chart")) >= 4
    # a plot option, then a rerun: the same numbers, nothing computed again
    at.selectbox[0].set_value("uniform").run()
    assert not at.exception, at.exception
    at.run()
    assert not at.exception, at.exception
    assert at.table[0].value.equals(table)
    assert jobs.find(BIRTHDAY, config).state == jobs.DONE
    assert at.query_params["energy"] == "100 GeV" and at.query_params["pool"] == "1500"


def test_retrained_gan_is_a_setting_of_the_link(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    for name, value in {"sources": "gan", "retrained": "1", "gan_steps": "100", "seed": "5"}.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    config = PAGE_DEFAULT.replace(sources=("gan",), gan_steps=100, seed=5)
    assert jobs.find(BIRTHDAY, config) is None, "a GAN training never starts from a link"
    prompt = " ".join(info.value for info in at.info)
    assert "Estimate the supports" in prompt and "This GAN has not been trained yet" in prompt
    assert "--gan-steps 100" in " ".join(c.value for c in terminal_lines(at))
    # the old session toggle is gone: the same link without `retrained` means the shipped checkpoint
    at2 = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    at2.query_params["gan_steps"] = "100"
    at2.run()
    assert not at2.exception, at2.exception
    assert "--gan-steps 0" in " ".join(c.value for c in terminal_lines(at2))


def test_the_seeds_grid_from_a_link(app_path, tmp_cache):
    # 51×51×25 with the default sources: the GAN (25³ only) is left out, the rest runs on the seed's grid
    at = AppTest.from_file(app_path(PAGE), default_timeout=TIMEOUT)
    at.query_params["grid"] = "51x51x25"
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    line = " ".join(c.value for c in terminal_lines(at))
    assert "--grid 51x51x25" in line and "--source sim,sim-heldout,templates" in line
