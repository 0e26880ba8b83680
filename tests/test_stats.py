"""Tests of utils.stats."""

import math

import numpy as np
import pytest

from utils.stats import binomial_se, mean_interval, sample_std


def test_sample_std_divides_by_seeds_minus_one():
    values = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 2.0]])
    # column 0: mean 3, squared deviations 4 + 0 + 4 = 8, over 3 - 1 = 2 -> std 2
    assert np.allclose(sample_std(values), [2.0, 0.0])
    assert np.allclose(sample_std(values.T, axis=1), [2.0, 0.0])
    assert not np.allclose(sample_std(values), values.std(axis=0))  # not the ddof=0 one
    assert sample_std([1.0, 3.0]) == pytest.approx(math.sqrt(2.0))
    assert isinstance(sample_std([1.0, 3.0]), float)


@pytest.mark.parametrize("values", [[0.7], [], np.ones((1, 3))])
def test_one_seed_has_no_spread_and_says_so(values):
    with pytest.raises(ValueError, match="at least two"):
        sample_std(values)


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: sample_std(0.5), ValueError),
        (lambda: sample_std(["a", "b"]), TypeError),
        (lambda: sample_std([1.0, np.nan]), ValueError),
        (lambda: sample_std([1.0, 2.0], axis=1), ValueError),
        (lambda: sample_std([1.0, 2.0], axis=0.0), TypeError),
        (lambda: mean_interval([1.0]), ValueError),
        (lambda: mean_interval([[1.0, 2.0], [3.0, 4.0]]), ValueError),
        (lambda: mean_interval([1.0, 2.0], level=1.5), ValueError),
        (lambda: binomial_se(1.2, 100), ValueError),
        (lambda: binomial_se(0.9, 0), ValueError),
        (lambda: binomial_se(0.9, 10.0), TypeError),
        (lambda: binomial_se(True, 10), ValueError),
    ],
)
def test_bad_calls_are_named(call, error):
    with pytest.raises(error):
        call()


def test_mean_interval_is_the_student_t_interval():
    values = [0.01, -0.02, 0.03, 0.00, 0.02]
    mean, low, high = mean_interval(values)
    # t(0.975, 4 degrees of freedom) = 2.7764; sample std of the values = 0.019235
    half = 2.7764451 * np.std(values, ddof=1) / math.sqrt(5)
    assert mean == pytest.approx(0.008)
    assert (low, high) == pytest.approx((0.008 - half, 0.008 + half), rel=1e-6)
    assert mean_interval(values, level=0.5)[2] < high  # a lower level, a narrower interval


@pytest.mark.slow
def test_mean_interval_covers_the_true_mean_at_its_level():
    rng = np.random.default_rng(0)
    draws = rng.normal(loc=1.0, size=(2000, 6))
    covered = np.mean([low <= 1.0 <= high for _, low, high in map(mean_interval, draws)])
    assert abs(covered - 0.95) < 0.015


def test_binomial_se():
    assert binomial_se(0.95, 450) == pytest.approx(math.sqrt(0.95 * 0.05 / 450))
    assert 0.010 < binomial_se(0.95, 450) < 0.011
    assert binomial_se(1.0, 450) == 0.0
