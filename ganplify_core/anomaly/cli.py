"""``python -m ganplify_core ae-roc`` (top tagging) and ``ae-curve`` (the curve toy), headless."""

from __future__ import annotations

import argparse
import dataclasses

from ganplify_core import cli
from ganplify_core.anomaly import curve_toy
from ganplify_core.anomaly.experiment import (DATASETS, INTENSITIES, TRAIN_CLASSES, CurveToyConfig, TopTaggingConfig,
                                              run_curve_toy, run_top_tagging)
from ganplify_core.anomaly.models import AUTOENCODER_KINDS
from ganplify_core.anomaly.scores import SCORE_KINDS


def top_tagging_config(args: argparse.Namespace) -> TopTaggingConfig:
    """The experiment config of parsed ``ae-roc`` arguments."""
    names = {f.name for f in dataclasses.fields(TopTaggingConfig)}
    return TopTaggingConfig(**{k: v for k, v in vars(args).items() if k in names})


def run_ae_roc(args: argparse.Namespace) -> dict:
    config = top_tagging_config(args)
    result = run_top_tagging(config)
    curve = result.rocs["autoencoder"]
    return {
        "anomaly_class": result.anomaly_class,
        "auc": curve.auc,
        **{f"auc_{name}": result.rocs[name].auc for name in ("mass", "tau32", "supervised")},
        "roc": {"fpr": curve.fpr, "tpr": curve.tpr},
        "config": dataclasses.asdict(config),
    }


def run_ae_curve(args: argparse.Namespace) -> dict:
    names = {f.name for f in dataclasses.fields(CurveToyConfig)}
    config = CurveToyConfig(**{k: v for k, v in vars(args).items() if k in names})
    result = run_curve_toy(config)
    return {"auc": result.auc, "roc": {"fpr": result.roc_fpr, "tpr": result.roc_tpr},
            "config": dataclasses.asdict(config)}


def register(subparsers) -> None:
    defaults = TopTaggingConfig()
    p = cli.add_command(subparsers, "ae-roc", "Unsupervised top tagging: an autoencoder's reconstruction error "
                        "as anomaly score, its ROC and AUC, with mass, tau32 and a supervised CNN as baselines.",
                        run_ae_roc)
    p.add_argument("--dataset", choices=DATASETS, default=defaults.dataset)
    p.add_argument("--model", choices=AUTOENCODER_KINDS, default=defaults.model)
    p.add_argument("--bottleneck", type=int, default=defaults.bottleneck, help="size of the code")
    p.add_argument("--train-on", dest="train_on", choices=TRAIN_CLASSES, default=defaults.train_on,
                   help="the class the autoencoder learns; the other one is the anomaly")
    p.add_argument("--score", choices=SCORE_KINDS, default=defaults.score)
    p.add_argument("--intensity", choices=INTENSITIES, default=defaults.intensity,
                   help="pixel intensity fed to the networks: pT fraction, or its square root")
    p.add_argument("--n-train", dest="n_train", type=int, default=defaults.n_train, help="training jets per class")
    p.add_argument("--n-test", dest="n_test", type=int, default=defaults.n_test, help="test jets per class")
    p.add_argument("--epochs", type=int, default=defaults.epochs, help="autoencoder epochs")
    p.add_argument("--classifier-epochs", dest="classifier_epochs", type=int, default=defaults.classifier_epochs,
                   help="supervised CNN epochs")
    p.add_argument("--seed", type=int, default=defaults.seed)

    toy = CurveToyConfig()
    q = cli.add_command(subparsers, "ae-curve", "The autoencoder idea on a toy: learn a curve y = f(x) through a "
                        "1-number bottleneck and flag off-curve points by reconstruction error (ROC, AUC).",
                        run_ae_curve)
    q.add_argument("--curve", choices=tuple(curve_toy.CURVES), default=toy.curve)
    q.add_argument("--noise", type=float, default=toy.noise, help="Gaussian noise on y")
    q.add_argument("--n-train", dest="n_train", type=int, default=toy.n_train)
    q.add_argument("--n-anomalies", dest="n_anomalies", type=int, default=toy.n_anomalies,
                   help="off-curve points injected into the test sample")
    q.add_argument("--distance", type=float, default=toy.distance, help="vertical offset of the off-curve points")
    q.add_argument("--n-test", dest="n_test", type=int, default=toy.n_test, help="on-curve test points")
    q.add_argument("--steps", type=int, default=toy.steps, help="training steps")
    q.add_argument("--seed", type=int, default=toy.seed)
