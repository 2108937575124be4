"""``python -m ganplify_core birthday``: duplicate-probability curve and support estimates of a source.

Options come from :class:`~ganplify_core.birthday.experiment.BirthdayConfig` (``--source`` defaults to
``sim`` here); ``--energy`` takes a value (``100``) or a range (``10-500``) in GeV; ``--gan-steps N``
uses the GAN retrained for N steps with ``--seed`` (0: the shipped checkpoint).
"""

from __future__ import annotations

import argparse

from ganplify_core import cli, experiments, params
from ganplify_core.birthday.experiment import BIRTHDAY, BirthdayConfig


def handle(args: argparse.Namespace) -> dict:
    config = params.config_from_args(BirthdayConfig, args)
    return BIRTHDAY.to_json(experiments.run(BIRTHDAY, config, cli.stderr_progress(args)))


def register(subparsers) -> None:
    parser = cli.add_command(subparsers, "birthday", "Birthday-paradox estimate of a generator's support size "
                             "(probability of a duplicate pair vs subset size).", handle)
    params.add_options(parser, BirthdayConfig, defaults={"sources": ("sim",)})
    source = parser._option_string_actions["--source"]  # its help names the declared default, not this one
    source.help = source.help.replace(f"default {','.join(BirthdayConfig().sources)}", "default sim")
