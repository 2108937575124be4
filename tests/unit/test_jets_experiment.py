"""The jets experiments: the CLI's summary and the home page's overview, on the experiment contract."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ganplify_core import experiments
from ganplify_core.errors import InputError
from ganplify_core.jets import available_sources, get_jets, jet_images
from ganplify_core.jets.experiment import (
    JETS,
    MAX_JETS,
    N_EXAMPLES,
    OVERVIEW,
    JetOverviewConfig,
    JetsConfig,
    average_image,
)
from ganplify_core.jets.shower import ToyShowerConfig

CLI_KEYS = ["process", "source", "n", "seed", "mass", "tau21", "tau32", "n_constituents"]


def test_jets_run_is_the_summary_of_get_jets_and_leaves_the_jets_in_its_cache(tmp_cache):
    config = JetsConfig(process="w", n=250, seed=4, underlying_event=True)
    reports = []
    summary = JETS.to_json(experiments.run(JETS, config, lambda f, m: reports.append(f)))
    assert list(summary) == CLI_KEYS
    assert reports and reports == sorted(reports) and reports[-1] == pytest.approx(1.0)
    assert experiments.is_cached(JETS, config)
    entries = {p.parent.name for p in tmp_cache.rglob("*.npz")}
    assert entries == {"jets", "jets-toy"}, entries
    jets = get_jets("w", 250, seed=4, toy=ToyShowerConfig(underlying_event=True))  # read back, not generated again
    for name in ("mass", "tau21", "tau32", "n_constituents"):
        values = jets.observables[name].astype(np.float64)
        assert summary[name] == {"mean": pytest.approx(values.mean()), "std": pytest.approx(values.std())}
    assert summary["n"] == 250 and summary["process"] == "w" and summary["seed"] == 4
    experiments.forget_memory()
    assert experiments.run(JETS, config) == summary  # from the disk cache, identical


def test_cli_json_keys_are_unchanged(tmp_cache, tmp_path, capsys):
    from ganplify_core.cli import main

    out = tmp_path / "top.npz"
    assert main(["jets", "--process", "top", "--n", "120", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed) == CLI_KEYS + ["out"]
    assert printed["out"] == str(out) and out.exists()


@pytest.mark.parametrize("changes, message", [
    ({"n": MAX_JETS + 1}, "use between 1 and 500000"),
    ({"n": 0}, "use between 1"),
    ({"n": float("nan")}, "must be a finite number"),
    ({"seed": -1}, "seed=-1"),
    ({"process": "higgs"}, "choose one of qcd, w, top"),
])
def test_jets_config_rejects_what_it_cannot_hold(changes, message):
    with pytest.raises(InputError, match=message):
        JetsConfig().replace(**changes).validate()


def test_overview_config_rejects_more_reference_jets_than_shipped():
    if "reference" not in available_sources():
        pytest.skip("no reference sample shipped")
    with pytest.raises(InputError, match="more than the"):
        JetOverviewConfig(source="reference", n=20_000).validate()
    with pytest.raises(InputError, match="use between 100 and 100000"):
        JetOverviewConfig(n=10**12).validate()


def test_overview_holds_what_the_figures_show(tmp_cache):
    config = JetOverviewConfig(n=300, seed=7)
    result = experiments.run(OVERVIEW, config)
    assert result.classes == ("qcd", "w", "top")
    for process in result.classes:
        jets = get_jets(process, 300, seed=7)  # from the cache the overview filled
        images = jet_images(jets)
        np.testing.assert_allclose(result.average_images[process], images.mean(axis=0), atol=1e-6)
        np.testing.assert_allclose(result.example_images[process], images[:N_EXAMPLES], atol=1e-7)
        np.testing.assert_array_equal(result.examples[process].pt, jets.pt[:N_EXAMPLES])
        np.testing.assert_array_equal(result.observables[process]["tau32"], jets.observables["tau32"])
    if "reference" in available_sources():
        assert result.compared_source == "reference"
        reference = get_jets("top", 300, seed=7, source="reference")
        np.testing.assert_array_equal(result.compared["top"]["mass"], reference.observables["mass"])
    summary = OVERVIEW.to_json(result)
    assert summary["top"]["mass"]["mean"] == pytest.approx(float(result.observables["top"]["mass"].mean()))
    experiments.forget_memory()
    again = experiments.cached_result(OVERVIEW, config)  # through the disk cache (no pickle)
    assert again.classes == result.classes and again.compared_source == result.compared_source
    np.testing.assert_array_equal(again.average_images["w"], result.average_images["w"])


def test_average_image_in_chunks_is_the_plain_average(tmp_cache, monkeypatch):
    from ganplify_core.jets import experiment

    jets = get_jets("top", 130, seed=1)
    monkeypatch.setattr(experiment, "IMAGE_CHUNK", 50)
    np.testing.assert_allclose(average_image(jets), jet_images(jets).mean(axis=0), atol=1e-6)


def test_estimates_follow_the_sizes():
    small, large = JETS.estimate_seconds(JetsConfig(n=1000)), JETS.estimate_seconds(JetsConfig(n=100_000))
    assert 30 < large / small < 150  # a fixed start-up cost weighs on the small sample
    assert OVERVIEW.estimate_seconds(JetOverviewConfig(n=50_000)) > 5 * OVERVIEW.estimate_seconds(JetOverviewConfig())
    # the home page's default shows at once; its larger choices wait for a press
    assert OVERVIEW.estimate_seconds(JetOverviewConfig()) < experiments.QUICK_SECONDS
    assert OVERVIEW.estimate_seconds(JetOverviewConfig(n=20_000)) > experiments.QUICK_SECONDS
    for experiment in (JETS, OVERVIEW):
        assert len(experiment.calibration) == 3
        for config in experiment.calibration:
            config.validate()
            assert 2 <= experiment.estimate_seconds(config) <= 60 and math.isfinite(experiment.estimate_seconds(config))
