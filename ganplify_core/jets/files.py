"""Jets from the user's files: the top-tagging reference layout, JetNet's arrays, or a ROOT TTree.

    from ganplify_core.jets.files import read_jets
    classes = read_jets("test.h5", "toptagging")            # {"qcd": JetSample, "top": JetSample}
    classes = read_jets(uploaded_bytes, "jetnet")            # bytes or a binary file-like object work too
    classes = read_jets("jets.root", "root", label="is_signal_new")

Every format ends in the same steps as the built-in jets (:func:`ganplify_core.jets.sample.assemble`):
constituents relative to the jet axis, the :data:`~ganplify_core.jets.sample.N_CONSTITUENTS` hardest kept,
the observables (mass, pT and count of the *whole* jet, τ_N of the kept constituents), then centring,
rotation and flipping. Constituents are taken massless, as for the built-in jets.

Formats (:data:`FORMATS`):

``toptagging``
    The top-tagging reference dataset (Kasieczka et al., arXiv:1902.09914): an HDF5 file whose key
    ``table`` is a pandas DataFrame (``DataFrame.to_hdf``, "fixed" or "table" format, read here with
    h5py, never pandas or PyTables) with columns ``E_i, PX_i, PY_i, PZ_i`` (i = 0, 1, …; zero-padded)
    and ``is_signal_new`` (1 = top, 0 = QCD). Column names of the "table" format sit in a pickled
    attribute: they are read from the pickle's opcodes (:mod:`pickletools`), never unpickled.
``jetnet``
    JetNet's arrays in an ``.npz`` (``allow_pickle=False``) or an HDF5 file: ``particle_features``
    (N, P, ≥ 3) = (η_rel, φ_rel, pT or pT_rel[, mask]), optional ``jet_features`` (N, ≥ 4) = (type, pT,
    η, mass[, n_constituents]). The mask is the 4th feature when it holds only 0 and 1, else pT > 0.
    pT is *relative* (pT/pT_jet) when every jet's constituents sum below :data:`RELATIVE_PT_SUM`; it is
    then multiplied by the jet pT of ``jet_features``. With ``jet_features``, the jet's mass, pT (and
    constituent count, 5th column) are read from them (the whole jet), as the reference sample's are.
    Labels: the array named ``label``, else ``labels``, else JetNet's type column; class names from a
    ``class_names`` array when present (the layout :func:`jets_to_npz` writes).
``root``
    A ROOT TTree (read with uproot) of jagged constituent branches: pt/eta/phi or px/py/pz/E (found by
    name, or named with ``branches=``), and an optional label branch (``label``; found by itself when
    named ``is_signal_new``, ``label`` or ``labels``).

Classes: a label named ``is_signal_new`` gives ``"qcd"`` (0) and ``"top"`` (1); JetNet's type column its
names (:data:`JETNET_TYPES`); other labels ``"<label>=<value>"``; no label at all one class ``"jets"``.

Limits: a file given by path is at most :data:`MAX_FILE_BYTES`, bytes or a file-like object (an upload)
at most :data:`MAX_UPLOAD_BYTES`; at most ``max_jets`` ≤ :data:`MAX_JETS` jets are read (the first ones),
at least :data:`MIN_JETS` are needed; at most :data:`MAX_PARTICLES` constituents per jet. Every way a file
can be wrong is one :class:`~ganplify_core.errors.InputError` saying what and how to fix it.
"""

from __future__ import annotations

import io
import os
import pickletools
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ganplify_core import upload_store
from ganplify_core.errors import InputError
from ganplify_core.jets.observables import jet_four_momentum
from ganplify_core.jets.preprocessing import wrap_phi
from ganplify_core.jets.sample import N_CONSTITUENTS, JetSample, assemble

FORMATS = ("toptagging", "jetnet", "root")
FORMAT_LABELS = {"toptagging": "Top-tagging reference (HDF5, pandas table)", "jetnet": "JetNet arrays (.npz / .h5)",
                 "root": "ROOT TTree of constituents"}
MAX_UPLOAD_BYTES = 20 * 1024 * 1024   # the app's upload limit (.streamlit/config.toml maxUploadSize)
MAX_FILE_BYTES = 4 * 1024**3          # a file named on the command line (only its first max_jets jets are read)
MAX_JETS = 200_000                    # jets read from one file (about 1 minute of observables on one core)
DEFAULT_MAX_JETS = 100_000
MIN_JETS = 10
MAX_PARTICLES = 1_000                 # constituents per jet in the file (the top-tagging set has 200)
MAX_FEATURES = 64                     # JetNet: features per particle, columns of jet_features
MAX_COLUMNS = 10_000                  # top-tagging: columns of one pandas block (the reference set has 806)
MAX_ARRAY_BYTES = 1024**3             # an array once decompressed (a small compressed file can unpack to far more)
PAGE_MAX_JETS = 20_000               # jets of an upload the home page reads (seconds of observables)
DOWNLOAD_MAX_JETS = 20_000           # jets in a download: 20 000 × 50 constituents × 4 float32 < the upload limit
CHUNK_BYTES = 256 * 1024**2           # rows read at once: at most READ_CHUNK jets and about this many bytes
READ_CHUNK = 10_000                   # jets converted at once (bounded memory for files of many constituents)
RELATIVE_PT_SUM = 5.0                 # JetNet: constituent pT summing below this (GeV) per jet is pT/pT_jet
TOPTAGGING_KEY = "table"
TOPTAGGING_LABEL = "is_signal_new"
SIGNAL_CLASSES = {0: "qcd", 1: "top"}
JETNET_TYPES = {0: "gluon", 1: "quark", 2: "top", 3: "w", 4: "z"}
JETNET_TYPE_OF = {"gluon": 0, "quark": 1, "top": 2, "w": 3, "z": 4}
SOURCE = "file"

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"
_ROOT_MAGIC = b"root"
_MB = 1024 * 1024

Source = str | os.PathLike | bytes | bytearray | memoryview | BinaryIO


# -- the source: a path, bytes or a file-like object ----------------------------------------------------------

class _Opened:
    """A checked source: ``handle`` (path string or BytesIO), its first bytes and a name for messages."""

    def __init__(self, source: Source, name: str | None):
        if isinstance(source, (str, os.PathLike)):
            path = Path(source).expanduser()
            self.name = name or path.name
            if not path.is_file():
                raise InputError(f"{self.name}: no such file" if not path.exists() else f"{self.name} is not a file")
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise InputError(f"{self.name} is {size / 1024**3:.1f} GB, larger than the {MAX_FILE_BYTES / 1024**3:g} GB "
                                 f"limit: split it, or save the first jets to a smaller file")
            self.handle: Any = str(path)
            with open(path, "rb") as f:
                self.head = f.read(16)
            return
        self.name = name or "the uploaded file"
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
        elif hasattr(source, "read"):
            data = source.read(MAX_UPLOAD_BYTES + 1)
            if not isinstance(data, (bytes, bytearray)):
                raise InputError(f"{self.name}: open the file in binary mode ('rb')")
            data = bytes(data)
        else:
            raise InputError(f"a jets file must be a path, bytes or a binary file object, not {type(source).__name__}")
        if len(data) > MAX_UPLOAD_BYTES:
            raise InputError(f"{self.name} is larger than the {MAX_UPLOAD_BYTES // _MB} MB upload limit: save fewer jets "
                             f"in it, or read it with the command line, `python -m ganplify_core jets --input FILE`")
        if not data:
            raise InputError(f"{self.name} is empty")
        self.handle = io.BytesIO(data)
        self.head = data[:16]


def _chunk_rows(row_bytes: int) -> int:
    """Jets read at once: :data:`READ_CHUNK`, fewer for wide rows (at most about :data:`CHUNK_BYTES`)."""
    return max(1, min(READ_CHUNK, CHUNK_BYTES // max(int(row_bytes), 1)))


def _check_max_jets(max_jets: Any) -> int:
    if isinstance(max_jets, bool) or not isinstance(max_jets, (int, np.integer)) or not 1 <= max_jets <= MAX_JETS:
        raise InputError(f"max_jets must be a whole number from 1 to {MAX_JETS:,}, not {max_jets!r}")
    return int(max_jets)


# -- constituents to the package's jets -----------------------------------------------------------------------

def _relative(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """η and φ relative to the axis of the jet (the sum of its massless constituents), φ wrapped."""
    p4 = jet_four_momentum(pt, eta, phi)
    jet_pt = np.hypot(p4[:, 1], p4[:, 2])
    jet_eta = np.arcsinh(p4[:, 3] / np.maximum(jet_pt, 1e-12))
    jet_phi = np.arctan2(p4[:, 2], p4[:, 1])
    return eta - jet_eta[:, None], wrap_phi(phi - jet_phi[:, None])


def _leading(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray,
             whole: dict[str, np.ndarray] | None) -> tuple:
    """The ``N_CONSTITUENTS`` hardest of padded (n, P) constituents, and the whole jets' mass, pT, count."""
    pt = np.where(mask, pt, 0.0)
    eta, phi = np.where(mask, eta, 0.0), np.where(mask, phi, 0.0)
    if whole is None or any(k not in whole for k in ("mass", "pt")):
        p4 = jet_four_momentum(pt, eta, phi)
        computed = {"mass": np.sqrt(np.maximum(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=1), 0.0)),
                    "pt": np.hypot(p4[:, 1], p4[:, 2])}
        whole = {**computed, **(whole or {})}
    whole = {**whole, "n_constituents": whole.get("n_constituents", mask.sum(axis=1)).astype(np.int64)}
    order = np.argsort(np.where(mask, -pt, np.inf), axis=1, kind="stable")[:, :N_CONSTITUENTS]
    out = [np.take_along_axis(a, order, 1) for a in (pt, eta, phi, mask)]
    if out[0].shape[1] < N_CONSTITUENTS:
        width = ((0, 0), (0, N_CONSTITUENTS - out[0].shape[1]))
        out = [np.pad(a, width) for a in out]
    return (*out, whole)


class _Collector:
    """Chunks of constituents in, one :class:`JetSample` per class out."""

    def __init__(self, name: str):
        self.name = name
        self.parts: list[tuple] = []
        self.labels: list[np.ndarray] = []
        self.seen = 0

    def add(self, pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray, labels: np.ndarray | None,
            whole: dict[str, np.ndarray] | None = None, what: str = "constituents") -> None:
        n = len(pt)
        for values, field in ((pt, "pT"), (eta, "η"), (phi, "φ")):
            bad = ~np.isfinite(values) & mask
            if bad.any():
                jet = self.seen + int(np.flatnonzero(bad.any(axis=1))[0])
                raise InputError(f"{self.name}: jet {jet} has a NaN or infinite {field} among its {what}; remove or "
                                 f"repair such jets (every value must be a finite number)")
        if (pt[mask] < 0).any():
            jet = self.seen + int(np.flatnonzero((mask & (pt < 0)).any(axis=1))[0])
            raise InputError(f"{self.name}: jet {jet} has a constituent with negative pT; pT must be ≥ 0 (0 = padding)")
        empty = ~mask.any(axis=1)
        if empty.any():
            jet = self.seen + int(np.flatnonzero(empty)[0])
            raise InputError(f"{self.name}: jet {jet} has no constituents ({int(empty.sum())} of the {n:,} jets read are "
                             f"empty): remove empty jets")
        if whole:
            for key, values in whole.items():
                if not np.all(np.isfinite(values)):
                    raise InputError(f"{self.name}: the jet {key} holds NaN or infinite values; every value must be finite")
        self.parts.append(_leading(pt, eta, phi, mask, whole))
        self.labels.append(np.zeros(n, dtype=np.int64) if labels is None else labels)
        self.seen += n

    def samples(self, class_names: dict[Any, str]) -> dict[str, JetSample]:
        if self.seen < MIN_JETS:
            raise InputError(f"{self.name} holds {self.seen} jet{'s' if self.seen != 1 else ''}: at least {MIN_JETS} "
                             f"are needed")
        pt, eta, phi, mask = (np.concatenate([p[i] for p in self.parts]) for i in range(4))
        whole = {k: np.concatenate([p[4][k] for p in self.parts]) for k in self.parts[0][4]}
        labels = np.concatenate(self.labels)
        out: dict[str, JetSample] = {}
        for value in np.unique(labels):
            pick = labels == value
            process = class_names.get(value.item(), str(value))
            if process in out:  # two labels with one name (a repeated class name): keep them apart
                process = f"{process} ({value.item()})"
            out[process] = assemble(pt[pick], eta[pick], phi[pick], mask[pick], process, SOURCE,
                                    {k: v[pick] for k, v in whole.items()})
        return out


def _label_values(values: np.ndarray, label: str, name: str) -> np.ndarray:
    """Integer class labels from a label column (whole numbers, finite)."""
    values = np.asarray(values)
    if values.dtype.kind == "b":
        return values.astype(np.int64)
    if values.dtype.kind not in "iuf":
        raise InputError(f"{name}: the label {label!r} must hold numbers (0, 1, …), not {values.dtype}")
    if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
        raise InputError(f"{name}: the label {label!r} must hold whole numbers (0, 1, …) and no NaN")
    return values.astype(np.int64)


def _class_names(label: str | None, values: list[int], names: list[str] | None = None) -> dict[int, str]:
    if label is None:
        return {0: "jets"}
    if names is not None:
        return {v: names[v] if 0 <= v < len(names) else f"{label}={v}" for v in values}
    if label == TOPTAGGING_LABEL:
        return {v: SIGNAL_CLASSES.get(v, f"{label}={v}") for v in values}
    return {v: f"{label}={v}" for v in values}


def _numeric(array: np.ndarray, what: str, name: str) -> None:
    if array.dtype.kind not in "iuf":
        raise InputError(f"{name}: {what} must hold numbers (floats), not {array.dtype}")


def _some(names, limit: int = 12) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:limit]) + (f", … ({len(names)} in all)" if len(names) > limit else "") if names else "none"


# -- HDF5 -----------------------------------------------------------------------------------------------------

def _h5py_file(opened: _Opened, what: str):
    import h5py

    if not opened.head.startswith(_HDF5_MAGIC):
        hint = " (it is a ROOT file: choose the format 'root')" if opened.head.startswith(_ROOT_MAGIC) else \
            " (it is a zip/.npz file: choose the format 'jetnet')" if opened.head.startswith(_ZIP_MAGIC) else ""
        raise InputError(f"{opened.name} is not an HDF5 file{hint}; {what}")
    try:
        return h5py.File(opened.handle, "r")
    except OSError as exc:
        raise InputError(f"{opened.name} is not a readable HDF5 file ({str(exc)[:100]}); {what}") from None


def _read_rows(dataset, start: int, stop: int, name: str):
    try:
        return dataset[start:stop]
    except (OSError, ValueError, TypeError) as exc:
        text = str(exc)
        if "filter" in text.lower():
            raise InputError(f"{name} is compressed with a filter h5py cannot read ({text[:80]}); save it again "
                             f"with complib='zlib' (pandas) or compression='gzip' (h5py)") from None
        raise InputError(f"{name}: cannot read {dataset.name} ({text[:100]})") from None


def _strings(values) -> list[str]:
    return [v.decode("utf-8", "replace") if isinstance(v, (bytes, np.bytes_)) else str(v) for v in np.asarray(values).ravel()]


def _pickled_strings(value) -> list[str] | None:
    """The strings in a pickled attribute, in order, read from its opcodes (nothing is unpickled)."""
    original = value
    if isinstance(value, np.void):
        value = value.tobytes()
    if isinstance(value, np.ndarray) and value.dtype.kind in "SV" and value.size == 1:
        value = value.reshape(()).item()
        value = value.tobytes() if isinstance(value, np.void) else value
    if isinstance(value, str):  # a protocol-0 pickle is ASCII text, which h5py may hand back as str
        value = value.encode("latin-1", "replace")
    if not isinstance(value, (bytes, np.bytes_)):  # names stored as an array of strings, not pickled
        return _strings(value) if isinstance(value, (list, tuple, np.ndarray)) else None
    out = []
    try:
        for opcode, arg, _ in pickletools.genops(bytes(value)):
            if isinstance(arg, str) and ("UNICODE" in opcode.name or "STRING" in opcode.name):
                out.append(arg)
            elif isinstance(arg, bytes) and "BYTES" in opcode.name:
                out.append(arg.decode("utf-8", "replace"))
    except Exception:  # noqa: BLE001 - not a pickle: one name stored as a string array, or nothing readable
        return _strings(original) if isinstance(original, np.ndarray) and original.dtype.kind == "S" else None
    return out


def _toptagging_columns(group, name: str) -> tuple[dict[str, tuple[str, int]], int]:
    """{column: (dataset path, position)} and the number of rows, for pandas' fixed or table format."""
    import h5py

    columns: dict[str, tuple[str, int]] = {}
    if "block0_values" in group:  # "fixed": blockK_items (names) and blockK_values (rows, k)
        k = 0
        while f"block{k}_values" in group:
            values, items = group[f"block{k}_values"], group.get(f"block{k}_items")
            if items is None or values.ndim != 2:
                raise InputError(f"{name}: the key '{TOPTAGGING_KEY}' is not a pandas DataFrame (block{k}_values is "
                                 f"not a table with block{k}_items)")
            if values.shape[1] > MAX_COLUMNS or items.shape[0] > MAX_COLUMNS:
                raise InputError(f"{name}: the key '{TOPTAGGING_KEY}' has more than {MAX_COLUMNS:,} columns")
            for position, column in enumerate(_strings(items[()])):
                columns[column] = (f"block{k}_values", position)
            k += 1
        return columns, int(group["block0_values"].shape[0])
    table = group.get("table")
    if isinstance(table, h5py.Dataset) and table.dtype.names:  # "table": one compound dataset
        if table.dtype.itemsize > 8 * MAX_COLUMNS:
            raise InputError(f"{name}: the key '{TOPTAGGING_KEY}' has more than {MAX_COLUMNS:,} columns")
        for field in table.dtype.names:
            if field == "index":
                continue
            shape = table.dtype[field].shape
            if field.startswith("values_block_"):
                names = _pickled_strings(table.attrs.get(f"{field}_kind"))
                width = shape[0] if shape else 1
                if not names or len(names) != width:
                    raise InputError(f"{name}: cannot read the column names of {field} in the key "
                                     f"'{TOPTAGGING_KEY}'; save the DataFrame with format='fixed'")
                for position, column in enumerate(names):
                    columns[column] = (field, position)
            else:  # a data column, stored under its own name
                columns[field] = (field, -1)
        return columns, int(table.shape[0])
    raise InputError(f"{name}: the key '{TOPTAGGING_KEY}' is not a pandas DataFrame written by to_hdf "
                     f"(no block0_values, no table): write it with df.to_hdf(path, key='{TOPTAGGING_KEY}')")


class _RowBlock:
    """Rows [start, stop) of a pandas DataFrame in HDF5, read once per block, by column name."""

    def __init__(self, group, wanted: dict[str, tuple[str, int]], start: int, stop: int, name: str):
        self.group, self.wanted, self.start, self.stop, self.name = group, wanted, start, stop, name
        self.cache: dict[str, np.ndarray] = {}

    def _dataset(self, dataset: str) -> np.ndarray:
        if dataset not in self.cache:
            if dataset.startswith("block"):  # fixed format: the rows of one block
                self.cache[dataset] = _read_rows(self.group[dataset], self.start, self.stop, self.name)
            else:  # table format: one read of the compound rows, then its fields
                if "__rows__" not in self.cache:
                    self.cache["__rows__"] = _read_rows(self.group["table"], self.start, self.stop, self.name)
                self.cache[dataset] = self.cache["__rows__"][dataset]
        return self.cache[dataset]

    def column(self, column: str) -> np.ndarray:
        dataset, position = self.wanted[column]
        values = self._dataset(dataset)
        return values if position < 0 or values.ndim == 1 else values[:, position]

    def columns(self, columns: list[str]) -> np.ndarray:
        """(rows, len(columns)): one gather when the columns share a block (the usual case), else column by column."""
        places = [self.wanted[c] for c in columns]
        datasets = {dataset for dataset, _ in places}
        if len(datasets) == 1 and all(position >= 0 for _, position in places):
            values = self._dataset(datasets.pop())
            if values.ndim == 2:
                return values[:, [position for _, position in places]]
        return np.stack([self.column(c) for c in columns], axis=1)


_CONSTITUENT_COLUMN = re.compile(r"^(E|PX|PY|PZ)_(\d+)$")


def _read_toptagging(opened: _Opened, label: str | None, max_jets: int) -> dict[str, JetSample]:
    layout = (f"the top-tagging layout is an HDF5 file with key '{TOPTAGGING_KEY}' (pandas DataFrame.to_hdf) and "
              f"columns E_i, PX_i, PY_i, PZ_i and {TOPTAGGING_LABEL}")
    with _h5py_file(opened, layout) as f:
        import h5py

        group = f.get(TOPTAGGING_KEY)
        if not isinstance(group, h5py.Group):
            raise InputError(f"{opened.name} has no key '{TOPTAGGING_KEY}' (keys: {_some(f.keys())}); {layout}")
        columns, n_rows = _toptagging_columns(group, opened.name)
        found = {}
        for column in columns:
            match = _CONSTITUENT_COLUMN.match(column)
            if match:
                found.setdefault(int(match.group(2)), set()).add(match.group(1))
        n_particles = 0
        while n_particles in found:
            n_particles += 1
        if n_particles == 0:
            raise InputError(f"{opened.name}: no constituent columns E_0, PX_0, PY_0, PZ_0 in the key '{TOPTAGGING_KEY}' "
                             f"(columns: {_some(columns)}); {layout}")
        if n_particles > MAX_PARTICLES:
            raise InputError(f"{opened.name} has {n_particles} constituents per jet, more than {MAX_PARTICLES}")
        for i in range(n_particles):
            missing = {"E", "PX", "PY", "PZ"} - found[i]
            if missing:
                raise InputError(f"{opened.name}: column {sorted(missing)[0]}_{i} is missing (each constituent i needs "
                                 f"E_i, PX_i, PY_i and PZ_i)")
        label_name = label or TOPTAGGING_LABEL
        if label_name not in columns:
            others = [c for c in columns if not _CONSTITUENT_COLUMN.match(c)]
            raise InputError(f"{opened.name}: no label column {label_name!r} (other columns: {_some(others)}); "
                             f"name the label column with --label")
        if n_rows < MIN_JETS:
            raise InputError(f"{opened.name} holds {n_rows} jets: at least {MIN_JETS} are needed")
        wanted = {f"{kind}_{i}": columns[f"{kind}_{i}"] for i in range(n_particles) for kind in ("E", "PX", "PY", "PZ")}
        wanted[label_name] = columns[label_name]
        collector = _Collector(opened.name)
        labels_seen: set[int] = set()
        row_bytes = sum(group[d].dtype.itemsize * (group[d].shape[1] if group[d].ndim == 2 else 1)
                        for d in {dataset for dataset, _ in wanted.values()} if d in group) \
            if "table" not in group else group["table"].dtype.itemsize
        step = _chunk_rows(row_bytes)
        for start in range(0, min(n_rows, max_jets), step):
            stop = min(start + step, n_rows, max_jets)
            block = _RowBlock(group, wanted, start, stop, opened.name)
            column = block.column
            p4 = {kind: block.columns([f"{kind}_{i}" for i in range(n_particles)]) for kind in ("E", "PX", "PY", "PZ")}
            for kind, values in p4.items():
                _numeric(values, f"the {kind}_i columns", opened.name)
                if not np.all(np.isfinite(values)):
                    jet = start + int(np.flatnonzero(~np.isfinite(values).all(axis=1))[0])
                    raise InputError(f"{opened.name}: jet {jet} has a NaN or infinite {kind}_i value; every value must "
                                     f"be a finite number (padding is 0)")
            px, py, pz = (p4[k].astype(np.float64) for k in ("PX", "PY", "PZ"))
            pt = np.hypot(px, py)
            mask = (p4["E"] > 0) & (pt > 0)
            px, py, pz, pt = (np.where(mask, a, 0.0) for a in (px, py, pz, pt))
            # the whole jet from massless constituents (E = |p|), as the built-in jets; its axis for Δη, Δφ
            sx, sy, sz, se = px.sum(1), py.sum(1), pz.sum(1), np.sqrt(pt**2 + pz**2).sum(1)
            jet_pt = np.hypot(sx, sy)
            whole = {"mass": np.sqrt(np.maximum(se**2 - sx**2 - sy**2 - sz**2, 0.0)), "pt": jet_pt}
            jet_eta = np.arcsinh(sz / np.maximum(jet_pt, 1e-12))[:, None]
            jet_phi = np.arctan2(sy, sx)[:, None]
            safe = np.where(mask, pt, 1.0)
            eta = np.where(mask, np.arcsinh(pz / safe) - jet_eta, 0.0)
            phi = np.where(mask, wrap_phi(np.arctan2(py, px) - jet_phi), 0.0)
            labels = _label_values(column(label_name), label_name, opened.name)
            labels_seen.update(np.unique(labels).tolist())
            collector.add(pt, eta, phi, mask, labels, whole, what="four-momenta")
    return collector.samples(_class_names(label_name, sorted(labels_seen)))


# -- JetNet -----------------------------------------------------------------------------------------------------

JETNET_LAYOUT = ("JetNet's layout is particle_features (N, P, ≥3) = (η_rel, φ_rel, pT or pT_rel[, mask]) and optional "
                 "jet_features (N, ≥4) = (type, pT, η, mass[, n_constituents]) in an .npz or .h5 file")


class _Arrays:
    """The named arrays of an ``.npz`` (no pickles) or an HDF5 file, read by rows.

    An ``.npz`` member's shape and dtype come from its header, before anything is decompressed; a member is
    decompressed once, and only if it is at most :data:`MAX_ARRAY_BYTES` (a few MB of zip can unpack to GBs).
    """

    def __init__(self, opened: _Opened):
        self.name = opened.name
        self.h5 = None
        self.loaded: dict[str, np.ndarray] = {}
        if opened.head.startswith(_ZIP_MAGIC):
            try:
                self.npz = np.load(opened.handle, allow_pickle=False)
                self.zip = self.npz.zip
            except (zipfile.BadZipFile, ValueError, OSError) as exc:
                raise InputError(f"{opened.name} is not a readable .npz file ({str(exc)[:80]}); {JETNET_LAYOUT}") from None
            self.keys = list(self.npz.files)
        elif opened.head.startswith(_HDF5_MAGIC):
            self.h5 = _h5py_file(opened, JETNET_LAYOUT)
            import h5py
            self.keys = [k for k in self.h5.keys() if isinstance(self.h5[k], h5py.Dataset)]
        else:
            hint = " (it is a ROOT file: choose the format 'root')" if opened.head.startswith(_ROOT_MAGIC) else ""
            raise InputError(f"{opened.name} is neither an .npz nor an HDF5 file{hint}; {JETNET_LAYOUT}")

    def close(self) -> None:
        if self.h5 is not None:
            self.h5.close()
        else:
            self.npz.close()

    def _objects(self, key: str, detail: str = "") -> InputError:
        return InputError(f"{self.name}: the array {key!r} holds Python objects{detail}; save plain numbers "
                          f"(float32/float64)")

    def header(self, key: str) -> tuple[tuple, np.dtype]:
        """Shape and dtype of an array, without reading its data."""
        if self.h5 is not None:
            dataset = self.h5[key]
            return dataset.shape, dataset.dtype
        try:
            with self.zip.open(f"{key}.npy") as member:
                version = np.lib.format.read_magic(member)
                read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                shape, _, dtype = read(member)
        except (KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
            raise InputError(f"{self.name}: the array {key!r} is not a readable .npy member ({str(exc)[:60]})") from None
        if dtype.hasobject:
            raise self._objects(key)
        return shape, dtype

    def shape(self, key: str) -> tuple:
        return self.header(key)[0]

    def rows(self, key: str, start: int, stop: int) -> np.ndarray:
        if self.h5 is not None:
            return np.asarray(_read_rows(self.h5[key], start, stop, self.name))
        if key not in self.loaded:
            shape, dtype = self.header(key)
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if size > MAX_ARRAY_BYTES:
                raise InputError(f"{self.name}: the array {key!r} is {size / 1024**3:.1f} GB once decompressed, more than "
                                 f"{MAX_ARRAY_BYTES / 1024**3:g} GB: save fewer jets")
            try:
                self.loaded[key] = self.npz[key]
            except ValueError as exc:
                raise self._objects(key, f" ({str(exc)[:60]})") from None
        return self.loaded[key][start:stop]


def _read_jetnet(opened: _Opened, label: str | None, max_jets: int) -> dict[str, JetSample]:
    arrays = _Arrays(opened)
    try:
        return _jetnet_samples(arrays, label, max_jets)
    finally:
        arrays.close()


def _jetnet_samples(arrays: _Arrays, label: str | None, max_jets: int) -> dict[str, JetSample]:
    name = arrays.name
    if "particle_features" not in arrays.keys:
        raise InputError(f"{name} has no array 'particle_features' (arrays: {_some(arrays.keys)}); {JETNET_LAYOUT}")
    shape = arrays.shape("particle_features")
    if len(shape) != 3 or shape[2] < 3:
        raise InputError(f"{name}: particle_features has shape {shape}; it must be (jets, particles, ≥3 features); "
                         f"{JETNET_LAYOUT}")
    n_jets, n_particles, n_features = shape
    if n_particles > MAX_PARTICLES:
        raise InputError(f"{name} has {n_particles} particles per jet, more than {MAX_PARTICLES}")
    if n_features > MAX_FEATURES:
        raise InputError(f"{name}: particle_features has {n_features} features per particle, more than {MAX_FEATURES}; "
                         f"{JETNET_LAYOUT}")
    if n_jets < MIN_JETS:
        raise InputError(f"{name} holds {n_jets} jets: at least {MIN_JETS} are needed")
    jet_shape = arrays.shape("jet_features") if "jet_features" in arrays.keys else None
    if jet_shape is not None and (len(jet_shape) != 2 or jet_shape[0] != n_jets or not 2 <= jet_shape[1] <= MAX_FEATURES):
        raise InputError(f"{name}: jet_features has shape {jet_shape}; it must be ({n_jets}, ≥2) = (type, pT, η, mass"
                         f"[, n_constituents]), one row per jet of particle_features")
    label_key, names = label, None
    if label is not None and label not in arrays.keys:
        raise InputError(f"{name} has no label array {label!r} (arrays: {_some(arrays.keys)})")
    if label is None and "labels" in arrays.keys:
        label_key = "labels"
    if label_key is not None:
        label_shape = arrays.shape(label_key)
        if label_shape != (n_jets,):
            raise InputError(f"{name}: the label array {label_key!r} has shape {label_shape}; it must be ({n_jets},), "
                             f"one label per jet")
    if "class_names" in arrays.keys:
        names = _strings(arrays.rows("class_names", 0, 10_000))
    n_read = min(n_jets, max_jets)
    collector = _Collector(name)
    labels_seen: set[int] = set()
    use_type = label_key is None and jet_shape is not None
    relative: bool | None = None
    step = _chunk_rows(n_particles * n_features * 8)
    for start in range(0, n_read, step):
        stop = min(start + step, n_read)
        features = arrays.rows("particle_features", start, stop)
        _numeric(features, "particle_features", name)
        features = features.astype(np.float64)
        pt = features[:, :, 2]
        if n_features >= 4 and np.all(np.isin(features[:, :, 3], (0.0, 1.0))):
            mask = features[:, :, 3] > 0.5
        else:
            mask = pt > 0
        mask &= pt != 0
        jets = None
        if jet_shape is not None:
            jets = arrays.rows("jet_features", start, stop)
            _numeric(jets, "jet_features", name)
            jets = jets.astype(np.float64)
            if not np.all(np.isfinite(jets)):
                jet = start + int(np.flatnonzero(~np.isfinite(jets).all(axis=1))[0])
                raise InputError(f"{name}: jet {jet} has a NaN or infinite value in jet_features")
        if relative is None:  # decided on the first chunk, kept for the file
            sums = np.where(mask & np.isfinite(pt), pt, 0.0).sum(axis=1)
            relative = bool(np.all(sums < RELATIVE_PT_SUM))
            if relative and jets is None:
                raise InputError(f"{name}: the particle pT look relative (pT/pT_jet: every jet's constituents sum below "
                                 f"{RELATIVE_PT_SUM:g}) and there are no jet_features with the jet pT (column 1): add "
                                 f"them, or store the constituents' pT in GeV")
        whole = None
        if jets is not None:
            if relative:
                if np.any(jets[:, 1] <= 0):
                    raise InputError(f"{name}: jet_features' pT (column 1) must be > 0 to turn pT_rel into GeV")
                pt = pt * jets[:, 1:2]
            if jets.shape[1] >= 4:
                whole = {"pt": jets[:, 1], "mass": jets[:, 3]}
                if jets.shape[1] >= 5:
                    whole["n_constituents"] = jets[:, 4]
                    if np.any(jets[:, 4] < mask.sum(axis=1)) or np.any(jets[:, 4] != np.round(jets[:, 4])):
                        raise InputError(f"{name}: jet_features' n_constituents (column 4) must be a whole number at "
                                         f"least the particles given per jet")
        if use_type:
            labels = _label_values(jets[:, 0], "type", name)
        elif label_key is not None:
            labels = _label_values(arrays.rows(label_key, start, stop), label_key, name)
        else:
            labels = None
        if labels is not None:
            labels_seen.update(np.unique(labels).tolist())
        collector.add(pt, features[:, :, 0], wrap_phi(features[:, :, 1]), mask, labels, whole, "particles")
    if use_type:
        if names is None:
            return collector.samples({v: JETNET_TYPES.get(v, f"type={v}") for v in labels_seen})
        return collector.samples(_class_names("type", sorted(labels_seen), names))
    return collector.samples(_class_names(label_key, sorted(labels_seen), names))


# -- ROOT ------------------------------------------------------------------------------------------------------

ROOT_LAYOUT = ("a ROOT file with a TTree of jagged constituent branches (pt, eta, phi or px, py, pz, E; one entry per "
               "jet) and an optional label branch")
ROOT_LABELS = (TOPTAGGING_LABEL, "label", "labels")


def _root_branches(names: list[str], branches: dict[str, str] | None, tree_name: str, file_name: str) -> dict[str, str]:
    """{"pt", "eta", "phi"} or {"px", "py", "pz", "e"} → branch name, given or found by name."""
    if branches:
        given = {k.lower(): v for k, v in branches.items()}
        for kinds in (("pt", "eta", "phi"), ("px", "py", "pz", "e")):
            if all(k in given for k in kinds):
                missing = [given[k] for k in kinds if given[k] not in names]
                if missing:
                    raise InputError(f"{file_name}: the tree {tree_name!r} has no branch {missing[0]!r} "
                                     f"(branches: {_some(names)})")
                return {k: given[k] for k in kinds}
        raise InputError("branches must name pt, eta and phi, or px, py, pz and e")
    by_prefix: dict[str, dict[str, str]] = {}
    for branch in names:
        low = branch.lower()
        for suffix in ("pt", "eta", "phi", "px", "py", "pz", "energy", "e"):
            if low.endswith(suffix) and (len(low) == len(suffix) or low[-len(suffix) - 1] in "_."):
                kind = "e" if suffix == "energy" else suffix
                by_prefix.setdefault(low[: len(low) - len(suffix)], {}).setdefault(kind, branch)
                break
    for kinds in (("pt", "eta", "phi"), ("px", "py", "pz", "e")):
        for prefix in sorted(by_prefix, key=len):
            if all(k in by_prefix[prefix] for k in kinds):
                return {k: by_prefix[prefix][k] for k in kinds}
    raise InputError(f"{file_name}: the tree {tree_name!r} has no constituent branches pt/eta/phi or px/py/pz/E "
                     f"(branches: {_some(names)}); name them with --branches pt=…,eta=…,phi=…")


def _read_root(opened: _Opened, label: str | None, max_jets: int, tree: str | None,
               branches: dict[str, str] | None) -> dict[str, JetSample]:
    import awkward as ak
    import uproot

    if not opened.head.startswith(_ROOT_MAGIC):
        hint = " (it is an HDF5 file: choose 'toptagging' or 'jetnet')" if opened.head.startswith(_HDF5_MAGIC) else \
            " (it is a zip/.npz file: choose 'jetnet')" if opened.head.startswith(_ZIP_MAGIC) else ""
        raise InputError(f"{opened.name} is not a ROOT file{hint}; the ROOT layout is {ROOT_LAYOUT}")
    try:
        file = uproot.open(opened.handle)
    except Exception as exc:  # noqa: BLE001 - uproot raises many types for a damaged file
        raise InputError(f"{opened.name} is not a readable ROOT file ({str(exc)[:100]})") from None
    with file:
        try:
            classes = file.classnames(cycle=False)
        except Exception as exc:  # noqa: BLE001 - a damaged directory
            raise InputError(f"{opened.name} is not a readable ROOT file ({str(exc)[:100]})") from None
        trees = [k for k, cls in classes.items() if cls.startswith(("TTree", "TNtuple")) or cls == "ROOT::RNTuple"]
        if tree is not None:
            if tree not in trees:
                raise InputError(f"{opened.name} has no TTree {tree!r} (trees: {_some(trees)})")
            trees = [tree]
        if not trees:
            raise InputError(f"{opened.name} holds no TTree; the ROOT layout is {ROOT_LAYOUT}")
        if len(trees) > 1:
            raise InputError(f"{opened.name} holds several TTrees ({_some(trees)}): name one with --tree")
        ttree = file[trees[0]]
        names = list(ttree.keys())
        chosen = _root_branches(names, branches, trees[0], opened.name)
        label_name = label
        if label is not None and label not in names:
            raise InputError(f"{opened.name}: the tree {trees[0]!r} has no label branch {label!r} "
                             f"(branches: {_some(names)})")
        if label is None:
            label_name = next((b for b in ROOT_LABELS if b in names), None)
        n_entries = int(ttree.num_entries)
        if n_entries < MIN_JETS:
            raise InputError(f"{opened.name}: the tree {trees[0]!r} holds {n_entries} jets: at least {MIN_JETS} are needed")
        wanted = list(chosen.values()) + ([label_name] if label_name else [])
        unpacked = 0
        for branch in wanted:
            try:
                unpacked += int(getattr(ttree[branch], "uncompressed_bytes", 0) or 0)
            except Exception:  # noqa: BLE001 - an RNTuple field has no such metadata: bounded per chunk below
                pass
        if unpacked * min(1.0, max_jets / max(n_entries, 1)) > MAX_ARRAY_BYTES:
            raise InputError(f"{opened.name}: the branches {', '.join(wanted)} unpack to {unpacked / 1024**3:.1f} GB, "
                             f"more than {MAX_ARRAY_BYTES / 1024**3:g} GB for the jets asked for: ask for fewer jets")
        collector = _Collector(opened.name)
        labels_seen: set[int] = set()
        try:
            n_read = min(n_entries, max_jets)
            for start in range(0, n_read, READ_CHUNK):
                chunk = ttree.arrays(wanted, entry_start=start, entry_stop=min(start + READ_CHUNK, n_read), library="ak")
                columns = {}
                for kind, branch in chosen.items():
                    values = chunk[branch]
                    if values.ndim < 2:
                        raise InputError(f"{opened.name}: the branch {branch!r} holds one number per entry; the "
                                         f"constituent branches must hold an array per jet (jagged or fixed size)")
                    counts = ak.num(values, axis=1)
                    width = int(ak.max(counts)) if len(counts) else 0
                    if width > MAX_PARTICLES:
                        raise InputError(f"{opened.name}: a jet has {width} constituents, more than {MAX_PARTICLES}")
                    padded = ak.fill_none(ak.pad_none(values, max(width, 1), clip=True), 0)
                    try:
                        array = ak.to_numpy(padded)
                    except (ValueError, TypeError):
                        raise InputError(f"{opened.name}: the branch {branch!r} is not an array of numbers per jet") from None
                    _numeric(array, f"the branch {branch!r}", opened.name)
                    columns[kind] = (array.astype(np.float64), np.asarray(counts))
                counts = {kind: c for kind, (_, c) in columns.items()}
                first = next(iter(counts.values()))
                if any(not np.array_equal(c, first) for c in counts.values()):
                    raise InputError(f"{opened.name}: the constituent branches {', '.join(chosen.values())} have "
                                     f"different numbers of constituents in some jets")
                mask = np.arange(columns[next(iter(columns))][0].shape[1])[None, :] < first[:, None]
                if "pt" in columns:
                    pt, eta, phi = columns["pt"][0], columns["eta"][0], columns["phi"][0]
                else:
                    px, py, pz = columns["px"][0], columns["py"][0], columns["pz"][0]
                    pt = np.hypot(px, py)
                    safe = np.where(pt > 0, pt, 1.0)
                    eta, phi = np.arcsinh(pz / safe), np.arctan2(py, px)
                    eta, phi = np.where(np.isfinite(eta), eta, np.nan), phi
                mask &= pt > 0
                finite = np.isfinite(pt) & np.isfinite(eta) & np.isfinite(phi)
                if not np.all(finite | ~mask):
                    jet = collector.seen + int(np.flatnonzero((~finite & mask).any(axis=1))[0])
                    raise InputError(f"{opened.name}: jet {jet} has a NaN or infinite constituent value; every value "
                                     f"must be a finite number")
                eta, phi = _relative(np.where(mask, pt, 0.0), np.where(mask, eta, 0.0), np.where(mask, phi, 0.0))
                labels = None
                if label_name:
                    raw = chunk[label_name]
                    if raw.ndim != 1:
                        raise InputError(f"{opened.name}: the label branch {label_name!r} must hold one number per jet")
                    labels = _label_values(ak.to_numpy(raw), label_name, opened.name)
                    labels_seen.update(np.unique(labels).tolist())
                collector.add(pt, eta, phi, mask, labels)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - uproot's errors for branches it cannot interpret
            raise InputError(f"{opened.name}: cannot read the branches {', '.join(wanted)} ({str(exc)[:100]})") from None
    return collector.samples(_class_names(label_name, sorted(labels_seen)))


# -- public API ------------------------------------------------------------------------------------------------

def read_jets(source: Source, format: str, label: str | None = None, max_jets: int = DEFAULT_MAX_JETS, *,
              name: str | None = None, tree: str | None = None, branches: dict[str, str] | None = None
              ) -> dict[str, JetSample]:
    """Read the user's jets and preprocess them exactly like the built-in jets.

    Parameters
    ----------
    source : path, bytes or binary file-like object
        A path (at most :data:`MAX_FILE_BYTES`) or the file's content (an upload: at most
        :data:`MAX_UPLOAD_BYTES`).
    format : {"toptagging", "jetnet", "root"}
        The layout (see the module docstring).
    label : str, optional
        The label column / array / branch; default ``is_signal_new`` (toptagging), ``labels`` or JetNet's
        type column (jetnet), a branch named ``is_signal_new``, ``label`` or ``labels`` (root).
    max_jets : int
        Read at most this many jets (the first ones), 1 … :data:`MAX_JETS`.
    name : str, optional
        The file's name in messages (default: the path's name, or "the uploaded file").
    tree, branches : ROOT only
        The TTree (default: the file's only one) and the constituent branches, e.g.
        ``{"pt": "part_pt", "eta": "part_eta", "phi": "part_phi"}`` (default: found by name).

    Returns
    -------
    dict class -> JetSample
        ``source`` is ``"file"``; keys ``"qcd"``/``"top"`` for ``is_signal_new``, JetNet's names for its type
        column, ``"<label>=<value>"`` for other labels, ``"jets"`` without labels; ordered by label value.

    Raises
    ------
    InputError
        One message per way the file or the arguments can be wrong.
    """
    if format not in FORMATS:
        raise InputError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if label is not None and (not isinstance(label, str) or not label.strip()):
        raise InputError(f"label must be the name of a column, array or branch, not {label!r}")
    if format != "root" and (tree is not None or branches is not None):
        raise InputError("tree and branches apply to the format 'root' only")
    max_jets = _check_max_jets(max_jets)
    opened = _Opened(source, name)
    if format == "toptagging":
        return _read_toptagging(opened, label, max_jets)
    if format == "jetnet":
        return _read_jetnet(opened, label, max_jets)
    return _read_root(opened, label, max_jets, tree, branches)


def parse_branches(text: str) -> dict[str, str]:
    """``"pt=part_pt,eta=part_eta,phi=part_phi"`` → a ``branches`` dict for :func:`read_jets` (the CLI's form)."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(f"--branches takes kind=branch pairs separated by commas (pt=…,eta=…,phi=…), not {item!r}")
        out[key.strip().lower()] = value.strip()
    return out


# -- writing: the JetNet layout ----------------------------------------------------------------------------------

def jets_to_arrays(samples: dict[str, JetSample], max_per_class: int | None = None) -> dict[str, np.ndarray]:
    """Jets in JetNet's layout, with this package's class names (what :func:`jets_to_npz` saves).

    ``particle_features`` float32 (N, 50, 4) = (η, φ, pT/pT_jet, mask) of the preprocessed constituents;
    ``jet_features`` float32 (N, 5) = (type, pT, η = 0, mass, n_constituents) of the whole jets (type: the
    index into ``class_names``); ``labels`` int64 (N,); ``class_names`` (K,) str; every observable as
    ``obs_<name>``. :func:`read_jets` (format ``"jetnet"``) reads it back to the same jets and observables.
    """
    names = list(samples)
    parts = []
    for index, process in enumerate(names):
        jets = samples[process]
        n = len(jets) if max_per_class is None else min(len(jets), max_per_class)
        jet_pt = jets.observables["pt"][:n].astype(np.float64)
        safe = np.where(jet_pt > 0, jet_pt, 1.0)
        particles = np.stack([jets.eta[:n], jets.phi[:n], jets.pt[:n] / safe[:, None], jets.mask[:n]], axis=2)
        jet = np.stack([np.full(n, index, dtype=np.float64), jet_pt, np.zeros(n), jets.observables["mass"][:n],
                        jets.observables["n_constituents"][:n]], axis=1)
        parts.append((particles.astype(np.float32), jet.astype(np.float32), np.full(n, index, dtype=np.int64),
                      {k: v[:n] for k, v in jets.observables.items()}))
    return {"particle_features": np.concatenate([p[0] for p in parts]),
            "jet_features": np.concatenate([p[1] for p in parts]),
            "labels": np.concatenate([p[2] for p in parts]),
            "class_names": np.array(names, dtype=str),
            **{f"obs_{k}": np.concatenate([p[3][k] for p in parts]) for k in parts[0][3]}}


def jets_to_npz(samples: dict[str, JetSample], max_per_class: int | None = None) -> bytes:
    """The bytes of a compressed ``.npz`` in JetNet's layout (:func:`jets_to_arrays`): the page's download."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **jets_to_arrays(samples, max_per_class))
    return buffer.getvalue()


def iter_formats() -> Iterator[tuple[str, str]]:
    """(format, label) pairs for a page's choice."""
    yield from FORMAT_LABELS.items()


def download_per_class(n_classes: int) -> int:
    """Jets per class in a download: :data:`DOWNLOAD_MAX_JETS` shared by the classes (it loads back as an upload)."""
    return DOWNLOAD_MAX_JETS // max(n_classes, 1)


# -- uploads: kept under their digest (ganplify_core.upload_store), so a job (and another session) can read them --

UPLOAD = "the uploaded jets file"
upload_digest = upload_store.digest_of


def _upload_path(digest: str) -> Path:
    """Where the stored copy of upload ``digest`` lives (InputError if ``digest`` is not 64 hex digits)."""
    return upload_store.path(digest, UPLOAD)


def store_upload(data: bytes, format: str, label: str | None = None, name: str = "the uploaded file",
                 digest: str | None = None) -> str:
    """Check that the first jets of ``data`` read in ``format``, keep the bytes under their digest, return it.

    ``digest``: the bytes' SHA-256 if already known (``ui.uploaded``). Raises :class:`InputError` (what is
    wrong with the file) before anything is stored.
    """
    read_jets(data, format, label, max_jets=MIN_JETS, name=name)  # the layout, labels and first jets, in milliseconds
    return upload_store.store(data, max_bytes=MAX_UPLOAD_BYTES, what=name, digest=digest)


def uploaded_bytes(digest: str) -> bytes:
    """The bytes stored under ``digest`` (InputError if they are gone, e.g. after Clear cache)."""
    return upload_store.load(digest, UPLOAD)
