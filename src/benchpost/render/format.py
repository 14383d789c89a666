"""Numbers as readers read them: times with units, counts, ratios, significance."""

from __future__ import annotations

import math

from benchpost.metrics import TIME, Metric
from benchpost.results import Comparison, Estimate

#: Marks a ratio that pyperf's t-test does not find significant.
NOT_SIGNIFICANT_MARK = "\u2020"  # dagger

_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "\u00b5s"), (1e-9, "ns"))


def time_unit(seconds: float) -> tuple[float, str]:
    """The unit that shows ``seconds`` with 1 to 3 digits before the point."""
    magnitude = abs(seconds)
    for scale, name in _UNITS:
        if magnitude >= scale:
            return scale, name
    return _UNITS[-1]


def format_time(seconds: float, unit: tuple[float, str] | None = None) -> str:
    """``3.52e-8`` -> ``"35.2 ns"`` (three significant digits)."""
    if not math.isfinite(seconds):
        return "n/a"
    scale, name = unit or time_unit(seconds)
    value = seconds / scale
    # Three significant digits; the bounds allow for rounding (9.999 -> "10.0").
    digits = 2 if abs(value) < 9.995 else 1 if abs(value) < 99.95 else 0
    return f"{value:.{digits}f} {name}"


def format_count(count: float) -> str:
    """``2310.4`` -> ``"2,310"``: instructions are counted, a fraction is noise."""
    if not math.isfinite(count):
        return "n/a"
    return f"{count:,.0f}"


def value_unit(metric: Metric, largest: float) -> tuple[float, str]:
    """The scale and unit for values of ``metric`` up to ``largest`` (charts' axes)."""
    return time_unit(largest) if metric == TIME else (1.0, metric.name)


def format_value(value: float, metric: Metric = TIME) -> str:
    """One value with its unit: ``"35.2 ns"``, ``"2,310 instructions"``."""
    if metric == TIME:
        return format_time(value)
    text = format_count(value)
    return text if text == "n/a" else f"{text} {metric.name}"


def format_estimate(estimate: Estimate, metric: Metric = TIME) -> str:
    """``"35.2 ns ± 1.1 ns"`` (the spread in the mean's unit), or ``"2,310 ± 4"``."""
    if metric != TIME:
        return f"{format_count(estimate.mean)} \u00b1 {format_count(estimate.stdev)}"
    unit = time_unit(estimate.mean)
    return f"{format_time(estimate.mean, unit)} \u00b1 {format_time(estimate.stdev, unit)}"


def format_speedup(
    comparison: Comparison, mark: bool = True, metric: Metric = TIME, noun: bool = False
) -> str:
    """``"2.3x faster"``, ``"1.5x slower"`` (``"2.3x fewer"`` for counts), marked if
    not significant; with ``noun``, what is counted: ``"2.3x fewer instructions"``."""
    speedup = comparison.speedup
    if not math.isfinite(speedup) or speedup <= 0:
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
