"""The real app in headless Chromium: one server per test module, helpers that act as a user does.

Needs Debian's ``chromium`` (``/usr/bin/chromium``, or ``$GANPLIFY_CHROMIUM``) and the ``playwright``
package (never ``playwright install``: it downloads a browser). Without them the tests are skipped,
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

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("GANPLIFY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGE_TIMEOUT_MS = int(os.environ.get("GANPLIFY_BROWSER_TIMEOUT_S", "600")) * 1000
VIEWPORT = {"width": 1400, "height": 1000}


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


def wait_until_healthy(base: str, process: subprocess.Popen, seconds: float = 60) -> bool:
    """Whether the Streamlit server at ``base`` answered its health check within ``seconds``."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{base}/_stcore/health", timeout=2)
            return True
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                return False
            time.sleep(0.5)


class Server:
    """A Streamlit server of the app on 127.0.0.1 and a Chromium that browses it."""

    def __init__(self, base: str, browser, process: subprocess.Popen):
        self.base = base
        self.browser = browser
        self.process = process

    def new_page(self, color_scheme: str = "light"):
        """A page in a fresh browser context: no cookies, no session of its own yet (a shared link); a
        ``color_scheme="dark"`` system opens the app in its dark theme."""
        context = self.browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme)
        return context.new_page()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reason = _missing_browser()
    if reason:
        if os.environ.get("GANPLIFY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    port = _free_port()
    scratch = tmp_path_factory.mktemp("server")  # an empty cache per module: what a fresh server sees
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
           "GANPLIFY_CACHE_DIR": str(scratch / "cache"), "GANPLIFY_TRACE_FILE": str(scratch / "computations.log")}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_until_healthy(base, process):
            pytest.fail("streamlit did not start:\n" + process.stdout.read().decode(errors="replace")[-3000:])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            srv = Server(base, browser, process)
            srv.trace_file = Path(env["GANPLIFY_TRACE_FILE"])
            yield srv
            browser.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser_page(server):
    """One page (the older tests' fixture): ``(base, page)``."""
    page = server.new_page()
    yield server.base, page
    page.context.close()


# -- what a user does ---------------------------------------------------------------------------------------

def wait_for_script(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until Streamlit has finished running the page's script.

    The status widget is absent both before a run starts and after it ends, so first wait for the
    page's title (drawn early by every page), then for the run to end.
    """
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stMain\"]')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(1000)  # the status widget can blink off between reruns
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms)


def assert_no_exception(page, where: str = "") -> None:
    """Fail with the text of the first exception box, if the page shows one."""
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, f"{where}: {exceptions.first.inner_text()}"
    assert "Page not found" not in page.content()


def press(page, label: str) -> None:
    """Press the button labelled ``label`` (a form's submit button or a plain one) and wait for the rerun."""
    page.get_by_role("button", name=label, exact=True).first.click()
    page.wait_for_timeout(800)
    wait_for_script(page)


def wait_for_text(page, text: str, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until ``text`` shows in the page's main area (for example a result's heading)."""
    page.locator("[data-testid='stMain']").get_by_text(text).first.wait_for(state="visible", timeout=timeout_ms)


def wait_for_no_job(page, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until no job shows (no progress bar, no queue notice): the job ended and the page reran with its result."""
    script = ("() => !document.querySelector('[data-testid=\"stProgress\"]') && "
              "!document.querySelector('[data-testid=\"stMain\"]').innerText.includes('queued')")
    page.wait_for_function(script, timeout=timeout_ms)
    page.wait_for_timeout(1500)  # the bar can blink out while the panel redraws
    page.wait_for_function(script, timeout=timeout_ms)
    wait_for_script(page)


def choose_tab(page, name: str, trace_test: str | None = None, timeout_ms: int = 60_000) -> None:
    """Choose the tab ``name`` and wait for the rerun that draws it; with ``trace_test`` (a JavaScript test of a
    Plotly trace ``t``), also wait for a chart with such a trace."""
    page.get_by_role("tab", name=name).first.click()
    if trace_test:
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                               f".some(p => p.data && p.data.some(t => {trace_test}))", timeout=timeout_ms)
    page.wait_for_timeout(800)
    wait_for_script(page)


def rerun(page) -> None:
    """What the *Rerun* menu entry does: press R with the focus on the page."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("r")
    page.wait_for_timeout(800)
    wait_for_script(page)


def metric_values(page) -> list[str]:
    """The values of every ``st.metric`` on the page, in order (to compare two views of one result)."""
    return [m.inner_text() for m in page.locator("[data-testid='stMetricValue']").all()]


def computations(server: Server) -> list[str]:
    """The computations the server ran so far (one line per experiment computed; see experiments.run)."""
    if not server.trace_file.exists():
        return []
    return server.trace_file.read_text().splitlines()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label`` and wait for the rerun."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    box.locator("input").first.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    wait_for_script(page)


def open_link(server: Server, link: str, text: str, where: str = "") -> object:
    """A shared link opened in a fresh browser context: wait for ``text``, fail on any exception box."""
    page = server.new_page()
    page.goto(f"{server.base}/{link}", timeout=PAGE_TIMEOUT_MS)
    wait_for_script(page)
    wait_for_text(page, text)
    wait_for_no_job(page)  # quick jobs the link starts by itself end with a rerun of the page
    assert_no_exception(page, where or link)
    assert_app_menu(page, where or link)
    return page


def assert_app_menu(page, where: str) -> None:
    """The sidebar lists the app's pages by title. (With the page files in a ``pages/`` folder, Streamlit 1.67 ran
    the first session of a server that opened a page's link as an old-style multipage app: a menu of file names
    with an "app" entry, until someone opened the home page.)"""
    entries = [entry.inner_text().strip() for entry in page.locator("[data-testid='stSidebarNav'] a").all()]
    assert any(entry.endswith("Home") for entry in entries) and "app" not in entries, (where, entries)


def selected(page, label: str) -> str:
    """The option the selectbox labelled ``label`` shows now."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text=label).first
    return box.locator("input").first.input_value()
