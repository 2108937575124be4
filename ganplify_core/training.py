"""A plain training loop that reports progress through a callback.

Pages pass a callback that drives ``st.progress``; the CLI and tests pass nothing. The loop knows
nothing of models: ``step(i)`` does one optimisation step and returns its losses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np


class Progress(Protocol):
    """``progress(fraction, message)``: fraction in [0, 1] of the whole job done so far."""

    def __call__(self, fraction: float, message: str) -> None: ...


def no_progress(fraction: float, message: str) -> None:
    """The callback used when nobody is watching."""


def scaled(progress: Progress | None, start: float, stop: float) -> Progress:
    """A callback for a sub-task that covers ``[start, stop]`` of the parent's progress bar."""
    parent = progress or no_progress

    def report(fraction: float, message: str) -> None:
        parent(start + (stop - start) * min(max(fraction, 0.0), 1.0), message)

    return report


def run_training(
    step: Callable[[int], Mapping[str, float]],
    n_steps: int,
    progress: Progress | None = None,
    log_every: int = 10,
    report_every: int | None = None,
    label: str = "training",
) -> dict[str, np.ndarray]:
    """Call ``step(i)`` for ``i`` in ``range(n_steps)`` and return the logged losses.

    Parameters
    ----------
    step : callable
        Does optimisation step ``i``; returns a mapping of loss names to floats or 0-d tensors. Return
        tensors (``loss.detach()``), not ``loss.item()``: on a GPU reading a value waits for the step to
        finish, and here only the ~100 progress reports read one; the logged ones come back at the end.
    n_steps : int
        Number of steps.
    progress : callable, optional
        ``progress(fraction, message)``, called about 100 times over the run.
    log_every : int
        Record the losses of every ``log_every``-th step (and the last).
    report_every : int, optional
        Steps between progress reports; default ``max(1, n_steps // 100)``.

    Returns
    -------
    dict of str to ndarray
        ``"step"`` (the recorded step indices) and one array per loss name, all of equal length.
    """
    progress = progress or no_progress
    report_every = report_every or max(1, n_steps // 100)
    history: dict[str, list] = {"step": []}
    for i in range(n_steps):
        losses = step(i)
        if i % log_every == 0 or i == n_steps - 1:
            history["step"].append(i)
            for name, value in losses.items():
                # A tensor is kept as it is (no wait for the device here) and read back once at the end.
                history.setdefault(name, []).append(value.detach() if hasattr(value, "detach") else float(value))
        if (i + 1) % report_every == 0 or i == n_steps - 1:  # ~100 reads of the device per run
            shown = ", ".join(f"{k} {float(v):.3g}" for k, v in losses.items())
            progress((i + 1) / n_steps, f"{label}: step {i + 1}/{n_steps}  {shown}")
    return {name: np.asarray(values) if name == "step" else _to_host(values) for name, values in history.items()}


def _to_host(values: list) -> np.ndarray:
    """Logged values as one float64 array (tensors on a device are copied back in one piece)."""
    if values and all(hasattr(v, "detach") for v in values):
        import torch

        return torch.stack([v.reshape(()) for v in values]).double().cpu().numpy()
    return np.asarray([float(v) for v in values]) if values else np.asarray([])
