"""Numbers as readers see them."""

from __future__ import annotations

import math

import pytest

from benchpost.render.format import format_estimate, format_speedup, format_time
from benchpost.results import Comparison, Estimate, compare


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (3.52e-8, "35.2 ns"),
        (1.234e-6, "1.23 \u00b5s"),
        (0.25, "250 ms"),
        (2.0, "2.00 s"),
        (4e-10, "0.40 ns"),
        (math.nan, "n/a"),
        (-1.5e-9, "-1.50 ns"),
    ],
)
def test_times_get_a_readable_unit(seconds, text):
    assert format_time(seconds) == text


def test_an_estimate_uses_the_unit_of_its_mean():
    assert format_estimate(Estimate(3.52e-8, 1.1e-9, ())) == "35.2 ns \u00b1 1.10 ns"


@pytest.mark.parametrize(
    ("speedup", "significant", "text"),
    [
        (2.345, True, "2.3x faster"),
        (0.5, True, "2.0x slower"),
        (1.052, True, "1.05x faster"),
        (1.001, False, "same speed \u2020"),
        (25.4, True, "25x faster"),
        (math.nan, True, "n/a"),
    ],
)
def test_speedups_read_as_faster_or_slower(speedup, significant, text):
    assert format_speedup(Comparison(speedup, significant)) == text


def test_compare_uses_pyperfs_significance_test():
    fast = Estimate(1.0, 0.01, (0.99, 1.0, 1.01, 1.0))
    slow = Estimate(2.0, 0.01, (1.99, 2.0, 2.01, 2.0))
    noisy = Estimate(1.02, 0.5, (0.5, 1.5, 0.6, 1.48))
    assert compare(slow, fast) == Comparison(2.0, True)
    assert compare(fast, noisy).significant is False


def test_compare_with_nothing_left_after_subtraction_is_nan():
    assert math.isnan(compare(Estimate(0.0, 0.0, (0.0,)), Estimate(1.0, 0.0, (1.0,))).speedup)
