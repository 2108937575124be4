"""Test setup shared by every test: an empty disk cache per session, CPU, fixed threads."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # app_pages, shared by the page and browser tests
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # harness, shared by the browser and load tests

# Set before ganplify_core reads them (it reads them lazily, at call time).
os.environ.setdefault("GANPLIFY_CACHE_DIR", str(ROOT / ".cache" / "pytest-ganplify"))
os.environ.setdefault("GANPLIFY_DEVICE", "cpu")


def pytest_collection_modifyitems(config, items):
    """Tests are grouped by layer: tests/page are ``page`` tests, tests/browser ``browser`` tests."""
    for item in items:
        layer = Path(str(item.fspath)).parent.name
        if layer in ("page", "browser"):
            item.add_marker(getattr(pytest.mark, layer))


_MAIN = sys.modules["__main__"]


@pytest.fixture(autouse=True)
def restore_main_module():
    """AppTest runs a page as ``__main__``; a later spawned process (multiprocessing, Dask) would re-run it."""
    yield
    sys.modules["__main__"] = _MAIN


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    """A fresh, empty cache directory for one test (and no results held in memory from earlier tests)."""
    from ganplify_core import experiments

    monkeypatch.setenv("GANPLIFY_CACHE_DIR", str(tmp_path / "cache"))
    experiments.forget_memory()
    yield tmp_path / "cache"
    experiments.forget_memory()


@pytest.fixture
def app_path():
    """Path of a page file, for ``AppTest.from_file``."""
    return lambda name: str(ROOT / name)


def pytest_sessionfinish(session, exitstatus):
    """Stop jobs still running in worker threads (a failed test may leave one) before the interpreter exits."""
    jobs = sys.modules.get("ganplify_core.jobs")
    if jobs is not None:
        jobs.stop_all()
