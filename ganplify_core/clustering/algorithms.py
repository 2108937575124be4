"""The clustering algorithms of scikit-learn, each with its key parameters, its idea and its size limit.

Each :class:`Algorithm` carries a one-line statement of its idea and where it works, taken from the
scikit-learn table in the lecture "Unsupervised learning" (method, parameters, scalability, use case,
geometry), and the largest data set it accepts. Methods whose cost grows as n² in time or memory
(spectral clustering's n × n affinity matrix, mean shift's all-pairs kernel sums, agglomerative
clustering's distance matrix, OPTICS' per-point reachability loop) are refused above
:attr:`Algorithm.max_samples` with a message saying why, instead of freezing the page.

:func:`fit_clusters` fits one of them and returns the labels, DBSCAN's core points and the fit time.

References
----------
.. [1] scikit-learn user guide, "Clustering", https://scikit-learn.org/stable/modules/clustering.html
.. [2] M. Ester et al., "A density-based algorithm for discovering clusters in large spatial databases
   with noise", KDD 1996 (DBSCAN).
.. [3] D. Arthur, S. Vassilvitskii, "k-means++: the advantages of careful seeding", SODA 2007.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn import cluster, mixture
from sklearn.neighbors import NearestNeighbors

from ganplify_core import params
from ganplify_core.errors import InputError
from ganplify_core.params import param

NUMBER = {"widget": "number"}


@dataclasses.dataclass(frozen=True)
class AlgorithmSettings(params.Config):
    """Every clusterer's key parameters, declared once (range, default, help).

    A parameter of algorithm ``a`` is the field ``a_<name>`` (``dbscan_eps``); the number of clusters is
    one field, ``n_clusters``, shared by every algorithm that takes one, so switching keeps k. Only the
    chosen algorithm's fields matter to a result (:meth:`Algorithm.values_of`).
    """

    n_clusters: int = param(3, lo=1, hi=30, label="n clusters", help="number of clusters to find (components of a Gaussian mixture)")
    kmeans_n_init: int = param(4, lo=1, hi=50, label="n init", help="restarts; the best (lowest inertia) is kept", **NUMBER)
    minibatch_kmeans_batch_size: int = param(1024, lo=32, hi=20_000, label="batch size", help="points per update", **NUMBER)
    dbscan_eps: float = param(0.3, lo=0.001, hi=100.0, label="eps", format="%.3f", widget="number",
                              help="neighbourhood radius ε (in standardised units when standardising)")
    dbscan_min_samples: int = param(5, lo=1, hi=500, label="min samples",
                                    help="minPts: neighbours (itself included) that make a core point", **NUMBER)
    hdbscan_min_cluster_size: int = param(15, lo=2, hi=5000, label="min cluster size",
                                          help="smallest group that counts as a cluster", **NUMBER)
    hdbscan_min_samples: int = param(5, lo=1, hi=500, label="min samples",
                                     help="how conservative: larger marks more points as noise", **NUMBER)
    optics_min_samples: int = param(10, lo=2, hi=500, label="min samples", help="neighbours that make a core point", **NUMBER)
    optics_xi: float = param(0.05, lo=0.001, hi=0.999, label="xi", format="%.3f", widget="number",
                             help="minimum steepness of a cluster boundary in the reachability plot")
    agglomerative_linkage: str = param("ward", choices=("ward", "complete", "average", "single"), label="linkage",
                                       help="distance between clusters")
    spectral_affinity: str = param("nearest_neighbors", choices=("nearest_neighbors", "rbf"), label="affinity",
                                   help="similarity graph: k-nearest-neighbour graph or Gaussian kernel")
    spectral_n_neighbors: int = param(10, lo=2, hi=200, label="n neighbors", help="neighbours per point in the graph", **NUMBER)
    gaussian_mixture_covariance_type: str = param("full", choices=("full", "tied", "diag", "spherical"),
                                                  label="covariance type", help="shape of each component's covariance")
    birch_threshold: float = param(0.5, lo=0.01, hi=10.0, label="threshold", format="%.3f", widget="number",
                                   help="largest radius of a sub-cluster")
    mean_shift_quantile: float = param(0.2, lo=0.01, hi=1.0, label="quantile", format="%.3f", widget="number",
                                       help="bandwidth = median distance to this fraction of nearest neighbours")


ALGORITHM_PARAMS = params.params_of(AlgorithmSettings)


def field_of(algorithm: str, name: str) -> str:
    """The :class:`AlgorithmSettings` field of ``algorithm``'s parameter ``name``."""
    return name if name == "n_clusters" else f"{algorithm}_{name}"


def parse_parameters(owner: str, declared: Mapping[str, params.Param], given: Mapping[str, Any] | None) -> dict:
    """Defaults of the ``declared`` parameters (short name -> Param) overridden by ``given``.

    ``given`` maps short names to values or to their text (``"5"``); each is checked by its declared
    :class:`~ganplify_core.params.Param`. Unknown names raise :class:`InputError`.
    """
    declared = {short: dataclasses.replace(p, name=short) for short, p in declared.items()}  # messages say "eps"
    unknown = set(given or {}) - set(declared)
    if unknown:
        raise InputError(f"{owner} has no parameter {', '.join(sorted(unknown))}; "
                         f"its parameters are {', '.join(declared) or 'none'}")
    values = {short: p.default for short, p in declared.items()}
    for short, value in (given or {}).items():
        p = declared[short]
        if isinstance(value, str):
            values[short] = p.parse(value)
        else:
            if p.kind is int and isinstance(value, float) and value.is_integer():
                value = int(value)
            p.check(value)
            values[short] = value
    return values


@dataclasses.dataclass(frozen=True)
class Algorithm:
    """A clusterer: its name, the idea in one line, its parameters, and the largest n it accepts.

    ``parameters`` are the short names of its parameters (``"eps"``); each is declared on
    :class:`AlgorithmSettings` as :func:`field_of` ``(name, parameter)``.
    """

    name: str
    title: str
    idea: str
    parameters: tuple
    max_samples: int
    why_limited: str
    build: Callable[[dict, int, np.ndarray], Any]

    @property
    def fields(self) -> dict:
        """Short parameter name -> its :class:`AlgorithmSettings` field."""
        return {p: field_of(self.name, p) for p in self.parameters}

    def defaults(self) -> dict:
        return {p: ALGORITHM_PARAMS[f].default for p, f in self.fields.items()}

    def values_of(self, settings: AlgorithmSettings) -> tuple:
        """This algorithm's parameters in ``settings``, as sorted (name, value) pairs."""
        return tuple(sorted((p, getattr(settings, f)) for p, f in self.fields.items()))

    def parse_params(self, given: Mapping[str, Any] | None) -> dict:
        """Defaults overridden by ``given`` (validated); unknown names raise InputError."""
        return parse_parameters(self.name, {p: ALGORITHM_PARAMS[f] for p, f in self.fields.items()}, given)

    def check_size(self, n_samples: int) -> None:
        if n_samples > self.max_samples:
            raise InputError(f"{self.title} is refused above {self.max_samples:,} points (this data set has "
                             f"{n_samples:,}): {self.why_limited} Use fewer points, or k-means, mini-batch k-means, "
                             f"DBSCAN, Gaussian mixture or BIRCH, which scale.")


def _bandwidth(values: dict, seed: int, points: np.ndarray) -> float:
    return float(cluster.estimate_bandwidth(points, quantile=values["quantile"], n_samples=min(len(points), 2000),
                                            random_state=seed)) or 1.0


ALGORITHMS: dict[str, Algorithm] = {a.name: a for a in (
    Algorithm(
        "kmeans", "k-means (k-means++)",
        "Put each point with its nearest centre, move each centre to the mean of its points, repeat; k-means++ "
        "spreads the first centres. General purpose: even cluster sizes, flat geometry, not too many clusters.",
        ("n_clusters", "n_init"),
        100_000, "",
        lambda v, seed, X: cluster.KMeans(n_clusters=v["n_clusters"], init="k-means++", n_init=v["n_init"], random_state=seed)),
    Algorithm(
        "minibatch_kmeans", "mini-batch k-means",
        "k-means with centres updated from small random batches: very large n, medium number of clusters.",
        ("n_clusters", "batch_size"),
        100_000, "",
        lambda v, seed, X: cluster.MiniBatchKMeans(n_clusters=v["n_clusters"], batch_size=v["batch_size"], n_init=3, random_state=seed)),
    Algorithm(
        "dbscan", "DBSCAN",
        "Core points have at least min_samples neighbours within eps; clusters are what core points reach, the "
        "rest is noise. Non-flat geometry, uneven sizes, outlier removal.",
        ("eps", "min_samples"),
        100_000, "",
        lambda v, seed, X: cluster.DBSCAN(eps=v["eps"], min_samples=v["min_samples"])),
    Algorithm(
        "hdbscan", "HDBSCAN",
        "DBSCAN over all radii at once: keeps the clusters that persist longest in the density hierarchy. "
        "Variable densities, outliers, no eps to tune.",
        ("min_cluster_size", "min_samples"),
        50_000, "its mutual-reachability spanning tree costs about n² distance evaluations in many dimensions.",
        lambda v, seed, X: cluster.HDBSCAN(min_cluster_size=v["min_cluster_size"], min_samples=v["min_samples"], copy=True)),
    Algorithm(
        "optics", "OPTICS",
        "Orders points by reachability distance and cuts clusters where the reachability drops steeply (xi). "
        "Non-flat geometry, variable density, outlier removal.",
        ("min_samples", "xi"),
        10_000, "scikit-learn's OPTICS visits the points one by one (a Python loop), minutes for larger sets.",
        lambda v, seed, X: cluster.OPTICS(min_samples=v["min_samples"], xi=v["xi"])),
    Algorithm(
        "agglomerative", "agglomerative (hierarchical)",
        "Start with every point its own cluster and merge the closest pair until n_clusters remain; linkage "
        "defines 'closest' (ward: least variance increase; single: nearest points). Many clusters, any distance.",
        ("n_clusters", "linkage"),
        15_000, "it keeps an n × n distance matrix (n² memory: 1.8 GB at 15 000 points).",
        lambda v, seed, X: cluster.AgglomerativeClustering(n_clusters=v["n_clusters"], linkage=v["linkage"])),
    Algorithm(
        "spectral", "spectral clustering",
        "Embed the points with the leading eigenvectors of a similarity graph, then run k-means there. Few "
        "clusters of even size, non-flat geometry.",
        ("n_clusters", "affinity", "n_neighbors"),
        5_000, "it builds an n × n affinity matrix and solves an eigenproblem on it (time and memory grow as n²).",
        lambda v, seed, X: cluster.SpectralClustering(n_clusters=v["n_clusters"], affinity=v["affinity"],
                                                      n_neighbors=v["n_neighbors"], random_state=seed,
                                                      assign_labels="cluster_qr")),
    Algorithm(
        "gaussian_mixture", "Gaussian mixture",
        "Fit a sum of Gaussians by expectation–maximisation; each point goes to its most probable component "
        "(Mahalanobis distance to the centres). Flat geometry, good for density estimation.",
        ("n_clusters", "covariance_type"),
        100_000, "",
        lambda v, seed, X: mixture.GaussianMixture(n_components=v["n_clusters"], covariance_type=v["covariance_type"],
                                                   random_state=seed)),
    Algorithm(
        "birch", "BIRCH",
        "Compress the data into a tree of small sub-clusters (radius ≤ threshold), then group those into "
        "n_clusters. Large data sets, data reduction.",
        ("n_clusters", "threshold"),
        100_000, "",
        lambda v, seed, X: cluster.Birch(n_clusters=v["n_clusters"], threshold=v["threshold"])),
    Algorithm(
        "mean_shift", "mean shift",
        "Move every point uphill on a kernel density estimate until it stops; points that stop at the same "
        "mode form a cluster. Many clusters of uneven size; bandwidth sets the scale.",
        ("quantile",),
        5_000, "every iteration sums a kernel over all neighbours of every seed (close to n² work).",
        lambda v, seed, X: cluster.MeanShift(bandwidth=_bandwidth(v, seed, X), bin_seeding=True)),
)}

ALGORITHM_NAMES = tuple(ALGORITHMS)


def get_algorithm(name: str) -> Algorithm:
    """The :class:`Algorithm` called ``name`` (InputError listing the choices otherwise)."""
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise InputError(f"algorithm must be one of {', '.join(ALGORITHMS)}, not {name!r}") from None


@dataclasses.dataclass(frozen=True)
class ClusterResult:
    """Labels from one clusterer.

    Attributes
    ----------
    labels : ndarray of int, shape (n,); -1 marks noise (DBSCAN, HDBSCAN, OPTICS)
    core_mask : ndarray of bool, shape (n,); DBSCAN's core points (all False for other algorithms)
    fit_seconds : float, wall time of ``fit``
    algorithm : str
    params : dict, the parameters used
    """

    labels: np.ndarray
    core_mask: np.ndarray
    fit_seconds: float
    algorithm: str
    params: dict

    @property
    def n_clusters(self) -> int:
        return int(len(set(self.labels.tolist()) - {-1}))

    @property
    def n_noise(self) -> int:
        return int((self.labels == -1).sum())

    def sizes(self) -> dict:
        """Points per cluster label (``"-1"`` is noise)."""
        values, counts = np.unique(self.labels, return_counts=True)
        return {str(int(v)): int(c) for v, c in zip(values, counts)}


MAX_NEIGHBOUR_PAIRS = 50_000_000  # DBSCAN holds every (point, neighbour within eps) pair: 8 bytes each, 400 MB


def estimated_neighbour_pairs(points: np.ndarray, eps: float, seed: int = 0, probes: int = 1000) -> float:
    """Expected number of (point, neighbour within ``eps``) pairs, from the neighbour counts of ``probes``
    random points: n × mean count. DBSCAN's memory grows with it."""
    rng = np.random.default_rng(seed)
    probe = rng.choice(len(points), min(probes, len(points)), replace=False)
    tree = NearestNeighbors(radius=eps).fit(points)
    counts = [len(n) for n in tree.radius_neighbors(points[probe], return_distance=False)]
    return float(np.mean(counts)) * len(points)


def check_dbscan_memory(points: np.ndarray, eps: float, seed: int = 0) -> None:
    """Refuse a DBSCAN whose neighbourhoods would not fit in memory (eps too large for this many points)."""
    pairs = estimated_neighbour_pairs(points, eps, seed)
    if pairs > MAX_NEIGHBOUR_PAIRS:
        raise InputError(f"DBSCAN with eps = {eps:g} on {len(points):,} points would hold about {pairs:.2g} neighbour "
                         f"pairs (limit {MAX_NEIGHBOUR_PAIRS:.0e}, about 400 MB): each point has "
                         f"{pairs / len(points):,.0f} neighbours on average. Reduce eps or the number of points, or use HDBSCAN.")


def fit_clusters(points: np.ndarray, name: str, params: Mapping[str, Any] | None = None, seed: int = 0) -> ClusterResult:
    """Fit algorithm ``name`` with ``params`` (defaults for the rest) to ``points`` (n, d)."""
    algorithm = get_algorithm(name)
    values = algorithm.parse_params(params)
    algorithm.check_size(len(points))
    if values.get("n_clusters", 1) > len(points):
        raise InputError(f"n_clusters ({values['n_clusters']}) is larger than the number of points ({len(points)})")
    if name == "dbscan":
        check_dbscan_memory(points, values["eps"], seed)
    estimator = algorithm.build(values, seed, points)
    start = time.perf_counter()
    if hasattr(estimator, "fit_predict"):
        labels = estimator.fit_predict(points)
    else:
        labels = estimator.fit(points).predict(points)
    seconds = time.perf_counter() - start
    core = np.zeros(len(points), dtype=bool)
    if name == "dbscan":
        core[estimator.core_sample_indices_] = True
    return ClusterResult(np.asarray(labels, dtype=np.int64), core, float(seconds), name, values)
