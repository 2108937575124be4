"""The two non-GAN ways to make more points from a training sample: a parametric fit and a kernel density.

Maximum-likelihood fit (arXiv:2008.06545, Sec. 2)
    * camel back: the 5-parameter mixture p(x) = a N(x; μ₁, σ₁) + (1 − a) N(x; μ₂, σ₂), fitted by EM
      (scikit-learn ``GaussianMixture``, 5 restarts, best likelihood kept);
    * ring and shell: the radial law ρ ~ N(μ, σ) fitted by ML to the radii ρᵢ = ‖xᵢ‖
      (μ̂ = mean ρᵢ, σ̂² = mean (ρᵢ − μ̂)²), the direction uniform. (The true ρ is the normal folded
      at 0; the fold carries probability 3·10⁻⁵ and is left out of the fit.)
    Both know the *shape* of the truth; they only estimate its parameters.

Gaussian kernel density estimate (a baseline the paper lacks: is the GAN's gain more than smoothing?)
    p̂(x) = (1/n) Σᵢ N(x; xᵢ, h² I), sampled as a random training point plus h·N(0, I). The bandwidth h
    maximises the 5-fold cross-validated log-likelihood over a log grid from 0.02 to 2 times the
    data's standard deviation (scikit-learn ``KernelDensity`` + ``GridSearchCV``). Above 2000 points
    h is chosen on a random 2000 and scaled by (n/2000)^(−1/(D+4)), the rate of the optimal bandwidth.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

KDE_CV_MAX_POINTS = 2000


@dataclasses.dataclass(frozen=True)
class ParametricFit:
    """ML parameters. Camel back: weights (a, 1−a), means (μ₁, μ₂), sigmas (σ₁, σ₂), sorted by mean.
    Ring/shell: ``means`` = (μ,), ``sigmas`` = (σ,) of the radius; ``weights`` = (1,)."""

    kind: str  # "mixture" or "radial"
    dim: int
    weights: np.ndarray
    means: np.ndarray
    sigmas: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` points (n, dim) from the fitted law."""
        if self.kind == "mixture":
            component = (rng.random(n) >= self.weights[0]).astype(np.intp)
            return (self.means[component] + self.sigmas[component] * rng.standard_normal(n))[:, None]
        radius = self.means[0] + self.sigmas[0] * rng.standard_normal(n)
        direction = rng.standard_normal((n, self.dim))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        return radius[:, None] * direction



def fit_parametric(data: np.ndarray, name: str, seed: int = 0) -> ParametricFit:
    """ML fit of the true law's family to ``data`` (n, dim); see the module docstring."""
    from sklearn.mixture import GaussianMixture  # imported here: the page's default view never fits

    data = np.asarray(data, dtype=float)
    if name == "camelback":
        gmm = GaussianMixture(2, covariance_type="full", n_init=5, random_state=seed, tol=1e-8, max_iter=1000,
                              reg_covar=1e-9).fit(data.reshape(-1, 1))
        order = np.argsort(gmm.means_.ravel())
        return ParametricFit("mixture", 1, gmm.weights_[order], gmm.means_.ravel()[order],
                             np.sqrt(gmm.covariances_.ravel()[order]))
    radius = np.linalg.norm(data, axis=1)
    return ParametricFit("radial", data.shape[1], np.ones(1), np.array([radius.mean()]), np.array([radius.std()]))


@dataclasses.dataclass(frozen=True)
class KernelDensityModel:
    """A Gaussian KDE: the training points and the bandwidth h (same units as the data)."""

    points: np.ndarray
    bandwidth: float

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        centres = self.points[rng.integers(len(self.points), size=n)]
        return centres + self.bandwidth * rng.standard_normal(centres.shape)



def fit_kde(data: np.ndarray, seed: int = 0) -> KernelDensityModel:
    """Gaussian KDE with the cross-validated-likelihood bandwidth (see the module docstring)."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KernelDensity

    data = np.asarray(data, dtype=float)
    n, dim = data.shape
    subset = data
    if n > KDE_CV_MAX_POINTS:
        subset = data[np.random.default_rng(seed).choice(n, KDE_CV_MAX_POINTS, replace=False)]
    spread = float(np.sqrt(subset.var(axis=0).mean())) or 1.0
    grid = spread * np.logspace(np.log10(0.02), np.log10(2.0), 25)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GridSearchCV(KernelDensity(), {"bandwidth": grid}, cv=min(5, len(subset))).fit(subset)
    bandwidth = float(search.best_params_["bandwidth"])
    if n > KDE_CV_MAX_POINTS:
        bandwidth *= (n / KDE_CV_MAX_POINTS) ** (-1.0 / (dim + 4))
    return KernelDensityModel(data, bandwidth)
