"""The cached entry points the page and the CLI call: cluster, elbow, compare, embed, Mapper.

Each takes a :class:`~ganplify_core.clustering.datasets.Dataset` and a frozen config, and is cached on
disk (:func:`ganplify_core.cache.cached`) under a key made of the data's content hash and the config, so
the same data and settings are computed once: switching the colouring or the plot never recomputes.

Standardisation (on by default; lecture: "transform the input variables first, so that mean and
variances are of order zero and unity") replaces each feature x by (x − mean) / std. Distances then
weigh every feature alike; without it the feature with the widest spread (jet mass in GeV next to τ21 in
[0, 1]) decides the clusters alone, and DBSCAN's eps is measured in that feature's raw units.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ganplify_core import cache
from ganplify_core.clustering.algorithms import ClusterResult, fit_clusters, get_algorithm
from ganplify_core.clustering.datasets import Dataset
from ganplify_core.clustering.embedding import METHODS, Embedding, embed
from ganplify_core.clustering.evaluation import ClusterScores, ElbowCurve, Silhouette, cluster_scores, elbow_curve, silhouette
from ganplify_core.clustering.mapper import MapperConfig, MapperGraph, mapper_graph, pca_lens
from ganplify_core.errors import InputError
from ganplify_core.training import Progress, scaled

SPACES = ("features",) + METHODS
COMPARISON_DEFAULT = ("kmeans", "dbscan", "hdbscan", "agglomerative", "spectral", "gaussian_mixture", "birch", "mean_shift")


def standardised(points: np.ndarray, standardise: bool) -> np.ndarray:
    """``(x − mean) / std`` per feature when ``standardise`` (constant features stay 0), else ``points``."""
    if not standardise:
        return points
    std = points.std(axis=0)
    return (points - points.mean(axis=0)) / np.where(std > 0, std, 1.0)


@dataclasses.dataclass(frozen=True)
class EmbeddingConfig:
    """Which 2-D map, with which parameters (``params`` as sorted (name, value) pairs)."""

    method: str = "pca"
    params: tuple = ()
    standardise: bool = True
    seed: int = 0


def run_embedding(dataset: Dataset, config: EmbeddingConfig, progress: Progress | None = None) -> Embedding:
    """The 2-D map of ``dataset`` (cached by data and config)."""
    return cache.cached("clustering-embedding", (dataset.digest, config), lambda: embed(
        standardised(dataset.points, config.standardise), config.method, dict(config.params), config.seed, progress))


def view_2d(dataset: Dataset, standardise: bool = True) -> tuple[np.ndarray, tuple]:
    """Coordinates to draw the data in, with axis names: the features themselves when there are two
    (one is drawn against 0), else the first two principal components of the (standardised) features."""
    if dataset.n_features == 2:
        return dataset.points, dataset.feature_names
    if dataset.n_features == 1:
        return np.column_stack([dataset.points[:, 0], np.zeros(dataset.n_samples)]), (dataset.feature_names[0], "")
    pca = run_embedding(dataset, EmbeddingConfig("pca", standardise=standardise))
    return pca.coords.astype(np.float64), ("first principal component", "second principal component")


@dataclasses.dataclass(frozen=True)
class ClusteringConfig:
    """One clusterer on one representation of the data.

    ``space`` is ``"features"`` (the raw, optionally standardised, features) or the name of a 2-D map
    (``"pca"``, ``"tsne"``, ``"umap"``, made with ``embedding``'s settings) to cluster instead.
    """

    algorithm: str = "kmeans"
    params: tuple = ()
    standardise: bool = True
    space: str = "features"
    embedding: EmbeddingConfig = EmbeddingConfig()
    seed: int = 0


@dataclasses.dataclass(frozen=True)
class ClusteringOutcome:
    """Labels, scores and per-point silhouette of one clustering."""

    result: ClusterResult
    scores: ClusterScores
    silhouette: Silhouette


def clustered_space(dataset: Dataset, config: ClusteringConfig, progress: Progress | None = None) -> np.ndarray:
    """The points the clusterer sees: standardised features, or a 2-D map of them."""
    if config.space not in SPACES:
        raise InputError(f"space must be one of {', '.join(SPACES)}, not {config.space!r}")
    if config.space == "features":
        return standardised(dataset.points, config.standardise)
    embedding_config = dataclasses.replace(config.embedding, method=config.space, standardise=config.standardise)
    return run_embedding(dataset, embedding_config, progress).coords.astype(np.float64)


def run_clustering(dataset: Dataset, config: ClusteringConfig, progress: Progress | None = None) -> ClusteringOutcome:
    """Fit ``config.algorithm`` and score it (cached)."""
    get_algorithm(config.algorithm).check_size(dataset.n_samples)

    def compute() -> ClusteringOutcome:
        points = clustered_space(dataset, config, scaled(progress, 0.0, 0.6))
        if progress:
            progress(0.6, f"fitting {config.algorithm}")
        result = fit_clusters(points, config.algorithm, dict(config.params), config.seed)
        if progress:
            progress(0.8, "scoring")
        sil = silhouette(points, result.labels, config.seed)
        return ClusteringOutcome(result, cluster_scores(points, result.labels, dataset.true_labels, sil, config.seed), sil)

    return cache.cached("clustering-fit", (dataset.digest, config), compute)


def run_elbow(dataset: Dataset, standardise: bool = True, k_max: int = 10, seed: int = 0, n_init: int = 1,
              progress: Progress | None = None) -> ElbowCurve:
    """k-means inertia for k = 1 … ``k_max`` with its elbow (cached)."""
    return cache.cached("clustering-elbow", (dataset.digest, standardise, k_max, seed, n_init), lambda: elbow_curve(
        standardised(dataset.points, standardise), k_max, seed, n_init, progress))


@dataclasses.dataclass(frozen=True)
class ComparisonEntry:
    """One cell of the comparison grid: the outcome, or why the algorithm was refused."""

    algorithm: str
    outcome: ClusteringOutcome | None
    refused: str


def run_comparison(dataset: Dataset, algorithms=COMPARISON_DEFAULT, n_clusters: int = 3, standardise: bool = True,
                   seed: int = 0, progress: Progress | None = None) -> list[ComparisonEntry]:
    """Each algorithm with its default parameters (and ``n_clusters`` where it takes one) on the same data."""
    entries = []
    for i, name in enumerate(algorithms):
        algorithm = get_algorithm(name)
        params = (("n_clusters", n_clusters),) if "n_clusters" in algorithm.defaults() else ()
        if progress:
            progress(i / len(algorithms), f"{algorithm.title}")
        try:
            outcome = run_clustering(dataset, ClusteringConfig(name, params, standardise, seed=seed))
            entries.append(ComparisonEntry(name, outcome, ""))
        except InputError as exc:
            entries.append(ComparisonEntry(name, None, str(exc)))
    return entries


def run_mapper(dataset: Dataset, config: MapperConfig, standardise: bool = True,
               umap: EmbeddingConfig = EmbeddingConfig("umap"), seed: int = 0,
               progress: Progress | None = None) -> MapperGraph:
    """The Mapper graph of the (standardised) features through ``config.lens`` (cached)."""
    config.validate(dataset.n_samples)

    def compute() -> MapperGraph:
        points = standardised(dataset.points, standardise)
        if config.lens == "umap":
            lens = run_embedding(dataset, dataclasses.replace(umap, method="umap", standardise=standardise),
                                 scaled(progress, 0.0, 0.7)).coords
        else:
            lens = pca_lens(points, 1 if config.lens == "pca1" else 2, seed)
        if progress:
            progress(0.8, "covering and clustering")
        return mapper_graph(points, lens, config)

    # the UMAP settings matter only to a UMAP lens: changing them does not refit a PCA-lens graph
    umap_key = umap if config.lens == "umap" else None
    return cache.cached("clustering-mapper", (dataset.digest, config, standardise, umap_key, seed), compute)

