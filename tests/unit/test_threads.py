"""ganplify_core.threads.torch_threads (this thread's torch count, numpy's BLAS pool); first views without torch."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from ganplify_core.threads import thread_counts, torch_count_is_per_thread, torch_threads


@pytest.fixture(autouse=True)
def _restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_sets_and_restores_this_threads_count_even_on_error():
    torch.set_num_threads(3)
    with torch_threads(1):
        assert torch.get_num_threads() == 1
        with torch_threads(2):
            assert torch.get_num_threads() == 2
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 3
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError("inside")
    assert torch.get_num_threads() == 3
    with pytest.raises(ValueError):
        with torch_threads(0):
            pass


@pytest.mark.skipif(not torch_count_is_per_thread(), reason="the count is process-wide on this build")
def test_a_block_in_one_thread_leaves_another_threads_count_alone():
    """The measured behaviour the module documents: the OpenMP backend's count belongs to a thread."""
    torch.set_num_threads(3)
    inside, release, seen = threading.Event(), threading.Event(), {}

    def job():
        seen["job before"] = torch.get_num_threads()
        with torch_threads(1):
            seen["job"] = torch.get_num_threads()
            inside.set()
            release.wait(10)
        seen["job after"] = torch.get_num_threads()

    worker = threading.Thread(target=job)
    worker.start()
    assert inside.wait(10)
    seen["main during"] = torch.get_num_threads()
    release.set()
    worker.join(10)
    assert seen["job"] == 1 and seen["main during"] == 3
    assert seen["job after"] == seen["job before"]


def test_blas_pool_is_limited_by_the_smallest_open_block_and_restored():
    original = thread_counts()["blas"]
    if original is None:
        pytest.skip("no BLAS pool visible to threadpoolctl")
    first_in, second_done, seen = threading.Event(), threading.Event(), {}

    def wide():
        with torch_threads(2):
            first_in.set()
            second_done.wait(10)
            seen["after the narrow block closed"] = thread_counts()["blas"]

    worker = threading.Thread(target=wide)
    worker.start()
    assert first_in.wait(10)
    with torch_threads(1):
        seen["both open"] = thread_counts()["blas"]
    second_done.set()
    worker.join(10)
    assert seen["both open"] == 1
    assert seen["after the narrow block closed"] == min(2, original)
    assert thread_counts()["blas"] == original
    with torch_threads(1, blas=False):
        assert thread_counts()["blas"] == original


# -- first views: pages that never train never load torch ----------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
TORCH_FREE_PAGES = ("home.py", "clustering.py", "feature_ranking.py")


def _page_imports(page: str) -> str:
    tree = ast.parse((ROOT / "views" / page).read_text())
    return "\n".join(ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom)))


@pytest.mark.parametrize("page", TORCH_FREE_PAGES)
def test_first_view_imports_of_torch_free_pages_do_not_load_torch(page):
    code = "\n".join(["import sys", "import ganplify_core.ui", _page_imports(page),
                      # the home page draws its teaser on the first view
                      "from ganplify_core import overview; overview.camelback_teaser()" if page == "home.py" else "",
                      "loaded = sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.'))",
                      "print('torch modules:', loaded[:5])", "sys.exit(1 if loaded else 0)"])
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{page}: {result.stdout.strip()} {result.stderr.strip()[-2000:]}"


def test_home_teaser_is_the_amplify_pages_camel_back():
    from ganplify_core import overview
    from ganplify_core.amplify.distributions import get_distribution

    camelback = get_distribution("camelback", 1, 10)
    x = np.linspace(-9, 9, 401)
    np.testing.assert_allclose(overview.camelback_density(x), camelback.density(x), rtol=1e-14)
    np.testing.assert_array_equal(overview.camelback_sample(50, np.random.default_rng(4)),
                                  camelback.sample(50, np.random.default_rng(4))[:, 0])


# -- training loops read the device only when they report -----------------------------------------------------

def test_run_training_reads_tensor_losses_only_at_progress_reports():
    from ganplify_core.training import run_training

    reads = []

    class DeviceLoss:
        """Stands for a loss on a GPU: float() is a host sync; detach() keeps it on the device."""

        def __init__(self, value):
            self.value = torch.tensor(value)

        def detach(self):
            return self.value

        def __float__(self):
            reads.append(1)
            return float(self.value)

    reports = []
    history = run_training(lambda i: {"loss": DeviceLoss(1.0 / (i + 1))}, 1000,
                           progress=lambda f, m: reports.append(f), log_every=10)
    assert len(reads) == len(reports) == 100       # not the 100 logged steps besides
    np.testing.assert_array_equal(history["step"], np.r_[np.arange(0, 1000, 10), 999])
    np.testing.assert_allclose(history["loss"], 1.0 / (history["step"] + 1), rtol=1e-6)
    assert history["loss"].dtype == np.float64
    plain = run_training(lambda i: {"loss": 1.0 / (i + 1), "r1": float("nan")}, 30, log_every=10)
    np.testing.assert_allclose(plain["loss"], 1.0 / (plain["step"] + 1))
    assert plain["step"].dtype.kind == "i" and np.isnan(plain["r1"]).all()


def test_device_helpers_change_nothing_on_the_cpu():
    from ganplify_core.device import autocast, to_device

    x = torch.randn(4, 3, dtype=torch.float32)
    layer = torch.nn.Linear(3, 2)
    with autocast("cpu"):
        y = layer(x)
    assert y.dtype == torch.float32
    torch.testing.assert_close(y, layer(x), rtol=0, atol=0)
    assert torch.equal(to_device(x, "cpu"), x)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice is per thread on Linux only")
def test_a_sweep_started_by_a_lowered_thread_runs_its_workers_lowered(monkeypatch):
    """A job's sweep (worker processes) stays below the pages' priority, as the job's own thread does."""
    from ganplify_core import sweeps
    from ganplify_core.threads import lower_priority, niceness

    monkeypatch.setenv("GANPLIFY_JOBS", "2")
    seen = {}

    def job() -> None:
        lower_priority(10)
        seen["thread"] = niceness()
        seen["workers"] = sweeps.run_sweep(niceness, [(), ()])

    worker = threading.Thread(target=job)
    worker.start()
    worker.join(120)
    assert seen["thread"] >= 10 and min(seen["workers"]) >= 10, seen
    assert niceness() < 10, "the test's own thread keeps its priority"
