"""The jets experiments: one class of jets summarised (the CLI's ``jets``), and every class at a glance (home page).

* :data:`JETS` (``python -m ganplify_core jets``): ``n`` jets of one process from one source; the result
  is the summary the CLI prints (mean and standard deviation of the mass, τ21, τ32 and the
  constituent count). The jets themselves stay in :func:`~ganplify_core.jets.sample.get_jets`'s cache,
  where the VAE, clustering and autoencoder topics read them too.
* :data:`OVERVIEW` (the home page's Jets section): ``n`` jets of every class, reduced to what the figures
  show: a few example jets and their images, each class's average image, and the observables
  (the other source's too, when the Pythia reference is shipped, for the toy-vs-Pythia comparison).

Both run through :func:`ganplify_core.experiments.run` (disk cache, single flight) and so, on the page,
through the job runner: the home page never generates jets inside a script run.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ganplify_core import experiments, params, upload_store
from ganplify_core.errors import InputError
from ganplify_core.jets import files
from ganplify_core.jets.images import pixelate
from ganplify_core.jets.sample import (
    CHUNK,
    SOURCES,
    JetSample,
    _validate,
    available_sources,
    jet_sample,
    reference_size,
)
from ganplify_core.jets.shower import PROCESSES, ToyShowerConfig
from ganplify_core.params import param
from ganplify_core.training import Progress, no_progress, scaled

SUMMARY = ("mass", "tau21", "tau32", "n_constituents")
# The most jets one command may ask for: about 3.5 GB and 3–4 minutes of one core (the generator works on
# every constituent of every jet at once; 10¹² ran on until it was stopped at 1.1 GB).
MAX_JETS = 500_000
# Jets per class on the home page: at most 3 × 100 000 (about 2 GB, 2 minutes).
MAX_JETS_PER_CLASS = 100_000
N_EXAMPLES = 9  # example jets kept per class (the page shows three at a time)
IMAGE_CHUNK = 5_000  # jets pixelated at once for the average image (40 × 40 float64 each)
SOURCE_HELP = "toy: the app's fast shower (any number of jets); reference: Pythia 8 + FastJet jets shipped in assets/"


@dataclasses.dataclass(frozen=True)
class JetsConfig(params.Config):
    """``n`` jets of one process from one source (the CLI's ``jets`` command)."""

    process: str = param("top", choices=PROCESSES, label="Jet class", help="jet class")
    n: int = param(1000, lo=1, hi=MAX_JETS, unit="jets", label="Number of jets", help="number of jets")
    seed: int = params.seed_param(help="toy: the random seed; reference: which n of the stored jets (0: the first n)")
    source: str = param("toy", choices=SOURCES, widget="radio", label="Jet source",
                        help="toy generator or Pythia 8 reference sample")
    underlying_event: bool = param(False, label="Underlying event", help="toy: add a soft underlying event")
    detector: bool = param(False, label="Detector smearing",
                           help="toy: smear energies (50%/sqrt(E) + 5%, 1 GeV threshold)")

    def check(self) -> None:
        _validate(self.process, self.n, self.source)  # the reference is shipped and holds n jets

    @property
    def toy(self) -> ToyShowerConfig:
        return ToyShowerConfig(underlying_event=self.underlying_event, detector=self.detector)

    def sample(self, progress: Progress = no_progress) -> JetSample:
        """The jets themselves (from :func:`get_jets`'s cache once generated)."""
        return jet_sample(self.process, self.n, seed=self.seed, source=self.source, toy=self.toy, progress=progress)


def summarise(config: JetsConfig, jets: JetSample) -> dict:
    """The CLI's JSON: the settings, then mean and standard deviation of each :data:`SUMMARY` observable."""
    result: dict = {"process": config.process, "source": config.source, "n": len(jets), "seed": config.seed}
    for name in SUMMARY:
        values = jets.observables[name].astype(np.float64)
        result[name] = {"mean": float(values.mean()), "std": float(values.std())}
    return result


def compute_jets(config: JetsConfig, progress: Progress | None = None) -> dict:
    config.validate()
    return summarise(config, config.sample(progress or no_progress))


# -- every class at a glance (the home page) ----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class JetOverviewConfig(params.Config):
    """Jets of every class from one source, for the home page's figures."""

    source: str = param("toy", choices=SOURCES, widget="radio", url="jet_source", label="Jet source",
                        help=SOURCE_HELP)
    n: int = param(2000, lo=100, hi=MAX_JETS_PER_CLASS, unit="jets per class", url="jets_per_class",
                   label="Jets per class", help="jets of each class in the histograms and the average images")
    seed: int = params.seed_param()

    def check(self) -> None:
        for process in self.classes:
            _validate(process, self.n, self.source)

    @property
    def classes(self) -> tuple[str, ...]:
        """The classes the source holds (all three for the toy)."""
        if self.source == "reference":
            return tuple(p for p in PROCESSES if reference_size(p) > 0)
        return PROCESSES

    @property
    def compared_source(self) -> str:
        """The other source, drawn dashed in the histograms: only when the Pythia reference is shipped."""
        if "reference" not in available_sources():
            return ""
        return "reference" if self.source == "toy" else "toy"

    def compared_n(self, process: str) -> int:
        """Jets of the compared source: as many, or all the reference holds."""
        return min(self.n, reference_size(process)) if self.compared_source == "reference" else self.n

    def jets_config(self, process: str = "top") -> JetsConfig:
        """The CLI's ``jets`` settings for one class of this overview (the page's terminal line)."""
        return JetsConfig(process=process, n=self.n, seed=self.seed, source=self.source)


@dataclasses.dataclass
class JetOverview:
    """What the home page shows of the jets of every class.

    Attributes
    ----------
    config : the settings.
    classes : the classes, in :data:`PROCESSES` order.
    examples : class -> :class:`JetSample` of its first :data:`N_EXAMPLES` jets.
    example_images : class -> float32 (N_EXAMPLES, 40, 40), unit-sum images of those jets.
    average_images : class -> float32 (40, 40), the average unit-sum image of all ``n`` jets.
    observables : class -> {name: float32 (n,)} for each :data:`SUMMARY` observable.
    compared_source : ``"reference"``, ``"toy"`` or ``""`` (no comparison).
    compared : class -> {name: float32 (m,)}: the compared source's observables.
    """

    config: JetOverviewConfig
    classes: tuple
    examples: dict
    example_images: dict
    average_images: dict
    observables: dict
    compared_source: str
    compared: dict

    def mean_and_std(self, process: str, name: str = "mass") -> tuple[float, float]:
        values = self.observables[process][name].astype(np.float64)
        return float(values.mean()), float(values.std())

    def size(self, process: str) -> int:
        """Jets of ``process`` behind the histograms and the average image."""
        return len(self.observables[process]["mass"])

    def summary(self) -> dict:
        """As JSON: the settings, then per class the mean and standard deviation of each observable."""
        out: dict = {"source": self.config.source, "n": self.config.n, "seed": self.config.seed}
        if isinstance(self.config, JetFileConfig):
            out.update(file_name=self.config.file_name, format=self.config.format, label=self.config.label,
                       sizes={p: self.size(p) for p in self.classes})
        for process in self.classes:
            out[process] = {name: dict(zip(("mean", "std"), self.mean_and_std(process, name))) for name in SUMMARY}
        return out


def average_image(jets: JetSample) -> np.ndarray:
    """The mean of the jets' unit-sum images, pixelated :data:`IMAGE_CHUNK` jets at a time."""
    total = np.zeros((40, 40))
    for start in range(0, len(jets), IMAGE_CHUNK):
        part = slice(start, start + IMAGE_CHUNK)
        total += pixelate(jets.pt[part], jets.eta[part], jets.phi[part], jets.mask[part]).sum(axis=0, dtype=np.float64)
    return (total / len(jets)).astype(np.float32)


def _head(jets: JetSample, n: int) -> JetSample:
    return JetSample(jets.pt[:n], jets.eta[:n], jets.phi[:n], jets.mask[:n],
                     {k: v[:n] for k, v in jets.observables.items()}, jets.process, jets.source)


def compute_overview(config: JetOverviewConfig, progress: Progress | None = None) -> JetOverview:
    """Generate (or read) ``n`` jets of every class and reduce them to :class:`JetOverview`."""
    config.validate()
    progress = progress or no_progress
    pieces = [(p, config.source, config.n) for p in config.classes]
    if config.compared_source:
        pieces += [(p, config.compared_source, config.compared_n(p)) for p in config.classes]
    weights = np.array([_sample_seconds(source, n) + (_IMAGE_SECONDS_PER_JET * n if source == config.source else 0)
                        for _, source, n in pieces])
    bounds = np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
    out = JetOverview(config, config.classes, {}, {}, {}, {}, config.compared_source, {})
    for k, (process, source, n) in enumerate(pieces):
        part = scaled(progress, bounds[k], bounds[k + 1])
        jets = jet_sample(process, n, seed=config.seed, source=source, progress=part)
        observables = {name: jets.observables[name].astype(np.float32) for name in SUMMARY}
        if source == config.source:
            examples = _head(jets, N_EXAMPLES)
            out.examples[process] = examples
            out.example_images[process] = pixelate(examples.pt, examples.eta, examples.phi, examples.mask)
            part(1.0, f"{process} jets: average image of {n:,}")
            out.average_images[process] = average_image(jets)
            out.observables[process] = observables
        else:
            out.compared[process] = observables
    return out


# -- the user's jets (the home page's upload) -----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class JetFileConfig(params.Config):
    """The first ``n`` jets of an uploaded file (stored under ``digest`` by :func:`files.store_upload`)."""

    digest: str = ""
    file_name: str = ""
    format: str = param("toptagging", choices=files.FORMATS, labels=files.FORMAT_LABELS, label="File format",
                        help="the layout of the file (see the README's Jets section)")
    label: str = ""
    n: int = param(files.PAGE_MAX_JETS, lo=files.MIN_JETS, hi=files.MAX_JETS, unit="jets",
                   label="Jets read", help="the first jets of the file")
    seed: int = 0
    source: str = files.SOURCE

    def check(self) -> None:
        if not self.digest:
            raise InputError("upload a jets file first")
        if not upload_store.exists(self.digest):
            raise InputError("the uploaded jets file is no longer on this server (the cache was cleared): upload it again")

    def read(self) -> dict[str, JetSample]:
        return files.read_jets(files.uploaded_bytes(self.digest), self.format, self.label or None, self.n,
                               name=self.file_name or None)


def overview_of(config, classes: dict[str, JetSample], progress: Progress = no_progress) -> JetOverview:
    """The home page's figures' data for given jets (the user's): examples, images, average images, observables."""
    out = JetOverview(config, tuple(classes), {}, {}, {}, {}, "", {})
    for k, (process, jets) in enumerate(classes.items()):
        progress(k / len(classes), f"{process} jets: average image of {len(jets):,}")
        examples = _head(jets, N_EXAMPLES)
        out.examples[process] = examples
        out.example_images[process] = pixelate(examples.pt, examples.eta, examples.phi, examples.mask)
        out.average_images[process] = average_image(jets)
        out.observables[process] = {name: jets.observables[name].astype(np.float32) for name in SUMMARY}
    return out


def compute_file_overview(config: JetFileConfig, progress: Progress | None = None) -> JetOverview:
    config.validate()
    progress = progress or no_progress
    progress(0.0, f"reading {config.file_name or 'the file'} ({config.format})")
    classes = config.read()
    return overview_of(config, classes, scaled(progress, 0.7, 1.0))


def shown_jets(config) -> dict[str, JetSample]:
    """The jets behind an overview (built-in: from :func:`jet_sample`'s cache; an upload: read again)."""
    if isinstance(config, JetFileConfig):
        return config.read()
    return {p: jet_sample(p, config.n, seed=config.seed, source=config.source) for p in config.classes}


def shown_jets_npz(config) -> bytes:
    """The jets of an overview in JetNet's layout (at most :data:`files.DOWNLOAD_MAX_JETS`): the page's download,
    which the upload (format ``jetnet``) reads back."""
    classes = shown_jets(config)
    return files.jets_to_npz(classes, files.download_per_class(len(classes)))


# -- estimates ------------------------------------------------------------------------------------------------
# Wall seconds on one core of the 2-core machine class (benchmarks/bench_estimates.py checks them).
_TOY_SECONDS_PER_JET = 1.4e-4       # shower, hadronisation, observables, preprocessing, cache write (idle 2 cores)
_REFERENCE_SECONDS_PER_JET = 6e-5    # observables and preprocessing of the stored constituents
_REFERENCE_LOAD_SECONDS = 0.3       # reading assets/reference_jets.npz
_IMAGE_SECONDS_PER_JET = 2.5e-5      # pixelating for the average image
_START_SECONDS = 0.2


def _sample_seconds(source: str, n: int) -> float:
    if source == "toy":
        return -(-n // CHUNK) * CHUNK * _TOY_SECONDS_PER_JET  # whole chunks of 1000 jets are showered
    return _REFERENCE_LOAD_SECONDS + n * _REFERENCE_SECONDS_PER_JET


def estimate_jets(config: JetsConfig) -> float:
    return _START_SECONDS + _sample_seconds(config.source, config.n)


def estimate_overview(config: JetOverviewConfig) -> float:
    seconds = _START_SECONDS
    for process in config.classes:
        seconds += _sample_seconds(config.source, config.n) + _IMAGE_SECONDS_PER_JET * config.n
        if config.compared_source:
            seconds += _sample_seconds(config.compared_source, config.compared_n(process))
    return seconds


JETS = experiments.register(experiments.Experiment(
    name="jets", config_type=JetsConfig, compute=compute_jets, to_json=dict, estimate_seconds=estimate_jets,
    label="Generating jets",
    calibration=(JetsConfig(process="qcd", n=20_000),
                 JetsConfig(process="w", n=30_000, underlying_event=True, detector=True),
                 JetsConfig(process="top", n=60_000, seed=3))))

def estimate_file(config: JetFileConfig) -> float:
    """Reading and observables like the reference sample's, from at most what the stored file holds."""
    try:
        size = files._upload_path(config.digest).stat().st_size if config.digest else 0
    except (OSError, InputError):
        size = 0
    jets = min(config.n, max(size // _FILE_BYTES_PER_JET, 1))
    return (_START_SECONDS + _FILE_SECONDS_PER_BYTE * size
            + jets * (_REFERENCE_SECONDS_PER_JET + _IMAGE_SECONDS_PER_JET))


_FILE_BYTES_PER_JET = 400  # the fewest bytes a jet takes in a file (JetNet: 30 particles × 3 float32)
# Reading and converting a file (HDF5 rows, four-momenta to pT, η, φ of up to 200 constituents): a third of the
# rate measured on the shared (contended) machine, 18 MB of top-tagging rows; to re-measure on an idle machine.
_FILE_SECONDS_PER_BYTE = 3e-8

FILE_OVERVIEW = experiments.register(experiments.Experiment(
    name="jet-file", config_type=JetFileConfig, compute=compute_file_overview, to_json=JetOverview.summary,
    estimate_seconds=estimate_file, label="Reading your jets"))

def _overview_presets() -> tuple:
    """The home page's one-click settings: the Pythia sample (where shipped), a quick look, where the toy fails."""
    presets = []
    if "reference" in available_sources():
        presets.append(experiments.Preset(
            "paper", "Pythia 8 reference jets", JetOverviewConfig(source="reference", n=10_000),
            note="10 000 Pythia 8 + FastJet jets per class (pT 550–650 GeV, anti-kT R = 0.8), the toy dashed beside them"))
    presets.append(experiments.Preset("demo", "A quick look", JetOverviewConfig(),
                                      note="2 000 toy jets per class: the default view"))
    presets.append(experiments.Preset(
        "fails", "Where the toy fails", JetOverviewConfig(source="toy", n=10_000, seed=1),
        note="10 000 toy jets per class against Pythia (dashed, where shipped): the toy's W and top jets lack "
             "Pythia's high-mass tails, its top jets are less three-pronged (higher τ₃₂)"))
    return tuple(presets)


OVERVIEW = experiments.register(experiments.Experiment(
    name="jet-overview", config_type=JetOverviewConfig, compute=compute_overview, to_json=JetOverview.summary,
    estimate_seconds=estimate_overview, label="Generating jets of every class",
    presets=_overview_presets(), ship=(JetOverviewConfig(),),
    calibration=(JetOverviewConfig(n=5_000),
                 JetOverviewConfig(n=10_000, seed=5, **({"source": "reference"} if "reference" in available_sources() else {})),
                 JetOverviewConfig(n=30_000, seed=2))))
