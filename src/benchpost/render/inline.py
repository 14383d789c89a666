"""Numbers inside sentences: the text behind the ``:bench:`` family of roles.

A reference names a value as ``group/benchmark/interpreter`` (for a ratio,
optionally ``/reference-interpreter``); ``*`` as the benchmark means the
whole group (the geometric mean of its speed-ups, or the range of times).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from benchpost.render.format import format_speedup, format_time
from benchpost.results import Comparison, Results
from benchpost.suite import Benchmark

ALL = "*"


class BadReference(ValueError):
    """A role's text does not name a value; the message says the expected form."""


@dataclass(frozen=True)
class ValueRef:
    """What a role points at."""

    group: str
    benchmark: str  # a name, or "*" for the whole group
    interpreter: str
    reference: str | None = None  # for ratios: compared with (default: the baseline)


def parse_ref(text: str, ratio: bool = False) -> ValueRef:
    """``"calls/noargs/pypy"`` -> ``ValueRef("calls", "noargs", "pypy")``."""
    parts = [p.strip() for p in text.split("/")]
    allowed = (3, 4) if ratio else (3,)
    if len(parts) not in allowed or not all(parts):
        form = "group/benchmark/interpreter" + ("[/reference]" if ratio else "")
        raise BadReference(
            f"{text!r} is not of the form {form!r} (for example 'calls/noargs/pypy')"
        )
    return ValueRef(*parts)


def time_text(
    results: Results, benchmarks: list[Benchmark], interpreter: str, subtract_loop: bool = False
) -> str:
    """ "35.2 ns", or for several benchmarks their range "35.2-80.1 ns"."""
    means = [
        e.mean
        for b in benchmarks
        if (e := results.estimate(b, interpreter, subtract_loop)) is not None
    ]
    if not means:
        return "n/a"
    if len(means) == 1:
        return format_time(means[0])
    low, high = format_time(min(means)), format_time(max(means))
    return low if low == high else f"{low} to {high}"


def ratio_text(
    results: Results,
    benchmarks: list[Benchmark],
    interpreter: str,
    reference: str | None = None,
    subtract_loop: bool = False,
) -> str:
    """ "2.3x faster"; for several benchmarks, the geometric mean of the speed-ups."""
    comparisons = [
        c
        for b in benchmarks
        if (c := results.ratio(b, interpreter, reference, subtract_loop)) is not None
        and math.isfinite(c.speedup)
        and c.speedup > 0
    ]
    if not comparisons:
        return "n/a"
    if len(comparisons) == 1:
        return format_speedup(comparisons[0], mark=False)
    mean = statistics.geometric_mean(c.speedup for c in comparisons)
    return format_speedup(Comparison(mean, significant=True), mark=False)
