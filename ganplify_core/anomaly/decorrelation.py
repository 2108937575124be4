"""The anomaly score's correlation with the jet mass, and one way to remove it.

An autoencoder's reconstruction error grows with how much structure a jet image has, and heavier QCD
jets have more: the score is correlated with the jet mass. A cut on it then keeps heavy QCD jets and
*sculpts* the background's mass distribution (a bump search in the mass becomes hard). The correlation
is measured with Spearman's rank coefficient ρ (:func:`scipy.stats.spearmanr`) on the test jets of
each class.

Decorrelation by a conditional quantile (the idea of a "designed decorrelated tagger", made
non-parametric): in bins of mass filled with equal numbers of *training* jets (the class the
autoencoder learned; no label is needed), each test jet's score is replaced by the fraction of training
jets of its mass bin that score below it,

    s'(x) = F(s(x) | m(x)),   F(· | m) = the empirical score distribution of the training jets in m's bin.

For jets like the training ones s' is uniform in [0, 1] in every mass bin, so it carries no mass
information; what is left is how unusual a jet is *for its mass*. The price shows in the AUC: most of
what a QCD-trained autoencoder finds in top jets is their mass.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.stats import spearmanr

MASS_BINS = 20


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation of two samples (0 when either is constant)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(spearmanr(x, y).statistic)


@dataclasses.dataclass(frozen=True)
class MassQuantileMap:
    """Mass-bin edges and, per bin, the sorted scores of the training jets in it."""

    edges: np.ndarray           # (n_bins + 1,) mass quantiles of the training jets
    sorted_scores: list         # n_bins sorted float64 arrays

    def bin_of(self, mass: np.ndarray) -> np.ndarray:
        inner = self.edges[1:-1]
        return np.clip(np.searchsorted(inner, np.asarray(mass, float), side="right"), 0, len(self.sorted_scores) - 1)

    def transform(self, scores: np.ndarray, mass: np.ndarray) -> np.ndarray:
        """The decorrelated score ``F(s | m)`` in [0, 1] of each jet (mid-rank for ties)."""
        scores = np.asarray(scores, float)
        out = np.empty(len(scores))
        bins = self.bin_of(mass)
        for b, reference in enumerate(self.sorted_scores):
            here = bins == b
            if not here.any():
                continue
            below = np.searchsorted(reference, scores[here], side="left")
            at_most = np.searchsorted(reference, scores[here], side="right")
            out[here] = 0.5 * (below + at_most) / len(reference)
        return out


def fit_mass_quantiles(scores: np.ndarray, mass: np.ndarray, n_bins: int = MASS_BINS) -> MassQuantileMap:
    """The conditional-quantile map from the training jets' ``scores`` and ``mass`` (equal-count bins)."""
    scores, mass = np.asarray(scores, float), np.asarray(mass, float)
    n_bins = int(max(1, min(n_bins, len(scores) // 10)))
    edges = np.quantile(mass, np.linspace(0.0, 1.0, n_bins + 1))
    provisional = MassQuantileMap(edges, [np.empty(0)] * n_bins)
    bins = provisional.bin_of(mass)
    sorted_scores = [np.sort(scores[bins == b]) for b in range(n_bins)]
    # a bin without training jets (tied masses) borrows the whole sample
    sorted_scores = [s if len(s) else np.sort(scores) for s in sorted_scores]
    return MassQuantileMap(edges, sorted_scores)
