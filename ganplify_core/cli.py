"""``python -m ganplify_core <command> ... [--json]``: every experiment, headless.

Each topic module registers its own commands: a module listed in :data:`COMMAND_MODULES` defines
``register(subparsers)``, which adds its sub-commands with :func:`add_command` and sets a handler
``handler(args) -> dict``. The handler's dict is printed as one JSON object with ``--json``, or as
readable ``key: value`` lines without it.

Invalid arguments, and any :class:`~ganplify_core.errors.InputError` a handler raises, exit with
status 2 and a one-line message on stderr; never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ganplify_core import __version__
from ganplify_core.errors import InputError

# One line per topic; each module defines ``register(subparsers)``.
COMMAND_MODULES: tuple[str, ...] = (
    "ganplify_core.amplify.cli",
    "ganplify_core.ranking.cli",
    "ganplify_core.jets.cli",
    "ganplify_core.clustering.cli",
    "ganplify_core.calorimeter.cli",
    "ganplify_core.birthday.cli",
    "ganplify_core.anomaly.cli",
    "ganplify_core.vae.cli",
    "ganplify_core.cache_cli",
)


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_command(subparsers: Any, name: str, help: str, handler: Callable[[argparse.Namespace], dict]) -> ArgumentParser:
    """Add sub-command ``name`` (with the common ``--json`` flag) and return its parser."""
    parser = subparsers.add_parser(name, help=help, description=help)
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="python -m ganplify_core",
        description="GANplify Lab experiments, headless. Each page of the app shows its equivalent command.",
    )
    parser.add_argument("--version", action="version", version=f"ganplify_core {__version__}")
    subparsers = parser.add_subparsers(title="commands", dest="command", parser_class=ArgumentParser, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def output_file(*suffixes: str) -> Callable[[str], Path]:
    """An argparse type for ``--out``: checked before any work is done, so a bad path loses nothing.

    The file must end in one of ``suffixes``, its folder must already exist (it is never created) and be
    writable, and it must not be a directory or lie under ``/proc``, ``/sys`` or ``/dev``.
    """
    def check(text: str) -> Path:
        path = Path(text).expanduser()
        resolved = path.resolve()
        if suffixes and path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(f"{text[:80]}: name a {' or '.join(suffixes)} file")
        if any(resolved.is_relative_to(p) for p in ("/proc", "/sys", "/dev")):
            raise argparse.ArgumentTypeError(f"{text[:80]}: not a place for results")
        if resolved.is_dir():
            raise argparse.ArgumentTypeError(f"{text[:80]} is a directory: name a file in it")
        if not resolved.parent.is_dir():
            raise argparse.ArgumentTypeError(f"the folder {str(resolved.parent)[:80]} does not exist")
        if not os.access(resolved.parent, os.W_OK):
            raise argparse.ArgumentTypeError(f"the folder {str(resolved.parent)[:80]} is not writable")
        return path
    check.__name__ = "output file"
    return check


def stderr_progress(args: argparse.Namespace):
    """A progress callback that prints ``[ 42.0%] message`` lines on stderr (silent with ``--json``)."""
    def progress(fraction: float, message: str) -> None:
        if not args.json:
            print(f"[{100 * fraction:5.1f}%] {message}", file=sys.stderr)
    return progress


def to_jsonable(value: Any) -> Any:
    """Convert numpy/torch values, dataclasses and non-finite floats into plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "detach"):  # torch tensor
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_NEGATIVE_VALUE = re.compile(r"^-(inf|infinity|nan|\d|\.\d)", re.IGNORECASE)


def join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--opt -inf`` → ``--opt=-inf``: argparse takes ``-inf`` (unlike ``-1``) for an option of its own."""
    out: list[str] = []
    for word in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and _NEGATIVE_VALUE.match(word):
            out[-1] = f"{out[-1]}={word}"
        else:
            out.append(word)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(join_negative_values(sys.argv[1:] if argv is None else argv))
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        result = args.handler(args)
    except InputError as exc:
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    result = to_jsonable(result)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {json.dumps(value) if isinstance(value, (dict, list)) else value}")
    return 0


def console_main() -> None:
    """The ``ganplify`` console script: the same as ``python -m ganplify_core``."""
    sys.exit(main())
