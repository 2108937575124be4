"""Duplicates: thresholds from training pairs, and the duplicate pairs of a pool of showers.

Definition (Jaruskova & Vallecorsa 2020, slide "Definition of duplicates"):

1. compute each distance over pairs of training showers (the simulator, "GEANT4" in the seed);
2. its α-quantile (α = 0.02 by default, or 0.05) is the threshold; for SSIM, where *high* means
   similar, the (1 − α)-quantile;
3. a pair is a duplicate when it passes the threshold of *every* selected feature: JS divergence of
   the x, y and z shower shapes ≤ threshold, relative energy difference ≤ threshold, SSIM ≥ threshold.

Feature sets, as the seed's three result plots: ``shapes`` (a), ``shapes+energy`` (b),
``shapes+energy+ssim`` (c).

Speed: the pool's M(M − 1)/2 pairs are screened densely (in row blocks) by the cheapest distance only;
the other shape/energy distances run on the survivors; SSIM, by far the most expensive, runs only on
pairs that passed every cheaper threshold. A pair's decision is an AND over features, so skipping SSIM
for a pair that already failed cannot change it: :func:`duplicate_pairs_all_features` evaluates every
distance on every pair to show (in the tests) that the decisions are identical.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch

from ganplify_core.birthday import distances
from ganplify_core.birthday.features import ShowerFeatures
from ganplify_core.errors import InputError

FEATURE_SETS = {
    "shapes": ("shape_x", "shape_y", "shape_z"),
    "shapes+energy": ("energy", "shape_x", "shape_y", "shape_z"),
    "shapes+energy+ssim": ("energy", "shape_x", "shape_y", "shape_z", "ssim"),
}
ALPHAS = (0.02, 0.05)

# Pairs of training showers used for the SSIM threshold: the (1 − α)-quantile of a random sample of
# pairs (the cheap distances use every pair).
SSIM_THRESHOLD_PAIRS = 5_000
THRESHOLD_PAIRS = 200_000
# The dense screen keeps pairs within this factor of every cheap threshold: the near misses that fill
# the "most similar pairs" when a pool has few duplicates.
SIMILAR_SLACK = 1.5


@dataclasses.dataclass(frozen=True)
class DuplicateThresholds:
    """Per-feature thresholds; ``values[f]`` is an upper bound on a distance, a lower bound for SSIM.

    ``data_range`` is the SSIM data range L (the largest cell energy among the training showers, GeV).
    """

    features: tuple[str, ...]
    values: tuple[float, ...]
    alpha: float
    data_range: float

    def value(self, feature: str) -> float:
        return self.values[self.features.index(feature)]


def feature_names(feature_set: str) -> tuple[str, ...]:
    """The features of a feature set, cheapest first."""
    if feature_set not in FEATURE_SETS:
        raise InputError(f"features must be one of {', '.join(FEATURE_SETS)}, got {feature_set!r}")
    return FEATURE_SETS[feature_set]


def subset(thresholds: DuplicateThresholds, feature_set: str) -> DuplicateThresholds:
    """The thresholds of one definition, taken from thresholds fitted for more features (the same values:
    each feature's threshold is its own quantile, whatever the set)."""
    names = feature_names(feature_set)
    return dataclasses.replace(thresholds, features=names, values=tuple(thresholds.value(f) for f in names))


def _shape_index(feature: str) -> int:
    return "xyz".index(feature[-1])


def pair_distances(features: ShowerFeatures, feature: str, i: torch.Tensor, j: torch.Tensor,
                   ssim_stats: distances.SsimStatistics | None = None) -> torch.Tensor:
    """Distance ``feature`` between showers ``i[e]`` and ``j[e]`` for each pair (SSIM: the similarity)."""
    if feature == "energy":
        return distances.relative_energy_difference(features.energy[i], features.energy[j])
    if feature.startswith("shape_"):
        return distances.js_divergence_pairs(features.shapes[_shape_index(feature)], i, j)
    if feature == "ssim":
        return distances.ssim_pairs(features.images, ssim_stats, i, j)
    raise ValueError(f"unknown feature {feature!r}")


def _screen_block(features: ShowerFeatures, roots: tuple[torch.Tensor, ...], thresholds: DuplicateThresholds,
                  rows: slice, columns: slice, slack: float) -> torch.Tensor:
    """Pairs rows × columns: False where a pair surely fails some cheap threshold (× ``slack``).

    Energy is exact. For shapes a lower bound replaces the JS divergence: per cell, with S = P + Q and
    δ = (P − Q)/S, the JS term is (S/4) [(1+δ) ln(1+δ) + (1−δ) ln(1−δ)] ≥ S δ²/4, so
    D_JS ≥ ¼ Σ (P − Q)²/(P + Q) ≥ ¼ H², with the squared Hellinger distance
    H² = Σ (√P − √Q)² = ΣP + ΣQ − 2 √P·√Q a matrix product (``roots`` = √shapes): no logarithm per
    pair and cell. A pair with ¼ H² above a threshold cannot pass it.
    """
    keep = None
    for feature in thresholds.features:
        if feature == "ssim":
            continue
        limit = slack * thresholds.value(feature)
        if feature == "energy":
            ok = distances.relative_energy_difference(features.energy[rows, None], features.energy[None, columns]) <= limit
        else:
            axis = _shape_index(feature)
            sums = features.shapes[axis].sum(dim=1)
            hellinger_sq = sums[rows, None] + sums[None, columns] - 2 * roots[axis][rows] @ roots[axis][columns].T
            ok = 0.25 * hellinger_sq <= limit * (1 + 1e-9) + 1e-12
        keep = ok if keep is None else keep & ok
    return keep


def passes(feature: str, distance: torch.Tensor, threshold: float) -> torch.Tensor:
    """Whether a distance passes its threshold (SSIM: at least; the others: at most)."""
    return distance >= threshold if feature == "ssim" else distance <= threshold


def fit_thresholds(train: ShowerFeatures, feature_set: str, alpha: float, seed: int = 0) -> DuplicateThresholds:
    """α-quantiles (SSIM: (1 − α)) of each distance over pairs of training showers.

    The quantiles are taken over a random sample of the n(n − 1)/2 pairs: :data:`THRESHOLD_PAIRS` for
    the shapes and energy (all pairs when there are fewer), :data:`SSIM_THRESHOLD_PAIRS` for SSIM.
    """
    if not 0 < alpha < 0.5:
        raise InputError(f"alpha must be in (0, 0.5), got {alpha}")
    n = len(train)
    if n < 3:
        raise InputError(f"need at least 3 training showers for thresholds, got {n}")
    names = feature_names(feature_set)
    i, j = torch.triu_indices(n, n, offset=1, device=train.energy.device)
    rng = np.random.default_rng(seed)
    pick = torch.as_tensor(rng.permutation(len(i))[:THRESHOLD_PAIRS], device=i.device)
    i, j = i[pick], j[pick]
    data_range = float(train.images.max())
    values = []
    for feature in names:
        if feature == "ssim":
            stats = distances.ssim_statistics(train.images, data_range)
            d = pair_distances(train, feature, i[:SSIM_THRESHOLD_PAIRS], j[:SSIM_THRESHOLD_PAIRS], stats)
            values.append(float(np.quantile(d.cpu().numpy(), 1 - alpha)))
        else:
            d = pair_distances(train, feature, i, j)
            values.append(float(np.quantile(d.cpu().numpy(), alpha)))
    return DuplicateThresholds(features=names, values=tuple(values), alpha=float(alpha), data_range=data_range)


@dataclasses.dataclass(frozen=True)
class DuplicateSearch:
    """The duplicate pairs of a pool, and its most similar pairs (duplicates or not).

    Attributes
    ----------
    i, j : int64 (D,) the duplicate pairs, i < j.
    n_pairs : M(M − 1)/2, the number of pairs in the pool.
    n_ssim_evaluations : how many pairs needed SSIM (0 without SSIM).
    similar_i, similar_j : int64 (k,) the most similar pairs, most similar first.
    similar_score : float64 (k,) max over features of the distance in units of its threshold
        (SSIM: (1 − SSIM)/(1 − threshold)); about 1 or less for a duplicate.
    """

    i: np.ndarray
    j: np.ndarray
    n_pairs: int
    n_ssim_evaluations: int
    similar_i: np.ndarray
    similar_j: np.ndarray
    similar_score: np.ndarray


def _normalised(feature: str, distance: torch.Tensor, threshold: float) -> torch.Tensor:
    if feature == "ssim":
        return (1 - distance) / max(1 - threshold, 1e-12)
    return distance / max(threshold, 1e-300)


def find_duplicates(features: ShowerFeatures, thresholds: DuplicateThresholds, n_similar: int = 4) -> DuplicateSearch:
    """All duplicate pairs of a pool, cheapest feature first, SSIM only where everything else passed.

    Parameters
    ----------
    features : the pool's features (M showers).
    thresholds : from :func:`fit_thresholds`.
    n_similar : how many most similar pairs to return (for the visual check).
    """
    n = len(features)
    names = thresholds.features
    cheap = [f for f in names if f != "ssim"]
    # 1. Dense screen of the M(M − 1)/2 pairs in row blocks (memory ≈ rows × M): exact energy
    #    difference, and a lower bound of each shape's JS divergence that costs a matrix product.
    #    The screen is looser than the thresholds (× SIMILAR_SLACK), so it loses no duplicate and
    #    keeps the near misses for the "most similar pairs".
    rows = max(1, distances.CHUNK_ELEMENTS // max(1, 4 * n))
    roots = tuple(shape.sqrt() for shape in features.shapes)
    cand_i, cand_j = [], []
    for a in range(0, n, rows):
        b = min(a + rows, n)
        keep = torch.triu(_screen_block(features, roots, thresholds, slice(a, b), slice(a, n), SIMILAR_SLACK), diagonal=1)
        ii, jj = torch.nonzero(keep, as_tuple=True)
        cand_i.append(ii + a)
        cand_j.append(jj + a)
    i, j = torch.cat(cand_i), torch.cat(cand_j)
    # 2. Exact cheap distances on the survivors, one feature after the other, each dropping the pairs
    #    beyond SIMILAR_SLACK × its threshold before the next runs. Decisions compare with the
    #    thresholds directly; the score (distance in units of its threshold) only ranks pairs.
    score = torch.zeros(len(i), dtype=torch.float64, device=i.device)
    duplicate = torch.ones(len(i), dtype=torch.bool, device=i.device)
    for feature in cheap:
        t = thresholds.value(feature)
        d = pair_distances(features, feature, i, j)
        normalised = _normalised(feature, d, t)
        near = normalised <= SIMILAR_SLACK
        i, j, score = i[near], j[near], torch.maximum(score[near], normalised[near])
        duplicate = duplicate[near] & passes(feature, d[near], t)
    # 3. SSIM on the pairs that passed every cheap threshold, and on the few best-ranked candidates
    #    (so that the "most similar pairs" are ranked by every feature too).
    n_ssim = 0
    if "ssim" in names:
        t_ssim = thresholds.value("ssim")
        need = duplicate.clone()
        if n_similar:
            need[torch.argsort(score)[: 4 * n_similar]] = True
        idx = torch.nonzero(need, as_tuple=True)[0]
        if len(idx):
            # Per-image statistics only for the images that appear in these pairs.
            involved, local = torch.unique(torch.cat([i[idx], j[idx]]), return_inverse=True)
            stats = distances.ssim_statistics(features.images[involved], thresholds.data_range)
            ssim = distances.ssim_pairs(features.images[involved], stats, local[: len(idx)], local[len(idx):])
        else:  # no pair passed the cheaper features: nothing to compare
            ssim = torch.empty(0, dtype=torch.float32, device=i.device)
        n_ssim = len(idx)
        duplicate_ssim = torch.zeros_like(duplicate)
        duplicate_ssim[idx] = passes("ssim", ssim, t_ssim)
        duplicate &= duplicate_ssim
        full = torch.full_like(score, math.inf)
        full[idx] = torch.maximum(score[idx], _normalised("ssim", ssim, t_ssim))
        score = full
    order = torch.argsort(score)[:n_similar]
    order = order[torch.isfinite(score[order])]
    to_np = lambda t: t.cpu().numpy()
    return DuplicateSearch(
        i=to_np(i[duplicate]).astype(np.int64), j=to_np(j[duplicate]).astype(np.int64),
        n_pairs=n * (n - 1) // 2, n_ssim_evaluations=n_ssim,
        similar_i=to_np(i[order]).astype(np.int64), similar_j=to_np(j[order]).astype(np.int64),
        similar_score=to_np(score[order]).astype(np.float64),
    )


def duplicate_pairs_all_features(features: ShowerFeatures, thresholds: DuplicateThresholds) -> tuple[np.ndarray, np.ndarray]:
    """Reference: every distance (SSIM included) on every pair, then the AND. Small pools only."""
    n = len(features)
    i, j = torch.triu_indices(n, n, offset=1, device=features.energy.device)
    stats = distances.ssim_statistics(features.images, thresholds.data_range) if "ssim" in thresholds.features else None
    duplicate = torch.ones(len(i), dtype=torch.bool, device=i.device)
    for feature, value in zip(thresholds.features, thresholds.values):
        duplicate &= passes(feature, pair_distances(features, feature, i, j, stats), value)
    return i[duplicate].cpu().numpy().astype(np.int64), j[duplicate].cpu().numpy().astype(np.int64)
