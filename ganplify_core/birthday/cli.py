"""``python -m ganplify_core birthday``: duplicate-probability curve and support estimates of a source.

Options come from :class:`~ganplify_core.birthday.experiment.BirthdayConfig` (``--source`` defaults to
``sim`` here); ``--energy`` takes a value (``100``) or a range (``10-500``) in GeV; ``--gan-steps N``
uses the GAN retrained for N steps with ``--seed`` (0: the shipped checkpoint); ``--grid 51x51x25`` the
seed's geometry.

Your own showers: ``--showers FILE`` (a ``.npz`` with ``showers`` (m, X, Y, Z) and optionally ``energy``,
see :mod:`ganplify_core.birthday.uploads`) adds the source ``upload`` and is the default source; the pool
is then the whole file (``--pool`` to use fewer) and the grid the file's. ``--reference FILE`` fits the
thresholds on your reference sample instead of the simulator, and adds its curve (``reference``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganplify_core import cli, experiments, params, upload_store
from ganplify_core.birthday import uploads
from ganplify_core.birthday.experiment import BIRTHDAY, GRIDS, BirthdayConfig


def _read(text: str, option: str) -> tuple[str, uploads.ShowerFile]:
    """Check, store and return (digest, showers) of the file ``--showers``/``--reference`` names."""
    data = upload_store.read_file(text, uploads.MAX_FILE_BYTES, f"{option} {text[:80]}",
                                  "save with np.savez_compressed, or fewer showers")
    return uploads.accept(data, name=f"{option} {Path(text).name[:60]}")


def handle(args: argparse.Namespace) -> dict:
    files = {}
    for option, name in (("--showers", "showers"), ("--reference", "reference")):
        if getattr(args, name, None):
            files[name] = _read(getattr(args, name), option)
    fixed = {}
    if "showers" in files:
        fixed["showers_sha256"] = files["showers"][0]
    if "reference" in files:
        fixed["reference_sha256"] = files["reference"][0]
    sources = args.sources
    if sources is None:
        sources = (("upload",) if "showers" in files else ("sim",)) + (("reference",) if "reference" in files else ())
    fixed["sources"] = sources
    if args.pool_size is None:  # the whole file (every uploaded source must hold the pool)
        held = [len(files[k][1]) for k, s in (("showers", "upload"), ("reference", "reference")) if k in files and s in sources]
        fixed["pool_size"] = min(held) if held else BirthdayConfig().pool_size
    if args.grid is None:
        grid = next(iter(files.values()))[1].grid if files else None
        fixed["grid"] = next((name for name, g in GRIDS.items() if g == grid), BirthdayConfig().grid)
    config = params.config_from_args(BirthdayConfig, args, **fixed)
    return BIRTHDAY.to_json(experiments.run(BIRTHDAY, config, cli.stderr_progress(args)))


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "birthday", "Birthday-paradox estimate of a generator's support size "
                             "(probability of a duplicate pair vs subset size).", handle)
    params.add_options(parser, BirthdayConfig, defaults={"sources": None, "pool_size": None, "grid": None})
    options = parser._option_string_actions
    options["--source"].help += " (default sim; with --showers: upload, and reference with --reference)"
    options["--pool"].help += " (default 2000; with --showers: every shower of the file)"
    options["--grid"].help += " (default 25x25x25; with --showers: the file's grid)"
    parser.add_argument("--showers", metavar="FILE", help="your showers: a .npz with 'showers' (m, X, Y, Z) in GeV and "
                        f"optionally 'energy' (m,); at most {uploads.MAX_FILE_BYTES // 2**20} MB, never unpickled")
    parser.add_argument("--reference", metavar="FILE", help="your reference sample (.npz, same layout and grid): the "
                        "thresholds are fitted on it instead of the simulator")
