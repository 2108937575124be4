"""Persistent homology (topological data analysis): the holes of a point cloud at every scale, with ripser.

Grow a ball of radius ε/2 around every point (the Vietoris–Rips filtration: points closer than ε are
joined, and every set of points that are pairwise joined fills in). As ε grows, connected components
merge (homology dimension 0, H0), loops appear and fill in (H1), voids appear and fill in (H2). Each
feature is a bar [birth, death) of the *barcode*, or a point (birth, death) of the *persistence
diagram*; features far from the diagonal live long and are the data's shape, those near it are noise.
The Betti number b_k at a scale ε is the number of k-dimensional bars alive at ε: b0 components, b1
loops, b2 voids. A circle has b0 = 1, b1 = 1; a sphere b0 = 1, b1 = 0, b2 = 1; k separated blobs b0 = k.
The computation is Ripser [1]_ (Bauer's algorithm, via the ``ripser`` package of scikit-tda).

**The most persistent scale.** The Betti numbers depend on ε; they are read where they stay unchanged
for longest. Every birth and death is an event; between two consecutive events [a, b) the Betti numbers
are constant, and that range's length is measured as the ratio b / a (scale-free: multiplying the data by
10 changes nothing; Bobrowski, Kahle and Skraba [2]_ measure a cycle's significance by the same ratio,
death / birth). The last range runs to the enclosing radius of the points, min over points of the largest
distance to another point: from there one point is joined to all the others, the Rips complex is a cone
over it (contractible), and nothing changes any more (Ripser stops there too). Ranges below the median H0 death (the typical spacing of neighbours, where half the points
are still alone) start there instead: the Betti numbers of the scattered points themselves are never the
answer. The range with the largest ratio is the most persistent scale, and its Betti numbers the answer.

**Cost.** Rips persistence needs all n² distances and, for H1 and H2, reductions of matrices of n³ and n⁴
simplices, so it runs on a random subsample of at most :data:`MAX_POINTS` points
(:data:`MAX_POINTS_H2` with H2), stated with the result.

References
----------
.. [1] U. Bauer, "Ripser: efficient computation of Vietoris–Rips persistence barcodes", J. Appl. Comput.
   Topol. 5 (2021) 391; C. Tralie, N. Saul, R. Bar-On, "Ripser.py: a lean persistent homology library
   for Python", JOSS 3 (2018) 925.
.. [2] O. Bobrowski, M. Kahle, P. Skraba, "Maximally persistent cycles in random geometric complexes",
   Ann. Appl. Probab. 27 (2017) 2032.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from scipy.spatial.distance import pdist, squareform

from ganplify_core.errors import InputError
from ganplify_core.training import Progress

MIN_POINTS = 3
MAX_POINTS = 2_000
MAX_POINTS_H2 = 400
MAX_DIMENSION = 2
DEFAULT_POINTS = 500
HOMOLOGY_NAMES = ("H0 (components)", "H1 (loops)", "H2 (voids)")


def check_size(n_points: int, maxdim: int) -> None:
    """Refuse a subsample ripser cannot finish in page time, with the reason."""
    if not 0 <= maxdim <= MAX_DIMENSION:
        raise InputError(f"homology dimension must be 0, 1 or 2, not {maxdim}")
    limit = MAX_POINTS_H2 if maxdim == 2 else MAX_POINTS
    if n_points > limit:
        raise InputError(f"persistent homology up to H{maxdim} is limited to {limit:,} points (asked for "
                         f"{n_points:,}): its cost grows as n³ (H1) and n⁴ (H2). Use fewer points"
                         + (" or stop at H1." if maxdim == 2 else "."))
    if n_points < MIN_POINTS:
        raise InputError(f"persistent homology needs at least {MIN_POINTS} points, not {n_points}")


@dataclasses.dataclass(frozen=True)
class Persistence:
    """The persistence diagrams of a (subsampled) point cloud and its Betti numbers.

    Attributes
    ----------
    diagrams : tuple of ndarray, one per homology dimension 0..maxdim, shape (m, 2), float64:
        (birth, death) of each feature; ``inf`` for a feature that never dies (the one component).
    betti : tuple of int, b_0..b_maxdim at the most persistent scale.
    scale : (lo, hi), the range of ε over which those Betti numbers hold (the most persistent scale).
    n_points : int, points the homology was computed on.
    n_total : int, points in the data (``n_points`` were drawn at random from them when fewer).
    enclosing_radius : float, the scale from which the Rips complex is a cone (contractible).
    seconds : float, wall time of ripser.
    scale_ratio : float, the length of :attr:`scale` as the ratio of its end to its start (or to the floor).
    runner_up : (lo, hi, ratio, betti) of the longest range with other Betti numbers, or () when there is
        none: when its ratio comes close to that of :attr:`scale`, no scale dominates and the answer depends on
        the scale it is read at.
    """

    diagrams: tuple
    betti: tuple
    scale: tuple
    n_points: int
    n_total: int
    enclosing_radius: float
    seconds: float
    scale_ratio: float = 1.0
    runner_up: tuple = ()

    @property
    def maxdim(self) -> int:
        return len(self.diagrams) - 1

    @property
    def subsampled(self) -> bool:
        return self.n_points < self.n_total


def subsample(n_total: int, n_points: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of ``min(n_points, n_total)`` points drawn at random without replacement."""
    if n_total <= n_points:
        return np.arange(n_total)
    return np.sort(np.random.default_rng(seed).choice(n_total, n_points, replace=False))


def betti_at(diagrams, epsilon: float) -> tuple:
    """Betti numbers at scale ``epsilon``: in each dimension, the bars with birth ≤ ε < death."""
    return tuple(int(np.count_nonzero((d[:, 0] <= epsilon) & (epsilon < d[:, 1]))) if len(d) else 0 for d in diagrams)


def scale_ranges(diagrams, enclosing_radius: float) -> list[tuple[float, float, float]]:
    """Every range [a, b) of ε between consecutive events with its length b / max(a, floor), longest first
    (see the module text); ranges that end below the floor are left out."""
    births = [d[:, 0] for d in diagrams if len(d)]
    deaths = [d[np.isfinite(d[:, 1]), 1] for d in diagrams if len(d)]
    events = np.unique(np.concatenate(births + deaths + [np.array([enclosing_radius], dtype=np.float64)]))
    events = events[events > 0]
    if len(events) < 2:
        at = float(events[0]) if len(events) else 0.0
        return [(at, at, 1.0)]
    h0_deaths = diagrams[0][np.isfinite(diagrams[0][:, 1]), 1]
    h0_deaths = h0_deaths[h0_deaths > 0]
    floor = float(np.median(h0_deaths)) if len(h0_deaths) else float(events[0])
    lo, hi = events[:-1], events[1:]
    keep = hi > floor
    ratio = hi[keep] / np.maximum(lo[keep], floor)
    order = np.argsort(-ratio, kind="stable")
    return [(float(lo[keep][i]), float(hi[keep][i]), float(ratio[i])) for i in order]


def most_persistent_scale(diagrams, enclosing_radius: float) -> tuple[float, float]:
    """The range [a, b) of ε between consecutive events with the largest ratio b / a (see the module text)."""
    lo, hi, _ = scale_ranges(diagrams, enclosing_radius)[0]
    return lo, hi


def inside(lo: float, hi: float) -> float:
    """A scale strictly inside [lo, hi) (its geometric middle), where the Betti numbers of the range are read."""
    return lo if lo == hi or lo <= 0 else float(np.sqrt(lo * hi))


def persistence(points: np.ndarray, maxdim: int = 1) -> tuple[tuple, float, float]:
    """Ripser's Rips persistence diagrams of ``points`` (n, d) up to H``maxdim``, its wall time, and their enclosing
    radius: min over points of the largest distance to another point. From that ε on, one point is joined to all
    the others, the Rips complex is a cone over it (contractible) and nothing changes any more."""
    from ripser import ripser  # imported here: only this section needs it

    points = np.ascontiguousarray(points, dtype=np.float64)
    check_size(len(points), maxdim)
    if not np.all(np.isfinite(points)):
        raise InputError("persistent homology needs finite coordinates (no NaN or infinity)")
    start = time.perf_counter()
    distances = squareform(pdist(points))  # given to ripser as such: any number of features, no guessing
    result = ripser(distances, maxdim=maxdim, distance_matrix=True)
    seconds = time.perf_counter() - start
    diagrams = tuple(np.asarray(d, dtype=np.float64).reshape(-1, 2) for d in result["dgms"])
    radius = float(distances.max(axis=1).min()) if len(points) > 1 else 0.0
    return diagrams, seconds, radius


def persistent_homology(points: np.ndarray, maxdim: int = 1, n_points: int = DEFAULT_POINTS, seed: int = 0,
                        progress: Progress | None = None) -> Persistence:
    """Persistence diagrams of at most ``n_points`` random points of ``points``, and their Betti numbers."""
    index = subsample(len(points), n_points, seed)
    if progress:
        progress(0.05, f"persistent homology up to H{maxdim} of {len(index):,} points")
    diagrams, seconds, radius = persistence(points[index], maxdim)
    ranges = [(lo, hi, ratio, betti_at(diagrams, inside(lo, hi))) for lo, hi, ratio in scale_ranges(diagrams, radius)]
    (lo, hi, ratio, betti), runner_up = ranges[0], next((r for r in ranges[1:] if r[3] != ranges[0][3]), None)
    return Persistence(diagrams, betti, (lo, hi), int(len(index)), int(len(points)), radius, float(seconds),
                       ratio, () if runner_up is None else runner_up)


def diagram_json(diagrams) -> list:
    """Diagrams as lists of [birth, death] (death ``None`` for a feature that never dies), one list per dimension."""
    return [[[float(b), None if not np.isfinite(d) else float(d)] for b, d in dgm] for dgm in diagrams]


def longest_bars(diagram: np.ndarray, limit: int) -> np.ndarray:
    """The ``limit`` longest bars of one diagram (infinite first), sorted by birth for drawing."""
    if len(diagram) <= limit:
        keep = np.arange(len(diagram))
    else:
        keep = np.argsort(-(diagram[:, 1] - diagram[:, 0]), kind="stable")[:limit]
    bars = diagram[keep]
    return bars[np.lexsort((-(bars[:, 1] - bars[:, 0]), bars[:, 0]))]
