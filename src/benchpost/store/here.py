"""This run's set: each cell from the cache, or measured (together with its row).

A hit in the cache (``layout``, named by the cell's fingerprint, ``keys``) is
used as it is; a miss is measured by the ``scheduler`` (one at a time, under
the machine's lock) with the rest of its row, so that a ratio of times always
divides numbers of the same rounds (``pairing``). Every result it writes names
this run's set (``measured_in``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from benchpost.measure.compiler import BuildError
from benchpost.measure.interpreters import Column, Interpreter, InterpreterNotFound
from benchpost.measure.metric import Job, Metric
from benchpost.results import CACHED, FAILED, Cell
from benchpost.schema import MeasuredSet
from benchpost.store.keys import code_digest, fingerprint
from benchpost.store.layout import CacheLayout
from benchpost.store.pairing import together
from benchpost.store.scheduler import Pending, Scheduler
from benchpost.store.toolchain import Toolchain
from benchpost.suite import Benchmark, InterpreterSpec, Profile, Suite

#: Per interpreter: the interpreter to measure on here, or None and why not.
Live = Mapping[str, tuple[Interpreter | None, InterpreterNotFound | str]]


@dataclass
class Here:
    """Measuring on this machine, in this run's set."""

    suite: Suite
    profile: Profile
    layout: CacheLayout
    toolchain: Toolchain
    scheduler: Scheduler
    timeout: float
    measured_in: MeasuredSet
    #: when the profile's budget for rounds ends: it is the whole command's
    budget_ends: float = math.inf

    def measure(
        self, rows: tuple[Benchmark, ...], specs: list[InterpreterSpec], metric: Metric, live: Live
    ) -> tuple[list[Column], list[InterpreterNotFound], dict[tuple[Benchmark, str], Cell]]:
        """The columns of ``specs`` (or why one is missing) and their cells: from the
        cache, or measured now."""
        columns, missing = [], []
        cells: dict[tuple[Benchmark, str], Cell] = {}
        pending: list[Pending] = []
        found: dict[str, Interpreter] = {}
        for spec in specs:
            column = self._column(spec, rows, metric, cells, pending, found, live[spec.name])
            (missing if isinstance(column, InterpreterNotFound) else columns).append(column)
        if not metric.deterministic:  # a row's times come from one run's rounds
            pending += together(rows, found, cells, pending, self.job)
        # Interpreters alternate benchmark by benchmark (see the scheduler).
        order = {spec.name: index for index, spec in enumerate(specs)}
        pending.sort(key=lambda p: (rows.index(p.job.benchmark), order[p.job.interpreter.name]))
        for item, cell in zip(pending, self.scheduler.run(pending, metric), strict=True):
            cells[item.job.benchmark, item.job.interpreter.name] = cell
        for cell in cells.values():
            self.scheduler.note_origin(cell, metric)
        return columns, missing, cells

    def _column(
        self, spec, rows, metric, cells, pending, found, live
    ) -> Column | InterpreterNotFound:
        """Fill ``cells`` (and ``pending``) for one interpreter; returns its column (or
        why it is missing)."""
        here, why = live
        if here is not None:
            found[spec.name] = here
            for bench in rows:
                cell = self._lookup(bench, here, metric, pending)
                if cell is not None:
                    cells[bench, spec.name] = cell
            return here.column
        if isinstance(why, InterpreterNotFound):
            return why
        # Found, but this machine cannot measure it, and no recorded set has it.
        interp = self.toolchain.interpreter(spec)
        for bench in rows:
            cells[bench, spec.name] = Cell(
                bench, spec.name, origin=FAILED, error=why, machine=True
            )
        return interp.column

    def _lookup(
        self, bench: Benchmark, interp: Interpreter, metric: Metric, pending: list[Pending]
    ) -> Cell | None:
        """A stored result, a known failure, or None (then it is added to ``pending``)."""
        job = self.job(bench, interp)
        failure = self.scheduler.known_failure(job, metric)
        if failure is not None:
            return failure
        if bench.extension is not None:
            built = self.toolchain.extension(interp, bench.extension)
            if isinstance(built, BuildError):
                error, located = str(built), built.location
                return Cell(bench, interp.name, origin=FAILED, error=error, located=located)
        key = self._fingerprint(job, metric)
        path = self.layout.result(interp.name, bench, metric, key)
        result = self.scheduler.cache.load(path)
        if result is not None:
            return Cell(bench, interp.name, result, CACHED, path=path, key=key)
        pending.append(Pending(job, path, key))
        return None

    def key(self, bench: Benchmark, interp: Interpreter, metric: Metric) -> str:
        """The fingerprint of ``bench`` on ``interp`` by ``metric``: its file's name."""
        return self._fingerprint(self.job(bench, interp), metric)

    def _fingerprint(self, job: Job, metric: Metric) -> str:
        return fingerprint(job, metric, self._extension_digest(job.benchmark, job.interpreter))

    def job(self, bench: Benchmark, interp: Interpreter) -> Job:
        extension = bench.extension
        return Job(
            benchmark=bench,
            interpreter=interp,
            extension_dir=self.toolchain.extension_dir(interp, extension) if extension else None,
            code_digest=self.code_digest(bench),
            profile=self.profile,
            counting=self.suite.counting,
            timeout=self.timeout,
            scratch=self.layout.scratch,
            measured_in=self.measured_in,
            budget_ends=self.budget_ends,
        )

    def code_digest(self, bench: Benchmark) -> str:
        sources_digest = self.toolchain.source_digest(bench.extension) if bench.extension else ""
        return code_digest(bench, sources_digest)

    def _extension_digest(self, bench: Benchmark, interp: Interpreter) -> str:
        if bench.extension is None:
            return ""
        return self.toolchain.extension_digest(interp, bench.extension)
