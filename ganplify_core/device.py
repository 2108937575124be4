"""Pick the compute device once: CUDA if present, else CPU; ``GANPLIFY_DEVICE`` overrides."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ganplify_core.errors import InputError

if TYPE_CHECKING:
    import torch


@functools.cache
def get_device() -> torch.device:
    """The device every model and heavy metric runs on.

    ``GANPLIFY_DEVICE`` (``cpu``, ``cuda`` or ``cuda:N``) overrides the automatic choice; asking for CUDA
    on a machine without it is an error rather than a silent fallback.
    """
    import torch

    requested = os.environ.get("GANPLIFY_DEVICE", "").strip().lower()
    if not requested:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(requested)
    except RuntimeError as exc:
        raise InputError(f"GANPLIFY_DEVICE={requested!r} is not a device; use 'cpu', 'cuda' or 'cuda:N'") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"GANPLIFY_DEVICE={requested!r} but CUDA is not available on this machine; use 'cpu'")
    if device.type not in ("cpu", "cuda"):
        raise InputError(f"GANPLIFY_DEVICE={requested!r}: only 'cpu' and 'cuda' are supported")
    return device


def device_label() -> str:
    """A short human description, e.g. ``CPU (2 cores)`` or ``CUDA: NVIDIA H100``.

    Before anything has loaded torch (a page that never trains), the label comes from the environment and
    the NVIDIA driver's presence, so that drawing it does not import torch (seconds on a first view).
    """
    if "torch" not in sys.modules:
        requested = os.environ.get("GANPLIFY_DEVICE", "").strip().lower()
        if requested.startswith("cuda") or (not requested and Path("/proc/driver/nvidia/gpus").is_dir()):
            return "CUDA (chosen when a model first runs)"
        if requested not in ("", "cpu"):
            get_device()  # let the check say what is wrong
        return f"CPU ({os.cpu_count()} cores)"
    import torch

    device = get_device()
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    return f"CPU ({os.cpu_count()} cores)"  # each experiment sets its own thread count (ganplify_core.threads)


def autocast(device: torch.device | str):
    """Mixed precision where it pays: ``torch.autocast`` in bfloat16 on CUDA (tensor cores), nothing on the CPU.

    Wrap the forward passes and losses of a training step (not ``backward``/``optimiser.step``); on the CPU
    it is a no-op, so CPU results and tests are unchanged. bfloat16 keeps float32's range (no gradient
    scaler needed).
    """
    import contextlib

    import torch

    device = torch.device(device)
    if device.type != "cuda":
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16)


def to_device(tensor: torch.Tensor, device: torch.device | str) -> torch.Tensor:
    """``tensor`` on ``device``; a CPU→CUDA copy goes through pinned memory without blocking the host.

    For a batch made each step on the CPU. Data used every step should rather move to the device once.
    """
    import torch

    device = torch.device(device)
    if device.type == "cuda" and tensor.device.type == "cpu":
        return tensor.pin_memory().to(device, non_blocking=True)
    return tensor.to(device)
