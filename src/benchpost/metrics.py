"""What a result measures: wall-clock time, or instructions counted by callgrind.

A metric is plain data: its name (as written in ``conf.py``, directive
options and role texts), how readers call the quantity, and the words for a
ratio. Measuring lives in ``benchpost.runner`` (time, with pyperf) and
``benchpost.callgrind`` (instructions); formatting in ``benchpost.render``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One kind of number per loop iteration; lower is better for every metric."""

    name: str
    #: what a value is, for legends and chart axes
    quantity: str
    #: a ratio's words: "2.1x faster" / "1.5x slower", "2.1x fewer" / "1.5x more"
    better: str
    worse: str
    same: str
    #: what a ratio counts, for a ratio quoted in a sentence ("3x fewer instructions")
    noun: str
    #: pyperf's unit for the values
    pyperf_unit: str


TIME = Metric(
    name="time",
    quantity="time per loop iteration",
    better="faster",
    worse="slower",
    same="same speed",
    noun="",
    pyperf_unit="second",
)
INSTRUCTIONS = Metric(
    name="instructions",
    quantity="instructions per loop iteration",
    better="fewer",
    worse="more",
    same="same count",
    noun="instructions",
    pyperf_unit="integer",
)

METRICS = {metric.name: metric for metric in (TIME, INSTRUCTIONS)}


def metric_named(name: str) -> Metric:
    """The metric called ``name``; ``LookupError`` naming the known ones otherwise."""
    try:
        return METRICS[name.strip()]
    except KeyError:
        raise LookupError(
            f"unknown metric {name.strip()!r} (metrics: {', '.join(METRICS)})"
        ) from None


def parse_metrics(names: str | Iterable[str]) -> tuple[Metric, ...]:
    """``"time, instructions"`` (or a list of names) as metrics, in order, each once."""
    text = names if isinstance(names, str) else " ".join(names)
    return tuple(dict.fromkeys(metric_named(n) for n in text.replace(",", " ").split()))
