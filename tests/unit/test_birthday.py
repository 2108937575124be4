"""Birthday-paradox maths: distances against scipy/scikit-image, the duplicate search, the curve, the
support estimators on generators of known support, and the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon
from scipy.stats import binomtest
from skimage.metrics import structural_similarity

from ganplify_core import cli, experiments, params
from ganplify_core.birthday import distances, duplicates, support
from ganplify_core.birthday.experiment import BIRTHDAY, BirthdayConfig, cache_key, energy_text, parse_energy, quick_look
from ganplify_core.birthday.features import shower_features, shower_shapes
from ganplify_core.calorimeter.gan import CaloGanConfig
from ganplify_core.errors import InputError


def _random_shapes(rng, n, length=25, sparse=0.3):
    p = rng.random((n, length)) * (rng.random((n, length)) > sparse)  # with empty cells
    return p / p.sum(axis=1, keepdims=True)


# -- distances --------------------------------------------------------------------------------------

def test_js_divergence_matches_scipy_on_normalised_shapes():
    # scipy's jensenshannon is the *square root* of the JS divergence (natural log by default).
    rng = np.random.default_rng(0)
    p, q = _random_shapes(rng, 30), _random_shapes(rng, 20)
    expected = np.array([[jensenshannon(a, b) ** 2 for b in q] for a in p])
    matrix = distances.js_divergence_matrix(torch.tensor(p), torch.tensor(q)).numpy()
    np.testing.assert_allclose(matrix, expected, atol=1e-12)
    both = torch.tensor(np.concatenate([p, q]))
    i, j = torch.tensor([0, 5, 29]), torch.tensor([30, 31, 49])
    np.testing.assert_allclose(distances.js_divergence_pairs(both, i, j).numpy(), expected[[0, 5, 29], [0, 1, 19]], atol=1e-12)
    np.testing.assert_allclose(distances.js_divergence(torch.tensor(p[:20]), torch.tensor(q)).numpy(),
                               np.diag(expected[:20]), atol=1e-12)


def test_unnormalised_kl_analytic_values():
    kl = distances.kl_divergence_unnormalised
    # Σ P ln(P/Q) − P + Q with P = (1, 2), Q = (2, 1): −ln 2 + 2 ln 2 − 3 + 3 = ln 2.
    assert kl(torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([2.0, 1.0], dtype=torch.float64)).item() == pytest.approx(math.log(2))
    # A zero in P contributes Q: (0, 1) vs (1, 1) gives 1.
    assert kl(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 1.0])).item() == pytest.approx(1.0)
    # Unnormalised inputs: P = 2Q gives Σ 2Q ln 2 − Q = ΣQ (2 ln 2 − 1), which the normalised KL (0) misses.
    q = torch.tensor([0.5, 1.5, 1.0], dtype=torch.float64)
    assert kl(2 * q, q).item() == pytest.approx(3.0 * (2 * math.log(2) - 1))
    # Disjoint supports: the JS divergence reaches its maximum ln 2; identical inputs give 0.
    p1, p2 = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    assert distances.js_divergence(p1, p2).item() == pytest.approx(math.log(2))
    assert distances.js_divergence(q, q).item() == pytest.approx(0.0, abs=1e-15)


def test_hellinger_screen_is_a_lower_bound_of_js():
    rng = np.random.default_rng(1)
    p = torch.tensor(_random_shapes(rng, 200, sparse=0.6))
    js = distances.js_divergence_matrix(p, p)
    root = p.sqrt()
    hellinger_sq = 2 - 2 * root @ root.T
    assert torch.all(js >= 0.25 * hellinger_sq - 1e-12)


@pytest.mark.parametrize("shape", [(25, 25, 25), (13, 17, 21), (51, 51, 25)])
def test_ssim_matches_scikit_image(shape):
    rng = np.random.default_rng(2)
    images = rng.random((4, *shape)) ** 4 * (rng.random((4, *shape)) > 0.5)
    images[1] = images[0] + 0.05 * rng.random(shape)  # one similar pair
    data_range = float(images.max())
    i, j = torch.tensor([0, 0, 2, 1]), torch.tensor([1, 3, 3, 2])
    expected = [structural_similarity(images[a], images[b], gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                      data_range=data_range) for a, b in zip(i.tolist(), j.tolist())]
    x = torch.tensor(images)
    exact = distances.ssim_pairs(x, distances.ssim_statistics(x, data_range, dtype=torch.float64), i, j)
    np.testing.assert_allclose(exact.numpy(), expected, atol=1e-5)
    fast = distances.ssim_pairs(x.float(), distances.ssim_statistics(x.float(), data_range), i, j)  # float32 default
    np.testing.assert_allclose(fast.numpy(), expected, atol=1e-4)
    assert expected[0] > 0.5 > expected[1]


def test_shower_shapes_and_energy():
    images = torch.zeros(2, 5, 5, 5)
    images[0, 1, 2, 3] = 2.0
    images[0, 4, 2, 0] = 6.0
    features = shower_features(images)
    got = [shape[0].tolist() for shape in features.shapes]
    assert got == [[0, .25, 0, 0, .75], [0, 0, 1, 0, 0], [.75, 0, 0, .25, 0]]
    assert features.energy.tolist() == [8.0, 0.0]
    assert all(shape[1].abs().sum() == 0 for shape in shower_shapes(images))  # an empty shower: all-zero shapes


def test_shower_shapes_on_the_seeds_non_cubic_grid():
    # The seed's 51 × 51 × 25 (x, y, depth): one profile per axis, of its own length.
    images = torch.zeros(1, 51, 51, 25)
    images[0, 50, 0, 24] = 1.0
    images[0, 25, 3, 0] = 3.0
    x, y, z = shower_shapes(images)
    assert (x.shape, y.shape, z.shape) == ((1, 51), (1, 51), (1, 25))
    assert (x[0, 50], x[0, 25], y[0, 0], y[0, 3], z[0, 24], z[0, 0]) == (0.25, 0.75, 0.25, 0.75, 0.25, 0.75)


# -- duplicate search ------------------------------------------------------------------------------

def _near_duplicate_pool(seed=3, n_base=12, copies=4, size=13):
    """Sparse random 'showers' with copies at several noise levels: some pairs pass the cheap features only."""
    rng = np.random.default_rng(seed)
    base = rng.random((n_base, size, size, size)) ** 3 * (rng.random((n_base, size, size, size)) > 0.7)
    noise = rng.choice([1e-3, 0.05, 0.3], size=(n_base, copies))[..., None, None, None]
    pool = base[:, None] * (1 + noise * rng.standard_normal((n_base, copies, size, size, size)))
    return shower_features(torch.tensor(np.abs(pool).reshape(-1, size, size, size), dtype=torch.float32))


def test_ssim_only_on_prefiltered_pairs_gives_identical_decisions():
    pool = _near_duplicate_pool()
    train = shower_features(pool.images[torch.randperm(len(pool), generator=torch.Generator().manual_seed(0))])
    fitted = duplicates.fit_thresholds(train, "shapes+energy+ssim", alpha=0.05)
    # Loose cheap thresholds and a strict SSIM one, so that SSIM rejects some pairs that pass the rest.
    thresholds = dataclasses_replace(fitted, values=(0.05, 0.01, 0.01, 0.01, 0.9))
    search = duplicates.find_duplicates(pool, thresholds)
    ref_i, ref_j = duplicates.duplicate_pairs_all_features(pool, thresholds)
    assert sorted(zip(search.i.tolist(), search.j.tolist())) == sorted(zip(ref_i.tolist(), ref_j.tolist()))
    cheap = dataclasses_replace(thresholds, features=thresholds.features[:4], values=thresholds.values[:4])
    cheap_i, _ = duplicates.duplicate_pairs_all_features(pool, cheap)
    assert 0 < len(ref_i) < len(cheap_i)  # SSIM made a difference, and there are duplicates
    # SSIM ran only on the pairs that passed the cheap features (plus a few near misses for ranking).
    assert len(cheap_i) <= search.n_ssim_evaluations <= len(cheap_i) + 4 * 4 < search.n_pairs
    for feature_set in ("shapes", "shapes+energy", "shapes+energy+ssim"):  # fitted thresholds, every set
        t = duplicates.fit_thresholds(train, feature_set, alpha=0.05)
        got = duplicates.find_duplicates(pool, t)
        want = duplicates.duplicate_pairs_all_features(pool, t)
        assert sorted(zip(got.i.tolist(), got.j.tolist())) == sorted(zip(*(w.tolist() for w in want)))


def dataclasses_replace(obj, **changes):
    import dataclasses
    return dataclasses.replace(obj, **changes)


def test_thresholds_are_quantiles_of_training_pairs():
    pool = _near_duplicate_pool(seed=4)
    t = duplicates.fit_thresholds(pool, "shapes+energy", alpha=0.05)
    n = len(pool)
    i, j = torch.triu_indices(n, n, offset=1)
    d = distances.relative_energy_difference(pool.energy[i], pool.energy[j]).numpy()
    assert t.value("energy") == pytest.approx(np.quantile(d, 0.05))  # all pairs (fewer than the sample cap)
    assert np.mean(d <= t.value("energy")) == pytest.approx(0.05, abs=2 / len(d))


# -- the curve and the estimators ---------------------------------------------------------------------

def test_first_duplicate_sizes_match_brute_force_per_subset():
    rng = np.random.default_rng(5)
    m, r = 40, 60
    labels = rng.integers(0, 60, m)
    i, j = np.nonzero(np.triu(labels[:, None] == labels[None, :], 1))
    first = support.first_duplicate_sizes(m, i, j, r, seed=7)
    orderings = np.argsort(np.random.default_rng(7).random((r, m)), axis=1)  # the same orderings
    sizes = np.arange(1, m + 1)
    brute = np.array([[len(set(labels[o[:s]])) < s for s in sizes] for o in orderings])  # per s, per ordering
    np.testing.assert_array_equal(support.duplicate_probability(first, sizes), brute.mean(axis=0))


def test_exact_birthday_curve_and_wilson_interval():
    assert support.uniform_duplicate_probability(np.array([23]), 365)[0] == pytest.approx(0.507297, abs=1e-6)
    assert support.uniform_duplicate_probability(np.array([1, 2]), 10).tolist() == pytest.approx([0.0, 0.1])
    low, high = support.wilson_interval(np.array([0.3]), 200)
    ci = binomtest(60, 200).proportion_ci(0.95, method="wilson")
    assert (low[0], high[0]) == pytest.approx((ci.low, ci.high), abs=1e-9)


@pytest.mark.parametrize("d", [100, 1000, 10_000])
def test_uniform_labels_support_within_factor_two(d):
    rng = np.random.default_rng(d)
    m = int(10 * math.sqrt(d))
    labels = rng.integers(0, d, m)
    order = np.argsort(labels, kind="stable")
    same = labels[order][:, None] == labels[order][None, :]
    i, j = np.nonzero(np.triu(same, 1))
    e = support.support_estimates(support.first_duplicate_sizes(m, order[i], order[j], 1000, seed=1), m, len(i))
    for estimate in (e.support_estimate, e.support_estimate_refined, e.collision_estimate):
        assert d / 2 <= estimate <= 2 * d
    assert abs(math.log(e.support_estimate_refined / d)) < abs(math.log(e.support_estimate / d)) + 0.1


@pytest.mark.parametrize("source,size", [("templates", 100), ("uniform", 1000), ("templates", 10_000)])
def test_known_support_generators_recovered_within_factor_two(tmp_cache, source, size):
    pool = int(8 * math.sqrt(size)) + 40
    config = BirthdayConfig(sources=(source,), features="shapes+energy", pool_size=pool, replications=500,
                            templates=size, support=size, threshold_showers=150, grid_points=10)
    result = experiments.run(BIRTHDAY, config).source(source)
    e = result.estimates
    assert result.true_support == size
    for estimate in (e.support_estimate, e.support_estimate_refined, e.collision_estimate):
        assert size / 2 <= estimate <= 2 * size, (source, size, e)


def test_cli_json(capsys, tmp_cache):
    code = cli.main(["birthday", "--source", "uniform", "--support", "200", "--features", "shapes", "--pool", "150",
                     "--replications", "200", "--threshold-showers", "60", "--grid-points", "6", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("subset_sizes", "p_duplicate", "support_estimate", "support_estimate_refined", "collision_estimate"):
        assert key in out
    assert len(out["subset_sizes"]) == len(out["p_duplicate"]) and out["subset_sizes"][-1] == 150
    assert 100 <= out["support_estimate_refined"] <= 400
    assert list(out)[:2] == ["source", "subset_sizes"] and "by_source" in out and "thresholds" in out
    assert experiments.is_cached(BIRTHDAY, BirthdayConfig(sources=("uniform",), support=200, features="shapes", pool_size=150,
                                                          replications=200, threshold_showers=60, grid_points=6))
    for bad in (["--source", "nope"], ["--seed", "-1"], ["--pool", "100000000"], ["--alpha", "nan"], ["--energy", "nan"],
                ["--energy", "5-600"], ["--replications", "inf"], ["--gan-steps", "-3"],
                ["--source", "templates", "--templates", "1", "--pool", "20000"]):
        try:
            code = cli.main(["birthday", *bad, "--json"])
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, (bad, err)


# -- the config: one declaration, old link texts, CLI texts ----------------------------------------------

def test_energy_texts_of_links_and_of_the_cli():
    assert parse_energy("100") == parse_energy("100 GeV") == (100.0, 100.0)
    assert parse_energy("10-500") == parse_energy("10–500 GeV") == (10.0, 500.0)
    assert energy_text((10.0, 500.0)) == "10-500" and energy_text((100.0, 100.0)) == "100"
    # one canonical text per energy, so equal settings share a cache entry
    assert BirthdayConfig(energy="100.0") == BirthdayConfig(energy=(100, 100)) == BirthdayConfig()
    assert BirthdayConfig(energy="10 - 500 GeV").energy == "10-500"
    for bad in ("abc", "nan", "5", "10-600", "200-100", "inf"):
        with pytest.raises(InputError):
            BirthdayConfig(energy=bad).validate()


def test_bounds_are_declared_once_and_checked():
    declared = params.params_of(BirthdayConfig)
    assert declared["pool_size"].url_key == "pool" and declared["pool_size"].option == "--pool"
    assert declared["sources"].option == "--source"
    for bad in ({"seed": -1}, {"alpha": float("nan")}, {"alpha": 0.6}, {"pool_size": 5}, {"pool_size": 10**6},
                {"replications": 10**7}, {"grid_points": 1}, {"sources": ()}, {"sources": ("nope",)},
                {"features": "colour"}, {"gan_steps": 10**6}, {"replications": 20_000, "pool_size": 20_000},
                {"sources": ("uniform",), "support": 1, "pool_size": 20_000}):
        with pytest.raises(InputError):
            BirthdayConfig(**bad).validate()
    BirthdayConfig(sources=("sim",), templates=1, pool_size=20_000, replications=1000).validate()  # K unused: fine


def test_retrained_gan_and_cache_key():
    shipped, retrained = BirthdayConfig(), BirthdayConfig(gan_steps=400, seed=7)
    assert shipped.gan_config is None and retrained.gan_config == CaloGanConfig(seed=7, steps=400)
    assert cache_key(shipped)["gan_checkpoint"] not in (None, "missing"), "the shipped checkpoint's digest is in the key"
    assert cache_key(retrained)["gan_checkpoint"] is None
    assert BIRTHDAY.key(shipped) != BIRTHDAY.key(retrained)
    # training the GAN is part of the estimate until it is cached
    assert BIRTHDAY.estimate_seconds(retrained) > BIRTHDAY.estimate_seconds(retrained.replace(sources=("sim",))) + 30


def test_estimate_grows_with_the_work_and_quick_look_is_quick():
    base = BirthdayConfig()
    assert BIRTHDAY.estimate_seconds(base.replace(pool_size=4000)) > 1.5 * BIRTHDAY.estimate_seconds(base)
    assert BIRTHDAY.estimate_seconds(base.replace(features="shapes")) < BIRTHDAY.estimate_seconds(base)
    assert BIRTHDAY.estimate_seconds(base.replace(sources=("templates",), templates=10)) > \
        BIRTHDAY.estimate_seconds(base.replace(sources=("templates",), templates=100_000)), "duplicates cost SSIM"
    assert BIRTHDAY.estimate_seconds(quick_look(base)) < experiments.QUICK_SECONDS
    for config in BIRTHDAY.calibration:
        assert 5 <= BIRTHDAY.estimate_seconds(config.validate()) <= 60


# -- intervals (claim 6: support estimates with intervals; relative duplicate rates) ---------------------

def _uniform_duplicates(rng, d, m):
    counts = np.bincount(rng.integers(0, d, m), minlength=d)
    return int((counts * (counts - 1) // 2).sum())


@pytest.mark.parametrize("count", [0, 1, 7, 80])
def test_poisson_interval_is_the_exact_one(count):
    from scipy.stats import poisson
    low, high = support.poisson_interval(count)
    assert poisson.cdf(count, high) == pytest.approx(0.025, abs=1e-9)  # the upper mean leaves 2.5 % at or below count
    if count:
        assert poisson.sf(count - 1, low) == pytest.approx(0.025, abs=1e-9)
    else:
        assert low == 0


def test_collision_interval_covers_a_uniform_support():
    # d = 3000 outcomes, M = 600 draws: D ≈ 60 duplicate pairs; the 95 % interval holds d in about 95 % of pools.
    rng = np.random.default_rng(11)
    d, m, pools = 3000, 600, 300
    covered = 0
    for _ in range(pools):
        low, high = support.collision_interval(_uniform_duplicates(rng, d, m), m * (m - 1) / 2)
        covered += low <= d <= high
    assert binomtest(covered, pools, 0.95).pvalue > 0.01, covered / pools


def test_rate_ratio_of_two_known_supports():
    # Supports 1000 and 4000: pairs collide four times as often in the first.
    rng = np.random.default_rng(12)
    m, reps, covered = 500, 300, 0
    n = m * (m - 1) / 2
    for _ in range(reps):
        ratio, low, high = support.rate_ratio(_uniform_duplicates(rng, 1000, m), n, _uniform_duplicates(rng, 4000, m), n)
        covered += low <= 4 <= high
    assert binomtest(covered, reps, 0.95).pvalue > 0.01, covered / reps
    assert support.rate_ratio(10, 100, 0, 100)[0] != support.rate_ratio(10, 100, 0, 100)[0]  # NaN: nothing to divide by
    assert support.rate_ratio(10, 100, 0, 100)[2] == math.inf


def test_s_star_interval_covers_the_median():
    # T uniform on 1..1000: the median (the 500th value) is covered by the order-statistic interval ~95 % of the time.
    rng = np.random.default_rng(13)
    reps, covered = 400, 0
    for _ in range(reps):
        low, high = support.s_star_interval(rng.integers(1, 1001, 301), 1000)
        covered += low <= 500 <= high
    assert binomtest(covered, reps, 0.95).pvalue > 0.01, covered / reps


def test_three_definitions_from_one_run_are_nested(tmp_cache):
    config = BirthdayConfig(sources=("sim", "templates"), features="shapes+energy", alpha=0.05, pool_size=200,
                            replications=200, templates=150, threshold_showers=200, grid_points=8)
    result = experiments.run(BIRTHDAY, config)
    for s in result.sources:
        counts = [d.estimates.n_duplicate_pairs for d in s.definitions]
        assert [d.features for d in s.definitions] == ["shapes", "shapes+energy", "shapes+energy+ssim"]
        assert counts[0] >= counts[1] >= counts[2]
        headline = s.definition("shapes+energy")
        assert s.estimates == headline.estimates and np.array_equal(s.p_duplicate, headline.p_duplicate)
    out = BIRTHDAY.to_json(result)
    assert set(out["by_definition"]) == {"shapes", "shapes+energy", "shapes+energy+ssim"}
    assert out["baseline"] == "sim" and set(out["relative_duplicate_rate"]) == {"templates"}
    assert out["method_constant"]["shapes"] == pytest.approx(0.05 ** -3)
    low, high = out["collision_estimate_ci95"]
    assert low <= out["collision_estimate"] <= high


def test_u_statistic_variance_widens_the_interval_of_clustered_duplicates():
    # A mode-collapsed generator: 10 % of its outputs are one shower, the rest spread over 50 000. Its
    # duplicates all sit on the mode's copies: D varies far more than Poisson, and the U-statistic variance sees it.
    rng = np.random.default_rng(14)
    m, reps, p_mode, rest = 400, 300, 0.1, 50_000
    true_rate = p_mode ** 2 + (1 - p_mode) ** 2 / rest
    n = m * (m - 1) / 2
    poisson_hits = robust_hits = 0
    for _ in range(reps):
        labels = np.where(rng.random(m) < p_mode, 0, 1 + rng.integers(0, rest, m))
        i, j = np.nonzero(np.triu(labels[:, None] == labels[None, :], 1))
        low, high = (x / n for x in support.poisson_interval(len(i)))
        poisson_hits += low <= true_rate <= high
        e = support.support_estimates(np.full(20, m + 1), m, len(i), support.rate_variance(m, i, j))
        robust_hits += e.duplicate_rate_ci95[0] <= true_rate <= e.duplicate_rate_ci95[1]
        assert e.dispersion > 5
    assert poisson_hits / reps < 0.5, "the Poisson interval alone is far too narrow here"
    assert robust_hits / reps > 0.85, robust_hits / reps


def test_u_statistic_variance_of_uniform_draws_is_the_poisson_one():
    rng = np.random.default_rng(15)
    m, d = 600, 3000
    labels = rng.integers(0, d, m)
    i, j = np.nonzero(np.triu(labels[:, None] == labels[None, :], 1))
    e = support.support_estimates(np.full(20, m + 1), m, len(i), support.rate_variance(m, i, j))
    assert 0.6 < e.dispersion < 1.6, e.dispersion
    # and it is the variance of the rate over pools (known answer: pairwise independent pairs, N q (1 − q))
    rates = [_uniform_duplicates(rng, d, m) / (m * (m - 1) / 2) for _ in range(400)]
    q = 1 / d
    assert np.var(rates) == pytest.approx(q * (1 - q) / (m * (m - 1) / 2), rel=0.25)
