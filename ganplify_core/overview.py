"""The home page's content: the camel-back teaser (the question the whole app starts from) and the guide to the pages."""

from __future__ import annotations

import sys

import numpy as np
import plotly.graph_objects as go

from ganplify_core import cache, experiments
from ganplify_core.plots import remembered
from ganplify_core.plotstyle import COLORS, styled

# The camel back of ganplify_core.amplify.distributions (MODE, WIDTH there; tests/unit/test_threads.py checks
# that both give the same sample and density). Written out here so that the home page's first view does not
# import that module, which loads torch and scipy.optimize (seconds).
CAMELBACK_MODE, CAMELBACK_WIDTH = 4.0, 1.0


def camelback_sample(n_points: int, rng: np.random.Generator) -> np.ndarray:
    """``n_points`` draws from ½N(−4, 1) + ½N(4, 1) (the same draws as the amplify page's camel back)."""
    hump = np.where(rng.random(n_points) < 0.5, -CAMELBACK_MODE, CAMELBACK_MODE)
    return hump + CAMELBACK_WIDTH * rng.standard_normal(n_points)


def camelback_density(x: np.ndarray) -> np.ndarray:
    """p(x) of ½N(−4, 1) + ½N(4, 1)."""
    x = np.asarray(x, dtype=float)
    return sum(0.5 * np.exp(-0.5 * ((x - mean) / CAMELBACK_WIDTH) ** 2) / (np.sqrt(2 * np.pi) * CAMELBACK_WIDTH)
               for mean in (-CAMELBACK_MODE, CAMELBACK_MODE))


def camelback_teaser(n_points: int = 100, seed: int = 0) -> go.Figure:
    """Density ½N(−4, 1) + ½N(4, 1) with ``n_points`` samples drawn from it as a rug and histogram."""
    sample = camelback_sample(n_points, np.random.default_rng(seed))
    x = np.linspace(-9, 9, 400)
    density = camelback_density(x)
    fig = go.Figure()
    fig.add_histogram(x=sample, histnorm="probability density", nbinsx=30, name=f"{n_points} training points",
                      marker_color=COLORS["data"], opacity=0.6)
    fig.add_scatter(x=x, y=density, mode="lines", name="true density", line=dict(color=COLORS["truth"], width=2))
    fig.add_scatter(x=sample, y=np.full(n_points, -0.01), mode="markers", marker=dict(symbol="line-ns-open", size=10,
                    color=COLORS["data"]), showlegend=False, hoverinfo="x")
    fig.update_xaxes(title="x")
    fig.update_yaxes(title="p(x)")
    return styled(fig, height=300)


# The GAN page's default config, ``ganplify_core.amplify.experiment.AmplifyConfig()``, as the cache hashes it
# (``cache._jsonable``; tests/unit/test_threads.py checks that the two agree). With it the home page finds the
# shipped default's summary without importing the amplify package (torch and scipy: seconds of a first view).
AMPLIFY_DEFAULT = {"__type__": "AmplifyConfig", "depth": 3, "dim": 1, "distribution": "camelback", "gans_per_set": 1,
                   "latent": 4, "lr": 0.0001, "max_generated": 10_000_000, "methods": ["fit", "kde", "gan"],
                   "n_quant": 10, "n_seeds": 10, "n_train": 100, "r1_gamma": 30.0, "seed": 0, "steps": 6000,
                   "width": 64}


def amplify_default_summary() -> dict | None:
    """The GAN page's default result as the CLI prints it (``AmplifyResult.summary``); ``None`` if not computed.

    The result :func:`experiments.cached_result` would give. While only the shipped one exists and the amplify
    package is not loaded, its summary comes from the shipped manifest, which ``make assets`` wrote from the same
    result; a recomputed result (the disk cache) or one held in memory is read through the amplify package.
    """
    if "ganplify_core.amplify.experiment" not in sys.modules and not cache.exists("amplify", AMPLIFY_DEFAULT):
        name = f"amplify-{cache.config_key('amplify', AMPLIFY_DEFAULT)[:24]}.npz"  # experiments.shipped_path's
        entry = experiments.shipped_manifest().get(name) if (experiments.SHIPPED_DIR / name).exists() else None
        return (entry or {}).get("summary")
    from ganplify_core.amplify.experiment import AMPLIFY, AmplifyConfig

    result = experiments.cached_result(AMPLIFY, AmplifyConfig())
    return remembered(AMPLIFY.to_json, result) if result is not None else None  # its bootstrap: once per result


# The pages the home page links to: (file, title, icon, what it teaches). Titles and icons as in app.py.
PAGE_GUIDE: tuple[tuple[str, str, str, str], ...] = (
    ("views/gan_amplification.py", "GAN amplification", ":material/scatter_plot:",
     "A GAN trained on 100 points can be worth *more* than 100 points: it interpolates. Quantile MSE against "
     "fit, kernel density and the sample itself; the amplification factor."),
    ("views/birthday_paradox.py", "Birthday paradox", ":material/cake:",
     "How many distinct showers can a generator make? If *s* samples hold a duplicate pair half the time, the "
     "support is about *s*². Simulator vs GAN vs generators of known support."),
    ("views/vae_latent.py", "VAE latent explorer", ":material/hub:",
     "β in a VAE is a distance resolution: the KL it pays counts the dimensions it resolves, "
     "D = dKL/d log β. Compared with the correlation dimension of the data."),
    ("views/clustering.py", "Clustering & UMAP", ":material/bubble_chart:",
     "Clustering is an art: k-means, DBSCAN and the rest, the elbow and silhouette, and what PCA, t-SNE and "
     "UMAP keep of the geometry."),
    ("views/feature_ranking.py", "Feature ranking", ":material/leaderboard:",
     "Which inputs matter? Permutation importance, SHAP, and exact Shapley values from their definition."),
    ("views/autoencoder_roc.py", "Autoencoder ROC", ":material/show_chart:",
     "An autoencoder trained on QCD jets flags top jets by their reconstruction error: unsupervised tagging, "
     "its ROC curve, and its limits."),
)
