"""The clustering page's experiments: data, one clustering, the elbow curve, the comparison, a map, Mapper.

Each is registered once (:func:`ganplify_core.experiments.register`) with a frozen config whose fields
carry their parameters (:mod:`ganplify_core.params`), and runs through ``experiments.run`` (cached on
disk, one computation per settings across sessions and processes). Every config starts from the data
settings (:class:`DataSettings`: a :class:`~ganplify_core.clustering.datasets.DatasetConfig` plus
standardisation); the settings a result ignores (another algorithm's parameters, the noise of blobs, the
map settings when clustering the features) are left out of its cache key, so changing them never
recomputes it.

Standardisation (on by default; lecture: "transform the input variables first, so that mean and
variances are of order zero and unity") replaces each feature x by (x − mean) / std. Distances then
weigh every feature alike; without it the feature with the widest spread (jet mass in GeV next to τ21 in
[0, 1]) decides the clusters alone, and DBSCAN's eps is measured in that feature's raw units.
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
from sklearn.decomposition import PCA

from ganplify_core import experiments
from ganplify_core.clustering import embedding, topology
from ganplify_core.clustering import mapper as mapper_module
from ganplify_core.clustering.algorithms import (
    ALGORITHM_NAMES,
    ALGORITHMS,
    AlgorithmSettings,
    ClusterResult,
    fit_clusters,
    get_algorithm,
)
from ganplify_core.clustering.datasets import JET_FILE, Dataset, DatasetConfig, make_dataset
from ganplify_core.clustering.embedding import METHOD_TITLES, METHODS, Embedding, MapSettings, embed, values_of
from ganplify_core.clustering.embedding import check_size as check_map_size
from ganplify_core.clustering.evaluation import (
    SILHOUETTE_MAX_POINTS,
    ClusterScores,
    ElbowCurve,
    Silhouette,
    cluster_scores,
    elbow_curve,
    silhouette,
)
from ganplify_core.clustering.mapper import MapperConfig, MapperGraph, mapper_graph, pca_lens
from ganplify_core.errors import InputError
from ganplify_core.params import param
from ganplify_core.training import Progress, no_progress, scaled

SPACES = ("features",) + METHODS
SPACE_LABELS = {"features": "the features themselves", "pca": "the PCA map", "tsne": "the t-SNE map",
                "umap": "the UMAP map"}
COMPARISON_DEFAULT = ("kmeans", "dbscan", "hdbscan", "agglomerative", "spectral", "gaussian_mixture", "birch", "mean_shift")
ALGORITHM_TITLES = {name: a.title for name, a in ALGORITHMS.items()}


def refusal(experiment: experiments.Experiment, config) -> str | None:
    """Why ``config`` cannot run (a method refused at this size, a bad setting), or None: a page shows it and goes on."""
    try:
        config.validate()
    except InputError as exc:
        return str(exc)
    return None


def standardised(points: np.ndarray, standardise: bool) -> np.ndarray:
    """``(x − mean) / std`` per feature when ``standardise`` (constant features stay 0), else ``points``."""
    if not standardise:
        return points
    std = points.std(axis=0)
    return (points - points.mean(axis=0)) / np.where(std > 0, std, 1.0)


# -- the data: settings shared by every experiment ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class DataSettings(DatasetConfig):
    """A data set and whether its features are standardised: where every result of the page starts."""

    standardise: bool = param(True, label="Standardise features (mean 0, standard deviation 1)",
                              help="cluster (x − mean) / std of each feature; off: the raw features")

    def data_settings(self) -> DataSettings:
        """Only the data settings (what :data:`DATA` is keyed by), from any config of this module."""
        names = {f.name for f in dataclasses.fields(DataSettings)}
        return DataSettings(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name in names})

    def data_key(self) -> tuple:
        """What the data and its standardisation depend on; the seed is kept (it also seeds the methods)."""
        return (self.data_only(), self.standardise, self.seed)


@dataclasses.dataclass(frozen=True)
class PreparedData:
    """A data set with the 2-D view it is drawn in.

    ``view`` is the data itself when it has two features (one is drawn against 0), else its first two
    principal components (of the standardised features when standardising).
    """

    dataset: Dataset
    view: np.ndarray
    axis_names: tuple
    standardise: bool

    @property
    def points(self) -> np.ndarray:
        """The (standardised) features every method is fitted on."""
        return standardised(self.dataset.points, self.standardise)


def prepare_data(config: DataSettings, progress: Progress | None = None) -> PreparedData:
    progress = progress or no_progress
    progress(0.0, f"making the data set ({config.name})")
    dataset = make_dataset(config.data_only())
    if dataset.n_features == 2:
        view, names = dataset.points, dataset.feature_names
    elif dataset.n_features == 1:
        view, names = np.column_stack([dataset.points[:, 0], np.zeros(dataset.n_samples)]), (dataset.feature_names[0], "")
    else:
        progress(0.6, "projecting on the first two principal components")
        view = PCA(n_components=2, random_state=config.seed).fit_transform(standardised(dataset.points, config.standardise))
        names = ("first principal component", "second principal component")
    return PreparedData(dataset, np.asarray(view, dtype=np.float64), tuple(names), config.standardise)


def data_summary(data: PreparedData) -> dict:
    d = data.dataset
    return {"dataset": d.name, "n_samples": d.n_samples, "n_features": d.n_features,
            "classes": len(d.label_names) if d.true_labels is not None else None}


def load(config: DataSettings, progress: Progress | None = None) -> PreparedData:
    """The prepared data of any config of this module (a cached sub-result, shared by every experiment)."""
    return experiments.run(DATA, config.data_settings(), progress)


# -- time estimates: measured rates on the 2-core machine class (benchmarks/bench_estimates.py) -------------
# First taken from the CPU seconds of the calibration configs while the machine was shared (load average 19–30
# on 2 cores, wall times 3–15x the CPU time), then checked against wall times at load average 2–3.

JET_SECONDS = 1.5e-4            # one toy jet generated (observables)
JET_IMAGE_SECONDS = 1.0e-4      # one jet image drawn, flattened and stacked
PCA_SECONDS_PER_VALUE = 5.0e-8  # 2-component PCA, per point × feature
OVERHEAD_SECONDS = 0.3


def data_seconds(config: DataSettings) -> float:
    """Making the data set and its view."""
    if experiments.is_cached(DATA, config.data_settings()):
        return 0.0
    n, d = config.size, config.dimensions
    seconds = 0.05 + 2e-6 * n
    if config.name in ("jets", JET_FILE):  # generated, or read from the user's file (the same steps)
        seconds += n * (JET_SECONDS + (JET_IMAGE_SECONDS if config.jet_features == "images" else 0.0))
    if d > 2:
        seconds += 0.1 + PCA_SECONDS_PER_VALUE * n * d
    return seconds


def estimate_data(config: DataSettings) -> float:
    return OVERHEAD_SECONDS + data_seconds(config)


DATA = experiments.register(experiments.Experiment(
    name="clustering-data", config_type=DataSettings, compute=prepare_data, to_json=data_summary,
    estimate_seconds=estimate_data, cache_key=DataSettings.data_key, label="Making the data set",
    calibration=(DataSettings("jets", n_samples=40_000, seed=2),
                 DataSettings("jets", n_samples=100_000),
                 DataSettings("jets", n_samples=60_000, seed=1)),
    ship=(DataSettings(), DataSettings("circles", n_samples=1500, noise=0.03))))  # the defaults and the demo preset


# -- one clustering ------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ClusterConfig(MapSettings, AlgorithmSettings, DataSettings):
    """One clusterer on one representation of the data.

    ``space`` is ``"features"`` (the raw, optionally standardised, features) or the name of a 2-D map
    (``"pca"``, ``"tsne"``, ``"umap"``, made with the map settings) to cluster instead.
    """

    algorithm: str = param("kmeans", choices=ALGORITHM_NAMES, labels=ALGORITHM_TITLES, label="Clustering algorithm",
                           help="the scikit-learn clusterer")
    space: str = param("features", choices=SPACES, labels=SPACE_LABELS, widget="radio", label="Cluster on",
                       help="cluster a 2-D map of the data instead of its features; the map uses the settings of "
                            "section 4, and its choices then become part of the result")

    @property
    def algorithm_params(self) -> tuple:
        """The chosen algorithm's parameters, as sorted (name, value) pairs."""
        return ALGORITHMS[self.algorithm].values_of(self)

    def map_config(self) -> EmbedConfig:
        """The map clustered when ``space`` is not the features."""
        return embed_config(self, self.space)

    def cache_key(self) -> tuple:
        space = (self.space, values_of(self.space, self)) if self.space != "features" else ("features",)
        return (self.data_key(), self.algorithm, self.algorithm_params, space)

    def check(self) -> None:
        super().check()
        get_algorithm(self.algorithm).check_size(self.size)
        if self.space != "features":
            self.map_config().check()


@dataclasses.dataclass(frozen=True)
class ClusteringOutcome:
    """Labels, scores and per-point silhouette of one clustering, and what it was fitted on."""

    result: ClusterResult
    scores: ClusterScores
    silhouette: Silhouette
    dataset: str = ""
    n_samples: int = 0
    n_features: int = 0
    space: str = "features"


def cluster_points(points: np.ndarray, algorithm: str, params_: dict, true_labels: np.ndarray | None, seed: int,
                   progress: Progress | None = None) -> tuple[ClusterResult, ClusterScores, Silhouette]:
    """Fit ``algorithm`` to ``points`` and score it."""
    progress = progress or no_progress
    progress(0.0, f"fitting {ALGORITHMS[algorithm].title}")
    result = fit_clusters(points, algorithm, params_, seed)
    progress(0.7, "scoring")
    sil = silhouette(points, result.labels, seed)
    return result, cluster_scores(points, result.labels, true_labels, sil, seed), sil


def run_cluster(config: ClusterConfig, progress: Progress | None = None) -> ClusteringOutcome:
    """Fit ``config.algorithm`` on the features (or a map of them) and score it."""
    progress = progress or no_progress
    data = load(config, scaled(progress, 0.0, 0.2))
    if config.space == "features":
        points = data.points
    else:
        points = experiments.run(EMBED, config.map_config(), scaled(progress, 0.2, 0.6)).embedding.coords.astype(np.float64)
    result, scores, sil = cluster_points(points, config.algorithm, dict(config.algorithm_params),
                                         data.dataset.true_labels, config.seed, scaled(progress, 0.6, 1.0))
    return ClusteringOutcome(result, scores, sil, data.dataset.name, data.dataset.n_samples, data.dataset.n_features,
                             config.space)


def cluster_summary(outcome: ClusteringOutcome) -> dict:
    """The ``cluster`` command's JSON."""
    result, scores = outcome.result, outcome.scores
    summary = {
        "dataset": outcome.dataset, "n_samples": outcome.n_samples, "n_features": outcome.n_features,
        "algorithm": result.algorithm, "params": result.params, "space": outcome.space,
        "labels_summary": result.sizes(), "n_clusters": result.n_clusters, "n_noise": result.n_noise,
        "silhouette": scores.silhouette, "davies_bouldin": scores.davies_bouldin,
        "calinski_harabasz": scores.calinski_harabasz, "fit_seconds": result.fit_seconds,
    }
    if scores.ari is not None:
        summary.update(ari=scores.ari, nmi=scores.nmi)
    return summary


# Seconds per point × feature of one fit with the defaults (k = 3), measured on 2-D and 64-D data.
FIT_SECONDS = {"kmeans": 6e-7, "minibatch_kmeans": 6e-7, "dbscan": 1.5e-6, "hdbscan": 9e-6, "optics": 5e-5,
               "agglomerative": 7e-6, "spectral": 2e-5, "gaussian_mixture": 2.5e-7, "birch": 5e-7, "mean_shift": 2e-4}
SCORE_SECONDS_PER_PAIR = 1e-8  # the silhouette: n² distances on at most 4 000 points


def fit_seconds(algorithm: str, n: int, d: int, k: int = 3) -> float:
    rate = FIT_SECONDS[algorithm]
    scale = n * (1 + d / 8)
    if algorithm in ("kmeans", "minibatch_kmeans", "gaussian_mixture", "birch"):
        scale *= max(k, 1) / 3
    if algorithm in ("agglomerative", "spectral"):
        scale *= max(n / 2000, 1.0)  # the n × n matrix
    if algorithm == "hdbscan":
        scale *= max(n / 5000, 1.0) ** 1.4  # its spanning tree: measured 1 s at 10 000 points, 59 s at 50 000
    return rate * scale


def score_seconds(n: int, d: int) -> float:
    m = min(n, SILHOUETTE_MAX_POINTS)
    return SCORE_SECONDS_PER_PAIR * m * m * (1 + d / 16) + 1e-7 * n * d


def estimate_cluster(config: ClusterConfig) -> float:
    n, d = config.size, config.dimensions
    seconds = OVERHEAD_SECONDS + data_seconds(config)
    if config.space != "features":
        map_config = config.map_config()
        if not experiments.is_cached(EMBED, map_config):
            seconds += map_seconds(map_config)
        d = 2
    values = dict(config.algorithm_params)
    factor = values.get("n_init", 1) / 4 if config.algorithm == "kmeans" else 1.0
    return seconds + factor * fit_seconds(config.algorithm, n, d, values.get("n_clusters", 3)) + score_seconds(n, d)


# -- the elbow curve -----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ElbowConfig(DataSettings):
    k_max: int = param(10, lo=3, hi=20, widget="slider", label="Elbow curve up to k =",
                       help="k-means for k = 1 … k_max, one restart each")

    def cache_key(self) -> tuple:
        return (self.data_key(), self.k_max)


def run_elbow(config: ElbowConfig, progress: Progress | None = None) -> ElbowCurve:
    """k-means inertia for k = 1 … ``k_max`` (at most the number of points) with its elbow."""
    progress = progress or no_progress
    data = load(config, scaled(progress, 0.0, 0.2))
    return elbow_curve(data.points, min(config.k_max, data.dataset.n_samples), config.seed, 1, scaled(progress, 0.2, 1.0))


def elbow_summary(curve: ElbowCurve) -> dict:
    return {"k": curve.k_values, "inertia": curve.inertias, "elbow_k": curve.elbow_k, "seconds": float(curve.seconds.sum())}


ELBOW_SECONDS = 5.5e-9  # per point × (feature + 4) × k, summed over k, one restart


def estimate_elbow(config: ElbowConfig) -> float:
    n, d = config.size, config.dimensions
    ks = config.k_max * (config.k_max + 1) / 2
    return OVERHEAD_SECONDS + data_seconds(config) + 0.005 * config.k_max + ELBOW_SECONDS * n * (d + 4) * ks


# -- several algorithms side by side --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CompareConfig(DataSettings):
    compare: tuple = param(COMPARISON_DEFAULT, choices=ALGORITHM_NAMES, multiple=True, labels=ALGORITHM_TITLES,
                           label="Algorithms", help="each with its default parameters")
    compare_k: int = param(3, lo=1, hi=30, widget="number", label="k for the algorithms that take a number of clusters",
                           help="k-means, mini-batch k-means, agglomerative, spectral, Gaussian mixture and BIRCH "
                                "are given this k; the others find their own number of clusters")

    def cache_key(self) -> tuple:
        return (self.data_key(), self.compare, self.compare_k)


@dataclasses.dataclass(frozen=True)
class ComparisonEntry:
    """One cell of the comparison grid: the outcome, or why the algorithm was refused."""

    algorithm: str
    outcome: ClusteringOutcome | None
    refused: str


@dataclasses.dataclass(frozen=True)
class Comparison:
    entries: tuple
    k: int


def run_comparison(config: CompareConfig, progress: Progress | None = None) -> Comparison:
    """Each algorithm with its default parameters (and ``compare_k`` where it takes a k) on the same data."""
    progress = progress or no_progress
    data = load(config, scaled(progress, 0.0, 0.1))
    points, truth = data.points, data.dataset.true_labels
    entries = []
    for i, name in enumerate(config.compare):
        algorithm = get_algorithm(name)
        given = {"n_clusters": config.compare_k} if "n_clusters" in algorithm.parameters else {}
        progress(0.1 + 0.9 * i / len(config.compare), algorithm.title)
        try:
            algorithm.check_size(len(points))
            result, scores, sil = cluster_points(points, name, given, truth, config.seed)
            entries.append(ComparisonEntry(name, ClusteringOutcome(result, scores, sil, data.dataset.name,
                                                                   len(points), points.shape[1]), ""))
        except InputError as exc:
            entries.append(ComparisonEntry(name, None, str(exc)))
    return Comparison(tuple(entries), config.compare_k)


def comparison_rows(comparison: Comparison) -> list[dict]:
    """One row per algorithm: fit time, clusters, silhouette, ARI, NMI, or why it was refused."""
    rows = []
    for e in comparison.entries:
        o = e.outcome
        rows.append({"algorithm": ALGORITHMS[e.algorithm].title,
                     "k given": comparison.k if "n_clusters" in ALGORITHMS[e.algorithm].parameters else None,
                     "fit time (s)": None if o is None else round(o.result.fit_seconds, 4),
                     "clusters": None if o is None else o.result.n_clusters,
                     "silhouette": None if o is None else o.scores.silhouette,
                     "ARI": None if o is None else o.scores.ari,
                     "NMI": None if o is None else o.scores.nmi,
                     "refused because": e.refused})
    return rows


def comparison_summary(comparison: Comparison) -> dict:
    return {"k": comparison.k, "algorithms": comparison_rows(comparison)}


def estimate_comparison(config: CompareConfig) -> float:
    n, d = config.size, config.dimensions
    seconds = OVERHEAD_SECONDS + data_seconds(config)
    for name in config.compare:
        if n <= ALGORITHMS[name].max_samples:
            seconds += fit_seconds(name, n, d, config.compare_k) + score_seconds(n, d)
    return seconds


# -- a 2-D map -------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class EmbedConfig(MapSettings, DataSettings):
    method: str = param("pca", choices=METHODS, labels=METHOD_TITLES, label="Map", help="the 2-D map")

    @property
    def map_params(self) -> tuple:
        return values_of(self.method, self)

    def cache_key(self) -> tuple:
        return (self.data_key(), self.method, self.map_params)

    def check(self) -> None:
        super().check()
        check_map_size(self.method, dict(self.map_params), self.size)


def embed_config(config: DataSettings, method: str) -> EmbedConfig:
    """The map ``method`` of ``config``'s data with ``config``'s map settings (defaults where it has none)."""
    names = {f.name for f in dataclasses.fields(EmbedConfig)} - {"method"}
    return EmbedConfig(**{f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name in names},
                       method=method)


@dataclasses.dataclass(frozen=True)
class DataMap:
    """A map and the data set it maps (its name, for the CLI)."""

    embedding: Embedding
    dataset: str


def run_embed(config: EmbedConfig, progress: Progress | None = None) -> DataMap:
    progress = progress or no_progress
    data = load(config, scaled(progress, 0.0, 0.1))
    return DataMap(embed(data.points, config.method, dict(config.map_params), config.seed, scaled(progress, 0.1, 1.0)),
                   data.dataset.name)


def map_choices(config: DataSettings) -> list[dict]:
    """What each large-data choice of t-SNE and UMAP cost on ``config``'s data, for the maps already computed
    (nothing is computed here): one row per cached map, its seconds and trustworthiness."""
    rows = []
    for method in ("tsne", "umap"):
        for mode in embedding.MAP_MODES:
            candidate = dataclasses.replace(embed_config(config, method), map_mode=mode)
            if refusal(EMBED, candidate) or not experiments.is_cached(EMBED, candidate):
                continue
            e = experiments.cached_result(EMBED, candidate).embedding
            rows.append({"map": METHOD_TITLES[method], "choice": embedding.MAP_MODE_LABELS[mode],
                         "fitted on (points)": embedding.fitted_points(e.params, len(e.coords)),
                         "seconds": round(e.seconds, 1), "trustworthiness": round(e.trustworthiness, 3),
                         "trustworthiness on (points)": e.trust_points})
    return rows


def embed_summary(data_map: DataMap) -> dict:
    """The ``embed`` command's JSON (without ``out``)."""
    e = data_map.embedding
    summary = {"dataset": data_map.dataset, "method": e.method, "params": e.params, "shape": list(e.coords.shape),
               "trustworthiness": e.trustworthiness, "trustworthiness_points": e.trust_points, "seconds": e.seconds}
    if e.method == "pca":
        summary["explained_variance_ratio"] = e.explained_variance_ratio[:5]
    return summary


UMAP_COMPILE_SECONDS = 12.0     # numba compiles UMAP's code once per process
TSNE_SECONDS = 3.5e-7           # Barnes–Hut, per point × iteration × log2(points) (exact: × n / 250)
UMAP_FIXED_SECONDS = 3.0        # its layout runs 500 epochs whatever the size (200 above 10 000 points)
UMAP_SECONDS = 2.0e-4           # per point at 15 neighbours
TRUST_SECONDS = 0.4             # trustworthiness on at most 2 000 points


PARALLEL_SPEEDUP = 1.6         # UMAP on the 2 cores of the machine class, against one
PLACE_SECONDS = 2e-6            # one point placed on a subsample's map (10 nearest fitted points), per feature / 8


def map_seconds(config: EmbedConfig) -> float:
    n, d = config.size, config.dimensions
    if config.method == "pca":
        return TRUST_SECONDS + 4 * PCA_SECONDS_PER_VALUE * n * d
    mode = config.map_mode
    seconds = TRUST_SECONDS
    if mode != "reproducible" and d > embedding.PRE_PCA_DIMENSIONS:
        seconds += 4 * PCA_SECONDS_PER_VALUE * n * d
        d = embedding.PRE_PCA_DIMENSIONS
    fitted = min(n, config.map_fit_points) if mode == "subsample" else n
    if mode == "subsample":
        seconds += PLACE_SECONDS * (n - fitted) * (1 + d / 8)
    if config.method == "tsne":
        per = TSNE_SECONDS * np.log2(max(fitted, 2)) * (config.perplexity / 30) ** 0.5
        if config.tsne_method == "exact":
            per *= max(fitted / 250, 1.0)
        return seconds + 1.0 + per * fitted * config.max_iter
    compile_ = 0.0 if "umap" in sys.modules else UMAP_COMPILE_SECONDS  # imported by the first UMAP run
    umap = UMAP_FIXED_SECONDS + UMAP_SECONDS * fitted * (1 + d / 64) * (config.n_neighbors / 15) ** 0.5
    return seconds + compile_ + (umap / PARALLEL_SPEEDUP if mode == "parallel" else umap)


def estimate_embed(config: EmbedConfig) -> float:
    return OVERHEAD_SECONDS + data_seconds(config) + map_seconds(config)


# -- Mapper ------------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class MapperJobConfig(MapSettings, MapperConfig, DataSettings):
    """The Mapper graph of the data; the UMAP settings count only with the UMAP lens."""

    def mapper_config(self) -> MapperConfig:
        return MapperConfig(self.lens, self.n_cubes, self.overlap, self.mapper_eps, self.mapper_min_samples)

    def cache_key(self) -> tuple:
        lens = values_of("umap", self) if self.lens == "umap" else ()
        return (self.data_key(), self.mapper_config(), lens)

    def check(self) -> None:
        super().check()
        mapper_module.check_size(self.size)


def run_mapper(config: MapperJobConfig, progress: Progress | None = None) -> MapperGraph:
    """The Mapper graph of the (standardised) features through ``config.lens``."""
    progress = progress or no_progress
    data = load(config, scaled(progress, 0.0, 0.1))
    if config.lens == "umap":
        lens = experiments.run(EMBED, embed_config(config, "umap"), scaled(progress, 0.1, 0.7)).embedding.coords
    else:
        lens = pca_lens(data.points, 1 if config.lens == "pca1" else 2, config.seed)
    progress(0.8, "covering and clustering")
    return mapper_graph(data.points, lens, config.mapper_config())


def mapper_summary(graph: MapperGraph) -> dict:
    return {"nodes": graph.n_nodes, "edges": int(len(graph.edges)), "node_sizes": [int(len(m)) for m in graph.members]}


MAPPER_SECONDS = 5e-8  # DBSCAN in each interval: per pair of points that share one (n² / intervals)


def estimate_mapper(config: MapperJobConfig) -> float:
    n, d = config.size, config.dimensions
    seconds = OVERHEAD_SECONDS + data_seconds(config) + 0.5
    if config.lens == "umap":
        umap = embed_config(config, "umap")
        if not experiments.is_cached(EMBED, umap):
            seconds += map_seconds(umap)
    cubes = config.n_cubes ** (2 if config.lens in ("pca2", "umap") else 1)
    return seconds + MAPPER_SECONDS * n * n / cubes * (1 + config.overlap) * (1 + d / 64)


# -- persistent homology -----------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class TopologyConfig(DataSettings):
    """Persistent homology (ripser) of a random subsample of the (standardised) features."""

    tda_points: int = param(topology.DEFAULT_POINTS, lo=20, hi=topology.MAX_POINTS, step=50, widget="number",
                            unit="points", label="Points for persistent homology",
                            help=f"a random subsample of the data (all of it when smaller); its cost grows as n³, so at "
                                 f"most {topology.MAX_POINTS:,} points ({topology.MAX_POINTS_H2} with H2)")
    homology_dim: int = param(1, lo=0, hi=topology.MAX_DIMENSION, widget="slider", label="Highest homology dimension",
                              help="0: components; 1: and loops; 2: and voids (slow: at most "
                                   f"{topology.MAX_POINTS_H2} points)")

    @property
    def homology_points(self) -> int:
        """Points the homology is computed on: the subsample, or the whole data set when smaller."""
        return min(self.tda_points, self.size)

    def cache_key(self) -> tuple:
        return (self.data_key(), self.tda_points, self.homology_dim)

    def check(self) -> None:
        super().check()
        topology.check_size(self.homology_points, self.homology_dim)


@dataclasses.dataclass(frozen=True)
class TopologyResult:
    """The persistence of a data set's subsample, and the data set's name (for the CLI)."""

    persistence: topology.Persistence
    dataset: str


def run_topology(config: TopologyConfig, progress: Progress | None = None) -> TopologyResult:
    """Persistence diagrams and Betti numbers of ``config.tda_points`` random points of the data."""
    progress = progress or no_progress
    data = load(config, scaled(progress, 0.0, 0.2))
    result = topology.persistent_homology(data.points, config.homology_dim, config.tda_points, config.seed,
                                          scaled(progress, 0.2, 1.0))
    return TopologyResult(result, data.dataset.name)


def topology_summary(result: TopologyResult) -> dict:
    """The ``topology`` command's JSON: Betti numbers, the scale they hold at, every diagram."""
    p = result.persistence
    return {"dataset": result.dataset, "n_samples": p.n_total, "n_points": p.n_points, "subsampled": p.subsampled,
            "maxdim": p.maxdim, "betti": list(p.betti), "scale": list(p.scale), "scale_ratio": p.scale_ratio,
            "runner_up": ({"scale": list(p.runner_up[:2]), "scale_ratio": p.runner_up[2], "betti": list(p.runner_up[3])}
                          if p.runner_up else None),
            "enclosing_radius": p.enclosing_radius,
            "seconds": p.seconds, "diagram": topology.diagram_json(p.diagrams)}


# ripser on the 2-core machine class (moons, jets; measured while shared, load 5-9: conservative)
H0_SECONDS = 8e-7     # per pair of points
H1_SECONDS = 3.5e-9   # per triple of points (the reduction of the edge-triangle matrix)
H2_SECONDS = 3.5e-7   # per triple of points, with H2


def topology_seconds(n: int, maxdim: int) -> float:
    seconds = 0.2 + H0_SECONDS * n * n
    if maxdim >= 1:
        seconds += H1_SECONDS * n ** 3
    if maxdim >= 2:
        seconds += H2_SECONDS * n ** 3
    return seconds


def estimate_topology(config: TopologyConfig) -> float:
    return OVERHEAD_SECONDS + data_seconds(config) + topology_seconds(config.homology_points, config.homology_dim)


# -- presets and shipped defaults -----------------------------------------------------------------------------

PRESETS = (
    experiments.Preset(
        "paper", "The lecture's setting", ClusterConfig("moons", n_samples=1500, algorithm="dbscan"),
        page_values={"compare_k": 2, "maps": METHODS, "tda_points": 500, "homology_dim": 1},
        note="The lecture's example (scikit-learn's comparison): on two moons DBSCAN follows the shapes, while "
             "k-means with k = 2 cuts straight through them (section 3)."),
    experiments.Preset(
        "demo", "A 30-second demo", ClusterConfig("circles", n_samples=1500, noise=0.03, algorithm="dbscan"),
        page_values={"compare_k": 2, "maps": ("pca",), "lens": "pca1", "tda_points": 500, "homology_dim": 1},
        note="Two rings: DBSCAN separates them, k-means cannot, Mapper draws loops and persistent homology counts "
             "two components and two loops."),
    experiments.Preset(
        "fails", "Where it fails", ClusterConfig("no_structure", n_samples=1500, algorithm="kmeans", n_clusters=3),
        page_values={"compare_k": 3, "maps": ("pca",), "tda_points": 500, "homology_dim": 1},
        note="Uniform noise: every algorithm still returns clusters. A clustering is not evidence of structure; "
             "the silhouette and persistent homology (one component, no loop) say there is none."),
)
DEMO = PRESETS[1].config

# The page's first view (its defaults) and the demo are shipped: they show with nothing pressed.
SHIP_DATA = (ClusterConfig(), DEMO)

# -- registration ------------------------------------------------------------------------------------------------

CLUSTER = experiments.register(experiments.Experiment(
    name="cluster", config_type=ClusterConfig, compute=run_cluster, to_json=cluster_summary,
    estimate_seconds=estimate_cluster, cache_key=ClusterConfig.cache_key, label="Clustering",
    calibration=(ClusterConfig("jets", n_samples=60_000, algorithm="kmeans"),
                 ClusterConfig("digits", algorithm="kmeans", space="tsne"),
                 ClusterConfig("blobs", n_samples=50_000, algorithm="hdbscan")),
    presets=PRESETS, ship=SHIP_DATA))


ELBOW = experiments.register(experiments.Experiment(
    name="clustering-elbow", config_type=ElbowConfig, compute=run_elbow, to_json=elbow_summary,
    estimate_seconds=estimate_elbow, cache_key=ElbowConfig.cache_key, label="Elbow curve",
    calibration=(ElbowConfig("jets", n_samples=100_000, k_max=20),
                 ElbowConfig("jets", n_samples=6_000, jet_features="images", k_max=12),
                 ElbowConfig("jets", n_samples=10_000, jet_features="images", k_max=20)),
    ship=(ElbowConfig(), ElbowConfig(**DEMO.data_settings().__dict__))))

COMPARE = experiments.register(experiments.Experiment(
    name="clustering-compare", config_type=CompareConfig, compute=run_comparison, to_json=comparison_summary,
    estimate_seconds=estimate_comparison, cache_key=CompareConfig.cache_key, label="Fitting each algorithm",
    calibration=(CompareConfig("moons", n_samples=5_000),
                 CompareConfig("jets", n_samples=5_000),
                 CompareConfig("jets", n_samples=30_000)),
    ship=(CompareConfig(), CompareConfig(**DEMO.data_settings().__dict__, compare_k=2))))

EMBED = experiments.register(experiments.Experiment(
    name="embed", config_type=EmbedConfig, compute=run_embed, to_json=embed_summary,
    estimate_seconds=estimate_embed, cache_key=EmbedConfig.cache_key, label="Computing the map",
    calibration=(EmbedConfig("digits", method="tsne"),
                 EmbedConfig("digits", method="umap"),
                 EmbedConfig("jets", n_samples=8_000, method="tsne", max_iter=500)),
    ship=tuple(embed_config(ClusterConfig(), method) for method in METHODS) + (embed_config(DEMO, "pca"),)))

MAPPER = experiments.register(experiments.Experiment(
    name="clustering-mapper", config_type=MapperJobConfig, compute=run_mapper, to_json=mapper_summary,
    estimate_seconds=estimate_mapper, cache_key=MapperJobConfig.cache_key, label="Building the Mapper graph",
    calibration=(MapperJobConfig("blobs", n_samples=50_000, n_cubes=30),
                 MapperJobConfig("jets", n_samples=20_000, lens="pca2", n_cubes=12),
                 MapperJobConfig("digits", lens="umap")),
    ship=(MapperJobConfig(), MapperJobConfig(**DEMO.data_settings().__dict__))))

TOPOLOGY = experiments.register(experiments.Experiment(
    name="topology", config_type=TopologyConfig, compute=run_topology, to_json=topology_summary,
    estimate_seconds=estimate_topology, cache_key=TopologyConfig.cache_key, label="Computing persistent homology",
    calibration=(TopologyConfig("moons", n_samples=2_000, tda_points=1_000),
                 TopologyConfig("jets", n_samples=3_000, tda_points=2_000),
                 TopologyConfig("circles", tda_points=300, homology_dim=2)),
    ship=(TopologyConfig(), TopologyConfig(**DEMO.data_settings().__dict__))))
