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
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import importlib
import io
import json
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import numpy as np
import torch

from ganplify_core import __version__

T = TypeVar("T")

_TREE_KEY = "__tree__"

# Loading a cached dataclass imports its module; only these packages may be named in an entry.
TRUSTED_MODULES: tuple[str, ...] = ("ganplify_core",)


def _trusted(module_name: str) -> bool:
    return any(module_name == m or module_name.startswith(m + ".") for m in TRUSTED_MODULES)


def cache_dir() -> Path:
    """The cache directory (created on first use)."""
    root = os.environ.get("GANPLIFY_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "ganplify")
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


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
    if isinstance(value, torch.Tensor):
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
        module_name, qualname = node["__dataclass__"].split(":")
        if not _trusted(module_name):
            raise ValueError("cache entry names a class outside ganplify_core")
        cls: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not dataclasses.is_dataclass(cls):
            raise ValueError(f"{qualname} is not a dataclass")
        return cls(**{k: _decode(v, arrays) for k, v in node["fields"].items()})
    raise ValueError("unknown node in cache entry")


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
    """Read a value written by :func:`dump` (never unpickles)."""
    with np.load(path, allow_pickle=False) as arrays:
        tree = json.loads(bytes(arrays[_TREE_KEY]).decode())
        return _decode(tree, arrays)


_UNREADABLE = (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, ImportError,
               zipfile.BadZipFile, json.JSONDecodeError, io.UnsupportedOperation)


def entry_path(kind: str, config: Any) -> Path:
    """Where the entry for ``(kind, config)`` lives."""
    safe_kind = "".join(c if c.isalnum() or c in "-_" else "_" for c in kind)
    return cache_dir() / safe_kind / f"{config_key(kind, config)}.npz"


def read(kind: str, config: Any) -> Any:
    """The stored value for ``(kind, config)``, or ``None`` if there is none or it is unreadable (then deleted)."""
    path = entry_path(kind, config)
    if not path.exists():
        return None
    try:
        return load(path)
    except _UNREADABLE as exc:
        warnings.warn(f"cache entry {path.name} is unreadable ({type(exc).__name__}); recomputing", stacklevel=2)
        path.unlink(missing_ok=True)
        return None


def write(kind: str, config: Any, value: Any) -> None:
    """Store ``value`` for ``(kind, config)`` (atomically)."""
    dump(value, entry_path(kind, config))


@contextlib.contextmanager
def key_lock(kind: str, config: Any, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the lock of ``(kind, config)``: one process at a time computes a key (``flock`` on a file).

    ``on_wait`` is called once if another process holds it (we then block until it is released).
    """
    path = entry_path(kind, config).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
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
    return entry_path(kind, config).exists()


is_cached = exists


def clear_cache() -> int:
    """Delete every entry; return how many files were removed."""
    root = cache_dir()
    count = sum(1 for p in root.rglob("*") if p.is_file())
    for child in root.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
    return count
