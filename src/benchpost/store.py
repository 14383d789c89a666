"""The result store: measure what is missing, reuse what was measured.

Every result is a pyperf JSON file named by a *fingerprint* of everything
that can change its numbers: the benchmark's code and setup, the compiled
extension (its sources, flags, compiler), the interpreter's identity, the
profile, the pyperf version and our worker script. A hit is used as it is;
a miss is measured, written atomically, then used. Editing prose changes
none of these, so it never measures again.

Measuring is serialised across threads, processes and concurrent builds by
one lock file, so that two benchmarks never run at the same time (they would
disturb each other's numbers) and nothing is measured twice.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyperf

from benchpost import recorded
from benchpost.build import BuildError, BuiltExtension, build_extension, source_digest
from benchpost.callgrind import (
    COUNTER,
    CountRequest,
    Valgrind,
    ValgrindNotFound,
    count,
    find_valgrind,
)
from benchpost.interpreters import Interpreter, InterpreterNotFound, probe
from benchpost.metrics import INSTRUCTIONS, TIME, Metric
from benchpost.recorded import recorded_interpreter
from benchpost.results import CACHED, FAILED, MEASURED, RECORDED, Cell, Results
from benchpost.runner import LOOP, WORKER, MeasureError, MeasureRequest, measure
from benchpost.storage import atomic_write_bytes, file_lock, slug
from benchpost.suite import EMPTY_LOOP, Benchmark, InterpreterSpec, Profile, Suite

#: Bump when the meaning of a stored file changes, to measure everything again.
STORE_FORMAT = 3

#: Where numbers come from (the ``benchpost_mode`` setting):
#: measure here, using recorded results only for interpreters not found here;
MEASURE = "measure"
#: use recorded results only, measure nothing (to publish committed numbers);
RECORDED_ONLY = "recorded"
#: use recorded results where there are some, measure the rest here.
MEASURE_MISSING = "measure-missing"
MODES = (MEASURE, RECORDED_ONLY, MEASURE_MISSING)

Progress = Callable[[str], None]


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
    _probed: dict[str, Interpreter | InterpreterNotFound] = field(default_factory=dict)
    _built: dict[str, BuiltExtension | BuildError] = field(default_factory=dict)
    _valgrind: Valgrind | ValgrindNotFound | None = None
    _loaded: dict[Path, pyperf.Benchmark] = field(default_factory=dict)
    # Failures are remembered for the rest of the build: a benchmark that
    # crashed is not run again for the next table or role that shows it.
    _failed: dict[tuple[Benchmark, str, str], Cell] = field(default_factory=dict)
    # Where each cell shown in this build came from (first time it was seen).
    _origins: dict[tuple[Benchmark, str, str], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise LookupError(f"unknown mode {self.mode!r} (modes: {', '.join(MODES)})")

    @property
    def counts(self) -> Counter:
        """How many distinct results this build measured, took from the store, or lost."""
        return Counter(self._origins.values())

    # -- interpreters -----------------------------------------------------

    def interpreters(
        self, names: Iterable[str] | None = None
    ) -> tuple[list[Interpreter], list[InterpreterNotFound]]:
        """The configured interpreters (or ``names``), split into found and missing."""
        specs = (
            [self.suite.interpreter(n) for n in names]
            if names is not None
            else list(self.suite.interpreters)
        )
        found, missing = [], []
        for spec in specs:
            if spec.name not in self._probed:
                try:
                    self._probed[spec.name] = probe(spec, self.cache_dir)
                except InterpreterNotFound as exc:
                    self._probed[spec.name] = exc
            outcome = self._probed[spec.name]
            (missing if isinstance(outcome, InterpreterNotFound) else found).append(outcome)
        return found, missing

    # -- results ----------------------------------------------------------

    def valgrind(self) -> Valgrind | ValgrindNotFound:
        """The valgrind that counts instructions, or why there is none."""
        if self._valgrind is None:
            try:
                self._valgrind = find_valgrind()
            except ValgrindNotFound as exc:
                self._valgrind = exc
        return self._valgrind

    def cannot_count(self) -> ValgrindNotFound | None:
        """Why this store cannot count instructions here; None if it can, or need not
        (the "recorded" mode measures nothing)."""
        if self.mode == RECORDED_ONLY:
            return None
        valgrind = self.valgrind()
        return valgrind if isinstance(valgrind, ValgrindNotFound) else None

    def results(
        self,
        benchmarks: Iterable[Benchmark],
        interpreter_names: Iterable[str] | None = None,
        metric: Metric = TIME,
    ) -> Results:
        """Results for ``benchmarks`` (plus the empty loop), one column per interpreter.

        A column comes from measuring here (or the store), from recorded
        results (see ``mode``), or is missing with the reason.
        """
        rows = tuple(dict.fromkeys([EMPTY_LOOP, *benchmarks]))
        names = list(interpreter_names) if interpreter_names is not None else None
        specs = [self.suite.interpreter(n) for n in names] if names else self.suite.interpreters
        columns: list[Interpreter] = []
        missing: list[InterpreterNotFound] = []
        cells: dict[tuple[Benchmark, str], Cell] = {}
        pending: list[tuple[Benchmark, Interpreter]] = []
        for spec in specs:
            column = self._column(spec, rows, cells, pending, metric)
            (missing if isinstance(column, InterpreterNotFound) else columns).append(column)
        # Interpreters alternate benchmark by benchmark: a shared machine's
        # speed drifts over tens of seconds, and a ratio is fairest when both
        # sides were measured under the same conditions.
        order = {spec.name: index for index, spec in enumerate(specs)}
        pending.sort(key=lambda pair: (rows.index(pair[0]), order[pair[1].name]))
        jobs = [
            (bench, interp, f"{bench.name} on {interp.display} [{index}/{len(pending)}]")
            for index, (bench, interp) in enumerate(pending, 1)
        ]
        for (bench, interp, _), cell in zip(jobs, self._measure_all(jobs, metric), strict=True):
            cells[bench, interp.name] = cell
        for (bench, interp_name), cell in cells.items():
            self._origins.setdefault((bench, interp_name, metric.name), cell.origin)
        return Results(
            rows, tuple(columns), tuple(missing), self.suite.baseline, self.profile, cells, metric
        )

    def _measure_all(
        self, jobs: list[tuple[Benchmark, Interpreter, str]], metric: Metric
    ) -> list[Cell]:
        """Measure what is pending: times one at a time, counts side by side."""
        lock = self.cache_dir / "measure.lock"
        if metric == INSTRUCTIONS and len(jobs) > 1:
            # Counts do not depend on the machine's load, so they run one per
            # core; under the lock, so that no time is measured meanwhile
            # (that would be disturbed).
            workers = min(len(jobs), os.cpu_count() or 1)
            with file_lock(lock), ThreadPoolExecutor(workers) as pool:
                return list(pool.map(lambda job: self._measure_locked(*job, metric), jobs))
        measured = []
        for job in jobs:
            with file_lock(lock):  # one benchmark at a time: other builds may take turns
                measured.append(self._measure_locked(*job, metric))
        return measured

    def _column(
        self,
        spec: InterpreterSpec,
        rows: tuple[Benchmark, ...],
        cells: dict[tuple[Benchmark, str], Cell],
        pending: list[tuple[Benchmark, Interpreter]],
        metric: Metric,
    ) -> Interpreter | InterpreterNotFound:
        """Fill ``cells`` (and ``pending``) for one interpreter; returns its column."""
        here, absent = (
            None,
            InterpreterNotFound(spec, f"has no recorded results in {self.suite.recorded_dir}"),
        )
        if self.mode != RECORDED_ONLY:
            found, missing = self.interpreters([spec.name])
            here, absent = (found[0], absent) if found else (None, missing[0])
        recorded = {} if here and self.mode == MEASURE else self._recorded(spec, rows, metric)
        if here is not None:
            for bench in rows:
                cell = recorded.get(bench) or self._lookup(bench, here, metric)
                if cell is None:
                    pending.append((bench, here))
                else:
                    cells[bench, spec.name] = cell
            return here
        if not recorded:
            return absent
        for bench in rows:
            cells[bench, spec.name] = recorded.get(bench) or Cell(
                bench,
                spec.name,
                origin=FAILED,
                error=f"no recorded result: record it with 'python -m benchpost record "
                f"--interpreter {spec.name} --metric {metric.name}' where {spec.label} "
                f"is installed",
            )
        first = next(iter(recorded.values()))
        return recorded_interpreter(spec, first.result)

    def _recorded(
        self, spec: InterpreterSpec, rows: tuple[Benchmark, ...], metric: Metric
    ) -> dict[Benchmark, Cell]:
        """The recorded cells for one interpreter (stale ones carry a warning)."""
        cells = {}
        for bench in rows:
            path = recorded.recorded_path(self.suite.recorded_dir, spec.name, bench, metric)
            try:
                result = recorded.load(self.suite.recorded_dir, spec.name, bench, metric)
            except recorded.RecordedError as exc:
                cells[bench] = Cell(bench, spec.name, origin=FAILED, error=str(exc))
                continue
            if result is None:
                continue
            warning = ""
            if recorded.is_stale(result, self.code_digest(bench)):
                warning = (
                    f"recorded result {path} is stale: the benchmark or the C extension "
                    f"changed since it was recorded; record it again"
                )
            cells[bench] = Cell(bench, spec.name, result, RECORDED, path=path, warning=warning)
        return cells

    def _lookup(self, bench: Benchmark, interp: Interpreter, metric: Metric) -> Cell | None:
        """A stored result, a failure known already, or None if it must be measured."""
        if (bench, interp.name, metric.name) in self._failed:
            return self._failed[bench, interp.name, metric.name]
        problem = self._cannot_measure(interp, metric)
        if problem:
            return Cell(bench, interp.name, origin=FAILED, error=problem)
        built = self._extension(interp)
        assert isinstance(built, BuiltExtension)
        path = self.result_path(bench, interp, built, metric)
        result = self._load(path)
        return Cell(bench, interp.name, result, CACHED, path=path) if result else None

    def _cannot_measure(self, interp: Interpreter, metric: Metric) -> str:
        """Why ``metric`` cannot be measured on ``interp`` here ("" if it can)."""
        built = self._extension(interp)
        if isinstance(built, BuildError):
            return str(built)
        valgrind = self.valgrind() if metric == INSTRUCTIONS else None
        return str(valgrind) if isinstance(valgrind, ValgrindNotFound) else ""

    def _measure_locked(
        self, bench: Benchmark, interp: Interpreter, where: str, metric: Metric
    ) -> Cell:
        """Measure one cell and store it; the caller holds the measure lock."""
        built = self._extension(interp)
        assert isinstance(built, BuiltExtension)
        path = self.result_path(bench, interp, built, metric)
        # Another build may have measured it while we waited for the lock.
        result = self._load(path)
        if result is not None:
            return Cell(bench, interp.name, result, CACHED, path=path)
        doing = "counting instructions of" if metric == INSTRUCTIONS else "measuring"
        self.progress(f"{doing} {where}")
        started = time.monotonic()
        try:
            data = self._run(bench, interp, built, metric)
            result = pyperf.Benchmark.loads(data.decode("utf-8"))
        except (MeasureError, ValueError) as exc:
            self.progress(f"failed: {where}: {str(exc).splitlines()[0]}")
            failed = Cell(bench, interp.name, origin=FAILED, error=str(exc))
            self._failed[bench, interp.name, metric.name] = failed
            return failed
        atomic_write_bytes(path, data)
        done = "counted" if metric == INSTRUCTIONS else "measured"
        self.progress(f"{done} {where} in {time.monotonic() - started:.1f} s")
        return Cell(bench, interp.name, result, MEASURED, path=path)

    def _run(
        self, bench: Benchmark, interp: Interpreter, built: BuiltExtension, metric: Metric
    ) -> bytes:
        """Measure one metric of one benchmark: pyperf JSON bytes, or ``MeasureError``."""
        scratch = self.cache_dir / "scratch"
        if metric == INSTRUCTIONS:
            valgrind = self.valgrind()
            assert isinstance(valgrind, Valgrind)
            request = CountRequest(
                bench,
                interp,
                self.suite.counting,
                valgrind,
                built.directory,
                self.timeout,
                self.code_digest(bench),
            )
            return count(request, scratch)
        return measure(
            MeasureRequest(
                bench, interp, self.profile, built.directory, self.timeout, self.code_digest(bench)
            ),
            scratch,
        )

    def _extension(self, interp: Interpreter) -> BuiltExtension | BuildError:
        if interp.name not in self._built:
            with file_lock(self.cache_dir / "build.lock"):
                try:
                    self._built[interp.name] = build_extension(
                        self.suite.extension, interp, self.cache_dir / "extensions"
                    )
                except BuildError as exc:
                    self._built[interp.name] = exc
        return self._built[interp.name]

    def _load(self, path: Path) -> pyperf.Benchmark | None:
        """Read a stored result; a damaged file is set aside (never deleted) and ignored."""
        if path in self._loaded:
            return self._loaded[path]
        if not path.is_file():
            return None
        try:
            result = pyperf.Benchmark.load(str(path))
            if not result.get_values():
                raise ValueError("it holds no values")
            self._loaded[path] = result
            return result
        except Exception as exc:  # pyperf raises many kinds on a damaged file
            aside = path.with_suffix(f".corrupt-{int(time.time())}")
            path.replace(aside)
            self.progress(
                f"stored result {path} is damaged ({exc}); moved to {aside.name} "
                f"and measuring again"
            )
            return None

    # -- fingerprints -----------------------------------------------------

    def code_digest(self, bench: Benchmark) -> str:
        """A hash of what the benchmark runs: its code and the C extension's sources."""
        facts = [bench.setup, bench.code, source_digest(self.suite.extension)]
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]

    def fingerprint(
        self, bench: Benchmark, interp: Interpreter, built: BuiltExtension, metric: Metric = TIME
    ) -> str:
        """A hash of everything that can change this benchmark's numbers."""
        facts: dict[str, object] = {
            "format": STORE_FORMAT,
            "metric": metric.name,
            "benchmark": [bench.name, bench.setup, bench.code],
            "extension": built.digest,
            "interpreter": interp.identity(),
        }
        if metric == INSTRUCTIONS:
            valgrind = self.valgrind()
            counting = self.suite.counting
            facts["counting"] = [
                counting.iterations,
                counting.values,
                counting.warmup_for(interp.kind),
                valgrind.version if isinstance(valgrind, Valgrind) else None,
                bool(isinstance(valgrind, Valgrind) and valgrind.no_aslr),
                _digest(COUNTER, LOOP),
            ]
        else:
            facts["profile"] = [
                self.profile.processes,
                self.profile.values,
                self.profile.min_time,
                self.profile.warmups_for(interp.kind),
            ]
            facts["pyperf"] = pyperf.__version__
            facts["worker"] = _digest(WORKER, LOOP)
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]

    def result_path(
        self, bench: Benchmark, interp: Interpreter, built: BuiltExtension, metric: Metric = TIME
    ) -> Path:
        # The metric is in the name too, so that a reader of the folder can tell.
        kind = "" if metric == TIME else f"{metric.name}-"
        name = f"{slug(bench.name)}-{kind}{self.fingerprint(bench, interp, built, metric)}.json"
        return self.cache_dir / "results" / interp.name / slug(bench.group) / name


@functools.cache
def _digest(*files: str | Path) -> str:
    """A hash of the code that measures: a change to it measures everything again."""
    h = hashlib.sha256()
    for path in files:
        h.update(Path(path).read_bytes())
    return h.hexdigest()
