"""Measuring what is missing: one at a time (or side by side), locked, remembered.

- **Lock.** One lock file in the cache serialises measuring across threads,
  processes and concurrent builds: two timings never run at once (they would
  disturb each other), and nothing is measured twice (a result another build
  stored while we waited is taken from the store).
- **Order.** Interpreters alternate benchmark by benchmark, so that both
  sides of a ratio are measured under the same conditions (a shared
  machine's speed drifts over tens of seconds). A metric that load cannot
  change (counts) runs one job per core.
- **Failure memory.** A benchmark that failed is not run again in the same
  build for the next table or role that shows it.
- **Origins.** Where every distinct cell shown in this build came from, for
  the build's summary line.
"""

from __future__ import annotations

import functools
import os
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
from benchpost.store.cache import ResultCache

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Pending:
    """A cell to measure: the job, where its result goes, and its fingerprint."""

    job: Job
    path: Path
    key: str


@dataclass
class Scheduler:
    """Runs pending measurements under the lock; remembers failures and origins."""

    lock: Path
    cache: ResultCache
    progress: Progress
    #: how long to wait for another build's measuring before giving up (seconds)
    wait: float = 600.0
    _failed: dict[tuple[object, str, str], Cell] = field(default_factory=dict)
    _origins: dict[tuple[object, str, str], str] = field(default_factory=dict)

    @property
    def counts(self) -> Counter:
        """How many distinct results this build measured, took from the store, or lost."""
        return Counter(self._origins.values())

    def known_failure(self, job: Job, metric: Metric) -> Cell | None:
        return self._failed.get((job.benchmark, job.interpreter.name, metric.name))

    def note_origin(self, cell: Cell, metric: Metric) -> None:
        self._origins.setdefault((cell.benchmark, cell.interpreter, metric.name), cell.origin)

    def run(self, pending: list[Pending], metric: Metric) -> list[Cell]:
        """Measure ``pending`` in order; one cell each, in the same order."""
        labels = [
            f"{p.job.benchmark.name} on {p.job.interpreter.display} [{n}/{len(pending)}]"
            for n, p in enumerate(pending, 1)
        ]
        cells: list[Cell] = []
        try:
            if metric.parallel and len(pending) > 1:
                # Under the lock, so that no time is measured meanwhile (it would be disturbed).
                workers = min(len(pending), os.cpu_count() or 1)
                with self._locked(), ThreadPoolExecutor(workers) as pool:
                    measure = functools.partial(self._measure, metric=metric)
                    cells = list(pool.map(measure, pending, labels))
            else:
                for item, label in zip(pending, labels, strict=True):
                    with self._locked():  # one at a time: other builds may take turns
                        cells.append(self._measure(item, label, metric))
        except LockTimeout as exc:  # another build holds the lock and does not let go
            self.progress(f"failed: {exc}")
            cells += [
                Cell(p.job.benchmark, p.job.interpreter.name, origin=FAILED, error=str(exc))
                for p in pending[len(cells) :]
            ]
        return cells

    def _locked(self):
        return file_lock(self.lock, timeout=self.wait, waiting=self.progress)

    def _measure(self, pending: Pending, label: str, metric: Metric) -> Cell:
        """Measure one cell and store it; the caller holds the lock."""
        job = pending.job
        bench, name = job.benchmark, job.interpreter.name
        # Another build may have measured it while we waited for the lock.
        result = self.cache.load(pending.path)
        if result is not None:
            return Cell(bench, name, result, CACHED, path=pending.path, key=pending.key)
        self.progress(f"{metric.doing} {label}")
        started = time.monotonic()
        try:
            result = self.cache.save(pending.path, metric.measure(job))
        except (MeasureError, ValueError) as exc:
            self.progress(f"failed: {label}: {str(exc).splitlines()[0]}")
            failed = Cell(bench, name, origin=FAILED, error=str(exc))
            self._failed[bench, name, metric.name] = failed
            return failed
        self.progress(f"{metric.done} {label} in {time.monotonic() - started:.1f} s")
        return Cell(bench, name, result, MEASURED, path=pending.path, key=pending.key)
