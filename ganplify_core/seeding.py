"""Seeding: one integer makes a run reproducible."""

from __future__ import annotations

import random

import numpy as np
import torch

DEFAULT_SEED = 0


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's global and torch's generators (CPU and CUDA)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_rng(seed: int) -> np.random.Generator:
    """A NumPy generator for code that takes explicit randomness (preferred over global state)."""
    return np.random.default_rng(seed)


def torch_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator on ``device`` seeded with ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator
