"""Where a column's numbers come from: the modes, chosen in one place.

``benchpost_mode`` (or ``BENCHPOST_MODE``) picks one policy:

- ``measure``: measure what can be measured here; recorded results only where
  this machine cannot (interpreter, compiler, headers or the metric's tool
  missing);
- ``recorded``: measure nothing, recorded results for every interpreter;
- ``measure-missing``: recorded results wherever there are some, measure the rest;
- ``frozen`` (a post's own choice, never a build's): that post's frozen
  results only; a change of code since is a note, not a warning.

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
FROZEN = "frozen"


@dataclass(frozen=True)
class Policy:
    """What a mode does with a column."""

    measures: bool  # measure on the interpreters found here
    prefers_recorded: bool  # a recorded result wins over measuring here
    #: a recorded result whose code changed since: a warning (record it again), or
    #: a note (a frozen post shows what was measured then, on purpose)
    stale_warns: bool = True


POLICIES = {
    MEASURE: Policy(measures=True, prefers_recorded=False),
    RECORDED_ONLY: Policy(measures=False, prefers_recorded=True),
    MEASURE_MISSING: Policy(measures=True, prefers_recorded=True),
    FROZEN: Policy(measures=False, prefers_recorded=True, stale_warns=False),
}
#: The modes a build or the command line may choose (a frozen post chooses itself).
MODES = (MEASURE, RECORDED_ONLY, MEASURE_MISSING)


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
    stale_warns: bool = True,
) -> dict[Benchmark, Cell]:
    """The recorded cells of one interpreter; a stale one is marked (and carries a
    warning, unless ``stale_warns`` is off: a frozen post)."""
    cells = {}
    for bench in rows:
        path = layout.result(spec.name, bench, metric)
        try:
            found = recorded.load(path)
            if found is not None:
                recorded.check_interpreter(found, spec.label)
                recorded.check_benchmark(found, bench.name)
        except recorded.RecordedError as exc:
            cells[bench] = Cell(bench, spec.name, origin=FAILED, error=str(exc))
            continue
        if found is None:
            continue
        stale = recorded.is_stale(found.result, code_digest(bench))
        warning = (
            f"recorded result {path} is stale: the benchmark or the C extension changed "
            f"since it was recorded; record it again with 'python -m benchpost record "
            f"{bench.group} --interpreter {spec.name} --metric {metric.name}'"
            if stale and stale_warns
            else ""
        )
        cells[bench] = Cell(
            bench,
            spec.name,
            found.result,
            RECORDED,
            path=path,
            warning=warning,
            key=found.key,
            stale=stale,
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
