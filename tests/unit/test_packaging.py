"""The package installs and runs from anywhere; the server's settings match the loaders' limits."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_upload_limit_is_the_loaders_limit():
    from ganplify_core.clustering.csv_input import MAX_CSV_BYTES

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 2**20 == MAX_CSV_BYTES


def test_the_console_script_is_the_module_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["ganplify"] == "ganplify_core.cli:console_main"
    assert {"test", "reference", "dask"} <= set(project["optional-dependencies"])
    assert any(dep.startswith("torch") and "<2.14" in dep for dep in project["dependencies"])


def test_the_package_imports_and_runs_from_another_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ganplify_core", "cache", "info", "--json"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "GANPLIFY_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert '"entries": 0' in result.stdout
