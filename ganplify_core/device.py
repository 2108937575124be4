"""Pick the compute device once: CUDA if present, else CPU; ``GANPLIFY_DEVICE`` overrides."""

from __future__ import annotations

import functools
import os

import torch

from ganplify_core.errors import InputError


@functools.lru_cache(maxsize=None)
def get_device() -> torch.device:
    """The device every model and heavy metric runs on.

    ``GANPLIFY_DEVICE`` (``cpu``, ``cuda`` or ``cuda:N``) overrides the automatic choice; asking for CUDA
    on a machine without it is an error rather than a silent fallback.
    """
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
    """A short human description, e.g. ``CPU (2 threads)`` or ``CUDA: NVIDIA H100``."""
    device = get_device()
    if device.type == "cuda":
        return f"CUDA: {torch.cuda.get_device_name(device)}"
    return f"CPU ({torch.get_num_threads()} threads)"
