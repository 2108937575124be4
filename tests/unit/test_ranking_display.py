"""Feature ranking, what the page shows (issue 13): uncertainties, units, ratio bars from 1, presets and the shipped default."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ganplify_core import experiments
from ganplify_core.ranking import datasets, importance, models, plots
from ganplify_core.ranking.experiment import DEFAULT, PERMUTATION, PRESETS, RANKING, compute_ranking


def test_bootstrap_metrics_equal_scikit_learns_on_each_resample():
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 300, (5, 300))
    y = (rng.random(300) < 0.4).astype(float)
    p = np.clip(0.4 + 0.3 * (y - 0.4) + 0.2 * rng.normal(size=300), 0, 1)
    p[:20] = 0.5  # ties: average ranks, as roc_auc_score
    for task, target in (("classification", y), ("regression", 3 * p + rng.normal(size=300))):
        boot = models.bootstrap_scores(task, target, p, rows)
        for b, r in enumerate(rows):
            expected = models.test_score(task, target[r], p[r])
            for metric, value in expected.items():
                assert boot[metric][b] == pytest.approx(value, rel=1e-12, abs=1e-12), (task, metric)


def test_test_score_std_shrinks_as_the_held_out_set_grows():
    rng = np.random.default_rng(1)

    def spread(n):
        y = rng.normal(size=n)
        return models.test_score_std("regression", y, y + 0.5 * rng.normal(size=n))

    small, large = spread(200), spread(20_000)
    assert set(small) == {"R²", "RMSE"}
    # a standard error: about 1/sqrt(n), so 100 times the rows is about 10 times smaller
    assert 5 < small["RMSE"] / large["RMSE"] < 20
    assert models.test_score_std("classification", np.ones(50), np.full(50, 0.7)) == {"accuracy": 0.0}  # no AUC


@pytest.mark.parametrize("value, std, text", [(0.85655, 0.0096, "0.8566 ± 0.0096"), (9.812, 0.31, "9.81 ± 0.31"),
                                               (123.4, 12.0, "123 ± 12"), (1.0, 0.0, "1"), (0.5, None, "0.5")])
def test_plus_minus_rounds_to_the_uncertainty(value, std, text):
    assert plots.plus_minus(value, std) == text


def test_ratio_bars_start_at_one_so_an_ignored_feature_has_no_bar():
    names = ("useful", "ignored")
    perm = importance.PermutationImportance(np.array([4.0, 1.0]), np.array([0.2, 0.0]), np.array([3.0, 0.0]),
                                            np.array([0.2, 0.0]), 1.0, np.array([[4.0], [1.0]]))
    rankings = {PERMUTATION: perm.ratio_mean, "mean |SHAP|": np.array([0.5, 0.0])}
    fig = plots.importance_panels(names, rankings, {PERMUTATION: perm.ratio_std}, baselines={PERMUTATION: 1.0})
    ratio = next(t for t in fig.data if "ratio" in t.hovertemplate)
    assert ratio.base == 1.0
    shown = dict(zip(ratio.y, ratio.x))
    assert shown["ignored"] == 0.0 and shown["useful"] == 3.0  # bars from 1: length = ratio - 1
    assert list(ratio.customdata) == list(perm.ratio_mean[[1, 0]])  # the hover reads the ratio itself
    forms = plots.permutation_forms(names, perm, "MSE")
    assert forms.data[0].base == 1.0 and 0.0 in list(forms.data[0].x)


def test_features_carry_their_units():
    table = datasets.load_dataset("calibration", 200)
    assert table.label("E_raw") == "E_raw [GeV]" and table.label("phi") == "phi [rad]" and table.label("eta") == "eta"
    assert set(table.units) >= set(table.feature_names)
    frame = plots.relevance_frame(table.true_relevance, table.units)
    assert list(frame.columns) == ["feature", "unit", "role in the generator"]
    assert not frame.isna().any().any() and "None" not in frame.to_string()
    assert datasets.load_dataset("height", 100).label("height_at_10_cm") == "height_at_10_cm [cm]"
    fig = plots.feature_preview(table.feature_names, table.X, table.y, table.target_name, units=table.units)
    assert fig.layout.annotations[0].text == "E_raw [GeV]"
    assert fig.layout.title.text is None and len(fig.data[0].x) == 200  # every row of a small table
    fig = plots.feature_preview(table.feature_names, table.X, table.y, table.target_name, max_points=50)
    assert fig.layout.title.text == "The first 50 of 200 rows" and len(fig.data[0].x) == 50
    waterfall = plots.shap_waterfall(table.feature_names, np.linspace(-1, 1, 10), table.X[0], 1.0, "c", units=table.units)
    assert any(label.startswith("E_raw = ") and label.endswith(" GeV") for label in waterfall.data[0].y)


def test_three_presets_and_the_shipped_default():
    assert [p.key for p in PRESETS] == ["paper", "demo", "fails"]
    assert RANKING.presets == PRESETS and RANKING.ship == (DEFAULT,)
    for preset in PRESETS:
        preset.config.validate()
        assert preset.note and preset.label
        # within what the page lets a user set (its narrowed ranges), so a click reproduces it exactly
        assert 200 <= preset.config.n_rows <= 20_000 and preset.config.n_repeats <= 20
        assert 10 <= preset.config.background_size <= 300 and preset.config.model in models.TRAINED
        assert not any(ch.isdigit() for ch in preset.note), "a preset's note states no number the code did not produce"
    assert json.dumps(experiments.REGISTRY["rank"].ship[0].__dict__)  # a plain config (shipped with a manifest)


def test_where_it_fails_shows_shap_off_the_exact_values_with_its_efficiency_check_passing(tmp_cache):
    """The 'where it fails' preset's claim, on its own config (about 5 s on an idle machine)."""
    result = compute_ranking(next(p for p in PRESETS if p.key == "fails").config)
    largest = np.abs(result.exact.values).max()
    assert result.shap_efficiency_gap < 1e-6  # SHAP's own check passes ...
    assert result.exact_vs_shap_gap > 0.05 * largest  # ... but it is not the exact Shapley value
    assert any({"tau1", "tau2"} & {a, b} for a, b, _ in result.correlated)  # correlated observables share credit
    demo = compute_ranking(next(p for p in PRESETS if p.key == "paper").config)
    assert demo.exact_vs_shap_gap < 1e-6 * np.abs(demo.exact.values).max()  # where it works, it is exact
