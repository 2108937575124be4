"""First views in Chromium against the floor: each page's time from its link to its first chart with data,
next to the same time for a page that draws nothing but its title and one chart, served by the same server.

The floor page is a scratch copy of the app with one extra page (``floor``: a title and a 2 000-point line),
so the floor pays everything a page of the app pays before its own content (the Streamlit client, the
WebSocket, Plotly's 4.7 MB module) and nothing else. Pages are opened ``--repeats`` times each, round robin,
in fresh browser contexts (a shared link opened cold), with ``lecture=1``; the warm server starts on an empty
disk cache with the shipped results, and each page is opened once before timing. Chromium runs on the
server's own cores, as in the browser tests.

``--returning`` opens each view in a new tab of one browser profile instead: a browser that has opened the
app before (a lecturer's), whose HTTP cache and compiled-script cache are warm; each tab is still a new
Streamlit session that reads the link.

    .venv/bin/python benchmarks/bench_first_view.py [--repeats 5] [--pages home,vae_latent] [--returning]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from app_pages import PAGES  # noqa: E402
from harness import CHROMIUM, CHROMIUM_FLAGS, VIEWPORT, _free_port, wait_until_healthy  # noqa: E402
from test_browser import CHART_WITH_DATA  # noqa: E402

FLOOR_PAGE = '''import numpy as np
import plotly.graph_objects as go
import streamlit as st

st.title("Floor")
st.plotly_chart(go.Figure(go.Scatter(x=np.arange(2000), y=np.sin(np.arange(2000) / 50))))
'''


def _scratch_app(scratch: Path) -> Path:
    """A copy of the app (symlinks to the package, pages and assets) with the floor page added."""
    app = scratch / "app"
    app.mkdir()
    for name in ("ganplify_core", "assets", ".streamlit"):
        (app / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "views", app / "views", ignore=shutil.ignore_patterns("__pycache__"))
    (app / "views" / "floor.py").write_text(FLOOR_PAGE)
    source = (ROOT / "app.py").read_text()
    marker = "\n]\n"
    assert marker in source, "app.py's PAGES list has changed"
    source = source.replace(marker, '\n    st.Page("views/floor.py", title="Floor"),\n]\n', 1)
    (app / "app.py").write_text(source)
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pages", default="", help="comma-separated URL paths (home for the home page)")
    parser.add_argument("--returning", action="store_true",
                        help="new tabs of one browser profile (warm browser caches) instead of fresh contexts")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    wanted = {p for p in args.pages.split(",") if p}
    paths = ["floor"] + [path or "home" for _, path in PAGES if not wanted or (path or "home") in wanted]
    times: dict[str, list[float]] = {path: [] for path in paths}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        app = _scratch_app(scratch)
        port = _free_port()
        env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "GANPLIFY_CACHE_DIR": str(scratch / "cache"),
               "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
             str(port), "--server.address", "127.0.0.1"],
            cwd=app, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_until_healthy(base, server):
                print("the server did not start", file=sys.stderr)
                return 1
            print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at start")
            with sync_playwright() as playwright:
                if args.returning:  # one profile: each view a new tab
                    browser = playwright.chromium.launch_persistent_context(
                        scratch / "profile", executable_path=CHROMIUM, args=CHROMIUM_FLAGS, viewport=VIEWPORT)
                else:  # each view a fresh context, closed with its page
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)

                def first_view(path: str) -> float:
                    page = browser.new_page() if args.returning else browser.new_context(viewport=VIEWPORT).new_page()
                    try:
                        start = time.perf_counter()
                        page.goto(f"{base}/{'' if path == 'home' else path}?lecture=1", timeout=300_000)
                        page.wait_for_function(CHART_WITH_DATA, timeout=300_000)
                        return time.perf_counter() - start
                    finally:
                        (page if args.returning else page.context).close()

                for path in paths:  # warm: imports done, shipped results read
                    first_view(path)
                for _ in range(args.repeats):
                    for path in paths:
                        times[path].append(first_view(path))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    floor = statistics.median(times["floor"])
    how = "new tabs of one browser profile" if args.returning else "fresh browser contexts"
    print(f"load average {os.getloadavg()[0]:.1f} at the end; {args.repeats} views each in {how}, lecture=1, "
          "median (min–max)")
    print("| page | first view (s) | ÷ floor |\n|---|---:|---:|")
    for path in paths:
        median = statistics.median(times[path])
        print(f"| {path} | {median:.2f} ({min(times[path]):.2f}–{max(times[path]):.2f}) | {median / floor:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
