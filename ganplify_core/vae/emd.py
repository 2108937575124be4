"""Exact energy mover's distances between all pairs of jets, fast: a compiled simplex (or POT's) on threads.

The EMD between two jets (Komiske, Metodiev & Thaler, Phys. Rev. Lett. 123 (2019) 041801,
arXiv:1902.02346) is

    EMD(E, E') = min_f Σ_ij f_ij d_ij / R + |Σ_i E_i − Σ_j E'_j|,   d_ij = ΔR_ij in (η, φ),
    f_ij ≥ 0,  Σ_j f_ij ≤ E_i,  Σ_i f_ij ≤ E'_j,  Σ_ij f_ij = min(Σ E, Σ E').

For jets of equal total weight (normalised pT, what the correlation dimension uses) the last term is zero
and ``R`` only scales the answer; :func:`pairwise_emd` then returns ``min Σ f_ij d_ij`` (ΔR units, no R),
exactly ``ot.emd2``'s value. With ``R`` given, unequal totals are allowed: the lighter jet gets one
extra particle carrying the difference at distance R from every particle (the construction of the
``wasserstein`` package), which turns the problem into a balanced one with the same optimum.

Where the time goes, and what this module does about it (``benchmarks/bench_emd.py`` measures it):

* Solving each 40×40 problem is most of the cost. Two exact solvers:

  * ``solver="pot"``: POT's C++ network simplex (``ot.lp.emd_wrap.emd_c``), called directly, without
    ``ot.emd2``'s Python-side conversions and checks. Cost matrices are built with numpy for a block of
    pairs at once (one row jet against ``BLOCK`` column jets) over all particle slots: zero weights are
    dropped inside the C++ wrapper, so every per-pair argument is a contiguous view.
  * ``solver="simplex"``: our transportation simplex (:func:`_rows_kernel`), compiled by numba; a whole
    chunk of pairs is one compiled call, cost matrices included, with no allocation per pair. On one
    thread it takes about 0.4× the bare ``emd_c``'s CPU time per pair of W jets (``bench_emd.py --profile
    150``; 0.65-0.73× before the changes below), about 105 pivots per 40×40 pair. Where its time goes (a
    copy of the kernel stopped after each phase): the pivots about two thirds, the initial basis a
    quarter, the cost matrices and the first tree the rest. What made it cheaper, measured in one run
    each against ``emd_c``:

    - the matrix-minimum initial basis (the cheapest cell with weight left on both sides, taken
      lazily: each row keeps its cheapest open column until that column empties) instead of the row
      minimum: 30 % fewer pivots, for a basis that costs three times as much to build;
    - pricing whole rows, each row's minimum of ``C_pq − v_q`` taken with four independent running
      minima and its column found afterwards, instead of cell by cell with the argmin kept in the loop;
    - one potential array (u for rows, −v for columns) and each arc's two ends summed, so that tree
      walks need no branch on the node's side; no union-find unless ties left the first forest short
      of a tree (each greedy step empties a row or a column, so it never closes a cycle).

    Tried and not kept: pricing 2-3 rows per pivot (fewer pivots, same time); a row-minimum basis in
    the order of each row's cheapest cell (more pivots than the matrix minimum); numba's fastmath
    flags that cannot change a rounding (``nnan``, ``ninf``, ``nsz``: LLVM still does not vectorise
    the minima); contiguous copies of the column jet's coordinates for the cost matrix (within noise).
    Its first compilation takes about 11 CPU-s; later processes load it from numba's cache (0.5 CPU-s).
  * ``solver="auto"`` (the default) uses ours from ``SIMPLEX_FROM_PAIRS`` pairs.

* Both release the GIL, so the pairs are spread over threads of this process, not worker processes: no
  process start, no import of torch in a worker, no pickling of the jets.
* With ``GANPLIFY_DASK_SCHEDULER`` set, the row chunks go to the Dask cluster instead (POT's solver,
  :func:`ganplify_core.sweeps.run_sweep`).
"""

from __future__ import annotations

import concurrent.futures
import functools

import numpy as np

from ganplify_core.errors import InputError
from ganplify_core.training import Progress, no_progress

try:
    from ot.lp.emd_wrap import emd_c as _emd_c
except ImportError:  # pragma: no cover - POT moved its wrapper
    _emd_c = None

BLOCK = 16           # column jets whose cost matrices are built at once for one row jet (fits in cache)
MAX_ITERATIONS = 1_000_000  # network-simplex pivots; a 50×50 problem needs a few hundred
_OPTIMAL = 1         # POT's result code for an optimal solution
MAX_PIVOTS = 20_000  # our simplex gives a pair back to POT after this many pivots (50×50 jets need about 200)
SIMPLEX_FROM_PAIRS = 20_000  # solver="auto": our compiled simplex from this many pairs (its first compilation
                             # takes seconds; then numba's disk cache loads it), POT's below
SOLVERS = ("auto", "simplex", "pot")


def _solve(a: np.ndarray, b: np.ndarray, cost: np.ndarray) -> float:
    """min Σ T_ij cost_ij over transport plans T with marginals a and b (equal totals; zeros allowed)."""
    if _emd_c is None:  # pragma: no cover - other POT versions
        import ot

        return float(ot.emd2(a, b, cost, check_marginals=False, numItermax=MAX_ITERATIONS))
    result = _emd_c(a, b, cost, MAX_ITERATIONS, 1)
    if result[4] != _OPTIMAL:
        raise RuntimeError(f"the network simplex stopped without an optimum (POT result code {result[4]})")
    return float(result[1])


def emd(a: np.ndarray, x: np.ndarray, b: np.ndarray, y: np.ndarray, R: float | None = None,
        solver: str = "pot") -> float:
    """Exact EMD between one pair of weighted point sets (weights ``a``, ``b``; positions ``x``, ``y`` (k, d)).

    Without ``R`` the totals must be equal and the value is ``min Σ f_ij |x_i − y_j|``; with ``R`` it is
    ``min Σ f_ij |x_i − y_j| / R + |Σa − Σb|``.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    size = max(len(a), len(b))
    return float(pairwise_emd(np.stack([_pad(a, size), _pad(b, size)]), np.stack([_pad(x, size), _pad(y, size)]),
                              R=R, n_threads=1, solver=solver)[0])


def _pad(values: np.ndarray, size: int) -> np.ndarray:
    return np.concatenate([values, np.zeros((size - len(values),) + values.shape[1:])])


def _costs(x: np.ndarray, columns: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Euclidean distances of the k_i points ``x`` to each jet's k slots: ``columns`` (d, m, k) → ``out`` (m, k_i, k)."""
    np.subtract(x[None, :, None, 0], columns[0][:, None, :], out=out)
    out *= out
    square = np.empty_like(out)
    for axis in range(1, x.shape[1]):
        np.subtract(x[None, :, None, axis], columns[axis][:, None, :], out=square)
        square *= square
        out += square
    return np.sqrt(out, out=out)


def _row_block(weights: np.ndarray, positions: np.ndarray, rows: np.ndarray, R: float | None) -> np.ndarray:
    """EMDs of each jet ``i`` in ``rows`` to every jet ``j > i``, concatenated in ``pdist`` order.

    ``weights`` (n, k) may hold zeros (padding, in any slot); ``positions`` (n, k, d).
    """
    n, k = weights.shape
    totals = weights.sum(1)
    columns = np.ascontiguousarray(np.moveaxis(positions, -1, 0))  # (d, n, k): one coordinate's slots contiguous
    out = np.empty(sum(n - 1 - int(i) for i in rows))
    at = 0
    extra = R is not None
    a_buffer = np.zeros(k + extra)
    b_buffer = np.zeros(k + extra)
    for i in rows:
        i = int(i)
        keep = np.flatnonzero(weights[i] > 0)
        a = np.ascontiguousarray(weights[i, keep])
        x = positions[i, keep]
        k_i = len(keep)
        for start in range(i + 1, n, BLOCK):
            stop = min(n, start + BLOCK)
            if not extra:
                costs = _costs(x, columns[:, start:stop], np.empty((stop - start, k_i, k)))
                for offset, j in enumerate(range(start, stop)):
                    out[at] = _solve(a, weights[j], costs[offset])
                    at += 1
                continue
            costs = np.full((stop - start, k_i + 1, k + 1), float(R))
            costs[:, :k_i, :k] = _costs(x, columns[:, start:stop], np.empty((stop - start, k_i, k)))
            costs[:, k_i, k] = 0.0
            a_buffer[:k_i] = a
            for offset, j in enumerate(range(start, stop)):
                difference = totals[j] - totals[i]
                a_buffer[k_i] = max(difference, 0.0)   # the lighter jet gets the missing weight at distance R
                b_buffer[:k] = weights[j]
                b_buffer[k] = max(-difference, 0.0)
                out[at] = _solve(a_buffer[:k_i + 1], b_buffer, costs[offset]) / R  # the dummy adds |ΔE|·R
                at += 1
    return out


# -- our transportation simplex, compiled by numba (solver="simplex") ------------------------------------------

def _rows_kernel(weights, positions, counts, rows, R, out, max_pivots):  # pragma: no cover - compiled by numba
    """Exact EMDs of each jet i in ``rows`` to every j > i into ``out`` (pdist order); NaN where it gave up.

    A transportation simplex: a matrix-minimum initial basis (the cheapest cell with weight left on both
    sides first; zero-flow arcs join a forest into a spanning tree where ties left one), row-wise pricing,
    and the basis tree kept with parent arcs, depths and adjacency lists; after a pivot only the re-hung
    subtree's potentials, parents and depths change. Returns the number of pivots.
    ``weights`` (n, K) hold each jet's particles first (``counts``), ``positions`` (n, K, d). ``R`` > 0:
    unequal totals, the lighter jet gets one particle carrying the difference at distance R.
    """
    BIG = 1e300                    # larger than any cost: "none" in a minimum

    def lowest(values, offsets, base, count):
        """min over k < count of values[k] + offsets[base + k]."""
        m0 = m1 = m2 = m3 = BIG
        k = 0
        while k + 4 <= count:
            x0 = values[k] + offsets[base + k]
            x1 = values[k + 1] + offsets[base + k + 1]
            x2 = values[k + 2] + offsets[base + k + 2]
            x3 = values[k + 3] + offsets[base + k + 3]
            m0 = x0 if x0 < m0 else m0
            m1 = x1 if x1 < m1 else m1
            m2 = x2 if x2 < m2 else m2
            m3 = x3 if x3 < m3 else m3
            k += 4
        while k < count:
            x0 = values[k] + offsets[base + k]
            m0 = x0 if x0 < m0 else m0
            k += 1
        m0 = m1 if m1 < m0 else m0
        m2 = m3 if m3 < m2 else m2
        return m2 if m2 < m0 else m0

    def first_at(values, offsets, base, count, value):
        """The first k with values[k] + offsets[base + k] == value (``value`` from ``lowest``: the same sum)."""
        k = 0
        while k < count - 1 and values[k] + offsets[base + k] != value:
            k += 1
        return k

    n_jets, K = weights.shape
    d = positions.shape[2]
    S = K + 1                      # the most nodes on one side (an extra one for R)
    N = 2 * S
    a = np.empty(S)
    b = np.empty(S)
    C = np.empty((S, S))
    ra = np.empty(S)               # weight left in the initial basis
    rb = np.empty(S)
    closed = np.empty(S)           # 0 for a column with weight left, BIG once it has none (added to its costs)
    zero = np.zeros(S)
    row_min = np.empty(S)          # each row's cheapest open column's cost (a lower bound once stale) ...
    row_arg = np.empty(S, np.int64)  # ... and that column
    uf = np.empty(N, np.int64)
    br = np.empty(N, np.int64)     # the basic arcs: row, column, flow, and row + n + column (other end = ends − one)
    bc = np.empty(N, np.int64)
    bx = np.empty(N)
    ends = np.empty(N, np.int64)
    adj = np.empty((N, S), np.int64)
    cnt = np.empty(N, np.int64)
    pot = np.empty(N)              # potentials: u_p for row p, −v_q for column q (node n + q)
    parent_arc = np.empty(N, np.int64)
    depth = np.empty(N, np.int64)
    queue = np.empty(N, np.int64)
    path_a = np.empty(N, np.int64)
    path_b = np.empty(N, np.int64)
    totals = weights.sum(axis=1)
    all_pivots = 0
    at = 0
    for i in rows:
        for j in range(i + 1, n_jets):
            # -- the problem: a (n), b (m), C (n × m) --
            n = counts[i]
            m = counts[j]
            for p in range(n):
                a[p] = weights[i, p]
                for q in range(m):
                    s2 = 0.0
                    for k in range(d):
                        diff = positions[i, p, k] - positions[j, q, k]
                        s2 += diff * diff
                    C[p, q] = np.sqrt(s2)
            for q in range(m):
                b[q] = weights[j, q]
            scale = 1.0
            if R > 0.0:
                scale = R
                difference = totals[j] - totals[i]
                if difference > 0.0:      # jet i is lighter: a particle at distance R carries the rest
                    a[n] = difference
                    for q in range(m):
                        C[n, q] = R
                    n += 1
                elif difference < 0.0:
                    b[m] = -difference
                    for p in range(n):
                        C[p, m] = R
                    m += 1
            nodes = n + m
            # -- initial basis: the matrix minimum. Each step joins a row and a column that both have weight
            # left and empties one of them, so the arcs never close a cycle: they form a forest. --
            for q in range(m):
                rb[q] = b[q]
                closed[q] = 0.0
            for p in range(n):
                ra[p] = a[p]
                row_min[p] = lowest(C[p], closed, 0, m)
                row_arg[p] = first_at(C[p], closed, 0, m, row_min[p])
            nb = 0
            while True:
                cheapest = lowest(row_min, zero, 0, n)
                if cheapest >= BIG:
                    break
                p = first_at(row_min, zero, 0, n, cheapest)
                q = row_arg[p]
                if closed[q] > 0.0:  # that column emptied since: the row's cheapest open one again
                    row_min[p] = lowest(C[p], closed, 0, m)
                    row_arg[p] = first_at(C[p], closed, 0, m, row_min[p])
                    continue
                if ra[p] <= rb[q]:
                    flow = ra[p]
                    rb[q] -= flow
                    ra[p] = 0.0
                    row_min[p] = BIG
                    if rb[q] <= 0.0:
                        closed[q] = BIG
                else:
                    flow = rb[q]
                    ra[p] -= flow
                    rb[q] = 0.0
                    closed[q] = BIG
                br[nb] = p
                bc[nb] = q
                bx[nb] = flow
                nb += 1
            if nb < nodes - 1:  # ties emptied a row and a column at once: join the forest by zero-flow arcs
                for x in range(nodes):
                    uf[x] = x
                for e in range(nb):
                    root_p = br[e]
                    while uf[root_p] != root_p:
                        root_p = uf[root_p]
                    root_q = n + bc[e]
                    while uf[root_q] != root_q:
                        root_q = uf[root_q]
                    uf[root_p] = root_q
                for x in range(1, nodes):
                    root_x = x
                    while uf[root_x] != root_x:
                        root_x = uf[root_x]
                    root_0 = 0
                    while uf[root_0] != root_0:
                        root_0 = uf[root_0]
                    if root_x != root_0:
                        # join x's tree to node 0's: row x to column 0's ... any node of the other side in 0's tree
                        partner = -1
                        lo = n if x < n else 0
                        hi = nodes if x < n else n
                        for y in range(lo, hi):
                            root_y = y
                            while uf[root_y] != root_y:
                                root_y = uf[root_y]
                            if root_y == root_0:
                                partner = y
                                break
                        if partner < 0:      # 0's tree has no node of the other side yet: node 0 is a lone row
                            partner = 0 if x >= n else -1
                        if partner < 0:      # x is a row and 0's tree is row 0 alone: join via x's tree
                            continue
                        uf[root_x] = root_0
                        if x < n:
                            br[nb] = x
                            bc[nb] = partner - n
                        else:
                            br[nb] = partner
                            bc[nb] = x - n
                        bx[nb] = 0.0
                        nb += 1
            if nb != nodes - 1:
                out[at] = np.nan
                at += 1
                continue
            # -- the tree: adjacency lists, then parents, depths and potentials from node 0 --
            for x in range(nodes):
                cnt[x] = 0
            for e in range(nb):
                x = br[e]
                adj[x, cnt[x]] = e
                cnt[x] += 1
                y = n + bc[e]
                adj[y, cnt[y]] = e
                cnt[y] += 1
            parent_arc[0] = -1
            depth[0] = 0
            pot[0] = 0.0
            for e in range(nb):
                ends[e] = br[e] + n + bc[e]
            queue[0] = 0
            head = 0
            tail = 1
            while head < tail:
                x = queue[head]
                head += 1
                for t in range(cnt[x]):
                    e = adj[x, t]
                    if e == parent_arc[x]:
                        continue
                    y = ends[e] - x
                    depth[y] = depth[x] + 1
                    parent_arc[y] = e
                    if y >= n:
                        pot[y] = pot[x] - C[x, y - n]
                    else:
                        pot[y] = C[y, x - n] + pot[x]
                    queue[tail] = y
                    tail += 1
            largest = 0.0
            for p in range(n):
                for q in range(m):
                    if C[p, q] > largest:
                        largest = C[p, q]
            tolerance = 1e-13 * largest
            cells = n * m
            block_rows = max(1, max(int(1.5 * np.sqrt(cells)), 8) // m)  # rows priced per pivot at least
            position = 0
            pivots = 0
            failed = False
            while True:
                # -- pricing: the most negative reduced cost C_pq − u_p − v_q in the first rows that have one --
                enter_p = -1
                best_low = 0.0
                best = -tolerance
                scanned = 0
                rp = position
                while scanned < n:
                    low = lowest(C[rp], pot, n, m)
                    reduced = low - pot[rp]
                    if reduced < best:
                        best = reduced
                        enter_p = rp
                        best_low = low
                    scanned += 1
                    rp += 1
                    if rp == n:
                        rp = 0
                    if enter_p >= 0 and scanned >= block_rows:
                        break
                if enter_p < 0:
                    break
                position = rp
                enter_q = first_at(C[enter_p], pot, n, m, best_low)
                pivots += 1
                if pivots > max_pivots:
                    failed = True
                    break
                # -- the cycle: the tree paths from row enter_p and column enter_q to their common ancestor --
                x = enter_p
                y = n + enter_q
                pa = 0
                pb = 0
                while depth[x] > depth[y]:
                    e = parent_arc[x]
                    path_a[pa] = e
                    pa += 1
                    x = ends[e] - x
                while depth[y] > depth[x]:
                    e = parent_arc[y]
                    path_b[pb] = e
                    pb += 1
                    y = ends[e] - y
                while x != y:
                    e = parent_arc[x]
                    path_a[pa] = e
                    pa += 1
                    x = ends[e] - x
                    e = parent_arc[y]
                    path_b[pb] = e
                    pb += 1
                    y = ends[e] - y
                # path_b[t] sits at place t + 1 of the cycle (odd places lose flow), path_a[s] at pb + pa − s
                theta = BIG
                leave = -1
                leave_in_a = False
                for t in range(0, pb, 2):
                    e = path_b[t]
                    if bx[e] < theta:
                        theta = bx[e]
                        leave = e
                        leave_in_a = False
                for s in range(pa):
                    if (pb + pa - s) % 2 == 1:
                        e = path_a[s]
                        if bx[e] < theta:
                            theta = bx[e]
                            leave = e
                            leave_in_a = True
                for t in range(pb):
                    e = path_b[t]
                    if t % 2 == 0:
                        bx[e] -= theta
                    else:
                        bx[e] += theta
                for s in range(pa):
                    e = path_a[s]
                    if (pb + pa - s) % 2 == 1:
                        bx[e] -= theta
                    else:
                        bx[e] += theta
                # -- swap the arcs: the entering one takes the leaving one's slot --
                for z in (br[leave], n + bc[leave]):
                    for t in range(cnt[z]):
                        if adj[z, t] == leave:
                            cnt[z] -= 1
                            adj[z, t] = adj[z, cnt[z]]
                            break
                br[leave] = enter_p
                bc[leave] = enter_q
                bx[leave] = theta
                ends[leave] = enter_p + n + enter_q
                adj[enter_p, cnt[enter_p]] = leave
                cnt[enter_p] += 1
                adj[n + enter_q, cnt[n + enter_q]] = leave
                cnt[n + enter_q] += 1
                # -- re-hang the cut-off subtree below the entering arc; shift its potentials --
                reduced = C[enter_p, enter_q] - pot[enter_p] + pot[n + enter_q]
                if leave_in_a:
                    start = enter_p
                    depth[start] = depth[n + enter_q] + 1
                    shift = reduced
                    pot[start] += shift
                else:
                    start = n + enter_q
                    depth[start] = depth[enter_p] + 1
                    shift = -reduced
                    pot[start] += shift
                parent_arc[start] = leave
                queue[0] = start
                head = 0
                tail = 1
                while head < tail:
                    x = queue[head]
                    head += 1
                    for t in range(cnt[x]):
                        e = adj[x, t]
                        if e == parent_arc[x]:
                            continue
                        y = ends[e] - x
                        parent_arc[y] = e
                        depth[y] = depth[x] + 1
                        pot[y] += shift
                        queue[tail] = y
                        tail += 1
            all_pivots += pivots
            if failed:
                out[at] = np.nan
            else:
                total = 0.0
                for e in range(nb):
                    total += bx[e] * C[br[e], bc[e]]
                out[at] = total / scale
            at += 1
    return all_pivots


@functools.cache
def _compiled_kernel():
    """:func:`_rows_kernel` compiled by numba (cached on disk beside this file), or None without numba."""
    try:
        import numba
    except ImportError:  # pragma: no cover - numba comes with umap-learn
        return None
    return numba.njit(cache=True, nogil=True)(_rows_kernel)


def _compact(weights: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each jet's particles first, padding last: (weights, positions, counts) for the kernel."""
    order = np.argsort(weights <= 0, axis=1, kind="stable")
    compact_weights = np.ascontiguousarray(np.take_along_axis(weights, order, axis=1))
    compact_positions = np.ascontiguousarray(np.take_along_axis(positions, order[..., None], axis=1))
    return compact_weights, compact_positions, (compact_weights > 0).sum(1).astype(np.int64)


def _row_block_simplex(weights: np.ndarray, positions: np.ndarray, counts: np.ndarray, rows: np.ndarray,
                       R: float | None) -> np.ndarray:
    """:func:`_row_block` with our compiled simplex (compacted jets); POT redoes any pair it gave up on."""
    n = len(weights)
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty(sum(n - 1 - int(i) for i in rows))
    _compiled_kernel()(weights, positions, counts, rows, -1.0 if R is None else float(R), out, MAX_PIVOTS)
    failed = np.flatnonzero(np.isnan(out))
    if len(failed):
        starts = np.concatenate([[0], np.cumsum([n - 1 - int(i) for i in rows])])
        for index in failed:
            block = int(np.searchsorted(starts, index, side="right")) - 1
            i = int(rows[block])
            j = i + 1 + int(index - starts[block])
            out[index] = emd(weights[i, :counts[i]], positions[i, :counts[i]], weights[j, :counts[j]],
                             positions[j, :counts[j]], R=R, solver="pot")
    return out


def row_chunks(n: int, n_chunks: int) -> list[np.ndarray]:
    """Rows 0…n−1 cut into ``n_chunks`` runs with about equal numbers of pairs (row i has n − 1 − i)."""
    cumulative = np.cumsum(np.arange(n - 1, -1, -1))
    cuts = np.searchsorted(cumulative, np.linspace(0, cumulative[-1], n_chunks + 1)[1:-1])
    return [c for c in np.split(np.arange(n), cuts) if len(c)]


def default_threads() -> int:
    """Threads for the pairwise EMDs: ``$GANPLIFY_JOBS`` or the number of cores (as sweeps use)."""
    from ganplify_core.sweeps import n_jobs

    return n_jobs()


def pairwise_emd(weights: np.ndarray, positions: np.ndarray, R: float | None = None,
                 progress: Progress | None = None, n_threads: int | None = None,
                 n_chunks: int | None = None, solver: str = "auto") -> np.ndarray:
    """Condensed matrix (``scipy.spatial.distance.pdist`` order) of exact EMDs between all pairs of jets.

    Parameters
    ----------
    weights : ndarray (n, k)
        Particle weights (pT or pT/ΣpT), ≥ 0; zeros are padding and may sit in any slot.
    positions : ndarray (n, k, d)
        Particle positions ((η, φ) for jets); the ground distance is Euclidean.
    R : float, optional
        Jet radius of the EMD with unequal totals (see the module docstring). Without it every jet must
        carry the same total weight (to 1e-9 relative) and the value is ``min Σ f_ij d_ij``.
    progress : callable, optional
        ``progress(fraction, message)``, called from this thread as chunks of rows finish (a job's
        cancellation raised there stops the remaining chunks).
    n_threads : int, optional
        Threads (default :func:`default_threads`). 1 runs in this thread.
    n_chunks : int, optional
        Chunks of rows (about equal numbers of pairs; default ``8 × n_threads``, at most n/2).
    solver : {"auto", "simplex", "pot"}
        ``"pot"``: POT's C++ network simplex (``emd_c``) per pair. ``"simplex"``: our transportation simplex
        compiled by numba, every pair of a chunk in one call (no Python per pair; POT redoes any pair it
        gives up on). ``"auto"``: ours from :data:`SIMPLEX_FROM_PAIRS` pairs if numba is there, else POT.
        Both are exact; they agree to rounding.
    """
    if solver not in SOLVERS:
        raise InputError(f"solver must be one of {', '.join(SOLVERS)}; got {solver!r}")
    weights = np.ascontiguousarray(weights, dtype=np.float64)
    positions = np.ascontiguousarray(positions, dtype=np.float64)
    if weights.ndim != 2 or positions.shape[:2] != weights.shape or positions.ndim != 3:
        raise InputError(f"weights (n, k) and positions (n, k, d) needed; got {weights.shape} and {positions.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise InputError("particle weights must be finite and ≥ 0 (0 marks padding)")
    real = weights[..., None] > 0
    if not np.all(np.isfinite(positions[np.broadcast_to(real, positions.shape)])):
        raise InputError("particle positions must be finite")
    positions = np.where(real, positions, 0.0)  # padding's positions are never used; keep them finite
    totals = weights.sum(1)
    if np.any(totals <= 0):
        raise InputError("every jet needs at least one particle with weight > 0")
    if R is None:
        if np.any(np.abs(totals - totals[0]) > 1e-9 * totals[0]):
            raise InputError("jets with unequal total weights need R (the EMD adds |ΣE − ΣE'| for the difference)")
        # POT needs the same total on both sides to rounding: rescale each jet to the first one's total.
        weights = weights * (totals[0] / totals)[:, None]
    elif not (np.isfinite(R) and R > 0):
        raise InputError(f"R must be a positive number; got {R}")
    n = len(weights)
    if n < 2:
        return np.zeros(0)
    progress = progress or no_progress
    n_threads = max(1, int(n_threads or default_threads()))
    chunks = row_chunks(n, max(1, min(n_chunks or 8 * n_threads, n // 2)))
    label = "EMD pairs"

    from ganplify_core.sweeps import dask_scheduler, run_sweep

    if dask_scheduler():  # POT on the cluster's workers (no compilation in every worker)
        parts = run_sweep(_row_block, [(weights, positions, rows, R) for rows in chunks], progress, label=label)
        return np.concatenate(parts)
    if solver == "auto":
        solver = "simplex" if n * (n - 1) // 2 >= SIMPLEX_FROM_PAIRS and _compiled_kernel() is not None else "pot"
    if solver == "simplex":
        if _compiled_kernel() is None:  # pragma: no cover - numba comes with umap-learn
            raise InputError("solver='simplex' needs numba; use solver='pot'")
        progress(0.0, f"{label}: loading the compiled solver (compiled on its first use, seconds)")
        compact = _compact(weights, positions)
        _row_block_simplex(*(array[:2] for array in compact), np.zeros(1, np.int64), R)  # compile here, once
        work, arguments = _row_block_simplex, [(*compact, rows, R) for rows in chunks]
    else:
        work, arguments = _row_block, [(weights, positions, rows, R) for rows in chunks]
    if n_threads == 1 or len(chunks) == 1:
        parts = []
        for done, args in enumerate(arguments, 1):
            parts.append(work(*args))
            progress(done / len(chunks), f"{label}: {done}/{len(chunks)} chunks")
        return np.concatenate(parts)
    executor = concurrent.futures.ThreadPoolExecutor(min(n_threads, len(chunks)), thread_name_prefix="emd")
    try:
        futures = [executor.submit(work, *args) for args in arguments]
        done = 0
        for _ in concurrent.futures.as_completed(futures):
            done += 1
            progress(done / len(chunks), f"{label}: {done}/{len(chunks)} chunks")
        return np.concatenate([future.result() for future in futures])
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def jet_weights_positions(pt: np.ndarray, eta: np.ndarray, phi: np.ndarray,
                          normalise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(weights, positions) from per-particle arrays (n, k) with zero-pT padding; weights pT/ΣpT if ``normalise``."""
    pt, eta, phi = (np.asarray(v, dtype=np.float64) for v in (pt, eta, phi))
    if np.any(~np.isfinite(pt)) or np.any(pt < 0):
        raise InputError("pT must be finite and ≥ 0 (0 marks padding)")
    totals = pt.sum(1, keepdims=True)
    if np.any(totals <= 0):
        raise InputError("every jet needs at least one particle with pT > 0")
    weights = pt / totals if normalise else pt
    positions = np.stack([np.where(pt > 0, eta, 0.0), np.where(pt > 0, phi, 0.0)], axis=-1)
    return weights, positions

