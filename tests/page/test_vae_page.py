"""The VAE latent explorer page: first load, a small sweep pressed and explored, links old and bad."""

from __future__ import annotations

import json
import shlex

from app_pages import terminal_lines
from streamlit.testing.v1 import AppTest

from ganplify_core import cli, experiments, jobs
from ganplify_core.vae import cli as vae_cli
from ganplify_core.vae.experiment import CORRDIM, VAE_SWEEP, CorrdimConfig, VaeConfig, dataset_grid

PAGE = "views/vae_latent.py"
TIMEOUT = 240

# A link as the page wrote it before the experiment contract (every URL key it had).
OLD_LINK = {"dataset": "manifold", "manifold": "sheet", "intrinsic_dim": "1", "noise": "0.02", "process": "w",
            "n": "600", "n_corrdim": "300", "beta_min": "0.05", "beta_max": "1.0", "n_betas": "4",
            "steps_per_beta": "500", "latent_dim": "3", "seed": "4"}
OLD_CONFIG = VaeConfig(intrinsic_dim=1, noise=0.02, n=600, beta_min=0.05, beta_max=1.0, n_betas=4, steps_per_beta=500,
                       latent_dim=3, seed=4)


def open_page(app_path, query=None, timeout=TIMEOUT):
    at = AppTest.from_file(app_path(PAGE), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def computed(trace) -> list[str]:
    return trace.read_text().split("\n") if trace.exists() else []


def test_default_page_shows_data_and_correlation_dimension(app_path, tmp_cache):
    at = open_page(app_path)
    assert not at.exception, [e.value for e in at.exception]
    corrdim = jobs.find(CORRDIM, CorrdimConfig())
    if experiments.shipped_path(CORRDIM, CorrdimConfig()).exists():  # made by `make assets`: read, not computed
        assert corrdim is None
    else:
        assert corrdim is not None, "Euclidean distances of 1 000 points are quick: they start without a press"
        assert corrdim.wait(TIMEOUT) and corrdim.state == jobs.DONE, corrdim.error
    assert jobs.find(VAE_SWEEP, VaeConfig()) is None, "the sweep (estimated above 5 s) waits for the press"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) >= 2  # data preview + dimensionality
    assert [m for m in at.metric if m.label.startswith("dim(Q)")]
    if experiments.shipped_path(VAE_SWEEP, VaeConfig()).exists():  # made by `make assets`: shown at once
        assert [m for m in at.metric if m.label.startswith("D(β)")], "the shipped sweep is shown with nothing pressed"
        assert len(at.get("plotly_chart")) >= 6 and jobs.find(VAE_SWEEP, VaeConfig()) is None
    else:
        assert any("Train the β sweep" in info.value and "on this server" in info.value for info in at.info), \
            "the time the sweep will take is said before the press"
    labels = [b.label for b in at.button]
    for label in ("The paper's setting", "A 30-second demo", "Where it fails"):
        assert any(text.startswith(label) for text in labels), labels


def test_choosing_jets_sets_the_jets_beta_grid(app_path, tmp_cache):
    """Issue 13: jets do not keep the manifolds' β grid (0.01-2, where most β collapse)."""
    at = open_page(app_path)
    fields = ("beta_min", "beta_max", "n_betas", "steps_per_beta")
    grid = lambda: {name: at.session_state[f"vae_latent.{name}"] for name in fields}  # noqa: E731
    assert grid() == dataset_grid("manifold")
    at.radio(key="vae_latent.dataset").set_value("jets").run()
    assert not at.exception, [e.value for e in at.exception]
    assert grid() == dataset_grid("jets") != dataset_grid("manifold")
    at.radio(key="vae_latent.dataset").set_value("manifold").run()
    assert grid() == dataset_grid("manifold")


def test_old_link_press_wait_explore_without_retraining(app_path, tmp_cache, tmp_path, monkeypatch):
    trace = tmp_path / "computations.log"
    monkeypatch.setenv("GANPLIFY_TRACE_FILE", str(trace))
    assert VAE_SWEEP.estimate_seconds(OLD_CONFIG) > 5, "this test needs settings that do not start without a press"
    at = open_page(app_path, OLD_LINK)
    assert not at.exception, [e.value for e in at.exception]
    assert not [i for i in at.info if "Link parameter" in i.value], "every key of an old link is still read"
    assert jobs.find(VAE_SWEEP, OLD_CONFIG) is None, "nothing trains without a press"

    next(b for b in at.button if b.label == "Train the β sweep").click().run()
    assert not at.exception, [e.value for e in at.exception]
    job = jobs.find(VAE_SWEEP, OLD_CONFIG)
    assert job is not None, "the press submits the sweep of the link's settings"
    assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
    corrdim = jobs.find(CORRDIM, CorrdimConfig(intrinsic_dim=1, noise=0.02, n=300, seed=4))
    assert corrdim is not None and corrdim.wait(TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # data, dimensionality, KL curves, KL animation, latent scatter, traversal (the explorer's tab is open)
    assert len(at.get("plotly_chart")) == 6
    metrics = [(m.label, m.value) for m in at.metric]
    assert any(label.startswith("D(β)") for label, _ in metrics)
    assert sum(" compute vae" in line for line in computed(trace)) == 1

    # the other tab draws the prior samples and the reconstructions instead (charts wait for their tab)
    at.session_state["vae_latent.view"] = "samples"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    titles = " ".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert "Decoded prior samples" in titles and "Decoded traversals" not in titles
    assert len(at.get("plotly_chart")) == 6
    at.session_state["vae_latent.view"] = "explorer"
    at.run()
    # the traversal is drawn flat (no WebGL: the slowest chart to appear) until the 3D view is asked for
    [traversal] = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Decoded traversals" in c.proto.spec]
    assert {t["type"] for t in traversal["data"]} == {"scatter"}
    at.toggle(key="vae_latent.traversal_3d").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    [traversal] = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Decoded traversals" in c.proto.spec]
    assert {t["type"] for t in traversal["data"]} == {"scatter3d"}
    assert at.query_params["traversal_3d"] == "1", "kept in the link"

    # plot-only widgets: what to colour by, which β to decode with; neither retrains
    at.selectbox[0].select(at.selectbox[0].options[-1]).run()
    at.select_slider[0].set_value(0).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [(m.label, m.value) for m in at.metric] == metrics
    assert sum(" compute vae" in line for line in computed(trace)) == 1, "a plot option never retrains"
    assert not jobs.active()

    # the terminal lines rebuild the configs the page ran
    code = next(c.value for c in terminal_lines(at) if "ganplify_core vae" in c.value)
    vae_line, corrdim_line = code.splitlines()
    parser = cli.build_parser()
    assert vae_cli.vae_config(parser.parse_args(shlex.split(vae_line)[3:])) == OLD_CONFIG
    rebuilt = parser.parse_args(shlex.split(corrdim_line)[3:])
    from ganplify_core import params
    assert params.config_from_args(CorrdimConfig, rebuilt) == CorrdimConfig(intrinsic_dim=1, noise=0.02, n=300, seed=4)


def test_bad_link_value_is_a_notice_not_a_crash(app_path, tmp_cache):
    at = open_page(app_path, {"beta_min": "0.5", "beta_max": "0.1"})
    assert not at.exception
    assert at.error and "beta_min" in at.error[0].value, "beta_min > beta_max must be reported as an error"
    at = open_page(app_path, {"n": "99999999", "noise": "nan", "n_betas": "-3"})
    assert not at.exception
    notices = " ".join(i.value for i in at.info)
    assert "Link parameter n ignored" in notices and "noise" in notices and "n\\_betas" in notices  # Markdown-escaped


def test_jets_first_load_previews_without_computing(app_path, tmp_cache):
    at = open_page(app_path, {"dataset": "jets", "n": "300"})
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) >= 1  # the jets preview
    assert {name: at.session_state[f"vae_latent.{name}"] for name in dataset_grid("jets")} \
        == dataset_grid("jets"), "a jets link without a grid gets the jets' grid"
    config = VaeConfig(dataset="jets", n=300, **dataset_grid("jets"))
    assert jobs.find(CORRDIM, CorrdimConfig(dataset="jets")) is None, "exact EMDs wait for the press"
    assert jobs.find(VAE_SWEEP, config) is None
    prompts = [i.value for i in at.info if "Train the β sweep" in i.value]
    assert len(prompts) == 2 and all("on this server" in p for p in prompts), prompts


def test_circle_failure_and_fix_side_by_side(app_path, tmp_cache):
    """Issue 14.4: the circle's Gaussian sweep and the periodic one are trained on one press and shown together."""
    link = {"dataset": "manifold", "manifold": "circle", "n": "300", "n_corrdim": "300", "beta_min": "0.05",
            "beta_max": "1.0", "n_betas": "3", "steps_per_beta": "30", "latent_dim": "2", "seed": "3"}
    at = open_page(app_path, link)
    assert not at.exception, [e.value for e in at.exception]
    next(b for b in at.button if b.label == "Train the β sweep").click().run()
    gaussian = VaeConfig(manifold="circle", n=300, beta_min=0.05, beta_max=1.0, n_betas=3, steps_per_beta=30,
                         latent_dim=2, seed=3)
    for config in (gaussian, gaussian.replace(latent_kind="periodic")):
        job = jobs.find(VAE_SWEEP, config)
        assert job is not None, f"the press trains the {config.latent_kind} sweep too"
        assert job.wait(TIMEOUT) and job.state == jobs.DONE, job.error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    assert any(label.startswith("gaussian: active latents") for label in labels), labels
    assert any(label.startswith("periodic: active latents") for label in labels), labels
    # the periodic sweep in the explorer (already trained: the press reads it back)
    at.radio(key="vae_latent.latent_kind").set_value("periodic")
    next(b for b in at.button if b.label == "Train the β sweep").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(label.startswith("periodic: active latents") for label in [m.label for m in at.metric])
    angle = [s for s in at.slider if s.label == "z1 (S¹)"]
    assert not angle or abs(angle[0].max - 3.14159) < 1e-3, "an active angle is traversed over (−π, π)"


def test_your_jets_file_trains_the_vae_on_the_page(app_path, tmp_cache):
    """Issue 15.3: jets → "your jets file" → upload a JetNet .npz → choose a class → a result, no exception."""
    from ganplify_core.jets import files, get_jets

    data = files.jets_to_npz({"qcd": get_jets("qcd", 60, seed=1), "top": get_jets("top", 320, seed=2)})
    link = {"dataset": "jets", "n": "300", "n_corrdim": "100", "beta_min": "0.01", "beta_max": "0.1", "n_betas": "3",
            "steps_per_beta": "20", "latent_dim": "2"}
    at = open_page(app_path, link)
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key="vae_latent.jets_source").set_value(files.SOURCE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "at most 20 MB" in at.file_uploader(key="vae_latent.jets_upload").label
    assert any("Upload jets as the top-tagging reference dataset" in i.value for i in at.info)
    at.file_uploader(key="vae_latent.jets_upload").set_value(("bad.npz", b"PK\x03\x04 not a zip", "application/zip")).run()
    assert not at.exception and at.error, "a broken file is one message"
    at.file_uploader(key="vae_latent.jets_upload").set_value(("mine.npz", data, "application/zip")).run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="vae_latent.jets_class").set_value("top").run()
    assert not at.exception, [e.value for e in at.exception]
    digest = files.upload_digest(data)
    config = VaeConfig(dataset="jets", source=files.SOURCE, jets_digest=digest, jets_name="mine.npz",
                       jets_format="jetnet", jets_class="top", n=300, beta_min=0.01, beta_max=0.1, n_betas=3,
                       steps_per_beta=20, latent_dim=2)
    if jobs.find(VAE_SWEEP, config) is None:
        next(b for b in at.button if b.label == "Train the β sweep").click().run()
        assert not at.exception, [e.value for e in at.exception]
    job = jobs.find(VAE_SWEEP, config)
    assert job is not None and job.wait(TIMEOUT) and job.state == jobs.DONE, job and job.error
    corrdim = jobs.find(CORRDIM, CorrdimConfig(dataset="jets", source=files.SOURCE, jets_digest=digest,
                                               jets_name="mine.npz", jets_format="jetnet", jets_class="top", n=100))
    assert corrdim is not None and corrdim.wait(TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert [m for m in at.metric if m.label.startswith("D(β)")]
    assert len(at.get("plotly_chart")) >= 5  # data, dimensionality, KL curves and animation, latent scatter
    assert any("--dataset jets" in c.value and "--jets-input mine.npz" in c.value and "--jets-class top" in c.value
               for c in terminal_lines(at))
