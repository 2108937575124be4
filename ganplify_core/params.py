"""Parameters declared once, on their config field.

A config is a frozen dataclass whose fields are made with :func:`param`::

    @dataclasses.dataclass(frozen=True)
    class AmplifyConfig(params.Config):
        n_train: int = params.param(100, lo=10, hi=100_000, unit="points", label="Training points n",
                                    cli="--n-train", help="training points per training set")

From that one declaration come: :meth:`Config.validate` (range, choices, finite numbers), the CLI
options (:func:`add_options`, :func:`config_from_args`), the page's URL fields and widgets
(``ganplify_core.ui``) and the "reproduce in a terminal" line (:func:`command_line`). A page may
narrow a range with :meth:`Param.narrowed` (and says why in the help text); the CLI and the page then
accept and reject the same values inside the page's range. The model is scikit-learn's
``_parameter_constraints``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from ganplify_core.errors import InputError

_META = "ganplify_param"
SEED_MAX = 2**32 - 1


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter: its default, what it accepts, and how it is shown.

    Attributes
    ----------
    default : the value when nobody sets it.
    lo, hi : inclusive bounds of a number.
    choices : the values allowed (a tuple); with ``multiple`` any non-empty subset, in this order.
    names : value -> text used in links and on the command line (default ``str(value)``).
    labels : value -> text shown in a widget (default the name).
    kind : ``int``, ``float``, ``str``, ``bool`` or ``tuple`` (a subset of ``choices``); from the default.
    unit, help, label : for humans (``label`` is the widget's label).
    widget : ``slider``, ``number``, ``radio``, ``select``, ``select_slider``, ``toggle``, ``multiselect``.
    step, format : the widget's step and number format.
    url, cli : the link key and the ``--option`` when they differ from the field name.
    log : a float best read on a log scale (the widget shows it as a number input).
    """

    default: Any
    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None
    multiple: bool = False
    names: Mapping | None = None
    labels: Mapping | None = None
    unit: str = ""
    help: str = ""
    label: str = ""
    widget: str | None = None
    step: float | None = None
    format: str | None = None
    url: str | None = None
    cli: str | None = None
    name: str = ""
    kind: type | None = None

    def __post_init__(self):
        if self.kind is None:
            kind = type(self.default) if not self.multiple else tuple
            object.__setattr__(self, "kind", kind)

    # -- identity ------------------------------------------------------------------------------
    @property
    def url_key(self) -> str:
        return self.url or self.name

    @property
    def option(self) -> str:
        return self.cli or "--" + self.name.replace("_", "-")

    def narrowed(self, lo: float | None = None, hi: float | None = None, choices: tuple | None = None,
                 **changes: Any) -> Param:
        """This parameter with a smaller range or fewer choices (a page's view of it)."""
        if lo is not None and self.lo is not None and lo < self.lo or hi is not None and self.hi is not None and hi > self.hi:
            raise ValueError(f"{self.name}: a narrowed range must lie inside [{self.lo}, {self.hi}]")
        if choices is not None and self.choices is not None and not set(choices) <= set(self.choices):
            raise ValueError(f"{self.name}: narrowed choices must be a subset of the declared ones")
        return dataclasses.replace(self, lo=self.lo if lo is None else lo, hi=self.hi if hi is None else hi,
                                   choices=self.choices if choices is None else tuple(choices), **changes)

    # -- text <-> value ------------------------------------------------------------------------
    def text(self, value: Any) -> str:
        """The link / command-line text of ``value``."""
        if self.multiple:
            return ",".join(self._name_of(v) for v in value)
        if self.kind is bool:
            return "1" if value else "0"
        if self.choices is not None:
            return self._name_of(value)
        if self.kind is float:
            return repr(float(value))
        return str(value)

    def display(self, value: Any) -> str:
        """How ``value`` reads in a widget."""
        if self.labels and value in self.labels:
            return str(self.labels[value])
        return self._name_of(value)

    def _name_of(self, value: Any) -> str:
        if self.names and value in self.names:
            return str(self.names[value])
        return str(value)

    def parse(self, text: str) -> Any:
        """The value ``text`` stands for, checked; :class:`InputError` if it is not acceptable."""
        text = str(text).strip()
        if self.multiple:
            items = [t.strip() for t in text.split(",") if t.strip()]
            by_name = {self._name_of(c): c for c in self.choices}
            unknown = [t for t in items if t not in by_name]
            if unknown:
                raise InputError(f"{self.name}: unknown option(s) {', '.join(_clip(u) for u in unknown)}; "
                                 f"choose from {', '.join(by_name)}")
            value = tuple(c for c in self.choices if self._name_of(c) in items)
        elif self.choices is not None:
            for choice in self.choices:
                if self._name_of(choice) == text:
                    value = choice
                    break
            else:
                raise InputError(f"{self.name}={_clip(text)}: choose one of {', '.join(map(self._name_of, self.choices))}")
        elif self.kind is bool:
            lowered = text.lower()
            if lowered not in ("1", "true", "on", "yes", "0", "false", "off", "no"):
                raise InputError(f"{self.name}={_clip(text)}: must be 1 or 0")
            value = lowered in ("1", "true", "on", "yes")
        elif self.kind is int:
            try:
                value = int(text)
            except ValueError:
                raise InputError(f"{self.name}={_clip(text)}: must be a whole number") from None
        elif self.kind is float:
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"{self.name}={_clip(text)}: must be a number") from None
        else:
            value = text
        self.check(value)
        return value

    # -- checks ----------------------------------------------------------------------------------
    def check(self, value: Any) -> None:
        """Raise :class:`InputError` naming the parameter and the allowed values if ``value`` is out."""
        if self.multiple:
            if not isinstance(value, (tuple, list)) or not value or not set(value) <= set(self.choices):
                raise InputError(f"{self.name}: choose one or more of {', '.join(map(self._name_of, self.choices))}")
            return
        if self.choices is not None:
            if value not in self.choices:
                raise InputError(f"{self.name}={_clip(value)}: choose one of {', '.join(map(self._name_of, self.choices))}")
            return
        if self.kind is bool:
            if not isinstance(value, (bool, int)) or value not in (0, 1):
                raise InputError(f"{self.name}={_clip(value)}: must be true or false")
            return
        if self.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(f"{self.name}={_clip(value)}: must be a number")
            if not math.isfinite(value):
                raise InputError(f"{self.name}={value}: must be a finite number")
            if self.kind is int and float(value) != int(value):
                raise InputError(f"{self.name}={value}: must be a whole number")
            if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
                raise InputError(f"{self.name}={_number(value)}: {self.range_text()}")

    def range_text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        if self.lo is not None and self.hi is not None:
            return f"use between {_number(self.lo)} and {_number(self.hi)}{unit}"
        if self.lo is not None:
            return f"use at least {_number(self.lo)}{unit}"
        if self.hi is not None:
            return f"use at most {_number(self.hi)}{unit}"
        return ""

    def describe(self, default: Any = None) -> str:
        """The ``--help`` text: what it is, what it accepts, the default (the declared one unless given)."""
        parts = [self.help or self.label or self.name]
        if self.choices is not None:
            parts.append(("any of " if self.multiple else "one of ") + ", ".join(map(self._name_of, self.choices)))
        elif self.kind in (int, float):
            parts.append(self.range_text().replace("use ", ""))
        default = self.default if default is None else default
        parts.append(f"default {self.text(default)}")
        return "; ".join(p for p in parts if p).replace("%", "%%")


def _number(x: float) -> str:
    """A bound as people write it: whole numbers in full (100000), others short (1e-07, 0.5)."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"


def _clip(value: Any, limit: int = 40) -> str:
    """A user's value, cut short enough to echo back in a message."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


# -- declaring parameters on a dataclass ---------------------------------------------------------------

def param(default: Any, **spec: Any) -> Any:
    """A dataclass field carrying a :class:`Param` (see the module docstring)."""
    return dataclasses.field(default=default, metadata={_META: Param(default, **spec)})


def seed_param(**spec: Any) -> Any:
    """The global seed: a whole number in [0, 2³² − 1]."""
    spec = {"lo": 0, "hi": SEED_MAX, "widget": "number", "label": "Seed",
            "help": "every random choice derives from it", **spec}
    return param(0, **spec)


def params_of(config_type: Any) -> dict[str, Param]:
    """The declared parameters of a config class (or instance), by field name, in field order."""
    out = {}
    for f in dataclasses.fields(config_type):
        if _META in f.metadata:
            out[f.name] = dataclasses.replace(f.metadata[_META], name=f.name)
    return out


class Config:
    """Base of every experiment config: ``validate()`` checks each declared parameter, then ``check()``."""

    def validate(self):
        for name, p in params_of(self).items():
            p.check(getattr(self, name))
        self.check()
        return self

    def check(self) -> None:
        """Checks that involve several parameters (override; raise :class:`InputError`)."""

    def replace(self, **changes: Any):
        return dataclasses.replace(self, **changes)


# -- the command line ------------------------------------------------------------------------------------

def _argparse_type(p: Param):
    def convert(text: str) -> Any:
        try:
            return p.parse(text)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = p.name  # argparse names the type in its message
    return convert


def add_options(parser: argparse.ArgumentParser, config_type: Any, exclude: Iterable[str] = (),
                defaults: Mapping[str, Any] | None = None) -> None:
    """Add one ``--option`` per declared parameter of ``config_type``."""
    defaults = defaults or {}
    for name, p in params_of(config_type).items():
        if name in exclude:
            continue
        default = defaults.get(name, p.default)
        if p.kind is bool and p.choices is None:
            parser.add_argument(p.option, dest=name, action=argparse.BooleanOptionalAction, default=default,
                                help=p.describe(default))
        else:
            parser.add_argument(p.option, dest=name, type=_argparse_type(p), default=default, metavar=p.name.upper(),
                                help=p.describe(default) if default is not None else p.describe().rsplit("; default", 1)[0])


def config_from_args(config_type: Any, args: argparse.Namespace, **fixed: Any):
    """The validated config the parsed options describe (``fixed`` overrides options)."""
    values = {name: getattr(args, name) for name in params_of(config_type) if hasattr(args, name)}
    values.update(fixed)
    return config_type(**values).validate()


def command_line(command: str, config: Any, exclude: Iterable[str] = (), extra: Mapping[str, Any] | None = None) -> str:
    """The shell line that reproduces ``config``: ``python -m ganplify_core COMMAND --opt value … --json``."""
    parts = ["python", "-m", "ganplify_core", command]
    for name, p in params_of(config).items():
        if name in exclude:
            continue
        value = getattr(config, name)
        if p.kind is bool and p.choices is None:
            parts.append(p.option if value else "--no-" + p.option[2:])
        else:
            parts += [p.option, p.text(value)]
    for option, value in (extra or {}).items():
        parts += [option, str(value)]
    return " ".join(shlex.quote(x) for x in parts) + " --json"
