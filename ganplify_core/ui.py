"""What every page shares: settings bound to the URL, the sidebar, the job view, errors, the CLI line.

This is the only module of ``ganplify_core`` that imports Streamlit. A page's settings are the
parameters its config declares (:mod:`ganplify_core.params`); the page draws them and submits the
config to the job runner::

    PARAMS = ui.page_params(AmplifyConfig, narrow={"n_train": {"hi": 10_000, "help": "…"}})
    settings = ui.start_page("gan_amplification", PARAMS)     # URL <-> widget state, notices, sidebar
    with st.form("gan-settings"):
        settings.widget("distribution")                       # label, help and range from the Param
        pressed = st.form_submit_button("Train and compare")
    config = settings.config(AmplifyConfig)
    result = ui.result_of(AMPLIFY, config, pressed)            # None while it is computing or not pressed

A link's parameters are parsed with the same parameters: a missing one takes its default, an invalid
one (out of range, not an option, not a number) or an unknown one is dropped with a notice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import numbers
import re
import textwrap
import threading
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from ganplify_core import cache, experiments, jobs, upload_store
from ganplify_core.device import device_label
from ganplify_core.errors import InputError
from ganplify_core.params import SEED_MAX, Param, params_of
from ganplify_core.paths import ASSETS_DIR
from ganplify_core.seeding import DEFAULT_SEED

SEED_KEY = "seed"
SEED_PARAM = Param(DEFAULT_SEED, lo=0, hi=SEED_MAX, widget="number", name=SEED_KEY, label="Global seed",
                   help="Every random choice on every page derives from this seed.")


def page_params(config_type: Any, narrow: Mapping[str, Mapping[str, Any]] | None = None,
                exclude: tuple[str, ...] = (), extra: Mapping[str, Param] | None = None) -> dict[str, Param]:
    """The page's parameters: the config's (less ``exclude`` and the seed), some narrowed, plus page-only ones.

    ``narrow`` maps a name to :meth:`Param.narrowed`'s arguments (a smaller range, fewer choices, another
    widget or label); ``extra`` adds parameters that only the page has (a plot option).
    """
    narrow = narrow or {}
    out = {}
    for name, p in params_of(config_type).items():
        if name in exclude or name == SEED_KEY:
            continue
        out[name] = p.narrowed(**narrow[name]) if name in narrow else p
    for name, p in (extra or {}).items():
        out[name] = dataclasses.replace(p, name=name)
    return out


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def plain(text: str) -> str:
    """``text`` with every Markdown character escaped: a user's value shows as typed, never as a link or markup."""
    return _MARKDOWN.sub(r"\\\1", text)


# Link keys of the app rather than of one page (lecture mode): never "unknown", kept when a page writes its link.
PAGE_INDEPENDENT_KEYS = frozenset({"lecture"})


def parse_query(params: Mapping[str, Param], query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Settings from a link's query parameters, and a notice for each parameter that was not used.

    Every parameter gets a value: the link's if it parses, else its default. Unknown keys (for example
    from an older version of the page) are ignored with a notice. Notices are plain text (no Markdown).
    """
    values: dict[str, Any] = {}
    notices: list[str] = []
    for name, p in params.items():
        values[name] = p.default
        key = p.url_key
        if key in query:
            try:
                values[name] = p.parse(str(query[key]))
            except InputError as exc:
                notices.append(f"Link parameter {key} ignored ({_clip(str(exc), 160)}); using the default "
                               f"{_clip(p.text(values[name]))}.")
    known = {p.url_key for p in params.values()}
    unknown = sorted(set(query) - known - PAGE_INDEPENDENT_KEYS)
    if unknown:
        notices.append(f"Link parameter(s) {', '.join(_clip(u, 40) for u in unknown[:10])} not used by this page: ignored.")
    return values, notices


def dump_query(params: Mapping[str, Param], values: Mapping[str, Any]) -> dict[str, str]:
    """The query parameters that encode ``values``."""
    return {p.url_key: p.text(values[name]) for name, p in params.items()}


# -- the page: sidebar + URL-bound widget state ------------------------------------------------------------

class PageSettings:
    """The settings of one page, bound to widget state and mirrored in the URL."""

    def __init__(self, page: str, params: Mapping[str, Param]):
        self.page = page
        self.params = {name: dataclasses.replace(p, name=name) for name, p in params.items()}
        self._all = {SEED_KEY: SEED_PARAM, **self.params}

    def key(self, name: str) -> str:
        """The ``st.session_state`` key of a setting's widget."""
        return SEED_KEY if name == SEED_KEY else f"{self.page}.{name}"

    def _shadow(self, name: str) -> str:
        # Streamlit deletes a widget's state when a run does not draw it (e.g. after a page switch);
        # a plain session-state copy survives and restores the setting when the user comes back.
        return f"_saved.{self.key(name)}"

    @staticmethod
    def _widget_value(p: Param, value: Any) -> Any:
        return list(value) if p.multiple else value

    def load(self) -> None:
        """Initialise widget state: from the link on the first visit, else from what the user set."""
        state = st.session_state
        read_flag = f"_url_read.{self.page}"
        if read_flag not in state:
            state[read_flag] = True
            values, notices = parse_query(self._all, st.query_params.to_dict())
            for notice in notices:
                st.info(plain(notice), icon=":material/link_off:")
            for name, value in values.items():
                if name == SEED_KEY and SEED_KEY in state and SEED_KEY not in st.query_params:
                    continue  # a seed chosen on another page carries over
                state[self.key(name)] = self._widget_value(self._all[name], value)
        for name, p in self._all.items():
            key = self.key(name)
            if key not in state:
                state[key] = state.get(self._shadow(name), self._widget_value(p, p.default))

    def value(self, name: str) -> Any:
        value = st.session_state[self.key(name)]
        p = self._all[name]
        return tuple(value) if p.multiple else value

    def values(self) -> dict[str, Any]:
        """The page's current settings (without the seed)."""
        return {name: self.value(name) for name in self.params}

    @property
    def seed(self) -> int:
        return int(st.session_state[SEED_KEY])

    def config(self, config_type: Any, **fixed: Any) -> Any:
        """The config the page's settings describe: its fields from the settings (and the seed), then ``fixed``."""
        names = params_of(config_type)
        values = {name: self.value(name) for name in self.params if name in names}
        if SEED_KEY in names:
            values[SEED_KEY] = self.seed
        values.update(fixed)
        return config_type(**values)

    def sync(self) -> None:
        """Mirror the current settings (and the seed) in the URL."""
        values = {name: self.value(name) for name in self._all}
        for name, value in values.items():
            st.session_state[self._shadow(name)] = self._widget_value(self._all[name], value)
        query = dump_query(self._all, values)
        for key in PAGE_INDEPENDENT_KEYS:  # switches of every page stay in the link
            if key in st.query_params:
                query[key] = st.query_params[key]
        if st.query_params.to_dict() != query:
            st.query_params.from_dict(query)

    def apply(self, values: Mapping[str, Any]) -> None:
        """Set the widgets to ``values`` (a preset). Call from a widget's ``on_click``, before the page runs."""
        for name, value in values.items():
            if name in self._all:
                st.session_state[self.key(name)] = self._widget_value(self._all[name], value)

    def query_for(self, values: Mapping[str, Any]) -> str:
        """The link query (``?…``) of the current settings with ``values`` changed."""
        merged = {name: self.value(name) for name in self._all}
        merged.update({name: value for name, value in values.items() if name in self._all})
        query = dump_query(self._all, merged)
        if lecture_mode():
            query["lecture"] = "1"
        return "?" + urlencode(query)

    def widget(self, name: str, label: str | None = None, help: str | None = None, **kwargs: Any) -> Any:
        """Draw the widget for setting ``name`` (its type, label, help and range follow the Param)."""
        p, key = self.params[name], self.key(name)
        label = label or p.label or name
        help = help if help is not None else (p.help or None)
        if p.unit and p.kind in (int, float) and p.choices is None and "(" not in label:
            label = f"{label} ({p.unit})"
        # The widget's own default is the current setting, not Streamlit's (the minimum, the first option): a
        # browser that builds the widget from a later run than the one that set it shows that default and sends
        # it back (seen: the global seed 0 on a session opened by a link while a job ran). The value in
        # st.session_state still decides.
        value = st.session_state[key]
        if p.multiple:
            kwargs.setdefault("format_func", p.display)
            return st.multiselect(label, p.choices, default=value, key=key, help=help, **kwargs)
        if p.choices is not None:
            kwargs.setdefault("format_func", p.display)
            if p.widget == "radio":
                return st.radio(label, p.choices, index=p.choices.index(value), key=key, help=help, **kwargs)
            if p.widget == "select_slider":
                return st.select_slider(label, p.choices, value=value, key=key, help=help, **kwargs)
            return st.selectbox(label, p.choices, index=p.choices.index(value), key=key, help=help, **kwargs)
        if p.kind is bool:
            draw = st.checkbox if p.widget == "checkbox" else st.toggle
            return draw(label, value=value, key=key, help=help, **kwargs)
        if p.kind in (int, float):
            extra = {"step": p.kind(p.step)} if p.step is not None else {}
            if p.format:
                extra["format"] = p.format
            draw = st.slider if p.widget == "slider" else st.number_input
            return draw(label, min_value=p.kind(p.lo), max_value=p.kind(p.hi), value=p.kind(value), key=key, help=help,
                        **extra, **kwargs)
        return st.text_input(label, value=value, key=key, help=help, **kwargs)

    def tabs(self, name: str) -> Sequence[Any]:
        """:func:`lazy_tabs` whose open tab is setting ``name`` (a :func:`tab_param`), so a link opens the tab it
        was copied on."""
        p, key = self.params[name], self.key(name)
        labels = [p.display(choice) for choice in p.choices]
        tabs_key = f"_tabs.{key}"
        st.session_state[tabs_key] = labels[p.choices.index(self.value(name))]  # the setting decides, as a link may

        def chosen() -> None:
            st.session_state[key] = p.choices[labels.index(st.session_state[tabs_key])]

        return st.tabs(labels, key=tabs_key, on_change=chosen)


def tab_param(labels: Mapping[str, str]) -> Param:
    """A page setting for :meth:`PageSettings.tabs`: which tab is open, the first by default; ``labels`` maps each
    value (as the link writes it) to its tab's label."""
    return Param(next(iter(labels)), choices=tuple(labels), labels=dict(labels), label="Open tab",
                 help="the tab shown (a view: computes nothing; kept in the link)")


def lecture_mode() -> bool:
    """``?lecture=1`` in the link (or the sidebar's toggle): the projector view."""
    return st.query_params.get("lecture") == "1"


def _toggle_lecture() -> None:
    if st.session_state.get("_lecture_toggle"):
        st.query_params["lecture"] = "1"
    elif "lecture" in st.query_params:
        del st.query_params["lecture"]


# Larger type for a projector; charts get theirs from :func:`projector_style`.
_LECTURE_CSS = """<style>
html, body, [data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.25rem; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
h1 { font-size: 3rem !important; }
[data-testid="stSidebarNavLink"] .stMarkdownEllipsis, [data-testid="stSidebarNavLink"] .stMarkdownEllipsis p,
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; line-height: 1.3;
  word-break: normal !important; overflow-wrap: break-word !important; }
[data-testid="stMetricLabel"] { min-height: 2.6em; align-items: flex-start; }  /* values in a row stay level */
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.05rem; }
input, textarea { font-size: 1.05rem !important; }  /* a widget's value (a selectbox's shown choice included) */
[data-testid="stCheckbox"] [data-testid="stWidgetLabel"] { min-width: 0; flex: 1 1 auto; }
[data-testid="stCheckbox"] [data-testid="stWidgetLabel"] > div, [data-testid="stCheckbox"] [data-testid="stWidgetLabel"] p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important; min-width: 0; }
</style>"""


def lazy_tabs(labels: Sequence[str], key: str) -> Sequence[Any]:
    """Tabs that know which one is open (``tab.open``; the first on a page's first view), so a page draws only it.

    Plotly draws every chart of a page before it shows the first, hidden tabs' included, so a page opens
    faster when the charts of its later sections wait until their tab is chosen (one rerun, nothing computed).
    A closed tab's charts still go to the page's zip: ``chart(fig, container=tab, draw=tab.open)``.
    """
    return st.tabs(list(labels), key=key, on_change="rerun")


def prose(markdown: str, title: str = "What this page shows") -> None:
    """Explanatory text: shown in full, or folded into an expander in lecture mode (the lecturer says it)."""
    if lecture_mode():
        with st.expander(title):
            st.markdown(markdown)
    else:
        st.markdown(markdown)


def sidebar() -> None:
    """The sidebar every page shares: compute device, global seed, the cache's state and its clear button."""
    if lecture_mode():
        st.html(_LECTURE_CSS)
    with st.sidebar:
        st.toggle("Lecture mode", value=lecture_mode(), key="_lecture_toggle", on_change=_toggle_lecture,
                  help="A projector view: larger type, thicker lines and markers, no minor labels on log axes, "
                       "long text folded away. Kept in the link (lecture=1).")
        st.radio("Camera button saves", IMAGE_FORMATS, key="_image_format", horizontal=True,
                 help="What the camera icon above each chart downloads: PNG at twice the screen resolution, or SVG "
                      "(vector, for slides).")
        with user_errors():
            st.caption(f"Compute device: **{device_label()}**")
        st.number_input(SEED_PARAM.label, min_value=SEED_PARAM.lo, max_value=SEED_PARAM.hi, step=1, key=SEED_KEY,
                        value=int(st.session_state[SEED_KEY]), help=SEED_PARAM.help)  # default: see PageSettings.widget
        running = jobs.active()
        if running:
            st.caption(f"{len(running)} computation(s) queued or running on this server.")
        problem = cache.problem()
        if problem:
            st.warning(f"Disk cache off: {problem}. Results are kept in memory only.", icon=":material/warning:")
        elif not lecture_mode() and st.button("Clear cache", help="Delete cached results (memory and disk); entries "
                                              "being computed are kept.", disabled=bool(running)):
            removed = cache.clear_cache()
            experiments.forget_memory()
            st.cache_data.clear()
            st.cache_resource.clear()
            st.toast(f"Cache cleared ({removed} entries removed).")


def start_page(page: str, params: Mapping[str, Param]) -> PageSettings:
    """Bind a page's settings to the URL and draw the shared sidebar. Call before any widget.

    Streamlit updates widget state (including a submitted form's) before the script reruns, so the
    URL written here already holds what the user just chose; pages need not sync again.
    """
    settings = PageSettings(page, params)
    settings.load()
    settings.sync()
    sidebar()
    st.session_state[_FIGURES_KEY] = []
    st.session_state[_CLI_COUNT_KEY] = 0
    return settings


# -- presets: one click to a setting worth showing ---------------------------------------------------------

PRESET_TIMES = ASSETS_DIR / "preset_times.json"


def preset_seconds(experiment: experiments.Experiment, preset: experiments.Preset) -> float | None:
    """The preset's measured time on this machine class (``benchmarks/bench_presets.py``, else ``make assets``)."""
    try:
        times = json.loads(PRESET_TIMES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        times = {}
    seconds = times.get(experiment.name, {}).get(preset.key)
    if not isinstance(seconds, (int, float)):  # a shipped preset: the time `make assets` measured
        entry = experiments.shipped_manifest().get(experiments.shipped_path(experiment, preset.config).name) or {}
        seconds = entry.get("seconds")
    return float(seconds) if isinstance(seconds, (int, float)) else None


def preset_values(settings: PageSettings, preset: experiments.Preset) -> dict[str, Any]:
    """The page settings (and seed) a preset sets: its config's fields the page shows, and its page values."""
    values = {name: getattr(preset.config, name) for name in settings._all if hasattr(preset.config, name)}
    values.update(preset.page_values)
    return values


def preset_label(experiment: experiments.Experiment, preset: experiments.Preset) -> str:
    """``"A 30-second demo · 19 s"``: measured where recorded, else ``"≈ 20 s"`` from the estimate."""
    seconds = preset_seconds(experiment, preset)
    if seconds is None:
        return f"{preset.label} · ≈ {format_seconds(experiment.estimate_seconds(preset.config))}"
    return f"{preset.label} · {format_seconds(seconds)}"


def preset_buttons(settings: PageSettings, experiment: experiments.Experiment) -> None:
    """One button per preset of ``experiment`` (it sets the page's widgets), and a link to each."""
    if not experiment.presets:
        return
    # On a projector the labels are large: one button per row, so none is cut.
    columns = [st.container() for _ in experiment.presets] if lecture_mode() else st.columns(len(experiment.presets))
    links = []
    for column, preset in zip(columns, experiment.presets, strict=True):
        values = preset_values(settings, preset)
        column.button(preset_label(experiment, preset), key=f"preset.{settings.page}.{preset.key}",
                      help=preset.note or None, on_click=settings.apply, args=(values,), width="stretch")
        links.append(f"[{plain(preset.label)}]({settings.query_for(values)})")
    st.caption("Presets set the widgets below; press the page's button to compute what is not shipped. "
               "Links to share: " + " · ".join(links))


# -- charts: one look, projector style, downloads for slides ----------------------------------------------

IMAGE_FORMATS = ("PNG 2×", "SVG")
_FIGURES_KEY = "_page_figures"
_CLI_COUNT_KEY = "_page_terminal_lines"  # show_cli's expanders drawn so far in this run


# Characters of a chart title at projector size (24 px, bold) on one line: a chart in a column (half the page or
# less) and a chart across the page (1440 px screen, sidebar open).
_TITLE_CHARACTERS = {"column": 40, "full": 70}


def projector_style(fig: Any, width: str = "column") -> Any:
    """A copy of ``fig`` for a projector: larger type, thicker lines, larger markers, decades only on log axes.

    At that size, long chart and axis titles are broken over lines (the chart title at the ``width`` it is drawn:
    ``"column"`` or ``"full"``) and a legend under the plot is lowered.
    """
    return _restyle_for_projector(type(fig)(fig), width)


def _restyle_for_projector(fig: Any, width: str = "column") -> Any:
    """:func:`projector_style` in place (a copy of a figure with data is a good part of a page script's time)."""
    fig.update_layout(font=dict(size=20), title_font=dict(size=24), legend=dict(font=dict(size=18)))
    # thicker lines, but an edge drawn at width 0 (a band's outline) stays undrawn: at 4 px the quantile-MSE
    # chart's bands got thick outlines in the default colour
    fig.update_traces(selector=lambda trace: trace.type == "scatter" and trace.line.width != 0, line=dict(width=4))
    for trace in fig.data:
        marker = getattr(trace, "marker", None)
        if marker is not None and getattr(marker, "size", None) is not None and isinstance(marker.size, (int, float)):
            trace.marker.size = marker.size * 1.6
    fig.for_each_xaxis(lambda axis: axis.update(dtick=1, minor=dict(showgrid=False)) if axis.type == "log" else None)
    fig.for_each_yaxis(lambda axis: axis.update(dtick=1, minor=dict(showgrid=False)) if axis.type == "log" else None)
    title = fig.layout.title.text or ""
    wrapped = _wrap_title(title, _TITLE_CHARACTERS[width])
    if wrapped != title:  # a longer title than the chart holds at this size: Plotly would cut it off
        grow = 28 * (wrapped.count("<br>") - title.count("<br>"))
        fig.update_layout(title_text=wrapped)
        _grow_top(fig, grow)
    if "<br>" in wrapped:  # Plotly places a title's top by its first line: the lines above would be cut off
        fig.update_layout(title_pad_t=28 * wrapped.count("<br>"))
    _enlarge_annotations(fig)
    x_title_lines = _wrap_axis_titles(fig)
    legend_y = fig.layout.legend.y
    if legend_y is not None and legend_y < 0:  # a legend under the plot: lower it below the larger axis labels
        height, _, bottom, plot = _geometry(fig)
        # pixels from the plot to the legend: tick labels and each line of the x-axis title at projector size
        offset = max(-legend_y * plot, 60 + 32 * x_title_lines)
        # The legend is placed from the figure's bottom, in a margin that holds it: placed in plot heights it rode up
        # into the axis title whenever Plotly grew the margin for it (or for tall tick labels) and shrank the plot.
        new_bottom = round(max(bottom + offset + legend_y * plot, offset + _legend_height(fig) + 20))
        new_height = height + new_bottom - bottom  # the plot keeps its height
        fig.update_layout(legend=dict(yref="container", y=(new_bottom - offset) / new_height, yanchor="top"),
                          margin_b=new_bottom, height=new_height)
    return fig


def _geometry(fig: Any) -> tuple[int, int, int, int]:
    """``fig``'s height, top and bottom margins and the height of its plot area, in pixels (Plotly's defaults where
    unset; the plot at least 100)."""
    height, top, bottom = fig.layout.height or 450, fig.layout.margin.t or 100, fig.layout.margin.b or 80
    return height, top, bottom, max(height - top - bottom, 100)


def _grow_top(fig: Any, pixels: int) -> None:
    """Room for ``pixels`` more above the plot: the top margin and the chart grow, the plot keeps its height."""
    height, top, _, _ = _geometry(fig)
    fig.update_layout(margin_t=top + pixels, height=height + pixels)


def _legend_names(fig: Any) -> list:
    """The names ``fig``'s legend shows (none when the legend is off)."""
    if fig.layout.showlegend is False:
        return []
    return [trace.name for trace in fig.data if trace.showlegend is not False and trace.name]


def _legend_height(fig: Any, width: int = 360, row: int = 38) -> int:
    """Pixels a horizontal legend takes at projector size in a half-width chart (``width`` pixels of legend), about
    9.5 pixels per character and 40 for the symbol: one row if its entries fit, else Plotly's grid of columns as
    wide as the widest entry; ``row`` pixels per row, measured in Chromium."""
    entries = [40 + 9.5 * len(re.sub(r"<[^>]+>", "", str(name))) for name in _legend_names(fig)]
    if not entries:
        return 0
    per_row = len(entries) if sum(entries) <= width else max(1, int(width // max(entries)))
    return -(-len(entries) // per_row) * row


def legend_clear_of_panel_titles(fig: Any) -> Any:
    """``fig``, or a copy whose legend sits under the plot where above it it would run into the panels' titles.

    ``make_subplots`` puts each panel's title just above it, where the shared style puts a horizontal legend.
    Under the plot, the legend starts below the x-axis labels and title (about 60 px at the normal size).
    """
    legend = fig.layout.legend
    panel_titles = [a for a in fig.layout.annotations if a.yref == "paper" and a.yanchor == "bottom" and (a.y or 0) >= 1]
    above = legend.orientation == "h" and legend.yanchor == "bottom" and legend.y is not None and legend.y >= 1
    if not panel_titles or not above or not _legend_names(fig):
        return fig
    fig = type(fig)(fig)
    height, _, bottom, plot = _geometry(fig)
    below = 60
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-below / plot,
                                  xanchor="left", x=0), margin_b=bottom + below, height=height + below)
    return fig


_PROJECTOR_ANNOTATION_SIZE = 20  # pixels, the projector's chart text (layout.font)
_FULL_WIDTH_CHARACTERS = 90  # characters of 20 px text across a full-width chart's plot area (lecture mode, 1440 px)


def _enlarge_annotations(fig: Any) -> None:
    """Annotations with a small size of their own (panel titles: 12–16 px), in place: 1.5× up to the projector's
    20 px. Panel titles are broken over lines to fit their panels' width and share the largest of those sizes (down
    to their own) at which each fits the gap above its panel; above the top row the margin grows by what the titles
    added (the chart's height with it, so its plots keep theirs).

    Plotly's layout font does not reach an annotation whose font has a size: at projector size the comparison grid's
    panel titles stayed 12 px; enlarged without regard to the gap, the shower grid's ran into the panels above.
    """
    panel_width = {}  # x domain's width of each panel title's x (paper) position
    for axis in fig.select_xaxes():
        low, high = axis.domain or (0, 1)
        panel_width[round((low + high) / 2, 3)] = high - low
    row_bottoms = sorted({(axis.domain or (0, 1))[0] for axis in fig.select_yaxes()})
    plot = _geometry(fig)[3]
    titles = []  # (annotation, panel width, pixels up to the panel above)
    for annotation in fig.layout.annotations:
        size = annotation.font.size
        if size is None or size >= _PROJECTOR_ANNOTATION_SIZE or not annotation.text:
            continue
        is_panel_title = annotation.yref == "paper" and annotation.yanchor == "bottom" and annotation.xref == "paper"
        width = panel_width.get(round(annotation.x or 0, 3)) if is_panel_title else None
        if width is None:
            annotation.font.size = min(_PROJECTOR_ANNOTATION_SIZE, round(size * 1.5))
            continue
        y = annotation.y or 0
        above = [bottom for bottom in row_bottoms if bottom > y + 1e-6]
        titles.append((annotation, width, (min(above) - y) * plot if above and y < 1 else float("inf")))
    if not titles:
        return
    own = min(annotation.font.size for annotation, _, _ in titles)

    def block(text: str, size: int) -> float:
        return (text.count("<br>") + 1) * size * 1.3  # pixels of a title's lines

    for candidate in range(min(_PROJECTOR_ANNOTATION_SIZE, round(own * 1.5)), own, -1):
        wrapped = [_wrap_title(a.text, max(12, int(w * _FULL_WIDTH_CHARACTERS * _PROJECTOR_ANNOTATION_SIZE / candidate)))
                   for a, w, _ in titles]
        if all(block(text, candidate) + 4 <= room for text, (_, _, room) in zip(wrapped, titles)):
            break
    else:
        return  # no larger size fits every gap: the titles keep theirs
    top_grow = max((block(text, candidate) - block(a.text, a.font.size) for text, (a, _, room) in zip(wrapped, titles)
                    if room == float("inf")), default=0)
    for text, (annotation, _, _) in zip(wrapped, titles):
        annotation.update(text=text, font_size=candidate)
    if top_grow > 0:
        _grow_top(fig, round(top_grow) + 6)  # and a little air under a chart title


def _wrap_axis_titles(fig: Any, x_width: int = 34, y_width: int = 26) -> int:
    """Break ``fig``'s long axis titles over lines, in place; return the most lines of an x-axis title.

    At projector size a half-width chart cut "true positive rate ε_S (signal passing the cut)" at both ends (a y
    title runs along the plot's height, an x title along its width, which holds more).
    """
    x_lines = 0
    for axes, is_x in ((fig.select_xaxes(), True), (fig.select_yaxes(), False)):
        for axis in axes:
            text = axis.title.text or ""
            wrapped = _wrap_title(text, x_width if is_x else y_width)
            if wrapped != text:
                axis.update(title_text=wrapped, automargin=True)
            if is_x and text:
                x_lines = max(x_lines, wrapped.count("<br>") + 1)
    return x_lines


def _wrap_title(title: str, width: int = 40) -> str:
    """``title`` with each line broken at spaces into lines of at most ``width`` characters (plain text only)."""
    lines = title.split("<br>")
    if re.search(r"<(?!br>)", title) or all(len(line) <= width for line in lines):
        return title
    return "<br>".join(part for line in lines for part in (textwrap.wrap(line, width) or [line]))


def chart_config(name: str) -> dict:
    """Plotly's modebar settings: the camera button saves ``name`` as PNG at 2× or as SVG (the sidebar's choice)."""
    svg = st.session_state.get("_image_format") == "SVG"
    return {"toImageButtonOptions": {"format": "svg" if svg else "png", "filename": name, "scale": 1 if svg else 2},
            "displaylogo": False}


def _figure_name(fig: Any, fallback: str) -> str:
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else fallback
    name = re.sub(r"<[^>]+>", "", str(title))
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:60]
    return name or fallback


def chart(fig: Any, key: str | None = None, container: Any = None, draw: bool = True) -> None:
    """Draw a Plotly figure (projector style in lecture mode) and collect it for the page's zip download.

    ``fig`` is the page's to give: a figure built for this call or a :func:`remembered` copy, restyled in place.
    ``draw=False`` only collects it: a chart of a closed :func:`lazy_tabs` tab is in the zip, not on the page.
    """
    figures = st.session_state.setdefault(_FIGURES_KEY, [])
    name = _figure_name(fig, f"figure-{len(figures) + 1}")
    fig = legend_clear_of_panel_titles(fig)
    if lecture_mode():
        fig = _restyle_for_projector(fig, "column" if _in_a_column(container) else "full")
    figures.append((name, fig))
    if draw:
        drawn = for_dark_background(fig) if _dark_theme() else fig  # the zip keeps the white-background colours
        (container or st).plotly_chart(drawn, width="stretch", key=key, config=chart_config(name))


def _in_a_column(container: Any) -> bool:
    """Whether a chart drawn in ``container`` (None: where ``st`` draws now, inside ``with`` blocks) sits in a
    column. Streamlit keeps no public record of that; where its private one is missing, assume a column (the
    narrower title)."""
    try:
        where = container if container is not None else st._main._active_dg
        return "column" in where._ancestor_block_types
    except Exception:
        return True


_BLACK = ("#000000", "black", "#000")
ON_DARK = "#E6E6E6"  # what the palette's black (the truth, the strongest reference) is drawn in on a dark theme


def _dark_theme() -> bool:
    """The viewer's theme is dark (Streamlit infers it in the browser and sends it with each run)."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser session (AppTest, a script): the light theme
        return False


def for_dark_background(fig: Any) -> Any:
    """A copy of ``fig`` whose black lines, markers and reference lines are light grey: on the dark theme the
    palette's black (the true density, the supervised tagger, the total KL, p = ½) was all but invisible."""
    fig = type(fig)(fig)
    for trace in fig.data:
        for part in ("line", "marker"):
            style = getattr(trace, part, None)
            if style is not None and isinstance(getattr(style, "color", None), str) and style.color.lower() in _BLACK:
                style.color = ON_DARK
    for shape in fig.layout.shapes:
        if isinstance(shape.line.color, str) and shape.line.color.lower() in _BLACK:
            shape.line.color = ON_DARK
    return fig


_images_lock = threading.Lock()  # one Chromium draws the images for every session, one figure at a time
_image_server_started = False


def _draw_images(fig: Any) -> dict[str, bytes]:
    """SVG, PNG at 2× and PDF of ``fig`` by kaleido, through one Chromium kept running by the server."""
    global _image_server_started
    import kaleido

    with _images_lock, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "kopts is ignored when using a server"
        if not _image_server_started:
            kaleido.start_sync_server(silence_warnings=True)
            _image_server_started = True
        return {"svg": fig.to_image(format="svg"), "png": fig.to_image(format="png", scale=2),
                "pdf": fig.to_image(format="pdf")}


def figures_zip(figures: list[tuple[str, Any]], tables: Mapping[str, Any], images: bool = True) -> bytes:
    """A zip of the figures (interactive HTML and Plotly JSON; SVG, PNG at 2× and PDF where kaleido can draw) and tables (CSV)."""
    buffer = io.BytesIO()
    notes = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for name, fig in figures:
            stem, n = name, 2
            while stem in used:
                stem, n = f"{name}-{n}", n + 1
            used.add(stem)
            archive.writestr(f"figures/{stem}.json", fig.to_json())
            archive.writestr(f"figures/{stem}.html", fig.to_html(include_plotlyjs="cdn", full_html=True))
            if images:
                try:
                    for suffix, data in _draw_images(fig).items():
                        archive.writestr(f"figures/{stem}.{suffix}", data)
                except Exception as exc:  # no kaleido or no Chrome: the HTML and JSON still open anywhere
                    notes.append(f"Images not drawn ({type(exc).__name__}: {exc}); open the .html files and use "
                                 "the camera button.")
                    images = False
        for filename, frame in tables.items():
            archive.writestr(f"data/{filename}", spreadsheet_safe(frame).to_csv(index=False))
        archive.writestr("README.txt", "Figures from GANplify Lab: .html (interactive), .json (Plotly), .svg/.png/.pdf "
                         "(for slides).\n" + "\n".join(notes[:1]) + "\n")
    return buffer.getvalue()


def download_all(page: str, tables: Mapping[str, Any] | None = None) -> None:
    """One button: every chart drawn on this page (SVG, PNG 2×, PDF, HTML) and its data (CSV), as a zip."""
    figures = list(st.session_state.get(_FIGURES_KEY, []))
    tables = dict(tables or {})
    if not figures and not tables:
        return
    st.download_button(f"Download all figures and data (zip, {len(figures)} figures)",
                       data=lambda: figures_zip(figures, tables), file_name=f"ganplify-{page}.zip",
                       mime="application/zip", icon=":material/download:", on_click="ignore",
                       help="Each chart as SVG, PNG at 2× and PDF (drawn on the server; takes a few seconds), as "
                            "interactive HTML, and the data as CSV.")


# -- long work: submitted to the job runner, shown while it runs -------------------------------------------

def format_seconds(seconds: float, precise: bool = False) -> str:
    """``"40 s"``, ``"3 min 10 s"``, ``"1 h 5 min"``: a duration as people read it.

    ``precise``: below 10 s, two significant digits (``"0.023 s"``, ``"3.4 s"``) for a time measured, not estimated.
    """
    seconds = max(float(seconds), 0.0)
    if precise and seconds < 10:
        return f"{seconds:.2g} s"
    if seconds < 60:
        return f"{max(round(seconds), 1)} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s" if minutes < 10 and rest else f"{minutes} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


def estimate_text(experiment: experiments.Experiment, config: Any) -> str:
    """``"about 2 min on this server"``: the experiment's estimate for ``config``."""
    return f"about {format_seconds(experiment.estimate_seconds(config))} on this server"


def result_of(experiment: experiments.Experiment, config: Any, pressed: bool,
              quick_seconds: float = experiments.QUICK_SECONDS, quiet: bool = False) -> Any:
    """The result for ``config`` if it can be shown now; else ``None``, with the job's progress drawn.

    Held, shipped or cached results come back at once. A job already running for the same settings
    (from any session) is shown, not started again. A new job starts only if ``pressed`` or if it is
    estimated to take under ``quick_seconds``; a quick job is waited for briefly so that a small change
    shows its answer without a flicker. Validation errors stop the page with a clear message.

    ``quiet`` draws nothing (a closed tab's result, wanted for the page's zip): jobs start and are waited for
    as above, but bad settings, a failure or a running job only give ``None``; the tab says why once opened.
    """
    if quiet:
        try:
            config.validate()
        except InputError:
            return None
    else:
        with user_errors():
            config.validate()
    result = experiments.cached_result(experiment, config)
    if result is not None:
        info = experiments.shipped_info(experiment, config)
        if info is not None and not quiet:
            _shipped_note(experiment, config, info)
        return result
    job = jobs.find(experiment, config)
    estimate = experiment.estimate_seconds(config)
    if job is not None and job.state == jobs.FAILED and not pressed:
        if not quiet:
            _show_failed(job)
        return None
    # A finished job whose result is gone (the cache was cleared) counts as no job.
    if (job is None or job.state in jobs.FINISHED) and (pressed or estimate < quick_seconds):
        job = jobs.submit(experiment, config, owner=_session_id())
        if estimate < quick_seconds:
            job.wait(timeout=min(2 * estimate + 0.5, quick_seconds))
    if job is None:
        return None
    if pressed:
        job.owners.add(_session_id())
    if job.state == jobs.DONE:
        return experiments.cached_result(experiment, config)
    if job.state == jobs.FAILED:
        if not quiet:
            _show_failed(job)
        return None
    if job.state in jobs.FINISHED:  # cancelled, or done but its result was cleared since
        return None
    if not quiet:
        _job_panel(experiment, config)
    return None


def _shipped_note(experiment: experiments.Experiment, config: Any, info: dict) -> None:
    """Say that a result is the shipped one; offer to recompute it when the code changed since."""
    job = jobs.find(experiment, config)
    if job is not None and job.fresh and job.state not in jobs.FINISHED:
        _job_panel(experiment, config)
        return
    made = f" on {info['made']}" if info.get("made") else ""
    took = f", {format_seconds(info['seconds'])} to compute" if info.get("seconds") else ""
    if not info["stale"]:
        st.caption(f"Shipped result for these settings (made{made} by this version of the code{took}).")
        return
    st.warning(f"This shipped result was made{made} by an earlier version of the code{took}. It is shown as "
               "made; recompute it to see what the current code gives.", icon=":material/history:")
    if st.button(f"Recompute with the current code ({estimate_text(experiment, config)})",
                 key=f"recompute-{experiment.name}-{experiment.key(config)[:12]}"):  # a page may show several
        jobs.submit(experiment, config, owner=_session_id(), fresh=True)
        st.rerun()


def press_prompt(experiment: experiments.Experiment, config: Any, button: str, what: str = "These settings have not been computed yet") -> None:
    """Say how long pressing ``button`` will take, unless a job for ``config`` is already on its way."""
    job = jobs.find(experiment, config)
    if job is None or job.state in jobs.FINISHED:
        st.info(f"{what}: press **{button}** ({estimate_text(experiment, config)}).", icon=":material/timer:")


def _show_failed(job: jobs.Job) -> None:
    st.error(f"The computation stopped: {job.error}. Change a setting or press the button to try again.",
             icon=":material/error:")


@st.fragment(run_every=1.0)
def _job_panel(experiment: experiments.Experiment, config: Any) -> None:
    """Progress of the job for ``config``, redrawn every second; the whole page reruns when it ends."""
    job = jobs.find(experiment, config)
    if job is None or job.state in jobs.FINISHED:
        st.rerun(scope="app")
    label = experiment.label or "Computing"
    with job.runner.lock:  # state and queue place read together
        state, position = job.state, job.queue_position
    if state == jobs.QUEUED and position > 0:
        st.info(f"**{label}: queued**, position {position} in the queue ({len(jobs.active()) - position} "
                f"job(s) of other settings run now; at most {jobs.max_workers()} at once). Estimated "
                f"{format_seconds(job.estimate)} once it starts.", icon=":material/hourglass_top:")
    else:
        left = job.seconds_left
        st.progress(job.fraction, text=f"**{label}**: {job.message}")
        st.caption(f"{format_seconds(job.elapsed)} elapsed, about {format_seconds(left)} left "
                   f"({100 * job.fraction:.0f} % done). The job goes on if you close this tab; "
                   "reopen the same link to see the result.")
    if _session_id() in job.owners and st.button("Cancel", key=f"cancel-{job.key[:12]}",
                                                 help="Stop this computation (it goes on if another session also asked for it)."):
        job.cancel(owner=_session_id())
        st.rerun(scope="app")


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Show bad input as a clear message (not a traceback) and stop the page there."""
    try:
        yield
    except InputError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def show_cli(command_line: str, key: str | None = None) -> None:
    """An expander with the terminal command that reproduces what the page shows, drawn once opened.

    Streamlit's code block loads a 1.5 MB syntax highlighter, about a third of a second of a page's first view;
    the expanders are keyed by their order on the page (``cli.1``, ``cli.2``, …), or by ``key`` in a tab that is
    drawn only while open (whose place in that order changes).
    """
    if key is None:
        key = st.session_state[_CLI_COUNT_KEY] = st.session_state.get(_CLI_COUNT_KEY, 0) + 1
    with st.expander("Reproduce in a terminal", key=f"cli.{key}", on_change="rerun") as box:
        if box.open:
            st.code(command_line, language="bash")
            st.caption("Prints one JSON object; drop `--json` for readable lines.")


def uploaded(file: Any) -> tuple[str, bytes]:
    """An ``st.file_uploader`` file's SHA-256 digest and bytes; hashed once per upload, not on every rerun.

    Streamlit keeps an upload's ``file_id`` across reruns, so the digest is remembered by it (the last few only).
    """
    data = file.getvalue()
    digests = st.session_state.setdefault("_upload_digests", {})
    if file.file_id not in digests:
        while len(digests) >= 8:
            digests.pop(next(iter(digests)))
        digests[file.file_id] = upload_store.digest_of(data)
    return digests[file.file_id], data


def table_cell(value: Any) -> Any:
    """A cell of :func:`table`: a float with at most four decimals (as ``st.dataframe`` showed it), else as it is."""
    if isinstance(value, float):  # numpy's floats too
        return format(value, ".4f").rstrip("0").rstrip(".") if value == value else "—"
    return value


def table(frame: Any, container: Any = None, row_labels: bool = False) -> None:
    """A small table of results, drawn as HTML (``st.table``): numbers with at most four decimals, "—" for none;
    ``row_labels`` shows the frame's index as its first column.

    ``st.dataframe`` draws on a canvas from 1.2 MB of script: it cost a one-chart page 0.68 s of its first view on
    2 cores against 0.34 s for this (``benchmarks/RESULTS.md``), and lecture mode's larger type does not reach it.
    """
    styler = frame.style.format(table_cell, na_rep="—")
    number_columns = [column for column in frame.columns if _numeric_column(frame[column])]
    if number_columns:  # numbers written as text ("18.2 ± 1.1", "> 500") line up with the numbers beside them, on the right
        # (Streamlit aligns each cell inline by the column's type; only !important outranks that)
        styler = styler.set_properties(subset=number_columns, **{"text-align": "right !important"})
    (container or st).table(styler, hide_index=not row_labels)


_NUMBER_TEXT = re.compile(r"^\s*[\[(<>≈~±+−-]?\s*\d")  # "37.7", "18.2 ± 1.1", "> 500", "[0.79, 1.32]", "92 [87–98]"


def _numeric_column(column: Any) -> bool:
    """Every cell of ``column`` that is there is a number, or text that starts as one."""
    cells = [v for v in column if v is not None and v == v and v != "—"]
    return bool(cells) and all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                               or isinstance(v, str) and _NUMBER_TEXT.match(v) for v in cells)


def download_csv(frame: Any, filename: str, label: str = "Download results (CSV)") -> None:
    """A download button for a pandas DataFrame as CSV (text cells that a spreadsheet would run as formulas are quoted)."""
    st.download_button(label, lambda: spreadsheet_safe(frame).to_csv(index=False).encode(), file_name=filename,
                       mime="text/csv", on_click="ignore")  # the CSV is written when pressed, not on every rerun


def spreadsheet_safe(frame: Any) -> Any:
    """A copy of ``frame`` whose text cells starting with ``= + - @`` (a formula to a spreadsheet) begin with ``'``."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or str(frame[column].dtype) in ("string", "str"):
            frame[column] = frame[column].map(
                lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
    return frame
