"""``python -m ganplify_core jets --process top --n 1000 --seed 0 [--source toy|reference] [--out F.npz] --json``.

Prints the mean and standard deviation of the jet mass, τ21, τ32 and the constituent count; ``--out``
also writes the jets (pt, eta, phi, mask and every observable) to an ``.npz`` file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ganplify_core import cli
from ganplify_core.errors import InputError
from ganplify_core.jets.sample import SOURCES, get_jets
from ganplify_core.jets.shower import PROCESSES, ToyShowerConfig

SUMMARY = ("mass", "tau21", "tau32", "n_constituents")


def run_jets(args: argparse.Namespace) -> dict:
    toy = ToyShowerConfig(underlying_event=args.underlying_event, detector=args.detector)
    jets = get_jets(args.process, args.n, seed=args.seed, source=args.source, toy=toy)
    result: dict = {"process": args.process, "source": args.source, "n": len(jets), "seed": args.seed}
    for name in SUMMARY:
        values = jets.observables[name].astype(np.float64)
        result[name] = {"mean": float(values.mean()), "std": float(values.std())}
    if args.out:
        out = Path(args.out)
        if out.suffix != ".npz":
            raise InputError(f"--out must name an .npz file, not {args.out!r}")
        if not out.parent.exists():
            raise InputError(f"--out: folder {str(out.parent)!r} does not exist")
        np.savez_compressed(out, pt=jets.pt, eta=jets.eta, phi=jets.phi, mask=jets.mask,
                            **{f"obs_{k}": v for k, v in jets.observables.items()})
        result["out"] = str(out)
    return result


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "jets", "Generate jets (toy shower or Pythia reference) and summarise "
                             "their mass, N-subjettiness ratios and constituent count.", run_jets)
    parser.add_argument("--process", choices=PROCESSES, required=True, help="jet class")
    parser.add_argument("--n", type=int, default=1000, help="number of jets (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--source", choices=SOURCES, default="toy", help="toy generator or Pythia 8 reference sample")
    parser.add_argument("--underlying-event", action="store_true", help="toy: add a soft underlying event")
    parser.add_argument("--detector", action="store_true", help="toy: smear energies (50%%/sqrt(E) + 5%%, 1 GeV threshold)")
    parser.add_argument("--out", default=None, help="write the jets to this .npz file")
