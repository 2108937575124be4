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

from ganplify_core.errors import InputError

SYNTHETIC = ("blobs", "anisotropic", "varied", "moons", "circles", "no_structure")
DATASETS = SYNTHETIC + ("digits", "jets")
JET_FEATURES = ("observables", "images")
JET_PROCESSES = ("qcd", "w", "top")
MAX_SAMPLES = 100_000
MIN_SAMPLES = 10
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


@dataclasses.dataclass(frozen=True)
class DatasetConfig:
    """Which data set, how many points, how noisy.

    Parameters
    ----------
    name : one of :data:`DATASETS`
    n_samples : int
        Number of points (for jets: split equally between the processes). Ignored for digits (1 797).
    noise : float
        Standard deviation of the Gaussian jitter added to moons and circles.
    cluster_std : float
        Standard deviation of each blob (blobs, anisotropic); varied blobs use
        ``cluster_std * (1, 2.5, 0.5)``.
    n_centers : int
        Number of blobs.
    jet_features : ``"observables"`` (mass, pT, τ's, …) or ``"images"`` (flattened 40 × 40 pixels).
    jet_processes : tuple of ``"qcd"``, ``"w"``, ``"top"``
    seed : int
    """

    name: str = "blobs"
    n_samples: int = 1500
    noise: float = 0.05
    cluster_std: float = 1.0
    n_centers: int = 3
    jet_features: str = "observables"
    jet_processes: tuple = JET_PROCESSES
    seed: int = 0

    def validate(self) -> None:
        if self.name not in DATASETS:
            raise InputError(f"dataset must be one of {', '.join(DATASETS)} (or csv:PATH), not {self.name!r}")
        if not MIN_SAMPLES <= self.n_samples <= MAX_SAMPLES:
            raise InputError(f"n_samples must be between {MIN_SAMPLES} and {MAX_SAMPLES:,}, not {self.n_samples}")
        if not 0.0 <= self.noise <= 1.0:
            raise InputError(f"noise must be between 0 and 1, not {self.noise}")
        if not 0.0 < self.cluster_std <= 10.0:
            raise InputError(f"cluster_std must be in (0, 10], not {self.cluster_std}")
        if not 1 <= self.n_centers <= 20:
            raise InputError(f"n_centers must be between 1 and 20, not {self.n_centers}")
        if self.jet_features not in JET_FEATURES:
            raise InputError(f"jet_features must be one of {', '.join(JET_FEATURES)}, not {self.jet_features!r}")
        unknown = set(self.jet_processes) - set(JET_PROCESSES)
        if unknown or not self.jet_processes:
            raise InputError(f"jet_processes must be a non-empty subset of {', '.join(JET_PROCESSES)}")


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


def make_dataset(config: DatasetConfig) -> Dataset:
    """The data set ``config`` describes (validated first)."""
    config.validate()
    if config.name == "digits":
        return digits()
    if config.name == "jets":
        return jets(config)
    points, labels = synthetic_points(config)
    label_names = () if labels is None else tuple(f"class {i}" for i in range(int(labels.max()) + 1))
    return Dataset(np.asarray(points, dtype=np.float64), None if labels is None else labels.astype(np.int64),
                   ("x1", "x2"), label_names, config.name)
