"""Feature ranking in a live session: press, wait, touch a plot option, rerun, open the link elsewhere;
and your own CSV with your own ONNX model through the real uploaders."""

from __future__ import annotations

import numpy as np
import pytest
from harness import (
    PAGE_TIMEOUT_MS,
    assert_no_exception,
    choose,
    choose_tab,
    computations,
    metric_values,
    open_link,
    press,
    rerun,
    screenshot,
    wait_for_no_job,
    wait_for_script,
    wait_for_text,
)

# A random forest explained on 400 rows: estimated above 5 s (the page waits for the press), about 10 s to run.
LINK = "feature_ranking?dataset=calibration&model=rf&n_rows=4000&shap_rows=400&event=2&seed=11"


def dependence_title(page) -> str:
    """The dependence plot's title (Plotly draws it as SVG text)."""
    titles = [t.text_content() or "" for t in page.locator("text.gtitle").all()]
    return next((t for t in titles if t.startswith("Dependence")), "")


def test_train_rerun_and_shared_link(server):
    page = open_link(server, LINK, "has not been trained and ranked yet", "before the press")
    assert not any("compute rank" in line for line in computations(server)), "a link alone starts nothing heavy"

    press(page, "Train and rank")
    wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    assert_no_exception(page, "after training")
    numbers = metric_values(page)
    assert len(numbers) == 3 and all(numbers), numbers  # R², RMSE, rows

    choose_tab(page, "SHAP")  # the SHAP views are drawn once their tab is chosen
    assert_no_exception(page, "after choosing the SHAP tab")
    assert "view=shap" in page.url, "the open tab is kept in the link"
    assert metric_values(page) == numbers
    assert dependence_title(page).startswith("Dependence: E_raw")
    choose(page, "Dependence plot for", "eta")  # a plot-only widget
    assert_no_exception(page, "after a plot option")
    assert dependence_title(page).startswith("Dependence: eta"), dependence_title(page)
    rerun(page)
    assert_no_exception(page, "after Rerun")
    wait_for_text(page, "What to notice")
    assert dependence_title(page).startswith("Dependence: eta")
    assert metric_values(page) == numbers
    screenshot(page, "live-ranking")

    # the same link with its tab, in another browser: read from the cache, not trained again; the SHAP tab open
    fresh = open_link(server, LINK + "&view=shap", "What to notice", "shared link")
    assert metric_values(fresh) == numbers
    fresh.wait_for_function("() => [...document.querySelectorAll('text.gtitle')]"
                            ".some(t => t.textContent.startsWith('Dependence: E_raw'))", timeout=60_000)
    assert sum("compute rank" in line for line in computations(server)) == 1
    page.context.close()
    fresh.context.close()


def _upload(page, index: int, path) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").nth(index).set_input_files(str(path))
    page.wait_for_timeout(1500)  # the upload round-trip starts a rerun
    wait_for_script(page)


def test_your_csv_and_your_onnx_model(server, tmp_path):
    """A CSV and an ONNX model (skl2onnx) uploaded in Chromium: a broken model is one message, a good one is ranked."""
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.linear_model import LinearRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = 2.0 * X[:, 0] + 0.1 * rng.normal(size=400)
    model = LinearRegression().fit(X, y)
    model.coef_[1:] = 0.0
    (tmp_path / "mine.csv").write_text("a,b,c,y\n" + "\n".join(",".join(f"{v:.6f}" for v in (*x, t)) for x, t in zip(X, y)) + "\n")
    (tmp_path / "mine.onnx").write_bytes(skl2onnx.to_onnx(model, X[:1].astype(np.float32)).SerializeToString())
    (tmp_path / "broken.onnx").write_bytes(b"not a model")

    page = server.new_page()
    page.goto(f"{server.base}/feature_ranking?dataset=upload&n_repeats=2&shap_rows=20&background_size=10",
              timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stFileUploader']", state="visible", timeout=PAGE_TIMEOUT_MS)
    _upload(page, 0, tmp_path / "mine.csv")
    _upload(page, 1, tmp_path / "broken.onnx")
    error = page.locator("[data-testid='stAlertContentError']")
    error.first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    assert "broken.onnx is not a model onnxruntime can load" in error.first.inner_text()
    assert_no_exception(page, "a broken model")

    _upload(page, 1, tmp_path / "mine.onnx")
    if page.get_by_text("has not been ranked yet").count():  # estimated above 5 s on a busy machine: press
        press(page, "Train and rank")
        wait_for_no_job(page)
    wait_for_text(page, "What to notice")
    assert_no_exception(page, "your ONNX model")
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    wait_for_text(page, "your ONNX model")
    values = metric_values(page)
    assert values and "±" in values[0], values  # test R² ± its bootstrap s.d.
    screenshot(page, "live-ranking-onnx")
    page.context.close()
