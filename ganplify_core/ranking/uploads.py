"""Uploaded CSV files, kept by the SHA-256 of their bytes: what a ranking config names instead of the file.

A config holds only the digest (and the target column's name), so it hashes to the same cache key in
every session and process, and a job in a worker thread finds the file without being handed it. The
bytes are stored in the disk cache as a plain ``uint8`` array (``np.load(..., allow_pickle=False)``)
and are only ever parsed as CSV text by :func:`ganplify_core.ranking.datasets.parse_feature_csv`;
nothing from a user is unpickled. Parsed tables are held in memory for the last few uploads.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from ganplify_core import cache
from ganplify_core.errors import InputError
from ganplify_core.ranking import datasets
from ganplify_core.ranking.datasets import FeatureTable

KIND = "ranking-upload"
HEX = frozenset("0123456789abcdef")


def digest_of(content: bytes) -> str:
    """SHA-256 of an uploaded file's bytes: its name in configs and cache keys."""
    return hashlib.sha256(content).hexdigest()


def is_digest(text: object) -> bool:
    return isinstance(text, str) and len(text) == 64 and set(text) <= HEX


def accept(content: bytes, target: str | None = None, name: str = "upload", digest: str | None = None) -> tuple[str, FeatureTable]:
    """Parse an uploaded file (refusing what is not a usable CSV), store it, and return (digest, table).

    ``digest``: the content's SHA-256 when the caller already has it (a page rerun with the same upload):
    a file already stored is then not parsed again.
    """
    target = target or None
    if digest is not None and is_digest(digest) and cache.exists(KIND, digest):
        return digest, table(digest, target)
    table_ = datasets.parse_feature_csv(content, target, name=name)  # raises InputError before anything is stored
    return store(content), table_


def store(content: bytes) -> str:
    """Keep already-checked CSV bytes under their digest (a plain uint8 array) and return the digest."""
    digest = digest_of(content)
    if not cache.exists(KIND, digest):
        cache.write(KIND, digest, np.frombuffer(content, dtype=np.uint8))
    return digest


def content(digest: str) -> bytes:
    """The stored bytes of upload ``digest`` (InputError if they are gone, e.g. after *Clear cache*)."""
    if not is_digest(digest):
        raise InputError("an uploaded file is named by its SHA-256 digest (64 hex digits)")
    stored = cache.read(KIND, digest)
    if not isinstance(stored, np.ndarray) or stored.dtype != np.uint8:
        raise InputError("the uploaded CSV is no longer stored on this server (the cache was cleared): upload it again")
    data = stored.tobytes()
    if digest_of(data) != digest:
        raise InputError("the stored copy of the uploaded CSV is damaged: upload it again")
    return data


@functools.lru_cache(maxsize=4)
def _tables(digest: str, target: str | None) -> FeatureTable:
    return datasets.parse_feature_csv(content(digest), target, name="the uploaded CSV")


def table(digest: str, target: str | None = None) -> FeatureTable:
    """The feature table of stored upload ``digest`` with ``target`` as the target column."""
    return _tables(digest, target or None)
