"""Rounds for a target width (Stein's two-stage rule), and who gets them on a budget."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from benchpost import stats
from benchpost.measure.allocation import (
    Need,
    half_width,
    plan,
    rounds_to_narrow,
    spread_of,
    stein_rounds,
)


def test_stein_rounds_grow_with_the_square_of_the_spread_and_never_fall_below_the_pilot():
    assert stein_rounds(0.001, 6, 0.03) == 6
    few, many = stein_rounds(0.03, 6, 0.03), stein_rounds(0.06, 6, 0.03)
    assert 3.5 < many / few < 4.5
    # A longer pilot knows its spread better: a smaller t quantile, fewer rounds.
    assert stein_rounds(0.05, 12, 0.03) < stein_rounds(0.05, 6, 0.03)
    assert stein_rounds(math.nan, 6, 0.03) == 6


def test_the_rounds_stein_asks_for_give_about_the_target_in_simulation():
    """With the rounds Stein's rule plans from a 6-round pilot, the published interval
    is about the target wide (its median half-width within 10 % of it) and covers the
    true ratio (normal noise, 5 % per round)."""
    rng = random.Random(7)
    widths, covered = [], 0
    for _ in range(300):
        pilot = [rng.gauss(0.5, 0.05) for _ in range(6)]
        n = stein_rounds(statistics.stdev(pilot), 6, 0.03)
        logs = pilot + [rng.gauss(0.5, 0.05) for _ in range(n - 6)]
        low, high = stats.paired_log_ratio(
            [math.exp(x) for x in logs], [1.0] * len(logs)
        ).interval()
        widths.append(math.expm1((high - low) / 2))
        covered += low <= 0.5 <= high
    assert statistics.median(widths) <= 0.033, statistics.median(widths)
    assert covered >= 0.9 * 300, covered


def test_a_budget_that_pays_for_everything_gives_everyone_what_stein_asks():
    needs = [Need("a", 0.03, 6, 1.0), Need("b", 0.06, 6, 1.0)]
    planned = plan(needs, 6, 0.03, budget=1e6, most=1000)
    assert planned == {"a": stein_rounds(0.03, 6, 0.03), "b": stein_rounds(0.06, 6, 0.03)}
    assert plan(needs, 6, 0.03, budget=1e6, most=20) == {"a": planned["a"], "b": 20}


def test_a_short_budget_goes_where_it_narrows_most_per_second():
    cheap_wide = Need("cheap", 0.10, 6, 1.0)
    dear_wide = Need("dear", 0.10, 6, 10.0)
    narrow = Need("narrow", 0.001, 6, 1.0)
    planned = plan([cheap_wide, dear_wide, narrow], 6, 0.03, budget=40, most=1000)
    assert planned["narrow"] == 6  # at the target already: nothing more
    assert planned["cheap"] > planned["dear"] >= 6
    spent = sum((planned[n.key] - n.done) * n.cost for n in (cheap_wide, dear_wide, narrow))
    assert spent <= 40


def test_half_width_shrinks_with_rounds_and_spread_is_the_widest_pair():
    assert half_width(0.05, 40, 6) < half_width(0.05, 10, 6) < half_width(0.05, 6, 6)
    a = {1: 1.0, 2: 1.0, 3: 1.0}
    b = {1: 2.0, 2: 2.0, 3: 2.0}  # a constant ratio: no spread
    c = {1: 1.0, 2: 1.5, 3: 2.0}
    assert spread_of([(a, b)]) == pytest.approx(0.0)
    assert spread_of([(a, b), (a, c)]) == pytest.approx(statistics.stdev(
        [math.log(1 / 1.0), math.log(1 / 1.5), math.log(1 / 2.0)]))  # fmt: skip
    assert math.isnan(spread_of([({1: 1.0}, {1: 2.0})]))


def test_a_wide_interval_past_the_plan_asks_for_rounds_by_its_width():
    # Twice the target's width: four times the rounds (widths shrink as 1/sqrt(rounds)).
    assert rounds_to_narrow(math.expm1(2 * math.log1p(0.03)), 10, 0.03) == 40
    # Within the target, or unknown: no more rounds than those done.
    assert rounds_to_narrow(0.01, 10, 0.03) == 10
    assert rounds_to_narrow(math.inf, 10, 0.03) == 10
