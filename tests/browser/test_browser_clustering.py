"""Browser test of the clustering page's CSV upload: a real file through the real uploader widget.

Same rules as ``tests/browser/conftest.py`` (whose server fixture and helpers it uses): skipped without
Debian's Chromium and the playwright package, unless ``GANPLIFY_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

from harness import ARTIFACTS, PAGE_TIMEOUT_MS, wait_for_script


def _wait_for_page(page) -> None:
    """The title first (a cold start on a busy machine can take a minute), then the script's end."""
    page.get_by_role("heading", name="Clustering & UMAP").first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(page)


def _upload(page, path) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    page.wait_for_timeout(1500)  # the upload round-trip starts a rerun
    _wait_for_page(page)


def test_clustering_page_uploads_a_csv_reports_bad_files_and_clusters_a_good_one(browser_page, tmp_path):
    base, page = browser_page
    page.goto(f"{base}/clustering?dataset=upload", timeout=PAGE_TIMEOUT_MS)
    _wait_for_page(page)
    page.wait_for_selector("[data-testid='stFileUploader']", state="visible", timeout=PAGE_TIMEOUT_MS)

    bad = tmp_path / "holes.csv"
    bad.write_text("a,b\n" + "1,2\n" * 15 + "3,\n")
    _upload(page, bad)
    error = page.locator("[data-testid='stAlertContentError']")
    error.first.wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    assert "NaN (empty or non-numeric cells) in column(s) 'b'" in error.first.inner_text()

    good = tmp_path / "mine.csv"
    good.write_text("x,y\n" + "\n".join(f"{i % 4 + 10 * (i % 2)},{i // 4}" for i in range(40)) + "\n")
    _upload(page, good)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    page.get_by_text("mine.csv: 40 points, 2 features").wait_for(state="visible", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=PAGE_TIMEOUT_MS)
    page.screenshot(path=str(ARTIFACTS / "clustering-upload.png"), full_page=True)
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.first.inner_text()
