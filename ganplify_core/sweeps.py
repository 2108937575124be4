"""Sweeps over seeds or settings, run in parallel through joblib.

By default the work goes to joblib's process pool (``loky``) with one worker per core, each worker
limited to one torch thread so the workers do not fight over cores. A user with a cluster sends the same
sweep to Dask or Ray without changing this code::

    from joblib import parallel_config
    with parallel_config(backend="dask"):   # after creating a dask.distributed Client
        result = run_amplification(config)

``GANPLIFY_JOBS`` sets the number of workers (default: all cores; 1 runs in-process, useful to debug).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

from joblib import Parallel, delayed

from ganplify_core.training import Progress, no_progress

T = TypeVar("T")


def n_jobs() -> int:
    """Workers for a sweep: ``$GANPLIFY_JOBS`` or the number of cores."""
    value = os.environ.get("GANPLIFY_JOBS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else (os.cpu_count() or 1)


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """torch on one intra-op thread inside the block (small networks, or one worker per core)."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _single_threaded(fn: Callable[..., T], *args: Any) -> T:
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
    jobs = min(n_jobs(), len(tasks)) or 1
    if jobs == 1:
        results = []
        for i, task in enumerate(tasks):
            results.append(fn(*task))
            progress((i + 1) / len(tasks), f"{label}: {i + 1}/{len(tasks)} done")
        return results
    parallel = Parallel(n_jobs=jobs, return_as="generator")
    results = []
    for i, result in enumerate(parallel(delayed(_single_threaded)(fn, *task) for task in tasks)):
        results.append(result)
        progress((i + 1) / len(tasks), f"{label}: {i + 1}/{len(tasks)} done")
    return results
