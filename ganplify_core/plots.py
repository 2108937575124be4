"""Figures (and tables, text) built once per result: a page's rerun gets a copy of what it built before.

Building a Plotly figure (subplots, per-axis updates, validation) takes tens to hundreds of milliseconds, and a
page rebuilds every figure on every rerun (a widget moved, another session opened the same link). The result
a figure is built from is the very object the experiments' memory cache hands out, so a figure can be
remembered by that object (by identity, for as long as it lives: a recomputed result is a new object and gets
new figures) and the other arguments::

    ui.chart(plots.remembered(jet_plots.example_images, result, start))

Each call returns a copy (a figure's or a table's; text as it is), so a page or the projector style may change it without changing what another session
sees. Nothing here touches Streamlit; a builder must be a pure function of its arguments.

:func:`lean` halves what a figure sends: its float64 data arrays (images, scatters of hundreds of points) go as
float32, seven significant digits where hover text shows three or four. Remembered figures are lean.
"""

from __future__ import annotations

import collections
import dataclasses
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import plotly.graph_objects as go

MAX_FIGURES = 128  # remembered figures in all (the least recently used go first)

_lock = threading.Lock()
_figures: collections.OrderedDict[tuple, tuple[tuple[weakref.ref, ...], Any]] = collections.OrderedDict()
_watched: set[int] = set()  # ids of the live results that have figures here
_gone: list[int] = []  # ids of results collected since: their figures are dropped at the next call


def _purge() -> None:
    """Drop the figures of collected results (call with the lock held)."""
    if not _gone:
        return
    gone = set()
    while _gone:
        gone.add(_gone.pop())
    _watched.difference_update(gone)
    for key in [key for key in _figures if gone.intersection(key[1])]:
        del _figures[key]


LEAN_MIN_VALUES = 64  # shorter arrays are left as they are (a few hundred bytes at most)
_DATA_PROPERTIES = ("x", "y", "z", "customdata", "r", "theta", "values")
_MARKER_PROPERTIES = ("color", "size")


def _lean_array(value: Any) -> Any:
    """``value`` as float32 if it is a float64 array of non-whole numbers worth shrinking; else ``None``.

    Whole numbers (counts, sizes up to 10⁸) stay as they are, so their hover text never shows a rounded integer.
    """
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or value.size < LEAN_MIN_VALUES:
        return None
    finite = value[np.isfinite(value)]
    if finite.size and np.array_equal(finite, np.round(finite)):
        return None
    if finite.size and np.abs(finite).max() > np.finfo(np.float32).max:
        return None
    return value.astype(np.float32)


def lean(figure: Any) -> Any:
    """``figure`` with its large float64 data arrays as float32 (changed in place; returned for chaining)."""
    if not isinstance(figure, go.Figure):
        return figure
    for trace in figure.data:
        for name in _DATA_PROPERTIES:
            if name in trace:
                shrunk = _lean_array(trace[name])
                if shrunk is not None:
                    trace[name] = shrunk
        marker = trace["marker"] if "marker" in trace else None
        for name in _MARKER_PROPERTIES if marker is not None else ():
            if name in marker:
                shrunk = _lean_array(marker[name])
                if shrunk is not None:
                    marker[name] = shrunk
    return figure


def _copy(value: Any) -> Any:
    """A figure's copy; a table's (anything with ``copy()``) copy; text and numbers as they are."""
    if isinstance(value, go.Figure):
        return go.Figure(value)
    return value.copy() if callable(getattr(value, "copy", None)) else value


def _is_result(value: Any) -> bool:
    """A result or a part of one (a dataclass instance, an array): it counts by identity, not by value."""
    return isinstance(value, np.ndarray) or (dataclasses.is_dataclass(value) and not isinstance(value, type))


def remembered(build: Callable[..., Any], result: Any, *args: Any, **kwargs: Hashable) -> Any:
    """``build(result, *args, **kwargs)``, built once per live ``result`` object and arguments; a copy each call.

    ``result`` and any other argument that is a result or part of one (a dataclass instance, an array) count by
    identity, the other arguments by value: pass a result's own arrays, never one that is changed in place.
    ``None`` (a builder with nothing to draw) is remembered too. Other arguments that cannot be hashed, or a
    result that cannot be referenced weakly, build the figure every time.
    """
    anchors = [result] + [arg for arg in args if _is_result(arg)]
    try:
        values = tuple(("result", id(arg)) if _is_result(arg) else arg for arg in args)
        key = (build, tuple(id(anchor) for anchor in anchors), values, tuple(sorted(kwargs.items())))
        hash(key)
        refs = tuple(weakref.ref(anchor) for anchor in anchors)
    except TypeError:
        return lean(build(result, *args, **kwargs))
    with _lock:
        _purge()
        held = _figures.get(key)
        if held is not None and all(ref() is anchor for ref, anchor in zip(held[0], anchors, strict=True)):
            _figures.move_to_end(key)
            return _copy(held[1])
    figure = lean(build(result, *args, **kwargs))
    with _lock:
        _purge()
        for anchor in anchors:  # its figures go when it does (a finalizer only appends: it takes no lock)
            if id(anchor) not in _watched:
                _watched.add(id(anchor))
                weakref.finalize(anchor, _gone.append, id(anchor))
        _figures[key] = (refs, figure)
        while len(_figures) > MAX_FIGURES:
            _figures.popitem(last=False)
    return _copy(figure)


def forget_all() -> None:
    """Drop every remembered figure."""
    with _lock:
        _figures.clear()
