"""Measuring what is missing: one at a time (or side by side), locked, remembered.

- **Lock.** One lock file for the whole machine (``store.layout.MACHINE_LOCK``,
  in /tmp) serialises measuring across threads, processes and concurrent builds,
  whatever their caches: two timings never run at once (they would disturb each
  other), and nothing is measured twice (a result another build stored while we
  waited is taken from the store).
- **Together.** The cells of one table (every benchmark, every
  interpreter) are measured in one go, in shared paired rounds (see
  ``measure.rounds``), so that both sides of a ratio see the same
  conditions, and every benchmark's rounds span the whole measurement. A
  metric that load cannot change (counts) runs one job per core.
- **Time well spent.** How much of the timing's wall time went into the
  values themselves, for the build's summary (counts spend theirs under
  valgrind, and have no values in time).
- **Failure memory.** A benchmark that failed is not run again in the same
  build for the next table or role that shows it; once the cache cannot be
  written (a full or read-only disk), nothing more is measured in the build:
  its results could not be kept.
- **Origins.** Where every distinct cell shown in this build came from, for
  the build's summary line.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchpost.files import LockTimeout, file_lock
from benchpost.measure.metric import Job, Metric
from benchpost.measure.process import MeasureError
from benchpost.results import CACHED, FAILED, MEASURED, Cell
from benchpost.store.cache import STORAGE_ERRORS, ResultCache, Unwritable, unwritable

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Pending:
    """A cell to measure: the job, where its result goes, and its fingerprint."""

    job: Job
    path: Path
    key: str
    #: measured again although stored (to pair it with a new cell of its row)
    again: bool = False


@dataclass
class Scheduler:
    """Runs pending measurements under the lock; remembers failures and origins."""

    lock: Path
    cache: ResultCache
    progress: Progress
    #: how long to wait for another build's measuring before giving up (seconds)
    wait: float = 600.0
    _failed: dict[tuple[object, str, str], Cell] = field(default_factory=dict)
    #: results put to measuring so far: progress counts on over the whole build
    _numbered: int = 0
    _origins: dict[tuple[object, str, str], str] = field(default_factory=dict)
    #: seconds spent measuring, and of those, in measured values (times only)
    wall_seconds: float = 0.0
    value_seconds: float = 0.0
    _tally: threading.Lock = field(default_factory=threading.Lock)
    #: why the cache cannot be written, once it could not ("" while it can)
    unwritable: str = ""
    #: why this build gave up waiting for another build's measuring, once it did: every
    #: later measurement of the build fails the same way, so that a post's role and
    #: its table never disagree (one failed, the other measured a minute later)
    gave_up: str = ""

    @property
    def counts(self) -> Counter:
        """How many distinct results this build measured, took from the store, or lost."""
        return Counter(self._origins.values())

    def summary(self) -> str:
        """What this build measured, reused and lost, and how much of the measuring
        wall time went into measured values."""
        counts = self.counts
        text = (
            f"{sum(counts.values())} results: {counts['measured']} measured, "
            f"{counts['cached']} from the store, {counts['recorded']} recorded, "
            f"{counts['failed']} failed"
        )
        wall, values = self.wall_seconds, self.value_seconds
        if wall > 0 and values > 0:
            text += (
                f"; {values:.1f} s of {wall:.1f} s timing went into measured values "
                f"({values / wall:.0%})"
            )
        return text

    def known_failure(self, job: Job, metric: Metric) -> Cell | None:
        return self._failed.get((job.benchmark, job.interpreter.name, metric.name))

    def note_origin(self, cell: Cell, metric: Metric) -> None:
        self._origins.setdefault((cell.benchmark, cell.interpreter, metric.name), cell.origin)

    def run(self, pending: list[Pending], metric: Metric) -> list[Cell]:
        """Measure ``pending`` (sorted by benchmark); one cell each, in the same order."""
        if not pending:
            return []  # nothing to measure: no lock to wait for
        if self.unwritable:
            return [self._storage_failure(p) for p in pending]
        if self.gave_up:
            return [self._gave_up(p) for p in pending]
        cells: list[Cell] = []
        first, self._numbered = self._numbered + 1, self._numbered + len(pending)
        try:
            if metric.parallel and len(pending) > 1:
                labels = [self._label([p], n) for n, p in enumerate(pending, first)]
                # Under the lock, so that no time is measured meanwhile (it would be disturbed).
                workers = min(len(pending), os.cpu_count() or 1)
                with self._locked(), ThreadPoolExecutor(workers) as pool:
                    measure = functools.partial(self._measure, metric=metric)
                    for found in pool.map(measure, [[p] for p in pending], labels):
                        cells += found
            else:
                # All together, in shared rounds (see measure.timing); one lock hold.
                with self._locked():
                    cells += self._measure(pending, self._label(pending, first), metric)
        except LockTimeout as exc:  # another build holds the lock and does not let go
            self.progress(f"failed: {exc}")
            self.gave_up = str(exc)
            cells += [self._gave_up(p) for p in pending[len(cells) :]]
        return cells

    def _gave_up(self, item: Pending) -> Cell:
        job = item.job
        return Cell(job.benchmark, job.interpreter.name, origin=FAILED, error=self.gave_up)

    @staticmethod
    def _label(batch: list[Pending], number: int) -> str:
        """What a progress line names: the benchmarks, the interpreters, and the results'
        numbers in this build (counted on from table to table)."""
        benchmarks = list(dict.fromkeys(p.job.benchmark.name for p in batch))
        interpreters = " and ".join(dict.fromkeys(p.job.interpreter.display for p in batch))
        what = benchmarks[0] if len(benchmarks) == 1 else _some_names(benchmarks)
        last = number + len(batch) - 1
        count = f"result {number}" if last == number else f"results {number}-{last}"
        return f"{what} on {interpreters} [{count}]"

    def _locked(self):
        return file_lock(self.lock, timeout=self.wait, waiting=self.progress)

    def _measure(self, batch: list[Pending], label: str, metric: Metric) -> list[Cell]:
        """Measure one benchmark's cells together and store them; the caller holds the lock."""
        cells: dict[int, Cell] = {}
        # Another build may have measured some while we waited for the lock.
        for index, item in enumerate(batch):
            if item.again:
                continue
            result = self.cache.load(item.path)
            if result is not None:
                cells[index] = _cell(item, result, CACHED)
        todo = [i for i in range(len(batch)) if i not in cells]
        if todo:
            self.progress(f"{metric.doing} {label}")
            started = time.monotonic()
            outcomes = self._outcomes([batch[i].job for i in todo], metric)
            seconds = time.monotonic() - started
            if not metric.deterministic:  # the share is the timing's: counts take no values
                with self._tally:
                    self.wall_seconds += seconds
            for index, outcome in zip(todo, outcomes, strict=True):
                cells[index] = self._store(batch[index], outcome, label, metric)
            if all(cells[i].ok for i in todo):
                self.progress(f"{metric.done} {label} in {seconds:.1f} s")
        return [cells[i] for i in range(len(batch))]

    def _outcomes(self, jobs: list[Job], metric: Metric) -> list[bytes | Exception]:
        """What measuring gave for each job; a full or read-only disk under the scratch
        files is ``Unwritable`` for all (nothing could be kept)."""
        try:
            return metric.measure_together(jobs, self.progress)
        except OSError as exc:
            if exc.errno not in STORAGE_ERRORS:
                raise
            return [unwritable(exc)] * len(jobs)

    def _storage_failure(self, item: Pending) -> Cell:
        job = item.job
        return Cell(
            job.benchmark, job.interpreter.name, origin=FAILED, error=self.unwritable, storage=True
        )

    def _store(self, item: Pending, outcome: bytes | Exception, label: str, metric: Metric):
        bench, name = item.job.benchmark, item.job.interpreter.name
        try:
            if isinstance(outcome, Exception):
                raise outcome
            result = self.cache.save(item.path, outcome)
        except Unwritable as exc:
            if not self.unwritable:
                self.progress(f"failed: {exc}")
            self.unwritable = self.unwritable or str(exc)
            return self._storage_failure(item)
        except (MeasureError, ValueError) as exc:
            self.progress(f"failed: {label}: {name}: {str(exc).splitlines()[0]}")
            failed = Cell(bench, name, origin=FAILED, error=str(exc))
            self._failed[bench, name, metric.name] = failed
            return failed
        with self._tally:
            self.value_seconds += metric.measured_seconds(result)
        return _cell(item, result, MEASURED)


def _some_names(names: list[str], room: int = 60) -> str:
    """``"3 benchmarks (empty loop, noargs, onearg(i))"``, the list cut to fit ``room``."""
    shown = ""
    for index, name in enumerate(names):
        more = f", {name}" if shown else name
        if len(shown) + len(more) > room:
            shown += f", and {len(names) - index} more"
            break
        shown += more
    return f"{len(names)} benchmarks ({shown})"


def _cell(item: Pending, result, origin: str) -> Cell:
    job = item.job
    return Cell(job.benchmark, job.interpreter.name, result, origin, path=item.path, key=item.key)
