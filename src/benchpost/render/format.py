"""Numbers as readers read them: times with units, counts, ratios, significance."""

from __future__ import annotations

import math

from benchpost.measure.metric import Metric, format_count
from benchpost.measure.timing import TIME, format_time, time_unit
from benchpost.results import Comparison, Estimate

__all__ = [
    "NOT_SIGNIFICANT_MARK",
    "format_count",
    "format_estimate",
    "format_speedup",
    "format_time",
    "format_value",
    "time_unit",
]

#: Marks a ratio that pyperf's t-test does not find significant.
NOT_SIGNIFICANT_MARK = "\u2020"  # dagger


def format_value(value: float, metric: Metric = TIME) -> str:
    """One value with its unit: ``"35.2 ns"``, ``"2,310 instructions"``."""
    return metric.format_value(value)


def format_estimate(estimate: Estimate, metric: Metric = TIME) -> str:
    """``"35.2 ns ± 1.1 ns"`` (the spread in the mean's unit), or ``"2,310 ± 4"``."""
    return metric.format_estimate(estimate.mean, estimate.stdev)


def format_speedup(
    comparison: Comparison, mark: bool = True, metric: Metric = TIME, noun: bool = False
) -> str:
    """``"2.3x faster"``, ``"1.5x slower"`` (``"2.3x fewer"`` for counts), marked if
    not significant; with ``noun``, what is counted: ``"2.3x fewer instructions"``."""
    speedup = comparison.speedup
    if not (math.isfinite(speedup) and speedup > 0 and math.isfinite(1 / speedup)):
        return "n/a"
    if round(speedup, 2) == 1.0:
        text = metric.same
    elif speedup > 1:
        text = f"{_ratio(speedup)}x {metric.better}"
    else:
        text = f"{_ratio(1 / speedup)}x {metric.worse}"
    if noun and metric.noun and text != metric.same:
        text += f" {metric.noun}"
    if mark and not comparison.significant:
        text += f" {NOT_SIGNIFICANT_MARK}"
    return text


def _ratio(value: float) -> str:
    # Near 1 the second decimal matters ("1.05x"); far from it, it is noise.
    return f"{value:.2f}" if value < 2 else f"{value:.1f}" if value < 10 else f"{value:.0f}"
