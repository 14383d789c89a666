"""Numbers inside sentences: the text behind the ``:bench:`` family of roles.

A reference names a value as ``group/benchmark/interpreter`` (for a ratio,
optionally ``/reference-interpreter``); ``*`` as the benchmark means the
whole group (the geometric mean of its ratios, or the range of values). A
metric other than the build's first one is asked for with a prefix:
``instructions:calls/noargs/pypy``. Options follow a comma, as a table's:
``allocation/allocate_tuple/pypy, subtract-loop`` quotes the cost of the call
alone, as a ``:subtract-loop:`` table shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchpost.render.format import APPROX, format_estimate, format_speedup, format_value
from benchpost.results import Results
from benchpost.suite import Benchmark


class BadReference(ValueError):
    """A role's text does not name a value; the message says the expected form."""


@dataclass(frozen=True)
class ValueRef:
    """What a role points at."""

    group: str
    benchmark: str  # a name, or "*" for the whole group
    interpreter: str
    reference: str | None = None  # for ratios: compared with (default: the baseline)
    metric: str = ""  # "time", "instructions"; "" means the build's default
    subtract_loop: bool = False  # the empty loop's value subtracted, as in such a table


#: what may follow a reference after a comma
OPTIONS = ("subtract-loop",)


def parse_ref(text: str, ratio: bool = False) -> ValueRef:
    """``"calls/noargs/pypy"`` -> ``ValueRef("calls", "noargs", "pypy")``.

    ``"instructions:calls/noargs/pypy"`` names the metric too.
    """
    text, *options = (part.strip() for part in text.split(","))
    unknown = [o for o in options if o not in OPTIONS]
    if unknown:
        raise BadReference(
            f"unknown option {unknown[0]!r} after the reference (options: {', '.join(OPTIONS)})"
        )
    metric, colon, path = text.partition(":")
    if not colon:
        metric, path = "", text
    parts = [p.strip() for p in path.split("/")]
    allowed = (3, 4) if ratio else (3,)
    if len(parts) not in allowed or not all(parts) or (colon and not metric.strip()):
        form = "[metric:]group/benchmark/interpreter" + ("[/reference]" if ratio else "")
        raise BadReference(
            f"{text!r} is not of the form {form!r} (for example 'calls/noargs/pypy' "
            f"or 'instructions:calls/noargs/pypy')"
        )
    group, benchmark, interpreter, *reference = parts
    return ValueRef(
        group,
        benchmark,
        interpreter,
        *reference,
        metric=metric.strip(),
        subtract_loop="subtract-loop" in options,
    )


def value_text(
    results: Results, benchmarks: list[Benchmark], interpreter: str, subtract_loop: bool = False
) -> str:
    """ "35.2 ns", or for several benchmarks their range "35.2 ns to 80.1 ns"; a cost
    that cannot be told from nothing reads as its table cell does, "≈ 0 (-0.2 ns to
    0.1 ns)", never "-0.01 ns"."""
    estimates = [
        e for b in benchmarks if (e := results.estimate(b, interpreter, subtract_loop)) is not None
    ]
    means = [e.mean for e in estimates]
    if not means:
        return "n/a"
    if len(means) == 1:
        if estimates[0].includes_zero:
            return format_estimate(estimates[0], results.metric)
        return format_value(means[0], results.metric)
    low, high = format_value(min(means), results.metric), format_value(max(means), results.metric)
    if low == high:
        return low
    if results.metric.noun:  # "262 to 445 instructions", the unit once
        low = low.removesuffix(f" {results.metric.noun}")
    return f"{low} to {high}"


def ratio_text(
    results: Results,
    benchmarks: list[Benchmark],
    interpreter: str,
    reference: str | None = None,
    subtract_loop: bool = False,
) -> str:
    """ "2.3x faster (2.1-2.5)" ("2.3x fewer instructions (...)"); for several
    benchmarks, the geometric mean of the ratios, with its interval."""
    if len(benchmarks) == 1:
        comparison = results.ratio(benchmarks[0], interpreter, reference, subtract_loop)
    else:
        comparison = results.group_ratio(benchmarks, interpreter, reference, subtract_loop)
    if comparison is None:
        return "n/a"
    return format_speedup(comparison, metric=results.metric, noun=True)


def comparison_text(ratio: str, reference: str, same: str) -> str:
    """A ratio's text as a comparison with ``reference`` (a display name):
    "1.8x faster than CPython 3.11 (1.7-2.0)", and where the interval includes 1,
    ``same`` ("about as fast as") "CPython 3.11"."""
    if ratio.startswith(APPROX) or ratio == "n/a":
        return ratio if ratio == "n/a" else f"{same} {reference}"
    head, bracket, tail = ratio.partition(" (")
    return f"{head} than {reference}{bracket}{tail}"
