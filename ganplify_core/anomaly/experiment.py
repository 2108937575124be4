"""The two experiments of the Autoencoder ROC page, each a frozen config in and a result of arrays out.

* :data:`CURVE` (``ae-curve``) — Part 1: an autoencoder with a one-number bottleneck learns a curve
  ``y = f(x)``; off-curve points reconstruct badly (see :mod:`.curve_toy`).
* :data:`TOP_TAGGING` (``ae-roc``) — Part 2: an autoencoder trained on jet images of one class (QCD by
  default) scores jets of both classes by reconstruction error; compared on one ROC plot with the jet
  mass, τ32 and a supervised CNN trained on labelled jets (Heimel et al., arXiv:1808.08979).

Each is registered with :mod:`ganplify_core.experiments`: run it with ``experiments.run(CURVE, config)``
(cached on disk by the config, single flight across processes). The two trained networks of Part 2 are
cached on their own as well, so changing only the score retrains nothing. The page's default settings of
both parts ship as precomputed results in ``assets/`` (``python -m ganplify_core ae-curve --save-asset``,
``... ae-roc --save-asset``).

Both experiments compute on one torch thread (:func:`ganplify_core.anomaly.threads.experiment_threads`):
on the 2-core machine class the default top tagging took 48.8 s on one thread and 196 s on two while
the server was busy (the threads fight over the cores with everything else it runs); the measurement
behind the choice is in :mod:`ganplify_core.anomaly.threads` and ``docs/anomaly.md``. The top tagging's
independent parts (the two classes' jets, the two networks' training, their scoring) run side by side in two
such threads, one per core of the machine class, with the same results: 54.5 s idle for the default, 86.4 s
one after the other (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganplify_core import cache, experiments, params
from ganplify_core.anomaly import curve_toy, decorrelation, onnx_autoencoder, roc
from ganplify_core.anomaly.fitting import classifier_probability, fit_autoencoder, fit_classifier
from ganplify_core.anomaly.models import AUTOENCODER_KINDS, CurveAutoencoder, JetImageCNN, build_jet_autoencoder
from ganplify_core.anomaly.scores import SCORE_KINDS, reconstruct, reconstruction_error, score_in_batches
from ganplify_core.anomaly.threads import experiment_threads
from ganplify_core.device import get_device
from ganplify_core.errors import InputError
from ganplify_core.jets import available_sources, get_jets, jet_images
from ganplify_core.jets.sample import reference_size
from ganplify_core.params import param
from ganplify_core.paths import ASSETS_DIR
from ganplify_core.seeding import make_rng
from ganplify_core.training import Progress, no_progress, scaled

ASSETS = ASSETS_DIR
CURVE_ASSET = ASSETS / "ae-curve-default.npz"
TOP_TAGGING_ASSET = ASSETS / "ae-roc-default.npz"

# -- Part 1: the curve toy ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CurveToyConfig(params.Config):
    """Settings of the curve toy (the page's Part 1 and ``ae-curve``)."""

    curve: str = param("sine", choices=tuple(curve_toy.CURVES), label="Curve y = f(x)",
                       labels={name: f"{name}: {formula}" for name, (_, formula) in curve_toy.CURVES.items()},
                       help="the curve the training points lie on")
    noise: float = param(0.03, lo=0.0, hi=1.0, label="Noise σ on y", help="Gaussian noise on y")
    n_train: int = param(500, lo=1, hi=10_000, unit="points", label="Training points",
                         help="points on the curve the autoencoder is trained on (one full batch per step)")
    n_anomalies: int = param(100, lo=1, hi=100_000, unit="points", label="Off-curve points injected",
                             help="off-curve points injected into the test sample")
    distance: float = param(0.3, lo=0.01, hi=2.0, label="Their distance d from the curve (vertical)",
                            help="vertical offset of the off-curve points")
    n_test: int = param(1000, lo=1, hi=1_000_000, unit="points", label="On-curve test points",
                        help="on-curve test points")
    steps: int = param(1000, lo=1, hi=20_000, label="Training steps", help="training steps (full-batch Adam)")
    seed: int = params.seed_param()


@dataclasses.dataclass(frozen=True)
class CurveToyResult:
    """What the curve toy produced. Points are float32 ``(n, 2)``; errors are per-point MSE scores."""

    config: CurveToyConfig
    train_points: np.ndarray
    test_points: np.ndarray          # on-curve test points
    anomalies: np.ndarray            # off-curve test points
    test_scores: np.ndarray
    anomaly_scores: np.ndarray
    learned_curve: np.ndarray        # D(z) for z over the range of E(training points), (200, 2)
    true_curve: np.ndarray           # (x, f(x)) on a fine grid, (400, 2)
    grid_x: np.ndarray               # heat-map axes
    grid_y: np.ndarray
    grid_error: np.ndarray           # reconstruction error on the grid, (len(grid_y), len(grid_x))
    roc_fpr: np.ndarray
    roc_tpr: np.ndarray
    auc: float
    loss_step: np.ndarray
    loss: np.ndarray


HEATMAP_RANGE = (-1.6, 1.6)


def curve_toy_json(result: CurveToyResult) -> dict:
    """What ``ae-curve --json`` prints: the AUC, the ROC curve and the config."""
    return {"auc": result.auc, "roc": {"fpr": result.roc_fpr, "tpr": result.roc_tpr},
            "config": dataclasses.asdict(result.config)}


def compute_curve_toy(config: CurveToyConfig, progress: Progress | None = None) -> CurveToyResult:
    """Train the curve autoencoder and score on- and off-curve points (not cached: use ``experiments.run``)."""
    config.validate()
    # The toy is tiny: on the CPU (not a GPU: launch overhead) and on one thread, since synchronising
    # threads costs more than the 64-wide layers gain, and many times more on a busy machine.
    with experiment_threads():
        return _compute_curve_toy(config, progress)


def _compute_curve_toy(config: CurveToyConfig, progress: Progress | None) -> CurveToyResult:
    rng = make_rng(config.seed)
    train = curve_toy.sample_on_curve(config.curve, config.n_train, config.noise, rng)
    test = curve_toy.sample_on_curve(config.curve, config.n_test, config.noise, rng)
    anomalies = curve_toy.sample_off_curve(config.curve, config.n_anomalies, config.distance, config.noise, rng)

    torch.manual_seed(config.seed)  # the initial weights
    model = CurveAutoencoder()
    history = fit_autoencoder(model, train, epochs=config.steps, batch_size=len(train), learning_rate=2e-2,
                              seed=config.seed, progress=progress)
    test_scores = score_in_batches(model, test)
    anomaly_scores = score_in_batches(model, anomalies)

    with torch.no_grad():
        codes = model.encoder(torch.as_tensor(train))
        z = torch.linspace(float(codes.min()), float(codes.max()), 200).unsqueeze(1)
        learned_curve = model.decoder(z).numpy()
    grid_x = np.linspace(*HEATMAP_RANGE, 121)
    grid_y = np.linspace(*HEATMAP_RANGE, 121)
    gx, gy = np.meshgrid(grid_x, grid_y)
    grid_points = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    grid_error = score_in_batches(model, grid_points).reshape(gx.shape)
    xs = np.linspace(*curve_toy.X_RANGE, 400)
    true_curve = np.stack([xs, curve_toy.curve_function(config.curve)(xs)], axis=1)
    curve = roc.roc(test_scores, anomaly_scores)
    return CurveToyResult(
        config=config, train_points=train, test_points=test, anomalies=anomalies, test_scores=test_scores,
        anomaly_scores=anomaly_scores, learned_curve=learned_curve, true_curve=true_curve, grid_x=grid_x,
        grid_y=grid_y, grid_error=grid_error, roc_fpr=curve.fpr, roc_tpr=curve.tpr, auc=curve.auc,
        loss_step=history["step"], loss=history["loss"],
    )


def _shipped(path: Path, config, result_type: type, check: Callable = lambda result: True):
    """The precomputed result at ``path`` if it was made with exactly ``config``, else None."""
    result = _load_asset(path)
    if isinstance(result, result_type) and result.config == config and check(result):
        return result
    return None


@functools.lru_cache(maxsize=4)
def _load_asset(path: Path):
    if not path.exists():
        return None
    try:
        return cache.load(path)
    except Exception:  # a damaged asset only costs a computation
        return None


def save_asset(result, path: Path) -> Path:
    """Write ``result`` as a shipped default (the CLI's ``--save-asset``)."""
    cache.dump(result, path)
    _load_asset.cache_clear()
    return path


# Seconds on the idle 2-core machine class, torch on one thread, from the CPU time of small runs (300
# full-batch steps on 500 and 4000 points: 2.98 and 11.4 ms a step): a fixed part plus a part per
# training point; scoring the 121 x 121 grid and the test points is cheap.
# ``benchmarks/bench_estimates.py --only ae-curve`` compares them with measured times.
CURVE_SECONDS_PER_STEP = 1.8e-3
CURVE_SECONDS_PER_STEP_AND_POINT = 2.4e-6
CURVE_SECONDS_PER_SCORED_POINT = 2e-6
CURVE_SECONDS_OVERHEAD = 0.3


def estimate_curve_toy_seconds(config: CurveToyConfig) -> float:
    """Wall time of :func:`compute_curve_toy` on the 2-core machine class."""
    scored = config.n_test + config.n_anomalies + 121 * 121
    return (CURVE_SECONDS_OVERHEAD + scored * CURVE_SECONDS_PER_SCORED_POINT
            + config.steps * (CURVE_SECONDS_PER_STEP + config.n_train * CURVE_SECONDS_PER_STEP_AND_POINT))


CURVE_DEFAULT = CurveToyConfig()
# The page shows four of the toy's settings; the others keep their defaults (the page's n_train and
# n_test are Part 2's jets).
CURVE_PAGE_FIXED = {name: getattr(CURVE_DEFAULT, name) for name in ("n_train", "n_test", "steps")}
CURVE = experiments.register(experiments.Experiment(
    name="ae-curve", config_type=CurveToyConfig, compute=compute_curve_toy, to_json=curve_toy_json,
    estimate_seconds=estimate_curve_toy_seconds, label="Training the curve autoencoder",
    shipped=lambda config: _shipped(CURVE_ASSET, config, CurveToyResult),
    calibration=(CurveToyConfig(steps=4000),
                 CurveToyConfig(curve="parabola", n_train=2000, steps=5000),
                 CurveToyConfig(curve="cubic", n_train=5000, n_test=20_000, steps=2000))))


# -- Part 2: top tagging on jet images ------------------------------------------------------------------

DATASETS = ("toy", "reference")
TRAIN_CLASSES = ("qcd", "top")
EXAMPLE_QUANTILES = (0.1, 0.5, 0.9)
INTENSITIES = ("linear", "sqrt")
# Mini-batch size and Adam learning rate of each network; part of the cache keys, so a change retrains.
_CLASS_NAMES = {"qcd": "QCD", "top": "top"}
AUTOENCODER_TRAINING = {"batch_size": 128, "learning_rate": 1e-3}
CLASSIFIER_TRAINING = {"batch_size": 128, "learning_rate": 3e-3}


@dataclasses.dataclass(frozen=True)
class TopTaggingConfig(params.Config):
    """Settings of the top-tagging experiment (the page's Part 2 and ``ae-roc``).

    ``intensity``: the pixel values the networks see, the pT fraction of each pixel (unit-sum image) or
    its square root (which lifts the soft, wide-angle radiation against the hardest pixel; the image then
    has unit sum of squares, so the relative score equals 1600 × MSE). The supervised CNN trains on
    ``n_train`` jets of each class; the autoencoder on those of ``train_on`` only.
    """

    dataset: str = param("toy", choices=DATASETS, widget="radio", label="Jets",
                         labels={"toy": "toy shower", "reference": "Pythia reference"},
                         help="jets from the toy shower or the Pythia reference sample (assets/reference_jets.npz)")
    model: str = param("conv", choices=AUTOENCODER_KINDS, widget="radio", label="Autoencoder",
                       labels={"conv": "convolutional", "dense": "dense"}, help="autoencoder architecture")
    bottleneck: int = param(20, lo=1, hi=400, label="Bottleneck size B",
                            help="size of the code (the literature uses 6–40 numbers for jet images)")
    train_on: str = param("qcd", choices=TRAIN_CLASSES, widget="radio", label="Train the autoencoder on",
                          labels={"qcd": "QCD jets", "top": "top jets"},
                          help="the class the autoencoder learns; the other one is the anomaly. Training on top "
                               "and asking for QCD shows the asymmetry: the autoencoder flags complexity, not novelty")
    score: str = param("mse", choices=SCORE_KINDS, widget="radio", label="Anomaly score",
                       labels={"mse": "MSE: mean of (x − x̂)²", "relative": "relative: Σ(x − x̂)² / Σx²"},
                       help="the reconstruction error used as anomaly score")
    intensity: str = param("sqrt", choices=INTENSITIES, widget="radio", label="Pixel intensity",
                           labels={"linear": "pT fraction", "sqrt": "√(pT fraction)"},
                           help="pixel intensity fed to the networks: pT fraction, or its square root "
                                "(√ lifts the soft, wide-angle radiation against the hardest pixel)")
    n_train: int = param(20_000, lo=100, hi=50_000, unit="jets", label="Training jets per class",
                         help="training jets per class")
    n_test: int = param(20_000, lo=100, hi=100_000, unit="jets", label="Test jets per class",
                        help="test jets per class")
    epochs: int = param(4, lo=1, hi=30, label="Autoencoder epochs", help="autoencoder epochs")
    classifier_epochs: int = param(3, lo=1, hi=30, label="Supervised CNN epochs", help="supervised CNN epochs")
    seed: int = params.seed_param()
    repeats: int = param(1, lo=1, hi=10, label="Training runs (seeds)",
                         help="train and score with seeds seed, seed + 1, …: the spread of the AUC and the "
                              "rejection over runs (new jets and new initial weights each run)")

    @property
    def anomaly_class(self) -> str:
        return "top" if self.train_on == "qcd" else "qcd"

    def check(self) -> None:
        if self.seed + self.repeats - 1 > params.SEED_MAX:
            raise InputError(f"seed + repeats − 1 = {self.seed + self.repeats - 1} is above the largest seed "
                             f"{params.SEED_MAX}; lower the seed or the repeats")
        if self.dataset == "reference":
            if "reference" not in available_sources():
                raise InputError("dataset 'reference' is not available (assets/reference_jets.npz is missing); "
                                 "use dataset 'toy'")
            size = min(reference_size("qcd"), reference_size("top"))
            if self.n_train + self.n_test > size:
                raise InputError(f"n_train + n_test = {self.n_train + self.n_test} is more than the {size} jets per "
                                 f"class of the reference sample; lower n_train or n_test")


@dataclasses.dataclass(frozen=True)
class TopTaggingResult:
    """Scores of the test jets of both classes, ROC curves and examples.

    ``normal`` is the class the autoencoder was trained on, ``anomaly`` the other one (the "signal" of the
    ROC curves). ``rocs`` holds the curve of the autoencoder (``"autoencoder"``), of its mass-decorrelated
    score (``"decorrelated"``, see :mod:`.decorrelation`) and of each baseline (``"mass"``, ``"tau32"``,
    ``"supervised"``), each oriented so that a higher score means anomaly-like; AUCs and the rejections
    ``1/ε_B`` at ``ε_S`` = 0.3 and 0.5 (``rejections[name]["0.3"]``) come from the full samples. With
    ``repeats`` > 1 the arrays are those of the first seed and ``seed_aucs[name]`` /
    ``seed_rejections[name][e]`` hold one value per seed.
    """

    config: TopTaggingConfig
    training: dict                     # the two networks' training recipes (part of the cache key)
    normal_class: str
    anomaly_class: str
    normal_scores: np.ndarray          # autoencoder score of each test jet of the normal class
    anomaly_scores: np.ndarray
    rocs: dict                         # name -> RocCurve
    example_images: np.ndarray         # (6, 40, 40): 3 normal then 3 anomalous test jets
    example_reconstructions: np.ndarray
    example_classes: list              # class of each example
    example_scores: np.ndarray
    autoencoder_loss: np.ndarray
    classifier_loss: np.ndarray
    seconds: dict                      # wall time of each stage when it was computed
    normal_mass: np.ndarray | None = None        # jet mass [GeV] of each test jet of the normal class
    anomaly_mass: np.ndarray | None = None
    normal_decorrelated: np.ndarray | None = None  # mass-decorrelated score F(s | m) of each test jet
    anomaly_decorrelated: np.ndarray | None = None
    rejections: dict = dataclasses.field(default_factory=dict)       # name -> {"0.3": 1/ε_B, "0.5": 1/ε_B}
    mass_spearman: dict = dataclasses.field(default_factory=dict)    # "autoencoder"/"decorrelated" -> {class: ρ}
    seed_aucs: dict = dataclasses.field(default_factory=dict)        # name -> [AUC of each seed]
    seed_rejections: dict = dataclasses.field(default_factory=dict)  # name -> {"0.3": [...], "0.5": [...]}

    @property
    def auc(self) -> float:
        return self.rocs["autoencoder"].auc

    @property
    def repeats(self) -> int:
        return len(self.seed_aucs.get("autoencoder", [0]))

    def auc_std(self, name: str = "autoencoder") -> float | None:
        """Standard deviation (ddof = 1) of the AUC over the seeds; None for a single run."""
        values = self.seed_aucs.get(name, [])
        return float(np.std(values, ddof=1)) if len(values) > 1 else None

    def rejection_std(self, name: str, efficiency: str) -> float | None:
        """Standard deviation of 1/ε_B over the seeds (None for a single run or an infinite value)."""
        values = np.asarray(self.seed_rejections.get(name, {}).get(efficiency, []), float)
        return float(np.std(values, ddof=1)) if len(values) > 1 and np.isfinite(values).all() else None


def _jet_images_and_observables(config: TopTaggingConfig, process: str) -> tuple[np.ndarray, dict]:
    """Unit-sum jet images (n, 1, 40, 40) at the config's intensity, and the jets' observables."""
    jets = get_jets(process, config.n_train + config.n_test, seed=config.seed, source=config.dataset)
    images = jet_images(jets, normalise=True)[:, None]
    if config.intensity == "sqrt":
        images = np.sqrt(images)
    return images, jets.observables


def _cached_network(kind: str, key: dict, model: torch.nn.Module,
                    fit: Callable[[torch.nn.Module], dict]) -> tuple[torch.nn.Module, np.ndarray]:
    """``model`` with the weights ``fit(model)`` trains (disk-cached as ``kind``, ``key``), in evaluation mode on
    the compute device, and its loss per epoch."""

    def train() -> dict:
        history = fit(model)
        return {"state": {k: v.cpu() for k, v in model.state_dict().items()}, "loss": history["loss"]}

    stored = cache.cached(kind, key, train)
    model.load_state_dict(stored["state"])
    return model.to(get_device()).eval(), np.asarray(stored["loss"])


def _autoencoder_key(config: TopTaggingConfig) -> dict:
    """What the trained autoencoder depends on (its disk-cache key)."""
    key = {f: getattr(config, f) for f in ("dataset", "intensity", "model", "bottleneck", "train_on",
                                           "n_train", "epochs", "seed")}
    key["training"] = AUTOENCODER_TRAINING
    return key


def _classifier_key(config: TopTaggingConfig) -> dict:
    """What the trained supervised CNN depends on (its disk-cache key)."""
    return {"dataset": config.dataset, "intensity": config.intensity, "n_train": config.n_train,
            "epochs": config.classifier_epochs, "seed": config.seed, "training": CLASSIFIER_TRAINING}


Trainer = Callable[[], tuple[torch.nn.Module, np.ndarray]]


def _autoencoder_trainer(config: TopTaggingConfig, images: np.ndarray, progress: Progress | None) -> Trainer:
    """The call that trains the autoencoder of ``config`` on ``images`` (the training jets of ``train_on``) and
    returns it with its losses. Its initial weights are drawn here, in the caller's thread, from the seed."""
    torch.manual_seed(config.seed)
    model = build_jet_autoencoder(config.model, config.bottleneck)
    return lambda: _cached_network("ae-jet-autoencoder", _autoencoder_key(config), model, lambda m: fit_autoencoder(
        m, images, config.epochs, seed=config.seed, device=get_device(), progress=progress, **AUTOENCODER_TRAINING))


def _supervised_trainer(config: TopTaggingConfig, images: np.ndarray, labels: np.ndarray,
                        progress: Progress | None) -> Trainer:
    """The call that trains the supervised CNN on labelled QCD (0) and top (1) training jets and returns it with
    its losses. Its initial weights are drawn here, in the caller's thread, from the seed."""
    torch.manual_seed(config.seed)
    model = JetImageCNN()
    return lambda: _cached_network("ae-supervised-cnn", _classifier_key(config), model, lambda m: fit_classifier(
        m, images, labels, config.classifier_epochs, seed=config.seed, device=get_device(), progress=progress,
        **CLASSIFIER_TRAINING))


def _side_by_side(*calls: Callable[[], Any]) -> list:
    """The calls' results, computed at the same time in threads of their own, each on one torch thread.

    The two cores of the machine class each take one: the networks here are too small for two threads to
    speed up one of them (``threads.py``), but two independent ones train in parallel. Each call draws no
    global random number (initial weights are drawn before, batches from its own generator), so the results
    are those of running them one after the other.
    """
    def in_thread(call: Callable[[], Any]) -> Any:
        with experiment_threads():
            return call()

    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="ae-stage") as pool:
        futures = [pool.submit(in_thread, call) for call in calls]
        return [future.result() for future in futures]


def _joint_progress(progress: Progress, start: float, stop: float, weights: dict[str, float]) -> dict[str, Progress]:
    """One callback per part run side by side: the parent's bar covers ``[start, stop]`` with the parts'
    fractions weighted by their estimated seconds; the message is the last part's."""
    done = dict.fromkeys(weights, 0.0)
    total = sum(weights.values()) or 1.0
    lock = threading.Lock()

    def part(name: str) -> Progress:
        def report(fraction: float, message: str) -> None:
            with lock:
                done[name] = min(max(fraction, 0.0), 1.0)
                overall = sum(done[k] * w for k, w in weights.items()) / total
            progress(start + (stop - start) * overall, message)
        return report

    return {name: part(name) for name in weights}


def training_recipes() -> dict:
    """Mini-batch size and learning rate of both networks: part of a result's cache key."""
    return {"autoencoder": dict(AUTOENCODER_TRAINING), "classifier": dict(CLASSIFIER_TRAINING)}


# Bumped when a result gains fields, so that results stored by older code are not read as new ones.
RESULT_VERSION = 2


def result_key(config: TopTaggingConfig) -> dict:
    """The disk-cache key of a top-tagging result: the config, both training recipes and the result's layout."""
    return {"config": config, **training_recipes(), "result_version": RESULT_VERSION}


def _json_rejections(values: dict) -> dict:
    return {e: roc.json_number(r) for e, r in values.items()}


def top_tagging_json(result: TopTaggingResult) -> dict:
    """What ``ae-roc --json`` prints: the AUCs of the autoencoder and the baselines, its ROC, the config.

    ``rejection`` is the autoencoder's ``1/ε_B`` at ``ε_S`` = 0.3 and 0.5 (``null`` where no background
    passes), ``rejections`` the same for every tagger; with ``--repeats k`` > 1, ``auc_std`` (and
    ``auc_std_<tagger>``) is the standard deviation over the k seeds and ``seed_aucs`` lists them.
    """
    curve = result.rocs["autoencoder"]
    out = {
        "anomaly_class": result.anomaly_class,
        "auc": curve.auc,
        **{f"auc_{name}": result.rocs[name].auc for name in ("mass", "tau32", "supervised")},
        "roc": {"fpr": curve.fpr, "tpr": curve.tpr},
        "config": dataclasses.asdict(result.config),
    }
    if result.rejections:
        out["rejection"] = _json_rejections(result.rejections["autoencoder"])
        out["rejections"] = {name: _json_rejections(values) for name, values in result.rejections.items()}
        out["auc_decorrelated"] = result.rocs["decorrelated"].auc
        out["mass_spearman"] = result.mass_spearman
    if result.repeats > 1:
        out["auc_std"] = result.auc_std()
        out.update({f"auc_std_{name}": result.auc_std(name) for name in result.seed_aucs if name != "autoencoder"})
        out["seed_aucs"] = result.seed_aucs
    return out


# Seconds on the idle 2-core machine class, torch on one thread. The stages' sum (51.3 s for the default)
# is the estimate of the whole run, whose parts now run side by side (measured 54.5 s idle). Anchored on
# the default run measured on the idle machine (benchmarks/RESULTS.md, load 1.9: jets + images 15.5 s,
# autoencoder 14.5 s, supervised CNN 8.4 s, scoring 4.9 s on two torch threads; 48.8 s in all on one
# thread, so the torch stages take about 1.2x longer on one thread); the rates of the dense autoencoder and the reference jets relative
# to those from the CPU time of small runs (dense / conv: 0.19 training, 0.4 scoring; reference / toy
# jets: 0.5). ``benchmarks/bench_estimates.py --only ae-roc`` compares them with measured times.
# Jets: generating both classes and their images, per jet of each class. Training: per jet and epoch.
# Scoring: per test jet of either class (the autoencoder's score and the CNN's probability).
SECONDS_PER_JET = {"toy": 3.9e-4, "reference": 2.0e-4}
SECONDS_PER_AUTOENCODER_JET_EPOCH = {"conv": 2.2e-4, "dense": 4.5e-5}
SECONDS_PER_CLASSIFIER_JET_EPOCH = 8.4e-5
SECONDS_PER_SCORED_JET = {"conv": 1.5e-4, "dense": 6.0e-5}
TOP_TAGGING_OVERHEAD = 0.5


def top_tagging_stages(config: TopTaggingConfig) -> dict[str, float]:
    """Estimated seconds of each stage; a network already trained (disk-cached) costs nothing."""
    stages = {"jets": TOP_TAGGING_OVERHEAD + (config.n_train + config.n_test) * SECONDS_PER_JET[config.dataset]}
    stages["autoencoder"] = 0.0 if cache.exists("ae-jet-autoencoder", _autoencoder_key(config)) else \
        config.n_train * config.epochs * SECONDS_PER_AUTOENCODER_JET_EPOCH[config.model]
    stages["supervised"] = 0.0 if cache.exists("ae-supervised-cnn", _classifier_key(config)) else \
        2 * config.n_train * config.classifier_epochs * SECONDS_PER_CLASSIFIER_JET_EPOCH
    # both classes' test jets (autoencoder and CNN), and the training jets (autoencoder only, for the mass
    # decorrelation: taken as half the rate, an assumption that bench_estimates checks with the whole run)
    stages["scoring"] = (2 * config.n_test + 0.5 * config.n_train) * SECONDS_PER_SCORED_JET[config.model]
    return stages


def _seed_runs(config: TopTaggingConfig) -> list[TopTaggingConfig]:
    """The single-seed configs a config with ``repeats`` > 1 is made of."""
    return [config.replace(seed=config.seed + k, repeats=1) for k in range(config.repeats)]


def estimate_top_tagging_seconds(config: TopTaggingConfig) -> float:
    """Wall time of :func:`compute_top_tagging` on the 2-core machine class (seeds already computed cost nothing)."""
    if config.repeats == 1:
        return sum(top_tagging_stages(config).values())
    return sum(0.0 if experiments.is_cached(TOP_TAGGING, run) else sum(top_tagging_stages(run).values())
               for run in _seed_runs(config))


def compute_top_tagging(config: TopTaggingConfig, progress: Progress | None = None) -> TopTaggingResult:
    """Train (or load) the autoencoder and the supervised CNN, score the test jets, build the ROC curves.

    Not cached as a whole (use ``experiments.run(TOP_TAGGING, config)``); the two trained networks are
    cached on their own, so changing only the score (or anything the other network does not depend on)
    retrains nothing. torch runs on one thread (see the module docstring).
    """
    config.validate()
    progress = progress or no_progress
    if config.repeats == 1:
        with experiment_threads():
            return _compute_top_tagging(config, progress)
    # one stored result per seed: asking for more repeats later reuses the seeds already run
    runs = []
    for k, run in enumerate(_seed_runs(config)):
        runs.append(experiments.run(TOP_TAGGING, run, scaled(progress, k / config.repeats, (k + 1) / config.repeats)))
    first = runs[0]
    return dataclasses.replace(
        first, config=config,
        seed_aucs={name: [r.rocs[name].auc for r in runs] for name in first.rocs},
        seed_rejections={name: {e: [r.rejections[name][e] for r in runs] for e in first.rejections[name]}
                         for name in first.rejections})


def _compute_top_tagging(config: TopTaggingConfig, progress: Progress) -> TopTaggingResult:
    # each stage's share of the progress bar is its share of the estimated time, so the time left the
    # job view extrapolates from the rate so far stays honest across stages
    stages = top_tagging_stages(config)
    total = sum(stages.values())
    bounds, done = {}, 0.0
    for name, estimate in stages.items():
        bounds[name] = (done / total, (done + estimate) / total)
        done += estimate
    seconds = {}
    clock = time.perf_counter()
    progress(bounds["jets"][0], "generating QCD and top jets and their images")
    processes = ("qcd", "top")
    made = _side_by_side(*(functools.partial(_jet_images_and_observables, config, p) for p in processes))
    images, observables = (dict(zip(processes, part)) for part in zip(*made))
    train = {p: images[p][:config.n_train] for p in images}
    test = {p: images[p][config.n_train:] for p in images}
    seconds["jets"] = time.perf_counter() - clock

    # the two networks train side by side, each timed in its own thread
    labels = np.concatenate([np.zeros(config.n_train), np.ones(config.n_train)]).astype(np.float32)
    parts = _joint_progress(progress, bounds["autoencoder"][0], bounds["supervised"][1],
                            {"autoencoder": stages["autoencoder"], "supervised": stages["supervised"]})

    def timed(name: str, trainer: Trainer) -> Callable[[], tuple[torch.nn.Module, np.ndarray]]:
        def call() -> tuple[torch.nn.Module, np.ndarray]:
            start = time.perf_counter()
            try:
                return trainer()
            finally:
                seconds[name] = time.perf_counter() - start
        return call

    (autoencoder, autoencoder_loss), (classifier, classifier_loss) = _side_by_side(
        timed("autoencoder", _autoencoder_trainer(config, train[config.train_on], parts["autoencoder"])),
        timed("supervised", _supervised_trainer(config, np.concatenate([train["qcd"], train["top"]]), labels,
                                                parts["supervised"])))

    clock = time.perf_counter()
    progress(bounds["scoring"][0], "scoring the test jets")
    device = get_device()
    normal, anomaly = config.train_on, config.anomaly_class
    ae_scores, p_top = _side_by_side(  # the training jets' scores too, for the mass decorrelation
        lambda: {p: score_in_batches(autoencoder, images_of_p, config.score, device=device)
                 for p, images_of_p in {**test, "train": train[normal]}.items()},
        lambda: {p: classifier_probability(classifier, test[p], device=device) for p in test})
    train_scores = ae_scores.pop("train")
    # every baseline is oriented so that a higher value means "more like the anomaly class"
    sign = 1.0 if anomaly == "top" else -1.0
    baseline = {
        "mass": {p: sign * observables[p]["mass"][config.n_train:].astype(np.float64) for p in test},
        "tau32": {p: -sign * observables[p]["tau32"][config.n_train:].astype(np.float64) for p in test},
        "supervised": {p: p_top[p] if anomaly == "top" else 1.0 - p_top[p] for p in test},
    }
    # the mass decorrelation is fitted on the training jets (of the class the autoencoder learned: no labels)
    mass = {p: observables[p]["mass"][config.n_train:].astype(np.float64) for p in test}
    train_mass = observables[normal]["mass"][:config.n_train].astype(np.float64)
    quantiles = decorrelation.fit_mass_quantiles(train_scores, train_mass)
    decorrelated = {p: quantiles.transform(ae_scores[p], mass[p]) for p in test}
    taggers = {"autoencoder": ae_scores, "decorrelated": decorrelated, **baseline}
    rocs = {name: roc.roc(s[normal], s[anomaly]) for name, s in taggers.items()}
    rejections = {name: roc.rejections(s[normal], s[anomaly]) for name, s in taggers.items()}
    mass_spearman = {name: {p: decorrelation.spearman(taggers[name][p], mass[p]) for p in test}
                     for name in ("autoencoder", "decorrelated")}

    picks = [(p, int(np.argsort(ae_scores[p])[int(q * (config.n_test - 1))])) for p in (normal, anomaly)
             for q in EXAMPLE_QUANTILES]
    example_images = np.stack([test[p][i] for p, i in picks])
    example_reconstructions = reconstruct(autoencoder, example_images, device=device)
    seconds["scoring"] = time.perf_counter() - clock
    progress(1.0, "done")
    return TopTaggingResult(
        config=config, training=training_recipes(), normal_class=normal, anomaly_class=anomaly, normal_scores=ae_scores[normal],
        anomaly_scores=ae_scores[anomaly], rocs=rocs, example_images=example_images[:, 0],
        example_reconstructions=example_reconstructions[:, 0], example_classes=[p for p, _ in picks],
        example_scores=np.array([ae_scores[p][i] for p, i in picks]),
        autoencoder_loss=autoencoder_loss, classifier_loss=classifier_loss,
        seconds=seconds, normal_mass=mass[normal].astype(np.float32), anomaly_mass=mass[anomaly].astype(np.float32),
        normal_decorrelated=decorrelated[normal], anomaly_decorrelated=decorrelated[anomaly],
        rejections=rejections, mass_spearman=mass_spearman,
        seed_aucs={name: [curve.auc] for name, curve in rocs.items()},
        seed_rejections={name: {e: [r] for e, r in values.items()} for name, values in rejections.items()},
    )


TOP_TAGGING_DEFAULT = TopTaggingConfig()
# One-click settings of Part 2. The default ships in assets/ (shipped=, below); the presets' results are
# shipped by ``make assets`` (ship=), so each shows at once.
TOP_TAGGING_PRESETS = (
    experiments.Preset(
        "paper", "The paper's setting",
        TopTaggingConfig(dataset="reference", n_train=5000, n_test=5000),
        note="Closest to Heimel et al. (arXiv:1808.08979): Pythia top and QCD jets of the top-tagging reference "
             "sample (arXiv:1902.09914), a convolutional autoencoder trained on QCD only; far fewer jets and epochs "
             "than the paper."),
    experiments.Preset(
        "demo", "A 30-second demo", TopTaggingConfig(n_train=2000, n_test=2000, epochs=3),
        note="2 000 toy jets per class, 3 epochs: the autoencoder trained on QCD finds top jets."),
    experiments.Preset(
        "fails", "Where it fails", TopTaggingConfig(n_train=2000, n_test=2000, epochs=3, train_on="top"),
        note="The same, trained on top jets and asked to find QCD: it cannot, since it flags complexity, not novelty "
             "(Heimel et al.; Finke et al., arXiv:2104.09051)."),
)
TOP_TAGGING = experiments.register(experiments.Experiment(
    name="ae-roc", config_type=TopTaggingConfig, compute=compute_top_tagging, to_json=top_tagging_json,
    estimate_seconds=estimate_top_tagging_seconds, cache_key=result_key,
    label="Generating jets, training the autoencoder and the supervised CNN",
    shipped=lambda config: _shipped(TOP_TAGGING_ASSET, config, TopTaggingResult,
                                    lambda result: result.training == training_recipes() and bool(result.rejections)),
    calibration=(TopTaggingConfig(n_train=5000, n_test=5000),
                 TopTaggingConfig(model="dense", n_train=10_000, n_test=10_000, epochs=6),
                 TopTaggingConfig(dataset="reference", train_on="top", n_train=4000, n_test=4000, epochs=3,
                                  classifier_epochs=2)),
    presets=TOP_TAGGING_PRESETS, ship=tuple(preset.config for preset in TOP_TAGGING_PRESETS)))


# -- Part 3: your own autoencoder (ONNX), scored on the built-in jets ---------------------------------------


@dataclasses.dataclass(frozen=True)
class OnnxScoringConfig(params.Config):
    """Your autoencoder (an uploaded ONNX file, named by its SHA-256) scored on the built-in test jets.

    The jets, pixel intensity and score are those of Part 2 (the same page settings); ``train_on`` says
    which class your autoencoder learned (the other one is the anomaly). With ``jets_sha256`` the test jets
    are the first ``n_test`` QCD and top jets of an uploaded jets file (:func:`ganplify_core.jets.files.read_jets`
    in ``jets_format``, stored under its digest) instead of the built-in ones.
    """

    onnx_sha256: str = ""
    jets_sha256: str | None = None
    jets_format: str = "toptagging"
    dataset: str = param("toy", choices=DATASETS, widget="radio", label="Jets",
                         labels={"toy": "toy shower", "reference": "Pythia reference"},
                         help="jets from the toy shower or the Pythia reference sample")
    train_on: str = param("qcd", choices=TRAIN_CLASSES, widget="radio", label="Your autoencoder learned",
                          labels={"qcd": "QCD jets", "top": "top jets"}, help="the other class is the anomaly")
    score: str = param("mse", choices=SCORE_KINDS, widget="radio", label="Anomaly score",
                       help="the reconstruction error used as anomaly score")
    intensity: str = param("sqrt", choices=INTENSITIES, widget="radio", label="Pixel intensity",
                           help="pixel intensity fed to the network")
    n_test: int = param(20_000, lo=100, hi=100_000, unit="jets", label="Test jets per class", help="test jets per class")
    seed: int = params.seed_param()

    @property
    def anomaly_class(self) -> str:
        return "top" if self.train_on == "qcd" else "qcd"

    def check(self) -> None:
        if not onnx_autoencoder.is_digest(self.onnx_sha256):
            raise InputError("upload your autoencoder as an ONNX file first (it is named by its SHA-256 digest)")
        if self.jets_sha256 is not None:
            from ganplify_core.jets import files

            if self.jets_format not in files.FORMATS:
                raise InputError(f"jets_format={self.jets_format!r} is unknown; one of {', '.join(files.FORMATS)}")
            if not onnx_autoencoder.is_digest(self.jets_sha256):
                raise InputError("an uploaded jets file is named by its SHA-256 digest (64 hex digits)")
        elif self.dataset == "reference":
            if "reference" not in available_sources():
                raise InputError("dataset 'reference' is not available (assets/reference_jets.npz is missing); "
                                 "use dataset 'toy'")
            size = min(reference_size("qcd"), reference_size("top"))
            if self.n_test > size:
                raise InputError(f"n_test = {self.n_test} is more than the {size} jets per class of the reference "
                                 "sample; lower n_test")


@dataclasses.dataclass(frozen=True)
class OnnxScoringResult:
    """Your autoencoder's scores on the test jets of both classes, its ROC (and the mass's), examples.

    It reads like a :class:`TopTaggingResult` of one seed (the page's figures and tables take either).
    """

    config: OnnxScoringConfig
    normal_class: str
    anomaly_class: str
    normal_scores: np.ndarray
    anomaly_scores: np.ndarray
    normal_mass: np.ndarray
    anomaly_mass: np.ndarray
    rocs: dict                          # "yours" and "mass" -> RocCurve
    rejections: dict                    # name -> {"0.3": 1/ε_B, "0.5": 1/ε_B}
    example_images: np.ndarray
    example_reconstructions: np.ndarray
    example_classes: list
    example_scores: np.ndarray
    seconds: dict

    repeats = 1

    @property
    def auc(self) -> float:
        return self.rocs["yours"].auc

    def auc_std(self, name: str = "yours") -> None:
        return None

    def rejection_std(self, name: str, efficiency: str) -> None:
        return None


def onnx_scoring_json(result: OnnxScoringResult) -> dict:
    """What ``ae-onnx --json`` prints: AUC, rejections and counts of your autoencoder, the mass baseline."""
    curve = result.rocs["yours"]
    return {"auc": curve.auc, "rejection": _json_rejections(result.rejections["yours"]),
            "n_signal": len(result.anomaly_scores), "n_background": len(result.normal_scores),
            "anomaly_class": result.anomaly_class, "auc_mass": result.rocs["mass"].auc,
            "rejection_mass": _json_rejections(result.rejections["mass"]),
            "roc": {"fpr": curve.fpr, "tpr": curve.tpr},
            "config": dataclasses.asdict(result.config)}


def _uploaded_jets(config: OnnxScoringConfig) -> dict:
    """The first ``n_test`` QCD and top jets of the uploaded file (InputError if it lacks either class)."""
    from ganplify_core.jets import files

    classes = files.read_jets(files.uploaded_bytes(config.jets_sha256), config.jets_format,
                              max_jets=files.MAX_JETS, name="the uploaded jets file")  # ≤ 20 MB: all of it
    missing = [c for c in ("qcd", "top") if c not in classes]
    if missing:
        raise InputError(f"the uploaded jets file has the classes {', '.join(classes)[:120]}; scoring needs QCD and "
                         "top jets (top-tagging layout with is_signal_new, or JetNet arrays with class_names qcd, top)")
    out = {}
    for c in ("qcd", "top"):
        jets = classes[c]
        n = min(config.n_test, len(jets))
        if n < files.MIN_JETS:
            raise InputError(f"the uploaded jets file has {n} {_CLASS_NAMES[c]} jets; at least {files.MIN_JETS} "
                             "of each class are needed")
        out[c] = dataclasses.replace(jets, pt=jets.pt[:n], eta=jets.eta[:n], phi=jets.phi[:n], mask=jets.mask[:n],
                                     observables={k: v[:n] for k, v in jets.observables.items()})
    return out


def estimate_onnx_seconds(config: OnnxScoringConfig) -> float:
    """Jets and images of both classes, and the model's measured time per image when it was accepted."""
    try:
        per_image = onnx_autoencoder.load(config.onnx_sha256).seconds_per_image
    except InputError:
        per_image = 1e-3
    return TOP_TAGGING_OVERHEAD + 2 * config.n_test * (SECONDS_PER_JET[config.dataset] + per_image)


def compute_onnx_scoring(config: OnnxScoringConfig, progress: Progress | None = None) -> OnnxScoringResult:
    """Reconstruct the test jets with the uploaded model, score them, build the ROC curves."""
    config.validate()
    progress = progress or no_progress
    model = onnx_autoencoder.load(config.onnx_sha256)
    seconds, clock = {}, time.perf_counter()
    images, mass, scores, reconstructions = {}, {}, {}, {}
    uploaded = _uploaded_jets(config) if config.jets_sha256 is not None else None
    for i, process in enumerate(("qcd", "top")):
        progress(i / 4, f"generating {_CLASS_NAMES[process]} jets and their images")
        if uploaded is None:
            jets = get_jets(process, config.n_test, seed=config.seed, source=config.dataset)
        else:
            jets = uploaded[process]
        picture = jet_images(jets, normalise=True)
        images[process] = np.sqrt(picture) if config.intensity == "sqrt" else picture
        mass[process] = jets.observables["mass"].astype(np.float64)
    seconds["jets"] = time.perf_counter() - clock
    clock = time.perf_counter()
    for i, process in enumerate(("qcd", "top")):
        progress(0.5 + i / 4, f"your autoencoder on the {_CLASS_NAMES[process]} jets")
        reconstructions[process] = model.reconstruct(images[process])
        scores[process] = reconstruction_error(torch.as_tensor(images[process], dtype=torch.float32),
                                               torch.as_tensor(reconstructions[process]), config.score).double().numpy()
    seconds["scoring"] = time.perf_counter() - clock
    normal, anomaly = config.train_on, config.anomaly_class
    sign = 1.0 if anomaly == "top" else -1.0
    taggers = {"yours": scores, "mass": {p: sign * mass[p] for p in mass}}
    rocs = {name: roc.roc(s[normal], s[anomaly]) for name, s in taggers.items()}
    rejections = {name: roc.rejections(s[normal], s[anomaly]) for name, s in taggers.items()}
    picks = [(p, int(np.argsort(scores[p])[int(q * (len(scores[p]) - 1))])) for p in (normal, anomaly)
             for q in EXAMPLE_QUANTILES]
    progress(1.0, "done")
    return OnnxScoringResult(
        config=config, normal_class=normal, anomaly_class=anomaly, normal_scores=scores[normal],
        anomaly_scores=scores[anomaly], normal_mass=mass[normal].astype(np.float32),
        anomaly_mass=mass[anomaly].astype(np.float32), rocs=rocs, rejections=rejections,
        example_images=np.stack([images[p][i] for p, i in picks]),
        example_reconstructions=np.stack([reconstructions[p][i] for p, i in picks]),
        example_classes=[p for p, _ in picks], example_scores=np.array([scores[p][i] for p, i in picks]),
        seconds=seconds)


ONNX_SCORING = experiments.register(experiments.Experiment(
    name="ae-onnx", config_type=OnnxScoringConfig, compute=compute_onnx_scoring, to_json=onnx_scoring_json,
    estimate_seconds=estimate_onnx_seconds, label="Scoring the test jets with your autoencoder"))
