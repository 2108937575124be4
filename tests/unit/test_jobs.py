"""The job runner and the experiment contract: single flight, queue, cancel, failure, cross-process lock."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import threading
import time

import pytest

from ganplify_core import experiments, jobs, params
from ganplify_core.errors import InputError
from ganplify_core.params import param


@dataclasses.dataclass(frozen=True)
class SleepConfig(params.Config):
    seconds: float = param(0.2, lo=0.0, hi=30.0, unit="s", help="how long the job works")
    fail: bool = param(False, help="raise instead of returning")
    tag: int = param(0, lo=0, hi=1000, help="makes a distinct key")


CALLS: list[SleepConfig] = []


def _sleep(config: SleepConfig, progress) -> dict:
    CALLS.append(config)
    steps = 20
    for i in range(steps):
        time.sleep(config.seconds / steps)
        progress((i + 1) / steps, f"step {i + 1}/{steps}")
    if config.fail:
        raise RuntimeError("the model diverged")
    return {"slept": config.seconds, "tag": config.tag}


SLEEP = experiments.Experiment(name="test-sleep", config_type=SleepConfig, compute=_sleep, to_json=dict,
                               estimate_seconds=lambda c: c.seconds, label="Sleeping")


@pytest.fixture
def runner(tmp_cache):
    CALLS.clear()
    experiments.forget_memory()
    return jobs.JobRunner(workers=1)


def test_identical_settings_share_one_job_and_one_computation(runner):
    config = SleepConfig(seconds=0.3)
    first, second = runner.submit(SLEEP, config, owner="a"), runner.submit(SLEEP, config, owner="b")
    assert first is second and first.owners == {"a", "b"}
    assert first.wait(10) and first.state == jobs.DONE
    assert len(CALLS) == 1
    assert experiments.is_cached(SLEEP, config)
    assert experiments.cached_result(SLEEP, config) == {"slept": 0.3, "tag": 0}


def test_queue_positions_and_progress(runner):
    running = runner.submit(SLEEP, SleepConfig(seconds=1.0, tag=1))
    waiting = [runner.submit(SLEEP, SleepConfig(seconds=0.1, tag=t)) for t in (2, 3)]
    time.sleep(0.3)
    assert running.state == jobs.RUNNING and running.queue_position == 0
    assert [job.queue_position for job in waiting] == [1, 2]
    assert 0 < running.fraction < 1 and running.message.startswith("step")
    assert running.elapsed > 0 and running.seconds_left > 0
    assert all(job.wait(10) for job in waiting) and all(job.state == jobs.DONE for job in waiting)


def test_cancel_stops_only_when_no_session_wants_it(runner):
    job = runner.submit(SLEEP, SleepConfig(seconds=3.0, tag=4), owner="a")
    runner.submit(SLEEP, SleepConfig(seconds=3.0, tag=4), owner="b")
    time.sleep(0.3)
    job.cancel(owner="a")
    time.sleep(0.3)
    assert job.state == jobs.RUNNING, "another session still waits for it"
    job.cancel(owner="b")
    assert job.wait(5) and job.state == jobs.CANCELLED
    assert not experiments.is_cached(SLEEP, SleepConfig(seconds=3.0, tag=4)), "nothing half-done is stored"


def test_a_queued_job_cancels_at_once(runner):
    runner.submit(SLEEP, SleepConfig(seconds=1.0, tag=5))
    queued = runner.submit(SLEEP, SleepConfig(seconds=1.0, tag=6), owner="a")
    queued.cancel(owner="a")
    assert queued.state == jobs.CANCELLED and queued.queue_position == 0


def test_a_failed_job_reports_and_the_worker_goes_on(runner):
    failed = runner.submit(SLEEP, SleepConfig(seconds=0.05, fail=True))
    assert failed.wait(5) and failed.state == jobs.FAILED and "diverged" in failed.error
    again = runner.submit(SLEEP, SleepConfig(seconds=0.05, tag=7))
    assert again.wait(5) and again.state == jobs.DONE


def test_invalid_settings_are_refused_before_queueing(runner):
    with pytest.raises(InputError, match="seconds=99"):
        runner.submit(SLEEP, SleepConfig(seconds=99.0))


def test_run_is_single_flight_across_threads(tmp_cache):
    """Two callers of experiments.run with the same settings (two processes' worth of lock): one computation."""
    CALLS.clear()
    experiments.forget_memory()
    config = SleepConfig(seconds=0.5, tag=8)
    results = []
    threads = [threading.Thread(target=lambda: results.append(experiments.run(SLEEP, config))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(CALLS) == 1 and results[0] == results[1]


def test_two_cli_processes_compute_once(tmp_cache, tmp_path):
    trace = tmp_path / "trace.log"
    command = [sys.executable, "-m", "ganplify_core", "amplify", "--n-train", "40", "--seeds", "1", "--steps", "200",
               "--max-generated", "10000", "--method", "kde,gan", "--json"]
    env = {**__import__("os").environ, "GANPLIFY_TRACE_FILE": str(trace), "GANPLIFY_CACHE_DIR": str(tmp_cache)}
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    second = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    assert json.loads(outputs[0][0]) == json.loads(outputs[1][0])
    assert trace.read_text().count("compute amplify") == 1


def test_results_held_in_memory_are_bounded_in_bytes(tmp_cache, monkeypatch):
    import numpy as np

    monkeypatch.setenv("GANPLIFY_RESULTS_MEMORY_MB", "3")
    experiments.forget_memory()
    for tag in range(5):
        experiments._remember(f"key{tag}", {"x": np.zeros(2**17)})  # 1 MB each
    assert experiments.held_bytes() <= 3 * 2**20
    assert experiments._recall("key4") is not None and experiments._recall("key0") is None
    experiments._remember("huge", {"x": np.zeros(2**20)})  # 8 MB: never held
    assert experiments._recall("huge") is None and experiments._recall("key4") is not None
    experiments.forget_memory()


NICENESS_SEEN: list[int] = []


def _record_niceness(config: SleepConfig, progress) -> dict:
    from ganplify_core.threads import niceness

    NICENESS_SEEN.append(niceness())
    return {"tag": config.tag}


NICE = experiments.Experiment(name="test-niceness", config_type=SleepConfig, compute=_record_niceness,
                              to_json=dict, estimate_seconds=lambda c: 0.1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux only")
def test_jobs_run_below_the_pages_priority(runner):
    from ganplify_core.threads import niceness

    before = niceness()
    job = runner.submit(NICE, SleepConfig(tag=7))
    assert job.wait(10) and job.state == jobs.DONE, job.error
    assert NICENESS_SEEN[-1] >= jobs.JOB_NICENESS > before, "the job's thread runs at a lower priority"
    assert niceness() == before, "the thread that submitted it (a page's script run) keeps its priority"
