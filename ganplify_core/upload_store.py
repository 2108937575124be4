"""Uploaded files kept by the SHA-256 of their bytes: what a config names instead of the file.

A config holds only the digest, so it hashes to the same cache key in every session and process, and a job
in a worker thread (or another process, or a restarted server) finds the file without being handed it. One
store serves every page and CLI that takes a file; each topic keeps its own parsing and checks, and nothing
here looks inside the bytes:

- **on disk**, as the cache entry ``<cache dir>/uploads/<digest>.npz``: a plain ``uint8`` array written and
  read by :func:`ganplify_core.cache.dump` / :func:`ganplify_core.cache.load` (never pickled). It counts
  towards the cache's size cap, is evicted least recently used first (a load marks it used) and goes with
  *Clear cache*; another process sees exactly this copy.
- **in memory**, the most recently used uploads up to :data:`MEMORY_BYTES` in all, so a page's reruns and
  the jobs they start do not read and hash the file again. A memory copy whose disk copy has gone (the
  cache was cleared, here or in another process) is dropped: every process agrees on what is stored. Only
  where the disk cannot be written (a read-only cache directory) does the memory copy stand alone.

The bytes are hashed once: by the caller that already has the digest (``ui.uploaded`` hashes an upload once)
or by :func:`store`; a copy read back from disk is hashed again to catch damage. A digest is checked to be
64 lowercase hex digits before it becomes a path, so a config cannot name a file outside the store.

    digest = upload_store.store(data, max_bytes=MAX_CSV_BYTES, what="table.csv")
    data = upload_store.load(digest, what="the uploaded CSV file")   # in any process
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import threading
import zipfile
from pathlib import Path

import numpy as np

from ganplify_core import cache
from ganplify_core.errors import InputError

MAX_UPLOAD_BYTES = 20 * 2**20   # the server's upload limit (.streamlit/config.toml maxUploadSize)
MEMORY_BYTES = 64 * 2**20       # uploads held in memory, all together (three at the server's limit)
FOLDER = "uploads"              # under the cache directory
HEX = frozenset("0123456789abcdef")

_memory: collections.OrderedDict[tuple[str, str], tuple[bytes, bool]] = collections.OrderedDict()
_memory_lock = threading.Lock()
_UNREADABLE = (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile, json.JSONDecodeError)


def digest_of(data: bytes) -> str:
    """SHA-256 of a file's bytes (hex): its name in configs and cache keys."""
    return hashlib.sha256(data).hexdigest()


def is_digest(text: object) -> bool:
    """Whether ``text`` is a SHA-256 digest as this store writes it: 64 lowercase hex digits."""
    return isinstance(text, str) and len(text) == 64 and set(text) <= HEX


def check_digest(digest: object, what: str = "the uploaded file") -> str:
    """``digest`` itself if it is one (:func:`is_digest`), else :class:`InputError` (no path is ever made of it)."""
    if not is_digest(digest):
        raise InputError(f"{what} is named by its SHA-256 digest (64 hex digits)")
    return digest


def path(digest: str, what: str = "the uploaded file") -> Path:
    """Where the disk copy of ``digest`` lives (whether or not it is there)."""
    return cache.cache_dir() / FOLDER / f"{check_digest(digest, what)}.npz"


def _megabytes(n: int) -> str:
    return f"{n / 2**20:.1f}"


def too_large(size: int, max_bytes: int, what: str, hint: str = "") -> InputError:
    """The one message for a file over its limit, with both sizes (and ``hint``, what to do, after them)."""
    return InputError(f"{what} is {_megabytes(size)} MB, larger than the {max_bytes / 2**20:g} MB limit"
                      + (f"; {hint}" if hint else ""))


def gone(what: str = "the uploaded file") -> InputError:
    return InputError(f"{what} is no longer stored on this server (the cache was cleared or made room): "
                      "upload it again")


# -- memory: the last uploads used, bounded in bytes -------------------------------------------------------

def _key(digest: str) -> tuple[str, str]:
    """The memory key: the cache directory and the digest (two cache directories never share a copy)."""
    try:
        return str(cache.cache_dir()), digest
    except OSError:
        return "", digest


def _remember(key: tuple[str, str], data: bytes, on_disk: bool) -> None:
    if len(data) > MEMORY_BYTES:
        return
    with _memory_lock:
        _memory[key] = (data, on_disk)
        _memory.move_to_end(key)
        total = sum(len(d) for d, _ in _memory.values())
        while total > MEMORY_BYTES:
            _, (dropped, _) = _memory.popitem(last=False)
            total -= len(dropped)


def _recall(key: tuple[str, str]) -> tuple[bytes, bool] | None:
    with _memory_lock:
        held = _memory.get(key)
        if held is not None:
            _memory.move_to_end(key)
        return held


def _forget(key: tuple[str, str]) -> None:
    with _memory_lock:
        _memory.pop(key, None)


def in_memory(digest: str) -> bool:
    """Whether ``digest``'s bytes are held in memory now (for tests and diagnostics)."""
    with _memory_lock:
        return _key(digest) in _memory


def memory_bytes() -> int:
    """Bytes of uploads held in memory now (at most :data:`MEMORY_BYTES`)."""
    with _memory_lock:
        return sum(len(d) for d, _ in _memory.values())


def forget_memory() -> None:
    """Drop every memory copy (the disk copies stay)."""
    with _memory_lock:
        _memory.clear()


def _on_disk(file: Path) -> bool:
    """Whether the disk copy is there; marks it recently used, so the cache evicts it last."""
    try:
        os.utime(file)
        return True
    except FileNotFoundError:
        return False
    except OSError:  # there, but not ours to touch (a read-only cache directory)
        return file.is_file()


# -- the store ---------------------------------------------------------------------------------------------

def store(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, what: str = "the uploaded file",
          digest: str | None = None) -> str:
    """Keep ``data`` (already checked by its topic) under its SHA-256 digest; return the digest.

    ``max_bytes``: the caller's limit (:class:`InputError` naming both sizes above it). ``digest``: the
    bytes' SHA-256 when the caller already has it (``ui.uploaded``), so they are not hashed again. A disk
    that cannot be written leaves the upload in this process's memory only (this server's jobs still find
    it).
    """
    data = data if isinstance(data, bytes) else bytes(data)
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes, what)
    digest = digest_of(data) if digest is None else check_digest(digest, what)
    key = _key(digest)
    try:
        file = path(digest, what)
        on_disk = _on_disk(file)
        if not on_disk:
            cache.dump(np.frombuffer(data, dtype=np.uint8), file)
            on_disk = True
            cache.evict()
    except OSError:  # no usable cache directory
        on_disk = False
    _remember(key, data, on_disk)
    return digest


def exists(digest: str) -> bool:
    """Whether ``digest`` is stored (on disk, or in memory where the disk could not be written)."""
    if not is_digest(digest):
        return False
    held = _recall(_key(digest))
    if held is not None and not held[1]:
        return True
    try:
        return path(digest).is_file()
    except OSError:
        return False


def load(digest: str, what: str = "the uploaded file") -> bytes:
    """The bytes stored under ``digest``; :class:`InputError` if it is not a digest, or the file is gone or damaged."""
    key = _key(check_digest(digest, what))
    held = _recall(key)
    try:
        file = path(digest, what)
    except OSError:
        file = None
    if held is not None:
        data, on_disk = held
        if not on_disk or (file is not None and _on_disk(file)):
            return data
        _forget(key)  # cleared or evicted on disk: gone for every process alike
    if file is None or not file.is_file():
        raise gone(what)
    try:
        stored = cache.load(file)
    except FileNotFoundError:
        raise gone(what) from None
    except _UNREADABLE:
        stored = None
    if isinstance(stored, np.ndarray) and stored.dtype == np.uint8 and stored.ndim == 1:
        data = stored.tobytes()
        if digest_of(data) == digest:
            _on_disk(file)
            _remember(key, data, True)
            return data
    file.unlink(missing_ok=True)
    raise InputError(f"the stored copy of {what} is damaged: upload it again")


def read_file(file: str | os.PathLike, max_bytes: int, what: str, hint: str = "") -> bytes:
    """A file named on a command line, read to at most ``max_bytes`` (one byte more tells it is too large).

    :class:`InputError` if it is missing or larger than ``max_bytes`` (then with ``hint``); a larger file is
    never read whole, whatever its size on disk says.
    """
    file = Path(file).expanduser()
    if not file.is_file():
        raise InputError(f"{what}: no such file")
    try:
        with open(file, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{what} cannot be read ({exc.strerror or type(exc).__name__})") from None
    if len(data) > max_bytes:
        raise too_large(max(file.stat().st_size, len(data)), max_bytes, what, hint)
    return data
