"""Foundation services: URL settings, device choice, CLI conventions, training loop, sweeps."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from ganplify_core import cli, device, sweeps, training, ui
from ganplify_core.errors import InputError
from ganplify_core.params import Param

FIELDS = {name: Param(name=name, **spec) for name, spec in {
    "dataset": {"default": "camelback", "choices": ("camelback", "ring")},
    "n": {"default": 100, "lo": 10, "hi": 1000},
    "lr": {"default": 1e-3, "lo": 1e-5, "hi": 1e-1},
    "methods": {"default": ("fit", "gan"), "choices": ("fit", "kde", "gan"), "multiple": True},
    "ema": {"default": True},
}.items()}


def test_query_round_trip():
    values = {"dataset": "ring", "n": 500, "lr": 0.01, "methods": ("kde",), "ema": False}
    parsed, notices = ui.parse_query(FIELDS, ui.dump_query(FIELDS, values))
    assert parsed == values and notices == []


def test_missing_parameters_take_defaults_silently():
    parsed, notices = ui.parse_query(FIELDS, {})
    assert parsed == {"dataset": "camelback", "n": 100, "lr": 1e-3, "methods": ("fit", "gan"), "ema": True}
    assert notices == []


@pytest.mark.parametrize("name, text, reason", [
    ("dataset", "sphere", "choose one of"),
    ("n", "5", "between 10 and 1000"),
    ("n", "ten", "whole number"),
    ("lr", "nan", "finite"),
    ("methods", "fit,magic", "unknown option"),
    ("ema", "maybe", "1 or 0"),
])
def test_invalid_parameter_falls_back_with_notice(name, text, reason):
    parsed, notices = ui.parse_query(FIELDS, {name: text})
    defaults, _ = ui.parse_query(FIELDS, {})
    assert parsed[name] == defaults[name]
    assert len(notices) == 1 and name in notices[0] and reason in notices[0]


def test_unknown_parameter_is_noticed():
    _, notices = ui.parse_query(FIELDS, {"old_setting": "1"})
    assert len(notices) == 1 and "old_setting" in notices[0]


def test_device_override(monkeypatch):
    device.get_device.cache_clear()
    monkeypatch.setenv("GANPLIFY_DEVICE", "cpu")
    assert device.get_device() == torch.device("cpu")
    device.get_device.cache_clear()
    monkeypatch.setenv("GANPLIFY_DEVICE", "tpu-please")
    with pytest.raises(InputError, match="GANPLIFY_DEVICE"):
        device.get_device()
    if not torch.cuda.is_available():
        device.get_device.cache_clear()
        monkeypatch.setenv("GANPLIFY_DEVICE", "cuda")
        with pytest.raises(InputError, match="CUDA is not available"):
            device.get_device()
    device.get_device.cache_clear()


def test_the_cpu_label_is_the_same_before_and_after_torch_loads(monkeypatch):
    """The sidebar said "CPU (2 cores)" on a page that had not loaded torch and "CPU (2 threads)" on one that had."""
    import os
    import sys

    device.get_device.cache_clear()
    monkeypatch.setenv("GANPLIFY_DEVICE", "cpu")
    loaded = device.device_label()  # torch is loaded in this process
    monkeypatch.delitem(sys.modules, "torch")
    try:
        assert device.device_label() == loaded == f"CPU ({os.cpu_count()} cores)"
    finally:
        device.get_device.cache_clear()


def test_training_loop_logs_and_reports():
    reports = []
    history = training.run_training(lambda i: {"loss": 1.0 / (i + 1)}, 50, progress=lambda f, m: reports.append(f), log_every=10)
    np.testing.assert_array_equal(history["step"], [0, 10, 20, 30, 40, 49])
    np.testing.assert_allclose(history["loss"], 1.0 / (history["step"] + 1))
    assert reports[-1] == 1.0 and all(a <= b for a, b in zip(reports, reports[1:]))


def test_scaled_progress_maps_into_a_sub_range():
    seen = []
    sub = training.scaled(lambda f, m: seen.append(f), 0.5, 1.0)
    sub(0.0, "a"), sub(0.5, "b"), sub(1.0, "c")
    assert seen == [0.5, 0.75, 1.0]


def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sweep_keeps_order_and_reports(monkeypatch, jobs):
    monkeypatch.setenv("GANPLIFY_JOBS", jobs)
    reports = []
    assert sweeps.run_sweep(_square, [(i,) for i in range(6)], progress=lambda f, m: reports.append(f)) == [i * i for i in range(6)]
    assert reports[-1] == 1.0 and len(reports) == 6


def test_csv_downloads_quote_spreadsheet_formulas():
    import pandas as pd

    frame = pd.DataFrame({"label": ["=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x\")", "top", "-x", "@sum"],
                          "score": [-1.5, 2.0, 3.0, 4.0, 5.0]})
    safe = ui.spreadsheet_safe(frame)
    assert list(safe["label"]) == ["'=cmd|' /C calc'!A0", "'=HYPERLINK(\"http://x\")", "top", "'-x", "'@sum"]
    assert list(safe["score"]) == [-1.5, 2.0, 3.0, 4.0, 5.0] and list(frame["label"])[2] == "top"


def test_to_jsonable():
    value = {"a": np.float32(1.5), "b": np.arange(3), "c": float("inf"), "d": torch.tensor([1.0])}
    assert json.loads(json.dumps(cli.to_jsonable(value))) == {"a": 1.5, "b": [0, 1, 2], "c": None, "d": [1.0]}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ganplify_core", *args], capture_output=True, text=True, timeout=300)


def test_cli_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0 and "commands" in result.stdout


def test_cli_invalid_command_is_one_line_exit_2():
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "error" in result.stderr
