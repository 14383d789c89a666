"""Results: what the renderers get. Pure data and the statistics on it.

A ``Results`` is a grid of one metric: benchmarks (rows) by interpreters
(``Column``s), each cell a pyperf ``Benchmark`` (values per loop iteration:
seconds, or instructions) or the reason it could not be measured.
Interpreters that are configured but absent are listed too, so that a post
can say so.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchpost import schema, stats, steady
from benchpost.measure.interpreters import Column, InterpreterNotFound
from benchpost.measure.metric import Metric
from benchpost.measure.timing import TIME
from benchpost.suite import EMPTY_LOOP, Benchmark, Profile

#: Where a cell's numbers came from.
MEASURED, CACHED, RECORDED, FAILED = "measured", "cached", "recorded", "failed"


@dataclass(frozen=True)
class Cell:
    """One benchmark on one interpreter."""

    benchmark: Benchmark
    interpreter: str
    result: pyperf.Benchmark | None = None
    origin: str = MEASURED
    error: str = ""
    path: Path | None = None  # the pyperf JSON file behind the numbers
    warning: str = ""  # usable, but worth a warning (a stale recorded result)
    #: what the numbers are: the fingerprint of a measured result, the digest of a
    #: recorded file's bytes; "" for a failure. It names charts and published files.
    key: str = ""
    #: for a failure located in a file (a C compiler error): (path, line)
    located: tuple[str, int] | None = None
    #: for a failure that is the machine's, not the benchmark's (a tool is missing):
    #: the same for a whole column, so reported once
    machine: bool = False
    #: a recorded result whose benchmark or C code has changed since it was measured
    stale: bool = False
    #: for a failure to write the results cache (full, read-only): the same for the
    #: whole build, so reported once
    storage: bool = False

    @property
    def ok(self) -> bool:
        return self.result is not None

    def values(self) -> list[float]:
        return list(self.result.get_values()) if self.result else []

    def mean(self) -> float:
        values = self.values()
        return statistics.fmean(self.replicates() or values) if values else math.nan

    def stdev(self) -> float:
        values = self.values()
        return statistics.stdev(values) if len(values) > 1 else 0.0

    def metadata(self) -> dict[str, object]:
        return dict(self.result.get_metadata()) if self.result else {}

    def replicates(self, deterministic: bool = False) -> list[float]:
        """The independent numbers behind the cell: the mean of each process's
        values (values inside one process are not independent). For a
        ``deterministic`` metric (counts) measured in one run, its values; a
        single value twice, since it is exact (a zero-width interval)."""
        runs = [run.values for run in self.result.get_runs() if run.values] if self.result else []
        if deterministic and len(runs) == 1:
            values = list(runs[0])
            return values * 2 if len(values) == 1 else values
        return [statistics.fmean(values) for values in runs]

    def by_round(self) -> dict[int, float]:
        """Each process's mean by its round (measured in paired rounds; else {})."""
        found: dict[int, float] = {}
        for run in self.result.get_runs() if self.result else ():
            number = run.get_metadata().get(schema.ROUND)
            if run.values and isinstance(number, int):
                found[number] = statistics.fmean(run.values)
        return found


@dataclass(frozen=True)
class Estimate:
    """A value per call, possibly with the empty loop subtracted: its mean, the spread
    of its values, and the 95 % interval of the mean (see ``benchpost.stats``)."""

    mean: float
    stdev: float
    values: tuple[float, ...]
    low: float = -math.inf
    high: float = math.inf
    #: the empty loop's value subtracted: a cost, which may be nothing
    subtracted: bool = False

    @property
    def includes_zero(self) -> bool:
        """True if a subtracted cost's interval cannot tell it from nothing."""
        return self.subtracted and self.low <= 0 <= self.high


@dataclass(frozen=True)
class SetFacts:
    """A recorded set a table shows: its name (the machine's folder), what its files
    say of it, and its machine's speed figure (the baseline's empty loop)."""

    name: str
    measured_in: schema.MeasuredSet | None
    reference_loop: float | None = None
    reference: str = ""  # the interpreter the loop ran on ("CPython 3.11.7")


@dataclass(frozen=True)
class Fallback:
    """Why a table shows a recorded set, although this build measures: what this
    machine could not measure (one sentence each), and what it could."""

    reasons: tuple[str, ...]
    measurable: tuple[str, ...]


@dataclass(frozen=True)
class Results:
    """The measured grid for some benchmarks on the interpreters found here."""

    benchmarks: tuple[Benchmark, ...]
    interpreters: tuple[Column, ...]
    missing: tuple[InterpreterNotFound, ...]
    baseline: str  # the interpreter ratios are relative to
    profile: Profile
    cells: Mapping[tuple[Benchmark, str], Cell]
    metric: Metric = TIME
    #: the numbers of a frozen post, kept with it (see ``benchpost.sphinx.frozen``)
    frozen: bool = False
    #: the recorded sets the columns come from (none: measured here, in this run)
    sets: tuple[SetFacts, ...] = ()
    #: why the columns come from a recorded set although this build measures
    fallback: Fallback | None = None

    def cell(self, benchmark: Benchmark, interpreter: str) -> Cell:
        return self.cells[benchmark, interpreter]

    def interpreter(self, name: str) -> Column | None:
        return next((i for i in self.interpreters if i.name == name), None)

    def _replicates(self, cell: Cell) -> list[float]:
        return cell.replicates(self.metric.deterministic)

    def _ok(self, benchmark: Benchmark, interpreter: str) -> Cell | None:
        cell = self.cells.get((benchmark, interpreter))
        return cell if cell is not None and cell.ok else None

    def estimate(
        self, benchmark: Benchmark, interpreter: str, subtract_loop: bool = False
    ) -> Estimate | None:
        """The value per call; with ``subtract_loop``, minus the empty loop's mean."""
        cell = self._ok(benchmark, interpreter)
        if cell is None:  # failed, or the interpreter is missing
            return None
        values = tuple(cell.values())
        if subtract_loop and benchmark != EMPTY_LOOP:
            loop = self._ok(EMPTY_LOOP, interpreter)
            if loop is None:
                return None
            cost = stats.welch(self._replicates(cell), self._replicates(loop))
            offset = loop.mean()
            values = tuple(v - offset for v in values)
            low, high = cost.interval()
            spread = math.hypot(cell.stdev(), loop.stdev())
            return Estimate(cost.mean, spread, values, low, high, subtracted=True)
        mean = stats.mean_of(self._replicates(cell))
        low, high = mean.interval()
        return Estimate(mean.mean, cell.stdev(), values, low, high)

    def same_set(self, interpreter: str, reference: str | None = None) -> bool:
        """True if two columns come from one set (both measured here in this run, or
        both from one recorded set); only a table over several sets has others."""
        ours = self.interpreter(interpreter)
        theirs = self.interpreter(reference or self.baseline)
        if ours is None or theirs is None:
            return True
        return _set_id(ours) == _set_id(theirs)

    @property
    def across_sets(self) -> bool:
        """True for a table over several sets (its ratios across them are unpaired)."""
        return len(self.sets) > 1

    def ratio(
        self,
        benchmark: Benchmark,
        interpreter: str,
        reference: str | None = None,
        subtract_loop: bool = False,
    ) -> Comparison | None:
        """How ``interpreter`` compares with ``reference`` (default: the baseline)."""
        log_ratio = self._log_ratio(benchmark, interpreter, reference, subtract_loop)
        return None if log_ratio is None else Comparison.from_log(*log_ratio)

    def _widened(self, log_ratio: stats.Normalish) -> stats.Normalish:
        """Plus what varies between builds (the profile's ``between_builds``; times only:
        counts do not move between builds)."""
        if self.metric.deterministic:
            return log_ratio
        return stats.with_between_builds(log_ratio, self.profile.between_builds)

    def group_ratio(
        self,
        benchmarks: Sequence[Benchmark],
        interpreter: str,
        reference: str | None = None,
        subtract_loop: bool = False,
    ) -> Comparison | None:
        """The geometric mean of the ratios of ``benchmarks``, with its interval."""
        found = [
            r
            for b in benchmarks
            if (r := self._log_ratio(b, interpreter, reference, subtract_loop)) is not None
            and math.isfinite(r[0].mean)
        ]
        if not found:
            return None
        combined = stats.mean_log_ratio([r for r, _ in found])
        return Comparison.from_log(combined, all(paired for _, paired in found))

    def _log_ratio(
        self, benchmark: Benchmark, interpreter: str, reference: str | None, subtract_loop: bool
    ) -> tuple[stats.Normalish, bool] | None:
        """``log(reference / interpreter)`` and whether it came from paired rounds."""
        ours = self._ok(benchmark, interpreter)
        theirs = self._ok(benchmark, reference or self.baseline)
        if ours is None or theirs is None:
            return None
        if subtract_loop and benchmark != EMPTY_LOOP:
            our_cost = self.estimate(benchmark, interpreter, True)
            their_cost = self.estimate(benchmark, reference or self.baseline, True)
            if our_cost is None or their_cost is None:
                return None
            ours_loop = self._ok(EMPTY_LOOP, interpreter)
            theirs_loop = self._ok(EMPTY_LOOP, reference or self.baseline)
            assert ours_loop is not None and theirs_loop is not None  # estimate() checked
            return (
                self._widened(
                    stats.log_ratio_of_differences(
                        stats.welch(self._replicates(theirs), self._replicates(theirs_loop)),
                        stats.welch(self._replicates(ours), self._replicates(ours_loop)),
                    )
                ),
                False,
            )
        rounds = paired_rounds(theirs, ours)
        if rounds:
            reference_means, our_means = zip(*rounds, strict=True)
            return self._widened(stats.paired_log_ratio(reference_means, our_means)), True
        unpaired = stats.unpaired_log_ratio(self._replicates(theirs), self._replicates(ours))
        return self._widened(unpaired), False

    def between_benchmarks(
        self, benchmark: Benchmark, reference: Benchmark, interpreter: str
    ) -> Comparison | None:
        """How ``benchmark`` compares with ``reference`` on one interpreter (above 1:
        it takes less); unpaired (Welch on the logarithms), as two rows are."""
        ours, theirs = self._ok(benchmark, interpreter), self._ok(reference, interpreter)
        if ours is None or theirs is None:
            return None
        log_ratio = stats.unpaired_log_ratio(self._replicates(theirs), self._replicates(ours))
        return Comparison.from_log(self._widened(log_ratio), False)

    def unsteady(self, benchmark: Benchmark, interpreter: str) -> tuple[int, int]:
        """How many of the cell's processes were not steady, of how many (see
        ``steady.is_steady``); (0, 0) for a cell without processes."""
        cell = self._ok(benchmark, interpreter)
        if cell is None:
            return 0, 0
        runs = [run.values for run in cell.result.get_runs() if run.values]
        return sum(not steady.is_steady(v) for v in runs), len(runs)


def _set_id(column: Column) -> str:
    return column.measured_in.id if column.measured_in else ""


#: A cell is flagged when more than this share of its processes is not steady.
UNSTEADY_SHARE = 0.25


def paired_rounds(reference: Cell, other: Cell) -> list[tuple[float, float]]:
    """(reference, other) process means of the rounds both cells ran in together;
    [] unless they were measured in the same rounds (and at least two of them)."""
    pairing = schema.PAIRING
    if reference.metadata().get(pairing) != other.metadata().get(pairing) or not (
        reference.metadata().get(pairing)
    ):
        return []
    ours, theirs = reference.by_round(), other.by_round()
    common = sorted(ours.keys() & theirs.keys())
    return [(ours[r], theirs[r]) for r in common] if len(common) >= 2 else []


@dataclass(frozen=True)
class Comparison:
    """How one interpreter compares with a reference: ``speedup`` > 1 means faster,
    with its 95 % interval (``low``, ``high``); NaN if undefined."""

    speedup: float
    low: float = 0.0
    high: float = math.inf
    #: from paired rounds (False: measured apart, or a ratio of subtracted costs)
    paired: bool = False

    @classmethod
    def from_log(cls, log_ratio: stats.Normalish, paired: bool) -> Comparison:
        low, high = log_ratio.interval()
        return cls(_exp(log_ratio.mean), _exp(low), _exp(high), paired)

    @property
    def significant(self) -> bool:
        """True if the interval excludes 1: the data can tell which is faster."""
        return self.low > 1 or self.high < 1


def _exp(x: float) -> float:
    if math.isnan(x):
        return math.nan
    return math.exp(min(max(x, -700.0), 700.0))
