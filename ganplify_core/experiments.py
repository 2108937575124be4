"""The experiment contract: each topic declares its experiments once, here they run and are cached.

An :class:`Experiment` is a name, a frozen config class (a :class:`ganplify_core.params.Config`),
``compute(config, progress)``, how a result becomes JSON, and an estimate of the seconds it takes.
Everything that runs one goes through the same two functions::

    result = experiments.run(AMPLIFY, config, progress)   # shipped, cached on disk, or computed once
    experiments.is_cached(AMPLIFY, config)                 # can it be shown without computing?

:func:`run` is single-flight across processes: it holds a lock per cache key while it computes, so a
second process (another CLI, the app) asking for the same config waits and then reads the first one's
result instead of computing it again. Inside the app the job runner (:mod:`ganplify_core.jobs`) also
shares one job between sessions.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import hashlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ganplify_core import cache
from ganplify_core.paths import ASSETS_DIR
from ganplify_core.training import Progress, no_progress

# How many seconds of estimated work a page may start without a press (issue: "no heavy work without a press").
QUICK_SECONDS = 5.0


# Results made by ``make assets`` (scripts/make_assets.py) for the configs each experiment ships.
SHIPPED_DIR = ASSETS_DIR / "shipped"
MANIFEST_NAME = "manifest.json"


@dataclasses.dataclass(frozen=True, eq=False)
class Preset:
    """A one-click setting of a page: "the paper's setting", "a 30-second demo", "where it fails".

    Attributes
    ----------
    key : short name, also what ``benchmarks/bench_presets.py`` records its time under (``"demo"``).
    label : what the button says ("A 30-second demo"); the measured time is added by the page.
    config : the experiment's full config for this preset (what is timed and shipped).
    page_values : values of page-only settings (page parameters that are not config fields).
    note : one sentence on what the preset shows (the button's help).
    """

    key: str
    label: str
    config: Any
    page_values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    note: str = ""


@dataclasses.dataclass(frozen=True)
class Experiment:
    """One experiment of a topic.

    Attributes
    ----------
    name : the cache kind and, by convention, the CLI command (``"amplify"``).
    config_type : the frozen config dataclass; its fields carry the parameters.
    compute : ``compute(config, progress) -> result``; never touches Streamlit.
    to_json : ``to_json(result) -> dict``: what the CLI prints with ``--json``.
    estimate_seconds : ``estimate_seconds(config) -> float`` on this machine class (2 cores), calibrated
        from measured rates (``benchmarks/bench_estimates.py`` checks it).
    cache_key : what the disk cache is keyed by (default: the config itself); override when a result
        depends on more than the config (an uploaded file's digest, a retrained model).
    shipped : ``shipped(config) -> result | None``: a precomputed result in ``assets/`` for this config.
    label : what the job does, for progress messages ("Training the GANs").
    calibration : configs whose measured time ``benchmarks/bench_estimates.py`` compares with the estimate.
    presets : the page's one-click settings (:class:`Preset`).
    ship : configs whose results ``make assets`` stores under ``assets/shipped/`` (a page's default, so its
        first view shows the answer with nothing pressed).
    """

    name: str
    config_type: type
    compute: Callable[[Any, Progress], Any]
    to_json: Callable[[Any], dict]
    estimate_seconds: Callable[[Any], float]
    cache_key: Callable[[Any], Any] | None = None
    shipped: Callable[[Any], Any] | None = None
    label: str = ""
    calibration: tuple = ()
    presets: tuple = ()
    ship: tuple = ()

    def key(self, config: Any) -> str:
        """The hex key of ``config``'s result (the disk cache's file name)."""
        return cache.config_key(self.name, self._keyed(config))

    def _keyed(self, config: Any) -> Any:
        return self.cache_key(config) if self.cache_key else config

    def entry_path(self, config: Any):
        return cache.entry_path(self.name, self._keyed(config))


REGISTRY: dict[str, Experiment] = {}


def register(experiment: Experiment) -> Experiment:
    """Add ``experiment`` to the registry (names are unique)."""
    existing = REGISTRY.get(experiment.name)
    if existing is not None and existing.config_type is not experiment.config_type:
        raise ValueError(f"experiment {experiment.name!r} is registered twice")
    REGISTRY[experiment.name] = experiment
    return experiment


# -- results held in memory: the most recently used, shared by every session, bounded in bytes ------------

def memory_cap_bytes() -> int:
    """Bytes of results held in memory: ``$GANPLIFY_RESULTS_MEMORY_MB`` (default 1024) megabytes."""
    value = os.environ.get("GANPLIFY_RESULTS_MEMORY_MB", "").strip()
    try:
        megabytes = float(value) if value else 1024.0
    except ValueError:
        megabytes = 1024.0
    return int(max(megabytes, 0.0) * 2**20)


def size_in_bytes(value: Any, _depth: int = 0) -> int:
    """The bytes a result's arrays and tensors hold (what dominates its memory), found through its fields."""
    if _depth > 32:
        return 0
    nbytes = getattr(value, "nbytes", None)
    if isinstance(nbytes, int):
        return nbytes
    if hasattr(value, "element_size") and hasattr(value, "nelement"):  # a torch tensor
        return int(value.element_size() * value.nelement())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(size_in_bytes(getattr(value, f.name), _depth + 1) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sum(size_in_bytes(v, _depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(size_in_bytes(v, _depth + 1) for v in value)
    return 64


_memo: collections.OrderedDict[str, tuple[Any, int]] = collections.OrderedDict()
_memo_lock = threading.Lock()


def _remember(key: str, result: Any) -> None:
    size = size_in_bytes(result)
    cap = memory_cap_bytes()
    with _memo_lock:
        _memo.pop(key, None)
        if size > cap:
            return  # larger than all the memory results may hold: read it from disk each time
        _memo[key] = (result, size)
        total = sum(s for _, s in _memo.values())
        while total > cap:
            _, (_, dropped) = _memo.popitem(last=False)
            total -= dropped


def _recall(key: str) -> Any:
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key][0]
    return None


def held_bytes() -> int:
    """Bytes of results held in memory now."""
    with _memo_lock:
        return sum(size for _, size in _memo.values())


def forget_memory() -> None:
    """Drop the results held in memory (after the disk cache was cleared)."""
    with _memo_lock:
        _memo.clear()


# -- run and is_cached -----------------------------------------------------------------------------------

def is_cached(experiment: Experiment, config: Any) -> bool:
    """Whether ``config``'s result can be shown without computing (in memory, shipped or on disk)."""
    key = experiment.key(config)
    if _recall(key) is not None:
        return True
    if experiment.shipped is not None and experiment.shipped(config) is not None:
        return True
    return cache.exists(experiment.name, experiment._keyed(config)) or shipped_path(experiment, config).exists()


def cached_result(experiment: Experiment, config: Any) -> Any:
    """The result if it is held, shipped or on disk; ``None`` if it would have to be computed."""
    key = experiment.key(config)
    result = _recall(key)
    if result is not None:
        return result
    result = cache.read(experiment.name, experiment._keyed(config))  # a recomputed result wins over a shipped one
    if result is None and experiment.shipped is not None:
        result = experiment.shipped(config)
    if result is None:
        result = _read_shipped(experiment, config)
    if result is not None:
        _remember(key, result)
    return result


def run(experiment: Experiment, config: Any, progress: Progress | None = None, use_shipped: bool = True) -> Any:
    """The result for ``config``: held in memory, shipped, on disk, or computed once (and stored).

    Single flight across processes: while one process computes a key, others wait for it (a lock file
    beside the entry) and then read its result. ``use_shipped=False`` ignores shipped results (the
    topic's own and ``assets/shipped``): it recomputes a config whose only result is a shipped one (made by older
    code, or timed by a benchmark); the new result is stored in the disk cache.
    """
    config.validate()
    if use_shipped:
        result = cached_result(experiment, config)
    else:
        result = cache.read(experiment.name, experiment._keyed(config))
    if result is not None:
        return result
    progress = progress or no_progress
    keyed = experiment._keyed(config)
    with cache.key_lock(experiment.name, keyed, on_wait=lambda: progress(0.0, "waiting for another process "
                                                                              "computing the same settings…")):
        result = cache.read(experiment.name, keyed)  # the process we waited for may have stored it
        if result is None:
            _count_computation(experiment.name, experiment.key(config))
            result = experiment.compute(config, progress)
            cache.write(experiment.name, keyed, result)
    _remember(experiment.key(config), result)
    return result


# -- shipped results: made once by `make assets`, found by key ------------------------------------------

def shipped_path(experiment: Experiment, config: Any) -> Path:
    """Where ``make assets`` puts the result for ``config`` (it may not exist)."""
    return SHIPPED_DIR / f"{experiment.name}-{experiment.key(config)[:24]}.npz"


def code_version(experiment: Experiment) -> str:
    """A hash of the source of the experiment's topic package: it changes when the code that computes it does."""
    module = sys.modules.get(experiment.config_type.__module__)
    folder = Path(module.__file__).parent if module is not None and module.__file__ else None
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")) if folder else ():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def shipped_manifest() -> dict:
    try:
        return json.loads((SHIPPED_DIR / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _read_shipped(experiment: Experiment, config: Any) -> Any:
    path = shipped_path(experiment, config)
    if not path.exists():
        return None
    try:
        return cache.load(path)
    except Exception:  # a damaged asset is ignored (recomputed), never trusted
        return None


def shipped_summary(experiment: Experiment, config: Any) -> dict | None:
    """The shipped result's JSON summary (``to_json``) from the manifest, without loading the result."""
    entry = shipped_manifest().get(shipped_path(experiment, config).name)
    return entry.get("summary") if entry else None


def shipped_info(experiment: Experiment, config: Any) -> dict | None:
    """What the manifest says of the shipped result for ``config``, with ``"stale"``: made by other code.

    ``None`` when there is no shipped result, or when a recomputed result (disk cache) replaces it.
    """
    path = shipped_path(experiment, config)
    if not path.exists() or cache.exists(experiment.name, experiment._keyed(config)):
        return None
    entry = dict(shipped_manifest().get(path.name, {}))
    entry["stale"] = entry.get("code_version") != code_version(experiment)
    return entry


def make_shipped(experiment: Experiment, config: Any, progress: Progress | None = None) -> Path:
    """Compute ``config`` with the current code and store it under ``assets/shipped/`` with its manifest entry."""
    config.validate()
    started = time.perf_counter()
    result = experiment.compute(config, progress or no_progress)
    seconds = time.perf_counter() - started
    path = shipped_path(experiment, config)
    cache.dump(result, path)
    manifest = shipped_manifest()
    manifest[path.name] = {
        "experiment": experiment.name, "key": experiment.key(config), "config": cache._jsonable(config),
        "code_version": code_version(experiment), "package_version": cache.__version__,
        "made": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"), "seconds": round(seconds, 2),
        # What the CLI would print: pages that only quote a shipped number read it without loading the result.
        "summary": json.loads(json.dumps(cache._jsonable(experiment.to_json(result)), default=str)),
    }
    (SHIPPED_DIR / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    with _memo_lock:
        _memo.pop(experiment.key(config), None)
    return path


# -- a trace of computations, for tests that count them across sessions and processes ------------------

def _count_computation(name: str, key: str) -> None:
    trace = os.environ.get("GANPLIFY_TRACE_FILE")
    if trace:
        with open(trace, "a", encoding="utf-8") as handle:
            handle.write(f"{time.time():.3f} {os.getpid()} {key} compute {name}\n")

