"""A class on one server: many browser sessions across every page, some pressing heavy buttons at once.

Used by ``tests/load/test_class_load.py`` (a small class, in the suite) and ``benchmarks/bench_load.py``
(30 sessions, figures for RESULTS.md). Traffic goes to 127.0.0.1 only; every wait is bounded.

What is checked: every session is answered (its page finishes its script, and a pressing session ends
with its result), no exception box anywhere, identical settings are computed once (the server's trace of
computations), a queue position is shown while more jobs wait than the server runs at once, and the
server's resident memory (with its worker processes) is sampled throughout.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from harness import CHROMIUM, CHROMIUM_FLAGS, VIEWPORT, _free_port, wait_until_healthy  # noqa: E402

# (link, button, text shown with the result): small settings, each estimated above 5 s so they wait for a press.
PRESSES = [
    ("gan_amplification?distribution=ring&n_train=40&n_seeds=2&steps=2000&max_generated=100000&seed=11",
     "Train and compare", "What to notice"),
    ("birthday_paradox?sources=sim,gan&features=shapes&pool=2000&replications=2000&energy=100%20GeV&seed=4",
     "Estimate the supports", "Most similar pairs"),
    ("feature_ranking?dataset=calibration&model=rf&n_rows=4000&shap_rows=400&event=2&seed=11",
     "Train and rank", "What to notice"),
    ("autoencoder_roc?n_train=2000&n_test=2000&epochs=4&cut_percent=80.0",
     "Train and score", "Trained on QCD jets, looking for top jets"),
    ("vae_latent?dataset=manifold&manifold=sheet&intrinsic_dim=2&noise=0.01&n=600&n_corrdim=300"
     "&beta_min=0.02&beta_max=2.0&n_betas=4&steps_per_beta=500&latent_dim=3&seed=11",
     "Train the β sweep", "What the toy leaves out"),
]
VIEWS = ["", "gan_amplification", "birthday_paradox", "vae_latent", "clustering", "feature_ranking", "autoencoder_roc"]


@dataclasses.dataclass
class LoadReport:
    sessions: int
    pressing: int
    distinct_pressed: int
    computations: dict
    repeated: list  # experiments computed more than once for the same key
    answered: int
    exceptions: list
    queue_shown: bool
    peak_rss_mb: float
    start_rss_mb: float
    seconds: float
    slowest_answer_s: float
    unanswered: list


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (worker processes), in MB."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in children.split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_class(scratch: Path, sessions: int = 30, pressing: int = 10, timeout_s: float = 1200,
              artifacts: Path | None = None) -> LoadReport:
    """Start a server, open ``sessions`` browser sessions, ``pressing`` of them pressing; report what happened.

    Sessions still waiting at ``timeout_s`` are listed with what they showed (and screenshotted into ``artifacts``).
    """
    from playwright.sync_api import sync_playwright

    port = _free_port()
    trace = scratch / "computations.log"
    env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "GANPLIFY_CACHE_DIR": str(scratch / "cache"),
           "GANPLIFY_TRACE_FILE": str(trace)}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    peak = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_mb(server.pid))
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.time()
    try:
        if not wait_until_healthy(base, server):
            raise RuntimeError("streamlit did not start")
        start_rss = _rss_mb(server.pid)
        sampler.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            plan = []  # (page, link, button or None, result text or None)
            for i in range(sessions):
                if i < pressing:
                    link, button, text = PRESSES[i % len(PRESSES)]
                else:
                    link, button, text = VIEWS[i % len(VIEWS)], None, None
                page = browser.new_context(viewport=VIEWPORT).new_page()
                page.set_default_timeout(int(timeout_s * 1000))
                page.goto(f"{base}/{link}")
                plan.append((page, link, button, text, time.time()))
            for page, _link, button, _text, _opened in plan:  # every pressing session presses, without waiting for results
                if button:
                    page.get_by_role("button", name=button).first.click()
            queue_shown = False
            answered, exceptions, slowest = 0, [], 0.0
            pending = list(plan)
            deadline = time.time() + timeout_s
            while pending and time.time() < deadline:
                still = []
                for item in pending:
                    page, link, button, text, opened = item
                    if page.locator("[data-testid='stException']").count():
                        exceptions.append(f"{link}: {page.locator('[data-testid=stException]').first.inner_text()[:300]}")
                        continue
                    if page.locator("[data-testid='stMain']").get_by_text("queued").count():
                        queue_shown = True
                    busy = page.locator("[data-testid='stStatusWidget']").count() or \
                        page.locator("[data-testid='stProgress']").count() or \
                        not page.locator("[data-testid='stMain'] h1").count()
                    done = not busy and (text is None or page.locator("[data-testid='stMain']").get_by_text(text).count())
                    if done:
                        answered += 1
                        slowest = max(slowest, time.time() - opened)
                    else:
                        still.append(item)
                pending = still
                if pending:
                    time.sleep(2.0)
            unanswered = []
            for index, (page, link, button, text, _opened) in enumerate(pending):
                shown = "busy: the script is running" if page.locator("[data-testid='stStatusWidget']").count() else \
                    "busy: a progress bar" if page.locator("[data-testid='stProgress']").count() else \
                    "no title" if not page.locator("[data-testid='stMain'] h1").count() else f"no {text!r} on the page"
                unanswered.append(f"{link.split('?')[0] or 'home'} ({'pressed ' + button if button else 'viewing'}): {shown}")
                if artifacts is not None:
                    artifacts.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(artifacts / f"load-unanswered-{index}.png"))
            browser.close()
        lines = trace.read_text().splitlines() if trace.exists() else []
        computed = collections.Counter(line.split()[-1] for line in lines)
        # trace lines: "<time> <pid> <key> compute <experiment>"; the same key twice is the same settings computed twice
        keys = collections.Counter((line.split()[-1], line.split()[2]) for line in lines)
        repeated = sorted(f"{name} {key}" for (name, key), count in keys.items() if count > 1)
        return LoadReport(sessions=sessions, pressing=pressing, distinct_pressed=len({PRESSES[i % len(PRESSES)][0]
                                                                                     for i in range(pressing)}),
                          computations=dict(computed), repeated=repeated, answered=answered, exceptions=exceptions,
                          queue_shown=queue_shown, peak_rss_mb=peak[0], start_rss_mb=start_rss,
                          seconds=time.time() - started, slowest_answer_s=slowest, unanswered=unanswered)
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
