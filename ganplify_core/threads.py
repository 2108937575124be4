"""How many CPU threads torch (and numpy's BLAS) use inside a block: :func:`torch_threads`.

**What ``torch.set_num_threads`` changes.** The docs call the intra-op thread count global, but with the
OpenMP backend of the standard Linux wheels (``torch.__config__.parallel_info()`` says ``ATen parallel
backend: OpenMP``) it is, measured here with torch 2.x (``tests/unit/test_threads.py`` checks it):

* the count of the *calling* thread (OpenMP's and MKL's settings are thread-local);
* threads that already used torch keep their own count;
* a thread that touches torch for the first time usually starts with the last count set by any thread
  (not guaranteed: set the count where it matters).

The app runs its jobs in long-lived worker threads (``ganplify_core.jobs``), so a count set by one job
stays with that worker thread for the next job, and two jobs do not see each other's count. Hence
:func:`torch_threads` sets the count for the calling thread and restores that thread's previous count
when the block ends: overlapping blocks in different threads do not interfere, and nesting works.
On a build where the count *is* process-wide (another parallel backend), overlapping blocks share it:
the smallest count asked for by any open block applies (never more threads than someone wanted), and
the count from before the first block is restored when the last one closes.

**numpy's BLAS** (OpenBLAS) has one process-wide pool: with ``blas=True`` the block also limits it through
``threadpoolctl`` (installed with scikit-learn), with the same smallest-request-wins rule.

**Which count.** The networks here are small: a second thread rarely pays for its synchronisation, and
on a machine whose cores are busy with other jobs it waits for them. ``benchmarks/bench_threads.py``
measures each kind of work on 1 and 2 threads, idle and beside a busy process; ``docs/performance.md``
says which count each experiment uses and why.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator

_lock = threading.Lock()


class _SharedLimit:
    """A process-wide limit shared by overlapping blocks: the smallest open request applies."""

    def __init__(self, apply: Callable[[int | None], None]) -> None:
        self._apply = apply                      # apply(n) sets the limit; apply(None) restores the original
        self._requests: collections.Counter[int] = collections.Counter()

    def enter(self, n: int) -> None:
        with _lock:
            before = min(self._requests) if self._requests else None
            self._requests[n] += 1
            if before is None or n < before:
                self._apply(n)

    def exit(self, n: int) -> None:
        with _lock:
            before = min(self._requests)
            self._requests[n] -= 1
            if not self._requests[n]:
                del self._requests[n]
            now = min(self._requests) if self._requests else None
            if now != before:
                self._apply(now)


class _TorchProcessWide:
    def __init__(self) -> None:
        self.original: int | None = None

    def __call__(self, n: int | None) -> None:
        import torch

        if self.original is None:
            self.original = torch.get_num_threads()
        torch.set_num_threads(self.original if n is None else n)
        if n is None:
            self.original = None


class _Blas:
    def __init__(self) -> None:
        self.limiter = None

    def __call__(self, n: int | None) -> None:
        try:
            from threadpoolctl import threadpool_info, threadpool_limits
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            return
        if self.limiter is not None:
            self.limiter.restore_original_limits()
            self.limiter = None
        if n is not None:  # a limit: never more threads than the pool had (e.g. OMP_NUM_THREADS=1)
            pools = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
            self.limiter = threadpool_limits(limits=min([n, *pools]), user_api="blas")


_torch_shared = _SharedLimit(_TorchProcessWide())
_blas_shared = _SharedLimit(_Blas())


def torch_count_is_per_thread() -> bool:
    """True where ``torch.set_num_threads`` acts on the calling thread (the OpenMP backend; see above)."""
    import torch

    return "parallel backend: OpenMP" in torch.__config__.parallel_info()


@contextlib.contextmanager
def torch_threads(n: int, blas: bool = True) -> Iterator[None]:
    """torch's intra-op work in this thread on ``n`` threads inside the block; restored afterwards.

    ``blas=True`` also limits numpy's BLAS pool to ``n`` threads (process-wide: the smallest request of
    the blocks open at the time applies). Safe to nest and to use from several threads at once.
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"torch_threads needs n ≥ 1, got {n}")
    import torch

    if blas:
        _blas_shared.enter(n)
    try:
        if torch_count_is_per_thread():
            before = torch.get_num_threads()
            torch.set_num_threads(n)
            try:
                yield
            finally:
                torch.set_num_threads(before)
        else:  # pragma: no cover - non-OpenMP builds
            _torch_shared.enter(n)
            try:
                yield
            finally:
                _torch_shared.exit(n)
    finally:
        if blas:
            _blas_shared.exit(n)


def thread_counts() -> dict[str, int | None]:
    """This thread's torch count (None before torch is imported) and numpy's BLAS pool size."""
    counts: dict[str, int | None] = {"torch": None, "blas": None}
    if "torch" in sys.modules:
        counts["torch"] = sys.modules["torch"].get_num_threads()
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return counts
    blas = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
    counts["blas"] = min(blas) if blas else None
    return counts


# -- CPU priority: background work below the pages -------------------------------------------------------

def niceness() -> int:
    """The calling thread's nice value (Linux: per thread); 0 where it cannot be read."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    except OSError:
        return 0


def lower_priority(value: int) -> None:
    """Run the calling thread, and the threads and processes it starts from now on, at nice ``value`` or lower.

    Linux only (nice is per thread there; elsewhere it is per process and this does nothing); never raises
    the priority.
    """
    if sys.platform.startswith("linux") and niceness() < value:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), value)
        except OSError:
            pass
