"""Bring your own data: a CSV file, read safely, checked once, turned into a :class:`Dataset`.

The file is decoded as UTF-8 text and parsed with pandas' C CSV parser; nothing in it is ever
unpickled or evaluated. Every way a file can be unusable gives one :class:`InputError` whose message
says what is wrong and what to do:

- larger than :data:`MAX_CSV_BYTES` (20 MB), than :data:`MAX_ROWS` rows or than :data:`MAX_COLUMNS`
  columns (counted on the header row, before the table is parsed);
- not CSV (binary, UTF-16, not UTF-8, ragged rows, empty, a header row and no data rows);
- no numeric column (or a chosen column that is not numeric);
- NaN (empty cells) or infinities in a chosen column;
- fewer than :data:`MIN_ROWS` rows.

The label column, if chosen, may hold any values (names or numbers); it is used only to colour
points and to score clusterings (ARI, NMI), never to fit them.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io

import numpy as np
import pandas as pd

from ganplify_core import upload_store
from ganplify_core.clustering.datasets import MAX_SAMPLES, MIN_SAMPLES, Dataset
from ganplify_core.errors import InputError

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_CSV_MB = MAX_CSV_BYTES // (1024 * 1024)
MAX_ROWS = MAX_SAMPLES
MIN_ROWS = MIN_SAMPLES
# Columns of an uploaded table: a 28 x 28 image per row fits; 100 000 columns of 20 rows (4.7 MB) would take
# pandas minutes to parse. Counted on the header row before the table is parsed.
MAX_COLUMNS = 1_000


@dataclasses.dataclass
class CsvTable:
    """A parsed CSV file: its table and which of its columns are numeric."""

    frame: pd.DataFrame
    numeric_columns: tuple
    name: str = "csv"

    @property
    def columns(self) -> tuple:
        return tuple(str(c) for c in self.frame.columns)


def parse_csv(data: bytes, name: str = "csv", max_bytes: int = MAX_CSV_BYTES) -> CsvTable:
    """Parse the bytes of a CSV file (header row first); raise :class:`InputError` if unusable.

    Parameters
    ----------
    data : bytes
        The file's content.
    name : str
        File name, used in messages and as the data set's name.
    max_bytes : int
        Size limit; the default is :data:`MAX_CSV_BYTES` (20 MB).
    """
    if len(data) > max_bytes:
        raise InputError(f"{name} is {len(data) / 1024 / 1024:.1f} MB, larger than the {max_bytes / 1024 / 1024:g} MB "
                         f"limit: upload a sample of its rows.")
    if _looks_utf16(data[:65536]):
        raise InputError(f"{name} is UTF-16 text (as Excel's 'Unicode Text' saves it), not UTF-8: save it as "
                         f"CSV UTF-8 (comma delimited) and upload it again.")
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} is not a valid CSV file: it is binary (it contains NUL bytes). Export the table as CSV text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not a valid CSV file: it is not UTF-8 text. Save it as CSV (UTF-8).") from None
    if not text.strip():
        raise InputError(f"{name} is not a valid CSV file: it is empty.")
    n_columns = _header_width(text)
    if n_columns > MAX_COLUMNS:
        raise InputError(f"{name} has {n_columns:,} columns, more than the {MAX_COLUMNS:,}-column limit: "
                         f"keep the columns you need.")
    try:
        frame = pd.read_csv(io.StringIO(text), engine="c", quoting=csv.QUOTE_MINIMAL)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name} is not a valid CSV file ({reason}). Every row needs the same number of "
                         f"comma-separated fields as the header.") from None
    if len(frame) > MAX_ROWS:
        raise InputError(f"{name} has {len(frame):,} rows, more than the {MAX_ROWS:,}-row limit: upload a sample of its rows.")
    if len(frame) == 0:
        raise InputError(f"{name} has a header row but no data rows: add the rows of values below it.")
    frame.columns = [str(c) for c in frame.columns]
    numeric = tuple(c for c, dtype in zip(frame.columns, frame.dtypes)
                    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
    if not numeric:
        raise InputError(f"{name} has no numeric columns (columns: {', '.join(frame.columns[:10])}). "
                         f"Clustering needs at least one column of numbers.")
    return CsvTable(frame, numeric, name)


def _looks_utf16(head: bytes) -> bool:
    """True if ``head`` (a file's first bytes) is UTF-16 text: a byte-order mark, or a NUL beside every ASCII byte."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return not head.startswith(b"\xff\xfe\x00\x00")  # UTF-32-LE's mark begins like UTF-16-LE's
    if len(head) < 4:
        return False
    even, odd = head[0::2], head[1::2]
    return ((odd.count(0) >= 0.75 * len(odd) and even.count(0) == 0)  # little-endian: "a" is b"a\x00"
            or (even.count(0) >= 0.75 * len(even) and odd.count(0) == 0))  # big-endian: b"\x00a"


def _header_width(text: str) -> int:
    """The number of fields on the header row (quotes respected); 0 if the csv module cannot read it."""
    try:
        return len(next(csv.reader(io.StringIO(text)), []))
    except csv.Error:  # e.g. a field longer than the csv module's limit: pandas reads it, or says why not
        return 0


def table_to_dataset(table: CsvTable, columns=None, label_column: str | None = None,
                     min_rows: int = MIN_ROWS) -> Dataset:
    """The chosen numeric ``columns`` (default: all numeric except the label) as a :class:`Dataset`."""
    if label_column is not None and label_column not in table.columns:
        raise InputError(f"label column {label_column[:40]!r} is not in {table.name} (columns: {_some(table.columns)})")
    if columns is None or len(columns) == 0:
        columns = [c for c in table.numeric_columns if c != label_column]
    columns = list(columns)
    if not columns:
        raise InputError(f"{table.name}: choose at least one numeric column besides the label column.")
    numeric = set(table.numeric_columns)  # a set: `in` on the tuple made this quadratic in the columns
    not_numeric = [c for c in columns if c not in numeric]
    if not_numeric:
        raise InputError(f"column(s) {_some(map(repr, not_numeric))} of {table.name} are not numeric; "
                         f"numeric columns are {_some(table.numeric_columns)}.")
    if label_column in columns:
        raise InputError(f"the label column {label_column!r} cannot also be a feature column.")
    points = table.frame[columns].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(points)
    if bad.any():
        rows, cols = np.nonzero(bad)
        kinds = " and ".join(f"{count} {kind}" for kind, count in (
            ("NaN (empty or non-numeric cells)", int(np.isnan(points).sum())), ("infinities", int(np.isinf(points).sum())))
            if count)
        where = ", ".join(repr(columns[c]) for c in np.unique(cols))
        raise InputError(f"{table.name} has {kinds} in column(s) {where} (first at data row {int(rows[0]) + 1}). "
                         f"Remove or fill those rows.")
    if len(points) < min_rows:
        raise InputError(f"{table.name} has {len(points)} rows; at least {min_rows} are needed to cluster.")
    true_labels, label_names = None, ()
    if label_column is not None:
        raw = table.frame[label_column]
        if raw.isna().any():
            raise InputError(f"label column {label_column!r} has {int(raw.isna().sum())} empty cells; fill them or choose no label column.")
        codes, uniques = pd.factorize(raw, sort=True)
        true_labels, label_names = codes.astype(np.int64), tuple(str(u) for u in uniques)
    return Dataset(points, true_labels, tuple(columns), label_names, table.name)


def _some(names, limit: int = 10) -> str:
    """The first ``limit`` of ``names``, comma-joined ("… and 990 more" after them)."""
    names = list(names)
    more = f" and {len(names) - limit:,} more" if len(names) > limit else ""
    return ", ".join(str(n)[:40] for n in names[:limit]) + more


def read_csv_dataset(data: bytes, name: str = "csv", columns=None, label_column: str | None = None) -> Dataset:
    """:func:`parse_csv` then :func:`table_to_dataset`."""
    return table_to_dataset(parse_csv(data, name), columns, label_column)


# -- uploads, stored by their content digest ----------------------------------------------------------------
# A config names an uploaded file by the SHA-256 of its bytes (never by the bytes themselves); the bytes are
# kept by ganplify_core.upload_store (memory and the cache directory), so a job in a worker thread, another
# session or a restarted server reads the same file back. They are only ever parsed as CSV text.

UPLOAD = "the uploaded CSV file"
upload_digest = upload_store.digest_of


def store_upload(data: bytes, name: str = "csv", digest: str | None = None) -> str:
    """Check ``data`` parses as a CSV file, keep it under its digest, and return the digest.

    ``digest``: the page's already computed SHA-256 of ``data`` (``ui.uploaded``), so it is not hashed again;
    a file already stored is not parsed again either.
    """
    digest = digest or upload_digest(data)
    if not upload_store.exists(digest):
        parse_csv(data, name)  # refuse what cannot be read before storing it
    return upload_store.store(data, max_bytes=MAX_CSV_BYTES, what=name, digest=digest)


def uploaded_bytes(digest: str) -> bytes:
    """The bytes stored under ``digest`` (InputError if they are gone, e.g. after Clear cache)."""
    return upload_store.load(digest, UPLOAD)


@functools.lru_cache(maxsize=4)
def uploaded_table(digest: str, name: str = "csv") -> CsvTable:
    """The parsed table of a stored upload (the last few are kept parsed: a page reruns often)."""
    return parse_csv(uploaded_bytes(digest), name)


def upload_fields(data: bytes, name: str, columns=None, label_column: str | None = None,
                  digest: str | None = None) -> dict:
    """Store an uploaded file and return the config fields that name it and the chosen columns.

    Raises :class:`InputError` (with the reason) if the file or the choice of columns is unusable.
    """
    digest = store_upload(data, name, digest)
    dataset = table_to_dataset(uploaded_table(digest, name), list(columns) if columns else None, label_column)
    return {"name": "upload", "csv_digest": digest, "csv_name": name, "columns": dataset.feature_names,
            "label_column": label_column or "", "csv_rows": dataset.n_samples}


def uploaded_dataset(digest: str, name: str, columns=None, label_column: str | None = None) -> Dataset:
    """The :class:`Dataset` of the stored upload ``digest`` with the chosen columns."""
    return table_to_dataset(uploaded_table(digest, name), list(columns) if columns else None, label_column)
