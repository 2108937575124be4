"""A small class on one server (12 sessions, 6 pressing, 1 pair with the same settings): every session answered,
no exception, identical settings computed once, a queue shown. ``benchmarks/bench_load.py`` runs 30."""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.skipif(os.environ.get("GANPLIFY_LOAD_TEST") != "1",
                    reason="minutes of 12 browser sessions on 2 cores: run with GANPLIFY_LOAD_TEST=1")
def test_a_class_shares_one_server(tmp_path):
    import harness

    reason = harness._missing_browser()
    if reason:
        if os.environ.get("GANPLIFY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser test required but {reason}")
        pytest.skip(reason)
    from class_load import PRESSES, run_class

    pressing = len(PRESSES) + 1  # the first link twice: two sessions, one computation
    report = run_class(tmp_path, sessions=12, pressing=pressing, timeout_s=900)
    assert not report.exceptions, report.exceptions
    assert report.answered == report.sessions, report
    assert not report.repeated, f"the same settings computed twice: {report.repeated}"
    assert report.queue_shown, "more jobs than workers: a queue position must show"
    pressed_names = {"amplify": 1}
    for name, expected in pressed_names.items():
        assert report.computations.get(name) == expected, report.computations
    assert report.peak_rss_mb < 8000, report
