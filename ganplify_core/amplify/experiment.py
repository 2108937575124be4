"""The amplification experiment: for each of K independent training sets, compare the sample itself, an
ML fit, a kernel density and a GAN by their quantile MSE against the number of points generated.

One training set per seed k = 0…K−1 (drawn with ``SeedSequence((seed, k))``), ``gans_per_set`` GANs per
training set (different initialisations, their samples pooled in equal parts); the K training sets run
in parallel through :func:`ganplify_core.sweeps.run_sweep`. Results are cached on disk by
:func:`ganplify_core.experiments.run`, and the page's default ships precomputed under ``assets/shipped/``
(``make assets``, or ``python -m ganplify_core amplify --save-asset`` for the config given).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from ganplify_core import experiments, params
from ganplify_core.amplify.baselines import fit_kde, fit_parametric
from ganplify_core.amplify.distributions import DATASETS, MODE, SHELL_DIMS, folded_normal_pdf, get_distribution
from ganplify_core.amplify.gan import GanSettings, GeneratorSampler, PooledSampler, train_gan
from ganplify_core.amplify.metrics import (
    amplification,
    expected_mse_of_true_samples,
    generated_grid,
    mse_vs_generated,
    quantile_mse,
)
from ganplify_core.amplify.uncertainty import uncertainty_summary
from ganplify_core.params import param
from ganplify_core.sweeps import n_jobs, run_sweep
from ganplify_core.training import Progress, no_progress

METHODS = ("fit", "kde", "gan")
METHOD_LABELS = {"train": "training sample", "fit": "ML fit", "kde": "kernel density", "gan": "GAN"}
PROFILE_BINS = 120
PROFILE_SAMPLES = 400_000
SCATTER_POINTS = 1500
N_SNAPSHOTS = 20        # EMA generators kept during training: the replay's frames and the diagnostic curve
SNAPSHOT_SAMPLES = 50_000


@dataclasses.dataclass(frozen=True)
class AmplifyConfig(params.Config):
    """Everything that determines an amplification result (the page's controls and the CLI's options)."""

    distribution: str = param("camelback", choices=DATASETS, cli="--dataset", widget="radio", label="Distribution",
                              help="camel back ½N(−4,1)+½N(4,1); ring: r~N(4,1) in 2D; shell: the same radius in D dimensions")
    dim: int = param(1, lo=1, hi=max(SHELL_DIMS), label="Dimension D",
                     help="1 for the camel back, 2 for the ring, 3…10 for the shell")
    n_train: int = param(100, lo=10, hi=100_000, unit="points", label="Training points n",
                         help="training points per training set")
    n_quant: int = param(10, lo=2, hi=1000, cli="--quantiles", label="Quantile cells N",
                         help="cells of equal true probability (ring/shell: 5 radial × N/5 angular)")
    width: int = param(GanSettings.width, lo=1, hi=1024, label="GAN width", help="hidden units per layer")
    depth: int = param(GanSettings.depth, lo=1, hi=8, label="GAN depth (hidden layers)", help="hidden layers")
    latent: int = param(GanSettings.latent, lo=1, hi=64, label="Latent size", help="GAN latent size")
    lr: float = param(GanSettings.lr, lo=1e-7, hi=0.1, label="Learning rate (Adam)", help="Adam learning rate")
    r1_gamma: float = param(GanSettings.r1_gamma, lo=0.0, hi=1000.0, label="R1 penalty γ (smoothing)",
                            help="weight γ of the R1 penalty on the discriminator's slope at the data: larger keeps "
                                 "the discriminator smoother, so the generator spreads between the points")
    steps: int = param(GanSettings.steps, lo=10, hi=200_000, label="Training steps (the stopping rule)",
                       help="GAN training steps")
    gans_per_set: int = param(1, lo=1, hi=8, label="GANs per training set (samples pooled)",
                              help="GANs trained per training set (different initialisations), samples pooled")
    n_seeds: int = param(10, lo=1, hi=100, cli="--seeds", label="Training sets", help="independent training sets")
    methods: tuple[str, ...] = param(METHODS, choices=METHODS, multiple=True, cli="--method",
                                     help="methods compared with the training sample")
    max_generated: int = param(10_000_000, lo=1_000, hi=100_000_000, unit="points", label="Largest number generated",
                               help="largest number of points generated")
    seed: int = params.seed_param(help="global seed (training set k uses (seed, k))")

    def check(self) -> None:
        get_distribution(self.distribution, self.dim, self.n_quant)  # the dimension fits the distribution

    @property
    def gan_settings(self) -> GanSettings:
        return GanSettings(width=self.width, depth=self.depth, latent=self.latent, lr=self.lr, steps=self.steps,
                           r1_gamma=self.r1_gamma)


@dataclasses.dataclass
class AmplifyResult:
    """Arrays over seeds (axis 0) and generated sizes (last axis).

    Attributes
    ----------
    generated : (G,) int — numbers of generated points of the MSE curves.
    mse : dict method → (K, G) — quantile MSE of the first g generated points.
    train_mse : (K,) — quantile MSE of each training sample.
    amplification : dict method → (K,) — at the largest g; ``"train"`` holds the samples' own.
    losses : dict name → (K, T) — GAN losses at steps ``loss_steps`` (T,).
    snapshot_steps, snapshot_mse : (S,), (K, S) — the pooled EMA GANs' MSE (5·10⁴ points) against training step,
        a diagnostic of *when* a GAN amplifies (never used to stop training).
    snapshot_profiles : (K, S, B) — the same 5·10⁴ points' density on ``profile_x`` at each snapshot: the
        training replay (empty (K, 0, B) in results made before it existed).
    profile_x : (B,) — x (camel back) or radius ρ (ring, shell) grid of the density plots.
    profiles : dict name → (K, B) — densities on ``profile_x``: truth, fit, kde, gan.
    train_points, scatter : dict name → (K, m, dim) — up to 1500 training / generated points per seed.
    seconds : dict method → float — wall time summed over seeds.
    """

    config: AmplifyConfig
    generated: np.ndarray
    mse: dict
    train_mse: np.ndarray
    amplification: dict
    losses: dict
    loss_steps: np.ndarray
    snapshot_steps: np.ndarray
    snapshot_mse: np.ndarray
    profile_x: np.ndarray
    profiles: dict
    train_points: np.ndarray
    scatter: dict
    seconds: dict
    snapshot_profiles: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, 0, 0), np.float32))

    def summary(self) -> dict:
        """Mean and standard deviation over seeds, bootstrap 95 % intervals over the training sets and the
        paired test of each method against its own training samples (:mod:`.uncertainty`): the CLI's JSON
        and the page's table. ``gan_vs_sample`` is the GAN's paired test (None without a GAN)."""
        n_quant, n_train = self.config.n_quant, self.config.n_train
        out = {"dataset": self.config.distribution, "dim": self.config.dim, "n_train": n_train,
               "quantiles": n_quant, "seeds": self.config.n_seeds, "max_generated": int(self.generated[-1]),
               "expected_mse_true": float(expected_mse_of_true_samples(n_train, n_quant)),
               "train_mse": _mean_std(self.train_mse),
               "train_amplification": _mean_std(self.amplification["train"])}
        final = {method: self.mse[method][:, -1] for method in self.config.methods}
        spread = uncertainty_summary(final, self.train_mse, n_quant, n_train, self.config.seed)
        out["train_amplification_ci95"] = spread["train"]["amplification_ci95"]
        out["train_amplification_of_mean_mse"] = float(amplification(self.train_mse.mean(), n_quant, n_train))
        out["train_amplification_of_mean_mse_ci95"] = spread["train"]["amplification_of_mean_mse_ci95"]
        for method, mse in final.items():
            out[method] = {"mse": _mean_std(mse), "amplification": _mean_std(self.amplification[method]),
                           "amplification_ci95": spread[method]["amplification_ci95"],
                           "amplification_of_mean_mse": float(amplification(mse.mean(), n_quant, n_train)),
                           "amplification_of_mean_mse_ci95": spread[method]["amplification_of_mean_mse_ci95"],
                           "vs_sample": spread[method]["vs_sample"],
                           "seconds": round(float(self.seconds[method]), 2)}
        out["gan_vs_sample"] = spread["gan"]["vs_sample"] if "gan" in spread else None
        return out


def _mean_std(values: np.ndarray) -> dict:
    values = np.asarray(values, dtype=float)
    return {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0}


def _profile_grid(config: AmplifyConfig) -> np.ndarray:
    if config.distribution == "camelback":
        return np.linspace(-2 * MODE, 2 * MODE, PROFILE_BINS + 1)
    return np.linspace(0.0, 2 * MODE, PROFILE_BINS + 1)


def _profile_coordinate(points: np.ndarray, distribution: str) -> np.ndarray:
    return points[:, 0] if distribution == "camelback" else np.linalg.norm(points, axis=1)


def _histogram_density(points: np.ndarray, edges: np.ndarray, distribution: str) -> np.ndarray:
    values = _profile_coordinate(points, distribution)
    counts, _ = np.histogram(values, edges)
    return counts / (len(values) * np.diff(edges))


def _seeds(config: AmplifyConfig, k: int) -> np.ndarray:
    """Independent seeds (data, fit, GAN, sampling) of training set ``k``."""
    return np.random.SeedSequence((config.seed, k)).generate_state(4)


def training_set(config: AmplifyConfig, k: int = 0) -> np.ndarray:
    """Training set ``k`` of ``config``: (n_train, dim) points from the true distribution."""
    dist = get_distribution(config.distribution, config.dim, config.n_quant)
    return dist.sample(config.n_train, np.random.default_rng(_seeds(config, k)[0]))


def one_training_set(config: AmplifyConfig, k: int) -> dict:
    """Everything for training set ``k``: fit, KDE and GAN, each sampled and scored (module-level: runs in a worker)."""
    dist = get_distribution(config.distribution, config.dim, config.n_quant)
    _, fit_seed, gan_seed, sample_seed = _seeds(config, k)
    data = training_set(config, k)
    grid = generated_grid(config.max_generated)
    edges = _profile_grid(config)
    train_counts = torch.bincount(dist.cell_index(torch.from_numpy(data)), minlength=config.n_quant)
    out: dict = {"train_mse": float(quantile_mse(train_counts.numpy())), "mse": {}, "seconds": {}, "scatter": {},
                 "profiles": {}, "train_points": data[:SCATTER_POINTS].astype(np.float32)}
    centres = 0.5 * (edges[1:] + edges[:-1])
    if config.distribution == "camelback":
        out["profiles"]["truth"] = dist.density(centres)
    else:
        out["profiles"]["truth"] = folded_normal_pdf(centres)

    for method in config.methods:
        start = time.perf_counter()
        rng = np.random.default_rng((int(sample_seed), METHODS.index(method)))
        if method == "gan":
            ensemble = [train_gan(data, config.gan_settings, int((gan_seed + 1000 * j) % 2**31), n_snapshots=N_SNAPSHOTS)
                        for j in range(config.gans_per_set)]
            sampler = PooledSampler([GeneratorSampler(t, int(sample_seed % 2**31) + j) for j, t in enumerate(ensemble)])
            sample_chunk = sampler.sample
            draw = lambda m, sampler=sampler: sampler.sample(m).cpu().numpy().astype(np.float64)
            trained = ensemble[0]  # the losses shown are the first GAN's
            out["losses"] = {name: values for name, values in trained.history.items() if name != "step"}
            out["loss_steps"] = trained.history["step"]
            out["snapshot_steps"] = trained.snapshot_steps
            out["snapshot_mse"], out["snapshot_profiles"] = _score_snapshots(ensemble, dist, edges, config)
        else:
            model = fit_parametric(data, config.distribution, seed=int(fit_seed % 2**31)) if method == "fit" \
                else fit_kde(data, seed=int(fit_seed % 2**31))
            draw = lambda m, model=model, rng=rng: model.sample(m, rng)
            sample_chunk = lambda m, draw=draw: torch.from_numpy(draw(m))
        chunk_size = sampler.chunk_size if method == "gan" else 1 << 20  # the sampler's buffer: no concatenation
        out["mse"][method] = mse_vs_generated(sample_chunk, dist.cell_index, config.n_quant, grid, chunk_size)
        profile_points = draw(PROFILE_SAMPLES)
        out["profiles"][method] = _histogram_density(profile_points, edges, config.distribution)
        out["scatter"][method] = profile_points[:SCATTER_POINTS].astype(np.float32)
        out["seconds"][method] = time.perf_counter() - start
    return out


def _score_snapshots(ensemble: list, dist, edges: np.ndarray, config: AmplifyConfig) -> tuple[np.ndarray, np.ndarray]:
    """At each snapshot: the pooled EMA generators' quantile MSE and density (5·10⁴ points each)."""
    mse, profiles = [], []
    for s in range(len(ensemble[0].snapshots)):
        sampler = PooledSampler([GeneratorSampler(t, 1 + j, state=t.snapshots[s]) for j, t in enumerate(ensemble)])
        points = sampler.sample(SNAPSHOT_SAMPLES)
        counts = torch.bincount(dist.cell_index(points), minlength=config.n_quant)
        mse.append(float(quantile_mse(counts)))
        profiles.append(_histogram_density(points.cpu().numpy().astype(np.float64), edges, config.distribution))
    return np.array(mse), np.array(profiles, dtype=np.float32).reshape(len(mse), len(edges) - 1)


def run_amplification(config: AmplifyConfig, progress: Progress | None = None) -> AmplifyResult:
    """Run the experiment for ``config``: K training sets in parallel; see :class:`AmplifyResult`."""
    config.validate()
    progress = progress or no_progress
    progress(0.0, f"training on {config.n_seeds} training sets…")
    parts = run_sweep(one_training_set, [(config, k) for k in range(config.n_seeds)], progress,
                      label="training sets")
    n_quant, n_train = config.n_quant, config.n_train
    mse = {m: np.stack([p["mse"][m] for p in parts]) for m in config.methods}
    train_mse = np.array([p["train_mse"] for p in parts])
    amp = {m: amplification(mse[m][:, -1], n_quant, n_train) for m in config.methods}
    amp["train"] = amplification(train_mse, n_quant, n_train)
    has_gan = "gan" in config.methods
    stack = lambda key, name: np.stack([p[key][name] for p in parts]).astype(np.float32)
    return AmplifyResult(
        config=config,
        generated=generated_grid(config.max_generated),
        mse=mse,
        train_mse=train_mse,
        amplification=amp,
        losses={name: stack("losses", name) for name in parts[0]["losses"]} if has_gan else {},
        loss_steps=parts[0]["loss_steps"] if has_gan else np.zeros(0),
        snapshot_steps=parts[0]["snapshot_steps"] if has_gan else np.zeros(0),
        snapshot_mse=np.stack([p["snapshot_mse"] for p in parts]) if has_gan else np.zeros((config.n_seeds, 0)),
        snapshot_profiles=np.stack([p["snapshot_profiles"] for p in parts]) if has_gan
        else np.zeros((config.n_seeds, 0, PROFILE_BINS), np.float32),
        profile_x=_profile_grid(config),
        profiles={name: stack("profiles", name) for name in parts[0]["profiles"]},
        train_points=np.stack([p["train_points"] for p in parts]),
        scatter={m: stack("scatter", m) for m in config.methods},
        seconds={m: float(sum(p["seconds"][m] for p in parts)) for m in config.methods},
    )


DEFAULT_CONFIG = AmplifyConfig()


# Seconds on one core of the 2-core machine class, measured by benchmarks/bench_estimates.py.
SECONDS_PER_GAN_STEP = 3.5e-3        # width 64, depth 3, n = 100
SECONDS_TO_START_WORKERS = 5.0       # joblib's worker processes import torch and scikit-learn
SECONDS_PER_GAN_OVERHEAD = 1.5       # snapshots scored, profiles drawn
SECONDS_PER_GENERATED_POINT = 8e-8   # sampling and binning, per method


def estimate_seconds(config: AmplifyConfig) -> float:
    """Wall time on the 2-core machine class: training sets run ``n_jobs`` at a time."""
    per_set = len(config.methods) * config.max_generated * SECONDS_PER_GENERATED_POINT
    if "kde" in config.methods:
        per_set += 0.2 * (config.n_train / 100) ** 1.5  # cross-validated bandwidth
    if "gan" in config.methods:
        step = SECONDS_PER_GAN_STEP * (max(config.width, 16) / 64) ** 1.1 * (config.depth / 3) \
            * (1 + config.n_train / 1500)
        per_set += config.gans_per_set * (SECONDS_PER_GAN_OVERHEAD + config.steps * step)
    workers = max(1, min(n_jobs(), config.n_seeds))
    rounds = -(-config.n_seeds // workers)
    return 1.0 + (SECONDS_TO_START_WORKERS if workers > 1 else 0.0) + rounds * per_set


PRESETS = (
    experiments.Preset(
        "paper", "The paper's setting", DEFAULT_CONFIG,
        note="Camel back, 100 training points, 10 quantile cells, 10 training sets, 10⁷ points generated "
             "(arXiv:2008.06545, Sec. 2); shipped, so it shows at once."),
    experiments.Preset(
        "demo", "A 30-second demo", AmplifyConfig(n_seeds=4, steps=3000, max_generated=1_000_000),
        note="The same law with 4 training sets, half the training steps and 10⁶ points generated."),
    experiments.Preset(
        "fails", "Where it fails", AmplifyConfig(distribution="shell", dim=5, n_seeds=4, max_generated=1_000_000),
        page_values={"shell_dim": 5},
        note="The recipe tuned on the camel back, on a 5-dimensional spherical shell: the GAN falls short of "
             "its own 100 points there."),
)

AMPLIFY = experiments.register(experiments.Experiment(
    name="amplify", config_type=AmplifyConfig, compute=run_amplification, to_json=AmplifyResult.summary,
    estimate_seconds=estimate_seconds, label="Training and sampling", presets=PRESETS, ship=(DEFAULT_CONFIG,),
    calibration=(AmplifyConfig(n_seeds=2, steps=2000, max_generated=1_000_000),
                 AmplifyConfig(n_train=1000, n_seeds=2, steps=1000, max_generated=1_000_000),
                 AmplifyConfig(distribution="ring", dim=2, n_seeds=4, steps=1500, width=32, max_generated=1_000_000))))


def save_asset(config: AmplifyConfig, progress: Progress | None = None) -> Path:
    """Compute ``config`` with the current code and store it as a shipped result (the CLI's ``--save-asset``;
    ``make assets`` does the same for every config in ``AMPLIFY.ship``)."""
    return experiments.make_shipped(AMPLIFY, config, progress)
