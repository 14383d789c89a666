"""Numbers as readers see them."""

from __future__ import annotations

import math

import pytest

from benchpost.measure.counting import INSTRUCTIONS
from benchpost.render.format import format_estimate, format_speedup, format_time
from benchpost.results import Comparison, Estimate


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


def test_an_estimate_shows_its_interval_in_the_unit_of_its_mean():
    estimate = Estimate(3.52e-8, 0.0, (), 3.41e-8, 3.63e-8)
    assert format_estimate(estimate) == "35.2 ns \u00b1 1.10 ns"


def test_a_cost_that_may_be_nothing_says_so():
    estimate = Estimate(4e-10, 0.0, (), -4e-10, 1.2e-9, subtracted=True)
    assert format_estimate(estimate) == "\u2248 0 (-0.40 ns to 1.20 ns)"
    # A time as measured is never "nothing", nor below zero: an interval that would
    # reach below it shows what the mean rests on instead.
    raw = Estimate(4e-10, 0.0, (1e-10, 7e-10), -4e-10, 1.2e-9)
    assert format_estimate(raw) == "0.40 ns (2 values, 0.10 ns to 0.70 ns)"
    count = Estimate(268.0, 0.0, (136.0, 400.0), -1400.0, 1936.0)
    assert format_estimate(count, INSTRUCTIONS) == "268 (2 values, 136 to 400)"


@pytest.mark.parametrize(
    ("speedup", "low", "high", "text"),
    [
        (907.0, 526.0, 1562.0, "900x faster (500\u20131600)"),  # hundreds, as it knows
        (301.0, 289.0, 313.0, "300x faster (290\u2013310)"),
        (15.2, 13.1, 17.9, "15x faster (13\u201318)"),
        (40.0, 12.0, 300.0, "40x faster (10\u2013300)"),  # never below its lower bound's
    ],
)
def test_a_large_ratio_has_no_more_digits_than_its_interval(speedup, low, high, text):
    assert format_speedup(Comparison(speedup, low, high, True)) == text


@pytest.mark.parametrize(
    ("speedup", "low", "high", "text"),
    [
        (1.84, 1.71, 1.98, "1.8x faster (1.7\u20132.0)"),  # digits follow the interval
        (1.84, 1.82, 1.86, "1.84x faster (1.82\u20131.86)"),
        (0.5, 0.45, 0.55, "2.0x slower (1.8\u20132.2)"),  # the interval inverted too
        (1.05, 0.98, 1.12, "\u2248 same speed"),  # includes 1: no "faster"
        (25.4, 20.0, 30.0, "25x faster (20\u201330)"),
        (math.nan, 0.0, math.inf, "n/a"),
        (3.0, 0.0, math.inf, "\u2248 same speed"),  # no interval: no claim
        (1.7712, 1.7709, 1.7715, "1.77x faster"),  # inside the last digit: not repeated
    ],
)
def test_speedups_read_as_their_interval_allows(speedup, low, high, text):
    assert format_speedup(Comparison(speedup, low, high)) == text
