"""Disk cache for trained models and heavy results, keyed by a hash of the full config.

An entry is one ``.npz`` file: the object's structure as JSON plus its arrays, written with
``allow_pickle=False`` and read the same way, so nothing in the cache is ever unpickled. A value may be
any tree of dicts (string keys), lists, tuples, scalars, strings, ``None``, NumPy arrays, torch tensors
(returned as CPU tensors, e.g. a model's ``state_dict``) and dataclasses defined in ``ganplify_core``.

Writes are atomic: a temporary file in the same directory, then ``os.replace``. Two app sessions that
compute the same key both write complete files and the last rename wins; a reader sees either the old
entry, the new one or none, never half of one. An entry that cannot be read (truncated, corrupt,
written by an incompatible version) is deleted and recomputed.

The directory is ``$GANPLIFY_CACHE_DIR`` or ``~/.cache/ganplify``; the key includes the package version,
so a new release never reads an old release's results.

Hardening: an entry is validated on load (its tree is a non-empty structure of known nodes, no deeper
than :data:`MAX_DEPTH`, and it expands to at most the cache's size cap); a bad one is deleted and
recomputed. Dataclasses are rebuilt only from an allowlist: classes defined in an already-imported
``ganplify_core`` module (nothing named in an entry is ever imported). The cache holds at most
``$GANPLIFY_CACHE_MAX_MB`` (default 4096) MB; the least recently used entries go first. A cache
directory that is a file or read-only turns the disk cache off (with one warning): results are then
kept in memory only. Temporaries left by killed writers are swept when the directory is first used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ganplify_core import __version__

T = TypeVar("T")

_TREE_KEY = "__tree__"

# Loading a cached dataclass imports its module; only these packages may be named in an entry.
TRUSTED_MODULES: tuple[str, ...] = ("ganplify_core",)


def _trusted(module_name: str) -> bool:
    return any(module_name == m or module_name.startswith(m + ".") for m in TRUSTED_MODULES)


MAX_DEPTH = 64
ORPHAN_SECONDS = 3600.0
_ENTRY_NAME = re.compile(r"^[0-9a-f]{64}\.npz$")
_problem: str | None = None   # why the disk cache is off, if it is
_swept: set[str] = set()


def max_bytes() -> int:
    """The cache's size cap: ``$GANPLIFY_CACHE_MAX_MB`` megabytes (default 4096)."""
    value = os.environ.get("GANPLIFY_CACHE_MAX_MB", "").strip()
    megabytes = float(value) if re.fullmatch(r"\d+(\.\d+)?", value) else 4096.0
    return int(megabytes * 1024 * 1024)


def cache_dir() -> Path:
    """The cache directory (created on first use; orphan temporaries swept then)."""
    root = os.environ.get("GANPLIFY_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "ganplify")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    if str(path) not in _swept:
        _swept.add(str(path))
        _sweep_orphans(path)
    return path


def problem() -> str | None:
    """Why the disk cache is off (a sentence), or ``None`` while it works."""
    try:
        root = cache_dir()
    except OSError as exc:
        return f"the cache directory cannot be used ({type(exc).__name__}: {exc.strerror or exc})"
    if not os.access(root, os.W_OK | os.X_OK):
        return f"the cache directory {root} is not writable"
    return _problem


def _disable(reason: str) -> None:
    global _problem
    if _problem is None:
        warnings.warn(f"disk cache off: {reason}; results are kept in memory only", stacklevel=3)
    _problem = reason


def _sweep_orphans(root: Path) -> None:
    now = time.time()
    for tmp in root.glob("*/.*.tmp"):
        try:
            if now - tmp.stat().st_mtime > ORPHAN_SECONDS:
                tmp.unlink()
        except OSError:
            pass


def _jsonable(value: Any) -> Any:
    """A canonical JSON form of a config (for hashing): dataclasses, tuples, numpy scalars, paths."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__qualname__, **{f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"__sha256__": hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest(), "shape": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not np.isfinite(value):
        return repr(value)
    return value


def config_key(kind: str, config: Any) -> str:
    """Hex SHA-256 of ``kind``, the package version and the full config."""
    payload = json.dumps({"kind": kind, "version": __version__, "config": _jsonable(config)}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# -- the tree codec: structure as JSON, leaves as arrays ---------------------------------------------

def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if type(value).__module__.startswith("torch") and hasattr(value, "detach"):  # a tensor (torch loaded by its maker)
        name = f"a{len(arrays)}"
        arrays[name] = value.detach().cpu().numpy()
        return {"__tensor__": name}
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError("object arrays cannot be cached (they would need pickle)")
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"__array__": name}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not _trusted(cls.__module__):
            raise TypeError(f"only ganplify_core dataclasses can be cached, not {cls.__module__}.{cls.__qualname__}")
        fields = {f.name: _encode(getattr(value, f.name), arrays) for f in dataclasses.fields(value)}
        return {"__dataclass__": f"{cls.__module__}:{cls.__qualname__}", "fields": fields}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("cached dicts need string keys")
        return {"__dict__": {k: _encode(v, arrays) for k, v in value.items()}}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return {"__float__": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot cache a value of type {type(value).__name__}")


def _decode(node: Any, arrays: Any) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node:
        import torch

        return torch.from_numpy(np.array(arrays[node["__tensor__"]]))
    if "__array__" in node:
        return np.array(arrays[node["__array__"]])
    if "__tuple__" in node:
        return tuple(_decode(v, arrays) for v in node["__tuple__"])
    if "__dict__" in node:
        return {k: _decode(v, arrays) for k, v in node["__dict__"].items()}
    if "__float__" in node:
        return float(node["__float__"])
    if "__dataclass__" in node:
        cls = _allowed_dataclass(str(node["__dataclass__"]))
        fields = node.get("fields")
        if not isinstance(fields, dict):
            raise ValueError("a cached dataclass without fields")
        return cls(**{k: _decode(v, arrays) for k, v in fields.items()})
    raise ValueError("unknown node in cache entry")


def _allowed_dataclass(name: str) -> type:
    """The class an entry names, if it is a dataclass of an already-imported trusted module (never imports)."""
    module_name, _, qualname = name.partition(":")
    module = sys.modules.get(module_name)
    if not _trusted(module_name) or module is None:
        raise ValueError(f"cache entry names a class this process does not know: {name[:80]}")
    cls: Any = module
    for part in qualname.split("."):
        cls = getattr(cls, part, None)
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module_name):
        raise ValueError(f"{qualname[:80]} is not a dataclass of {module_name}")
    return cls


def _check_tree(tree: Any) -> None:
    """A tree must be a non-empty structure no deeper than MAX_DEPTH."""
    if tree is None or tree == {} or tree == []:
        raise ValueError("empty cache entry")
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError("cache entry nested too deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def dump(value: Any, path: str | os.PathLike) -> None:
    """Write ``value`` to ``path`` atomically (temporary file in the same directory, then rename)."""
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(value, arrays)
    arrays[_TREE_KEY] = np.frombuffer(json.dumps(tree).encode(), dtype=np.uint8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path: str | os.PathLike) -> Any:
    """Read a value written by :func:`dump` (never unpickles; validates the entry first)."""
    with zipfile.ZipFile(path) as archive:
        expanded = sum(info.file_size for info in archive.infolist())
    if expanded > max_bytes():
        raise ValueError(f"cache entry expands to {expanded} bytes, over the cache's cap")
    with np.load(path, allow_pickle=False) as arrays:
        tree = json.loads(bytes(arrays[_TREE_KEY]).decode())
        _check_tree(tree)
        return _decode(tree, arrays)


_UNREADABLE = (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, RecursionError,
               zipfile.BadZipFile, json.JSONDecodeError, io.UnsupportedOperation)


def entry_path(kind: str, config: Any) -> Path:
    """Where the entry for ``(kind, config)`` lives."""
    safe_kind = "".join(c if c.isalnum() or c in "-_" else "_" for c in kind)
    return cache_dir() / safe_kind / f"{config_key(kind, config)}.npz"


def read(kind: str, config: Any) -> Any:
    """The stored value for ``(kind, config)``, or ``None`` if there is none or it is unreadable (then deleted)."""
    try:
        path = entry_path(kind, config)
        if not path.exists():
            return None
    except OSError:
        return None
    try:
        value = load(path)
    except _UNREADABLE as exc:
        warnings.warn(f"cache entry {path.name} is unreadable ({type(exc).__name__}); recomputing", stacklevel=2)
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        return None
    try:
        os.utime(path)  # recently used: evicted last
    except OSError:
        pass
    return value


def write(kind: str, config: Any, value: Any) -> None:
    """Store ``value`` for ``(kind, config)`` (atomically), then keep the cache under its cap.

    A cache directory that cannot be written turns the disk cache off (one warning) instead of failing.
    """
    try:
        dump(value, entry_path(kind, config))
    except OSError as exc:  # a file where the directory should be, read-only, full disk
        _disable(f"{type(exc).__name__}: {exc.strerror or exc}")
        return
    evict()


def entries() -> list[Path]:
    """Every cache entry (``<kind>/<64 hex>.npz``), oldest use first."""
    try:
        root = cache_dir()
    except OSError:
        return []
    found = []
    for path in root.glob("*/*.npz"):
        if _ENTRY_NAME.match(path.name):
            try:
                found.append((path.stat().st_mtime, path))
            except OSError:
                pass
    return [path for _, path in sorted(found)]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def evict(cap: int | None = None) -> int:
    """Delete least recently used entries until the cache holds at most ``cap`` bytes; how many went."""
    cap = max_bytes() if cap is None else cap
    paths = entries()
    total = sum(_size(p) for p in paths)
    removed = 0
    for path in paths:
        if total <= cap:
            break
        size = _size(path)
        if _is_locked(path):
            continue  # being computed or written right now
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        removed += 1
    return removed


def info() -> dict:
    """``{"dir", "entries", "bytes", "cap_bytes", "disk_cache"}``: what the CLI's ``cache info`` prints."""
    paths = entries()
    reason = problem()
    try:
        directory = str(cache_dir())
    except OSError:
        directory = os.environ.get("GANPLIFY_CACHE_DIR", "")
    return {"dir": directory, "entries": len(paths), "bytes": sum(_size(p) for p in paths), "cap_bytes": max_bytes(),
            "disk_cache": "off: " + reason if reason else "on"}


def _is_locked(entry: Path) -> bool:
    lock = entry.with_suffix(".lock")
    if not lock.exists():
        return False
    try:
        with open(lock, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
        return False
    except BlockingIOError:
        return True
    except OSError:
        return False


@contextlib.contextmanager
def key_lock(kind: str, config: Any, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock of ``(kind, config)``: one process at a time computes a key (``flock`` on a file).

    ``on_wait`` is called once if another process holds it (we then block until it is released). Without a
    usable cache directory there is nothing to share, and nothing is locked.
    """
    try:
        path = entry_path(kind, config).with_suffix(".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")
    except OSError:
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached(kind: str, config: Any, compute: Callable[[], T]) -> T:
    """Return the cached value for ``(kind, config)``, computing and storing it on a miss.

    ``kind`` names what is cached (``"gan-ensemble"``); ``config`` is the full frozen config that
    determines the value. A corrupt or truncated entry is removed and recomputed, with a warning. One
    process at a time computes a key; the others wait and read its result.
    """
    value = read(kind, config)
    if value is not None:
        return value
    with key_lock(kind, config):
        value = read(kind, config)
        if value is None:
            value = compute()
            write(kind, config, value)
    return value


def exists(kind: str, config: Any) -> bool:
    """Whether an entry for ``(kind, config)`` exists (it may still turn out unreadable)."""
    try:
        return entry_path(kind, config).exists()
    except OSError:
        return False


is_cached = exists


def clear_cache() -> int:
    """Delete every cache entry not being computed or written now; return how many were removed.

    Only files the cache made go (``<kind>/<64 hex>.npz`` and their unused ``.lock`` files): anything
    else a user keeps in that directory stays.
    """
    removed = 0
    for path in entries():
        if _is_locked(path):
            continue
        try:
            path.unlink()
            removed += 1
        except OSError:
            pass
        lock = path.with_suffix(".lock")
        if lock.exists() and not _is_locked(path):
            lock.unlink(missing_ok=True)
    return removed
