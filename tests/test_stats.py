"""The statistics behind the intervals: properties that hold for any data."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchpost import stats, steady
from benchpost.measure import allocation

positive = st.floats(min_value=1e-9, max_value=1.0)
sample = st.lists(positive, min_size=2, max_size=12)


def test_t_quantiles_match_the_tables():
    assert stats.t_quantile(1) == pytest.approx(12.706)
    assert stats.t_quantile(9) == pytest.approx(2.262)
    assert stats.t_quantile(50) == pytest.approx(2.009, abs=0.002)  # interpolated
    assert stats.t_quantile(10_000) == pytest.approx(1.960, abs=0.002)
    assert stats.t_quantile(0) == math.inf


@given(sample, sample)
def test_a_ratio_swapped_is_its_inverse(first, second):
    n = min(len(first), len(second))
    for method in (stats.paired_log_ratio, stats.unpaired_log_ratio):
        forward, backward = method(first[:n], second[:n]), method(second[:n], first[:n])
        assert forward.mean == pytest.approx(-backward.mean, abs=1e-9)
        low, high = forward.interval()
        back_low, back_high = backward.interval()
        assert low == pytest.approx(-back_high, abs=1e-9)
        assert high == pytest.approx(-back_low, abs=1e-9)


@given(sample)
def test_a_sample_paired_with_itself_is_the_same(values):
    low, high = stats.paired_log_ratio(values, values).interval()
    assert low <= 0 <= high


def test_more_noise_widens_the_interval_and_more_rounds_narrow_it():
    rng = random.Random(1)

    def width(noise: float, rounds: int) -> float:
        ref = [1.0 * (1 + rng.gauss(0, noise)) for _ in range(rounds)]
        other = [0.5 * (1 + rng.gauss(0, noise)) for _ in range(rounds)]
        low, high = stats.paired_log_ratio(ref, other).interval()
        return high - low

    assert width(0.10, 8) > 3 * width(0.01, 8)
    assert width(0.05, 40) < width(0.05, 4)


def test_a_paired_ratio_cancels_drift_shared_by_both_sides():
    # Both interpreters slow down together over the rounds (a busy machine):
    # per-round ratios are all 2, the paired interval is tight around 2,
    # the unpaired one is not.
    drift = [1 + 0.3 * k for k in range(8)]
    ref = [2.0 * d for d in drift]
    other = [1.0 * d for d in drift]
    paired = stats.paired_log_ratio(ref, other)
    unpaired = stats.unpaired_log_ratio(ref, other)
    assert math.exp(paired.mean) == pytest.approx(2.0)
    assert paired.interval()[1] - paired.interval()[0] < 1e-9
    assert unpaired.interval()[1] - unpaired.interval()[0] > 0.2


def test_the_sign_test_ranks_match_the_tables():
    # Conover's table of the binomial(n, 1/2): the k-th order statistics from
    # either end hold the median with at least 95 % confidence.
    assert [stats.sign_test_rank(n) for n in (5, 6, 10, 15, 20, 30)] == [0, 1, 2, 4, 6, 10]


def test_the_signed_rank_ranks_match_the_tables():
    # Hollander, Wolfe & Chicken's table of the signed-rank statistic (two-sided 5 %):
    # the k-th pairwise means from either end hold the centre with 95 % confidence.
    assert [stats.signed_rank_rank(n) for n in (5, 6, 10, 20, 30)] == [0, 1, 9, 53, 138]
    # Past the exact counts, the normal approximation continues them.
    exact = stats.signed_rank_rank(stats.EXACT_UP_TO)
    assert exact < stats.signed_rank_rank(stats.EXACT_UP_TO + 1) <= exact + stats.EXACT_UP_TO


def test_the_paired_interval_holds_the_centre_as_often_as_it_says_and_is_narrower_than_a_median():
    rng = random.Random(3)
    for n in (8, 20, 70):
        held, narrower = 0, 0
        for _ in range(400):
            logs = [rng.gauss(0.0, 0.05) for _ in range(n)]
            low, high = stats.hodges_lehmann(logs).interval()
            held += low <= 0.0 <= high
            median_low, median_high = stats.median_of(logs).interval()
            narrower += high - low < median_high - median_low
        assert held >= 0.92 * 400, (n, held)
        assert narrower >= 0.75 * 400, (n, narrower)


def test_one_slow_round_in_six_barely_moves_a_paired_ratio_but_widens_its_interval():
    # Five rounds say 2.0x; in the sixth the other side ran 3x slower (a spell of
    # interference). The mean of the logs moves by a fifth; the centre does not.
    ref = [2.0, 2.02, 1.98, 2.01, 1.99, 2.0]
    other = [1.0, 1.0, 1.0, 1.0, 1.0, 3.0]
    ratio = stats.paired_log_ratio(ref, other)
    assert math.exp(ratio.mean) == pytest.approx(2.0, rel=0.01)
    logs = [math.log(r / o) for r, o in zip(ref, other, strict=True)]
    assert math.exp(stats.mean_of(logs).mean) < 1.7
    low, high = ratio.interval()
    assert math.exp(low) < 0.7 and math.exp(high) > 1.99  # the slow round is inside
    # Below six rounds no order statistics reach 95 %: the t-interval stands in.
    assert stats.paired_log_ratio(ref[:5], other[:5]).bounds is None


def test_what_varies_between_builds_widens_both_sides_of_an_uneven_interval():
    ratio = stats.median_of([0.1, 0.11, 0.12, 0.15, 0.2, 0.9])
    low, high = ratio.interval()
    wider = stats.with_between_builds(ratio, 0.03).interval()
    assert wider[0] < low and wider[1] > high
    assert wider[0] > 0, "an uneven interval stays uneven: a few-percent term does not reach 0"


def test_a_cost_whose_interval_reaches_zero_gives_no_ratio():
    cost = stats.welch([1.0, 1.2, 0.8, 1.1], [1.05, 0.9, 1.0, 1.15])
    assert cost.interval()[0] < 0 < cost.interval()[1]
    clear = stats.welch([3.0, 3.1, 2.9, 3.05], [1.0, 1.05, 0.95, 1.0])
    assert math.isnan(stats.log_ratio_of_differences(clear, cost).mean)
    both = stats.log_ratio_of_differences(clear, clear)
    assert both.mean == 0 and both.interval()[0] < 0 < both.interval()[1]


def test_a_geometric_mean_is_at_least_as_certain_as_its_parts_together():
    parts = [stats.Normalish(math.log(2), 0.05, 5), stats.Normalish(math.log(1.5), 0.05, 5)]
    combined = stats.mean_log_ratio(parts)
    assert math.exp(combined.mean) == pytest.approx(math.sqrt(3))
    assert combined.se < 0.05


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10.0, 10.1, 9.9, 10.0, 10.05, 9.95, 10.0, 10.02], True),
        ([20.0, 16.0, 13.0, 11.0, 10.0, 10.0, 10.0, 10.0], False),  # still warming up
        ([10.0, 10.0, 10.0, 10.0, 12.0, 13.0, 14.0, 15.0], False),  # slowing down
        ([10.0, 30.0, 10.0], True),  # too few to tell
    ],
)
def test_steady_state(values, expected):
    assert steady.is_steady(values) is expected


def test_kalibera_jones_repeats_the_level_that_varies_most():
    # Processes agree (all variance is within them): long processes pay off.
    assert allocation.values_per_process([1.0, 1.0, 1.0], 0.01, 10, 0.5, 0.02) == math.inf
    # Processes differ a lot, values agree: few values per process.
    few = allocation.values_per_process([1.0, 1.5, 0.7, 1.3], 0.0001, 10, 0.1, 0.02)
    many = allocation.values_per_process([1.0, 1.01, 0.99, 1.0], 0.01, 10, 0.1, 0.02)
    assert few < many


def test_warmup_needed_is_where_every_process_has_settled():
    warm = [10.0] * 12
    slow_start = [40.0, 25.0, 15.0, 10.5, 10.0, 10.1, 9.9, 10.0, 10.0, 10.0, 10.0, 10.0]
    assert steady.warmup_needed([warm, warm]) == 0
    assert steady.warmup_needed([warm, slow_start]) == 3
    # A single outlier later on (a GC pause) is not a warm-up.
    blip = [10.0] * 6 + [30.0] + [10.0] * 5
    assert steady.warmup_needed([blip]) == 0


def test_a_slow_first_value_that_every_process_shares_is_warm_up():
    """What `warmup` printed on PyPy: first value 114-119 ns, steady level 101 ns in
    all five processes, and yet "settle after 0 warm-up values"."""
    rng = random.Random(5)
    processes = [
        [rng.uniform(114, 119), *(101 * (1 + rng.gauss(0, 0.01)) for _ in range(59))]
        for _ in range(5)
    ]
    assert steady.warmup_needed(processes) == 1
    one_slow = [processes[0], *([101.0 + 0.5 * (i % 3) for i in range(60)] for _ in range(4))]
    assert steady.warmup_needed(one_slow) == 0  # one process's slow start: noise


def test_noise_alone_is_not_a_warm_up():
    rng = random.Random(3)
    noisy = [[100 * (1 + rng.gauss(0, 0.3)) for _ in range(60)] for _ in range(5)]
    assert steady.warmup_needed(noisy) <= 5
    warming = [[400.0, 300.0, 200.0, 150.0, *p[4:]] for p in noisy]
    assert steady.warmup_needed(warming) >= 2


def test_rounds_for_a_target_grow_with_the_square_of_the_spread():
    # 12 % per round, 3 % wanted: (12 / 3)**2 = 16 rounds; twice the spread, 4x the rounds
    assert allocation.rounds_for(0.12, 0.03) == pytest.approx(16)
    assert allocation.rounds_for(0.24, 0.03) == pytest.approx(64)
    assert allocation.rounds_for(0.001, 0.03) == 1  # never fewer than one round
    assert math.isnan(allocation.rounds_for(math.nan, 0.03))
