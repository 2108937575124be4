"""Sweeps over seeds or settings, run in parallel through joblib.

By default the work goes to joblib's process pool (``loky``) with one worker per core, each worker
limited to one torch thread so the workers do not fight over cores.

**On a Dask cluster.** With ``GANPLIFY_DASK_SCHEDULER`` set to a scheduler's address
(``tcp://host:8786``), every sweep goes to that cluster instead (joblib's ``dask`` backend; needs the
``[dask]`` extra, and ``ganplify_core`` importable on the workers). Two experiments fan out through
sweeps: the GAN amplification (one task per training set) and the correlation dimension (one task per
chunk of EMD rows; locally those run on threads, see ``ganplify_core.vae.emd``); everything else runs in
the process that asked for it.

``GANPLIFY_JOBS`` sets the number of local workers (default: all cores; 1 runs in-process, useful to debug).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from joblib import Parallel, delayed

from ganplify_core.errors import InputError
from ganplify_core.threads import lower_priority, niceness, torch_threads
from ganplify_core.training import Progress, no_progress

T = TypeVar("T")

# Sweeps running in this process's worker processes, and whether the interpreter has begun to shut down.
_running: set[Parallel] = set()
_exiting = threading.Event()
_exit_hook_registered = False


def n_jobs() -> int:
    """Workers for a sweep: ``$GANPLIFY_JOBS`` or the number of cores."""
    value = os.environ.get("GANPLIFY_JOBS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else (os.cpu_count() or 1)


def single_threaded() -> contextlib.AbstractContextManager:
    """torch on one thread inside the block: :func:`ganplify_core.threads.torch_threads` (1, blas=False).

    Small networks, or one worker per core. The count is this thread's and is restored when the block ends
    (``ganplify_core.threads`` explains what ``torch.set_num_threads`` changes and what it does not).
    """
    return torch_threads(1, blas=False)  # joblib already limits BLAS in its workers


def dask_scheduler() -> str | None:
    """The Dask scheduler's address from ``$GANPLIFY_DASK_SCHEDULER``, or None (run locally)."""
    address = os.environ.get("GANPLIFY_DASK_SCHEDULER", "").strip()
    return address or None


@contextlib.contextmanager
def _dask_backend(address: str) -> Iterator[None]:
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise InputError("GANPLIFY_DASK_SCHEDULER is set but dask.distributed is not installed: "
                         "pip install 'ganplify-lab[dask]'") from exc
    from joblib import parallel_config

    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except OSError as exc:
        raise InputError(f"GANPLIFY_DASK_SCHEDULER={address}: no Dask scheduler answers there ({exc})") from exc
    try:
        with parallel_config(backend="dask", wait_for_workers_timeout=30, client=client):
            yield
    finally:
        client.close()


def _in_worker(nice: int, fn: Callable[..., T], *args: Any) -> T:
    """One task in a worker process: on one torch thread, at the priority of the thread that ran the sweep."""
    lower_priority(nice)  # a job's sweep stays below the pages, as the job does
    with single_threaded():
        return fn(*args)


def run_sweep(
    fn: Callable[..., T],
    tasks: Sequence[tuple] | Iterable[tuple],
    progress: Progress | None = None,
    label: str = "sweep",
) -> list[T]:
    """Return ``[fn(*task) for task in tasks]``, computed in parallel, in order.

    ``fn`` must be a module-level function (it is sent to worker processes). Progress is reported as
    tasks finish.
    """
    tasks = list(tasks)
    progress = progress or no_progress
    nice = niceness()
    address = dask_scheduler()
    if address:
        with _dask_backend(address):
            return _collect(Parallel(n_jobs=-1, return_as="generator")(
                delayed(_in_worker)(nice, fn, *task) for task in tasks), len(tasks), progress, label)
    jobs = min(n_jobs(), len(tasks)) or 1
    if jobs == 1:  # in this process, on one torch thread like each worker (bench_threads.py: a second thread
        results = []  # gains little on these small networks and loses many times over when the cores are busy)
        with single_threaded():
            for i, task in enumerate(tasks):
                results.append(fn(*task))
                progress((i + 1) / len(tasks), f"{label}: {i + 1}/{len(tasks)} done")
        return results
    parallel = Parallel(n_jobs=jobs, return_as="generator")
    _running.add(parallel)
    try:
        results_in_order = parallel(delayed(_in_worker)(nice, fn, *task) for task in tasks)  # starts the workers
        _register_exit_hook()
        return _collect(results_in_order, len(tasks), progress, label)
    finally:
        _running.discard(parallel)


def stopped_at_exit() -> bool:
    """Whether this process's sweep workers were stopped because the interpreter is shutting down."""
    return _exiting.is_set()


def _register_exit_hook() -> None:
    """Make the interpreter's shutdown stop the running sweeps' worker processes instead of waiting for them.

    At shutdown loky joins its executor, which waits for every task in progress: a server stopped (Ctrl+C,
    SIGTERM) 15 s into a GAN sweep's job took 50 s to exit, waiting for the trainings in progress. Threading's
    shutdown hooks run in reverse order of registration, and loky registers its own when its first executor
    starts, so this one, registered after a sweep has started its workers, always runs first.
    """
    global _exit_hook_registered
    register = getattr(threading, "_register_atexit", None)  # what concurrent.futures and loky use (3.9+)
    if _exit_hook_registered or register is None:
        return
    register(_stop_workers_at_exit)
    _exit_hook_registered = True


def _stop_workers_at_exit() -> None:
    _exiting.set()
    for parallel in list(_running):
        with contextlib.suppress(Exception):  # already finished or broken: nothing left to stop
            parallel._backend.abort_everything(ensure_ready=False)  # what joblib does when a sweep is abandoned


def _collect(results_in_order: Iterable[T], total: int, progress: Progress, label: str) -> list[T]:
    results = []
    for i, result in enumerate(results_in_order):
        results.append(result)
        progress((i + 1) / total, f"{label}: {i + 1}/{total} done")
    return results
