"""Data sets to cluster: scikit-learn's synthetic shapes, handwritten digits, toy jets.

The synthetic sets are those of scikit-learn's clustering comparison [1]_ (blobs, anisotropic blobs,
blobs of varied variance, two moons, two circles, uniform noise with no structure), with the sample
size, the jitter of moons and circles and the width of the blobs as controls. ``digits`` is
scikit-learn's 8 × 8 handwritten digits (1 797 images, shipped with scikit-learn, nothing downloaded).
``jets`` come from :mod:`ganplify_core.jets` as their eight observables or their flattened 40 × 40
images.

The true class, where one exists, is kept in :attr:`Dataset.true_labels` only for colouring and for
scoring (ARI, NMI); no clusterer ever sees it.

References
----------
.. [1] scikit-learn, "Comparing different clustering algorithms on toy datasets",
   https://scikit-learn.org/stable/auto_examples/cluster/plot_cluster_comparison.html
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import numpy as np
from sklearn import datasets as skdata

from ganplify_core import params
from ganplify_core.errors import InputError
from ganplify_core.params import param

SYNTHETIC = ("blobs", "anisotropic", "varied", "moons", "circles", "no_structure")
DATASETS = SYNTHETIC + ("digits", "jets")
JET_FEATURES = ("observables", "images")
JET_PROCESSES = ("qcd", "w", "top")
MAX_SAMPLES = 100_000
MIN_SAMPLES = 10
DIGITS_SIZE = 1797
BLOB_BOX = 10.0  # blob centres lie in [-10, 10]^2 (as in make_blobs)
BLOB_MIN_DISTANCE = 6.0  # and at least 6 apart: six standard deviations at cluster_std = 1
# Shear applied to blobs to make them anisotropic (scikit-learn's comparison uses the same matrix).
ANISOTROPIC_SHEAR = np.array([[0.6, -0.6], [-0.4, 0.8]])


@dataclasses.dataclass(frozen=True)
class Dataset:
    """Points to cluster, with the true class when one is known.

    Attributes
    ----------
    points : ndarray, shape (n_samples, n_features), float64
    true_labels : ndarray of int, shape (n_samples,), or None
        The generating class (for colouring and ARI/NMI only).
    feature_names : tuple of str, length n_features
    label_names : tuple of str
        Name of each true class (``label_names[true_labels[i]]``); empty when there are no labels.
    name : str
    """

    points: np.ndarray
    true_labels: np.ndarray | None
    feature_names: tuple
    label_names: tuple
    name: str

    @property
    def n_samples(self) -> int:
        return int(self.points.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.points.shape[1])

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the points and true labels (shapes and dtypes included), computed once per dataset:
        the cache key of everything computed from them."""
        h = hashlib.sha256()
        for array in (self.points, self.true_labels):
            if array is not None:
                array = np.ascontiguousarray(array)
                h.update(f"{array.dtype.str}{array.shape}".encode())
                h.update(array.tobytes())
            else:
                h.update(b"none")
        return h.hexdigest()


DATA_LABELS = {
    "blobs": "Blobs (round, equal width)",
    "anisotropic": "Anisotropic blobs (sheared)",
    "varied": "Blobs of varied variance",
    "moons": "Two moons",
    "circles": "Two circles",
    "no_structure": "No structure (uniform noise)",
    "digits": "Handwritten digits (8 × 8 pixels, 64 dimensions)",
    "jets": "Jets: QCD, W and top",
    "upload": "Your own CSV",
    "jet_file": "Your own jets file (top-tagging HDF5, JetNet, ROOT)",
}
UPLOAD = "upload"
JET_FILE = "jet_file"  # jets read by ganplify_core.jets.files.read_jets, as observables or images
BLOB_SETS = ("blobs", "anisotropic", "varied")
# 1 600 pixels per jet image: 10 000 images are 128 MB and an elbow curve of minutes; more would be hours.
JET_IMAGES_MAX = 10_000


@dataclasses.dataclass(frozen=True)
class DatasetConfig(params.Config):
    """Which data set, how many points, how noisy: the settings every clustering result starts from.

    Parameters
    ----------
    name : one of :data:`DATASETS`, or ``"upload"`` for a CSV file given by its content digest
        (``csv_digest``, see :mod:`ganplify_core.clustering.csv_input`) and the columns chosen from it.
    n_samples : number of points (for jets: split equally between the processes). Ignored for digits (1 797).
    noise : standard deviation of the Gaussian jitter added to moons and circles.
    cluster_std : standard deviation of each blob (blobs, anisotropic); varied blobs use
        ``cluster_std * (1, 2.5, 0.5)``.
    n_centers : number of blobs.
    jet_features : ``"observables"`` (mass, pT, τ's, …) or ``"images"`` (flattened 40 × 40 pixels).
    jet_processes : tuple of ``"qcd"``, ``"w"``, ``"top"``
    seed : int
    """

    name: str = param("blobs", choices=DATASETS + (UPLOAD, JET_FILE), url="dataset", cli="--dataset", labels=DATA_LABELS,
                      label="Data set", help="a built-in data set (the CLI reads a CSV file as csv:PATH)")
    n_samples: int = param(1500, lo=MIN_SAMPLES, hi=MAX_SAMPLES, step=100, widget="number", unit="points", label="Points",
                           help="points of a synthetic set or jets (digits always has 1 797); up to 100 000: "
                                "scatter plots use WebGL")
    noise: float = param(0.05, lo=0.0, hi=1.0, step=0.01, widget="slider", label="Noise (jitter standard deviation)",
                         help="jitter of moons and circles")
    cluster_std: float = param(1.0, lo=0.05, hi=10.0, step=0.05, widget="slider", label="Blob width (standard deviation)",
                               help="width of each blob")
    n_centers: int = param(3, lo=1, hi=20, widget="slider", label="True number of blobs",
                           help="true number of blobs (blobs, anisotropic, varied)")
    jet_features: str = param("observables", choices=JET_FEATURES, widget="radio", label="Jet representation",
                              labels={"observables": "8 observables (mass, pT, τ's…)",
                                      "images": "40 × 40 images (1 600 pixels)"},
                              help=f"what a jet is to the clusterer (images: at most {JET_IMAGES_MAX:,} jets)")
    jet_processes: tuple = JET_PROCESSES
    seed: int = params.seed_param()
    csv_digest: str = ""
    csv_name: str = ""
    columns: tuple = ()
    label_column: str = ""
    csv_rows: int = 0
    jets_digest: str = ""
    jets_name: str = ""
    jets_format: str = ""
    jets_label: str = ""

    def check(self) -> None:
        unknown = set(self.jet_processes) - set(JET_PROCESSES)
        if unknown or not self.jet_processes:
            raise InputError(f"jet_processes must be a non-empty subset of {', '.join(JET_PROCESSES)}")
        if self.name in ("jets", JET_FILE) and self.jet_features == "images" and self.n_samples > JET_IMAGES_MAX:
            raise InputError(f"jets as images: use at most {JET_IMAGES_MAX:,} points (not {self.n_samples:,}); each jet "
                             f"is 1 600 pixels, and more would take hours to cluster. Use observables for more jets.")
        if self.name == UPLOAD and not self.csv_digest:
            raise InputError("upload a CSV file first (the CLI reads one as --dataset csv:PATH)")
        if self.name == JET_FILE and not self.jets_digest:
            raise InputError("upload a jets file first (the CLI reads one as --dataset jets:PATH --jets-format FORMAT)")

    def data_only(self) -> DatasetConfig:
        """Only what shapes the points: the settings a data set ignores at their defaults (its cache key)."""
        keep = {"name", "seed"}
        if self.name == "digits":
            keep = {"name"}
        elif self.name == UPLOAD:
            keep = {"name", "csv_digest", "csv_name", "columns", "label_column", "csv_rows"}
        elif self.name == JET_FILE:
            keep = {"name", "n_samples", "jet_features", "jets_digest", "jets_name", "jets_format", "jets_label"}
        else:
            keep |= {"n_samples"}
            if self.name in ("moons", "circles"):
                keep |= {"noise"}
            if self.name in BLOB_SETS:
                keep |= {"cluster_std", "n_centers"}
            if self.name == "jets":
                keep |= {"jet_features", "jet_processes"}
        return DatasetConfig(**{f.name: getattr(self, f.name) for f in dataclasses.fields(DatasetConfig) if f.name in keep})

    @property
    def size(self) -> int:
        """Points in the data set."""
        if self.name == "digits":
            return DIGITS_SIZE
        return self.csv_rows if self.name == UPLOAD else self.n_samples

    @property
    def dimensions(self) -> int:
        """Features per point."""
        if self.name == "digits":
            return 64
        if self.name in ("jets", JET_FILE):
            return 1600 if self.jet_features == "images" else 8
        if self.name == UPLOAD:
            return len(self.columns)
        return 2


def separated_centres(n_centres: int, seed: int, half_width: float = BLOB_BOX,
                      min_distance: float = BLOB_MIN_DISTANCE) -> np.ndarray:
    """Blob centres uniform in a square, redrawn until every pair is at least ``min_distance`` apart.

    scikit-learn's ``make_blobs`` draws centres independently, so some seeds put two blobs on top of
    each other and "3 true clusters" stops meaning three visible ones; here the number of blobs is the
    number of clusters, and overlap comes only from ``cluster_std``. If the square is too crowded after
    many tries, the required distance is relaxed.
    """
    rng = np.random.default_rng(seed)
    distance = min_distance
    while True:
        for _ in range(200):
            centres = rng.uniform(-half_width, half_width, size=(n_centres, 2))
            gaps = np.linalg.norm(centres[:, None] - centres[None], axis=-1)[np.triu_indices(n_centres, 1)]
            if gaps.size == 0 or gaps.min() >= distance:
                return centres
        distance *= 0.8


def _blobs(config: DatasetConfig, cluster_std) -> tuple[np.ndarray, np.ndarray]:
    centres = separated_centres(config.n_centers, config.seed)
    return skdata.make_blobs(n_samples=config.n_samples, centers=centres, cluster_std=cluster_std,
                             random_state=config.seed)


def synthetic_points(config: DatasetConfig) -> tuple[np.ndarray, np.ndarray | None]:
    """Points and true labels of one of the :data:`SYNTHETIC` sets (labels None for no_structure)."""
    name, n, seed = config.name, config.n_samples, config.seed
    if name == "blobs":
        return _blobs(config, config.cluster_std)
    if name == "anisotropic":
        points, labels = _blobs(config, config.cluster_std)
        return points @ ANISOTROPIC_SHEAR, labels
    if name == "varied":
        stds = config.cluster_std * np.resize([1.0, 2.5, 0.5], config.n_centers)
        return _blobs(config, stds)
    if name == "moons":
        return skdata.make_moons(n_samples=n, noise=config.noise, random_state=seed)
    if name == "circles":
        return skdata.make_circles(n_samples=n, noise=config.noise, factor=0.5, random_state=seed)
    if name == "no_structure":
        return np.random.default_rng(seed).random((n, 2)), None
    raise InputError(f"{name!r} is not a synthetic data set")


def digits() -> Dataset:
    """scikit-learn's 8 × 8 handwritten digits: 1 797 points in 64 dimensions (pixel intensity 0–16)."""
    bunch = skdata.load_digits()
    names = tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))
    return Dataset(bunch.data.astype(np.float64), bunch.target.astype(np.int64), names,
                   tuple(str(d) for d in range(10)), "digits")


def jets(config: DatasetConfig) -> Dataset:
    """Toy jets of the chosen processes as observables or flattened images; true label = process."""
    from ganplify_core.jets import OBSERVABLES, get_jets, jet_images

    per_process = max(1, config.n_samples // len(config.jet_processes))
    blocks, labels = [], []
    for index, process in enumerate(config.jet_processes):
        sample = get_jets(process, per_process, seed=config.seed + index)
        if config.jet_features == "observables":
            blocks.append(np.column_stack([np.asarray(sample.observables[o], dtype=np.float64) for o in OBSERVABLES]))
        else:
            images = np.asarray(jet_images(sample, normalise=True), dtype=np.float64)
            blocks.append(images.reshape(len(images), -1))
        labels.append(np.full(len(blocks[-1]), index, dtype=np.int64))
    if config.jet_features == "observables":
        names = tuple(OBSERVABLES)
    else:
        side = int(round(np.sqrt(blocks[0].shape[1])))
        names = tuple(f"pixel_{r}_{c}" for r in range(side) for c in range(side))
    return Dataset(np.vstack(blocks), np.concatenate(labels), names, tuple(config.jet_processes),
                   f"jets ({config.jet_features})")


def _stack(samples: dict, jet_features: str) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Observables or flattened images of each class's jets, stacked; the class number of each; feature names."""
    from ganplify_core.jets import OBSERVABLES, jet_images

    blocks, labels = [], []
    for index, sample in enumerate(samples.values()):
        if jet_features == "observables":
            blocks.append(np.column_stack([np.asarray(sample.observables[o], dtype=np.float64) for o in OBSERVABLES]))
        else:
            images = np.asarray(jet_images(sample, normalise=True), dtype=np.float64)
            blocks.append(images.reshape(len(images), -1))
        labels.append(np.full(len(blocks[-1]), index, dtype=np.int64))
    if jet_features == "observables":
        names = tuple(OBSERVABLES)
    else:
        side = int(round(np.sqrt(blocks[0].shape[1])))
        names = tuple(f"pixel_{r}_{c}" for r in range(side) for c in range(side))
    return np.vstack(blocks), np.concatenate(labels), names


def jet_file(config: DatasetConfig) -> Dataset:
    """The first ``n_samples`` jets of the user's file (:func:`ganplify_core.jets.files.read_jets`); true label =
    the file's class (none when the file has a single class)."""
    from ganplify_core.jets import files

    samples = files.read_jets(files.uploaded_bytes(config.jets_digest), config.jets_format, config.jets_label or None,
                              max_jets=config.n_samples, name=config.jets_name or None)
    points, labels, names = _stack(samples, config.jet_features)
    if len(points) < MIN_SAMPLES:
        raise InputError(f"{config.jets_name or 'the jets file'} has {len(points)} jets; at least {MIN_SAMPLES} are needed")
    single = len(samples) == 1
    return Dataset(points, None if single else labels, names, () if single else tuple(samples),
                   f"{config.jets_name or 'your jets'} ({config.jet_features})")


def make_dataset(config: DatasetConfig) -> Dataset:
    """The data set ``config`` describes (validated first)."""
    config.validate()
    if config.name == UPLOAD:
        from ganplify_core.clustering.csv_input import uploaded_dataset

        return uploaded_dataset(config.csv_digest, config.csv_name, config.columns, config.label_column or None)
    if config.name == "digits":
        return digits()
    if config.name == "jets":
        return jets(config)
    if config.name == JET_FILE:
        return jet_file(config)
    points, labels = synthetic_points(config)
    label_names = () if labels is None else tuple(f"class {i}" for i in range(int(labels.max()) + 1))
    return Dataset(np.asarray(points, dtype=np.float64), None if labels is None else labels.astype(np.int64),
                   ("x1", "x2"), label_names, config.name)
