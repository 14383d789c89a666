"""The metrics benchpost knows, by name: the one place a new metric is registered.

Adding a metric is a module beside ``timing.py`` and ``counting.py`` that
defines a ``Metric`` subclass and one instance of it, plus one entry in
``METRICS`` below. Nothing else asks which metric it holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from benchpost.measure.counting import INSTRUCTIONS
from benchpost.measure.metric import Metric
from benchpost.measure.timing import TIME

#: Every metric, by the name used in conf.py, directive options and roles.
METRICS: dict[str, Metric] = {metric.name: metric for metric in (TIME, INSTRUCTIONS)}

#: The metric of a table that asks for none, where the build allows it.
DEFAULT = TIME


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
