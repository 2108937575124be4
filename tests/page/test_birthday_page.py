"""The birthday-paradox page: default first load (quick look) and a small button run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

PAGE = "pages/birthday_paradox.py"


def test_default_page_shows_curves_without_a_button(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=120)
    at.run()
    assert not at.exception
    assert len(at.get("plotly_chart")) >= 3
    assert any("Quick look" in info.value for info in at.info)


def test_small_button_run(app_path, tmp_cache):
    at = AppTest.from_file(app_path(PAGE), default_timeout=120)
    for name, value in {"sources": "templates,uniform", "features": "shapes+energy+ssim", "pool": "200",
                        "replications": "200", "grid_points": "8", "templates": "300", "support": "300"}.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception
    next(b for b in at.button if b.label == "Estimate the supports").click()
    at.run()
    assert not at.exception and not at.error
    assert not any("Quick look" in info.value for info in at.info)
    table = at.dataframe[0].value
    assert list(table["true support"]) == [300.0, 300.0]
    assert all(150 <= v <= 600 for v in table["s*²/(2 ln 2) (refined)"])
    assert len(at.get("plotly_chart")) >= 3
