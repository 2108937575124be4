"""Where the shipped data lives (precomputed results, the calorimeter GAN, the reference jets, preset times).

The repository keeps it in one top-level folder, ``assets/``: ``make assets``, ``scripts/make_assets.py`` and
``benchmarks/bench_presets.py`` write there. ``pyproject.toml`` maps that folder to the package
``ganplify_core.assets``, so a wheel (``pip install .``) carries it as ``ganplify_core/assets/``. A checkout and an
editable install (``pip install -e .``) read ``assets/`` itself, beside the package.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent

# The installed copy is looked for first: beside an installed package, "../assets" would be site-packages/assets,
# which another distribution might own.
ASSETS_DIR = _PACKAGE / "assets" if (_PACKAGE / "assets").is_dir() else _PACKAGE.parent / "assets"
