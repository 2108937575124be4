"""The README's clustering table is what the code computes (scripts/clustering_table.py), and its prose follows it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("clustering_table", ROOT / "scripts" / "clustering_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("GANPLIFY_CACHE_DIR", str(tmp_path_factory.mktemp("table-cache")))
    try:
        script = _script()
        yield script, script.table()
    finally:
        mp.undo()


def _ari(table: str, row: int) -> float:
    body = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    return float(body[row].split("|")[6])


def test_the_table_has_every_row_and_the_known_answers(computed):
    script, table = computed
    assert table.startswith(script.START) and table.endswith(script.END)
    assert _ari(table, 0) == 1.0  # k-means finds three separated blobs
    assert _ari(table, 1) == 1.0 and _ari(table, 2) < 0.7  # DBSCAN follows the moons, k-means cuts them
    assert _ari(table, 4) == 1.0 and abs(_ari(table, 3)) < 0.05  # the circles: the same, k-means at chance
    # toy jets: the Gaussian mixture beats k-means, and standardising helps k-means (not the other way round)
    gmm, kmeans, raw = _ari(table, 6), _ari(table, 7), _ari(table, 8)
    assert gmm > kmeans > raw


def test_the_readme_table_is_the_computed_one(computed):
    script, table = computed
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = script.table_in(text)
    if shown is None:
        pytest.skip("README.md has no clustering table between its markers yet (the lead pastes it from "
                    "/tmp/readme_parts/clustering.md)")
    assert shown == table, "README.md's clustering table is out of date: paste `python scripts/clustering_table.py`"
