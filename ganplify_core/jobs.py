"""The job runner: every computation the app starts runs here, outside Streamlit's script runs.

A page submits ``(experiment, config)``; :func:`submit` returns the :class:`Job` for its cache key,
starting one only if no job for that key is queued or running (single flight across sessions). At
most ``GANPLIFY_WORKERS`` jobs (default: the number of cores) run at once, in worker threads owned by
the server process; the rest wait in a queue whose position each job knows. A job writes its progress
(fraction done, message, elapsed time, time left from the measured rate) as it goes and its result to
the disk cache (through :func:`ganplify_core.experiments.run`) when done. It goes on when the tab
that started it closes. A session cancels a job by leaving it: the job stops (at its next progress
report) when no session that asked for it still wants it.

Nothing here imports Streamlit; ``ganplify_core.ui`` draws a job.
"""

from __future__ import annotations

import concurrent.futures.thread  # noqa: F401  its shutdown hook is registered now, so the one below runs before it
import os
import threading
import time
import traceback
from typing import Any

from ganplify_core import experiments, sweeps
from ganplify_core.errors import InputError
from ganplify_core.experiments import Experiment
from ganplify_core.threads import lower_priority

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
# Jobs run at a lower CPU priority than the pages (Linux nice +10, about a tenth of a page's share of a busy
# core): a job still takes every core that is idle, but a session's script run, the server's event loop and
# a browser on the same machine come first (benchmarks/bench_polling.py: a page opened beside a job).
JOB_NICENESS = 10
FINISHED = (DONE, FAILED, CANCELLED)
# How long a finished job is still listed (a session that asked for it reads its outcome meanwhile).
KEEP_FINISHED_SECONDS = 600.0


class JobCancelled(Exception):
    """Raised inside a job's computation (from its progress callback) when it was cancelled."""


def max_workers() -> int:
    """Heavy jobs that may run at once: ``$GANPLIFY_WORKERS`` or the number of cores."""
    value = os.environ.get("GANPLIFY_WORKERS", "")
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    return os.cpu_count() or 1


class Job:
    """One computation of one experiment for one config; shared by every session that asks for it."""

    def __init__(self, experiment: Experiment, config: Any, key: str, runner: JobRunner, fresh: bool = False):
        self.runner = runner
        self.fresh = fresh  # recompute even if a shipped result exists (it was made by older code)
        self.experiment = experiment
        self.config = config
        self.key = key
        self.state = QUEUED
        self.fraction = 0.0
        self.message = "waiting for a free worker"
        self.error: str | None = None
        self.submitted = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.estimate = float(experiment.estimate_seconds(config))
        self.owners: set[str] = set()
        self._cancel = threading.Event()
        self._done = threading.Event()

    # -- what a page reads ------------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started

    @property
    def seconds_left(self) -> float:
        """Time left: from the measured rate once a tenth is done, else from the estimate."""
        if self.state in FINISHED:
            return 0.0
        elapsed = self.elapsed
        if self.fraction >= 0.1 or (self.fraction > 0.02 and elapsed > 10):
            return elapsed * (1.0 - self.fraction) / self.fraction
        return max(self.estimate - elapsed, 0.0)

    @property
    def queue_position(self) -> int:
        """1 for the next job to start; 0 once running or finished."""
        return self.runner.position(self)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (or ``timeout`` seconds passed); whether it finished."""
        return self._done.wait(timeout)

    # -- what the worker and sessions do ----------------------------------------------------------------
    def cancel(self, owner: str | None = None) -> None:
        """Leave the job; it is cancelled once no session that asked for it wants it any more."""
        with self.runner.lock:
            if owner is not None:
                self.owners.discard(owner)
            if self.owners:
                return
            self._cancel.set()
            if self.state == QUEUED:
                self.runner.remove_queued(self)
                self._finish(CANCELLED)

    def stop(self) -> None:
        """Cancel whoever asked for it (server shutdown, tests)."""
        with self.runner.lock:
            self.owners.clear()
        self.cancel()

    def _report(self, fraction: float, message: str) -> None:
        if self._cancel.is_set():
            raise JobCancelled
        self.fraction = min(max(float(fraction), self.fraction), 1.0)
        self.message = message

    def _finish(self, state: str) -> None:
        self.state = state
        self.finished = time.time()
        self._done.set()


class JobRunner:
    """Worker threads and a queue; one instance per process (:data:`_runner`)."""

    def __init__(self, workers: int | None = None):
        self.workers = workers  # None: max_workers() at each submit
        self.lock = threading.RLock()
        self._wake = threading.Condition(self.lock)
        self._queue: list[Job] = []
        self._jobs: dict[str, Job] = {}
        self._running = 0
        self._threads: list[threading.Thread] = []

    def submit(self, experiment: Experiment, config: Any, owner: str | None = None, fresh: bool = False) -> Job:
        config.validate()
        key = experiment.key(config)
        with self.lock:
            self._forget_old()
            job = self._jobs.get(key)
            if job is None or job.state in FINISHED:  # a finished one is asked for again: its result is gone
                job = Job(experiment, config, key, self, fresh=fresh)
                self._jobs[key] = job
                if job.state == QUEUED:
                    self._queue.append(job)
                    self._ensure_workers()
                    self._wake.notify()
            if owner is not None:
                job.owners.add(owner)
            return job

    def find(self, experiment: Experiment, config: Any) -> Job | None:
        with self.lock:
            return self._jobs.get(experiment.key(config))

    def position(self, job: Job) -> int:
        with self.lock:
            return self._queue.index(job) + 1 if job in self._queue else 0

    def remove_queued(self, job: Job) -> None:
        with self.lock:
            if job in self._queue:
                self._queue.remove(job)

    def active(self) -> list[Job]:
        with self.lock:
            return [j for j in self._jobs.values() if j.state in (QUEUED, RUNNING)]

    def _forget_old(self) -> None:
        now = time.time()
        for key, job in list(self._jobs.items()):
            if job.finished is not None and now - job.finished > KEEP_FINISHED_SECONDS:
                del self._jobs[key]

    def _ensure_workers(self) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        while len(self._threads) < (self.workers or max_workers()):
            thread = threading.Thread(target=self._work, name=f"ganplify-job-{len(self._threads)}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _work(self) -> None:
        lower_priority(JOB_NICENESS)
        while True:
            with self.lock:
                while not self._queue:
                    self._wake.wait()
                job = self._queue.pop(0)
                job.state, job.started, job.message = RUNNING, time.time(), "starting…"
            try:
                experiments.run(job.experiment, job.config, job._report, use_shipped=not job.fresh)  # memory and disk
                job.fraction = 1.0
                state = DONE
            except JobCancelled:
                state = CANCELLED
            except InputError as exc:
                job.error, state = str(exc), FAILED
            except Exception as exc:
                if job._cancel.is_set() or sweeps.stopped_at_exit():  # stopped under it: the server is stopping
                    state = CANCELLED
                else:  # a failed job must not take the worker down; the page shows why
                    job.error = f"{type(exc).__name__}: {exc}"
                    traceback.print_exc()
                    state = FAILED
            with self.lock:
                job._finish(state)


_runner = JobRunner()


def _cancel_all_at_exit() -> None:
    """At interpreter shutdown, cancel every job without waiting (a server stopped with Ctrl+C or SIGTERM).

    Work a job runs in this process stops at its next progress report, so the interpreter's join of thread
    pools (the autoencoder's stages, the EMD rows) waits for one step, not for the rest of a training; a sweep's
    worker processes are stopped by :mod:`ganplify_core.sweeps`. Threading's shutdown hooks run in reverse order
    of registration: this one runs before concurrent.futures' (imported above).
    """
    for job in active():
        job.stop()


getattr(threading, "_register_atexit", lambda hook: None)(_cancel_all_at_exit)


def submit(experiment: Experiment, config: Any, owner: str | None = None, fresh: bool = False) -> Job:
    """The job computing ``config`` (an existing one for the same key, or a new one queued now).

    ``fresh``: compute even where a shipped result exists (the page's "Recompute with the current code").
    """
    return _runner.submit(experiment, config, owner, fresh)


def find(experiment: Experiment, config: Any) -> Job | None:
    """The job for ``config``'s key, if one is queued, running or finished recently."""
    return _runner.find(experiment, config)


def active() -> list[Job]:
    """Jobs queued or running in this process."""
    return _runner.active()


def stop_all(timeout: float = 60.0) -> None:
    """Cancel every job of this process and wait (up to ``timeout`` s each) for the running ones to stop."""
    for job in active():
        job.stop()
    for job in active():
        job.wait(timeout)
