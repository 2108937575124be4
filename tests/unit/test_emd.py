"""Exact pairwise EMDs (ganplify_core.vae.emd) against POT's ot.emd2 and an independent linear program."""

from __future__ import annotations

import numpy as np
import ot
import pytest
from scipy.optimize import linprog
from scipy.spatial.distance import squareform

from ganplify_core.errors import InputError
from ganplify_core.vae.emd import _compact, _compiled_kernel, emd, jet_weights_positions, pairwise_emd, row_chunks


def random_jets(rng, n_jets, n_slots, normalise=True):
    """Jets with 1…n_slots particles, the padding (pT 0) in random slots, positions NaN there."""
    pt = rng.exponential(size=(n_jets, n_slots))
    for k in range(n_jets):
        pt[k, rng.permutation(n_slots)[: rng.integers(0, n_slots)]] = 0.0
    eta, phi = rng.normal(scale=0.3, size=(2, n_jets, n_slots))
    eta[pt == 0] = np.nan
    return jet_weights_positions(pt, eta, phi, normalise=normalise)


def pot_emd(a, x, b, y):
    keep_a, keep_b = a > 0, b > 0
    return ot.emd2(a[keep_a], b[keep_b], ot.dist(x[keep_a], y[keep_b], metric="euclidean"))


def linprog_emd(a, x, b, y, R):
    """Komiske-Metodiev-Thaler EMD as the LP of arXiv:1902.02346 eq. (2), solved by HiGHS."""
    a, x, b, y = a[a > 0], x[a > 0], b[b > 0], y[b > 0]
    cost = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1)) / R
    n, m = cost.shape
    rows = np.kron(np.eye(n), np.ones(m))            # Σ_j f_ij ≤ a_i
    cols = np.kron(np.ones(n), np.eye(m))            # Σ_i f_ij ≤ b_j
    result = linprog(cost.ravel(), A_ub=np.vstack([rows, cols]), b_ub=np.concatenate([a, b]),
                     A_eq=np.ones((1, n * m)), b_eq=[min(a.sum(), b.sum())], bounds=(0, None), method="highs")
    assert result.status == 0
    return result.fun + abs(a.sum() - b.sum())


@pytest.mark.parametrize("solver", ["pot", "simplex"])
def test_pairwise_emd_equals_ot_emd2_on_every_pair(solver):
    rng = np.random.default_rng(3)
    w, pos = random_jets(rng, 23, 12)
    distances = pairwise_emd(w, pos, n_threads=1, solver=solver)
    matrix = squareform(distances)
    for i in range(23):
        for j in range(i + 1, 23):
            assert matrix[i, j] == pytest.approx(pot_emd(w[i], pos[i], w[j], pos[j]), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("solver", ["pot", "simplex"])
def test_threads_and_chunks_give_the_same_answer(solver):
    rng = np.random.default_rng(4)
    w, pos = random_jets(rng, 40, 15)
    one = pairwise_emd(w, pos, n_threads=1, solver=solver)
    np.testing.assert_array_equal(one, pairwise_emd(w, pos, n_threads=2, n_chunks=7, solver=solver))
    np.testing.assert_array_equal(one, pairwise_emd(w, pos, n_threads=3, n_chunks=20, solver=solver))


def test_our_simplex_equals_pot_on_jets_and_on_degenerate_problems(monkeypatch):
    from ganplify_core.jets import get_jets

    jets = get_jets("w", 60, seed=3)
    w, pos = jet_weights_positions(np.where(jets.mask, jets.pt, 0.0), jets.eta, jets.phi)
    np.testing.assert_allclose(pairwise_emd(w, pos, solver="simplex"), pairwise_emd(w, pos, solver="pot"),
                               rtol=1e-9, atol=1e-13)
    # Degenerate: equal weights (an assignment problem, many ties), repeated positions, copies of one jet.
    rng = np.random.default_rng(8)
    uniform = np.full((12, 9), 1 / 9)
    grid = rng.integers(0, 3, size=(12, 9, 2)).astype(float) * 0.1
    grid[5] = grid[4]
    for weights in (uniform, np.where(rng.random((12, 9)) < 0.3, 0.0, 1.0)):
        weights = weights / weights.sum(1, keepdims=True)
        np.testing.assert_allclose(pairwise_emd(weights, grid, solver="simplex"),
                                   pairwise_emd(weights, grid, solver="pot"), rtol=1e-9, atol=1e-13)
    # A pair the simplex gives up on (pivot limit) is solved by POT instead.
    monkeypatch.setattr("ganplify_core.vae.emd.MAX_PIVOTS", 2)
    np.testing.assert_allclose(pairwise_emd(w[:15], pos[:15], solver="simplex"),
                               pairwise_emd(w[:15], pos[:15], solver="pot"), rtol=1e-9, atol=1e-13)


def test_unequal_totals_with_R_match_the_linear_program_and_pot():
    rng = np.random.default_rng(5)
    w, pos = random_jets(rng, 8, 9, normalise=False)
    w[2] *= 3.0  # one much harder jet
    R = 0.8
    matrix = squareform(pairwise_emd(w, pos, R=R, n_threads=2))
    for i in range(8):
        for j in range(i + 1, 8):
            assert matrix[i, j] == pytest.approx(linprog_emd(w[i], pos[i], w[j], pos[j], R), rel=1e-7)
    np.testing.assert_allclose(pairwise_emd(w, pos, R=R, solver="simplex"), squareform(matrix), rtol=1e-9)
    # The balanced case with R is the unscaled EMD / R (POT's value).
    wn, posn = random_jets(rng, 6, 9)
    np.testing.assert_allclose(pairwise_emd(wn, posn, R=0.4), pairwise_emd(wn, posn) / 0.4, rtol=1e-9)


def test_known_answers():
    # One particle each: all the weight moves the distance between them.
    assert emd([1.0], [[0.0, 0.0]], [1.0], [[0.3, 0.4]]) == pytest.approx(0.5, rel=1e-12)
    # Unequal energies: min(E) · d / R + |ΔE|.
    assert emd([2.0], [[0.0, 0.0]], [0.5], [[0.3, 0.4]], R=0.4) == pytest.approx(0.5 * 0.5 / 0.4 + 1.5, rel=1e-12)
    # Splitting one particle in two at the same place changes nothing.
    assert emd([0.5, 0.5], [[0.1, 0.1], [0.1, 0.1]], [1.0], [[0.1, 0.1]]) == pytest.approx(0.0, abs=1e-15)
    for solver in ("pot", "simplex"):
        assert emd([2.0], [[0.0, 0.0]], [0.5], [[0.3, 0.4]], R=0.4, solver=solver) == pytest.approx(2.125, rel=1e-12)
        assert emd([1.0], [[0.0, 0.0]], [1.0], [[0.3, 0.4]], solver=solver) == pytest.approx(0.5, rel=1e-12)
    # A jet against itself with its particles permuted.
    rng = np.random.default_rng(6)
    a = rng.random(7)
    x = rng.normal(size=(7, 2))
    order = rng.permutation(7)
    assert emd(a, x, a[order], x[order]) == pytest.approx(0.0, abs=1e-12)


def test_row_chunks_cover_every_row_once_with_balanced_pairs():
    chunks = row_chunks(1000, 8)
    np.testing.assert_array_equal(np.concatenate(chunks), np.arange(1000))
    pairs = [sum(999 - i for i in c) for c in chunks]
    assert sum(pairs) == 1000 * 999 // 2
    assert max(pairs) < 1.1 * min(pairs)


def test_bad_input_says_what_is_wrong():
    w = np.array([[0.5, 0.5], [1.0, 0.0]])
    pos = np.zeros((2, 2, 2))
    with pytest.raises(InputError, match="need R"):
        pairwise_emd(w * [[1.0], [2.0]], pos)
    with pytest.raises(InputError, match="≥ 0"):
        pairwise_emd(-w, pos)
    with pytest.raises(InputError, match="at least one particle"):
        pairwise_emd(np.array([[1.0, 0.0], [0.0, 0.0]]), pos)
    with pytest.raises(InputError, match="finite"):
        pairwise_emd(w, np.full((2, 2, 2), np.inf))
    with pytest.raises(InputError, match="R must be"):
        pairwise_emd(w, pos, R=-1.0)
    with pytest.raises(InputError, match="positions"):
        pairwise_emd(w, np.zeros((2, 3, 2)))
    with pytest.raises(InputError, match="solver"):
        pairwise_emd(w, pos, solver="fast")


def test_progress_reaches_one_and_a_raise_there_stops_the_work():
    rng = np.random.default_rng(7)
    w, pos = random_jets(rng, 30, 10)
    seen = []
    pairwise_emd(w, pos, progress=lambda f, m: seen.append(f), n_threads=2, n_chunks=5)
    assert seen[-1] == 1.0 and len(seen) == 5

    class Stop(Exception):
        pass

    def stop(fraction, message):
        raise Stop

    with pytest.raises(Stop):
        pairwise_emd(w, pos, progress=stop, n_threads=2, n_chunks=5)


def simplex_alone(a, x, b, y, R=None):
    """Our compiled simplex on one pair, without the POT fallback that would hide a pair it gave up on (NaN)."""
    size = max(len(a), len(b))
    pad = lambda values: np.concatenate([values, np.zeros((size - len(values),) + values.shape[1:])])  # noqa: E731
    weights, positions, counts = _compact(np.stack([pad(a), pad(b)]), np.stack([pad(x), pad(y)]))
    out = np.empty(1)
    _compiled_kernel()(weights, positions, counts, np.zeros(1, np.int64), -1.0 if R is None else R, out, 20_000)
    assert np.isfinite(out[0])
    return out[0]


def test_our_simplex_on_hard_cases_equals_ot_emd2():
    """Ties that empty a row and a column at once (the initial basis is joined by zero-flow arcs), one
    particle against many, all particles at one place, unequal sizes, identical jets; each against ot.emd2."""
    rng = np.random.default_rng(11)
    cases = []
    x = rng.normal(scale=0.3, size=(6, 2))
    cases.append((np.full(6, 1 / 6), x, np.full(6, 1 / 6), x[::-1] + 0.05))        # an assignment: all ties
    cases.append((np.full(4, 0.25), rng.normal(size=(4, 2)), np.full(2, 0.5), rng.normal(size=(2, 2))))
    cases.append((np.array([1.0]), np.zeros((1, 2)), rng.dirichlet(np.ones(9)), rng.normal(size=(9, 2))))
    cases.append((rng.dirichlet(np.ones(9)), rng.normal(size=(9, 2)), np.array([1.0]), np.ones((1, 2))))
    cases.append((rng.dirichlet(np.ones(5)), np.zeros((5, 2)), rng.dirichlet(np.ones(3)), np.zeros((3, 2))))
    grid = rng.integers(0, 3, size=(30, 2)) * 0.1                                    # repeated positions
    cases.append((rng.dirichlet(np.ones(30)), grid, rng.dirichlet(np.ones(25)), grid[:25][::-1]))
    cases.append((rng.dirichlet(np.ones(60)), rng.normal(size=(60, 2)), rng.dirichlet(np.ones(45)),
                  rng.normal(size=(45, 2))))
    for a, xa, b, xb in cases:
        expected = ot.emd2(a, b, ot.dist(xa, xb, metric="euclidean"))
        assert simplex_alone(a, xa, b, xb) == pytest.approx(expected, rel=1e-9, abs=1e-13)
        assert emd(a, xa, b, xb, solver="simplex") == pytest.approx(expected, rel=1e-9, abs=1e-13)
    a = rng.dirichlet(np.ones(12))
    x = rng.normal(size=(12, 2))
    assert simplex_alone(a, x, a, x) == pytest.approx(0.0, abs=1e-14)               # identical jets
    # Unequal totals with R: the matrix-minimum basis sees the extra particle's cells at distance R too.
    a, b = 3.0 * rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(11))
    xa, xb = rng.normal(scale=0.3, size=(7, 2)), rng.normal(scale=0.3, size=(11, 2))
    assert simplex_alone(a, xa, b, xb, R=0.4) == pytest.approx(linprog_emd(a, xa, b, xb, 0.4), rel=1e-7)
