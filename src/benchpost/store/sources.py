"""Where a column's numbers come from: the modes, chosen in one place.

``benchpost_mode`` (or ``BENCHPOST_MODE``) picks one policy:

| mode              | measures here          | uses recorded results            |
|-------------------|------------------------|----------------------------------|
| ``measure``       | every interpreter found | only for interpreters not found  |
| ``recorded``      | nothing                | for every interpreter            |
| ``measure-missing`` | what has no recorded result | wherever there is one      |

The functions below turn recorded files into cells and columns; the store
asks the policy which to use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from benchpost import schema
from benchpost.measure.interpreters import Column
from benchpost.measure.metric import Metric
from benchpost.results import FAILED, RECORDED, Cell
from benchpost.store import recorded
from benchpost.store.layout import RecordedLayout
from benchpost.suite import Benchmark, InterpreterSpec

MEASURE = "measure"
RECORDED_ONLY = "recorded"
MEASURE_MISSING = "measure-missing"


@dataclass(frozen=True)
class Policy:
    """What a mode does with a column."""

    measures: bool  # measure on the interpreters found here
    prefers_recorded: bool  # a recorded result wins over measuring here


POLICIES = {
    MEASURE: Policy(measures=True, prefers_recorded=False),
    RECORDED_ONLY: Policy(measures=False, prefers_recorded=True),
    MEASURE_MISSING: Policy(measures=True, prefers_recorded=True),
}
MODES = tuple(POLICIES)


def policy(mode: str) -> Policy:
    """The policy of ``mode``; ``LookupError`` naming the modes otherwise."""
    if mode not in POLICIES:
        raise LookupError(f"unknown mode {mode!r} (modes: {', '.join(MODES)})")
    return POLICIES[mode]


def recorded_cells(
    layout: RecordedLayout,
    spec: InterpreterSpec,
    rows: Iterable[Benchmark],
    metric: Metric,
    code_digest: Callable[[Benchmark], str],
) -> dict[Benchmark, Cell]:
    """The recorded cells of one interpreter; a stale one carries a warning."""
    cells = {}
    for bench in rows:
        path = layout.result(spec.name, bench, metric)
        try:
            found = recorded.load(path)
        except recorded.RecordedError as exc:
            cells[bench] = Cell(bench, spec.name, origin=FAILED, error=str(exc))
            continue
        if found is None:
            continue
        warning = ""
        if recorded.is_stale(found.result, code_digest(bench)):
            warning = (
                f"recorded result {path} is stale: the benchmark or the C extension "
                f"changed since it was recorded; record it again"
            )
        cells[bench] = Cell(
            bench, spec.name, found.result, RECORDED, path=path, warning=warning, key=found.key
        )
    return cells


def unrecorded_cell(bench: Benchmark, spec: InterpreterSpec, metric: Metric) -> Cell:
    """The cell of a recorded column that has no result for ``bench``."""
    return Cell(
        bench,
        spec.name,
        origin=FAILED,
        error=f"no recorded result: record it with 'python -m benchpost record "
        f"--interpreter {spec.name} --metric {metric.name}' where {spec.label} "
        f"is installed",
    )


def recorded_column(spec: InterpreterSpec, cells: Iterable[Cell]) -> Column:
    """The column of recorded results: the interpreter and machine they name."""
    first = next(c.result for c in cells if c.result is not None)
    facts = schema.column_facts(first)
    return Column(
        spec,
        facts.kind,
        facts.python_version,
        facts.pypy_version,
        provenance=schema.provenance(first),
    )
