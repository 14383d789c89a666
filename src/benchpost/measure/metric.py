"""What a metric is: the protocol every way of measuring a loop follows.

A metric turns one benchmark on one interpreter into pyperf JSON (one value
per loop iteration). Each metric lives in a module of its own
(``timing.py``: wall-clock time with pyperf; ``counting.py``: instructions
with callgrind) and is registered in ``registry.py``; nothing else in
benchpost asks which metric it holds. A metric provides:

- its words: what a value is, how a ratio reads ("faster"/"fewer"), its
  unit, how a value is formatted;
- ``cannot_measure_here()``: why it cannot run on this machine ("" if it can);
- ``fingerprint_facts(job)``: what, besides the benchmark, the extension and
  the interpreter, can change its numbers (part of every result's name);
- ``measure(job)``: the pyperf JSON bytes, or ``MeasureError``;
- ``measure_together(jobs)``: one benchmark on several interpreters at
  once (times take them in paired rounds; by default, one after another);
- ``parallel``: whether two measurements may run side by side;
- ``describe(...)``: the note under a table, saying how the numbers were made.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchpost.measure.process import MeasureError
from benchpost.suite import Benchmark, Counting, Profile

if TYPE_CHECKING:
    from benchpost.measure.interpreters import Interpreter
    from benchpost.schema import MeasuredSet


@dataclass(frozen=True)
class Job:
    """Everything a metric needs to measure one benchmark on one interpreter."""

    benchmark: Benchmark
    interpreter: Interpreter
    extension_dir: Path | None  # put on sys.path: the compiled C extension (if any)
    code_digest: str  # of the benchmark and C sources, to tell stale recordings
    profile: Profile
    counting: Counting
    timeout: float
    scratch: Path  # a folder for temporary files
    #: the set the result joins (written into it; never part of its fingerprint)
    measured_in: MeasuredSet | None = None
    #: when the command's budget for rounds ends (``time.monotonic``; the profile's
    #: ``budget`` counts from the command's start, for every measurement it makes)
    budget_ends: float = math.inf


@dataclass(frozen=True)
class Metric:
    """One kind of number per loop iteration; lower is better for every metric."""

    name: str
    #: what a value is, for legends and chart axes
    quantity: str
    #: a ratio's words: "2.1x faster" / "1.5x slower", "2.1x fewer" / "1.5x more"
    better: str
    worse: str
    same: str
    #: what a ratio counts, for a ratio quoted in a sentence ("3x fewer instructions")
    noun: str
    #: pyperf's unit for the values
    pyperf_unit: str
    #: the values in a sentence: "times", "instruction counts"
    plural: str = ""
    #: an interval that includes 1, in a sentence that names the other side
    same_as: str = "about the same as"
    #: in result file names: "" for the default metric, else e.g. "instructions"
    file_tag: str = ""
    #: True if the machine's load cannot change its numbers (run side by side)
    parallel: bool = False
    #: True if a value measured once is exact (counts in fixed conditions): one value
    #: then gives an interval of width 0, not an unknown one
    deterministic: bool = False
    #: progress words: "measuring" / "measured"
    doing: str = "measuring"
    done: str = "measured"

    def cannot_measure_here(self) -> str:
        """What is missing to measure this metric on this machine ("valgrind: ..."); ""
        if nothing is."""
        return ""

    def fingerprint_facts(self, job: Job) -> dict[str, object]:
        """What can change this metric's numbers beyond benchmark, extension, interpreter."""
        raise NotImplementedError

    def measure(self, job: Job) -> bytes:
        """Measure one benchmark: pyperf JSON bytes, or ``MeasureError``."""
        raise NotImplementedError

    def measure_together(
        self, jobs: Sequence[Job], progress: Callable[[str], None] = print
    ) -> list[bytes | MeasureError]:
        """Measure one benchmark on several interpreters: a result or an error each."""
        results: list[bytes | MeasureError] = []
        for job in jobs:
            try:
                results.append(self.measure(job))
            except MeasureError as exc:
                results.append(exc)
        return results

    def measured_seconds(self, result: object) -> float:
        """Of a result's making, the seconds spent in measured values (0 if not timed)."""
        return 0.0

    def axis_unit(self, largest: float) -> tuple[float, str]:
        """The scale of a chart's axis for values up to ``largest``, and its unit."""
        return 1.0, ""

    def format_value(self, value: float) -> str:
        """One value with its unit: ``"35.2 ns"``, ``"2,310 instructions"``."""
        raise NotImplementedError

    def format_estimate(self, mean: float, stdev: float) -> str:
        """``"35.2 ns ± 1.1 ns"``, ``"2,310 ± 4"``."""
        raise NotImplementedError

    def describe(
        self,
        metadata: Sequence[dict[str, object]],
        columns: Sequence[object],
        profile: Profile,
        when: str,
        machine: str,
    ) -> str:
        """The note's sentence on how the values of ``columns`` were made here."""
        raise NotImplementedError


def format_count(count: float) -> str:
    """``2310.4`` -> ``"2,310"``: counted things are whole; a fraction is noise."""
    if not math.isfinite(count):
        return "n/a"
    return f"{count:,.0f}"


def distinct(values: object) -> list[str]:
    """The distinct non-empty values, as sorted text (for notes)."""
    return sorted({str(v) for v in values if v})  # type: ignore[attr-defined]
