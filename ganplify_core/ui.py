"""What every page shares: the sidebar, settings mirrored in the URL, progress bars, errors, the CLI line.

This is the only module of ``ganplify_core`` that imports Streamlit. A page declares its settings once
as a dict of fields::

    FIELDS = {
        "dataset": ui.Choice(("camelback", "ring", "shell"), "camelback"),
        "n_train": ui.Int(10, 10_000, 100),
        "lr": ui.Float(1e-5, 1e-2, 1e-4, widget="number"),
    }
    settings = ui.start_page("gan", FIELDS)      # URL <-> widget state, notices, sidebar
    with st.form("gan-settings"):
        settings.widget("dataset", "Distribution")
        settings.widget("n_train", "Training points")
        pressed = st.form_submit_button("Train")
    config = GanConfig(**settings.values(), seed=settings.seed)

A link's parameters are parsed with the same fields: a missing one takes its default, an invalid one
(out of range, not an option, not a number) or an unknown one is dropped with a notice on the page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any, Iterator, Mapping

import streamlit as st

from ganplify_core import cache
from ganplify_core.device import device_label
from ganplify_core.errors import InputError
from ganplify_core.seeding import DEFAULT_SEED
from ganplify_core.training import Progress

SEED_KEY = "seed"


# -- fields: typed settings that parse from and dump to URL text ---------------------------------------

@dataclasses.dataclass(frozen=True)
class Choice:
    """One of ``options``; ``widget`` is ``"select"``, ``"radio"`` or ``"select_slider"``."""

    options: tuple
    default: Any
    widget: str = "select"

    def parse(self, text: str) -> Any:
        for option in self.options:
            if str(option) == text:
                return option
        raise ValueError(f"must be one of {', '.join(map(str, self.options))}")

    def dump(self, value: Any) -> str:
        return str(value)


@dataclasses.dataclass(frozen=True)
class MultiChoice:
    """Any subset of ``options`` (comma-separated in the URL)."""

    options: tuple
    default: tuple
    widget: str = "multiselect"

    def parse(self, text: str) -> list:
        items = [t for t in text.split(",") if t]
        chosen = [o for o in self.options if str(o) in items]
        unknown = set(items) - {str(o) for o in self.options}
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(sorted(unknown))}")
        return chosen

    def dump(self, value: Any) -> str:
        return ",".join(map(str, value))


@dataclasses.dataclass(frozen=True)
class Int:
    """An integer in ``[lo, hi]``; ``widget`` is ``"slider"`` or ``"number"``."""

    lo: int
    hi: int
    default: int
    step: int = 1
    widget: str = "slider"

    def parse(self, text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not self.lo <= value <= self.hi:
            raise ValueError(f"must be between {self.lo} and {self.hi}")
        return value

    def dump(self, value: Any) -> str:
        return str(int(value))


@dataclasses.dataclass(frozen=True)
class Float:
    """A finite number in ``[lo, hi]``; ``widget`` is ``"slider"`` or ``"number"``."""

    lo: float
    hi: float
    default: float
    step: float | None = None
    widget: str = "slider"
    format: str | None = None

    def parse(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(value) or not self.lo <= value <= self.hi:
            raise ValueError(f"must be between {self.lo:g} and {self.hi:g}")
        return value

    def dump(self, value: Any) -> str:
        return repr(float(value))


@dataclasses.dataclass(frozen=True)
class Bool:
    """On or off (``1``/``0`` in the URL)."""

    default: bool
    widget: str = "toggle"

    def parse(self, text: str) -> bool:
        if text.lower() in ("1", "true", "on", "yes"):
            return True
        if text.lower() in ("0", "false", "off", "no"):
            return False
        raise ValueError("must be 1 or 0")

    def dump(self, value: Any) -> str:
        return "1" if value else "0"


Field = Choice | MultiChoice | Int | Float | Bool
SEED_FIELD = Int(0, 2**31 - 1, DEFAULT_SEED, widget="number")


def parse_query(fields: Mapping[str, Field], query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Settings from a link's query parameters, and a notice for each parameter that was not used.

    Every field gets a value: the link's if it parses, else the field's default. Unknown parameters
    (for example from an older version of the page) are ignored with a notice.
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, field in fields.items():
        values[name] = field.default if not isinstance(field, MultiChoice) else list(field.default)
        if name in query:
            try:
                values[name] = field.parse(str(query[name]))
            except ValueError as exc:
                notices.append(f"Link parameter `{name}={query[name]}` ignored ({exc}); using the default `{field.dump(values[name])}`.")
    unknown = sorted(set(query) - set(fields))
    if unknown:
        notices.append(f"Link parameter(s) {', '.join(f'`{u}`' for u in unknown)} not used by this page: ignored.")
    return values, notices


def dump_query(fields: Mapping[str, Field], values: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters that encode ``values``."""
    return {name: field.dump(values[name]) for name, field in fields.items()}


# -- the page: sidebar + URL-bound widget state ------------------------------------------------------------

class PageSettings:
    """The settings of one page, bound to widget state and mirrored in the URL."""

    def __init__(self, page: str, fields: Mapping[str, Field]):
        self.page = page
        self.fields = dict(fields)
        self._all_fields = {SEED_KEY: SEED_FIELD, **self.fields}

    def key(self, name: str) -> str:
        """The ``st.session_state`` key of a setting's widget."""
        return SEED_KEY if name == SEED_KEY else f"{self.page}.{name}"

    def _shadow(self, name: str) -> str:
        # Streamlit deletes a widget's state when a run does not draw it (e.g. after a page switch);
        # a plain session-state copy survives and restores the setting when the user comes back.
        return f"_saved.{self.key(name)}"

    def load(self) -> None:
        """Initialise widget state: from the link on the first visit, else from what the user set."""
        state = st.session_state
        read_flag = f"_url_read.{self.page}"
        if read_flag not in state:
            state[read_flag] = True
            values, notices = parse_query(self._all_fields, st.query_params.to_dict())
            for notice in notices:
                st.info(notice, icon=":material/link_off:")
            for name, value in values.items():
                if name == SEED_KEY and SEED_KEY in state:
                    if SEED_KEY not in st.query_params:
                        continue  # a seed chosen on another page carries over
                state[self.key(name)] = value
        for name, field in self._all_fields.items():
            key = self.key(name)
            if key not in state:
                default = field.default if not isinstance(field, MultiChoice) else list(field.default)
                state[key] = state.get(self._shadow(name), default)

    def values(self) -> dict[str, Any]:
        """The page's current settings (without the seed)."""
        return {name: st.session_state[self.key(name)] for name in self.fields}

    @property
    def seed(self) -> int:
        return int(st.session_state[SEED_KEY])

    def sync(self) -> None:
        """Mirror the current settings (and the seed) in the URL."""
        values = {name: st.session_state[self.key(name)] for name in self._all_fields}
        for name, value in values.items():
            st.session_state[self._shadow(name)] = value
        query = dump_query(self._all_fields, values)
        if st.query_params.to_dict() != query:
            st.query_params.from_dict(query)

    def widget(self, name: str, label: str, help: str | None = None, **kwargs: Any) -> Any:
        """Draw the widget for setting ``name`` (its type follows the field) and return its value."""
        field, key = self.fields[name], self.key(name)
        if isinstance(field, Choice):
            if field.widget == "radio":
                return st.radio(label, field.options, key=key, help=help, **kwargs)
            if field.widget == "select_slider":
                return st.select_slider(label, field.options, key=key, help=help, **kwargs)
            return st.selectbox(label, field.options, key=key, help=help, **kwargs)
        if isinstance(field, MultiChoice):
            return st.multiselect(label, field.options, key=key, help=help, **kwargs)
        if isinstance(field, Bool):
            draw = st.toggle if field.widget == "toggle" else st.checkbox
            return draw(label, key=key, help=help, **kwargs)
        if isinstance(field, (Int, Float)):
            extra = {"step": field.step} if field.step is not None else {}
            if isinstance(field, Float) and field.format:
                extra["format"] = field.format
            draw = st.slider if field.widget == "slider" else st.number_input
            return draw(label, min_value=field.lo, max_value=field.hi, key=key, help=help, **extra, **kwargs)
        raise TypeError(f"unknown field type {type(field).__name__}")


def sidebar() -> None:
    """The sidebar every page shares: compute device, global seed, clear-cache button."""
    with st.sidebar:
        st.caption(f"Compute device: **{device_label()}**")
        st.number_input("Global seed", min_value=0, max_value=2**31 - 1, step=1, key=SEED_KEY,
                        help="Every random choice on every page derives from this seed.")
        if st.button("Clear cache", help="Delete cached models and results (memory and disk)."):
            removed = cache.clear_cache()
            st.cache_data.clear()
            st.cache_resource.clear()
            st.toast(f"Cache cleared ({removed} files removed).")


def start_page(page: str, fields: Mapping[str, Field]) -> PageSettings:
    """Bind a page's settings to the URL and draw the shared sidebar. Call before any widget.

    Streamlit updates widget state (including a submitted form's) before the script reruns, so the
    URL written here already holds what the user just chose; pages need not sync again.
    """
    settings = PageSettings(page, fields)
    settings.load()
    settings.sync()
    sidebar()
    return settings


# -- long work, errors, reproducibility ------------------------------------------------------------

@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Progress]:
    """A status box with a progress bar; yields the ``progress(fraction, message)`` callback."""
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0, text="starting…")

        def report(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        yield report
        bar.progress(1.0, text="done")
        status.update(label=f"{label}: done", state="complete", expanded=False)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show bad input as a clear message (not a traceback) and stop the page there."""
    try:
        yield
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def show_cli(command_line: str) -> None:
    """An expander with the terminal command that reproduces what the page shows."""
    with st.expander("Reproduce in a terminal"):
        st.code(command_line, language="bash")
        st.caption("Prints one JSON object; drop `--json` for readable lines.")


def download_csv(frame: Any, filename: str, label: str = "Download results (CSV)") -> None:
    """A download button for a pandas DataFrame as CSV."""
    st.download_button(label, frame.to_csv(index=False).encode(), file_name=filename, mime="text/csv")


def coming_next(what: str) -> None:
    """The note a page shows until it is built."""
    st.info(f"**Coming next.** {what}", icon=":material/construction:")
