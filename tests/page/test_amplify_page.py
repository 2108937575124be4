"""The GAN amplification page: default view from the shipped result, and one small training run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ganplify_core import cache, experiments, jobs
from ganplify_core.amplify.experiment import AMPLIFY, DEFAULT_CONFIG, AmplifyConfig

TIMEOUT = 240


def test_default_view_shows_the_shipped_amplification(app_path, tmp_cache):
    path = experiments.shipped_path(AMPLIFY, DEFAULT_CONFIG)
    assert path.exists(), "the page's default is not shipped: make assets (or amplify --save-asset)"
    shipped = cache.load(path)
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    charts = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert len(charts) >= 5  # MSE, density, replay, amplification vs step, losses
    assert any('"frames"' in spec and "Training replay" in spec for spec in charts), "the training replay"
    presets = [b.label for b in at.button if b.key and b.key.startswith("preset.")]
    assert len(presets) == 3 and any("paper" in label for label in presets)
    gan_metric = [m for m in at.metric if m.label.startswith("GAN")]
    assert gan_metric and gan_metric[0].value.startswith(f"{shipped.amplification['gan'].mean():.2f}")
    summary = shipped.summary()
    lo, hi = summary["gan"]["amplification_of_mean_mse_ci95"]
    headline = [m.value for m in at.markdown if "95 % CI" in m.value and "sign-test p" in m.value]
    assert headline and f"[{lo:.2f}, {hi:.2f}]" in headline[0], "the headline shows the interval and the test"
    assert any("chosen" in e.label for e in at.expander), "the selection of the GAN's settings is stated"
    assert not list(tmp_cache.rglob("*.npz")), "the default view must not train"


SMALL = {"distribution": "ring", "n_train": "40", "n_seeds": "1", "steps": "2000", "width": "64",
         "depth": "3", "max_generated": "100000"}


def test_small_training_run_from_the_button(app_path, tmp_cache):
    config = AmplifyConfig(distribution="ring", dim=2, n_train=40, n_seeds=1, steps=2000, max_generated=100_000)
    assert AMPLIFY.estimate_seconds(config) > 5, "this test needs settings that are not started without a press"
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT)
    for key, value in SMALL.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    assert at.get("plotly_chart"), "a preview chart before training"
    assert any("Train and compare" in info.value for info in at.info)
    assert not list(tmp_cache.rglob("*.npz")) and jobs.find(AMPLIFY, config) is None, "nothing starts without a press"
    next(b for b in at.button if b.label == "Train and compare").click().run()
    assert not at.exception, at.exception
    job = jobs.find(AMPLIFY, config)
    assert job is not None and job.wait(TIMEOUT) and job.state == jobs.DONE, job and job.error
    at.run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) >= 5  # density, ring scatter, MSE, amplification vs step, losses
    assert [m for m in at.metric if m.label.startswith("GAN")]
    assert list(tmp_cache.rglob("*.npz")), "the result is cached on disk"


def test_uploaded_samples_are_scored_on_the_mse_plot(app_path, tmp_cache):
    import io

    import numpy as np

    from ganplify_core.amplify.distributions import get_distribution

    points = get_distribution("camelback", 1, 10).sample(5000, np.random.default_rng(0))
    buffer = io.BytesIO()
    np.savez(buffer, samples=points)
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT).run()
    upload = at.file_uploader(key="gan_amplification.upload")
    upload.set_value(("mine.npz", buffer.getvalue(), "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert any("Your 5,000 points" in m.value for m in at.markdown)
    assert any("your samples (5,000)" in chart.proto.spec for chart in at.get("plotly_chart"))
    at.file_uploader(key="gan_amplification.upload").set_value(("mine.npy", b"not numpy", "application/octet-stream")).run()
    assert not at.exception, at.exception
    assert any("not a .npy file" in e.value for e in at.error)
    assert len(at.get("plotly_chart")) >= 4, "a bad file costs only its own message"


def test_a_preset_sets_the_widgets_and_starts_nothing(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT).run()
    at.button(key="preset.gan_amplification.fails").click().run()
    assert not at.exception, at.exception
    fails = next(p for p in AMPLIFY.presets if p.key == "fails").config
    query = {key: at.query_params[key] for key in ("distribution", "shell_dim", "n_seeds")}
    assert {k: v[0] if isinstance(v, list) else v for k, v in query.items()} == {
        "distribution": "shell", "shell_dim": "5", "n_seeds": str(fails.n_seeds)}
    assert any("Train and compare" in info.value for info in at.info), "a preset that is not shipped waits for the press"
    assert jobs.find(AMPLIFY, fails) is None


def test_lecture_mode_folds_the_prose_and_keeps_every_chart(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=TIMEOUT)
    at.query_params["lecture"] = "1"
    at.run()
    assert not at.exception, at.exception
    assert {"What this page shows", "What to notice"} <= {e.label for e in at.expander}
    charts = [chart.proto.spec for chart in at.get("plotly_chart")]
    assert len(charts) >= 5 and any('"frames"' in spec for spec in charts)
