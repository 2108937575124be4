"""Every setting's widget carries its current value as its default, in every run, not Streamlit's minimum.

A browser that builds a widget from a later run than the one that set its value (a session opened while a job
runs and its progress panel reruns) shows the widget's default and sends it back with the next interaction:
with Streamlit's defaults (a number's minimum, a list's first option) that once replaced a link's settings
(seen: the global seed 0 after a job ended, every VAE setting at its minimum).
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

LINK = {"distribution": "shell", "shell_dim": "5", "n_train": "40", "steps": "2000", "seed": "7"}


def _defaults_follow_values(at) -> list[str]:
    wrong = []
    for widget in at.number_input:
        if widget.key and widget.proto.default != widget.value:
            wrong.append(f"number {widget.key}: default {widget.proto.default}, value {widget.value}")
    for widget in at.slider:
        value = widget.value if isinstance(widget.value, tuple) else (widget.value,)
        if widget.key and list(widget.proto.default) != [float(v) for v in value]:
            wrong.append(f"slider {widget.key}: default {list(widget.proto.default)}, value {widget.value}")
    for widget in at.radio:
        if widget.key and widget.key.startswith("gan_amplification.") and widget.proto.default != widget.index:
            wrong.append(f"radio {widget.key}: default {widget.proto.default}, index {widget.index}")
    return wrong


def test_a_links_settings_are_their_widgets_defaults(app_path, tmp_cache):
    at = AppTest.from_file(app_path("views/gan_amplification.py"), default_timeout=120)
    for key, value in LINK.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    seed = next(w for w in at.number_input if w.key == "seed")
    assert seed.value == 7 and seed.proto.default == 7
    assert next(w for w in at.radio if w.key == "gan_amplification.distribution").value == "shell"
    assert not _defaults_follow_values(at)
    at.run()  # a later run: the values come from session state, not from the link
    assert not at.exception, at.exception
    assert not _defaults_follow_values(at), _defaults_follow_values(at)
