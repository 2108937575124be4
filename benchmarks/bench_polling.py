"""A running job and the sessions around it: how fast a page opens beside it, and what watching it costs.

A class is many sessions waiting on few jobs. Each trial opens a small GAN setting's link (about 2 minutes
alone; a fresh seed each trial, so nothing is cached) and times its first view with the server idle (the
baseline), presses *Train and compare*, then opens ``--watchers`` more sessions on the same link one by one
while the job runs, timing each until it shows the job's progress (the ratio: opened beside the job / idle).
Once every watcher shows the panel it samples for 10 s the server process's CPU use and Chromium's, then the
job's own time (from its start in the
server's trace to its result in the disk cache). A trial without watchers, alternating, is the baseline for
the CPU figures. Chromium runs on the server's cores, as in the load test; in a lecture hall the browsers are
the students' machines, so the server's CPU is the figure that transfers.

    .venv/bin/python benchmarks/bench_polling.py [--watchers 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from harness import CHROMIUM, CHROMIUM_FLAGS, VIEWPORT, _free_port, wait_for_script, wait_until_healthy  # noqa: E402

LINK = "gan_amplification?distribution=ring&n_train=40&n_seeds=10&steps=5000&max_generated=100000&seed={seed}"
BUTTON, RESULT_TEXT = "Train and compare", "What to notice"
TICKS = os.sysconf("SC_CLK_TCK")
WINDOW_S = 10.0  # the steady-state window in which CPU use is sampled


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _chromium_cpu_seconds() -> float:
    """CPU seconds of every live Chromium process (this benchmark's browser is the only one it starts)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("chrom"):
                    total += _cpu_seconds(int(entry.name))
            except (OSError, IndexError, ValueError):
                pass
    return total


def _open(browser, link: str):
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.set_default_timeout(240_000)
    page.goto(link)
    return page


def _trial(browser, base: str, seed: int, watchers: int, cache: Path, trace: Path, server_pid: int) -> dict:
    link = f"{base}/{LINK.format(seed=seed)}"
    opened = time.perf_counter()
    presser = _open(browser, link)
    wait_for_script(presser)  # a press during the page's first run can be lost
    idle_open = time.perf_counter() - opened - 1.0  # wait_for_script waits 1 s for a blink of the status widget
    presser.get_by_role("button", name=BUTTON).first.click()
    presser.locator("[data-testid='stProgress']").first.wait_for()
    pages, busy_opens = [], []
    for number in range(watchers):
        opened = time.perf_counter()
        page = _open(browser, link)
        try:
            page.locator("[data-testid='stProgress']").first.wait_for()
        except Exception:
            page.screenshot(path=str(Path(tempfile.gettempdir()) / "bench_polling_watcher.png"), full_page=True)
            raise SystemExit(f"watcher {number} never showed the job's progress (screenshot in the temp folder)") from None
        busy_opens.append(time.perf_counter() - opened)
        pages.append(page)
    # The steady state: every watcher shows the panel, the job still runs.
    server_cpu, chromium_cpu, window = _cpu_seconds(server_pid), _chromium_cpu_seconds(), time.time()
    time.sleep(WINDOW_S)
    answered = presser.locator("[data-testid='stMain']").get_by_text(RESULT_TEXT).count()
    window = time.time() - window
    server_cpu, chromium_cpu = _cpu_seconds(server_pid) - server_cpu, _chromium_cpu_seconds() - chromium_cpu
    presser.locator("[data-testid='stMain']").get_by_text(RESULT_TEXT).first.wait_for()
    started = [float(line.split()[0]) for line in trace.read_text().splitlines() if line.endswith(" compute amplify")][-1]
    finished = max(p.stat().st_mtime for p in cache.rglob("*") if p.is_file())
    for page in [presser, *pages]:
        page.context.close()
    if answered:
        raise SystemExit(f"the job ended within the {WINDOW_S} s window: use a longer setting")
    return {"watchers": watchers, "job_s": finished - started, "idle_open_s": idle_open,
            "busy_open_s": statistics.median(busy_opens) if busy_opens else None,
            "server_cores": server_cpu / window, "chromium_cores": chromium_cpu / window}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watchers", type=int, default=10, help="sessions watching the job's progress (1–30)")
    parser.add_argument("--repeats", type=int, default=3, help="trials of each kind, alternating (1–10)")
    args = parser.parse_args()
    if not (1 <= args.watchers <= 30 and 1 <= args.repeats <= 10):
        parser.exit(2, "--watchers must be 1–30 and --repeats 1–10\n")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="ganplify-polling-") as scratch:
        cache, trace = Path(scratch) / "cache", Path(scratch) / "trace.log"
        port = _free_port()
        env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "GANPLIFY_CACHE_DIR": str(cache),
               "GANPLIFY_TRACE_FILE": str(trace)}
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                   "--server.port", str(port), "--server.address", "127.0.0.1",
                                   "--server.fileWatcherType", "none"],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_until_healthy(base, server):
                raise SystemExit("streamlit did not start")
            rows = []
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                _trial(browser, base, 100, 0, cache, trace, server.pid)  # warm-up: imports, compiled code
                for _repeat in range(args.repeats):
                    for watchers in (0, args.watchers):
                        row = _trial(browser, base, 101 + len(rows), watchers, cache, trace, server.pid)
                        rows.append(row)
                        busy = f"{row['busy_open_s']:.1f} s" if row["busy_open_s"] else "-"
                        print(f"watchers {row['watchers']:>2}: job {row['job_s']:6.1f} s; page opened idle "
                              f"{row['idle_open_s']:.1f} s, beside the job {busy}; in the window: server "
                              f"{row['server_cores']:.2f} cores, Chromium {row['chromium_cores']:.2f} cores", flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    alone = [r for r in rows if r["watchers"] == 0]
    watched = [r for r in rows if r["watchers"] > 0]
    for key in ("job_s", "server_cores", "chromium_cores"):
        a, w = statistics.median(r[key] for r in alone), statistics.median(r[key] for r in watched)
        print(f"{key}: alone {a:.2f}, with {args.watchers} watchers {w:.2f} (ratio {w / a:.2f})")
    idle = statistics.median(r["idle_open_s"] for r in rows)
    busy = statistics.median(r["busy_open_s"] for r in watched)
    print(f"page opened: idle {idle:.2f} s, beside the job {busy:.2f} s (ratio {busy / idle:.2f})")
    server_extra = statistics.median(r["server_cores"] for r in watched) - statistics.median(r["server_cores"] for r in alone)
    print(f"server CPU per watching session: {1000 * server_extra / args.watchers:.0f} ms per second")


if __name__ == "__main__":
    main()
