"""Score your own generator's samples with the amplification study's quantile MSE.

A file of points drawn from *your* generator, trained on n points of one of the toy laws, gets the same
score as the built-in methods: the quantile MSE of its cell fractions, the number of true points with the
same expected MSE, and that number divided by n (the amplification).

Files: ``.npy`` (one array), ``.npz`` (one array, or the one named ``samples``) and ``.csv`` (numbers
separated by commas, one point per line, an optional header line). Shape (m, D) with D the law's
dimension (a flat array is taken as m points when D = 1). Nothing is ever unpickled
(``allow_pickle=False``); object arrays are refused.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import torch

from ganplify_core import params
from ganplify_core.amplify.distributions import DATASETS, SHELL_DIMS, get_distribution
from ganplify_core.amplify.metrics import (
    amplification,
    equivalent_true_samples,
    generated_grid,
    mse_vs_generated,
    quantile_mse,
)
from ganplify_core.errors import InputError
from ganplify_core.params import param

MAX_FILE_BYTES = 50_000_000          # 50 MB on disk
MAX_POINTS = 10_000_000              # 10 M points
MAX_ARRAY_BYTES = 200_000_000        # an .npz member, uncompressed
MIN_POINTS = 100                     # the MSE curves start at 10² points
SUFFIXES = (".npy", ".npz", ".csv")
LIMITS = (f"at most {MAX_FILE_BYTES // 1_000_000} MB and {MAX_POINTS // 1_000_000} M points, "
          f"at least {MIN_POINTS} points")


@dataclasses.dataclass(frozen=True)
class ScoreConfig(params.Config):
    """The law the samples should follow, its cells, and the size of the training set they came from."""

    distribution: str = param("camelback", choices=DATASETS, cli="--dataset", label="Distribution",
                              help="the law your generator was trained on")
    dim: int = param(1, lo=1, hi=max(SHELL_DIMS), label="Dimension D",
                     help="1 for the camel back, 2 for the ring, 3…10 for the shell")
    n_train: int = param(100, lo=1, hi=100_000_000, unit="points", label="Training points n",
                         help="how many true points your generator was trained on")
    n_quant: int = param(10, lo=2, hi=1000, cli="--quantiles", label="Quantile cells N",
                         help="cells of equal true probability")

    def check(self) -> None:
        get_distribution(self.distribution, self.dim, self.n_quant)


@dataclasses.dataclass(frozen=True)
class SampleScore:
    """The score of m uploaded points: the CLI's JSON (:meth:`summary`) and the page's curve."""

    config: ScoreConfig
    n_samples: int
    mse: float
    generated: np.ndarray      # (G,) the first g points …
    mse_curve: np.ndarray      # (G,) … and their quantile MSE

    @property
    def equivalent_points(self) -> float | None:
        return float(equivalent_true_samples(self.mse, self.config.n_quant)) if self.mse > 0 else None

    @property
    def amplification(self) -> float | None:
        return float(amplification(self.mse, self.config.n_quant, self.config.n_train)) if self.mse > 0 else None

    def summary(self) -> dict:
        """``mse``, ``equivalent_points``, ``amplification`` (None for a perfectly even sample) and ``n_samples``."""
        return {"mse": self.mse, "equivalent_points": self.equivalent_points, "amplification": self.amplification,
                "n_samples": self.n_samples, "dataset": self.config.distribution, "dim": self.config.dim,
                "n_train": self.config.n_train, "quantiles": self.config.n_quant}


# -- reading a file ------------------------------------------------------------------------------------------

def _read_npy(data: bytes, name: str) -> np.ndarray:
    if not data.startswith(b"\x93NUMPY"):
        raise InputError(f"{name}: not a .npy file (it lacks the .npy header; pickles and other formats are "
                         "refused); save it with np.save")
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise InputError(f"{name}: holds Python objects (a pickled or object array); save a plain numeric "
                             "array instead (np.save with a float or integer array)") from None
        raise InputError(f"{name}: not a readable .npy file ({exc})") from None
    except (OSError, EOFError) as exc:
        raise InputError(f"{name}: not a readable .npy file ({exc})") from None


def _read_npz(data: bytes, name: str) -> np.ndarray:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
    except zipfile.BadZipFile:
        raise InputError(f"{name}: not a readable .npz file (not a zip archive)") from None
    if not members:
        raise InputError(f"{name}: the .npz archive holds no array")
    if len(members) == 1:
        key = next(iter(members))
    elif "samples" in members:
        key = "samples"
    else:
        shown = ", ".join(sorted(members)[:8])
        raise InputError(f"{name}: the .npz holds {len(members)} arrays ({shown}); keep one, or name the "
                         "points 'samples'")
    if members[key].file_size > MAX_ARRAY_BYTES:
        raise InputError(f"{name}: the array '{key}' is {members[key].file_size / 1e6:.0f} MB uncompressed; "
                         f"the limit is {MAX_ARRAY_BYTES // 1_000_000} MB ({LIMITS})")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return archive[key]
    except ValueError as exc:
        if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
            raise InputError(f"{name}: the array '{key}' holds Python objects (a pickled or object array); save "
                             "a plain numeric array instead") from None
        raise InputError(f"{name}: the array '{key}' is not readable ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{name}: the array '{key}' is not readable ({exc})") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_csv(data: bytes, name: str) -> np.ndarray:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a text file (a .csv must be UTF-8 text)") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise InputError(f"{name}: the file is empty")
    first = [field.strip() for field in lines[0].split(",")]
    header = not all(_is_number(field) for field in first)
    rows = lines[1:] if header else lines
    if len(rows) > MAX_POINTS:
        raise InputError(f"{name}: {len(rows):,} rows; the limit is {LIMITS}")
    width = len(first)
    values = []
    for number, line in enumerate(rows, start=2 if header else 1):
        fields = line.split(",")
        if len(fields) != width:
            raise InputError(f"{name}, line {number}: {len(fields)} values where the first line has {width}")
        try:
            values.append([float(field) for field in fields])
        except ValueError:
            bad = next(f.strip() for f in fields if not _is_number(f))
            raise InputError(f"{name}, line {number}: {bad[:20]!r} is not a number (numbers separated by "
                             "commas, one point per line, an optional header line)") from None
    return np.array(values, dtype=float).reshape(len(values), width)


def read_samples(data: bytes, name: str, dim: int) -> np.ndarray:
    """The points in the file ``name`` (its bytes ``data``) as a float64 array (m, ``dim``).

    Raises :class:`InputError` with one message per way the file can be wrong: size, type, shape, dtype,
    non-finite values, too few points, wrong dimension, pickled or object arrays.
    """
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{name}: use a .npy, .npz or .csv file")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{name}: {len(data) / 1e6:.0f} MB; the limit is {LIMITS}")
    array = {".npy": _read_npy, ".npz": _read_npz, ".csv": _read_csv}[suffix](data, name)
    if array.dtype.kind not in "iuf":
        kind = "Python objects" if array.dtype.kind == "O" else f"values of type {array.dtype}"
        raise InputError(f"{name}: holds {kind}; the points must be real numbers (float or integer)")
    if array.ndim == 1 and dim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise InputError(f"{name}: an array of shape {array.shape}; it must be (points, {dim})"
                         + (" (or a flat array of points)" if dim == 1 else ""))
    if array.shape[1] != dim:
        raise InputError(f"{name}: points of dimension {array.shape[1]}, but the law is {dim}-dimensional "
                         f"(shape {array.shape}, expected (points, {dim}))")
    if array.shape[0] > MAX_POINTS:
        raise InputError(f"{name}: {array.shape[0]:,} points; the limit is {LIMITS}")
    if array.shape[0] < MIN_POINTS:
        raise InputError(f"{name}: only {array.shape[0]} points; at least {MIN_POINTS} are needed")
    array = array.astype(np.float64, copy=False)
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        bad = int((~finite).sum())
        raise InputError(f"{name}: {bad:,} point(s) hold NaN or infinity (the first is row {int(np.argmin(finite))}); "
                         "remove them")
    return array


def load_samples(path: str | Path, dim: int) -> np.ndarray:
    """:func:`read_samples` on a file on disk (checks it exists and its size before reading)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--samples {path}: no such file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(f"--samples {path}: {size / 1e6:.0f} MB; the limit is {LIMITS}")
    return read_samples(path.read_bytes(), str(path), dim)


# -- scoring -----------------------------------------------------------------------------------------------

def score_samples(samples: np.ndarray, config: ScoreConfig) -> SampleScore:
    """The quantile MSE of all the points, and of the first g of them for g on the experiments' grid."""
    config.validate()
    dist = get_distribution(config.distribution, config.dim, config.n_quant)
    points = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float64))
    counts = np.bincount(dist.cell_index(points).numpy(), minlength=config.n_quant)
    grid = generated_grid(len(points)) if len(points) > MIN_POINTS else np.array([len(points)])
    position = [0]

    def take(m: int) -> torch.Tensor:
        out = points[position[0]:position[0] + m]
        position[0] += m
        return out

    curve = mse_vs_generated(take, dist.cell_index, config.n_quant, grid)
    return SampleScore(config, len(points), float(quantile_mse(counts)), grid, curve)


def score_upload(data: bytes, name: str, config) -> tuple[SampleScore | None, str | None]:
    """For the page: the score of an uploaded file against ``config``'s law, cells and n, or the one message
    that says what is wrong with the file (then the score is None)."""
    score_config = ScoreConfig(distribution=config.distribution, dim=config.dim, n_train=config.n_train,
                               n_quant=config.n_quant)
    try:
        return score_samples(read_samples(data, name, score_config.dim), score_config), None
    except InputError as exc:
        return None, str(exc)
