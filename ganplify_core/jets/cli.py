"""``python -m ganplify_core jets --process top --n 1000 --seed 0 [--source toy|reference] [--out F.npz] --json``.

Prints the mean and standard deviation of the jet mass, τ21, τ32 and the constituent count; ``--out``
also writes the jets (pt, eta, phi, mask and every observable) to an ``.npz`` file. The options are the
parameters of :class:`~ganplify_core.jets.experiment.JetsConfig` (``--n`` at most 500 000 jets).

Your own jets: ``jets --input FILE --format toptagging|jetnet|root [--label COLUMN] [--max-jets N] --json``
reads them with :func:`ganplify_core.jets.files.read_jets` and prints the same keys per class (``"qcd"``,
``"top"``, … or ``"<label>=<value>"``) under ``classes``; ``--out F.npz`` writes them in JetNet's layout
(:func:`~ganplify_core.jets.files.jets_to_npz`, which ``--format jetnet`` reads back).
"""

from __future__ import annotations

import argparse

import numpy as np

from ganplify_core import cli, experiments, params
from ganplify_core.jets import files
from ganplify_core.jets.experiment import JETS, SUMMARY, JetsConfig


def file_summary(classes: dict, input_name: str, format: str, label: str | None) -> dict:
    """The CLI's JSON for the user's jets: the file, then per class the keys of the built-in summary."""
    out: dict = {"input": input_name, "format": format, "label": label, "source": files.SOURCE,
                 "n": sum(len(jets) for jets in classes.values()), "classes": {}}
    for process, jets in classes.items():
        entry: dict = {"process": process, "source": files.SOURCE, "n": len(jets)}
        for name in SUMMARY:
            values = jets.observables[name].astype(np.float64)
            entry[name] = {"mean": float(values.mean()), "std": float(values.std())}
        out["classes"][process] = entry
    return out


def run_file(args: argparse.Namespace) -> dict:
    branches = files.parse_branches(args.branches) if args.branches else None
    classes = files.read_jets(args.input, args.format, label=args.label, max_jets=args.max_jets, tree=args.tree,
                              branches=branches)
    result = file_summary(classes, args.input, args.format, args.label)
    if args.out is not None:
        args.out.write_bytes(files.jets_to_npz(classes))
        result["out"] = str(args.out)
    return result


def run_jets(args: argparse.Namespace) -> dict:
    if args.input is not None:
        return run_file(args)
    if args.process is None:
        args.jets_parser.error("the following arguments are required: --process")
    config = params.config_from_args(JetsConfig, args)
    out = args.out  # checked by cli.output_file while the options were parsed, before any jet is generated
    result = JETS.to_json(experiments.run(JETS, config, cli.stderr_progress(args)))
    if out is not None:
        jets = config.sample()  # read from get_jets's cache, where the run above left them
        np.savez_compressed(out, pt=jets.pt, eta=jets.eta, phi=jets.phi, mask=jets.mask,
                            **{f"obs_{k}": v for k, v in jets.observables.items()})
        result["out"] = str(out)
    return result


def _max_jets(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]}: a whole number of jets") from None
    if not 1 <= value <= files.MAX_JETS:
        raise argparse.ArgumentTypeError(f"{text[:40]}: use between 1 and {files.MAX_JETS} jets")
    return value


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "jets", "Generate jets (toy shower or Pythia reference), or read your own "
                             "(--input), and summarise their mass, N-subjettiness ratios and constituent count.", run_jets)
    process = params.params_of(JetsConfig)["process"]  # required without --input, as it always was
    parser.add_argument(process.option, dest="process", choices=process.choices, default=None,
                        help=f"{process.help} (required unless --input)")
    params.add_options(parser, JetsConfig, exclude=("process",))
    parser.add_argument("--out", default=None, type=cli.output_file(".npz"),
                        help="write the jets to this .npz file (its folder must exist); with --input, in JetNet's layout")
    own = parser.add_argument_group("your own jets (the generator's options are then ignored)")
    own.add_argument("--input", default=None, metavar="FILE",
                     help=f"read jets from FILE (at most {files.MAX_FILE_BYTES // 1024**3} GB; the first --max-jets)")
    own.add_argument("--format", choices=files.FORMATS, default="toptagging",
                     help="toptagging: HDF5 key 'table' with E_i, PX_i, PY_i, PZ_i, is_signal_new; jetnet: "
                          "particle_features (N, P, ≥3) [+ jet_features] in .npz/.h5; root: a TTree of constituent "
                          "branches")
    own.add_argument("--label", default=None, metavar="COLUMN",
                     help="the label column/array/branch (default: is_signal_new; JetNet: labels or its type column)")
    own.add_argument("--max-jets", type=_max_jets, default=files.DEFAULT_MAX_JETS,
                     help=f"read at most this many jets, the first ones (1 to {files.MAX_JETS})")
    own.add_argument("--tree", default=None, help="root: the TTree (default: the file's only one)")
    own.add_argument("--branches", default=None, metavar="KIND=BRANCH,…",
                     help="root: the constituent branches, e.g. pt=part_pt,eta=part_eta,phi=part_phi (default: by name)")
    parser.set_defaults(jets_parser=parser)
