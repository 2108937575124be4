"""A link's values are shown as typed: never as Markdown, a clickable link, or whole when very long."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def test_a_link_value_cannot_render_as_a_link_or_flood_the_page(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=120)
    at.query_params["n_train"] = "x` [Log in again](http://evil.example/login)"
    at.query_params["depth"] = "9" * 20_000
    at.run()
    assert not at.exception, at.exception
    notices = [info.value for info in at.info if "Link parameter" in info.value]
    assert len(notices) == 2, notices
    assert "\\[Log in again\\]\\(http\\://evil" in notices[0] and "](http://" not in notices[0]
    assert all(len(n) < 600 for n in notices), "a 20 000-character value is not echoed whole"
