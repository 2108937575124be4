"""Batched, log-stabilised Sinkhorn approximation of the energy mover's distance between weighted point clouds.

For two clouds with weights ``a_i`` (sum 1) at ``x_i`` and ``b_j`` (sum 1) at ``y_j`` and the ground
distance ``C_ij = |x_i - y_j|`` (ΔR in (η, φ) for jets), the entropic optimal transport problem

    T* = argmin_T  Σ_ij T_ij C_ij + ε Σ_ij T_ij (log T_ij − 1),   Σ_j T_ij = a_i,  Σ_i T_ij = b_j,

is solved by Sinkhorn's iteration (the seed's last slide: ``u = a / K v``, ``v = b / Kᵀ u`` with
``K = exp(−C/ε)``). Plain, it underflows for small ε (exp(−C/ε) < 10⁻³⁸ in float32 once C/ε > 87), so it
runs in the log-stabilised form (Schmitzer, SIAM J. Sci. Comput. 41 (2019) A1443; Peyré & Cuturi,
*Computational Optimal Transport*, 2019, §4.4): whenever ε changes, and whenever the scalings have grown
past e^±20 (checked every 10 iterations), they are absorbed into dual potentials ``f += ε log u``,
``g += ε log v`` and the kernel is rebuilt as

    K̃_ij = exp((f_i + g_j − C_ij)/ε),    T_ij = u_i K̃_ij v_j,

whose entries are O(1) where mass moves and underflow harmlessly elsewhere. Between absorptions the
iteration is two batched matrix-vector products per step (no exp), which is what makes it fast.

The returned value is the transport cost ``Σ T_ij C_ij`` of the plan (what ``ot.sinkhorn2`` returns);
it tends to the exact EMD (``ot.emd2``) as ε → 0. With ``epsilon_scaling`` the first half of the
iterations lowers ε geometrically from about the clouds' diameter to the target, which converges in far fewer
iterations at small ε (Schmitzer 2019, §3.2).

Every batch element is solved at once with tensor operations (no loop over jets or particles), and the
value is differentiable (autograd through the unrolled iterations) with respect to the positions and the
weights of both clouds: the VAE's decoder learns through it. Zero weights (padding) carry no mass.

POT's ``ot.sinkhorn2`` takes one pair of histograms (or several ``b`` against one ``a`` with a shared
cost matrix), so it cannot batch jets with different cost matrices; hence this module, tested against
``ot.emd2`` and ``ot.sinkhorn2``.
"""

from __future__ import annotations

import math

import torch

DEFAULT_EPSILON = 0.005
DEFAULT_ITERATIONS = 200
# Within a stage of fixed ε the scalings are checked every few iterations and absorbed into the potentials
# once some |log u_i| or |log v_j| exceeds this (e^20 ≈ 5·10⁸ leaves float32 ample range on both sides).
ABSORB_CHECK_EVERY = 10
ABSORB_THRESHOLD = 20.0


def ground_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Pairwise Euclidean distances ``C[..., i, j] = |x_i − y_j|``, shape ``(..., n, m)``.

    Computed from the differences, not from ``|x|² + |y|² − 2 x·y`` (which loses small distances to
    rounding); the gradient at coinciding points is 0.
    """
    return torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist")


def sinkhorn_emd(
    a: torch.Tensor,
    x: torch.Tensor,
    b: torch.Tensor,
    y: torch.Tensor,
    epsilon: float = DEFAULT_EPSILON,
    n_iterations: int = DEFAULT_ITERATIONS,
    epsilon_scaling: bool = True,
    cost: torch.Tensor | None = None,
    epsilon_start: float = 1.0,
) -> torch.Tensor:
    """Sinkhorn transport cost between batches of weighted point clouds.

    Parameters
    ----------
    a : tensor (B, n)
        Weights of the first clouds (non-negative; each row is normalised to unit sum here).
    x : tensor (B, n, k)
        Positions of the first clouds (for jets k = 2: η, φ).
    b : tensor (B, m)
        Weights of the second clouds.
    y : tensor (B, m, k)
        Positions of the second clouds.
    epsilon : float
        Entropic regularisation, in units of distance (ΔR for jets). Smaller is closer to the EMD.
    n_iterations : int
        Sinkhorn iterations (each one updates both potentials).
    epsilon_scaling : bool
        Lower ε geometrically during the first half of the iterations (faster convergence).
    cost : tensor (B, n, m), optional
        A ground-cost matrix to use instead of ``|x_i − y_j|`` (``x`` and ``y`` are then ignored).
    epsilon_start : float
        Where the ε scaling starts: about the largest distance (default 1, the ΔR size of a jet). A fixed
        number rather than one read off the data, so the value stays a smooth function of the inputs.

    Returns
    -------
    tensor (B,)
        ``Σ_ij T_ij C_ij`` for each pair of clouds, in the unit of the distance.

    Examples
    --------
    >>> a = torch.tensor([[0.5, 0.5]]); x = torch.tensor([[[0.0, 0.0], [1.0, 0.0]]])
    >>> float(sinkhorn_emd(a, x, a, x + torch.tensor([0.0, 0.1])))  # doctest: +ELLIPSIS
    0.1...
    """
    if epsilon <= 0 or n_iterations < 1:
        raise ValueError("epsilon must be > 0 and n_iterations >= 1")
    # Weights and scalings are row vectors (B, 1, n): both Sinkhorn products are then ``bmm`` of a row vector
    # by a matrix, the fast form of a batch of small matrix-vector products on a CPU (by Kᵀ as a strided
    # view: no transposed copy).
    a = (a / a.sum(-1, keepdim=True)).unsqueeze(-2)
    b = (b / b.sum(-1, keepdim=True)).unsqueeze(-2)
    C = ground_distance(x, y) if cost is None else cost
    schedule = epsilon_schedule(epsilon_start, epsilon, n_iterations, epsilon_scaling)
    tiny = torch.finfo(C.dtype).tiny
    f = torch.zeros_like(a)
    g = torch.zeros_like(b)
    # The iteration starts (and restarts after an absorption) from u = 1 on the particles, 0 on padding:
    # padding given u = 1 would pull on the first v and leave a trace in an unconverged result.
    support = (a > 0).to(a.dtype)
    for eps, n_stage in schedule:
        kernel = stabilised_kernel(f, g, C, eps)
        u = support
        for k in range(1, n_stage + 1):
            # v first, then u, as in POT (so the returned plan has exact row sums a).
            v = b / torch.bmm(u, kernel).clamp_min(tiny)
            u = a / torch.bmm(v, kernel.mT).clamp_min(tiny)
            # Within a stage the scalings are absorbed only once they have grown: a kernel rebuild costs
            # as much as several iterations.
            if k < n_stage and k % ABSORB_CHECK_EVERY == 0 and _scalings_grown(u, v, a, b):
                f, g = _absorb(f, g, u, v, a, b, eps)
                kernel = stabilised_kernel(f, g, C, eps)
                u = support
        f, g = _absorb(f, g, u, v, a, b, eps)  # before ε changes
    # Σ_ij T_ij C_ij with the plan T_ij = u_i K̃_ij v_j
    return (torch.bmm(u, kernel * C) * v).sum((-1, -2))


def stabilised_kernel(f, g, C, eps):
    """``K̃_ij = exp((f_i + g_j − C_ij)/ε)`` for potentials given as row vectors (B, 1, n) and (B, 1, m).

    The potentials found so far are absorbed into it, so its entries are O(1) where mass moves and
    underflow harmlessly elsewhere (Schmitzer 2019, Alg. 2).

    The exponent is clamped to a range exp handles well. Below log(smallest normal number) exp returns
    subnormal numbers, which are many times slower to compute with and carry no mass. The upper bound
    (a third of log(largest number): e³⁰ in float32) is reached only between a particle and padding, whose
    potential stays 0 while the others move by O(1/ε): left unbounded, such an entry overflows to inf, and
    inf times the padding's scaling 0 is NaN.
    """
    info = torch.finfo(C.dtype)
    exponent = (f / eps).mT - C / eps
    exponent.add_(g / eps).clamp_(min=math.log(info.tiny) + 1.0, max=math.log(info.max) / 3)
    return exponent.exp_()


def _log_scalings(u, weights):
    """``log u`` where the weight is positive, 0 at padding (whose log 0 would poison the gradient)."""
    return torch.log(torch.where(weights > 0, u, torch.ones_like(u)))


def _absorb(f, g, u, v, a, b, eps):
    """The potentials with the scalings absorbed: ``f + ε log u``, ``g + ε log v``."""
    return f + eps * _log_scalings(u, a), g + eps * _log_scalings(v, b)


def _scalings_grown(u, v, a, b) -> bool:
    return bool(torch.maximum(_log_scalings(u, a).abs().max(), _log_scalings(v, b).abs().max())
                > ABSORB_THRESHOLD)


def epsilon_schedule(start: float, epsilon: float, n_iterations: int, scaling: bool) -> list[tuple[float, int]]:
    """Stages ``(ε, iterations)`` of the solver; the potentials are absorbed at the end of each.

    With ``scaling``, half of the iterations (stages of 5) lower ε geometrically from ``start`` to
    ``epsilon``; the rest run at ``epsilon`` in one stage (with absorptions as the scalings grow).
    """
    stages: list[tuple[float, int]] = []
    remaining = n_iterations
    if scaling and start > epsilon:
        n_scaled = (n_iterations // 2) // 5
        for k in range(n_scaled):
            stages.append((start * (epsilon / start) ** (k / n_scaled), 5))
        remaining -= 5 * n_scaled
    if remaining > 0:
        stages.append((epsilon, remaining))
    return stages

