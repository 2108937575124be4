"""Mapper (topological data analysis): a graph that summarises the shape of a data set.

Mapper [1]_ (as in the TDA talk of the seed, "data has shape"): choose a lens f: X → R^m (here the first
one or two principal components, or a 2-D UMAP map); cover the lens' range with ``n_cubes`` overlapping
intervals (squares in 2-D) each overlapping its neighbours by ``overlap`` of its width; cluster, with
DBSCAN, the points whose lens value falls in each interval. Every cluster becomes a node; two nodes are
joined when they share points. Loops and branches of the graph are loops and branches of the data.
The implementation is KeplerMapper [2]_.

References
----------
.. [1] G. Singh, F. Mémoli, G. Carlsson, "Topological methods for the analysis of high dimensional data
   sets and 3D object recognition", Eurographics SPBG 2007.
.. [2] H. J. van Veen et al., "Kepler Mapper: a flexible Python implementation of the Mapper algorithm",
   JOSS 4 (2019) 1315.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.decomposition import PCA

from ganplify_core import params
from ganplify_core.errors import InputError
from ganplify_core.params import param

LENSES = ("pca1", "pca2", "umap")
MAPPER_MAX = 50_000


LENS_LABELS = {"pca1": "PC1", "pca2": "PC1 and PC2", "umap": "UMAP map"}


@dataclasses.dataclass(frozen=True)
class MapperConfig(params.Config):
    """Lens, cover and per-cover clustering of a Mapper graph."""

    lens: str = param("pca1", choices=LENSES, labels=LENS_LABELS, label="Lens", help="what the data is seen through")
    n_cubes: int = param(10, lo=1, hi=50, widget="slider", label="Intervals per lens axis",
                         help="intervals covering each lens axis")
    overlap: float = param(0.3, lo=0.05, hi=0.9, step=0.05, widget="slider", label="Overlap",
                           help="fraction of an interval shared with its neighbour")
    mapper_eps: float = param(0.5, lo=0.01, hi=10.0, format="%.3f", widget="number", label="DBSCAN eps per interval",
                              help="DBSCAN's radius inside each interval")
    mapper_min_samples: int = param(3, lo=1, hi=100, widget="number", label="DBSCAN min_samples",
                                    help="DBSCAN's minPts inside each interval")


def check_size(n_samples: int) -> None:
    if n_samples > MAPPER_MAX:
        raise InputError(f"Mapper is limited to {MAPPER_MAX:,} points here (this data set has {n_samples:,}); "
                         f"the page stays responsive with fewer.")


@dataclasses.dataclass(frozen=True)
class MapperGraph:
    """Nodes (each a set of point indices) and edges (pairs of node numbers sharing points)."""

    members: list
    edges: np.ndarray
    lens_values: np.ndarray

    @property
    def n_nodes(self) -> int:
        return len(self.members)


def pca_lens(points: np.ndarray, n_components: int, seed: int = 0) -> np.ndarray:
    """Projection on the first ``n_components`` principal components, shape (n, n_components)."""
    return PCA(n_components=n_components, random_state=seed).fit_transform(points)


def mapper_graph(points: np.ndarray, lens_values: np.ndarray, config: MapperConfig) -> MapperGraph:
    """The Mapper graph of ``points`` seen through ``lens_values`` (n, 1 or 2)."""
    import kmapper

    config.validate()
    check_size(len(points))
    lens_values = np.asarray(lens_values, dtype=np.float64).reshape(len(points), -1)
    mapper = kmapper.KeplerMapper(verbose=0)
    graph = mapper.map(lens_values, points, cover=kmapper.Cover(n_cubes=config.n_cubes, perc_overlap=config.overlap),
                       clusterer=DBSCAN(eps=config.mapper_eps, min_samples=config.mapper_min_samples))
    names = sorted(graph["nodes"])
    number = {name: i for i, name in enumerate(names)}
    members = [np.asarray(graph["nodes"][name], dtype=np.int64) for name in names]
    edges = [(number[a], number[b]) for a, targets in graph["links"].items() for b in targets]
    return MapperGraph(members, np.asarray(edges, dtype=np.int64).reshape(-1, 2), lens_values)
