"""Two-dimensional maps of high-dimensional data: PCA, t-SNE and UMAP, with trustworthiness and time.

- PCA: project on the two directions of largest variance (eigenvectors of the covariance matrix);
  linear, exact, and its explained-variance ratios say how much of the spread the map keeps.
- t-SNE [1]_: match neighbour probabilities :math:`p_{j|i} \\propto \\exp(-\\lVert x_i - x_j\\rVert^2 / 2\\sigma_i^2)`
  (σ_i set by the perplexity) with Student-t similarities :math:`(1 + \\lVert y_i - y_j\\rVert^2)^{-1}` in
  the map, minimising their Kullback–Leibler divergence. Exact t-SNE costs n² per iteration and is
  refused above :data:`TSNE_EXACT_MAX`; Barnes–Hut (n log n) above :data:`TSNE_MAX`.
- UMAP [2]_: fuzzy neighbour graph :math:`\\exp[-(d(x_i, x_j) - \\rho_i)/\\sigma_i]` over ``n_neighbors``
  neighbours, laid out with :math:`(1 + a\\lVert y_i - y_j\\rVert^{2b})^{-1}` (a, b set by ``min_dist``)
  by minimising the fuzzy-set cross-entropy.

Trustworthiness [3]_ (scikit-learn) measures how many of each point's k nearest neighbours in the map
are intruders that were not neighbours in the data, penalised by their rank: 1 means every map
neighbourhood is a true one. It costs n² distances, so above :data:`TRUSTWORTHINESS_MAX_POINTS` points it
is computed on a random subsample (stated in the result).

References
----------
.. [1] L. van der Maaten, G. Hinton, "Visualizing data using t-SNE", JMLR 9 (2008) 2579.
.. [2] L. McInnes, J. Healy, J. Melville, "UMAP: Uniform manifold approximation and projection for
   dimension reduction", arXiv:1802.03426.
.. [3] J. Venna, S. Kaski, "Neighborhood preservation in nonlinear projection methods: an experimental
   study", ICANN 2001.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness

from ganplify_core import params
from ganplify_core.clustering.algorithms import parse_parameters
from ganplify_core.errors import InputError
from ganplify_core.params import param
from ganplify_core.training import Progress

METHODS = ("pca", "tsne", "umap")
METHOD_TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
TSNE_MAX = 20_000
TSNE_EXACT_MAX = 2_000
TRUSTWORTHINESS_MAX_POINTS = 2_000
TRUSTWORTHINESS_NEIGHBOURS = 5
PCA_MAX_COMPONENTS = 20

@dataclasses.dataclass(frozen=True)
class MapSettings(params.Config):
    """The parameters of the maps, declared once; only the chosen method's fields matter (:func:`values_of`)."""

    perplexity: float = param(30.0, lo=2.0, hi=100.0, step=1.0, label="t-SNE perplexity",
                              help="effective number of neighbours each point attends to")
    tsne_method: str = param("barnes_hut", choices=("barnes_hut", "exact"), widget="radio", label="t-SNE gradient",
                             help=f"Barnes–Hut (n log n, ≤ {TSNE_MAX:,} points) or exact (n², ≤ {TSNE_EXACT_MAX:,} points)")
    max_iter: int = param(750, lo=250, hi=3000, step=50, widget="number", label="t-SNE iterations",
                          help="gradient-descent iterations")
    n_neighbors: int = param(15, lo=2, hi=200, label="UMAP n_neighbors",
                             help="size of the local neighbourhood: small = local detail, large = global shape")
    min_dist: float = param(0.1, lo=0.0, hi=0.99, step=0.01, label="UMAP min_dist", help="how tightly points may pack in the map")
    metric: str = param("euclidean", choices=("euclidean", "manhattan", "cosine", "correlation"), label="UMAP metric",
                        help="distance in the data space")


MAP_PARAMS = params.params_of(MapSettings)
# Which declared parameters each method takes.
PARAMETERS: dict[str, tuple] = {"pca": (), "tsne": ("perplexity", "tsne_method", "max_iter"),
                                "umap": ("n_neighbors", "min_dist", "metric")}


def values_of(method: str, settings: MapSettings) -> tuple:
    """``method``'s parameters in ``settings`` as sorted (name, value) pairs."""
    return tuple(sorted((name, getattr(settings, name)) for name in PARAMETERS[method]))


def parse_params(method: str, given: Mapping[str, Any] | None) -> dict:
    """Defaults of ``method`` overridden by ``given`` (validated)."""
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    return parse_parameters(method, {name: MAP_PARAMS[name] for name in PARAMETERS[method]}, given)


@dataclasses.dataclass(frozen=True)
class Embedding:
    """A 2-D map of the data.

    Attributes
    ----------
    coords : ndarray, shape (n, 2), float32
    seconds : float, wall time of the fit (not of trustworthiness)
    trustworthiness : float in [0, 1]
    trust_points : int, points the trustworthiness was computed on
    explained_variance_ratio : ndarray, PCA's ratios for up to 20 components (empty for t-SNE and UMAP)
    method : str
    params : dict
    """

    coords: np.ndarray
    seconds: float
    trustworthiness: float
    trust_points: int
    explained_variance_ratio: np.ndarray
    method: str
    params: dict


def check_size(method: str, values: dict, n_samples: int) -> None:
    """Refuse t-SNE above its limits, with the reason."""
    if method == "tsne":
        limit = TSNE_EXACT_MAX if values["tsne_method"] == "exact" else TSNE_MAX
        if n_samples > limit:
            raise InputError(f"{values['tsne_method']} t-SNE is refused above {limit:,} points (this data set has "
                             f"{n_samples:,}): t-SNE's cost grows as n² (exact) or n log n with a large constant "
                             f"(Barnes–Hut). Use UMAP or PCA, or fewer points.")
        if values["perplexity"] >= n_samples:
            raise InputError(f"perplexity ({values['perplexity']:g}) must be smaller than the number of points ({n_samples})")


def embedding_trustworthiness(points: np.ndarray, coords: np.ndarray, seed: int = 0,
                              max_points: int = TRUSTWORTHINESS_MAX_POINTS) -> tuple[float, int]:
    """scikit-learn's trustworthiness (k = 5) on at most ``max_points`` random points; (score, points used)."""
    index = np.arange(len(points))
    if len(index) > max_points:
        index = np.sort(np.random.default_rng(seed).choice(index, max_points, replace=False))
    k = min(TRUSTWORTHINESS_NEIGHBOURS, max(1, len(index) // 2 - 1))
    return float(trustworthiness(points[index], coords[index], n_neighbors=k)), int(len(index))


def embed(points: np.ndarray, method: str, given: Mapping[str, Any] | None = None, seed: int = 0,
          progress: Progress | None = None) -> Embedding:
    """Map ``points`` (n, d) to 2-D with ``method`` and score the map's trustworthiness."""
    values = parse_params(method, given)
    check_size(method, values, len(points))
    if points.shape[1] < 2:
        raise InputError("a 2-D map needs at least two feature columns")
    if progress:
        progress(0.05, f"fitting {METHOD_TITLES[method]} on {len(points):,} points")
    start = time.perf_counter()
    ratios = np.zeros(0)
    if method == "pca":
        pca = PCA(n_components=min(PCA_MAX_COMPONENTS, *points.shape), random_state=seed).fit(points)
        coords = pca.transform(points)[:, :2]
        ratios = pca.explained_variance_ratio_
    elif method == "tsne":
        coords = TSNE(n_components=2, perplexity=values["perplexity"], method=values["tsne_method"],
                      max_iter=values["max_iter"], init="pca", learning_rate="auto", random_state=seed).fit_transform(points)
    else:
        import umap  # imported here: numba compiles on first import, seconds the other methods need not pay

        coords = umap.UMAP(n_neighbors=min(values["n_neighbors"], len(points) - 1), min_dist=values["min_dist"],
                           metric=values["metric"], random_state=seed, n_jobs=1).fit_transform(points)
    seconds = time.perf_counter() - start
    if progress:
        progress(0.9, "scoring trustworthiness")
    score, used = embedding_trustworthiness(points, coords, seed)
    return Embedding(np.asarray(coords, dtype=np.float32), float(seconds), score, used,
                     np.asarray(ratios, dtype=np.float64), method, values)
