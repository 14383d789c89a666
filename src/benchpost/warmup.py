"""``python -m benchpost warmup``: how many warm-up values a benchmark needs.

It runs a few worker processes of one benchmark on one interpreter with no
warm-up at all and many values each (the loop count calibrated once,
beforehand, in a process of its own), draws every process's values in order
(as krun's warm-up plots do), and says from which value on every process
stays at its steady level (``steady.warmup_needed``). The profiles' ``warmups``
for PyPy come from this, not from a guess.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchpost import steady
from benchpost.files import atomic_write_bytes, temp_dir
from benchpost.measure.timing import format_time, time_unit
from benchpost.measure.worker_process import run_worker
from benchpost.store import ResultStore
from benchpost.suite import Benchmark


@dataclass(frozen=True)
class WarmupCurves:
    """The values of several fresh processes, in the order they were taken."""

    benchmark: Benchmark
    interpreter: str  # as shown: "PyPy 7.3.11"
    loops: int  # loop iterations per value
    processes: tuple[tuple[float, ...], ...]
    needed: int  # warm-up values every process needs (steady.warmup_needed)
    configured: int  # what the profile uses now

    def verdict(self, profile: str) -> str:
        """One sentence: what the data says, against what the profile does."""
        advice = (
            "enough"
            if self.configured >= self.needed
            else f"too few: set warmups {self.needed} or more"
        )
        return (
            f"{self.benchmark.name} on {self.interpreter}: {len(self.processes)} processes "
            f"settle after {self.needed} warm-up values of {self.loops:,} loop iterations; "
            f"the profile {profile!r} uses {self.configured} ({advice})."
        )


def measure_curves(
    store: ResultStore,
    bench: Benchmark,
    interpreter: str,
    processes: int = 5,
    values: int = 60,
    progress: Callable[[str], None] = print,
) -> WarmupCurves:
    """Run the processes (raises ``MeasureError``, ``InterpreterNotFound``, ``BuildError``)."""
    job = store.job(bench, interpreter)
    rng = random.SystemRandom()
    with temp_dir(job.scratch, "warmup") as folder:
        scratch = Path(folder)
        progress(f"calibrating the loop count of {bench.name} on {job.interpreter.display}")
        first = run_worker(job, loops=0, values=1, round_=(0, 1), rng=rng, scratch=scratch)
        curves = []
        for number in range(1, processes + 1):
            progress(f"process {number}/{processes}: {values} values, no warm-up")
            run = run_worker(
                job,
                loops=first.get_loops(),
                values=values,
                warmups=0,
                round_=(number, 1),
                rng=rng,
                scratch=scratch,
            )
            curves.append(tuple(run.values))
    return WarmupCurves(
        bench,
        job.interpreter.display,
        first.get_loops(),
        tuple(curves),
        steady.warmup_needed(curves),
        store.profile.warmups_for(job.interpreter.kind),
    )


def draw_curves(curves: WarmupCurves) -> bytes:
    """The chart: one line per process, value number across, time per iteration up."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    largest = max(max(c) for c in curves.processes)
    scale, unit = time_unit(largest)
    with matplotlib.rc_context({"font.size": 10, "text.parse_math": False}):
        figure = Figure(figsize=(7, 3.6), layout="constrained")
        axes = figure.subplots()
        for number, values in enumerate(curves.processes, 1):
            axes.plot(
                range(len(values)),
                [v / scale for v in values],
                marker=".",
                linewidth=0.8,
                label=f"process {number}",
            )
        axes.axvline(curves.needed - 0.5, color="#333333", linestyle="--", linewidth=0.8)
        axes.annotate(
            f"steady from value {curves.needed}",
            (curves.needed - 0.5, largest / scale),
            xytext=(4, -4),
            textcoords="offset points",
            va="top",
            fontsize=9,
        )
        axes.set_xlabel(f"value number (each {curves.loops:,} loop iterations)")
        axes.set_ylabel(f"time per iteration ({unit})")
        axes.set_ylim(bottom=0)
        axes.set_title(f"{curves.benchmark.group}/{curves.benchmark.name} on {curves.interpreter}")
        axes.grid(color="#dddddd")
        axes.legend(fontsize=8, frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return buffer.getvalue()


def write_chart(curves: WarmupCurves, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, draw_curves(curves))
    return path


def describe_levels(curves: WarmupCurves) -> str:
    """Each process's first value and steady level, for the terminal."""
    lines = []
    for number, values in enumerate(curves.processes, 1):
        level = sorted(values[len(values) // 2 :])[len(values[len(values) // 2 :]) // 2]
        lines.append(
            f"  process {number}: first value {format_time(values[0])}, "
            f"steady level {format_time(level)}"
        )
    return "\n".join(lines)
