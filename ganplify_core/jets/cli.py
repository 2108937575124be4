"""``python -m ganplify_core jets --process top --n 1000 --seed 0 [--source toy|reference] [--out F.npz] --json``.

Prints the mean and standard deviation of the jet mass, τ21, τ32 and the constituent count; ``--out``
also writes the jets (pt, eta, phi, mask and every observable) to an ``.npz`` file. The options are the
parameters of :class:`~ganplify_core.jets.experiment.JetsConfig` (``--n`` at most 500 000 jets).
"""

from __future__ import annotations

import argparse

import numpy as np

from ganplify_core import cli, experiments, params
from ganplify_core.jets.experiment import JETS, JetsConfig


def run_jets(args: argparse.Namespace) -> dict:
    config = params.config_from_args(JetsConfig, args)
    out = args.out  # checked by cli.output_file while the options were parsed, before any jet is generated
    result = JETS.to_json(experiments.run(JETS, config, cli.stderr_progress(args)))
    if out is not None:
        jets = config.sample()  # read from get_jets's cache, where the run above left them
        np.savez_compressed(out, pt=jets.pt, eta=jets.eta, phi=jets.phi, mask=jets.mask,
                            **{f"obs_{k}": v for k, v in jets.observables.items()})
        result["out"] = str(out)
    return result


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "jets", "Generate jets (toy shower or Pythia reference) and summarise "
                             "their mass, N-subjettiness ratios and constituent count.", run_jets)
    process = params.params_of(JetsConfig)["process"]  # required, as it always was: no default class
    parser.add_argument(process.option, dest="process", choices=process.choices, required=True, help=process.help)
    params.add_options(parser, JetsConfig, exclude=("process",))
    parser.add_argument("--out", default=None, type=cli.output_file(".npz"),
                        help="write the jets to this .npz file (its folder must exist)")
