"""Jet samples for the pages: the toy generator or the Pythia 8 reference, preprocessed alike, disk-cached.

Both sources go through the same steps: the ``N_CONSTITUENTS`` hardest constituents (relative to the
jet axis), observables (:mod:`ganplify_core.jets.observables`, computed before the rotation), then
centring, rotation and flipping (:mod:`ganplify_core.jets.preprocessing`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ganplify_core import cache
from ganplify_core.errors import InputError
from ganplify_core.jets.observables import compute_observables, whole_jet_summary
from ganplify_core.jets.preprocessing import leading_constituents, preprocess, wrap_phi
from ganplify_core.jets.shower import PROCESSES, ToyShowerConfig, eta_phi, generate_particles
from ganplify_core.paths import ASSETS_DIR
from ganplify_core.training import Progress, no_progress

N_CONSTITUENTS = 50
JET_RADIUS = 0.8
SOURCES = ("toy", "reference")
# Toy jets are generated in chunks seeded by (seed, process, chunk): the first n jets of a larger
# sample are the n jets of a smaller one with the same seed.
CHUNK = 1000
# Part of the cache key of toy jets: bump it whenever the generator's output changes.
TOY_GENERATOR_VERSION = 5
REFERENCE_PATH = ASSETS_DIR / "reference_jets.npz"


@dataclasses.dataclass
class JetSample:
    """Preprocessed jets of one class.

    Attributes
    ----------
    pt, eta, phi : float32 (n, 50)
        Constituents sorted by decreasing pT (GeV), centred, rotated and flipped (η, φ relative to the
        jet axis), zero-padded.
    mask : bool (n, 50)
        True for a real constituent.
    observables : dict name -> float32 (n,)
        The :data:`~ganplify_core.jets.observables.OBSERVABLES`.
    process : str
        ``"qcd"``, ``"w"`` or ``"top"``.
    source : str
        ``"toy"`` or ``"reference"``.
    """

    pt: np.ndarray
    eta: np.ndarray
    phi: np.ndarray
    mask: np.ndarray
    observables: dict
    process: str
    source: str

    def __len__(self) -> int:
        return len(self.pt)


def assemble(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, mask: np.ndarray, process: str, source: str,
             whole_jet: dict[str, np.ndarray] | None = None) -> JetSample:
    """Observables, then preprocessing, of padded constituents given relative to the jet axis.

    ``whole_jet`` (mass, pt, n_constituents of the jet with all its constituents) overrides those three
    observables, which would otherwise miss the constituents beyond the hardest ``N_CONSTITUENTS``.
    """
    pt = np.where(mask, pt, 0.0)
    observables = compute_observables(pt, eta, phi, mask, JET_RADIUS, whole_jet)
    eta_p, phi_p = preprocess(pt, eta, phi, mask)
    return JetSample(pt.astype(np.float32), eta_p.astype(np.float32), phi_p.astype(np.float32), mask,
                     observables, process, source)


def toy_constituents(process: str, n_jets: int, config: ToyShowerConfig, rng: np.random.Generator
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Padded (pt, Δη, Δφ, mask) of ``n_jets`` toy jets (the particles within R of the jet axis), and
    the whole jets' mass, pt and constituent count."""
    particles = generate_particles(process, n_jets, config, rng)
    pt, eta, phi = eta_phi(particles.p)
    inside = eta**2 + phi**2 < config.radius**2
    jet, pt, eta, phi = particles.jet[inside], pt[inside], eta[inside], phi[inside]
    return (*leading_constituents(jet, pt, eta, phi, n_jets, N_CONSTITUENTS),
            whole_jet_summary(jet, pt, eta, phi, n_jets))


def _toy_sample(process: str, n: int, seed: int, config: ToyShowerConfig,
                progress: Progress = no_progress) -> JetSample:
    process_index = PROCESSES.index(process)
    parts = []
    n_chunks = (n + CHUNK - 1) // CHUNK
    for chunk in range(n_chunks):
        progress(chunk / n_chunks, f"showering {process} jets: {chunk * CHUNK:,} of {n:,}")
        rng = np.random.default_rng([seed, process_index, chunk])
        parts.append(toy_constituents(process, CHUNK, config, rng))
    progress(1.0, f"{n:,} {process} jets: observables and preprocessing")
    pt, eta, phi, mask = (np.concatenate([p[i] for p in parts])[:n] for i in range(4))
    whole_jet = {name: np.concatenate([p[4][name] for p in parts])[:n] for name in parts[0][4]}
    return assemble(pt, eta, phi, mask, process, "toy", whole_jet)


# -- the reference sample --------------------------------------------------------------------------------

def available_sources() -> tuple[str, ...]:
    """``("toy",)``, or ``("toy", "reference")`` when the Pythia reference asset is present."""
    return SOURCES if REFERENCE_PATH.exists() else SOURCES[:1]


def reference_size(process: str) -> int:
    """Number of reference jets of ``process`` (0 if none)."""
    if not REFERENCE_PATH.exists():
        return 0
    with np.load(REFERENCE_PATH, allow_pickle=False) as data:
        return int(data[f"{process}_pt"].shape[0]) if f"{process}_pt" in data.files else 0


def _reference_sample(process: str, n: int, seed: int) -> JetSample:
    with np.load(REFERENCE_PATH, allow_pickle=False) as data:
        pt = data[f"{process}_pt"].astype(np.float64)
        eta = data[f"{process}_eta"].astype(np.float64)
        phi = wrap_phi(data[f"{process}_phi"].astype(np.float64))
        whole = data[f"{process}_whole"].astype(np.float64)
    # A seed picks which n of the stored jets (seed 0: the first n, in the stored order).
    pick = np.arange(n) if seed == 0 else np.sort(np.random.default_rng(seed).permutation(len(pt))[:n])
    whole_jet = {"mass": whole[pick, 0], "pt": whole[pick, 1], "n_constituents": whole[pick, 2].astype(np.int64)}
    return assemble(pt[pick], eta[pick], phi[pick], pt[pick] > 0, process, "reference", whole_jet)


# -- public API ------------------------------------------------------------------------------------------

def _validate(process: str, n: int, source: str) -> None:
    if process not in PROCESSES:
        raise InputError(f"process must be one of {', '.join(PROCESSES)}, not {process!r}")
    if source not in SOURCES:
        raise InputError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n must be a positive whole number of jets, not {n!r}")
    if source == "reference":
        if source not in available_sources():
            raise InputError("source 'reference' is not available: assets/reference_jets.npz is missing "
                             "(make it with scripts/make_reference_jets.py); use source 'toy'")
        size = reference_size(process)
        if n > size:
            raise InputError(f"n={n} is more than the {size} {process} jets of the reference sample; "
                             f"ask for at most {size}, or use source 'toy'")


def get_jets(process: str, n: int, seed: int = 0, source: str = "toy", *,
             toy: ToyShowerConfig = ToyShowerConfig()) -> JetSample:
    """``n`` preprocessed jets of ``process`` (``"qcd"``, ``"w"``, ``"top"``), disk-cached by the arguments.

    Parameters
    ----------
    process : {"qcd", "w", "top"}
    n : int
        Number of jets.
    seed : int
        Toy: the random seed (the first n jets of a larger sample are the same jets). Reference: which
        n jets of the stored sample (seed 0: the first n).
    source : {"toy", "reference"}
        The toy generator (:mod:`ganplify_core.jets.shower`) or the Pythia 8 sample in ``assets/``.
    toy : ToyShowerConfig
        Settings of the toy generator (underlying event, detector smearing, …); ignored for the reference.

    Returns
    -------
    JetSample

    Raises
    ------
    InputError
        For an unknown process or source, or ``n`` larger than the reference sample holds.
    """
    return jet_sample(process, n, seed, source, toy)


def jet_sample(process: str, n: int, seed: int = 0, source: str = "toy", toy: ToyShowerConfig = ToyShowerConfig(),
               progress: Progress = no_progress) -> JetSample:
    """:func:`get_jets` reporting ``progress(fraction, message)`` while it generates (the job runner's view)."""
    _validate(process, n, source)
    n, seed = int(n), int(seed)
    if source == "toy":
        key = {"process": process, "n": n, "seed": seed, "toy": toy, "generator": TOY_GENERATOR_VERSION}
        return cache.cached("jets-toy", key, lambda: _toy_sample(process, n, seed, toy, progress))
    key = {"process": process, "n": n, "seed": seed, "asset_bytes": REFERENCE_PATH.stat().st_size,
           "asset_mtime": REFERENCE_PATH.stat().st_mtime_ns}
    progress(0.0, f"reading {n:,} {process} jets of the reference sample")
    return cache.cached("jets-reference", key, lambda: _reference_sample(process, n, seed))


def get_classes(n: int, seed: int = 0, source: str = "toy", processes: tuple[str, ...] = PROCESSES) -> dict[str, JetSample]:
    """``{process: get_jets(process, n, seed, source)}`` for each of ``processes`` present in the source."""
    if source == "reference":
        processes = tuple(p for p in processes if reference_size(p) > 0)
    return {process: get_jets(process, n, seed=seed, source=source) for process in processes}
