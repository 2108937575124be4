"""The package installs and runs from anywhere, with its data; the server's settings match the loaders' limits."""

from __future__ import annotations

import configparser
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
# What the app reads from assets/ besides the shipped results (the README's screenshot is not among them).
DATA_FILES = ("calo_gan.pt", "reference_jets.npz", "preset_times.json", "ae-curve-default.npz", "ae-roc-default.npz")
# The tests of the source tree's packaging need a checkout; a copy of tests/ run against an installed package
# (docs/install.md) has no ganplify_core/ or assets/ beside it.
needs_checkout = pytest.mark.skipif(not (ROOT / "ganplify_core").is_dir(),
                                    reason="no source checkout here: the tests run against an installed package")


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


@needs_checkout
def test_a_checkout_reads_the_top_level_assets_folder():
    from ganplify_core import experiments, paths, ui
    from ganplify_core.calorimeter.gan import PRETRAINED_PATH
    from ganplify_core.jets.sample import REFERENCE_PATH

    assert paths.ASSETS_DIR == ASSETS  # the one folder make assets writes
    assert experiments.SHIPPED_DIR == ASSETS / "shipped"
    assert {ui.PRESET_TIMES, PRETRAINED_PATH, REFERENCE_PATH} <= {ASSETS / name for name in DATA_FILES}


# -- the wheel ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the source (so no build/ or egg-info lands in the checkout)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("ganplify_core", "assets"):  # __pycache__ folders included: they must stay out of the wheel
        shutil.copytree(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    build = f"from setuptools import build_meta; print(build_meta.build_wheel({str(out)!r}))"
    result = subprocess.run([sys.executable, "-c", build], cwd=source, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.glob("ganplify_lab-*.whl")
    return path


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@needs_checkout
def test_the_wheel_carries_the_shipped_results_and_the_data(wheel):
    names = _names(wheel)
    manifest = json.loads((ASSETS / "shipped" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest, "assets/shipped/manifest.json is empty"
    wanted = {f"ganplify_core/assets/shipped/{name}" for name in [*manifest, "manifest.json"]}
    wanted |= {f"ganplify_core/assets/{name}" for name in DATA_FILES}
    assert wanted - names == set()
    with zipfile.ZipFile(wheel) as archive:  # the wheel's copy is the repository's, byte for byte
        for name in ("shipped/manifest.json", "calo_gan.pt"):
            assert archive.read(f"ganplify_core/assets/{name}") == (ASSETS / name).read_bytes()


@needs_checkout
def test_the_wheel_holds_every_module_and_nothing_else(wheel):
    names = _names(wheel)
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "ganplify_core").rglob("*.py")
               if "__pycache__" not in path.parts}
    # A topic folder missing from pyproject's package list would be missing here (and fail to import).
    assert modules - names == set()
    outside = {name for name in names if not name.startswith(("ganplify_core/", "ganplify_lab-"))}
    assert outside == set()
    assert not [name for name in names if name.endswith((".pyc", ".png")) or "__pycache__" in name
                or "/tests/" in name or name.endswith(".gitkeep")]


@needs_checkout
def test_the_wheel_installs_the_ganplify_command(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (entry_points,) = [name for name in archive.namelist() if name.endswith(".dist-info/entry_points.txt")]
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode())
    assert dict(parser["console_scripts"]) == {"ganplify": "ganplify_core.cli:console_main"}


@needs_checkout
def test_the_unpacked_wheel_finds_its_data_from_another_folder(wheel, tmp_path):
    site = tmp_path / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    code = ("import json, ganplify_core; from ganplify_core import experiments, paths, ui; "
            "from ganplify_core.jets.sample import available_sources; "
            "print(json.dumps([ganplify_core.__file__, str(paths.ASSETS_DIR), len(experiments.shipped_manifest()), "
            "ui.PRESET_TIMES.exists(), available_sources()]))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site),
                                 "GANPLIFY_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == 0, result.stderr[-3000:]
    module, assets, shipped, preset_times, sources = json.loads(result.stdout)
    assert Path(module).is_relative_to(site)
    assert Path(assets) == site / "ganplify_core" / "assets"
    assert shipped == len(json.loads((ASSETS / "shipped" / "manifest.json").read_text(encoding="utf-8")))
    assert preset_times and "reference" in sources
