"""Where a column's numbers come from: the modes, chosen in one place.

``benchpost_mode`` (or ``BENCHPOST_MODE``) picks one policy:

- ``measure``: measure every interpreter here, in one set; where this machine
  cannot measure one (interpreter, compiler, headers or the metric's tool
  missing), show a recorded set instead, for every column (``store.sets``);
- ``recorded``: measure nothing, a recorded set for every table;
- ``measure-missing``: a recorded set where there is one that holds every
  interpreter, else measure;
- ``frozen`` (a post's own choice, never a build's): that post's frozen
  results only; a change of code since is a note, not a warning.

The functions below turn recorded files into cells and columns; the store
asks the policy which to use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

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
    folder: str = "",
    set_id: str = "",
) -> dict[Benchmark, Cell]:
    """The recorded cells of one interpreter (in its ``folder``, by default its name)
    of one set; a stale one is marked (and carries a warning, unless ``stale_warns``
    is off: a frozen post). A file of another set than ``set_id`` (by default, the
    interpreter's first file's) is refused."""
    cells: dict[Benchmark, Cell] = {}
    for bench in rows:
        path = layout.result(folder or spec.name, bench, metric)
        try:
            found = recorded.load(path)
            if found is not None:
                recorded.check_interpreter(found, spec.label)
                recorded.check_benchmark(found, bench.name)
                recorded.check_metric(found, metric)
                set_id = recorded.check_set(found, set_id)
        except recorded.RecordedError as exc:
            cells[bench] = Cell(bench, spec.name, origin=FAILED, error=str(exc))
            continue
        if found is None:
            continue
        stale = recorded.is_stale(found.result, code_digest(bench))
        again = f"python -m benchpost record --machine {layout.root.name}"
        warning = (
            f"recorded result {path} is stale: the benchmark or the C extension changed "
            f"since it was recorded; record its set again with '{again}'"
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


def unrecorded_cell(bench: Benchmark, spec: InterpreterSpec, metric: Metric, path: Path) -> Cell:
    """The cell of a recorded column that has no result for ``bench``."""
    return Cell(
        bench,
        spec.name,
        origin=FAILED,
        error=f"no recorded result {path}: record the set again with 'python -m benchpost "
        f"record --machine {path.parents[2].name} --metric {metric.name}' where "
        f"{spec.label} is installed",
    )


def recorded_column(spec: InterpreterSpec, cells: Iterable[Cell], where: str = "") -> Column:
    """The column of recorded results: the interpreter and set they name."""
    first = next(c.result for c in cells if c.result is not None)
    facts = schema.column_facts(first)
    return Column(
        spec,
        facts.kind,
        facts.python_version,
        facts.pypy_version,
        measured_in=schema.set_of(first),
        where=where,
    )
