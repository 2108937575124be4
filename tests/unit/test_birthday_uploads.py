"""Your own showers (issue 15.2) and the seed's geometry (issue 14.6): uploads checked one way each, the CLI's
--showers/--reference on files the tests write, the export that loads back, 51 × 51 × 25 end to end."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from ganplify_core import cli, experiments
from ganplify_core.birthday import uploads
from ganplify_core.birthday.experiment import BIRTHDAY, DEFINITIONS, BirthdayConfig, export_showers
from ganplify_core.birthday.sources import draw_pool
from ganplify_core.calorimeter import simulate_showers
from ganplify_core.errors import InputError


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _repeated(distinct: int = 20, copies: int = 3, grid=(25, 25, 25), seed: int = 0):
    """``distinct`` simulator showers, each ``copies`` times, shuffled: exactly distinct·C(copies, 2) duplicate pairs."""
    sample = simulate_showers(distinct, energy=100.0, seed=seed, grid=grid, use_cache=False)
    order = np.random.default_rng(seed).permutation(distinct * copies)
    return np.repeat(sample.images, copies, axis=0)[order], np.repeat(sample.energies, copies)[order]


# -- the loader: one message per way a file can be wrong -------------------------------------------------

def test_export_format_round_trips():
    images = np.random.default_rng(0).random((12, 11, 13, 17)).astype(np.float32)
    energy = np.linspace(10, 500, 12).astype(np.float32)
    back = uploads.parse_showers(uploads.showers_npz(images, energy))
    np.testing.assert_array_equal(back.images, images)
    np.testing.assert_array_equal(back.energy, energy)
    assert back.grid == (11, 13, 17) and len(back) == 12
    assert uploads.parse_showers(uploads.showers_npz(images)).energy is None


GOOD = np.ones((12, 11, 11, 11), np.float32)
BAD_FILES = {
    "not a zip": (b"\x93NUMPY not an npz", "not a .npz file"),
    "damaged zip": (b"PK\x03\x04 broken", "damaged"),
    "no showers array": (_npz(images=GOOD), "no array named 'showers' (it has: images)"),
    "pickled objects": (_npz(showers=np.array([{"a": 1}] * 12, dtype=object)), "Python objects"),
    "text": (_npz(showers=np.array(["a"] * 12)), "real numbers"),
    "complex": (_npz(showers=GOOD.astype(np.complex64)), "real numbers"),
    "not 4-D": (_npz(showers=GOOD[:, :, :, 0]), "shape (m, X, Y, Z)"),
    "grid too small": (_npz(showers=np.ones((12, 5, 11, 11), np.float32)), "11 to 256 cells"),
    "too few showers": (_npz(showers=GOOD[:4]), "holds 4 showers: 10 to 20,000"),
    "NaN": (_npz(showers=np.where(np.arange(11) == 3, np.nan, GOOD).astype(np.float32)), "non-finite"),
    "negative": (_npz(showers=-GOOD), "negative cells"),
    "energy shape": (_npz(showers=GOOD, energy=np.ones(5)), "'energy' must have shape (12,)"),
    "energy value": (_npz(showers=GOOD, energy=-np.ones(12)), "finite and positive"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_each_bad_file_gets_its_message(case):
    content, message = BAD_FILES[case]
    with pytest.raises(InputError, match=None) as error:
        uploads.parse_showers(content, "f.npz")
    assert message in str(error.value), (case, str(error.value))
    assert "\n" not in str(error.value)


def test_size_limits_are_in_the_messages(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="at most 0 MB"):
        uploads.parse_showers(b"PK" + bytes(2000), "big.npz")
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 200 * 2**20)
    monkeypatch.setattr(uploads, "MAX_TOTAL_CELLS", 10 * 11**3)
    with pytest.raises(InputError, match="use at most 10 showers of this grid"):
        uploads.parse_showers(_npz(showers=GOOD), "f.npz")


def test_a_small_file_cannot_expand_past_the_limits():
    # A compressed file of zeros that would expand to 20 001 × 25³ float32 (1.25 GB) is refused from its header.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (20_001, 25, 25, 25)})
        archive.writestr("showers.npy", header.getvalue() + bytes(1000))
    with pytest.raises(InputError, match="20001 showers"):
        uploads.parse_showers(buffer.getvalue(), "bomb.npz")


# -- the experiment on uploads -------------------------------------------------------------------------------

def test_uploaded_exact_duplicates_are_counted_exactly(tmp_cache):
    images, energy = _repeated()
    digest, showers = uploads.accept(uploads.showers_npz(images, energy), "mine.npz")
    assert len(showers) == 60
    config = BirthdayConfig(sources=("upload",), showers_sha256=digest, pool_size=60, replications=300,
                            threshold_showers=300, grid_points=10).validate()
    result = experiments.run(BIRTHDAY, config).source("upload")
    counts = [d.estimates.n_duplicate_pairs for d in result.definitions]
    assert counts[-1] == 20 * 3  # the 60 identical pairs pass every threshold, SSIM too (= 1)
    assert counts[0] >= counts[1] >= counts[2], "the definitions are nested"
    np.testing.assert_array_equal(result.example_images, images[:3])


def test_cli_showers_and_reference(tmp_path, capsys, tmp_cache):
    images, energy = _repeated()
    mine = tmp_path / "mine.npz"
    mine.write_bytes(uploads.showers_npz(images, energy))
    reference = tmp_path / "reference.npz"
    reference.write_bytes(uploads.showers_npz(simulate_showers(80, energy=100.0, seed=9, use_cache=False).images))
    code = cli.main(["birthday", "--showers", str(mine), "--reference", str(reference), "--replications", "200",
                     "--grid-points", "6", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("source", "subset_sizes", "p_duplicate", "support_estimate", "support_estimate_refined",
                "collision_estimate", "duplicate_pairs", "thresholds", "by_source"):
        assert key in out
    assert out["source"] == "upload" and set(out["by_source"]) == {"upload", "reference"}
    assert out["subset_sizes"][-1] == 60, "the pool is the whole file"
    assert out["threshold_source"] == "reference" and out["grid"] == [25, 25, 25]
    assert out["by_source"]["upload"]["by_definition"]["shapes+energy+ssim"]["duplicate_pairs"] == 60
    assert out["baseline"] == "reference" and "upload" in out["relative_duplicate_rate"]


def test_cli_bad_files_exit_2_with_one_line(tmp_path, capsys, tmp_cache):
    odd = tmp_path / "odd.npz"
    odd.write_bytes(uploads.showers_npz(np.random.default_rng(1).random((20, 13, 13, 13))))
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not a zip at all")
    cases = {
        ("--showers", str(tmp_path / "missing.npz")): "no such file",
        ("--showers", str(broken)): "not a .npz file",
        ("--showers", str(odd)): "give a reference sample",  # 13³ is no simulator grid, and no reference
        ("--showers", str(odd), "--pool", "50"): "hold only 20 showers",
        ("--grid", "51x51x25", "--source", "gan"): "25x25x25 showers only",
    }
    for args, message in cases.items():
        code = cli.main(["birthday", *args, "--json"])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and message in err, (args, err)


def test_odd_grid_with_a_reference_runs(tmp_path, tmp_cache):
    rng = np.random.default_rng(2)
    images = rng.random((30, 13, 14, 15)).astype(np.float32) ** 4
    digest, _ = uploads.accept(uploads.showers_npz(images), "odd.npz")
    config = BirthdayConfig(sources=("upload", "reference"), showers_sha256=digest, reference_sha256=digest,
                            pool_size=30, replications=100, grid_points=5).validate()
    result = experiments.run(BIRTHDAY, config)
    assert [len(x) for x in result.source("upload").shape_mean] == [13, 14, 15]
    assert result.thresholds.features == ("energy", "shape_x", "shape_y", "shape_z", "ssim")


def test_page_export_loads_back_as_the_runs_pool(tmp_cache):
    config = BirthdayConfig(sources=("sim-heldout",), pool_size=40, energy="50")
    back = uploads.parse_showers(export_showers(config, "sim-heldout"))
    pool = draw_pool("sim-heldout", 40, (50.0, 50.0), 0)
    np.testing.assert_array_equal(back.images, pool.images)
    np.testing.assert_array_equal(back.energy, pool.energies)


# -- the seed's 51 × 51 × 25 -------------------------------------------------------------------------------

def test_seed_grid_end_to_end_recovers_a_known_support(tmp_cache):
    config = BirthdayConfig(sources=("templates",), grid="51x51x25", templates=60, pool_size=120, replications=300,
                            threshold_showers=120, grid_points=8).validate()
    result = experiments.run(BIRTHDAY, config)
    s = result.source("templates")
    assert s.example_images.shape[1:] == (51, 51, 25)
    assert [len(x) for x in s.shape_mean] == [51, 51, 25]
    assert [d.features for d in s.definitions] == list(DEFINITIONS)
    e = s.definition("shapes+energy+ssim").estimates
    low, high = e.collision_ci95
    assert low <= 60 <= high and 30 <= e.collision_estimate <= 120, e


def test_seed_grid_bounds():
    with pytest.raises(InputError, match="25x25x25 showers only"):
        BirthdayConfig(grid="51x51x25").validate()  # the default sources include the GAN
    with pytest.raises(InputError, match="pool of at most 4921"):
        BirthdayConfig(sources=("sim",), grid="51x51x25", pool_size=20_000, replications=10).validate()
    with pytest.raises(InputError):
        BirthdayConfig(sources=("sim",), grid="30x30x30").validate()
    BirthdayConfig(sources=("sim", "sim-heldout"), grid="51x51x25").validate()


def test_page_config_takes_the_files_grid_and_size(tmp_cache):
    from ganplify_core.birthday.experiment import PAGE_DEFAULT, page_config
    images, energy = _repeated(distinct=15, copies=2, grid=(51, 51, 25))
    digest, _ = uploads.accept(uploads.showers_npz(images, energy), "seed-grid.npz")
    config = page_config(PAGE_DEFAULT, showers_sha256=digest).validate()
    assert config.sources == ("upload", "sim", "sim-heldout", "templates"), "uploaded first, the GAN (25³ only) left out"
    assert config.grid == "51x51x25" and config.pool_size == 30
    assert page_config(PAGE_DEFAULT) == PAGE_DEFAULT
    odd, _ = uploads.accept(uploads.showers_npz(np.random.default_rng(3).random((20, 13, 13, 13))), "odd.npz")
    only_yours = page_config(PAGE_DEFAULT, showers_sha256=odd, reference_sha256=odd).validate()
    assert only_yours.sources == ("upload", "reference") and only_yours.pool_size == 20
    with pytest.raises(InputError, match="give a reference sample"):
        page_config(PAGE_DEFAULT, showers_sha256=odd).validate()
