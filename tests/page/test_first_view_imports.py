"""First views load only what they draw: the home and feature-ranking pages' first views (run in a fresh process)
import neither torch nor scikit-learn nor scipy, and the home page's GAN claim is the shipped default's, read from
the manifest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "sklearn", "scipy", "onnxruntime", "kaleido")

FIRST_VIEW = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({page!r}, default_timeout=300)
at.run()
assert not at.exception, at.exception
print("loaded:", sorted(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("page", ["views/home.py", "views/feature_ranking.py"])
def test_first_view_in_a_fresh_process_loads_no_heavy_library(page, tmp_path):
    env = {"GANPLIFY_CACHE_DIR": str(tmp_path / "cache"), "GANPLIFY_DEVICE": "cpu", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", FIRST_VIEW.format(page=str(ROOT / page), heavy=HEAVY)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "loaded: []" in result.stdout, f"{page}: {result.stdout.strip()}"


def test_amplify_default_is_the_gan_pages_default_config():
    from ganplify_core import cache, overview
    from ganplify_core.amplify.experiment import AmplifyConfig

    assert overview.AMPLIFY_DEFAULT == cache._jsonable(AmplifyConfig())


def test_home_claim_is_the_shipped_default_summary(app_path, tmp_cache):
    from ganplify_core import experiments, overview
    from ganplify_core.amplify.experiment import AMPLIFY, AmplifyConfig

    shipped = experiments.shipped_summary(AMPLIFY, AmplifyConfig())
    if shipped is None:
        pytest.skip("the GAN page's default is not shipped")
    assert overview.amplify_default_summary() == shipped
    at = AppTest.from_file(app_path("views/home.py"), default_timeout=120).run()
    assert not at.exception, at.exception
    gan = shipped["gan"]
    low, high = gan["amplification_of_mean_mse_ci95"]
    claim = f"worth {gan['amplification_of_mean_mse']:.2f} × 100 points (95 % CI {low:.2f}–{high:.2f}"
    assert any(claim in c.value for c in at.caption), [c.value for c in at.caption]
