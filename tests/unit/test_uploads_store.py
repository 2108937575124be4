"""The one upload store (ganplify_core.upload_store): bytes by digest, bounded in memory, shared through the disk."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ganplify_core import cache, upload_store
from ganplify_core.errors import InputError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_memory():
    upload_store.forget_memory()
    yield
    upload_store.forget_memory()


def test_round_trip_through_memory_and_disk(tmp_cache):
    data = b"a,b\n1,2\n" * 1000
    digest = upload_store.store(data, what="t.csv")
    assert digest == upload_store.digest_of(data) and upload_store.is_digest(digest)
    assert upload_store.exists(digest) and upload_store.in_memory(digest)
    assert upload_store.load(digest) == data
    assert upload_store.path(digest) == tmp_cache / "uploads" / f"{digest}.npz"
    upload_store.forget_memory()
    assert upload_store.load(digest) == data, "read back from the disk copy"
    assert upload_store.in_memory(digest), "and held again"
    # the disk copy is a cache entry: counted under the cap, gone with Clear cache
    assert upload_store.path(digest) in cache.entries()


def test_a_known_digest_is_not_hashed_again(tmp_cache, monkeypatch):
    data = b"x" * 100
    digest = upload_store.digest_of(data)
    monkeypatch.setattr(upload_store, "digest_of", lambda _: pytest.fail("hashed a second time"))
    assert upload_store.store(data, digest=digest) == digest
    assert upload_store.load(digest) == data


def test_memory_is_bounded_in_bytes_least_recently_used_first(tmp_cache, monkeypatch):
    monkeypatch.setattr(upload_store, "MEMORY_BYTES", 2500)
    first, second, third = (upload_store.store(bytes([i]) * 1000) for i in range(3))
    assert not upload_store.in_memory(first) and upload_store.in_memory(second) and upload_store.in_memory(third)
    assert upload_store.memory_bytes() == 2000
    upload_store.load(second)  # now the most recently used: the next one pushes out the third
    fourth = upload_store.store(b"\x09" * 1000)
    assert upload_store.in_memory(second) and upload_store.in_memory(fourth) and not upload_store.in_memory(third)
    assert upload_store.memory_bytes() <= upload_store.MEMORY_BYTES
    big = upload_store.store(b"\x07" * 3000)  # larger than the whole budget: disk only, nothing pushed out
    assert not upload_store.in_memory(big) and upload_store.memory_bytes() == 2000
    assert upload_store.load(first) == bytes([0]) * 1000, "an evicted copy still loads from disk"


def test_the_limit_is_stated_in_the_message(tmp_cache):
    with pytest.raises(InputError, match=r"^big.csv is 2.0 MB, larger than the 1 MB limit$"):
        upload_store.store(b"\0" * (2 * 2**20), max_bytes=2**20, what="big.csv")
    assert not list(tmp_cache.rglob("*.npz")), "nothing stored"
    assert upload_store.store(b"\0" * 2**20, max_bytes=2**20)  # exactly at the limit is accepted


@pytest.mark.parametrize("bad", ["../../etc/passwd", "0" * 63, "A" * 64, "0" * 63 + "/", "g" * 64, None, 12])
def test_a_digest_is_64_hex_digits_before_it_is_a_path(tmp_cache, bad):
    with pytest.raises(InputError, match="SHA-256 digest \\(64 hex digits\\)"):
        upload_store.load(bad, "the uploaded jets file")
    if bad is not None:  # store(digest=None) means: hash the bytes
        with pytest.raises(InputError, match="64 hex digits"):
            upload_store.store(b"data", digest=bad)
    assert not upload_store.exists(bad)


def test_a_file_that_is_gone_or_damaged_asks_for_it_again(tmp_cache):
    with pytest.raises(InputError, match="^the uploaded CSV file is no longer stored on this server .*upload it again$"):
        upload_store.load("0" * 64, "the uploaded CSV file")
    digest = upload_store.store(b"some bytes")
    assert cache.clear_cache() == 1
    with pytest.raises(InputError, match="no longer stored"):
        upload_store.load(digest)  # the memory copy goes with its disk copy: every process sees the same
    assert not upload_store.exists(digest) and not upload_store.in_memory(digest)
    digest = upload_store.store(b"other bytes")
    upload_store.forget_memory()
    cache.dump(np.frombuffer(b"tampered!!!", dtype=np.uint8), upload_store.path(digest))
    with pytest.raises(InputError, match="stored copy of the upload is damaged: upload it again"):
        upload_store.load(digest, "the upload")
    assert not upload_store.path(digest).exists(), "a damaged copy is removed"
    upload_store.path(digest).write_bytes(b"not an npz")
    with pytest.raises(InputError, match="damaged"):
        upload_store.load(digest, "the upload")


def test_another_process_reads_the_disk_copy(tmp_cache):
    data = bytes(range(256)) * 40
    digest = upload_store.store(data)
    script = ("import sys; from ganplify_core import upload_store as s; "
              f"d = s.load('{digest}'); print(len(d), s.digest_of(d) == '{digest}')")
    env = {**os.environ, "GANPLIFY_CACHE_DIR": str(tmp_cache), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(len(data)), "True"]


def test_an_unwritable_cache_keeps_the_upload_in_memory(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("the cache directory cannot be made here")
    monkeypatch.setenv("GANPLIFY_CACHE_DIR", str(blocked / "cache"))
    digest = upload_store.store(b"held here")
    assert upload_store.exists(digest) and upload_store.load(digest) == b"held here"


def test_a_command_line_file_is_read_to_its_limit(tmp_path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_bytes(b"1" * 100)
    large.write_bytes(b"1" * (2 * 2**20 + 1))
    assert upload_store.read_file(small, 100, "--csv small.csv") == b"1" * 100
    with pytest.raises(InputError, match=r"^--csv large.csv is 2.0 MB, larger than the 1 MB limit$"):
        upload_store.read_file(large, 2**20, "--csv large.csv")
    with pytest.raises(InputError, match="^--csv x: no such file$"):
        upload_store.read_file(tmp_path / "missing.csv", 100, "--csv x")
    with pytest.raises(InputError, match="no such file"):
        upload_store.read_file(tmp_path, 100, "--csv folder")  # a folder is not a file
