"""``python -m ganplify_core vae ...`` (β sweep) and ``python -m ganplify_core corrdim ...`` (correlation dimension).

The options come from the configs' declared parameters (:class:`~ganplify_core.vae.experiment.VaeConfig`,
:class:`~ganplify_core.vae.experiment.CorrdimConfig`). The β grid is ``--betas LO:HI:N`` (as before) or
``--beta-min``, ``--beta-max``, ``--n-betas`` (what the page's terminal line writes); without either it
defaults to 0.01:2:10 for manifolds and 0.005:0.1:8 for jets (with 250 and 400 training steps per β).

Your own jets: ``--dataset jets --jets-input FILE --jets-format toptagging|jetnet|root [--jets-class C]`` (the
first ``--n`` jets of class C; C may be left out when the file has one class). The file is checked and stored
by its digest, as the page's upload is, so the cache follows its content.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganplify_core import cli, experiments, params
from ganplify_core.errors import InputError
from ganplify_core.jets import files
from ganplify_core.vae.beta_sweep import parse_beta_grid
from ganplify_core.vae.experiment import CORRDIM, VAE_SWEEP, CorrdimConfig, VaeConfig, dataset_grid

GRID_FIELDS = ("beta_min", "beta_max", "n_betas")
DATASET_DEFAULTS = (*GRID_FIELDS, "steps_per_beta")  # default per dataset when not given


def jets_file_fields(args: argparse.Namespace) -> dict:
    """``--jets-input FILE`` as config fields: the file checked and stored by its digest, as an upload is."""
    if args.jets_input is None:
        return {}
    if args.dataset != "jets":
        raise InputError("--jets-input is a jets file: give it with --dataset jets")
    path = Path(args.jets_input)
    if not path.is_file():
        raise InputError(f"--jets-input {path}: no such file")
    if path.stat().st_size > files.MAX_UPLOAD_BYTES:
        raise InputError(f"--jets-input {path} is larger than the {files.MAX_UPLOAD_BYTES // 2**20} MB limit of the "
                         "page's uploads; write its first jets to a smaller file")
    digest = files.store_upload(path.read_bytes(), args.jets_format, name=path.name)
    return {"source": files.SOURCE, "jets_digest": digest, "jets_name": path.name}


def vae_config(args: argparse.Namespace) -> VaeConfig:
    """The validated β-sweep config the options describe."""
    given = {name: getattr(args, name) for name in DATASET_DEFAULTS if getattr(args, name) is not None}
    defaults = dataset_grid(args.dataset)
    if args.betas is not None:
        if set(given) & set(GRID_FIELDS):
            raise InputError("give the β grid either as --betas LO:HI:N or as --beta-min/--beta-max/--n-betas, not both")
        betas = parse_beta_grid(args.betas)
        defaults.update(zip(GRID_FIELDS, (betas[0], betas[-1], len(betas))))
    return params.config_from_args(VaeConfig, args, **{**defaults, **given, **jets_file_fields(args)})


def run_vae(args: argparse.Namespace) -> dict:
    return VAE_SWEEP.to_json(experiments.run(VAE_SWEEP, vae_config(args), cli.stderr_progress(args)))


def run_corrdim(args: argparse.Namespace) -> dict:
    config = params.config_from_args(CorrdimConfig, args, **jets_file_fields(args))
    return CORRDIM.to_json(experiments.run(CORRDIM, config, cli.stderr_progress(args)))


def register(subparsers) -> None:
    vae = cli.add_command(subparsers, "vae", "β sweep of a VAE: KL per latent dimension and D(β) = −dKL/d ln β", run_vae)
    params.add_options(vae, VaeConfig, defaults={name: None for name in DATASET_DEFAULTS})
    vae.add_argument("--betas", default=None, metavar="LO:HI:N",
                     help="log grid of β, e.g. 0.01:2:10 (default 0.01:2:10 for manifolds, 0.005:0.1:8 for jets; "
                          "or give --beta-min, --beta-max, --n-betas); --steps-per-beta defaults to 250 for "
                          "manifolds, 400 for jets")
    _add_jets_input(vae)
    corrdim = cli.add_command(subparsers, "corrdim",
                              "correlation dimension dim(Q) from pairwise distances (EMD for jets)", run_corrdim)
    params.add_options(corrdim, CorrdimConfig)
    _add_jets_input(corrdim)


def _add_jets_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jets-input", default=None, metavar="FILE",
                        help=f"your jets file (with --dataset jets and --jets-format; at most "
                             f"{files.MAX_UPLOAD_BYTES // 2**20} MB): its first --n jets of --jets-class are used")
