"""The ``time`` metric: wall-clock time per loop iteration, in paired rounds.

benchpost runs the worker processes itself (``target/worker.py``, standard
library only, nothing installed into the target). For one benchmark on
several interpreters it runs *rounds*: in each round one process per
interpreter, back to back, in a fresh random order; a ratio then comes from
the rounds (``benchpost.stats``), so a disturbance lasting seconds lands on
both sides of it. Whatever the speed must not depend on is varied from
process to process, so that a mode tied to it shows up as spread inside one
build instead of as a jump between builds: the environment's size (it moves
the stack), the hash seed, the place in the round, the loop count.

Several benchmarks measured together (a table's) share the rounds: each
round visits them in a random order, so every benchmark's rounds spread over
the whole measurement. Every process calibrates its own loop count (doubling
until a value takes ``min_time``, then sized for ``min_time`` times a random
factor in [1, 1.5)), so that no count is a constant of the build. After the profile's
``rounds``, more are run for the benchmarks whose ratio's interval is wider
than the profile's ``precision``, each process then taking as many values as
Kalibera & Jones's rule says pays off.

Results stay pyperf JSON, one file per benchmark and interpreter: one run
per worker process, in the order measured, its round in its metadata.
"""

from __future__ import annotations

import io
import math
import random
import secrets
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyperf

from benchpost import schema, stats
from benchpost.digest import code_file_digest
from benchpost.files import temp_dir
from benchpost.measure import machine
from benchpost.measure.metric import Job, Metric
from benchpost.measure.process import MeasureError
from benchpost.measure.worker_process import run_worker
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


@dataclass
class _Side:
    """One interpreter's share of the rounds, filled while measuring."""

    job: Job
    values: int = 0
    runs: list[pyperf.Run] = field(default_factory=list)
    error: MeasureError | None = None
    #: wall time of each process, and of its values alone (for the next rounds' sizes)
    process_seconds: list[float] = field(default_factory=list)

    def by_round(self) -> dict[int, float]:
        """The mean of each process's values, by round."""
        return {int(r.get_metadata()[schema.ROUND]): statistics.fmean(r.values) for r in self.runs}


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
        """Benchmarks on several interpreters, in paired rounds (see the module doc).

        Every round visits every benchmark that still needs rounds, in a random
        order, and each benchmark's interpreters back to back in a random order:
        a benchmark's rounds are spread over the whole measurement, so a change
        of the machine's speed over tens of seconds lands inside its interval.
        """
        profile = jobs[0].profile
        pairing = secrets.token_hex(8)
        sides = [_Side(job, values=profile.values) for job in jobs]
        benchmarks: dict[object, list[_Side]] = {}
        for side in sides:
            benchmarks.setdefault(side.job.benchmark, []).append(side)
        rng = random.SystemRandom()
        with temp_dir(jobs[0].scratch, "rounds") as scratch:
            for number in range(1, profile.most_rounds + 1):
                todo = [
                    alive
                    for group in benchmarks.values()
                    if (alive := [s for s in group if s.error is None])
                    and (number <= profile.rounds or not _precise(alive, profile))
                ]
                if not todo:
                    break
                if number > 1:
                    progress(f"  round {number}: {len(todo)} of {len(benchmarks)} benchmarks")
                rng.shuffle(todo)
                for group in todo:
                    if number == profile.rounds + 1:
                        _size_processes(group, profile)
                    _one_round(group, number, rng, Path(scratch))
        return [side.error or _pyperf_json(side, pairing) for side in sides]

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


def _one_round(group: list[_Side], number: int, rng: random.Random, scratch: Path) -> None:
    """One process per interpreter of one benchmark, back to back, in a random order."""
    order = list(group)
    rng.shuffle(order)
    for position, side in enumerate(order, 1):
        try:
            run = run_worker(
                side.job,
                loops=0,  # every process calibrates: a loop count is no constant of a build
                values=side.values,
                round_=(number, position),
                rng=rng,
                scratch=scratch,
            )
        except MeasureError as exc:
            side.error = exc
            continue
        side.process_seconds.append(run.get_metadata()["duration"])
        side.runs.append(run)


def _precise(sides: list[_Side], profile: Profile) -> bool:
    """True if no paired ratio needs more rounds: its 95 % interval from the rounds is
    within ``precision``, or the rounds' own uncertainty is already below half of
    what varies between builds (``between_builds``), which more rounds cannot shrink."""
    if profile.precision <= 0:
        return True
    enough = math.log1p(profile.between_builds) / 2
    for i, first in enumerate(sides):
        for second in sides[i + 1 :]:
            a, b = first.by_round(), second.by_round()
            common = sorted(a.keys() & b.keys())
            log_ratio = stats.paired_log_ratio([a[r] for r in common], [b[r] for r in common])
            low, high = log_ratio.interval()
            if math.expm1((high - low) / 2) > profile.precision and log_ratio.se > enough:
                return False
    return True


def _size_processes(sides: list[_Side], profile: Profile) -> None:
    """Values per process for the extra rounds: Kalibera & Jones's optimum (see
    ``stats.values_per_process``), never fewer than the profile's, at most 4x."""
    for side in sides:
        means = list(side.by_round().values())
        within = [statistics.variance(r.values) for r in side.runs if len(r.values) > 1]
        if len(means) < 2 or not within:
            continue
        value_cost = profile.min_time * 1.5  # a value takes min_time to 2x min_time
        process_cost = statistics.fmean(side.process_seconds) - side.values * value_cost
        best = stats.values_per_process(
            means, statistics.fmean(within), side.values, process_cost, value_cost
        )
        if not math.isnan(best):  # inf (no variance between processes): the most values
            side.values = min(4 * profile.values, max(profile.values, math.ceil(min(best, 1e6))))


def _pyperf_json(side: _Side, pairing: str) -> bytes:
    """The pyperf JSON of one interpreter's runs (one pyperf run per worker process)."""
    job = side.job
    common = {
        "name": job.benchmark.name,
        "unit": "second",
        "perf_version": pyperf.__version__,
        schema.PAIRING: pairing,
        **machine.system_metadata(),
        **schema.job_metadata(job, **{schema.PROFILE: job.profile.name, schema.METRIC: "time"}),
    }
    runs = [
        pyperf.Run(
            run.values,
            warmups=run.warmups or None,
            metadata={**common, **run.get_metadata()},
            collect_metadata=False,
        )
        for run in side.runs
    ]
    text = io.StringIO()
    pyperf.BenchmarkSuite([pyperf.Benchmark(runs)]).dump(text)
    return text.getvalue().encode("utf-8")


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
