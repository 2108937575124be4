"""Browser test: the real app in headless Chromium, every page, a chart and no exception.

Needs Debian's ``chromium`` (``/usr/bin/chromium``, or ``$GANPLIFY_CHROMIUM``) and the ``playwright``
package (never ``playwright install``: it downloads a browser). Without them the test is skipped,
unless ``GANPLIFY_REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns the skip into a failure.
Screenshots go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app_pages import PAGES

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("GANPLIFY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGE_TIMEOUT_MS = 240_000


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser_page():
    reason = _missing_browser()
    if reason:
        if os.environ.get("GANPLIFY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    pytest.fail("streamlit did not start:\n" + server.stdout.read().decode(errors="replace")[-3000:])
                time.sleep(0.5)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            yield base, page
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for_script(page) -> None:
    """Wait until Streamlit has finished running the page's script.

    The status widget is absent both before a run starts and after it ends, so first wait for the
    page's title (drawn early by every page), then for the run to end.
    """
    page.wait_for_selector("[data-testid='stApp']", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stMain\"]')",
        timeout=PAGE_TIMEOUT_MS,
    )
    page.wait_for_timeout(1000)  # the status widget can blink off between reruns
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=PAGE_TIMEOUT_MS)


@pytest.mark.parametrize("page_file, url_path", PAGES, ids=[p[1] or "home" for p in PAGES])
def test_page_renders_a_chart_without_exception(browser_page, page_file, url_path):
    base, page = browser_page
    page.goto(f"{base}/{url_path}", timeout=PAGE_TIMEOUT_MS)
    _wait_for_script(page)
    page.wait_for_selector(".js-plotly-plot", state="visible", timeout=120_000)
    name = url_path or "home"
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.first.inner_text()
    assert "Page not found" not in page.content()
