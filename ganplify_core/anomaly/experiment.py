"""The two experiments of the Autoencoder ROC page, each a frozen config in and a result of arrays out.

* :func:`run_curve_toy` — Part 1: an autoencoder with a one-number bottleneck learns a curve
  ``y = f(x)``; off-curve points reconstruct badly (see :mod:`.curve_toy`).
* :func:`run_top_tagging` — Part 2: an autoencoder trained on jet images of one class (QCD by default)
  scores jets of both classes by reconstruction error; compared on one ROC plot with the jet mass, τ32
  and a supervised CNN trained on labelled jets (Heimel et al., arXiv:1808.08979).

Both are cached on disk (:func:`ganplify_core.cache.cached`), keyed by the full config.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np
import torch

from ganplify_core import cache
from ganplify_core.anomaly import curve_toy, roc
from ganplify_core.anomaly.fitting import classifier_probability, fit_autoencoder, fit_classifier
from ganplify_core.anomaly.models import CurveAutoencoder, JetImageCNN, build_jet_autoencoder, check_jet_autoencoder
from ganplify_core.anomaly.scores import SCORE_KINDS, reconstruct, score_in_batches
from ganplify_core.device import get_device
from ganplify_core.errors import InputError
from ganplify_core.jets import available_sources, get_jets, jet_images
from ganplify_core.jets.sample import reference_size
from ganplify_core.seeding import make_rng
from ganplify_core.sweeps import single_threaded
from ganplify_core.training import Progress, no_progress, scaled

# -- Part 1: the curve toy ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CurveToyConfig:
    """Settings of the curve toy.

    Parameters
    ----------
    curve : str
        One of :data:`ganplify_core.anomaly.curve_toy.CURVES`.
    noise : float
        Standard deviation σ of the Gaussian noise on ``y``.
    n_train : int
        Points on the curve the autoencoder is trained on.
    n_anomalies : int
        Off-curve points injected into the test sample.
    distance : float
        Vertical offset ``d`` of the off-curve points.
    n_test : int
        On-curve points in the test sample.
    steps : int
        Full-batch Adam steps.
    seed : int
    """

    curve: str = "sine"
    noise: float = 0.03
    n_train: int = 500
    n_anomalies: int = 100
    distance: float = 0.3
    n_test: int = 1000
    steps: int = 1000
    seed: int = 0

    def validate(self) -> None:
        curve_toy.curve_function(self.curve)
        if not 0.0 <= self.noise <= 1.0:
            raise InputError(f"noise={self.noise} must be between 0 and 1")
        if not 0.0 < self.distance <= 2.0:
            raise InputError(f"distance={self.distance} must be in (0, 2]")
        for name in ("n_train", "n_anomalies", "n_test", "steps"):
            if not 1 <= getattr(self, name) <= 1_000_000:
                raise InputError(f"{name}={getattr(self, name)} must be between 1 and 1000000")


@dataclasses.dataclass(frozen=True)
class CurveToyResult:
    """What the curve toy produced. Points are float32 ``(n, 2)``; errors are per-point MSE scores."""

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


def run_curve_toy(config: CurveToyConfig, progress: Progress | None = None) -> CurveToyResult:
    """Train the curve autoencoder and score on- and off-curve points (cached)."""
    config.validate()
    return cache.cached("ae-curve-toy", config, lambda: _compute_curve_toy(config, progress))


def is_curve_toy_cached(config: CurveToyConfig) -> bool:
    """Whether :func:`run_curve_toy` would load from disk instead of training."""
    return cache.is_cached("ae-curve-toy", config)


def _compute_curve_toy(config: CurveToyConfig, progress: Progress | None) -> CurveToyResult:
    rng = make_rng(config.seed)
    train = curve_toy.sample_on_curve(config.curve, config.n_train, config.noise, rng)
    test = curve_toy.sample_on_curve(config.curve, config.n_test, config.noise, rng)
    anomalies = curve_toy.sample_off_curve(config.curve, config.n_anomalies, config.distance, config.noise, rng)

    # The toy is tiny: on the CPU (not a GPU: launch overhead) and on one thread, since synchronising
    # threads costs more than the 64-wide layers gain, and many times more on a busy machine.
    torch.manual_seed(config.seed)  # the initial weights
    model = CurveAutoencoder()
    with single_threaded():
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
        train_points=train, test_points=test, anomalies=anomalies, test_scores=test_scores,
        anomaly_scores=anomaly_scores, learned_curve=learned_curve, true_curve=true_curve, grid_x=grid_x,
        grid_y=grid_y, grid_error=grid_error, roc_fpr=curve.fpr, roc_tpr=curve.tpr, auc=curve.auc,
        loss_step=history["step"], loss=history["loss"],
    )


# -- Part 2: top tagging on jet images ------------------------------------------------------------------

DATASETS = ("toy", "reference")
TRAIN_CLASSES = ("qcd", "top")
EXAMPLE_QUANTILES = (0.1, 0.5, 0.9)
INTENSITIES = ("linear", "sqrt")
# Mini-batch size and Adam learning rate of each network; part of the cache keys, so a change retrains.
AUTOENCODER_TRAINING = {"batch_size": 128, "learning_rate": 1e-3}
CLASSIFIER_TRAINING = {"batch_size": 128, "learning_rate": 3e-3}


@dataclasses.dataclass(frozen=True)
class TopTaggingConfig:
    """Settings of the top-tagging experiment.

    Parameters
    ----------
    dataset : {"toy", "reference"}
        Jets from the toy shower or the Pythia reference sample (:func:`ganplify_core.jets.get_jets`).
    model : {"conv", "dense"}
        Autoencoder architecture (:mod:`ganplify_core.anomaly.models`).
    bottleneck : int
        Size ``B`` of the code.
    train_on : {"qcd", "top"}
        The class the autoencoder learns; the other class is the anomaly to be found.
    score : {"mse", "relative"}
        Anomaly score (:mod:`ganplify_core.anomaly.scores`).
    intensity : {"linear", "sqrt"}
        Pixel values the networks see: the pT fraction of each pixel (unit-sum image), or its square root
        (which lifts the soft, wide-angle radiation against the hardest pixel; the image then has unit
        sum of squares, so the relative score equals 1600 × MSE).
    n_train : int
        Jets per class for training (the autoencoder uses those of ``train_on``; the supervised CNN both).
    n_test : int
        Jets per class scored.
    epochs, classifier_epochs : int
        Passes over the training jets for the autoencoder and for the supervised CNN.
    seed : int
    """

    dataset: str = "toy"
    model: str = "conv"
    bottleneck: int = 20
    train_on: str = "qcd"
    score: str = "mse"
    intensity: str = "sqrt"
    n_train: int = 20_000
    n_test: int = 20_000
    epochs: int = 4
    classifier_epochs: int = 3
    seed: int = 0

    @property
    def anomaly_class(self) -> str:
        return "top" if self.train_on == "qcd" else "qcd"

    def validate(self) -> None:
        if self.dataset not in DATASETS:
            raise InputError(f"dataset={self.dataset!r} is unknown; choose one of {', '.join(DATASETS)}")
        if self.train_on not in TRAIN_CLASSES:
            raise InputError(f"train_on={self.train_on!r} is unknown; choose qcd or top")
        if self.intensity not in INTENSITIES:
            raise InputError(f"intensity={self.intensity!r} is unknown; choose one of {', '.join(INTENSITIES)}")
        if self.score not in SCORE_KINDS:
            raise InputError(f"score={self.score!r} is unknown; choose one of {', '.join(SCORE_KINDS)}")
        check_jet_autoencoder(self.model, self.bottleneck)
        for name, lo, hi in (("n_train", 100, 200_000), ("n_test", 100, 200_000), ("epochs", 1, 200),
                             ("classifier_epochs", 1, 200)):
            if not lo <= getattr(self, name) <= hi:
                raise InputError(f"{name}={getattr(self, name)} must be between {lo} and {hi}")
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
    ROC curves). ``rocs`` holds the curve of the autoencoder (``"autoencoder"``) and of each baseline
    (``"mass"``, ``"tau32"``, ``"supervised"``), each oriented so that a higher score means
    anomaly-like; AUCs come from the full samples.
    """

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

    @property
    def auc(self) -> float:
        return self.rocs["autoencoder"].auc


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


def _train_autoencoder(config: TopTaggingConfig, images: np.ndarray,
                       progress: Progress | None) -> tuple[torch.nn.Module, np.ndarray]:
    """The autoencoder of ``config`` trained on ``images`` (the training jets of ``train_on``), and its losses."""
    key = {f: getattr(config, f) for f in ("dataset", "intensity", "model", "bottleneck", "train_on",
                                                "n_train", "epochs", "seed")}
    key["training"] = AUTOENCODER_TRAINING
    torch.manual_seed(config.seed)  # the initial weights
    model = build_jet_autoencoder(config.model, config.bottleneck)
    return _cached_network("ae-jet-autoencoder", key, model, lambda m: fit_autoencoder(
        m, images, config.epochs, seed=config.seed, device=get_device(), progress=progress, **AUTOENCODER_TRAINING))


def _train_supervised(config: TopTaggingConfig, images: np.ndarray, labels: np.ndarray,
                      progress: Progress | None) -> tuple[torch.nn.Module, np.ndarray]:
    """The supervised CNN trained on labelled QCD (0) and top (1) training jets, and its losses."""
    key = {"dataset": config.dataset, "intensity": config.intensity, "n_train": config.n_train,
           "epochs": config.classifier_epochs, "seed": config.seed, "training": CLASSIFIER_TRAINING}
    torch.manual_seed(config.seed)  # the initial weights
    return _cached_network("ae-supervised-cnn", key, JetImageCNN(), lambda m: fit_classifier(
        m, images, labels, config.classifier_epochs, seed=config.seed, device=get_device(), progress=progress,
        **CLASSIFIER_TRAINING))


def run_top_tagging(config: TopTaggingConfig, progress: Progress | None = None) -> TopTaggingResult:
    """Train (or load) the autoencoder and the supervised CNN, score the test jets, build the ROC curves.

    The whole result is disk-cached by the config; the two trained networks are cached on their own, so
    changing only the score (or anything the other network does not depend on) retrains nothing.
    """
    config.validate()
    return cache.cached("ae-top-tagging", result_key(config), lambda: _compute_top_tagging(config, progress))


def result_key(config: TopTaggingConfig) -> dict:
    """The disk-cache key of a top-tagging result: the config and both training recipes."""
    return {"config": config, "autoencoder": AUTOENCODER_TRAINING, "classifier": CLASSIFIER_TRAINING}


def is_top_tagging_cached(config: TopTaggingConfig) -> bool:
    """Whether the result for ``config`` is on disk (a page can then show it without a button press)."""
    return cache.is_cached("ae-top-tagging", result_key(config))


def _compute_top_tagging(config: TopTaggingConfig, progress: Progress | None) -> TopTaggingResult:
    progress = progress or no_progress
    seconds = {}
    clock = time.perf_counter()
    progress(0.0, "generating jets and jet images")
    images, observables = {}, {}
    for process in ("qcd", "top"):
        images[process], observables[process] = _jet_images_and_observables(config, process)
    train = {p: images[p][:config.n_train] for p in images}
    test = {p: images[p][config.n_train:] for p in images}
    seconds["jets"] = time.perf_counter() - clock

    clock = time.perf_counter()
    autoencoder, autoencoder_loss = _train_autoencoder(config, train[config.train_on], scaled(progress, 0.1, 0.7))
    seconds["autoencoder"] = time.perf_counter() - clock

    clock = time.perf_counter()
    labels = np.concatenate([np.zeros(config.n_train), np.ones(config.n_train)]).astype(np.float32)
    classifier, classifier_loss = _train_supervised(config, np.concatenate([train["qcd"], train["top"]]), labels,
                                   scaled(progress, 0.7, 0.95))
    seconds["supervised"] = time.perf_counter() - clock

    clock = time.perf_counter()
    progress(0.95, "scoring the test jets")
    device = get_device()
    normal, anomaly = config.train_on, config.anomaly_class
    ae_scores = {p: score_in_batches(autoencoder, test[p], config.score, device=device) for p in test}
    p_top = {p: classifier_probability(classifier, test[p], device=device) for p in test}
    # every baseline is oriented so that a higher value means "more like the anomaly class"
    sign = 1.0 if anomaly == "top" else -1.0
    baseline = {
        "mass": {p: sign * observables[p]["mass"][config.n_train:].astype(np.float64) for p in test},
        "tau32": {p: -sign * observables[p]["tau32"][config.n_train:].astype(np.float64) for p in test},
        "supervised": {p: p_top[p] if anomaly == "top" else 1.0 - p_top[p] for p in test},
    }
    rocs = {"autoencoder": roc.roc(ae_scores[normal], ae_scores[anomaly])}
    rocs.update({name: roc.roc(s[normal], s[anomaly]) for name, s in baseline.items()})

    picks = [(p, int(np.argsort(ae_scores[p])[int(q * (config.n_test - 1))])) for p in (normal, anomaly)
             for q in EXAMPLE_QUANTILES]
    example_images = np.stack([test[p][i] for p, i in picks])
    example_reconstructions = reconstruct(autoencoder, example_images, device=device)
    seconds["scoring"] = time.perf_counter() - clock
    progress(1.0, "done")
    return TopTaggingResult(
        normal_class=normal, anomaly_class=anomaly, normal_scores=ae_scores[normal],
        anomaly_scores=ae_scores[anomaly], rocs=rocs, example_images=example_images[:, 0],
        example_reconstructions=example_reconstructions[:, 0], example_classes=[p for p, _ in picks],
        example_scores=np.array([ae_scores[p][i] for p, i in picks]),
        autoencoder_loss=autoencoder_loss, classifier_loss=classifier_loss,
        seconds=seconds,
    )
