"""Feature ranking: built-in importances, permutation importance, SHAP and exact Shapley values.

Modules, one concept each:

- :mod:`~ganplify_core.ranking.games` -- coalition games and their exact Shapley values (both formulas).
- :mod:`~ganplify_core.ranking.datasets` -- the data sets (synthetic electron-energy calibration, the
  height/socks toy, scikit-learn's diabetes and breast cancer, jets, an uploaded CSV).
- :mod:`~ganplify_core.ranking.models` -- gradient-boosted trees, random forest, a small neural network.
- :mod:`~ganplify_core.ranking.importance` -- built-in (impurity) and permutation importance.
- :mod:`~ganplify_core.ranking.explain` -- SHAP values and exact interventional Shapley values of one prediction.
- :mod:`~ganplify_core.ranking.experiment` -- the page's one call: train, rank, compare.
- :mod:`~ganplify_core.ranking.plots` -- Plotly figures (bar, beeswarm, dependence, waterfall, ...).
- :mod:`~ganplify_core.ranking.cli` -- ``python -m ganplify_core shapley`` and ``... rank``.

Source: lecture "Input feature ranking" (seed 002), after C. Molnar, *Interpretable Machine Learning*;
A. Fisher, C. Rudin, F. Dominici, JMLR 20 (2019) 177; L. S. Shapley (1953); S. M. Lundberg and S.-I. Lee,
NeurIPS 2017 (SHAP); S. M. Lundberg et al., Nature Machine Intelligence 2 (2020) 56 (TreeExplainer).
"""
