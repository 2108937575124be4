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
from typing import Any, Callable, Mapping

import numpy as np
from sklearn import cluster, mixture
from sklearn.neighbors import NearestNeighbors

from ganplify_core.errors import InputError


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One key parameter: ``kind`` is ``"int"``, ``"float"`` or ``"choice"``."""

    name: str
    kind: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    options: tuple = ()
    help: str = ""

    def parse(self, value: Any) -> Any:
        """The value as this parameter's type, checked against its range (InputError otherwise)."""
        if self.kind == "choice":
            text = str(value)
            if text not in self.options:
                raise InputError(f"parameter {self.name} must be one of {', '.join(self.options)}, not {text!r}")
            return text
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError(f"parameter {self.name} must be a number, not {value!r}") from None
        if not np.isfinite(number):
            raise InputError(f"parameter {self.name} must be a finite number, not {value!r}")
        if self.kind == "int":
            if number != int(number):
                raise InputError(f"parameter {self.name} must be a whole number, not {value!r}")
            number = int(number)
        if not (self.lo <= number <= self.hi):
            raise InputError(f"parameter {self.name} must be between {self.lo:g} and {self.hi:g}, not {value}")
        return number


def parse_parameters(owner: str, parameters: tuple, params: Mapping[str, Any] | None) -> dict:
    """The defaults of ``parameters`` overridden by ``params`` (validated); unknown names raise InputError."""
    known = {p.name: p for p in parameters}
    unknown = set(params or {}) - set(known)
    if unknown:
        raise InputError(f"{owner} has no parameter {', '.join(sorted(unknown))}; "
                         f"its parameters are {', '.join(known) or 'none'}")
    values = {p.name: p.default for p in parameters}
    values.update({key: known[key].parse(value) for key, value in (params or {}).items()})
    return values


@dataclasses.dataclass(frozen=True)
class Algorithm:
    """A clusterer: its name, the idea in one line, its parameters, and the largest n it accepts."""

    name: str
    title: str
    idea: str
    parameters: tuple
    max_samples: int
    why_limited: str
    build: Callable[[dict, int, np.ndarray], Any]

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.parameters}

    def parse_params(self, params: Mapping[str, Any] | None) -> dict:
        """Defaults overridden by ``params`` (validated); unknown names raise InputError."""
        return parse_parameters(self.name, self.parameters, params)

    def check_size(self, n_samples: int) -> None:
        if n_samples > self.max_samples:
            raise InputError(f"{self.title} is refused above {self.max_samples:,} points (this data set has "
                             f"{n_samples:,}): {self.why_limited} Use fewer points, or k-means, mini-batch k-means, "
                             f"DBSCAN, Gaussian mixture or BIRCH, which scale.")


N_CLUSTERS = Parameter("n_clusters", "int", 3, 1, 30, help="number of clusters to find")


def _bandwidth(values: dict, seed: int, points: np.ndarray) -> float:
    return float(cluster.estimate_bandwidth(points, quantile=values["quantile"], n_samples=min(len(points), 2000),
                                            random_state=seed)) or 1.0


ALGORITHMS: dict[str, Algorithm] = {a.name: a for a in (
    Algorithm(
        "kmeans", "k-means (k-means++)",
        "Put each point with its nearest centre, move each centre to the mean of its points, repeat; k-means++ "
        "spreads the first centres. General purpose: even cluster sizes, flat geometry, not too many clusters.",
        (N_CLUSTERS, Parameter("n_init", "int", 4, 1, 50, help="restarts; the best (lowest inertia) is kept")),
        100_000, "",
        lambda v, seed, X: cluster.KMeans(n_clusters=v["n_clusters"], init="k-means++", n_init=v["n_init"], random_state=seed)),
    Algorithm(
        "minibatch_kmeans", "mini-batch k-means",
        "k-means with centres updated from small random batches: very large n, medium number of clusters.",
        (N_CLUSTERS, Parameter("batch_size", "int", 1024, 32, 20_000, help="points per update")),
        100_000, "",
        lambda v, seed, X: cluster.MiniBatchKMeans(n_clusters=v["n_clusters"], batch_size=v["batch_size"], n_init=3, random_state=seed)),
    Algorithm(
        "dbscan", "DBSCAN",
        "Core points have at least min_samples neighbours within eps; clusters are what core points reach, the "
        "rest is noise. Non-flat geometry, uneven sizes, outlier removal.",
        (Parameter("eps", "float", 0.3, 0.001, 100.0, help="neighbourhood radius ε (in standardised units when standardising)"),
         Parameter("min_samples", "int", 5, 1, 500, help="minPts: neighbours (itself included) that make a core point")),
        100_000, "",
        lambda v, seed, X: cluster.DBSCAN(eps=v["eps"], min_samples=v["min_samples"])),
    Algorithm(
        "hdbscan", "HDBSCAN",
        "DBSCAN over all radii at once: keeps the clusters that persist longest in the density hierarchy. "
        "Variable densities, outliers, no eps to tune.",
        (Parameter("min_cluster_size", "int", 15, 2, 5000, help="smallest group that counts as a cluster"),
         Parameter("min_samples", "int", 5, 1, 500, help="how conservative: larger marks more points as noise")),
        50_000, "its mutual-reachability spanning tree costs about n² distance evaluations in many dimensions.",
        lambda v, seed, X: cluster.HDBSCAN(min_cluster_size=v["min_cluster_size"], min_samples=v["min_samples"], copy=True)),
    Algorithm(
        "optics", "OPTICS",
        "Orders points by reachability distance and cuts clusters where the reachability drops steeply (xi). "
        "Non-flat geometry, variable density, outlier removal.",
        (Parameter("min_samples", "int", 10, 2, 500, help="neighbours that make a core point"),
         Parameter("xi", "float", 0.05, 0.001, 0.999, help="minimum steepness of a cluster boundary in the reachability plot")),
        10_000, "scikit-learn's OPTICS visits the points one by one (a Python loop), minutes for larger sets.",
        lambda v, seed, X: cluster.OPTICS(min_samples=v["min_samples"], xi=v["xi"])),
    Algorithm(
        "agglomerative", "agglomerative (hierarchical)",
        "Start with every point its own cluster and merge the closest pair until n_clusters remain; linkage "
        "defines 'closest' (ward: least variance increase; single: nearest points). Many clusters, any distance.",
        (N_CLUSTERS, Parameter("linkage", "choice", "ward", options=("ward", "complete", "average", "single"),
                               help="distance between clusters")),
        15_000, "it keeps an n × n distance matrix (n² memory: 1.8 GB at 15 000 points).",
        lambda v, seed, X: cluster.AgglomerativeClustering(n_clusters=v["n_clusters"], linkage=v["linkage"])),
    Algorithm(
        "spectral", "spectral clustering",
        "Embed the points with the leading eigenvectors of a similarity graph, then run k-means there. Few "
        "clusters of even size, non-flat geometry.",
        (N_CLUSTERS, Parameter("affinity", "choice", "nearest_neighbors", options=("nearest_neighbors", "rbf"),
                               help="similarity graph: k-nearest-neighbour graph or Gaussian kernel"),
         Parameter("n_neighbors", "int", 10, 2, 200, help="neighbours per point in the graph")),
        5_000, "it builds an n × n affinity matrix and solves an eigenproblem on it (time and memory grow as n²).",
        lambda v, seed, X: cluster.SpectralClustering(n_clusters=v["n_clusters"], affinity=v["affinity"],
                                                      n_neighbors=v["n_neighbors"], random_state=seed,
                                                      assign_labels="cluster_qr")),
    Algorithm(
        "gaussian_mixture", "Gaussian mixture",
        "Fit a sum of Gaussians by expectation–maximisation; each point goes to its most probable component "
        "(Mahalanobis distance to the centres). Flat geometry, good for density estimation.",
        (Parameter("n_clusters", "int", 3, 1, 30, help="number of Gaussian components"),
         Parameter("covariance_type", "choice", "full", options=("full", "tied", "diag", "spherical"),
                   help="shape of each component's covariance")),
        100_000, "",
        lambda v, seed, X: mixture.GaussianMixture(n_components=v["n_clusters"], covariance_type=v["covariance_type"],
                                                   random_state=seed)),
    Algorithm(
        "birch", "BIRCH",
        "Compress the data into a tree of small sub-clusters (radius ≤ threshold), then group those into "
        "n_clusters. Large data sets, data reduction.",
        (N_CLUSTERS, Parameter("threshold", "float", 0.5, 0.01, 10.0, help="largest radius of a sub-cluster")),
        100_000, "",
        lambda v, seed, X: cluster.Birch(n_clusters=v["n_clusters"], threshold=v["threshold"])),
    Algorithm(
        "mean_shift", "mean shift",
        "Move every point uphill on a kernel density estimate until it stops; points that stop at the same "
        "mode form a cluster. Many clusters of uneven size; bandwidth sets the scale.",
        (Parameter("quantile", "float", 0.2, 0.01, 1.0, help="bandwidth = median distance to this fraction of nearest neighbours"),),
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
