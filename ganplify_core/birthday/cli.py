"""``python -m ganplify_core birthday``: duplicate-probability curve and support estimates of a source."""

from __future__ import annotations

import argparse

from ganplify_core import cli
from ganplify_core.birthday.duplicates import FEATURE_SETS
from ganplify_core.birthday.experiment import BirthdayConfig, run_birthday
from ganplify_core.birthday.sources import SOURCES
from ganplify_core.errors import InputError


def parse_energy(text: str) -> tuple[float, float]:
    """``"100"`` → (100, 100); ``"10-500"`` → (10, 500) (GeV)."""
    try:
        parts = [float(p) for p in str(text).split("-")]
    except ValueError:
        raise InputError(f"--energy must be a number or a range like 10-500 (GeV), got {text!r}") from None
    if len(parts) == 1:
        return parts[0], parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise InputError(f"--energy must be a number or a range like 10-500 (GeV), got {text!r}")


def energy_text(energy: tuple[float, float]) -> str:
    lo, hi = energy
    return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"


def config_from_args(args: argparse.Namespace) -> BirthdayConfig:
    sources = tuple(s.strip() for s in args.source.split(",") if s.strip())
    return BirthdayConfig(
        sources=sources, energy=parse_energy(args.energy), features=args.features, alpha=args.alpha,
        pool_size=args.pool, replications=args.replications, grid_points=args.grid_points,
        grid_scale=args.grid_scale, templates=args.templates, support=args.support,
        threshold_showers=args.threshold_showers, seed=args.seed,
    ).validate()


def command_args(config: BirthdayConfig) -> dict:
    """The CLI arguments that reproduce ``config`` (for ``cli.format_command``)."""
    return {
        "source": list(config.sources), "templates": config.templates, "support": config.support,
        "features": config.features, "alpha": config.alpha, "energy": energy_text(config.energy),
        "pool": config.pool_size, "replications": config.replications, "grid_points": config.grid_points,
        "grid_scale": config.grid_scale, "threshold_showers": config.threshold_showers, "seed": config.seed,
    }


def summary(result) -> dict:
    """The numbers the CLI prints: the first source's at top level, every source's under ``by_source``."""
    by_source = {}
    for s in result.sources:
        e = s.estimates
        by_source[s.source] = {
            "p_duplicate": s.p_duplicate, "band_low": s.band_low, "band_high": s.band_high,
            "s_star": e.s_star, "support_estimate": e.support_estimate,
            "support_estimate_refined": e.support_estimate_refined, "collision_estimate": e.collision_estimate,
            "support_lower_bound": e.support_lower_bound,
            "duplicate_pairs": e.n_duplicate_pairs, "pairs": s.n_pairs, "ssim_evaluations": s.n_ssim_evaluations,
            "true_support": s.true_support,  # NaN (none known) and the other non-finite values: null, by cli.main
        }
    first = result.sources[0].source
    thresholds = dict(zip(result.thresholds.features, result.thresholds.values))
    return {"source": first, "subset_sizes": result.subset_sizes, **by_source[first],
            "thresholds": thresholds, "by_source": by_source}


def handle(args: argparse.Namespace) -> dict:
    return summary(run_birthday(config_from_args(args)))


def register(subparsers) -> None:
    defaults = BirthdayConfig()
    parser = cli.add_command(subparsers, "birthday", "Birthday-paradox estimate of a generator's support size "
                             "(probability of a duplicate pair vs subset size).", handle)
    parser.add_argument("--source", default="sim", help=f"one or more of {', '.join(SOURCES)}, comma-separated (default sim)")
    parser.add_argument("--templates", type=int, default=defaults.templates, help="K, the template generator's support")
    parser.add_argument("--support", type=int, default=defaults.support, help="d, the uniform generator's support")
    parser.add_argument("--features", choices=tuple(FEATURE_SETS), default=defaults.features, help="what defines a duplicate")
    parser.add_argument("--alpha", type=float, default=defaults.alpha, help="threshold quantile of training-pair distances (0.02 or 0.05)")
    parser.add_argument("--energy", default=energy_text(defaults.energy), help="primary energy in GeV: a value (100) or a range (10-500)")
    parser.add_argument("--pool", type=int, default=defaults.pool_size, help="M, showers drawn per source")
    parser.add_argument("--replications", type=int, default=defaults.replications, help="R, random orderings of the pool")
    parser.add_argument("--grid-points", type=int, default=defaults.grid_points, help="subset sizes reported, 2..M")
    parser.add_argument("--grid-scale", choices=("log", "linear"), default=defaults.grid_scale)
    parser.add_argument("--threshold-showers", type=int, default=defaults.threshold_showers, help="training showers for the thresholds")
    parser.add_argument("--seed", type=int, default=defaults.seed)
