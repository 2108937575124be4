"""``python -m ganplify_core vae ...`` (β sweep) and ``python -m ganplify_core corrdim ...`` (correlation dimension)."""

from __future__ import annotations

import argparse

from ganplify_core import cli
from ganplify_core.vae.beta_sweep import parse_beta_grid
from ganplify_core.vae.experiment import (DATASETS, JET_PROCESSES, DatasetConfig, SweepSettings, run_beta_sweep,
                                          run_correlation_dimension)
from ganplify_core.vae.manifolds import MANIFOLDS

DEFAULT_BETAS = {"manifold": "0.01:2:10", "jets": "0.005:0.2:6"}


def _add_dataset_arguments(parser: argparse.ArgumentParser, default_n: int) -> None:
    parser.add_argument("--dataset", choices=DATASETS, default="manifold")
    parser.add_argument("--manifold", choices=MANIFOLDS, default="sheet", help="toy manifold kind (dataset manifold)")
    parser.add_argument("--intrinsic-dim", type=int, default=2, help="d of the sheet (1 to 5)")
    parser.add_argument("--ambient-dim", type=int, default=16, help="D, the embedding dimension")
    parser.add_argument("--noise", type=float, default=0.01, help="Gaussian noise per ambient direction")
    parser.add_argument("--process", choices=JET_PROCESSES, default="w", help="jet process (dataset jets)")
    parser.add_argument("--source", default="toy", help="jet source: toy or reference")
    parser.add_argument("--n", type=int, default=default_n, help="number of points or jets")
    parser.add_argument("--seed", type=int, default=0)


def dataset_config(args: argparse.Namespace) -> DatasetConfig:
    return DatasetConfig(dataset=args.dataset, manifold=args.manifold, intrinsic_dim=args.intrinsic_dim,
                         ambient_dim=args.ambient_dim, noise=args.noise, process=args.process,
                         source=args.source, n=args.n, seed=args.seed)


def sweep_settings(betas_text: str, latent_dim: int, steps_per_beta: int) -> SweepSettings:
    betas = parse_beta_grid(betas_text)
    return SweepSettings(beta_min=betas[0], beta_max=betas[-1], n_betas=len(betas), latent_dim=latent_dim,
                         steps_per_beta=steps_per_beta)


def run_vae(args: argparse.Namespace) -> dict:
    data = dataset_config(args)
    settings = sweep_settings(args.betas or DEFAULT_BETAS[args.dataset], args.latent_dim, args.steps_per_beta)
    result = run_beta_sweep(data, settings)
    return {
        "betas": result.betas,
        "kl_total": result.kl_total,
        "kl_per_dim": result.kl_per_dim,
        "dimensionality": result.dimensionality,
        "dimensionality_reconstruction": result.dimensionality_reconstruction,
        "distance2": result.distance2,
        "active_dims": result.active_dims,
        "distance_unit": data.distance_unit,
    }


def run_corrdim(args: argparse.Namespace) -> dict:
    data = dataset_config(args)
    result = run_correlation_dimension(data, n_q=args.n_q)
    return {"q": result.q, "dim": result.dim, "dim_err": result.dim_err, "pair_fraction": result.pair_fraction,
            "distance_unit": data.distance_unit}


def register(subparsers) -> None:
    vae = cli.add_command(subparsers, "vae", "β sweep of a VAE: KL per latent dimension and D(β) = −dKL/d ln β", run_vae)
    _add_dataset_arguments(vae, default_n=2500)
    vae.add_argument("--betas", default=None, help="log grid LO:HI:N (default 0.01:2:10 for manifolds, 0.005:0.2:6 for jets)")
    vae.add_argument("--latent-dim", type=int, default=5)
    vae.add_argument("--steps-per-beta", type=int, default=250)
    corrdim = cli.add_command(subparsers, "corrdim", "correlation dimension dim(Q) from pairwise distances (EMD for jets)", run_corrdim)
    _add_dataset_arguments(corrdim, default_n=1000)
    corrdim.add_argument("--n-q", type=int, default=30, help="number of Q values (log grid)")
