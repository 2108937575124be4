"""How good is a clustering: the elbow curve and its knee, silhouette, Davies–Bouldin, Calinski–Harabasz, ARI, NMI.

Elbow method (lecture "Unsupervised learning"): the k-means loss (inertia, the within-cluster sum of
squared distances :math:`\\sum_i \\lVert x_i - \\mu_{c(i)} \\rVert^2`) falls with k; where it stops falling
fast (the "elbow") there is probably structure. :func:`find_elbow` locates it with the Kneedle idea [1]_:
rescale k and inertia to [0, 1] and take the k whose point lies farthest from the straight chord that
joins the first and last points of the curve.

Internal scores (no true labels needed), computed on the clustered points (noise, label −1, left out):

- silhouette [2]_ of point i: :math:`s_i = (b_i - a_i) / \\max(a_i, b_i)`, a = mean distance to its own
  cluster, b = mean distance to the nearest other cluster; from −1 (wrong cluster) to 1 (well separated).
  It costs n² distances, so above :data:`SILHOUETTE_MAX_POINTS` points it is computed on a random subsample.
- Davies–Bouldin [3]_: mean over clusters of the worst ratio (spread_i + spread_j) / distance(centre_i,
  centre_j); lower is better, 0 is best.
- Calinski–Harabasz [4]_: between-cluster over within-cluster dispersion, each per degree of freedom;
  higher is better.

External scores (when the true class is known), on all points with noise as a class of its own:
adjusted Rand index (ARI, 1 = identical partitions, ≈ 0 = chance) and normalised mutual information (NMI).

References
----------
.. [1] V. Satopää et al., "Finding a 'kneedle' in a haystack: detecting knee points in system behavior",
   ICDCS Workshops 2011.
.. [2] P. J. Rousseeuw, "Silhouettes", J. Comput. Appl. Math. 20 (1987) 53.
.. [3] D. L. Davies, D. W. Bouldin, IEEE TPAMI 1 (1979) 224.
.. [4] T. Caliński, J. Harabasz, Commun. Stat. 3 (1974) 1.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from sklearn import metrics
from sklearn.cluster import KMeans

from ganplify_core.errors import InputError
from ganplify_core.training import Progress

SILHOUETTE_MAX_POINTS = 4000


def find_elbow(k_values, losses) -> int:
    """The k at the elbow of a decreasing loss curve (farthest point from the first–last chord).

    Parameters
    ----------
    k_values : sequence of int, increasing
    losses : sequence of float, same length (e.g. k-means inertia)

    Returns
    -------
    int, one of ``k_values``. With fewer than three points, or a straight line, the first k.
    """
    x = np.asarray(k_values, dtype=np.float64)
    y = np.asarray(losses, dtype=np.float64)
    if len(x) != len(y) or len(x) == 0:
        raise InputError("k_values and losses must be non-empty and of the same length")
    if len(x) < 3:
        return int(x[0])
    x_span, y_span = x[-1] - x[0], y.max() - y.min()
    if x_span == 0 or y_span == 0:
        return int(x[0])
    xn, yn = (x - x[0]) / x_span, (y - y.min()) / y_span
    # distance of each (xn, yn) from the line through the first and last points
    dx, dy = xn[-1] - xn[0], yn[-1] - yn[0]
    distance = np.abs(dy * (xn - xn[0]) - dx * (yn - yn[0])) / np.hypot(dx, dy)
    if distance.max() < 1e-9:  # a straight line has no elbow
        return int(x[0])
    return int(x[int(np.argmax(distance))])


@dataclasses.dataclass(frozen=True)
class ElbowCurve:
    """k-means inertia for each k, the elbow found in it, and the time each fit took."""

    k_values: np.ndarray
    inertias: np.ndarray
    seconds: np.ndarray
    elbow_k: int


def elbow_curve(points: np.ndarray, k_max: int = 10, seed: int = 0, n_init: int = 1,
                progress: Progress | None = None) -> ElbowCurve:
    """Fit k-means (k-means++) for k = 1 … ``k_max`` and locate the elbow of inertia(k).

    Each k keeps the best of ``n_init`` restarts; cost is about ``n_init · k_max² / 2`` passes over the data.
    """
    k_max = int(min(k_max, len(points)))
    if k_max < 3:
        raise InputError(f"the elbow curve needs k up to at least 3 (and that many points), not {k_max}")
    ks = np.arange(1, k_max + 1)
    inertias, seconds = np.empty(len(ks)), np.empty(len(ks))
    for i, k in enumerate(ks):
        start = time.perf_counter()
        inertias[i] = KMeans(n_clusters=int(k), n_init=n_init, random_state=seed).fit(points).inertia_
        seconds[i] = time.perf_counter() - start
        if progress:
            progress((i + 1) / len(ks), f"k-means with k = {k}")
    return ElbowCurve(ks, inertias, seconds, find_elbow(ks, inertias))


@dataclasses.dataclass(frozen=True)
class Silhouette:
    """Silhouette value of each scored point (a subsample above :data:`SILHOUETTE_MAX_POINTS`)."""

    indices: np.ndarray
    values: np.ndarray
    labels: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.values.mean()) if len(self.values) else float("nan")


def silhouette(points: np.ndarray, labels: np.ndarray, seed: int = 0,
               max_points: int = SILHOUETTE_MAX_POINTS) -> Silhouette:
    """Per-point silhouette of the non-noise points (random subsample of ``max_points`` if more).

    Empty when fewer than two clusters remain (the silhouette is undefined).
    """
    clustered = np.flatnonzero(labels != -1)
    if len(clustered) > max_points:
        clustered = np.sort(np.random.default_rng(seed).choice(clustered, max_points, replace=False))
    sub_labels = labels[clustered]
    n_clusters = len(np.unique(sub_labels))
    if not 2 <= n_clusters < len(clustered):
        return Silhouette(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    values = metrics.silhouette_samples(points[clustered], sub_labels)
    return Silhouette(clustered, values, sub_labels)


@dataclasses.dataclass(frozen=True)
class ClusterScores:
    """Internal scores (NaN when undefined: fewer than two clusters) and external ones (None without labels)."""

    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    ari: float | None
    nmi: float | None
    n_clusters: int
    n_noise: int


def cluster_scores(points: np.ndarray, labels: np.ndarray, true_labels: np.ndarray | None = None,
                   silhouette_result: Silhouette | None = None, seed: int = 0) -> ClusterScores:
    """Silhouette, Davies–Bouldin and Calinski–Harabasz on clustered points; ARI and NMI if labels exist."""
    clustered = labels != -1
    n_clusters = len(np.unique(labels[clustered]))
    sil = silhouette_result if silhouette_result is not None else silhouette(points, labels, seed)
    if 2 <= n_clusters < clustered.sum():
        db = float(metrics.davies_bouldin_score(points[clustered], labels[clustered]))
        ch = float(metrics.calinski_harabasz_score(points[clustered], labels[clustered]))
    else:
        db = ch = float("nan")
    ari = nmi = None
    if true_labels is not None:
        ari = float(metrics.adjusted_rand_score(true_labels, labels))
        nmi = float(metrics.normalized_mutual_info_score(true_labels, labels))
    return ClusterScores(sil.mean, db, ch, ari, nmi, int(n_clusters), int((~clustered).sum()))
