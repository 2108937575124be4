"""Uploaded CSV files, kept by the SHA-256 of their bytes: what a ranking config names instead of the file.

A config holds only the digest (and the target column's name), so it hashes to the same cache key in
every session and process, and a job in a worker thread finds the file without being handed it. The
bytes are kept by :mod:`ganplify_core.upload_store` (memory and the cache directory, never pickled)
and are only ever parsed as CSV text by :func:`ganplify_core.ranking.datasets.parse_feature_csv`;
nothing from a user is unpickled. Parsed tables are held in memory for the last few uploads.
"""

from __future__ import annotations

import functools

from ganplify_core import upload_store
from ganplify_core.ranking import datasets
from ganplify_core.ranking.datasets import FeatureTable

UPLOAD = "the uploaded CSV"
digest_of = upload_store.digest_of
is_digest = upload_store.is_digest


def accept(content: bytes, target: str | None = None, name: str = "upload", digest: str | None = None) -> tuple[str, FeatureTable]:
    """Parse an uploaded file (refusing what is not a usable CSV), store it, and return (digest, table).

    ``digest``: the content's SHA-256 when the caller already has it (a page rerun with the same upload):
    a file already stored is then not parsed again.
    """
    target = target or None
    if digest is not None and is_digest(digest) and upload_store.exists(digest):
        return digest, table(digest, target)
    table_ = datasets.parse_feature_csv(content, target, name=name)  # raises InputError before anything is stored
    return store(content, digest, name), table_


def store(content: bytes, digest: str | None = None, name: str = UPLOAD) -> str:
    """Keep already-checked CSV bytes under their digest and return it (``digest``: when already known)."""
    return upload_store.store(content, max_bytes=upload_store.MAX_UPLOAD_BYTES, what=name, digest=digest)


def content(digest: str) -> bytes:
    """The stored bytes of upload ``digest`` (InputError if they are gone, e.g. after *Clear cache*)."""
    return upload_store.load(digest, UPLOAD)


@functools.lru_cache(maxsize=4)
def _tables(digest: str, target: str | None) -> FeatureTable:
    return datasets.parse_feature_csv(content(digest), target, name="the uploaded CSV")


def table(digest: str, target: str | None = None) -> FeatureTable:
    """The feature table of stored upload ``digest`` with ``target`` as the target column."""
    return _tables(digest, target or None)
