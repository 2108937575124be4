"""GANplify Lab core: data generators, models, training, metrics, experiments, plots, cache, CLI.

Everything here is importable and testable without Streamlit; only :mod:`ganplify_core.ui` imports it.
"""

__version__ = "0.1.0"
