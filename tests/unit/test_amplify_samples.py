"""Scoring your own samples: the loader (every way a file can be wrong), the score, the CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ganplify_core.amplify import samples
from ganplify_core.amplify.distributions import get_distribution
from ganplify_core.amplify.samples import ScoreConfig, read_samples, score_samples, score_upload
from ganplify_core.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _npy(array, allow_pickle=False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _ring(m=500, seed=0):
    return get_distribution("ring", 2, 10).sample(m, np.random.default_rng(seed))


# -- files that load ---------------------------------------------------------------------------------------

def test_every_format_gives_the_same_points():
    points = _ring()
    csv_plain = "\n".join(f"{float(x)!r},{float(y)!r}" for x, y in points).encode()
    csv_header = b"x1,x2\n" + csv_plain + b"\n\n"
    for data, name in ((_npy(points), "a.npy"), (_npy(points.astype(np.float32)), "b.npy"),
                       (_npz(arr_0=points), "c.npz"), (_npz(samples=points, weights=np.ones(3)), "d.npz"),
                       (csv_plain, "e.csv"), (csv_header, "f.CSV")):
        loaded = read_samples(data, name, 2)
        assert loaded.dtype == np.float64 and loaded.shape == (500, 2), name
        np.testing.assert_allclose(loaded, points, rtol=1e-6 if name == "b.npy" else 0)


def test_a_flat_array_is_points_for_the_camel_back_only():
    x = np.random.default_rng(1).normal(size=300)
    assert read_samples(_npy(x), "x.npy", 1).shape == (300, 1)
    assert read_samples(_npy(x.astype(np.int32)), "x.npy", 1).shape == (300, 1)  # integers are numbers too
    with pytest.raises(InputError, match=r"shape \(300,\); it must be \(points, 2\)"):
        read_samples(_npy(x), "x.npy", 2)


# -- files that do not: one message each -------------------------------------------------------------------

BAD = {
    "suffix": (b"1,2", "points.txt", 2, r"use a \.npy, \.npz or \.csv"),
    "object array": (_npy(np.array([[1.0, None]] * 200, dtype=object), allow_pickle=True), "o.npy", 2,
                     "Python objects"),
    "pickled npz": (_npz(samples=np.array([{"a": 1}] * 200, dtype=object)), "p.npz", 2, "Python objects"),
    "complex": (_npy(np.ones((200, 2), dtype=complex)), "c.npy", 2, "complex128.*real numbers"),
    "booleans": (_npy(np.ones((200, 2), dtype=bool)), "b.npy", 2, "bool.*real numbers"),
    "strings": (_npy(np.full((200, 2), "a")), "s.npy", 2, "real numbers"),
    "3-D": (_npy(np.ones((10, 10, 2))), "t.npy", 2, r"shape \(10, 10, 2\)"),
    "dimension": (_npy(np.ones((200, 3))), "d.npy", 2, "dimension 3, but the law is 2-dimensional"),
    "NaN": (_npy(np.r_[np.ones((150, 2)), [[np.nan, 1.0]], np.ones((49, 2))]), "n.npy", 2, "1 point.*NaN.*row 150"),
    "inf": (_npy(np.r_[[[np.inf, 1.0]], np.ones((199, 2))]), "i.npy", 2, "NaN or infinity.*row 0"),
    "too few": (_npy(np.ones((99, 2))), "f.npy", 2, "only 99 points; at least 100"),
    "not npy": (b"hello world", "x.npy", 2, r"not a \.npy file"),
    "a pickle": (__import__("pickle").dumps(np.ones((200, 2))), "x.npy", 2, "pickles and other formats are refused"),
    "truncated npy": (_npy(np.ones((200, 2)))[:200], "x.npy", 2, r"not a readable \.npy"),
    "not zip": (b"hello world", "x.npz", 2, "not a zip archive"),
    "empty npz": (_npz(), "e.npz", 2, "holds no array"),
    "many keys": (_npz(a=np.ones((200, 2)), b=np.ones((200, 2))), "m.npz", 2, r"2 arrays \(a, b\).*'samples'"),
    "csv text": (b"1,2\n3,abc\n", "t.csv", 2, "line 2: 'abc' is not a number"),
    "csv ragged": (b"x,y\n1,2\n3\n", "r.csv", 2, "line 3: 1 values where the first line has 2"),
    "csv binary": (b"\xff\xfe\x00\x81", "b.csv", 2, "not a text file"),
    "csv empty": (b"\n\n", "e.csv", 2, "empty"),
    "csv NaN": (b"x,y\n" + b"1,2\n" * 150 + b"nan,1\n" + b"1,2\n" * 50, "n.csv", 2, "NaN or infinity.*row 150"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_get_one_clear_message(case):
    data, name, dim, message = BAD[case]
    with pytest.raises(InputError, match=message) as error:
        read_samples(data, name, dim)
    assert "\n" not in str(error.value) and name in str(error.value)


def test_size_limits_are_stated(monkeypatch):
    monkeypatch.setattr(samples, "MAX_FILE_BYTES", 1000)
    with pytest.raises(InputError, match="limit is at most"):
        read_samples(_npy(np.ones((200, 2))), "big.npy", 2)
    monkeypatch.setattr(samples, "MAX_FILE_BYTES", 50_000_000)
    monkeypatch.setattr(samples, "MAX_POINTS", 150)
    with pytest.raises(InputError, match="200 points; the limit"):
        read_samples(_npy(np.ones((200, 2))), "many.npy", 2)
    monkeypatch.setattr(samples, "MAX_ARRAY_BYTES", 1000)
    with pytest.raises(InputError, match="uncompressed"):  # a small .npz that would unpack big
        read_samples(_npz(samples=np.zeros((100_000, 2))), "bomb.npz", 2)


# -- the score -----------------------------------------------------------------------------------------------

def test_score_matches_the_definition_on_a_known_sample():
    """1000 points placed in known cells of the camel back (N = 10): counts 130, 70, then 100 each."""
    dist = get_distribution("camelback", 1, 10)
    edges, _ = dist.edges()
    centres = np.r_[edges[0] - 0.5, 0.5 * (edges[1:] + edges[:-1]), edges[-1] + 0.5]
    counts = np.array([130, 70] + [100] * 8)
    points = np.repeat(centres, counts)[np.random.default_rng(0).permutation(1000)]
    score = score_samples(points[:, None], ScoreConfig(n_train=50, n_quant=10))
    expected = ((counts / 1000 - 0.1) ** 2).mean()  # (0.03² + 0.03²) / 10
    assert score.mse == pytest.approx(expected) == pytest.approx(1.8e-4)
    assert score.equivalent_points == pytest.approx(9 / (100 * expected)) == pytest.approx(500)
    assert score.amplification == pytest.approx(10.0)
    assert score.summary()["n_samples"] == 1000 and score.generated[-1] == 1000
    assert score.mse_curve[-1] == pytest.approx(expected)
    first = score.generated[0]
    direct = np.bincount(dist.cell_index(torch.from_numpy(points[:first])).numpy(), minlength=10)
    assert score.mse_curve[0] == pytest.approx(((direct / first - 0.1) ** 2).mean())


def test_a_perfectly_even_sample_has_no_finite_amplification():
    dist = get_distribution("camelback", 1, 10)
    edges, _ = dist.edges()
    centres = np.r_[edges[0] - 0.5, 0.5 * (edges[1:] + edges[:-1]), edges[-1] + 0.5]
    score = score_samples(np.repeat(centres, 20)[:, None], ScoreConfig())
    assert score.mse == 0 and score.summary()["amplification"] is None and score.summary()["equivalent_points"] is None


def test_true_samples_score_about_their_own_number():
    """m true points are worth about m true points: over 100 files of 1000 ring points, the mean MSE is
    within 4 standard errors of (N − 1)/(N² m)."""
    config = ScoreConfig(distribution="ring", dim=2, n_train=1000, n_quant=10)
    mse = np.array([score_samples(_ring(1000, seed), config).mse for seed in range(100)])
    assert abs(mse.mean() - 9 / (100 * 1000)) < 4 * mse.std() / np.sqrt(100)


def test_the_page_helper_returns_the_message_not_an_exception():
    from ganplify_core.amplify.experiment import AmplifyConfig

    config = AmplifyConfig(distribution="ring", dim=2, n_train=40)
    score, error = score_upload(_npy(_ring()), "mine.npy", config)
    assert error is None and score.config.n_train == 40 and score.n_samples == 500
    score, error = score_upload(_npy(np.ones((500, 3))), "mine.npy", config)
    assert score is None and "2-dimensional" in error


# -- the CLI ---------------------------------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "ganplify_core", "score-samples", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "GANPLIFY_JOBS": "1"})


def test_cli_scores_a_file_and_rejects_bad_ones_in_one_line(tmp_path):
    good = tmp_path / "ring.csv"
    points = _ring(2000, 3)
    good.write_text("x,y\n" + "\n".join(f"{float(x)!r},{float(y)!r}" for x, y in points))
    bad = tmp_path / "shell.npy"
    np.save(bad, np.ones((300, 3)))
    run = _cli("--dataset", "ring", "--n-train", "100", "--quantiles", "10", "--samples", str(good), "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) >= {"mse", "equivalent_points", "amplification", "n_samples"}
    reference = score_samples(points, ScoreConfig(distribution="ring", dim=2, n_train=100, n_quant=10))
    assert out["n_samples"] == 2000 and out["mse"] == pytest.approx(reference.mse)
    assert out["amplification"] == pytest.approx(reference.amplification)
    run = _cli("--dataset", "ring", "--samples", str(bad), "--json")  # one process per run: seconds each
    assert run.returncode == 2 and "dimension 3, but the law is 2-dimensional" in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and not run.stdout


def test_load_samples_checks_the_path_first(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        samples.load_samples(tmp_path / "missing.npy", 2)
    with pytest.raises(InputError, match="no such file"):
        samples.load_samples(tmp_path, 2)  # a folder
    np.save(tmp_path / "ok.npy", _ring())
    assert samples.load_samples(tmp_path / "ok.npy", 2).shape == (500, 2)
