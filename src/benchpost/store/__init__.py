"""The result store: every table from one set, measured here or recorded.

A ratio is a measurement only between numbers of one set (one machine, one
run). For each metric the store shows one set in every table, chart and
role of a build: this run's, if every interpreter can be measured here
(``here``: the cache, or measuring what is missing), else a recorded set
(``sets``) for every column. Where numbers come from is the mode's choice
(``sources``); what can be measured here is the ``toolchain``'s answer.
Every result is a pyperf JSON file named by a *fingerprint* of everything
that can change its numbers (``keys``), so editing prose never measures again.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchpost import schema
from benchpost.measure.compiler import BuildError
from benchpost.measure.interpreters import Column, Interpreter, InterpreterNotFound
from benchpost.measure.machine import this_machine
from benchpost.measure.metric import Job, Metric
from benchpost.measure.timing import TIME
from benchpost.results import Cell, Fallback, Results
from benchpost.schema import MeasuredSet
from benchpost.store import recorded, sets, sources
from benchpost.store.cache import ResultCache
from benchpost.store.here import Here
from benchpost.store.layout import CacheLayout, RecordedLayout
from benchpost.store.scheduler import Progress, Scheduler
from benchpost.store.sets import RecordedSet
from benchpost.store.sources import FROZEN, MEASURE, MEASURE_MISSING, MODES, RECORDED_ONLY
from benchpost.store.toolchain import Toolchain
from benchpost.suite import EMPTY_LOOP, Benchmark, InterpreterSpec, Profile, Suite

__all__ = ["FROZEN", "MEASURE", "MEASURE_MISSING", "MODES", "RECORDED_ONLY", "ResultStore"]


def _quiet(message: str) -> None:
    pass


@dataclass
class ResultStore:
    """Results for a suite and a profile, kept under ``cache_dir``.

    ``recorded_dir`` is a frozen post's own folder (its one set); other stores
    read the recorded sets in the suite's ``recorded:`` folder (``store.sets``).
    Every table of one metric shows one set: this run's, if every interpreter
    (``names``, default all) can be measured here, else a recorded one.
    """

    suite: Suite
    profile: Profile
    cache_dir: Path
    timeout: float = 600.0
    progress: Progress = _quiet
    mode: str = MEASURE
    recorded_dir: Path | None = None
    #: remove what killed builds left in the cache (once per cache and build)
    sweep: bool = True
    #: the interpreters of this build (its set); empty: every one of the suite
    names: tuple[str, ...] = ()
    #: this machine's name ("": derived from its facts)
    machine: str = ""
    #: the recorded set to show where this machine cannot measure everything
    recorded_set: str = ""
    layout: CacheLayout = field(init=False)
    toolchain: Toolchain = field(init=False)
    scheduler: Scheduler = field(init=False)
    here: Here = field(init=False)

    def __post_init__(self) -> None:
        self.policy = sources.policy(self.mode)
        # Absolute: worker processes run in a scratch folder of their own.
        self.layout = CacheLayout(Path(self.cache_dir).absolute())
        self.recorded = RecordedLayout(self.recorded_dir or self.suite.recorded_dir)
        self.toolchain = Toolchain(self.layout, min(self.timeout, 60.0))
        #: the set this run measures: one id for every result it writes
        self.measured_in = MeasuredSet(
            f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}",
            this_machine(self.machine),
            tuple(spec.name for spec in self._specs(self.names)),
        )
        self._shown: dict[str, tuple[RecordedSet | None, Fallback | None]] = {}
        self._known: dict[str, RecordedSet] | None = None
        self.scheduler = Scheduler(
            self.layout.measure_lock, ResultCache(self.progress), self.progress, self.timeout
        )
        budget_ends = time.monotonic() + self.profile.budget if self.profile.budget else math.inf
        self.here = Here(self.suite, self.profile, self.layout, self.toolchain,
                         self.scheduler, self.timeout, self.measured_in, budget_ends)  # fmt: skip
        if self.sweep:
            removed = self.layout.sweep()
            if removed:
                self.progress(
                    f"removed {removed} temporary files left in {self.layout.root} by "
                    f"builds that were killed"
                )

    def sharing(self, mode: str, recorded_dir: Path) -> ResultStore:
        """A store for other sources (a frozen post's), sharing this one's toolchain,
        cache and counts."""
        other = ResultStore(
            self.suite, self.profile, self.cache_dir, self.timeout, self.progress, mode,
            recorded_dir, sweep=False,  # the cache is this one's, swept already
            names=self.names, machine=self.machine, recorded_set=self.recorded_set,
        )  # fmt: skip
        other.toolchain, other.scheduler, other.here = self.toolchain, self.scheduler, self.here
        return other

    @property
    def counts(self) -> Counter:
        """How many distinct results this build measured, took from the store, or lost."""
        return self.scheduler.counts

    def summary(self) -> str:
        """What this build measured, reused and lost (see the scheduler)."""
        return self.scheduler.summary()

    def cannot_measure(self, metric: Metric) -> str:
        """What ``metric`` lacks here ("" if nothing, or if this mode measures nothing)."""
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
        """Results for ``benchmarks`` (plus the empty loop), one column per interpreter,
        every column from the one set this build shows for ``metric``."""
        rows = tuple(dict.fromkeys([EMPTY_LOOP, *benchmarks]))
        specs = self._specs(interpreter_names)
        shown, fallback = self.shown_set(metric)
        if shown is None:
            return self.measured_here(rows, specs, metric)
        return self._recorded(rows, specs, metric, [shown], fallback)

    def results_of(self, benchmarks: list[Benchmark], names: list[str], metric: Metric) -> Results:
        """``results`` with its arguments in the order a claim asks (``claims.Shown``)."""
        return self.results(benchmarks, names, metric)

    def results_across(
        self,
        benchmarks: Iterable[Benchmark],
        set_names: Iterable[str],
        interpreter_names: Iterable[str] | None = None,
        metric: Metric = TIME,
    ) -> Results:
        """Results from several recorded sets (asked for by the author), a column per
        set and interpreter (``<interpreter>@<set>``): ratios across sets are unpaired.
        ``LookupError`` for an unknown set."""
        rows = tuple(dict.fromkeys([EMPTY_LOOP, *benchmarks]))
        chosen = sets.by_names(self.known_sets(), set_names, self.suite.recorded_dir)
        results = self._recorded(rows, self._specs(interpreter_names), metric, chosen, None)
        names = [c.name for c in results.interpreters]
        ours = [n for n in names if n.partition("@")[0] == self.suite.baseline]
        return replace(results, baseline=(ours or names or [self.suite.baseline])[0])

    def _recorded(self, rows, specs, metric, chosen, fallback: Fallback | None) -> Results:
        found, facts = sets.read_sets(
            chosen, specs, rows, metric, self.here.code_digest, self.suite.baseline,
            self.policy.stale_warns,
        )  # fmt: skip
        for cell in found.cells.values():
            self.scheduler.note_origin(cell, metric)
        return self._grid(rows, found.columns, found.missing, found.cells, metric, facts,
                          fallback, self._recorded_with(found.cells.values()))  # fmt: skip

    def _recorded_with(self, cells: Iterable[Cell]) -> Profile:
        """The profile recorded results were measured with (the files say): their
        intervals are what that profile says, whatever this build's profile is, so
        a frozen or recorded post renders the same in every build."""
        named = {str(c.metadata().get(schema.PROFILE)) for c in cells if c.ok}
        if len(named) == 1 and next(iter(named)) in self.suite.profiles:
            return self.suite.profile(next(iter(named)))
        return self.profile

    def known_sets(self) -> dict[str, RecordedSet]:
        """The recorded sets, by machine, listed once per build; ``LookupError`` for
        results in the layout before sets (said where a table needs them)."""
        if self._known is None:
            try:
                self._known = sets.recorded_sets(self.suite.recorded_dir)
            except recorded.RecordedError as exc:
                raise LookupError(str(exc)) from None
        return self._known

    def shown_set(self, metric: Metric) -> tuple[RecordedSet | None, Fallback | None]:
        """The recorded set every table of ``metric`` shows in this build (None: this
        run's), and why, where this build measures. Chosen once for every
        interpreter together, so that a role's ratio is its table's."""
        if metric.name not in self._shown:
            if self.mode == FROZEN:
                self._shown[metric.name] = RecordedSet(FROZEN, self.recorded), None
            else:
                specs = self._specs(self.names)
                found = sets.default_set(
                    self.known_sets(), specs, self.suite.baseline, metric, self.recorded_set
                )
                rows = self.suite.one_of_each_extension()
                self._shown[metric.name] = sets.choose(
                    found, specs, lambda spec: self._live(spec, metric, rows),
                    self.policy.measures, self.policy.prefers_recorded,
                )  # fmt: skip
        return self._shown[metric.name]

    def measured_here(self, rows, specs, metric: Metric) -> Results:
        """Every column measured here, in this run's set (or taken from the cache)."""
        live = {spec.name: self._live(spec, metric, rows) for spec in specs}
        columns, missing, cells = self.here.measure(rows, specs, metric, live)
        return self._grid(rows, columns, missing, cells, metric, (), None)

    def _grid(self, rows, columns, missing, cells, metric, facts, fallback,
              profile: Profile | None = None) -> Results:  # fmt: skip
        return Results(
            rows, tuple(columns), tuple(missing), self.suite.baseline, profile or self.profile,
            cells, metric, frozen=self.mode == FROZEN, sets=facts, fallback=fallback,
        )  # fmt: skip

    def column(self, name: str, metric: Metric = TIME) -> Column | InterpreterNotFound:
        """The column an interpreter's numbers come from (``metric``, the suite's default
        extension), measuring nothing."""
        spec = self.suite.interpreter(name)
        shown, _ = self.shown_set(metric)
        if shown is not None:
            found = sets.set_columns(shown, [spec], (EMPTY_LOOP,), metric, self.here.code_digest)
            return found.columns[0] if found.columns else found.missing[0]
        here, why = self._live(spec, metric, self.suite.one_of_each_extension())
        if here is not None:
            return here.column
        return why if isinstance(why, InterpreterNotFound) else InterpreterNotFound(spec, why)

    def current_key(self, bench: Benchmark, interpreter: str, metric: Metric) -> str:
        """What the cell's ``key`` would be now ("" if it cannot be known without measuring)."""
        name, _, across = interpreter.partition("@")  # "cpython@box-a": a table over sets
        spec = self.suite.interpreter(name)
        shown, _ = self.shown_set(metric)
        if across:
            shown = self.known_sets().get(across)
            if shown is None:
                return ""
        if shown is not None:
            found = sets.set_columns(
                shown, [spec], (bench,), metric, self.here.code_digest, where=across
            )
            cell = found.cells.get((bench, interpreter))
            return cell.key if cell is not None else ""
        here, _ = self._live(spec, metric, [bench])
        if here is None:
            return ""
        return self.here.key(bench, here, metric)

    def job(self, bench: Benchmark, interpreter: str) -> Job:
        """A job to measure ``bench`` on ``interpreter`` here by hand (``warmup``):
        the interpreter probed, the extension built. Raises ``InterpreterNotFound``
        or ``BuildError``."""
        found = self.toolchain.interpreter(self.suite.interpreter(interpreter))
        if isinstance(found, InterpreterNotFound):
            raise found
        if bench.extension is not None:
            built = self.toolchain.extension(found, bench.extension)
            if isinstance(built, BuildError):
                raise built
        return self.here.job(bench, found)

    def _live(
        self, spec: InterpreterSpec, metric: Metric, rows: Iterable[Benchmark]
    ) -> tuple[Interpreter | None, InterpreterNotFound | str]:
        """The interpreter to measure on here, or None and why not (see the toolchain)."""
        if not self.policy.measures:
            return None, InterpreterNotFound(spec, f"is not measured in the {self.mode!r} mode")
        extensions = {b.extension for b in rows if b.extension is not None}
        return self.toolchain.live_reason(spec, metric, extensions)

    def _specs(self, names: Iterable[str] | None) -> list[InterpreterSpec]:
        names = list(names or ())
        return [self.suite.interpreter(n) for n in names] or list(self.suite.interpreters)
