"""Your own tagger's scores: a CSV ``label,score`` (or ``label,score,mass``) in, ROC, AUC and rejections out.

The file is decoded as UTF-8 text and parsed with pandas' C CSV parser; nothing in it is unpickled or
evaluated. Its first row is the header, with a column ``label`` (1 = signal, 0 = background) and a
column ``score`` (higher = more signal-like); a column ``mass`` (the jet mass, GeV) adds the mass
baseline and the score's correlation with the mass. Other columns are ignored (the page's own download,
``label,score,mass,class``, reads back as it is).

Every way a file can be unusable gives one :class:`~ganplify_core.errors.InputError` that says what is
wrong and what to do: larger than :data:`MAX_BYTES` or than :data:`MAX_ROWS` rows; not UTF-8 CSV text
(binary, UTF-16, ragged rows, empty, no data rows); no ``label`` or ``score`` column; a value that is not
a number, or empty, NaN or infinite; a label other than 0 and 1; fewer than :data:`MIN_PER_CLASS` rows of
either class; a negative mass.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io

import numpy as np
import pandas as pd

from ganplify_core.anomaly import decorrelation, roc
from ganplify_core.errors import InputError

MAX_BYTES = 20 * 1024 * 1024   # the app's upload limit (.streamlit/config.toml maxUploadSize)
MAX_MB = MAX_BYTES // (1024 * 1024)
MAX_ROWS = 1_000_000
MAX_COLUMNS = 100
MIN_PER_CLASS = 10
REQUIRED = ("label", "score")
FORMAT = "a header row label,score (or label,score,mass), then one row per jet: label 1 = signal, 0 = background"


@dataclasses.dataclass(frozen=True)
class TaggerScores:
    """The parsed file: one label, score and (optional) mass per jet."""

    labels: np.ndarray          # int8, 0 or 1
    scores: np.ndarray          # float64
    mass: np.ndarray | None     # float64 [GeV], or None
    name: str = "your scores"

    @property
    def background(self) -> np.ndarray:
        return self.scores[self.labels == 0]

    @property
    def signal(self) -> np.ndarray:
        return self.scores[self.labels == 1]


@dataclasses.dataclass(frozen=True)
class TaggerReport:
    """What a tagger's scores give: ROC, AUC, rejections; the mass baseline when the masses are given."""

    name: str
    n_signal: int
    n_background: int
    roc: roc.RocCurve
    rejections: dict                 # {"0.3": 1/ε_B, "0.5": 1/ε_B}
    mass_roc: roc.RocCurve | None = None
    mass_rejections: dict | None = None
    mass_direction: str = ""         # "heavier" or "lighter": which jets the mass baseline calls signal
    mass_spearman: float | None = None  # ρ(score, mass) on the background

    def rocs(self) -> dict:
        out = {self.name: self.roc}
        if self.mass_roc is not None:
            out["mass"] = self.mass_roc
        return out

    def to_json(self) -> dict:
        """What ``ae-roc --scores FILE --json`` prints."""
        out = {"auc": self.roc.auc, "rejection": {e: roc.json_number(r) for e, r in self.rejections.items()},
               "n_signal": self.n_signal, "n_background": self.n_background,
               "roc": {"fpr": self.roc.fpr, "tpr": self.roc.tpr}}
        if self.mass_roc is not None:
            out.update({"auc_mass": self.mass_roc.auc,
                        "rejection_mass": {e: roc.json_number(r) for e, r in self.mass_rejections.items()},
                        "mass_direction": self.mass_direction, "mass_spearman_background": self.mass_spearman})
        return out


def _looks_utf16(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    odd, even = head[1::2], head[0::2]
    return len(head) >= 4 and (odd.count(0) >= 0.75 * len(odd) or even.count(0) >= 0.75 * len(even))


def parse_scores(data: bytes, name: str = "the scores file") -> TaggerScores:
    """Read a ``label,score[,mass]`` CSV (bytes); one clear InputError for every kind of bad file."""
    if not isinstance(data, bytes | bytearray):
        raise InputError(f"{name}: expected the file's bytes")
    if len(data) > MAX_BYTES:
        raise InputError(f"{name} is {len(data) / 2**20:.1f} MB, larger than the {MAX_MB} MB limit: keep at most "
                         f"{MAX_ROWS:,} rows")
    if not data.strip():
        raise InputError(f"{name} is empty: it needs {FORMAT}")
    if _looks_utf16(bytes(data[:4096])):
        raise InputError(f"{name} is UTF-16 text (Excel's 'Unicode Text'), not UTF-8: save it as CSV UTF-8")
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} is binary, not CSV text: it needs {FORMAT}")
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text: save it as CSV (UTF-8) with {FORMAT}") from None
    try:
        header = next(csv.reader(io.StringIO(text[:65536])), [])
    except csv.Error:
        header = []
    if len(header) > MAX_COLUMNS:
        raise InputError(f"{name} has {len(header):,} columns, more than the {MAX_COLUMNS}-column limit: keep "
                         "label, score and mass")
    columns = {str(c).strip().lower(): c for c in header}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        shown = ", ".join(str(c) for c in header[:6]) or "none"
        raise InputError(f"{name} has no column {' or '.join(missing)} (header: {shown[:120]}); it needs {FORMAT}")
    try:
        frame = pd.read_csv(io.StringIO(text), engine="c", dtype=str, keep_default_na=False, nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise InputError(f"{name} is not valid CSV ({reason}): every row needs as many comma-separated fields "
                         "as the header") from None
    if len(frame) > MAX_ROWS:
        raise InputError(f"{name} has more than {MAX_ROWS:,} rows, the limit: upload a sample of its rows")
    if len(frame) == 0:
        raise InputError(f"{name} has a header row but no data rows: it needs {FORMAT}")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    values = {c: _numbers(frame[c], c, name) for c in ("label", "score", "mass") if c in frame.columns}
    labels = values["label"]
    bad = ~np.isin(labels, (0.0, 1.0))
    if bad.any():
        row = int(np.argmax(bad))
        raise InputError(f"{name}: label must be 0 (background) or 1 (signal); row {row + 2} has "
                         f"{frame['label'].iloc[row][:20]!r}")
    n_signal, n_background = int((labels == 1).sum()), int((labels == 0).sum())
    if min(n_signal, n_background) < MIN_PER_CLASS:
        raise InputError(f"{name} has {n_signal:,} signal (label 1) and {n_background:,} background (label 0) rows; "
                         f"a ROC curve needs at least {MIN_PER_CLASS} of each")
    mass = values.get("mass")
    if mass is not None and (mass < 0).any():
        row = int(np.argmax(mass < 0))
        raise InputError(f"{name}: mass must be ≥ 0 (GeV); row {row + 2} has {mass[row]:g}")
    return TaggerScores(labels.astype(np.int8), values["score"], mass, name)


def _numbers(column: pd.Series, what: str, name: str) -> np.ndarray:
    """A column of the file as float64; InputError naming the first row that is not a finite number."""
    numbers = pd.to_numeric(column.str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(numbers)
    if bad.any():
        row = int(np.argmax(bad))
        shown = column.iloc[row].strip()[:20]
        kind = "is empty" if not shown else f"has {shown!r}"
        raise InputError(f"{name}: every {what} must be a finite number; row {row + 2} {kind}")
    return numbers


def evaluate(scores: TaggerScores, name: str = "your tagger") -> TaggerReport:
    """ROC, AUC and 1/ε_B at ε_S = 0.3 and 0.5 of the scores; the mass baseline where masses are given.

    The mass baseline calls the heavier jets signal, or the lighter ones when that separates better (the
    page and the JSON say which).
    """
    background, signal = scores.background, scores.signal
    report = dict(name=name, n_signal=len(signal), n_background=len(background),
                  roc=roc.roc(background, signal), rejections=roc.rejections(background, signal))
    if scores.mass is not None:
        mass_b, mass_s = scores.mass[scores.labels == 0], scores.mass[scores.labels == 1]
        heavier = roc.auc(mass_b, mass_s) >= 0.5
        sign = 1.0 if heavier else -1.0
        report.update(mass_roc=roc.roc(sign * mass_b, sign * mass_s),
                      mass_rejections=roc.rejections(sign * mass_b, sign * mass_s),
                      mass_direction="heavier" if heavier else "lighter",
                      mass_spearman=decorrelation.spearman(background, mass_b))
    return TaggerReport(**report)


@functools.lru_cache(maxsize=4)
def _evaluate_cached(digest: str, data: bytes, name: str) -> TaggerReport:
    return evaluate(parse_scores(data, name))


def evaluate_bytes(data: bytes, name: str = "the scores file") -> TaggerReport:
    """:func:`evaluate` of an uploaded file's bytes (the last few files are remembered, by their SHA-256)."""
    data = bytes(data)
    if len(data) > MAX_BYTES:  # checked before hashing or holding it
        parse_scores(data, name)
    return _evaluate_cached(hashlib.sha256(data).hexdigest(), data, name)


def scores_csv(labels: np.ndarray, scores: np.ndarray, mass: np.ndarray | None = None) -> bytes:
    """The CSV this module reads, from arrays (for tests and downloads)."""
    frame = pd.DataFrame({"label": np.asarray(labels, int), "score": np.asarray(scores, float)})
    if mass is not None:
        frame["mass"] = np.asarray(mass, float)
    return frame.to_csv(index=False).encode()
