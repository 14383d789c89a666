"""Whether a worker process's values are at their steady level, and after how many.

A process that is still warming up (PyPy's JIT compiling the loop) or slowing
down is not at the level its mean would report; ``is_steady`` says so for one
process (the note counts them), ``warmup_needed`` how many values to throw away
so that every process is (``python -m benchpost warmup`` and the profiles'
``warmups``). Both compare a process with the median of its own second half.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from benchpost.stats import welch

#: A trend smaller than this (first half against second half) is not a trend.
STEADY_TOLERANCE = 0.10


def is_steady(values: Sequence[float], tolerance: float = STEADY_TOLERANCE) -> bool:
    """True if a process's values show no trend left after its warm-up.

    The test: the mean of the first half of the values and that of the second
    half differ by at most ``tolerance`` (relative), or by no more than their
    own noise (twice the standard error of the difference). A process still
    warming up (getting faster) or slowing down fails it. Fewer than four
    values cannot show a trend, and pass.
    """
    n = len(values)
    if n < 4:
        return True
    first, second = values[: n // 2], values[n - n // 2 :]
    diff = welch(first, second)
    level = statistics.fmean(second)
    if level <= 0:
        return True
    noise = 2 * diff.se if math.isfinite(diff.se) else 0.0
    return abs(diff.mean) <= max(tolerance * level, noise)


def warmup_needed(
    processes: Sequence[Sequence[float]], tolerance: float = STEADY_TOLERANCE
) -> int:
    """How many values to throw away so that every process is at its steady level.

    A process's level is the median of the second half of its values, and its
    band ``tolerance`` of the level, or twice that half's standard deviation
    if wider. A process has warmed up at the first value from which the running
    median of five stays within the band for good; the answer is the largest
    such index over the processes (warm-up must hold for all of them), and at
    least the number of leading values that most processes have outside their
    band (a running median hides one slow first value, but when every process
    has it, it is warm-up, not noise).
    """
    usable = [values for values in processes if len(values) >= 4]
    bands = [_steady_band(values, tolerance) for values in usable]
    needed = 0
    for values, (level, band) in zip(usable, bands, strict=True):
        settled = len(values)
        for i in range(len(values) - 1, -1, -1):
            if abs(statistics.median(values[max(0, i - 2) : i + 3]) - level) > band:
                break
            settled = i
        needed = max(needed, settled)
    shared = 0
    while usable and shared < min(len(values) for values in usable) // 2:
        off = [abs(v[shared] - lv) > band for v, (lv, band) in zip(usable, bands, strict=True)]
        if 2 * sum(off) <= len(off):
            break
        shared += 1
    return max(needed, shared)


def _steady_band(values: Sequence[float], tolerance: float) -> tuple[float, float]:
    """A process's steady level (the median of its second half) and how far from it a
    value may be and still be steady."""
    tail = values[len(values) // 2 :]
    level = statistics.median(tail)
    return level, max(tolerance * level, 2 * statistics.stdev(tail))
