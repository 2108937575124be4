"""The jets API contract used by the VAE, clustering and autoencoder pages."""

from __future__ import annotations

import numpy as np
import pytest

from ganplify_core.errors import InputError
from ganplify_core.jets import OBSERVABLES, available_sources, get_jets, jet_images


@pytest.mark.parametrize("process", ["qcd", "w", "top"])
def test_get_jets_returns_the_contracted_arrays(tmp_cache, process):
    jets = get_jets(process, 64, seed=1)
    assert jets.process == process and jets.source == "toy"
    for name in ("pt", "eta", "phi"):
        array = getattr(jets, name)
        assert array.dtype == np.float32 and array.shape == (64, 50)
        assert np.all(array[~jets.mask] == 0)
    assert jets.mask.dtype == bool
    assert np.all(np.diff(jets.pt, axis=1) <= 0), "constituents sorted by decreasing pT"
    assert tuple(jets.observables) == OBSERVABLES
    assert all(v.shape == (64,) and np.all(np.isfinite(v)) for v in jets.observables.values())
    # The count is of the whole jet; only the 50 hardest constituents are kept.
    assert np.all(jets.observables["n_constituents"] >= jets.mask.sum(1))
    np.testing.assert_array_equal(jets.mask.sum(1), np.minimum(jets.observables["n_constituents"], 50))


def test_get_jets_is_cached_and_prefix_consistent(tmp_cache):
    small = get_jets("top", 30, seed=3)
    again = get_jets("top", 30, seed=3)
    large = get_jets("top", 60, seed=3)
    np.testing.assert_array_equal(small.pt, again.pt)
    np.testing.assert_array_equal(small.eta, large.eta[:30])
    assert any(p.suffix == ".npz" for p in tmp_cache.rglob("*"))
    assert not np.array_equal(get_jets("top", 30, seed=4).pt, small.pt)


def test_jet_images_have_the_contracted_shape_and_unit_sum(tmp_cache):
    jets = get_jets("qcd", 20, seed=0)
    images = jet_images(jets, normalise=True)
    assert images.dtype == np.float32 and images.shape == (20, 40, 40)
    np.testing.assert_allclose(images.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    raw = jet_images(jets, normalise=False)
    inside = jets.mask & (np.abs(jets.eta) < 0.8) & (np.abs(jets.phi) < 0.8)
    np.testing.assert_allclose(raw.sum(axis=(1, 2)), np.where(inside, jets.pt, 0).sum(1), rtol=1e-4)


def test_bad_arguments_raise_input_errors(tmp_cache):
    with pytest.raises(InputError, match="process"):
        get_jets("gluon", 10)
    with pytest.raises(InputError, match="source"):
        get_jets("qcd", 10, source="herwig")
    with pytest.raises(InputError, match="n must"):
        get_jets("qcd", 0)
    assert available_sources()[0] == "toy"


def test_cli_prints_summaries_and_writes_jets(tmp_cache, tmp_path, capsys):
    import json

    from ganplify_core.cli import main

    out = tmp_path / "jets.npz"
    assert main(["jets", "--process", "w", "--n", "300", "--seed", "2", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    jets = get_jets("w", 300, seed=2)
    for name in ("mass", "tau21", "tau32", "n_constituents"):
        assert result[name]["mean"] == pytest.approx(float(jets.observables[name].mean()), rel=1e-5)
        assert result[name]["std"] == pytest.approx(float(jets.observables[name].std()), rel=1e-4)
    with np.load(out) as saved:
        np.testing.assert_array_equal(saved["pt"], jets.pt)
        np.testing.assert_array_equal(saved["obs_tau32"], jets.observables["tau32"])
    with pytest.raises(SystemExit) as exit_info:
        main(["jets", "--process", "higgs", "--json"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("args, message", [
    (["--n", "0"], "n=0: use between 1 and 500000 jets"),
    (["--n", "1000000000000"], "n=1000000000000: use between 1 and 500000 jets"),
    (["--n", "1e12"], "n=1e12: must be a whole number"),
    (["--n", "nan"], "must be a whole number"),
    (["--seed", "-1"], "seed=-1: use between 0 and 4294967295"),
    (["--source", "herwig"], "source=herwig: choose one of toy, reference"),
    ([], "the following arguments are required: --process"),
])
def test_cli_rejects_bad_values_with_one_line_and_exit_2(tmp_cache, capsys, args, message):
    from ganplify_core.cli import main

    process = [] if not args else ["--process", "qcd"]
    with pytest.raises(SystemExit) as exit_info:
        main(["jets", *process, *args, "--json"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_cache.rglob("*.npz")), "nothing was generated"


def test_cli_rejects_more_jets_than_the_reference_holds(tmp_cache, capsys):
    from ganplify_core.cli import main
    from ganplify_core.jets.sample import reference_size

    if "reference" not in available_sources():
        pytest.skip("no reference sample shipped")
    too_many = reference_size("top") + 1
    assert main(["jets", "--process", "top", "--source", "reference", "--n", str(too_many), "--json"]) == 2
    err = capsys.readouterr().err
    assert f"n={too_many} is more than the" in err and len(err.strip().splitlines()) == 1
