"""The toy calorimeter against the properties its parametrisation promises (spec: toy-calorimeter.md)."""

from __future__ import annotations

import numpy as np
import pytest

from ganplify_core.calorimeter import simulate_showers
from ganplify_core.calorimeter.showers import (
    CELL_SIZE_RM,
    SAMPLING_FRACTION,
    expected_shower_maximum,
    longitudinal_parameters,
    radial_parameters,
)
from ganplify_core.errors import InputError


def test_shapes_dtypes_and_seeding(tmp_cache):
    a = simulate_showers(5, energy=(10.0, 500.0), seed=3)
    b = simulate_showers(5, energy=(10.0, 500.0), seed=3, use_cache=False)
    c = simulate_showers(5, energy=(10.0, 500.0), seed=4, use_cache=False)
    assert a.images.shape == (5, 25, 25, 25) and a.images.dtype == np.float32
    assert a.energies.shape == (5,) and a.energies.dtype == np.float32
    assert np.all((a.energies >= 10) & (a.energies <= 500))
    np.testing.assert_array_equal(a.images, b.images)  # the cached copy equals a fresh simulation
    assert not np.array_equal(a.images, c.images)
    assert np.all(a.images >= 0)
    wide = simulate_showers(2, energy=50.0, grid=(51, 51, 25), use_cache=False)
    assert wide.images.shape == (2, 51, 51, 25)


@pytest.mark.parametrize("bad", [dict(n=0), dict(energy=0.1), dict(energy=(500.0, 10.0)), dict(grid=(10, 10, 10))])
def test_bad_arguments_raise_input_error(bad):
    kwargs = dict(n=2, energy=100.0, use_cache=False) | bad
    with pytest.raises(InputError):
        simulate_showers(**kwargs)


@pytest.mark.parametrize("energy", [10.0, 100.0, 500.0])
def test_mean_longitudinal_profile_peaks_at_shower_maximum(energy):
    images = simulate_showers(300, energy=energy, seed=1, use_cache=False).images
    profile = images.sum(axis=(0, 1, 2))
    peak_depth = np.argmax(profile) + 0.5  # layer k spans [k, k+1) X0
    assert abs(peak_depth - expected_shower_maximum(energy)) <= 1.0


def test_visible_energy_is_linear_in_primary_energy():
    sample = simulate_showers(800, energy=(10.0, 500.0), seed=2, use_cache=False)
    total = sample.images.sum(axis=(1, 2, 3), dtype=np.float64)
    slope, intercept = np.polyfit(sample.energies, total, 1)
    # Slope: the sampling fraction less a little longitudinal/lateral leakage.
    assert 0.93 * SAMPLING_FRACTION < slope <= SAMPLING_FRACTION
    # Leakage grows slowly with E, so the intercept is small but not zero: below 2 % of the 100 GeV response.
    assert abs(intercept) < 0.02 * slope * 100.0
    # Binned means stay on the line to 2 %: no visible non-linearity.
    bins = np.digitize(sample.energies, [100, 200, 300, 400])
    for b in range(5):
        sel = bins == b
        fitted = slope * sample.energies[sel].mean() + intercept
        assert abs(total[sel].mean() / fitted - 1) < 0.02


def test_energy_resolution_follows_stochastic_term():
    total = simulate_showers(600, energy=10.0, seed=5, use_cache=False).images.sum(axis=(1, 2, 3), dtype=np.float64)
    resolution = total.std() / total.mean()
    assert 0.8 * 0.10 / np.sqrt(10) < resolution < 1.3 * 0.10 / np.sqrt(10)


def test_ninety_percent_of_energy_within_one_moliere_radius():
    images = simulate_showers(300, energy=100.0, seed=3, use_cache=False).images
    centre = (np.arange(25) + 0.5 - 12.5) * CELL_SIZE_RM  # cell centres in R_M from the grid axis
    r = np.hypot(centre[:, None], centre[None, :])
    transverse = images.sum(axis=(0, 3), dtype=np.float64)
    assert 0.87 < transverse[r <= 1.0].sum() / transverse.sum() < 0.93


def test_radial_profile_sampling_matches_its_cdf():
    # F(r) = r^2 / (r^2 + R^2) is what r = R sqrt(u / (1 - u)) inverts; the profile integrates to one.
    r_core, r_tail, p = radial_parameters(np.array([0.5, 1.0, 2.0]), np.array(100.0))
    assert np.all((r_core > 0) & (r_core < r_tail) & (p > 0) & (p < 1))
    params = longitudinal_parameters(np.array([10.0, 1000.0]))
    assert np.all(np.diff(params["mean_ln_t"]) > 0) and np.all(np.abs(params["rho"]) < 1)
