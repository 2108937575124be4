"""A process that exits while jobs run (a server stopped with Ctrl+C or SIGTERM) exits at once.

Each case runs a small program in a subprocess: it starts long work in a job, waits until that work has
begun, and lets its main thread end, as Streamlit's does after SIGTERM. Before the shutdown hooks, the
interpreter waited for the work to finish: loky joins its worker processes, concurrent.futures its threads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

WORK_SECONDS = 60  # what each piece of work would take if nobody stopped it
EXIT_WITHIN = 20   # the process must be gone this long after the work began

PROGRAM = textwrap.dedent('''
    import concurrent.futures, dataclasses, os, sys, time
    from pathlib import Path
    from ganplify_core import experiments, jobs, params, sweeps
    from ganplify_core.params import param

    STARTED = Path(sys.argv[2])

    def nap(seconds):  # a sweep task: one long step that never reports progress
        STARTED.touch()
        time.sleep(seconds)
        return seconds

    @dataclasses.dataclass(frozen=True)
    class Work(params.Config):
        seconds: float = param(1.0, lo=0.0, hi=600.0, unit="s", help="how long")

    def in_processes(config, progress):
        return {"done": sweeps.run_sweep(nap, [(config.seconds,)] * 2, progress)}

    def in_threads(config, progress):  # a thread pool beside the job's thread, reporting progress as it goes
        def stage():
            STARTED.touch()
            for i in range(int(config.seconds * 10)):
                time.sleep(0.1)
                progress(i / (config.seconds * 10), "working")
            return 1
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            return {"done": [f.result() for f in [pool.submit(stage), pool.submit(stage)]]}

    compute = {"processes": in_processes, "threads": in_threads}[sys.argv[1]]
    experiment = experiments.Experiment(name="test-shutdown-" + sys.argv[1], config_type=Work, compute=compute,
                                        to_json=dict, estimate_seconds=lambda c: c.seconds, label="Working")
    jobs.submit(experiment, Work(seconds=float(sys.argv[3])))
    while not STARTED.exists():
        time.sleep(0.1)
    print("started", flush=True)
''')


@pytest.mark.parametrize("where", ["processes", "threads"])
def test_a_process_exits_at_once_while_a_job_works(where, tmp_path, tmp_cache):
    started = tmp_path / "started"
    env = {**os.environ, "GANPLIFY_CACHE_DIR": str(tmp_cache), "GANPLIFY_JOBS": "2"}
    process = subprocess.Popen([sys.executable, "-c", PROGRAM, where, str(started), str(WORK_SECONDS)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.time() + 120  # worker processes import torch before the work begins
        while not started.exists() and process.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert started.exists(), process.communicate(timeout=5)
        began = time.time()
        out, err = process.communicate(timeout=WORK_SECONDS + 30)
        took = time.time() - began
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert took < EXIT_WITHIN, f"the process took {took:.1f} s to exit after its work began (work: {WORK_SECONDS} s)"
    assert "Traceback" not in err, err  # stopping the work is not an error to print
