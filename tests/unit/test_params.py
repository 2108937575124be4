"""Parameters declared once: validation, link text, CLI options and the terminal line agree."""

from __future__ import annotations

import argparse
import math
import shlex

import pytest

from ganplify_core import cli, params
from ganplify_core.amplify.cli import config_from_args
from ganplify_core.amplify.experiment import AmplifyConfig
from ganplify_core.errors import InputError
from ganplify_core.params import Param


@pytest.mark.parametrize("spec, text, value", [
    (Param(5, lo=1, hi=10, name="n"), "7", 7),
    (Param(0.5, lo=0.0, hi=1.0, name="x"), "0.25", 0.25),
    (Param("a", choices=("a", "b"), name="c"), "b", "b"),
    (Param(("a",), choices=("a", "b", "c"), multiple=True, name="m"), "c,a", ("a", "c")),
    (Param(True, name="flag"), "0", False),
    (Param((100.0, 100.0), choices=((100.0, 100.0), (10.0, 500.0)), names={(10.0, 500.0): "10–500 GeV",
                                                                          (100.0, 100.0): "100 GeV"}, name="e"),
     "10–500 GeV", (10.0, 500.0)),
])
def test_parse_and_text_round_trip(spec, text, value):
    assert spec.parse(text) == value
    assert spec.parse(spec.text(value)) == value


@pytest.mark.parametrize("spec, text, message", [
    (Param(5, lo=1, hi=10, name="n"), "11", "n=11: use between 1 and 10"),
    (Param(5, lo=1, hi=10, name="n"), "2.5", "whole number"),
    (Param(0.5, lo=0.0, hi=1.0, name="x"), "nan", "finite"),
    (Param(0.5, lo=0.0, hi=1.0, name="x"), "-inf", "finite"),
    (Param(0.5, lo=0.0, hi=1.0, name="x"), "1e400", "finite"),
    (Param("a", choices=("a", "b"), name="c"), "z" * 5000, "choose one of a, b"),
    (Param(True, name="flag"), "maybe", "1 or 0"),
    (Param(("a",), choices=("a", "b"), multiple=True, name="m"), "", "choose one or more"),
])
def test_bad_text_names_the_parameter_and_the_fix(spec, text, message):
    with pytest.raises(InputError, match=message) as info:
        spec.parse(text)
    assert len(str(info.value)) < 200, "a user's long value is not echoed whole"


def test_check_rejects_booleans_for_numbers_and_non_finite_values():
    n = Param(5, lo=1, hi=10, name="n")
    for bad in (True, math.nan, "5", None):
        with pytest.raises(InputError):
            n.check(bad)


def test_narrowing_stays_inside_the_declaration():
    n = Param(5, lo=1, hi=10, name="n")
    assert n.narrowed(hi=8).hi == 8
    with pytest.raises(ValueError):
        n.narrowed(hi=20)


def test_config_validate_uses_the_declarations_and_check():
    AmplifyConfig().validate()
    with pytest.raises(InputError, match="n_train=5"):
        AmplifyConfig(n_train=5).validate()
    with pytest.raises(InputError, match="dim"):
        AmplifyConfig(distribution="ring", dim=3).validate()


def _parse(line: str) -> argparse.Namespace:
    words = shlex.split(line)
    assert words[:3] == ["python", "-m", "ganplify_core"]
    return cli.build_parser().parse_args(words[3:])


def test_the_terminal_line_reproduces_the_config():
    config = AmplifyConfig(distribution="shell", dim=5, n_train=250, n_quant=20, lr=3e-4, r1_gamma=10.0,
                           methods=("kde", "gan"), n_seeds=3, seed=123_456)
    line = params.command_line("amplify", config)
    assert config_from_args(_parse(line)) == config


def test_cli_and_validate_accept_and_reject_the_same_values(capsys):
    for name, p in params.params_of(AmplifyConfig).items():
        if p.kind not in (int, float) or p.choices is not None:
            continue
        for value, ok in ((p.lo, True), (p.hi, True), (p.lo - 1, False), (p.hi + 1, False)):
            value = p.kind(value)
            try:
                AmplifyConfig(**{name: value}).validate()
                valid = True
            except InputError:
                valid = False
            if name != "dim":  # dim also depends on the distribution (check())
                assert valid == ok, (name, value)
            if not ok:
                with pytest.raises(SystemExit) as exit_info:
                    _parse(f"python -m ganplify_core amplify {p.option} {value}")
                assert exit_info.value.code == 2
                assert len(capsys.readouterr().err.strip().splitlines()) <= 2  # usage line + one error line
