"""The result store: measure what is missing, reuse what was measured.

Every result is a pyperf JSON file named by a *fingerprint* of everything
that can change its numbers (``keys``), in a cache whose folders ``layout``
names. A hit is used as it is; a miss is measured (``scheduler``, one at a
time under a lock) and written atomically (``cache``). Where numbers come
from is the mode's choice (``sources``); what can be measured here is the
``toolchain``'s answer. Editing prose changes no fingerprint, so it never
measures again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from benchpost.measure.compiler import BuildError
from benchpost.measure.interpreters import Column, Interpreter, InterpreterNotFound
from benchpost.measure.metric import Job, Metric
from benchpost.measure.timing import TIME
from benchpost.results import CACHED, FAILED, Cell, Results
from benchpost.store import sources
from benchpost.store.cache import ResultCache
from benchpost.store.keys import code_digest, fingerprint
from benchpost.store.layout import CacheLayout, RecordedLayout
from benchpost.store.scheduler import Pending, Progress, Scheduler
from benchpost.store.sources import MEASURE, MEASURE_MISSING, MODES, RECORDED_ONLY
from benchpost.store.toolchain import Toolchain
from benchpost.suite import EMPTY_LOOP, Benchmark, InterpreterSpec, Profile, Suite

__all__ = ["MEASURE", "MEASURE_MISSING", "MODES", "RECORDED_ONLY", "ResultStore"]


def _quiet(message: str) -> None:
    pass


@dataclass
class ResultStore:
    """Results for a suite and a profile, kept under ``cache_dir``."""

    suite: Suite
    profile: Profile
    cache_dir: Path
    timeout: float = 600.0
    progress: Progress = _quiet
    mode: str = MEASURE
    layout: CacheLayout = field(init=False)
    toolchain: Toolchain = field(init=False)
    scheduler: Scheduler = field(init=False)

    def __post_init__(self) -> None:
        self.policy = sources.policy(self.mode)
        self.layout = CacheLayout(Path(self.cache_dir))
        self.recorded = RecordedLayout(self.suite.recorded_dir)
        self.toolchain = Toolchain(self.suite, self.layout)
        cache = ResultCache(self.progress)
        self.scheduler = Scheduler(self.layout.measure_lock, cache, self.progress)

    @property
    def counts(self) -> Counter:
        """How many distinct results this build measured, took from the store, or lost."""
        return self.scheduler.counts

    def cannot_measure(self, metric: Metric) -> str:
        """Why ``metric`` cannot be measured here ("" if it can, or need not: the
        "recorded" mode measures nothing)."""
        return self.toolchain.missing_tool(metric) if self.policy.measures else ""

    def interpreters(
        self, names: Iterable[str] | None = None
    ) -> tuple[list[Interpreter], list[InterpreterNotFound]]:
        """The configured interpreters (or ``names``), split into found and missing."""
        found, missing = [], []
        for spec in self._specs(names):
            outcome = self.toolchain.interpreter(spec)
            (missing if isinstance(outcome, InterpreterNotFound) else found).append(outcome)
        return found, missing

    def results(
        self,
        benchmarks: Iterable[Benchmark],
        interpreter_names: Iterable[str] | None = None,
        metric: Metric = TIME,
    ) -> Results:
        """Results for ``benchmarks`` (plus the empty loop), one column per interpreter."""
        rows = tuple(dict.fromkeys([EMPTY_LOOP, *benchmarks]))
        specs = self._specs(interpreter_names)
        columns, missing = [], []
        cells: dict[tuple[Benchmark, str], Cell] = {}
        pending: list[Pending] = []
        for spec in specs:
            column = self._column(spec, rows, metric, cells, pending)
            (missing if isinstance(column, InterpreterNotFound) else columns).append(column)
        # Interpreters alternate benchmark by benchmark (see the scheduler).
        order = {spec.name: index for index, spec in enumerate(specs)}
        pending.sort(key=lambda p: (rows.index(p.job.benchmark), order[p.job.interpreter.name]))
        for item, cell in zip(pending, self.scheduler.run(pending, metric), strict=True):
            cells[item.job.benchmark, item.job.interpreter.name] = cell
        for cell in cells.values():
            self.scheduler.note_origin(cell, metric)
        return Results(
            rows, tuple(columns), tuple(missing), self.suite.baseline, self.profile, cells, metric
        )

    def column(self, name: str, metric: Metric = TIME) -> Column | InterpreterNotFound:
        """The column an interpreter's numbers would come from, measuring nothing."""
        spec = self.suite.interpreter(name)
        here = self.toolchain.interpreter(spec) if self.policy.measures else None
        if isinstance(here, Interpreter):
            return here.column
        recorded = self._recorded(spec, [EMPTY_LOOP], metric)
        if recorded:
            return sources.recorded_column(spec, recorded.values())
        return here or InterpreterNotFound(spec, "has no recorded results")

    def current_key(self, bench: Benchmark, interpreter: str, metric: Metric) -> str:
        """What the cell's ``key`` would be now ("" if it cannot be known without measuring)."""
        spec = self.suite.interpreter(interpreter)
        here = self.toolchain.interpreter(spec) if self.policy.measures else None
        recorded = None
        if not isinstance(here, Interpreter) or self.policy.prefers_recorded:
            recorded = self._recorded(spec, [bench], metric).get(bench)
        if recorded is not None:
            return recorded.key
        if isinstance(here, Interpreter) and not self.toolchain.missing_tool(metric):
            return fingerprint(
                self._job(bench, here), metric, self.toolchain.extension_digest(here)
            )
        return ""

    # -- one column ---------------------------------------------------------

    def _column(self, spec, rows, metric, cells, pending) -> Column | InterpreterNotFound:
        """Fill ``cells`` (and ``pending``) for one interpreter; returns its column."""
        here = self.toolchain.interpreter(spec) if self.policy.measures else None
        use_recorded = not isinstance(here, Interpreter) or self.policy.prefers_recorded
        recorded = self._recorded(spec, rows, metric) if use_recorded else {}
        if isinstance(here, Interpreter):
            for bench in rows:
                cell = recorded.get(bench) or self._lookup(bench, here, metric, pending)
                if cell is not None:
                    cells[bench, spec.name] = cell
            return here.column
        if not recorded:
            return here or InterpreterNotFound(
                spec, f"has no recorded results in {self.suite.recorded_dir}"
            )
        for bench in rows:
            cells[bench, spec.name] = recorded.get(bench) or sources.unrecorded_cell(
                bench, spec, metric
            )
        return sources.recorded_column(spec, recorded.values())

    def _recorded(self, spec: InterpreterSpec, rows, metric: Metric) -> dict[Benchmark, Cell]:
        return sources.recorded_cells(self.recorded, spec, rows, metric, self._code_digest)

    def _lookup(
        self, bench: Benchmark, interp: Interpreter, metric: Metric, pending: list[Pending]
    ) -> Cell | None:
        """A stored result, a known failure, or None (then it is added to ``pending``)."""
        job = self._job(bench, interp)
        failure = self.scheduler.known_failure(job, metric)
        if failure is not None:
            return failure
        built = self.toolchain.extension(interp)
        if isinstance(built, BuildError):
            return Cell(
                bench, interp.name, origin=FAILED, error=str(built), located=built.location
            )
        missing_tool = self.toolchain.missing_tool(metric)
        if missing_tool:
            return Cell(bench, interp.name, origin=FAILED, error=missing_tool)
        key = fingerprint(job, metric, self.toolchain.extension_digest(interp))
        path = self.layout.result(interp.name, bench, metric, key)
        result = self.scheduler.cache.load(path)
        if result is not None:
            return Cell(bench, interp.name, result, CACHED, path=path, key=key)
        pending.append(Pending(job, path, key))
        return None

    def _job(self, bench: Benchmark, interp: Interpreter) -> Job:
        return Job(
            benchmark=bench,
            interpreter=interp,
            extension_dir=self.toolchain.extension_dir(interp),
            code_digest=self._code_digest(bench),
            profile=self.profile,
            counting=self.suite.counting,
            timeout=self.timeout,
            scratch=self.layout.scratch,
            shim=self.layout.shim,
        )

    def _code_digest(self, bench: Benchmark) -> str:
        return code_digest(bench, self.toolchain.source_digest())

    def _specs(self, names: Iterable[str] | None) -> list[InterpreterSpec]:
        names = list(names) if names is not None else []
        return (
            [self.suite.interpreter(n) for n in names] if names else list(self.suite.interpreters)
        )
