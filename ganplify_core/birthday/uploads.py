"""Your own showers: a ``.npz`` with an array ``showers`` (m, X, Y, Z) and, optionally, ``energy`` (m,).

A birthday config names an uploaded file by the SHA-256 of its bytes (``showers_sha256``,
``reference_sha256``), so it hashes to the same cache key in every session and process, and a job in a
worker thread finds the file without being handed it. The bytes are kept by
:mod:`ganplify_core.upload_store` (memory and the cache directory) and only ever read with
``np.load(..., allow_pickle=False)``: nothing from a user is unpickled. Before an array is read, the header of its ``.npy`` member is checked (shape and dtype), so a
small compressed file cannot expand into more memory than the limits below.

Any grid works for the duplicate search (shapes, energy and SSIM are defined on any X × Y × Z); each
side needs at least 11 cells, the 3D SSIM window. Deposited energies are in GeV, ≥ 0 and finite.

Make one from your generator::

    np.savez_compressed("my_showers.npz", showers=images.astype(np.float32), energy=primary_energies)
"""

from __future__ import annotations

import dataclasses
import functools
import io
import zipfile

import numpy as np

from ganplify_core import upload_store
from ganplify_core.errors import InputError

UPLOAD = "the uploaded shower file"
MAX_FILE_BYTES = 200 * 2**20        # the file as uploaded (the page's server takes at most 20 MB)
MIN_SIDE, MAX_SIDE = 11, 256        # cells per side: the SSIM window is 11 cells
MAX_CELLS_PER_SHOWER = 200_000      # 51 × 51 × 25 = 65 025; 25³ = 15 625
MIN_SHOWERS, MAX_SHOWERS = 10, 20_000
MAX_TOTAL_CELLS = 320_000_000       # showers × cells, 1.3 GB as float32 (20 000 showers of 25³)
NUMERIC_KINDS = "fiu"               # float, signed and unsigned integers


@dataclasses.dataclass(frozen=True)
class ShowerFile:
    """A checked upload: ``images`` float32 (m, X, Y, Z) in GeV, ``energy`` float32 (m,) or None."""

    images: np.ndarray
    energy: np.ndarray | None

    @property
    def grid(self) -> tuple[int, int, int]:
        return tuple(int(g) for g in self.images.shape[1:])

    def __len__(self) -> int:
        return int(self.images.shape[0])


digest_of = upload_store.digest_of
is_digest = upload_store.is_digest


def grid_text(grid) -> str:
    return "×".join(str(int(g)) for g in grid)


def _header(archive: zipfile.ZipFile, member: str, name: str, array: str) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of an ``.npy`` member, read from its header only (nothing is decompressed beyond it)."""
    try:
        with archive.open(member) as handle:
            version = np.lib.format.read_magic(handle)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{name}: the array '{array}' is not a readable .npy array ({str(exc)[:80]})") from None
    return tuple(int(s) for s in shape), np.dtype(dtype)


def _check_dtype(dtype: np.dtype, name: str, array: str) -> None:
    if dtype.hasobject:
        raise InputError(f"{name}: '{array}' holds Python objects (pickled data is never loaded); save plain numbers, "
                         "e.g. images.astype(np.float32)")
    if dtype.kind not in NUMERIC_KINDS:
        raise InputError(f"{name}: '{array}' must hold real numbers (float32 or float64), not dtype {dtype}")


def parse_showers(content: bytes, name: str = "the file") -> ShowerFile:
    """Check and read a ``.npz`` of showers; one :class:`InputError` per way it can be wrong."""
    if len(content) > MAX_FILE_BYTES:
        raise InputError(f"{name} is {len(content) / 2**20:.1f} MB: at most {MAX_FILE_BYTES // 2**20} MB "
                         "(save with np.savez_compressed, or fewer showers)")
    if not content.startswith(b"PK"):
        raise InputError(f"{name} is not a .npz file (write it with np.savez_compressed(path, showers=images))")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = {m[:-4]: m for m in archive.namelist() if m.endswith(".npy")}
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InputError(f"{name} is a damaged .npz (zip) file: save it again") from None
    if "showers" not in members:
        found = ", ".join(sorted(members)[:8]) or "no arrays"
        raise InputError(f"{name} has no array named 'showers' (it has: {found}); "
                         "save with np.savez_compressed(path, showers=images, energy=energies)")
    shape, dtype = _header(archive, members["showers"], name, "showers")
    _check_dtype(dtype, name, "showers")
    if len(shape) != 4:
        raise InputError(f"{name}: 'showers' must have shape (m, X, Y, Z), one 3D image per shower; got {shape}")
    m, grid = shape[0], shape[1:]
    if not all(MIN_SIDE <= g <= MAX_SIDE for g in grid) or int(np.prod(grid)) > MAX_CELLS_PER_SHOWER:
        raise InputError(f"{name}: a grid of {grid_text(grid)} cells; each side needs {MIN_SIDE} to {MAX_SIDE} cells "
                         f"(the SSIM window is {MIN_SIDE}) and at most {MAX_CELLS_PER_SHOWER:,} cells in all")
    if not MIN_SHOWERS <= m <= MAX_SHOWERS:
        raise InputError(f"{name} holds {m} showers: {MIN_SHOWERS} to {MAX_SHOWERS:,} are needed "
                         "(a duplicate needs pairs; the support test, many)")
    if m * int(np.prod(grid)) > MAX_TOTAL_CELLS:
        raise InputError(f"{name}: {m:,} showers × {int(np.prod(grid)):,} cells exceeds {MAX_TOTAL_CELLS:,} cells "
                         f"(memory); use at most {MAX_TOTAL_CELLS // int(np.prod(grid)):,} showers of this grid")
    energy_shape = None
    if "energy" in members:
        energy_shape, energy_dtype = _header(archive, members["energy"], name, "energy")
        _check_dtype(energy_dtype, name, "energy")
        if energy_shape != (m,):
            raise InputError(f"{name}: 'energy' must have shape ({m},), one primary energy per shower; got {energy_shape}")
    try:
        with np.load(io.BytesIO(content), allow_pickle=False) as data:
            images = np.asarray(data["showers"], dtype=np.float32)
            energy = np.asarray(data["energy"], dtype=np.float64) if energy_shape is not None else None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise InputError(f"{name} could not be read as .npz ({str(exc)[:80]})") from None
    bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
    if bad:
        raise InputError(f"{name}: 'showers' has {bad:,} non-finite cells (NaN or inf)")
    negative = int(np.count_nonzero(images < 0))
    if negative:
        raise InputError(f"{name}: 'showers' has {negative:,} negative cells; deposited energies are ≥ 0 GeV")
    if energy is not None and not (np.all(np.isfinite(energy)) and np.all(energy > 0)):
        raise InputError(f"{name}: 'energy' must be finite and positive (GeV), one per shower")
    return ShowerFile(images=images, energy=None if energy is None else energy.astype(np.float32))


def showers_npz(images: np.ndarray, energy: np.ndarray | None = None) -> bytes:
    """The bytes of a ``.npz`` that :func:`parse_showers` reads back: what the page's export downloads."""
    buffer = io.BytesIO()
    arrays = {"showers": np.asarray(images, dtype=np.float32)}
    if energy is not None:
        arrays["energy"] = np.asarray(energy, dtype=np.float32)
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def accept(content: bytes, name: str = "the file", digest: str | None = None) -> tuple[str, ShowerFile]:
    """Check an uploaded file (refusing what is not usable), store it, and return (digest, showers).

    ``digest``: the content's SHA-256 when the caller already has it (``ui.uploaded``), so it is not hashed again.
    """
    digest = digest or digest_of(content)
    if upload_store.exists(digest):  # checked when it was stored: read it back (the last two are held parsed)
        return digest, load(digest)
    showers = parse_showers(content, name)  # raises InputError before anything is stored
    upload_store.store(content, max_bytes=MAX_FILE_BYTES, what=name, digest=digest)
    return digest, showers


def content(digest: str) -> bytes:
    """The stored bytes of upload ``digest`` (InputError if they are gone, e.g. after *Clear cache*)."""
    return upload_store.load(digest, UPLOAD)


@functools.lru_cache(maxsize=2)
def _loaded(digest: str) -> ShowerFile:
    return parse_showers(content(digest), "the uploaded shower file")


def load(digest: str) -> ShowerFile:
    """The checked showers of stored upload ``digest`` (the last two are kept in memory)."""
    return _loaded(digest)
