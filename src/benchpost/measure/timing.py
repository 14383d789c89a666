"""The ``time`` metric: wall-clock time per loop iteration, in paired rounds.

benchpost runs the worker processes itself (``target/worker.py``, standard
library only, nothing installed into the target), in paired rounds
(``measure.rounds``). Whatever the speed must not depend on is varied from
process to process, so that a mode tied to it shows up as spread inside one
build instead of as a jump between builds: the environment's size (it moves
the stack), the hash seed, the place in the round, the loop count (every
process calibrates its own: doubling until a value takes ``min_time``, then
sized for ``min_time`` times a random factor in [1, 1.5)).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyperf

from benchpost.digest import code_file_digest
from benchpost.measure.metric import Job, Metric
from benchpost.measure.process import MeasureError
from benchpost.measure.rounds import measure_in_rounds
from benchpost.suite import Profile
from benchpost.target import LOOP, WORKER

_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "\u00b5s"), (1e-9, "ns"))


def time_unit(seconds: float) -> tuple[float, str]:
    """The unit that shows ``seconds`` with 1 to 3 digits before the point."""
    magnitude = abs(seconds)
    for scale, name in _UNITS:
        if magnitude >= scale:
            return scale, name
    return _UNITS[-1]


def format_time(seconds: float, unit: tuple[float, str] | None = None) -> str:
    """``3.52e-8`` -> ``"35.2 ns"`` (three significant digits)."""
    if not math.isfinite(seconds):
        return "n/a"
    scale, name = unit or time_unit(seconds)
    value = seconds / scale
    if unit is None and abs(value) >= 1000:  # beyond seconds: not 300 digits
        return f"{value:.3g} {name}"
    # Three significant digits; the bounds allow for rounding (9.999 -> "10.0").
    digits = 2 if abs(value) < 9.995 else 1 if abs(value) < 99.95 else 0
    return f"{value:.{digits}f} {name}"


@dataclass(frozen=True)
class Timing(Metric):
    """Seconds per loop iteration, from worker processes in paired rounds."""

    def fingerprint_facts(self, job: Job) -> dict[str, object]:
        profile = job.profile
        return {
            "profile": [
                profile.rounds,
                profile.max_rounds,
                profile.precision,
                profile.values,
                profile.min_time,
                profile.warmups_for(job.interpreter.kind),
                # only where set: the results of every other profile keep their keys
                *([profile.target, profile.budget] if profile.target else []),
            ],
            "pyperf": pyperf.__version__,
            "worker": code_file_digest(WORKER, LOOP),
        }

    def measure(self, job: Job) -> bytes:
        """Measure one benchmark on one interpreter alone; the pyperf JSON."""
        (result,) = self.measure_together([job], lambda message: None)
        if isinstance(result, MeasureError):
            raise result
        return result

    def measure_together(
        self, jobs: Sequence[Job], progress: Callable[[str], None] = print
    ) -> list[bytes | MeasureError]:
        """Benchmarks on several interpreters, in paired rounds (``measure.rounds``)."""
        return measure_in_rounds(jobs, progress)

    def measured_seconds(self, result: object) -> float:
        runs = result.get_runs() if isinstance(result, pyperf.Benchmark) else []
        return sum(sum(r.values) * r.get_metadata().get("loops", 1) for r in runs)

    def axis_unit(self, largest: float) -> tuple[float, str]:
        return time_unit(largest)

    def format_value(self, value: float) -> str:
        return format_time(value)

    def format_estimate(self, mean: float, stdev: float) -> str:
        unit = time_unit(mean)
        return f"{format_time(mean, unit)} \u00b1 {format_time(stdev, unit)}"

    def describe(
        self,
        metadata: Sequence[dict[str, object]],
        columns: Sequence,
        profile: Profile,
        when: str,
        machine: str,
    ) -> str:
        interpreters = ", ".join(c.long_display for c in columns)
        warmups = ", ".join(f"{c.spec.label} {profile.warmups_for(c.kind)}" for c in columns)
        rounds = (
            f"{profile.rounds} to {profile.max_rounds} rounds"
            if profile.max_rounds > profile.rounds
            else f"{profile.rounds} rounds"
        )
        return (
            f"Measured {when} on {machine}: {interpreters}; profile \u201c{profile.name}\u201d, "
            f"{rounds} (each round one worker process per interpreter, back to back, "
            f"in random order), {profile.values} or more values per process of at least "
            f"{format_time(profile.min_time)} each, after warm-up values ({warmups})."
        )


TIME = Timing(
    name="time",
    quantity="time per loop iteration",
    better="faster",
    worse="slower",
    same="same speed",
    noun="",
    pyperf_unit="second",
    plural="times",
    same_as="about as fast as",
)
