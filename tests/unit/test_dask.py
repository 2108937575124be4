"""Sweeps on a Dask cluster given by its address (GANPLIFY_DASK_SCHEDULER): a LocalCluster stands in."""

from __future__ import annotations

import pytest

from ganplify_core import sweeps
from ganplify_core.errors import InputError

distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")


def _cube(x: int) -> int:
    return x**3


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None) as cluster:
        yield cluster


def test_a_sweep_runs_on_the_cluster_in_order(cluster, monkeypatch):
    monkeypatch.setenv("GANPLIFY_DASK_SCHEDULER", cluster.scheduler_address)
    reports = []
    results = sweeps.run_sweep(_cube, [(i,) for i in range(8)], progress=lambda f, m: reports.append(f))
    assert results == [i**3 for i in range(8)]
    assert reports[-1] == 1.0 and len(reports) == 8
    with distributed.Client(cluster.scheduler_address) as client:
        assert any("_in_worker" in key for key in client.run_on_scheduler(_task_prefixes)), "ran on the cluster"


def _task_prefixes(dask_scheduler) -> list[str]:
    return list(dask_scheduler.task_prefixes)


def test_the_amplification_sets_fan_out_to_the_cluster(cluster, monkeypatch, tmp_cache):
    from ganplify_core.amplify.experiment import AmplifyConfig, run_amplification

    monkeypatch.setenv("GANPLIFY_DASK_SCHEDULER", cluster.scheduler_address)
    config = AmplifyConfig(n_train=30, n_seeds=2, steps=50, max_generated=10_000, methods=("kde", "gan"))
    on_cluster = run_amplification(config)
    monkeypatch.delenv("GANPLIFY_DASK_SCHEDULER")
    monkeypatch.setenv("GANPLIFY_JOBS", "1")
    local = run_amplification(config)
    assert on_cluster.summary()["kde"]["mse"] == local.summary()["kde"]["mse"], "same numbers wherever it runs"


def test_an_address_where_nobody_answers_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("GANPLIFY_DASK_SCHEDULER", "tcp://127.0.0.1:9")
    with pytest.raises(InputError, match="no Dask scheduler answers"):
        sweeps.run_sweep(_cube, [(1,), (2,)])
