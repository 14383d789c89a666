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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyperf

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

    @property
    def ok(self) -> bool:
        return self.result is not None

    def values(self) -> list[float]:
        return list(self.result.get_values()) if self.result else []

    def mean(self) -> float:
        return self.result.mean() if self.result else math.nan

    def stdev(self) -> float:
        values = self.values()
        return statistics.stdev(values) if len(values) > 1 else 0.0

    def metadata(self) -> dict[str, object]:
        return dict(self.result.get_metadata()) if self.result else {}


@dataclass(frozen=True)
class Estimate:
    """A value per call with its spread, possibly with the empty loop subtracted."""

    mean: float
    stdev: float
    values: tuple[float, ...]


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

    def cell(self, benchmark: Benchmark, interpreter: str) -> Cell:
        return self.cells[benchmark, interpreter]

    def interpreter(self, name: str) -> Column | None:
        return next((i for i in self.interpreters if i.name == name), None)

    def estimate(
        self, benchmark: Benchmark, interpreter: str, subtract_loop: bool = False
    ) -> Estimate | None:
        """The value per call; with ``subtract_loop``, minus the empty loop's mean."""
        cell = self.cells.get((benchmark, interpreter))
        if cell is None or not cell.ok:  # failed, or the interpreter is missing
            return None
        values = tuple(cell.values())
        mean, stdev = cell.mean(), cell.stdev()
        if subtract_loop and benchmark != EMPTY_LOOP:
            loop = self.cells.get((EMPTY_LOOP, interpreter))
            if loop is None or not loop.ok:
                return None
            offset = loop.mean()
            values = tuple(v - offset for v in values)
            mean, stdev = mean - offset, math.hypot(stdev, loop.stdev())
        return Estimate(mean, stdev, values)

    def paired(self, interpreter: str, reference: str | None = None) -> bool:
        """True if two columns were measured together (both here, or recorded in the same
        place on the same day); a ratio between others mixes machines or days."""
        ours = self.interpreter(interpreter)
        theirs = self.interpreter(reference or self.baseline)
        return ours is None or theirs is None or ours.provenance == theirs.provenance

    def ratio(
        self,
        benchmark: Benchmark,
        interpreter: str,
        reference: str | None = None,
        subtract_loop: bool = False,
    ) -> Comparison | None:
        """How ``interpreter`` compares with ``reference`` (default: the baseline)."""
        reference = reference or self.baseline
        ours = self.estimate(benchmark, interpreter, subtract_loop)
        theirs = self.estimate(benchmark, reference, subtract_loop)
        if ours is None or theirs is None:
            return None
        return compare(theirs, ours)


@dataclass(frozen=True)
class Comparison:
    """``speedup`` > 1 means faster than the reference; NaN if undefined."""

    speedup: float
    significant: bool


def compare(reference: Estimate, other: Estimate) -> Comparison:
    """Speed-up of ``other`` over ``reference`` and pyperf's significance test."""
    # A subtracted loop can leave nothing (or less) to compare: NaN, shown as n/a.
    usable = reference.mean > 0 and other.mean > 0
    speedup = reference.mean / other.mean if usable else math.nan
    return Comparison(speedup, is_significant(reference.values, other.values))


def is_significant(first: tuple[float, ...], second: tuple[float, ...]) -> bool:
    """pyperf's two-sample t-test (95%); too few values count as significant.

    pyperf exposes the test only in a private module; it is imported here, in
    one place, so that a pyperf change breaks one function.
    """
    from pyperf._utils import is_significant as pyperf_t_test

    if len(first) < 2 or len(second) < 2:
        return True
    if statistics.pstdev(first) == 0 and statistics.pstdev(second) == 0:
        return first[0] != second[0]
    try:
        return bool(pyperf_t_test(first, second)[0])
    except (ArithmeticError, ValueError):
        return True
