"""The home page's Jets section: both sources draw their figures."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ganplify_core.jets import available_sources


@pytest.mark.parametrize("source", available_sources())
def test_home_jets_section_draws_images_clouds_and_histograms(app_path, source):
    at = AppTest.from_file(app_path("pages/home.py"), default_timeout=120)
    at.query_params["jet_source"] = source
    at.run()
    assert not at.exception, at.exception
    assert at.radio(key="home.jet_source").value == source
    assert len(at.get("plotly_chart")) >= 4  # the teaser and the three jet figures
    assert any("python -m ganplify_core jets" in c.value and f"--source {source}" in c.value for c in at.code)
