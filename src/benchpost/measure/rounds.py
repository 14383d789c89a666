"""Paired rounds of worker processes: how the ``time`` metric measures.

For one benchmark on several interpreters, benchpost runs *rounds*: in each
round one worker process per interpreter, back to back, in a fresh random
order; a ratio then comes from the rounds (``benchpost.stats``), so a
disturbance lasting seconds lands on both sides of it. Several benchmarks
measured together (a table's) share the rounds: each round visits them in a
random order, so every benchmark's rounds spread over the whole
measurement. After the profile's ``rounds`` (the pilot), more are run for the
benchmarks that need them (``measure.planning``: planned to the profile's
``target``, or while wider than its ``precision``), each process then taking
as many values as Kalibera & Jones's rule says pays off. One interpreter's
processes become one pyperf JSON file: one run per worker process, its round
in its metadata.
"""

from __future__ import annotations

import io
import math
import random
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyperf

from benchpost import schema
from benchpost.files import temp_dir
from benchpost.measure import allocation, machine, planning
from benchpost.measure.metric import Job
from benchpost.measure.process import MeasureError
from benchpost.measure.worker_process import run_worker
from benchpost.suite import Profile


@dataclass
class Side:
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


def measure_in_rounds(
    jobs: Sequence[Job], progress: Callable[[str], None] = print
) -> list[bytes | MeasureError]:
    """Benchmarks on several interpreters, in paired rounds (see the module doc): the
    pyperf JSON of each job, or why it failed.

    Every round visits every benchmark that still needs rounds, in a random
    order, and each benchmark's interpreters back to back in a random order:
    a benchmark's rounds are spread over the whole measurement, so a change
    of the machine's speed over tens of seconds lands inside its interval.
    """
    profile = jobs[0].profile
    pairing = secrets.token_hex(8)
    sides = [Side(job, values=profile.values) for job in jobs]
    benchmarks: dict[object, list[Side]] = {}
    for side in sides:
        benchmarks.setdefault(side.job.benchmark, []).append(side)
    rng = random.SystemRandom()
    started, planned = time.monotonic(), None
    with temp_dir(jobs[0].scratch, "rounds") as scratch:
        for number in range(1, profile.most_rounds + 1):
            if number == profile.rounds + 1:  # past the pilot: longer processes, a plan
                for group in benchmarks.values():
                    _size_processes([s for s in group if s.error is None], profile)
                if profile.target:
                    ends = min(job.budget_ends for job in jobs)
                    planned = planning.plan_rounds(benchmarks, profile, started, ends, progress)
            todo = [
                alive
                for key, group in benchmarks.items()
                if (alive := [s for s in group if s.error is None])
                and (
                    number <= profile.rounds
                    or planning.more_rounds(key, alive, number, profile, planned)
                )
            ]
            if not todo:
                break
            if planned is not None:
                planned.report(benchmarks, number, progress)
            elif number > 1:
                progress(f"  round {number}: {len(todo)} of {len(benchmarks)} benchmarks")
            rng.shuffle(todo)
            for group in todo:
                _one_round(group, number, rng, Path(scratch))
    if planned is not None:
        planned.summary(benchmarks, progress)
    return [side.error or _pyperf_json(side, pairing) for side in sides]


def _one_round(group: list[Side], number: int, rng: random.Random, scratch: Path) -> None:
    """One process per interpreter of one benchmark, back to back, in a random order."""
    order = list(group)
    rng.shuffle(order)
    for position, side in enumerate(order, 1):
        try:
            run = _fed_process(side, (number, position), rng, scratch)
        except MeasureError as exc:
            side.error = exc
            continue
        side.process_seconds.append(run.get_metadata()["duration"])
        side.runs.append(run)


def _fed_process(
    side: Side, round_: tuple[int, int], rng: random.Random, scratch: Path
) -> pyperf.Run:
    """One worker process that had its core to itself while timed.

    A process with less CPU time than ``machine.FULL_CORE`` of its wall time
    shared its core (another process ran on it): its times are too long. It
    is run again, at most ``STARVED_TRIES`` times in all, and the run kept
    says how many were thrown away (``schema.REMEASURED``). Under a profile
    for publishing, a process that never had its core is a ``MeasureError``
    (the cell says it could not be measured cleanly); a draft keeps the last
    try, and its note counts it.
    """
    for tries in range(1, STARVED_TRIES + 1):
        run = run_worker(
            side.job,
            loops=0,  # every process calibrates: a loop count is no constant of a build
            values=side.values,
            round_=round_,
            rng=rng,
            scratch=scratch,
        )
        share = float(run.get_metadata().get(schema.CPU_SHARE, 1.0))
        if share >= machine.FULL_CORE or tries == STARVED_TRIES:
            break
    if tries > 1:  # the kept run says how many were thrown away
        metadata = {**run.get_metadata(), schema.REMEASURED: tries - 1}
        run = pyperf.Run(run.values, warmups=run.warmups or None, metadata=metadata,
                         collect_metadata=False)  # fmt: skip
    if share >= machine.FULL_CORE:
        return run
    if side.job.profile.publish:
        raise MeasureError(
            f"its worker process never had its core to itself: {STARVED_TRIES} tries got "
            f"{share:.0%} of a core at most (another process runs on the measuring CPU); "
            f"measure again on a quiet machine"
        )
    return run


#: How many times a process that did not get its core is run in all.
STARVED_TRIES = 3


def _size_processes(sides: list[Side], profile: Profile) -> None:
    """Values per process for the extra rounds: Kalibera & Jones's optimum (see
    ``allocation.values_per_process``), never fewer than the profile's, at most 4x."""
    for side in sides:
        means = list(side.by_round().values())
        within = [statistics.variance(r.values) for r in side.runs if len(r.values) > 1]
        if len(means) < 2 or not within:
            continue
        value_cost = profile.min_time * 1.5  # a value takes min_time to 2x min_time
        process_cost = statistics.fmean(side.process_seconds) - side.values * value_cost
        best = allocation.values_per_process(
            means, statistics.fmean(within), side.values, process_cost, value_cost
        )
        if not math.isnan(best):  # inf (no variance between processes): the most values
            side.values = min(4 * profile.values, max(profile.values, math.ceil(min(best, 1e6))))


def _pyperf_json(side: Side, pairing: str) -> bytes:
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
