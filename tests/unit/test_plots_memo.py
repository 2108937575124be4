"""ganplify_core.plots: figures remembered per result object (a copy each call), and lean float32 data."""

from __future__ import annotations

import dataclasses
import gc

import numpy as np
import plotly.graph_objects as go
import pytest

from ganplify_core import plots


@dataclasses.dataclass
class Result:
    values: np.ndarray


BUILDS: list[tuple] = []


def line(result: Result, scale: float = 1.0, title: str = "") -> go.Figure:
    BUILDS.append((id(result), scale, title))
    return go.Figure(go.Scatter(x=np.arange(len(result.values)), y=result.values * scale), layout=dict(title=title))


def pair(result: Result, other: Result) -> go.Figure:
    BUILDS.append((id(result), id(other)))
    return go.Figure(go.Scatter(y=result.values + other.values))


def with_array(result: Result, extra: np.ndarray) -> go.Figure:
    return line(result)


@pytest.fixture(autouse=True)
def empty():
    plots.forget_all()
    BUILDS.clear()
    yield
    plots.forget_all()


def test_a_figure_is_built_once_per_result_and_arguments_and_each_call_gets_a_copy():
    result = Result(np.linspace(0.1, 1.3, 200))
    first = plots.remembered(line, result, 2.0, title="a")
    first.update_layout(title="changed by a page")  # the next caller must not see it
    second = plots.remembered(line, result, 2.0, title="a")
    assert len(BUILDS) == 1
    assert second is not first and second.layout.title.text == "a"
    np.testing.assert_allclose(second.data[0].y, result.values * 2.0, rtol=1e-6)
    plots.remembered(line, result, 3.0, title="a")
    plots.remembered(line, result, 2.0, title="b")
    assert len(BUILDS) == 3


def test_an_equal_but_new_result_is_built_again_and_a_collected_one_is_forgotten():
    result = Result(np.linspace(0.1, 1.3, 200))
    plots.remembered(line, result)
    again = Result(result.values.copy())  # a recomputed result: the same content, another object
    plots.remembered(line, again)
    assert len(BUILDS) == 2
    held = len(plots._figures)
    del result
    gc.collect()
    plots.remembered(line, again)  # purges the collected result's figure
    assert len(BUILDS) == 2 and len(plots._figures) == held - 1


def test_results_among_the_arguments_count_by_identity():
    a, b = Result(np.ones(100) * 0.5), Result(np.ones(100) * 0.25)
    plots.remembered(pair, a, b)
    plots.remembered(pair, a, b)
    plots.remembered(pair, a, Result(b.values))
    assert len(BUILDS) == 2


def test_arrays_count_by_identity_and_unhashable_arguments_build_every_time():
    result = Result(np.linspace(0.1, 1.3, 200))
    extra = np.ones(3)
    plots.remembered(with_array, result, extra)
    plots.remembered(with_array, result, extra)
    assert len(BUILDS) == 1
    plots.remembered(with_array, result, extra.copy())  # an equal array, another object
    assert len(BUILDS) == 2
    plots.remembered(with_array, result, [1, 2])  # a list cannot be hashed: built every time, nothing kept
    plots.remembered(with_array, result, [1, 2])
    assert len(BUILDS) == 4 and len(plots._figures) == 2


def test_lean_sends_float32_where_it_halves_the_bytes_and_keeps_whole_numbers_exact():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    counts = np.arange(2000, dtype=float) * 51_234.0  # whole numbers up to 10⁸: left as float64
    image = rng.random((40, 40))
    image[image < 0.5] = np.nan
    fig = go.Figure([go.Scatter(x=x, y=counts, mode="markers", marker=dict(color=x)), go.Heatmap(z=image)])
    before = len(fig.to_json())
    plots.lean(fig)
    assert fig.data[0].x.dtype == np.float32 and fig.data[0].marker.color.dtype == np.float32
    assert fig.data[0].y.dtype == np.float64
    np.testing.assert_array_equal(fig.data[0].y, counts)
    assert fig.data[1].z.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(fig.data[1].z), np.isnan(image))
    np.testing.assert_allclose(fig.data[0].x, x, rtol=1e-7)
    assert len(fig.to_json()) < 0.7 * before
    short = go.Figure(go.Scatter(y=[0.1, 0.2, 0.3]))
    assert plots.lean(short).to_json() == go.Figure(go.Scatter(y=[0.1, 0.2, 0.3])).to_json()
