"""The disk cache: hit, miss, corrupt and truncated entries, concurrent writers, what it stores."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os

import numpy as np
import pytest
import torch

from ganplify_core import cache


@dataclasses.dataclass(frozen=True)
class Config:
    n: int
    lr: float
    name: str = "a"


@dataclasses.dataclass
class Result:
    x: np.ndarray
    losses: dict
    note: str
    best: float


@pytest.fixture(autouse=True)
def trust_this_module(monkeypatch):
    monkeypatch.setattr(cache, "TRUSTED_MODULES", (*cache.TRUSTED_MODULES, __name__))


def make_result(n: int) -> Result:
    return Result(x=np.arange(n, dtype=np.float32), losses={"g": np.ones(3), "count": n}, note="ok", best=float("nan"))


def test_key_depends_on_every_field_and_kind():
    base = cache.config_key("k", Config(1, 0.1))
    assert base == cache.config_key("k", Config(1, 0.1))
    assert base != cache.config_key("k", Config(2, 0.1))
    assert base != cache.config_key("k", Config(1, 0.1, name="b"))
    assert base != cache.config_key("other", Config(1, 0.1))


def test_key_depends_on_package_version(monkeypatch):
    before = cache.config_key("k", Config(1, 0.1))
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert cache.config_key("k", Config(1, 0.1)) != before


def test_miss_then_hit(tmp_cache):
    calls = []

    def compute():
        calls.append(1)
        return make_result(5)

    first = cache.cached("result", Config(5, 0.1), compute)
    second = cache.cached("result", Config(5, 0.1), compute)
    assert len(calls) == 1
    assert isinstance(second, Result)
    np.testing.assert_array_equal(first.x, second.x)
    assert second.x.dtype == np.float32
    assert second.losses["count"] == 5 and np.isnan(second.best)


def test_round_trip_of_tensors_tuples_and_nested_values(tmp_path):
    value = {"state": {"w": torch.randn(3, 2)}, "shape": (3, 2), "items": [1, None, "x", True], "pi": np.float64(3.14)}
    cache.dump(value, tmp_path / "v.npz")
    loaded = cache.load(tmp_path / "v.npz")
    assert torch.equal(loaded["state"]["w"], value["state"]["w"])
    assert loaded["shape"] == (3, 2) and loaded["items"] == [1, None, "x", True] and loaded["pi"] == 3.14


def test_refuses_values_that_would_need_pickle(tmp_path):
    with pytest.raises(TypeError):
        cache.dump({"x": np.array([object()])}, tmp_path / "v.npz")
    with pytest.raises(TypeError):
        cache.dump({"x": {1, 2}}, tmp_path / "v.npz")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_entry_is_recomputed(tmp_cache, damage):
    config = Config(7, 0.2)
    cache.cached("result", config, lambda: make_result(7))
    path = cache.entry_path("result", config)
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"not a zip file at all", "empty": b""}[damage])
    with pytest.warns(UserWarning, match="unreadable"):
        again = cache.cached("result", config, lambda: make_result(7))
    np.testing.assert_array_equal(again.x, np.arange(7))
    assert cache.load(path).note == "ok"  # the entry was rewritten whole


def _write_many(directory: str, worker: int) -> None:
    os.environ["GANPLIFY_CACHE_DIR"] = directory
    for _ in range(20):
        cache.dump({"x": np.arange(1000 + worker)}, cache.entry_path("race", Config(1, 0.1)))


def test_concurrent_writers_leave_a_whole_entry(tmp_cache):
    tmp_cache.mkdir(parents=True, exist_ok=True)
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_write_many, args=(str(tmp_cache), w)) for w in range(2)]
    for w in workers:
        w.start()
    # Read while the writers race: every read sees a complete entry (old or new), never a partial one.
    path = cache.entry_path("race", Config(1, 0.1))
    while any(w.is_alive() for w in workers):
        if path.exists():
            assert len(cache.load(path)["x"]) in (1000, 1001)
    for w in workers:
        w.join()
        assert w.exitcode == 0
    assert len(cache.load(path)["x"]) in (1000, 1001)
    assert not [p for p in path.parent.iterdir() if p.suffix == ".tmp"]  # no temporary files left behind


def test_clear_cache(tmp_cache):
    cache.cached("result", Config(1, 0.1), lambda: make_result(1))
    assert cache.is_cached("result", Config(1, 0.1))
    assert cache.clear_cache() == 1
    assert not cache.is_cached("result", Config(1, 0.1))


def test_cache_dir_from_environment(tmp_cache):
    assert cache.cache_dir() == tmp_cache


# -- hardening: what a damaged or hostile cache directory must not do -------------------------------------

def _write_tree(path, tree) -> None:
    import json as _json
    text = "[" * 100_000 + "0" + "]" * 100_000 if tree == "deep" else _json.dumps(tree)
    np.savez(path, **{cache._TREE_KEY: np.frombuffer(text.encode(), dtype=np.uint8)})


@pytest.mark.parametrize("tree", [None, {}, [], "deep", {"__dataclass__": "ganplify_core.__main__:X", "fields": {}},
                                  {"__dataclass__": "os:PathLike", "fields": {}},
                                  {"__dataclass__": "ganplify_core.cache:Path", "fields": {}}])
def test_a_bad_entry_is_deleted_and_recomputed(tmp_cache, tree):
    import sys as _sys
    config = Config(3, 0.3)
    path = cache.entry_path("result", config)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_tree(path, tree)
    before = set(_sys.modules)
    with pytest.warns(UserWarning, match="unreadable"):
        value = cache.cached("result", config, lambda: make_result(3))
    assert isinstance(value, Result) and "ganplify_core.__main__" not in set(_sys.modules) - before
    assert isinstance(cache.load(path), Result), "the bad entry was replaced"


def test_an_entry_that_expands_past_the_cap_is_refused(tmp_cache, monkeypatch):
    config = Config(4, 0.4)
    cache.cached("result", config, lambda: {"x": np.zeros(1_000_000)})
    monkeypatch.setenv("GANPLIFY_CACHE_MAX_MB", "0.5")
    with pytest.warns(UserWarning, match="unreadable"):
        assert cache.read("result", config) is None


def test_least_recently_used_entries_go_first(tmp_cache, monkeypatch):
    for n in range(4):
        cache.cached("result", Config(n, 0.1), lambda n=n: {"x": np.zeros(100_000) + n})
        os.utime(cache.entry_path("result", Config(n, 0.1)), (1000 + n, 1000 + n))
    cache.read("result", Config(0, 0.1))  # used just now: kept
    size = cache.entry_path("result", Config(0, 0.1)).stat().st_size
    assert cache.evict(cap=int(2.5 * size)) == 2
    assert [cache.is_cached("result", Config(n, 0.1)) for n in range(4)] == [True, False, False, True]


def test_clear_removes_only_cache_entries(tmp_cache):
    cache.cached("result", Config(1, 0.1), lambda: make_result(1))
    mine = tmp_cache / "notes.txt"
    mine.write_text("my notes")
    (tmp_cache / "result" / "keep.npz").write_bytes(b"a user's file")
    assert cache.clear_cache() == 1
    assert mine.read_text() == "my notes" and (tmp_cache / "result" / "keep.npz").exists()


def test_clear_skips_an_entry_being_computed(tmp_cache):
    config = Config(2, 0.2)
    cache.cached("result", config, lambda: make_result(2))
    with cache.key_lock("result", config):
        assert cache.clear_cache() == 0
    assert cache.clear_cache() == 1


def test_a_cache_dir_that_is_a_file_turns_the_disk_cache_off(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("GANPLIFY_CACHE_DIR", str(blocker))
    monkeypatch.setattr(cache, "_problem", None)
    with pytest.warns(UserWarning, match="disk cache off"):
        value = cache.cached("result", Config(5, 0.5), lambda: make_result(5))
    assert isinstance(value, Result) and not cache.is_cached("result", Config(5, 0.5))
    assert "cannot be used" in cache.problem()


def test_orphan_temporaries_are_swept(tmp_path, monkeypatch):
    root = tmp_path / "fresh"
    (root / "result").mkdir(parents=True)
    orphan = root / "result" / ".abc.npz.123.tmp"
    orphan.write_bytes(b"half")
    os.utime(orphan, (1000, 1000))
    monkeypatch.setenv("GANPLIFY_CACHE_DIR", str(root))
    cache.cache_dir()
    assert not orphan.exists()


def test_cache_cli_info_and_clear(tmp_cache):
    import json as _json
    import subprocess
    import sys as _sys
    cache.cached("result", Config(1, 0.1), lambda: {"x": np.arange(10)})
    env = {**os.environ, "GANPLIFY_CACHE_DIR": str(tmp_cache)}
    run = lambda *a: subprocess.run([_sys.executable, "-m", "ganplify_core", "cache", *a, "--json"],
                                    capture_output=True, text=True, env=env, timeout=120)
    info = _json.loads(run("info").stdout)
    assert info["entries"] == 1 and info["bytes"] > 0 and info["cap_bytes"] == 4096 * 1024 * 1024
    assert _json.loads(run("clear").stdout) == {"removed": 1, "entries": 0, "bytes": 0}
