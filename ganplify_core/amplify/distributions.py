"""The true distributions of the amplification study and their exact equal-probability quantile cells.

Three toy laws from Butter, Diefenbacher, Kasieczka, Nachman, Plehn, "GANplifying event samples",
arXiv:2008.06545 (SciPost Phys. 10, 139 (2021)):

* **camel back** (1D): p(x) = ½ N(x; −4, 1) + ½ N(x; +4, 1);
* **ring** (2D): x = r (cos φ, sin φ) with r ~ N(4, 1) and φ ~ U(0, 2π);
* **spherical shell** (D = 3…10): x = r u with r ~ N(4, 1) and u uniform on the unit sphere S^(D−1).

For the ring and the shell a negative draw of r (probability Φ(−4) ≈ 3·10⁻⁵) is the point |r| in the
opposite direction, which is again uniform; so the distance ρ = ‖x‖ follows the *folded* normal,
F(ρ) = Φ(ρ − 4) − Φ(−ρ − 4), independent of the direction. The cells use this exact law.

Quantile cells
--------------
Each of the N cells holds probability exactly 1/N under the true distribution.

* camel back: edges e_k = F⁻¹(k/N), k = 1…N−1, with F(x) = ½[Φ(x + 4) + Φ(x − 4)] inverted by Brent's
  method to 1e-13.
* ring and shell: a product of N_r radial shells (folded-normal quantiles of ρ) and N_a angular cells
  of equal probability, N = N_r · N_a (see :func:`factor_cells`: N_r is the largest divisor of N in 2…5,
  so 10 = 5 × 2, 20 = 5 × 4, 50 = 5 × 10). Because ρ and the direction u are independent, a product
  cell has probability (1/N_r)(1/N_a) = 1/N.

  - ring: N_a equal sectors of the angle φ (φ is uniform);
  - shell: N_a slabs of the first direction cosine u₁ = x₁/ρ, whose law on [−1, 1] is
    p(u₁) ∝ (1 − u₁²)^((D−3)/2), i.e. (1 + u₁)/2 ~ Beta((D−1)/2, (D−1)/2) (uniform for D = 3,
    Archimedes); the slab edges are that Beta law's quantiles. (Sign patterns of the coordinates
    would give only 2^D cells, and products of several cosines are not independent, so one cosine it is.)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import torch
from scipy import optimize, special

from ganplify_core.errors import InputError

MODE = 4.0  # the humps (camel back) and the radius (ring, shell) sit at 4 with unit width
WIDTH = 1.0
DATASETS = ("camelback", "ring", "shell")
SHELL_DIMS = range(3, 11)
FIXED_DIMS = {"camelback": 1, "ring": 2}  # the shell's dimension is a setting


def factor_cells(n_quant: int) -> tuple[int, int]:
    """(N_r radial, N_a angular) cells with N_r · N_a = ``n_quant``: N_r is the largest divisor in 2…5.

    10 → 5 × 2, 20 → 5 × 4, 50 → 5 × 10; a prime N above 5 gets N radial cells and one angular cell.
    """
    for n_radial in (5, 4, 3, 2):
        if n_quant % n_radial == 0:
            return n_radial, n_quant // n_radial
    return n_quant, 1


def normal_pdf(x: np.ndarray, mean: float, sigma: float) -> np.ndarray:
    """N(x; mean, sigma²)."""
    return np.exp(-0.5 * ((np.asarray(x, dtype=float) - mean) / sigma) ** 2) / (math.sqrt(2 * math.pi) * sigma)


def folded_normal_cdf(rho: np.ndarray) -> np.ndarray:
    """CDF of ρ = |r|, r ~ N(4, 1): Φ(ρ − 4) − Φ(−ρ − 4) for ρ ≥ 0."""
    rho = np.maximum(np.asarray(rho, dtype=float), 0.0)
    return special.ndtr((rho - MODE) / WIDTH) - special.ndtr((-rho - MODE) / WIDTH)


def folded_normal_pdf(rho: np.ndarray) -> np.ndarray:
    """Density of ρ = |r|, r ~ N(4, 1)."""
    rho = np.asarray(rho, dtype=float)
    pdf = normal_pdf(rho, MODE, WIDTH) + normal_pdf(-rho, MODE, WIDTH)
    return np.where(rho >= 0, pdf, 0.0)


def camelback_cdf(x: np.ndarray) -> np.ndarray:
    """F(x) = ½[Φ(x + 4) + Φ(x − 4)]."""
    x = np.asarray(x, dtype=float)
    return 0.5 * (special.ndtr((x + MODE) / WIDTH) + special.ndtr((x - MODE) / WIDTH))


def _invert(cdf, probabilities: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.array([optimize.brentq(lambda t, p=p: float(cdf(t)) - p, lo, hi, xtol=1e-13, rtol=1e-15)
                     for p in probabilities])


@dataclasses.dataclass(frozen=True)
class TrueDistribution:
    """One of the toy laws with its quantile cells.

    Parameters
    ----------
    name : {"camelback", "ring", "shell"}
    dim : int
        1 for the camel back, 2 for the ring, 3…10 for the shell.
    n_quant : int
        Number of equal-probability cells N (≥ 2).
    """

    name: str
    dim: int
    n_quant: int

    def __post_init__(self) -> None:
        if self.name not in DATASETS:
            raise InputError(f"dataset {self.name!r} is unknown; use one of {', '.join(DATASETS)}")
        expected = FIXED_DIMS.get(self.name)
        if expected is not None and self.dim != expected:
            raise InputError(f"--dim {self.dim} does not fit {self.name}: it is {expected}-dimensional")
        if self.name == "shell" and self.dim not in SHELL_DIMS:
            raise InputError(f"--dim {self.dim}: the spherical shell needs a dimension between 3 and 10")
        if not 2 <= self.n_quant <= 1000:
            raise InputError(f"--quantiles {self.n_quant}: use between 2 and 1000 cells")

    # -- sampling and density -------------------------------------------------------------------

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points, float64 array of shape (n, dim)."""
        if self.name == "camelback":
            hump = np.where(rng.random(n) < 0.5, -MODE, MODE)
            return (hump + WIDTH * rng.standard_normal(n))[:, None]
        radius = rng.normal(MODE, WIDTH, n)
        direction = rng.standard_normal((n, self.dim))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        return radius[:, None] * direction

    def density(self, x: np.ndarray) -> np.ndarray:
        """p(x) for points of shape (n, dim) (the camel back also takes a flat array)."""
        x = np.asarray(x, dtype=float)
        if self.name == "camelback":
            x = x.reshape(-1)
            return 0.5 * (normal_pdf(x, -MODE, WIDTH) + normal_pdf(x, MODE, WIDTH))
        rho = np.linalg.norm(x.reshape(-1, self.dim), axis=1)
        return folded_normal_pdf(rho) / sphere_area(self.dim, rho)

    # -- the cells ---------------------------------------------------------------------------------

    @property
    def cell_shape(self) -> tuple[int, int]:
        """(radial, angular) cell counts; (N, 1) for the camel back."""
        return (self.n_quant, 1) if self.name == "camelback" else factor_cells(self.n_quant)

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Inner cell edges: (along x or ρ, along φ or u₁). Lengths N_r − 1 and N_a − 1."""
        return _cell_edges(self.name, self.dim, self.n_quant)

    def cell_index(self, points: torch.Tensor | np.ndarray) -> torch.Tensor:
        """The cell (0…N−1) of each point; vectorised torch, same device as ``points``.

        Index = radial_cell · N_a + angular_cell (camel back: the x cell).
        """
        points = torch.as_tensor(points)
        primary_edges, angular_edges = (torch.as_tensor(e, dtype=points.dtype, device=points.device)
                                        for e in self.edges())
        if self.name == "camelback":
            return torch.bucketize(points.reshape(-1), primary_edges)
        points = points.reshape(-1, self.dim)
        rho = torch.linalg.vector_norm(points, dim=1)
        if self.name == "ring":
            angular = torch.atan2(points[:, 1], points[:, 0])
        else:
            angular = points[:, 0] / rho.clamp_min(1e-30)
        n_angular = self.cell_shape[1]
        return torch.bucketize(rho, primary_edges) * n_angular + torch.bucketize(angular, angular_edges)



def sphere_area(dim: int, rho: np.ndarray) -> np.ndarray:
    """Area of the sphere of radius ρ in ``dim`` dimensions: 2π^(D/2) ρ^(D−1) / Γ(D/2)."""
    return 2 * math.pi ** (dim / 2) / math.gamma(dim / 2) * np.asarray(rho, dtype=float) ** (dim - 1)


_EDGE_CACHE: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def _cell_edges(name: str, dim: int, n_quant: int) -> tuple[np.ndarray, np.ndarray]:
    key = (name, dim, n_quant)
    if key not in _EDGE_CACHE:
        if name == "camelback":
            probs = np.arange(1, n_quant) / n_quant
            _EDGE_CACHE[key] = (_invert(camelback_cdf, probs, -20.0, 20.0), np.empty(0))
        else:
            n_radial, n_angular = factor_cells(n_quant)
            radial = _invert(folded_normal_cdf, np.arange(1, n_radial) / n_radial, 0.0, 20.0)
            a = np.arange(1, n_angular) / n_angular
            if name == "ring":
                angular = -math.pi + 2 * math.pi * a
            else:
                half = (dim - 1) / 2
                angular = 2 * special.betaincinv(half, half, a) - 1
            _EDGE_CACHE[key] = (radial, angular)
    return _EDGE_CACHE[key]


def default_dim(name: str) -> int:
    """1 for the camel back, 2 for the ring, the smallest shell dimension for the shell."""
    return FIXED_DIMS.get(name, SHELL_DIMS[0])


def get_distribution(name: str, dim: int | None, n_quant: int) -> TrueDistribution:
    """The distribution ``name``; ``dim`` may be None for the camel back (1) and the ring (2)."""
    if dim is None:
        dim = default_dim(name)
    return TrueDistribution(name, int(dim), int(n_quant))
