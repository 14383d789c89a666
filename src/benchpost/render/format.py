"""Numbers as readers read them: times with units, counts, and ratios whose words
and digits follow their intervals."""

from __future__ import annotations

import math

from benchpost.measure.metric import Metric, format_count
from benchpost.measure.timing import TIME, format_time, time_unit
from benchpost.results import Comparison, Estimate

__all__ = [
    "APPROX",
    "format_count",
    "format_estimate",
    "format_speedup",
    "format_time",
    "format_value",
    "time_unit",
]

#: Where the interval cannot tell a ratio from 1, or a cost from 0.
APPROX = "\u2248"


def format_value(value: float, metric: Metric = TIME) -> str:
    """One value with its unit: ``"35.2 ns"``, ``"2,310 instructions"``."""
    return metric.format_value(value)


def format_estimate(estimate: Estimate, metric: Metric = TIME) -> str:
    """``"35.2 ns ± 1.1 ns"``: the mean and its 95 % interval's half-width.

    A cost whose interval includes 0 (the empty loop subtracted) says so:
    ``"≈ 0 (-0.4 ns to 1.2 ns)"``.
    """
    if estimate.includes_zero and math.isfinite(estimate.high) and estimate.low < 0:
        low, high = metric.format_value(estimate.low), metric.format_value(estimate.high)
        return f"{APPROX} 0 ({low} to {high})"
    half = (estimate.high - estimate.low) / 2
    if not estimate.subtracted and estimate.values and estimate.mean - half < 0:
        # A time or a count is never below zero: "268 ± 132" from two values says
        # less than what it rests on.
        mean, low, high = (
            metric.format_value(x).removesuffix(f" {metric.noun}" if metric.noun else "\0")
            for x in (estimate.mean, min(estimate.values), max(estimate.values))
        )  # a table cell of counts has no unit
        return f"{mean} ({len(estimate.values)} values, {low} to {high})"
    return metric.format_estimate(estimate.mean, half if math.isfinite(half) else math.nan)


def format_speedup(
    comparison: Comparison, metric: Metric = TIME, noun: bool = False, interval: bool = True
) -> str:
    """``"1.8x faster (1.7-2.0)"``, ``"1.5x slower (1.3-1.7)"`` (``"fewer"``/``"more"``
    for counts): the words follow the 95 % interval, which reads ``"≈ same speed"``
    where it includes 1; the digits are no finer than the interval supports, and
    an interval narrower than the last digit is left out. With ``noun``, what is
    counted: ``"2.3x fewer instructions"``."""
    speedup = comparison.speedup
    if not (math.isfinite(speedup) and speedup > 0 and math.isfinite(1 / speedup)):
        return "n/a"
    if not comparison.significant:
        return f"{APPROX} {metric.same}"
    if speedup > 1:
        value, low, high, word = speedup, comparison.low, comparison.high, metric.better
    else:
        value, low, high, word = (
            1 / speedup,
            _inverse(comparison.high),
            _inverse(comparison.low),
            metric.worse,
        )
    digits = ratio_digits(value, low, high)
    # An interval that excludes 1 must not read as if it touched it ("1.0-1.2").
    while digits < 3 and math.isfinite(low) and round(low, digits) <= 1:
        digits += 1
    step = ratio_step(value, low, high)
    value, low, high = (_round_to(x, step) for x in (value, low, high))
    text = f"{value:.{digits}f}x {word}"
    if noun and metric.noun:
        text += f" {metric.noun}"
    shown = (f"{low:.{digits}f}", f"{high:.{digits}f}")
    # An interval inside the last digit (counts, which barely vary) would only
    # repeat the estimate: "1.77x fewer (1.77-1.77)" says "1.77x fewer" twice.
    if interval and math.isfinite(high) and math.isfinite(low) and shown[0] != shown[1]:
        text += f" ({shown[0]}\u2013{shown[1]})"
    return text


def ratio_digits(value: float, low: float, high: float) -> int:
    """Decimals a ratio deserves: none past the first its interval can vouch for
    (half-width 0.13 -> 1 decimal, 0.04 -> 2), at most 2; below 10x at least 1
    (a bound of 1.4 must not read "1"), from 10x up none."""
    half = (high - low) / 2
    if value >= 10:
        return 0
    if not math.isfinite(half) or half <= 0:
        return 2
    return min(2, max(1, -math.floor(math.log10(half))))


def ratio_step(value: float, low: float, high: float) -> float:
    """What a ratio of 10x or more is rounded to: the power of ten of its interval's
    half-width ("907x (526-1562)" knows hundreds: "900x (500-1600)"), never coarser
    than its lower bound (which must stay above 1)."""
    half = (high - low) / 2
    if value < 10 or not (math.isfinite(half) and half >= 10 and low >= 10):
        return 1.0
    return float(10 ** min(math.floor(math.log10(half)), math.floor(math.log10(low))))


def _round_to(x: float, step: float) -> float:
    return x if step <= 1 or not math.isfinite(x) else round(x / step) * step


def _inverse(x: float) -> float:
    return 1 / x if x > 0 else math.inf
