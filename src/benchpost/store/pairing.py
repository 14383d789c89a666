"""A row's times come from one run's rounds: a cached cell is measured again beside
a new one.

A ratio of times is a measurement only between cells measured in the same
rounds (``results.paired_rounds``). When one interpreter of a row has to be
measured (added to the suite, upgraded, its C extension changed) while the
others come from the cache, dividing by the cached cells would divide by
another run (another hour's machine speed). So the cached cells of that row
are measured again, together with it; and a row whose cached cells come from
different runs is measured again as a whole. Counts need no such care: they
do not depend on the run (``Metric.deterministic``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from benchpost import schema
from benchpost.results import CACHED, Cell
from benchpost.store.scheduler import Pending
from benchpost.suite import Benchmark

if TYPE_CHECKING:
    from benchpost.measure.interpreters import Interpreter
    from benchpost.measure.metric import Job


def together(
    rows: tuple[Benchmark, ...],
    found: Mapping[str, Interpreter],
    cells: dict[tuple[Benchmark, str], Cell],
    pending: list[Pending],
    job: Callable[[Benchmark, Interpreter], Job],
) -> list[Pending]:
    """The cached cells that must be measured again with their row's others (they are
    taken out of ``cells``)."""
    new = {p.job.benchmark for p in pending}
    again: list[Pending] = []
    for bench in rows:
        cached = {
            name: cell
            for name in found
            if (cell := cells.get((bench, name))) is not None and cell.origin == CACHED
        }
        if len(cached) + (bench in new) < 2:
            continue  # nothing to pair with
        runs = {str(c.metadata().get(schema.PAIRING, "")) for c in cached.values()}
        if bench in new or len(runs) > 1:
            for name, cell in cached.items():
                del cells[bench, name]
                again.append(Pending(job(bench, found[name]), cell.path, cell.key, again=True))
    return again
