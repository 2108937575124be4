"""The home page's Jets section: read from a job, quick settings at once, larger ones after a press."""

from __future__ import annotations

import hashlib

import pytest
from app_pages import terminal_lines
from streamlit.testing.v1 import AppTest

from ganplify_core import experiments, jobs
from ganplify_core.jets import available_sources
from ganplify_core.jets.experiment import OVERVIEW, JetOverviewConfig

TIMEOUT = 240


def _finish_job(at: AppTest, config: JetOverviewConfig) -> None:
    """Wait for the page's job (if it was not done within the page's own short wait) and rerun."""
    job = jobs.find(OVERVIEW, config)
    if job is not None:
        assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("source", available_sources())
def test_home_jets_section_draws_images_clouds_and_histograms(app_path, tmp_cache, source):
    config = JetOverviewConfig(source=source)
    assert OVERVIEW.estimate_seconds(config) < experiments.QUICK_SECONDS, "the default shows without a press"
    at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
    at.query_params["jet_source"] = source
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="home.source").value == source
    _finish_job(at, config)
    assert len(at.get("plotly_chart")) == 2  # the teaser and the open tab's jet images
    assert [m for m in at.metric if "mean mass" in m.label]
    for tab, title in (("Point clouds", "point cloud"), ("Observables", "mass")):  # a tab draws its chart when chosen
        at.session_state["home.view"] = tab
        at.run()
        assert not at.exception, at.exception
        charts = at.get("plotly_chart")
        assert len(charts) == 2 and title in charts[1].proto.spec.lower(), (tab, charts[1].proto.spec[:300])
    at.session_state["home.view"] = "Images"
    at.run()
    assert any("python -m ganplify_core jets" in c.value and f"--source {source}" in c.value for c in terminal_lines(at))
    # a plot option: other example jets, from the same result
    at.selectbox(key="home.examples").set_value(3).run()
    assert not at.exception, at.exception
    assert jobs.find(OVERVIEW, config) is None or jobs.find(OVERVIEW, config).state == jobs.DONE


def test_larger_samples_wait_for_the_press(app_path, tmp_cache):
    config = JetOverviewConfig(n=10000, seed=3)
    assert OVERVIEW.estimate_seconds(config) > experiments.QUICK_SECONDS
    at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
    at.query_params["jets_per_class"] = "10000"
    at.query_params["seed"] = "3"
    at.run()
    assert not at.exception, at.exception
    assert any("Generate jets" in info.value for info in at.info), [i.value for i in at.info]
    assert jobs.find(OVERVIEW, config) is None and not experiments.is_cached(OVERVIEW, config), "nothing starts"
    assert len(at.get("plotly_chart")) == 1  # only the teaser
    at.button(key="home.generate").click().run()
    assert not at.exception, at.exception
    assert jobs.find(OVERVIEW, config) is not None, "the press submits the job"
    _finish_job(at, config)
    assert len(at.get("plotly_chart")) == 2  # the teaser and the open tab's jet images
    assert experiments.is_cached(OVERVIEW, config)


def test_a_reference_sample_too_large_is_a_message_not_a_traceback(app_path, tmp_cache):
    if "reference" not in available_sources():
        pytest.skip("no reference sample shipped")
    at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
    at.query_params["jet_source"] = "reference"
    at.query_params["jets_per_class"] = "50000"
    at.run()
    assert not at.exception, at.exception
    assert any("more than the" in e.value for e in at.error)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric if "mean mass" in m.label}


def test_upload_your_own_jets_round_trips_the_download(app_path, tmp_cache):
    """The download of the jets shown, uploaded as JetNet arrays, gives the same figures and numbers; a bad file is
    one message."""
    from ganplify_core.jets.experiment import FILE_OVERVIEW, shown_jets_npz

    config = JetOverviewConfig(n=1000)
    at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
    at.query_params["jets_per_class"] = "1000"
    at.run()
    _finish_job(at, config)
    shown = _metrics(at)
    assert len(shown) == 3, shown
    assert any("Your own jets" in s.value for s in at.subheader)

    at.selectbox(key="home.upload_format").set_value("toptagging").run()
    at.file_uploader(key="home.upload").set_value(("notes.h5", b"not an HDF5 file at all", "application/x-hdf5")).run()
    assert not at.exception, at.exception
    assert any("notes.h5 is not an HDF5 file" in e.value for e in at.error), [e.value for e in at.error]

    data = shown_jets_npz(config)  # what the page's download button serves
    at.selectbox(key="home.upload_format").set_value("jetnet").run()
    at.file_uploader(key="home.upload").set_value(("jets-toy.npz", data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    jobs_done = jobs.find(FILE_OVERVIEW, FILE_OVERVIEW.config_type(digest=hashlib.sha256(data).hexdigest(),
                                                                    file_name="jets-toy.npz", format="jetnet"))
    if jobs_done is not None:
        assert jobs_done.wait(TIMEOUT) and jobs_done.state == jobs.DONE, jobs_done.error
        at.run()
    labels = [m.label for m in at.metric if "mean mass" in m.label]
    assert len(labels) == 6, labels  # the built-in classes, then the same classes read back from the file
    values = [m.value for m in at.metric if "mean mass" in m.label]
    assert values[3:] == values[:3], values  # the same jets: the same mean masses
    assert any("--input jets-toy.npz --format jetnet" in c.value for c in terminal_lines(at))
    assert len(at.get("plotly_chart")) == 3  # the teaser, the built-in jets' images, the file's


def test_rows_link_to_their_pages_and_the_gan_claim_carries_its_interval(app_path, tmp_cache):
    from app_pages import PAGES

    from ganplify_core.amplify.experiment import AMPLIFY, AmplifyConfig

    at = AppTest.from_file(app_path("views/home.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    links = " ".join(m.value for m in at.markdown)
    for file, url_path in PAGES[1:]:
        assert f"](/{url_path})" in links, (file, url_path)
    claim = next(c.value for c in at.caption if "GAN trained on 100 points" in c.value)
    result = experiments.cached_result(AMPLIFY, AmplifyConfig())
    if result is None or "amplification_of_mean_mse_ci95" not in AMPLIFY.to_json(result).get("gan", {}):
        assert claim.startswith("Can a GAN trained on 100 points be worth more"), claim
    else:
        low, high = AMPLIFY.to_json(result)["gan"]["amplification_of_mean_mse_ci95"]
        assert f"95 % CI {low:.2f}–{high:.2f}" in claim, claim
        assert ("more than its training points" in claim) == (low > 1) or "not clearly" in claim
