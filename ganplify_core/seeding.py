"""Seeding: one integer makes a run reproducible."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

DEFAULT_SEED = 0


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's global and torch's generators (CPU and CUDA)."""
    import torch  # here, not at import: pages that never train never load torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def make_rng(seed: int) -> np.random.Generator:
    """A NumPy generator for code that takes explicit randomness (preferred over global state)."""
    return np.random.default_rng(seed)


def torch_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch generator on ``device`` seeded with ``seed``."""
    import torch

    generator = torch.Generator(device=device)
    generator.manual_seed(seed)
    return generator
