"""Shipped results (``make assets``) and presets: found by key, flagged when the code changed, recomputable."""

from __future__ import annotations

import dataclasses
import json

import pytest

from ganplify_core import cli, experiments, params
from ganplify_core.params import param


@dataclasses.dataclass(frozen=True)
class SquareConfig(params.Config):
    x: int = param(3, lo=0, hi=100, help="the number to square")


CALLS: list[int] = []


def _square(config: SquareConfig, progress) -> dict:
    CALLS.append(config.x)
    return {"square": config.x ** 2}


SQUARE = experiments.Experiment(name="test-square", config_type=SquareConfig, compute=_square, to_json=dict,
                                estimate_seconds=lambda config: 0.1, ship=(SquareConfig(),),
                                presets=(experiments.Preset("demo", "A demo", SquareConfig(x=4)),))


@pytest.fixture
def shipped_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(experiments, "SHIPPED_DIR", tmp_path / "shipped")
    monkeypatch.setenv("GANPLIFY_CACHE_DIR", str(tmp_path / "cache"))
    experiments.forget_memory()
    CALLS.clear()
    yield tmp_path / "shipped"
    experiments.forget_memory()


def test_a_shipped_result_is_shown_without_computing(shipped_dir):
    path = experiments.make_shipped(SQUARE, SquareConfig())
    assert path.parent == shipped_dir and CALLS == [3]
    manifest = json.loads((shipped_dir / experiments.MANIFEST_NAME).read_text())
    assert manifest[path.name]["key"] == SQUARE.key(SquareConfig())
    assert manifest[path.name]["config"]["x"] == 3
    experiments.forget_memory()
    assert experiments.is_cached(SQUARE, SquareConfig())
    assert experiments.run(SQUARE, SquareConfig()) == {"square": 9}
    assert CALLS == [3]  # read, not computed
    assert experiments.shipped_info(SQUARE, SquareConfig())["stale"] is False
    assert not experiments.is_cached(SQUARE, SquareConfig(x=5))  # another config is not the shipped one


def test_changed_code_marks_it_stale_and_a_recompute_replaces_it(shipped_dir, monkeypatch):
    experiments.make_shipped(SQUARE, SquareConfig())
    monkeypatch.setattr(experiments, "code_version", lambda experiment: "other-code")
    assert experiments.shipped_info(SQUARE, SquareConfig())["stale"] is True
    CALLS.clear()
    assert experiments.run(SQUARE, SquareConfig(), use_shipped=False) == {"square": 9}
    assert CALLS == [3]  # computed again, stored in the disk cache
    assert experiments.shipped_info(SQUARE, SquareConfig()) is None  # the recomputed result is shown now


def test_a_damaged_shipped_file_is_not_trusted(shipped_dir):
    path = experiments.make_shipped(SQUARE, SquareConfig())
    path.write_bytes(b"not a zip")
    experiments.forget_memory()
    assert experiments.run(SQUARE, SquareConfig()) == {"square": 9}
    assert CALLS == [3, 3]


def test_code_version_follows_the_topic_source():
    cli.build_parser()
    versions = {name: experiments.code_version(e) for name, e in experiments.REGISTRY.items()}
    assert all(len(v) == 16 for v in versions.values())
    assert versions["amplify"] != versions["vae"]  # each topic's own source


def test_every_shipped_asset_matches_its_config_key():
    """Each file in assets/shipped is the result of a config some experiment ships, under that config's key."""
    cli.build_parser()
    shipped = {experiments.shipped_path(e, c).name: (e, c) for e in experiments.REGISTRY.values() for c in e.ship}
    manifest = experiments.shipped_manifest()
    for path in sorted(experiments.SHIPPED_DIR.glob("*.npz")):
        assert path.name in shipped, f"{path.name}: no experiment ships it (run make assets)"
        experiment, config = shipped[path.name]
        assert manifest[path.name]["key"] == experiment.key(config)
        assert manifest[path.name]["experiment"] == experiment.name


def test_presets_are_valid_configs_of_their_experiment():
    cli.build_parser()
    for name, experiment in experiments.REGISTRY.items():
        keys = [preset.key for preset in experiment.presets]
        assert len(keys) == len(set(keys)), name
        for preset in experiment.presets:
            assert isinstance(preset.config, experiment.config_type), (name, preset.key)
            preset.config.validate()
