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

**Large inputs** (``map_mode``): ``reproducible`` is the plain method, seeded and on one thread (t-SNE
refused above :data:`TSNE_MAX` points). ``parallel`` runs UMAP unseeded on every core (its layout then
differs from run to run; the cached one is what is shown again) and t-SNE's neighbour search on every
core, and first reduces inputs of more than :data:`PRE_PCA_DIMENSIONS` features to their principal
components. ``subsample`` fits the map on ``map_fit_points`` random points (with the same reduction) and
places each other point at the distance-weighted mean of the map positions of its :data:`PLACE_NEIGHBOURS`
nearest fitted points (how openTSNE [4]_ initialises new points before optimising them; UMAP's own
``transform`` optimises them too, and measured several times slower than the fit itself), so t-SNE reaches :data:`~ganplify_core.clustering.datasets.MAX_SAMPLES`
points. What each choice costs in quality is measured the same way for all: the trustworthiness below,
on a random subsample of all the points (fitted and placed).

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
.. [4] P. G. Poličar, M. Stražar, B. Zupan, "openTSNE: a modular Python library for t-SNE dimensionality
   reduction and embedding", J. Stat. Softw. 109 (2024) 3.
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
MAP_MODES = ("reproducible", "parallel", "subsample")
MAP_MODE_LABELS = {"reproducible": "reproducible (seeded, one thread)", "parallel": "parallel (all cores; UMAP unseeded)",
                   "subsample": "fit on a subsample, place the rest"}
PRE_PCA_DIMENSIONS = 50  # parallel and subsample modes: more features are first reduced to 50 principal components
PLACE_NEIGHBOURS = 10

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
    map_mode: str = param("reproducible", choices=MAP_MODES, labels=MAP_MODE_LABELS, label="t-SNE and UMAP on large data",
                          help="reproducible: the plain seeded method on one thread; parallel: every core (UMAP's "
                               "layout then changes from run to run); subsample: fit on a random subsample and place "
                               f"the other points (t-SNE up to 100,000 points). The last two reduce more than "
                               f"{PRE_PCA_DIMENSIONS} features to {PRE_PCA_DIMENSIONS} principal components first.")
    map_fit_points: int = param(10_000, lo=1_000, hi=TSNE_MAX, step=1_000, widget="number", unit="points",
                                label="Points the map is fitted on (subsample mode)",
                                help="a random subsample; the other points are placed on its map")


MAP_PARAMS = params.params_of(MapSettings)
# Which declared parameters each method takes.
PARAMETERS: dict[str, tuple] = {"pca": (), "tsne": ("perplexity", "tsne_method", "max_iter", "map_mode", "map_fit_points"),
                                "umap": ("n_neighbors", "min_dist", "metric", "map_mode", "map_fit_points")}


def active_parameters(method: str, settings) -> tuple:
    """The parameters of ``method`` that count for ``settings`` (the fitted points only in subsample mode)."""
    mode = getattr(settings, "map_mode", None) if not isinstance(settings, dict) else settings.get("map_mode")
    return tuple(p for p in PARAMETERS[method] if p != "map_fit_points" or mode == "subsample")


def values_of(method: str, settings: MapSettings) -> tuple:
    """``method``'s parameters in ``settings`` that count, as sorted (name, value) pairs."""
    return tuple(sorted((name, getattr(settings, name)) for name in active_parameters(method, settings)))


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


def fitted_points(values: dict, n_samples: int) -> int:
    """Points the map is fitted on: all of them, or the subsample in subsample mode."""
    if values.get("map_mode") == "subsample":
        return min(n_samples, values["map_fit_points"])
    return n_samples


def check_size(method: str, values: dict, n_samples: int) -> None:
    """Refuse t-SNE above its limits, with the reason."""
    if method == "tsne":
        limit = TSNE_EXACT_MAX if values["tsne_method"] == "exact" else TSNE_MAX
        fitted = fitted_points(values, n_samples)
        if fitted > limit:
            what = (f"fitted on {fitted:,} points" if fitted < n_samples else f"refused above {limit:,} points (this "
                    f"data set has {n_samples:,})")
            raise InputError(f"{values['tsne_method']} t-SNE is {what}: at most {limit:,}. t-SNE's cost grows as n² "
                             f"(exact) or n log n with a large constant (Barnes–Hut). Choose \"fit on a subsample, "
                             f"place the rest\" (up to {limit:,} fitted points), UMAP or PCA, or fewer points.")
        if values["perplexity"] >= fitted:
            raise InputError(f"perplexity ({values['perplexity']:g}) must be smaller than the number of points ({fitted})")


def embedding_trustworthiness(points: np.ndarray, coords: np.ndarray, seed: int = 0,
                              max_points: int = TRUSTWORTHINESS_MAX_POINTS) -> tuple[float, int]:
    """scikit-learn's trustworthiness (k = 5) on at most ``max_points`` random points; (score, points used)."""
    index = np.arange(len(points))
    if len(index) > max_points:
        index = np.sort(np.random.default_rng(seed).choice(index, max_points, replace=False))
    k = min(TRUSTWORTHINESS_NEIGHBOURS, max(1, len(index) // 2 - 1))
    return float(trustworthiness(points[index], coords[index], n_neighbors=k)), int(len(index))


def fit_map(points: np.ndarray, method: str, values: dict, seed: int | None, n_jobs: int = 1) -> np.ndarray:
    """t-SNE or UMAP of all ``points``; ``seed`` None (UMAP) lets it run unseeded, in parallel."""
    if method == "tsne":
        return TSNE(n_components=2, perplexity=values["perplexity"], method=values["tsne_method"],
                    max_iter=values["max_iter"], init="pca", learning_rate="auto", random_state=seed,
                    n_jobs=n_jobs).fit_transform(points)
    import umap  # imported here: numba compiles on first import, seconds the other methods need not pay

    return umap.UMAP(n_neighbors=min(values["n_neighbors"], len(points) - 1), min_dist=values["min_dist"],
                     metric=values["metric"], random_state=seed, n_jobs=n_jobs).fit_transform(points)


def reduced(points: np.ndarray, seed: int) -> np.ndarray:
    """``points`` on their first :data:`PRE_PCA_DIMENSIONS` principal components when they have more features."""
    if points.shape[1] <= PRE_PCA_DIMENSIONS:
        return points
    return PCA(n_components=PRE_PCA_DIMENSIONS, random_state=seed).fit_transform(points)


def place(fitted: np.ndarray, coords: np.ndarray, new: np.ndarray, k: int = PLACE_NEIGHBOURS) -> np.ndarray:
    """Map positions of ``new`` points: the mean of the positions of their ``k`` nearest ``fitted`` points,
    weighted by inverse distance (a point on top of a fitted one lands on it)."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(fitted))
    distances, index = NearestNeighbors(n_neighbors=k).fit(fitted).kneighbors(new)
    weights = 1.0 / np.maximum(distances, 1e-12)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, coords[index])


def fast_map(points: np.ndarray, method: str, values: dict, seed: int, progress: Progress | None = None) -> np.ndarray:
    """``parallel`` or ``subsample`` mode (see the module text)."""
    points = reduced(points, seed)
    if values["map_mode"] == "parallel":
        return fit_map(points, method, values, None if method == "umap" else seed, n_jobs=-1)
    fitted = fitted_points(values, len(points))
    if fitted == len(points):
        return fit_map(points, method, values, seed, n_jobs=-1 if method == "tsne" else 1)
    index = np.random.default_rng(seed).permutation(len(points))
    fit_index, rest_index = index[:fitted], index[fitted:]
    coords = np.empty((len(points), 2), dtype=np.float64)
    coords[fit_index] = fit_map(points[fit_index], method, values, seed, n_jobs=-1 if method == "tsne" else 1)
    if progress:
        progress(0.7, f"placing the other {len(rest_index):,} points")
    coords[rest_index] = place(points[fit_index], coords[fit_index], points[rest_index])
    return coords


def embed(points: np.ndarray, method: str, given: Mapping[str, Any] | None = None, seed: int = 0,
          progress: Progress | None = None) -> Embedding:
    """Map ``points`` (n, d) to 2-D with ``method`` and score the map's trustworthiness."""
    values = parse_params(method, given)
    check_size(method, values, len(points))
    if points.shape[1] < 2:
        raise InputError("a 2-D map needs at least two feature columns")
    if progress:
        progress(0.05, f"fitting {METHOD_TITLES[method]} on {fitted_points(values, len(points)):,} points")
    start = time.perf_counter()
    ratios = np.zeros(0)
    if method == "pca":
        pca = PCA(n_components=min(PCA_MAX_COMPONENTS, *points.shape), random_state=seed).fit(points)
        coords = pca.transform(points)[:, :2]
        ratios = pca.explained_variance_ratio_
    elif values.get("map_mode", "reproducible") == "reproducible":
        coords = fit_map(points, method, values, seed, n_jobs=1)
    else:
        coords = fast_map(points, method, values, seed, progress)
    seconds = time.perf_counter() - start
    if progress:
        progress(0.9, "scoring trustworthiness")
    score, used = embedding_trustworthiness(points, coords, seed)
    return Embedding(np.asarray(coords, dtype=np.float32), float(seconds), score, used,
                     np.asarray(ratios, dtype=np.float64), method, values)
