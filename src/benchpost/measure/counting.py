"""Counting instructions per loop iteration with valgrind's callgrind.

Wall-clock times on a shared machine move by tens of percent from run to
run; the number of instructions a loop executes does not. ``Counting.measure``
runs ``target/counter.py`` (the benchmark's loop in a plain script) in the target
interpreter under ``valgrind --tool=callgrind``, once: after the warm-up (in
which PyPy's JIT compiles the loop) it runs the loop with N, then 2N, then 4N
iterations, and callgrind writes out each loop's count separately. Each loop
has the same overhead around its iterations, so ``(count(2N) - count(N)) / N``
is the cost of one iteration alone; startup, imports, setup and warm-up are
not in any loop's count. A second value comes from 2N and 4N: on PyPy, where
the garbage collector's work falls unevenly on iterations, the two differ,
and their spread says by how much. (Until 2026-11 each size was a whole run
of its own; one run takes a third of the time, valgrind's startup being most
of it.) The result is pyperf JSON
(unit "integer") like every other result, so ``python -m pyperf stats`` and
``compare_to`` read it.

Counts are the same from run to run only if the memory layout is. PyPy's
C-API layer hashes object addresses, and its garbage collector's timing
follows the heap: with address-space randomisation on, its counts differ by
about 1% between runs, and even the size of the environment or the length
of a path moves some (``onearg(None)``: 289 or 300 instructions). So a
counted run gets the same conditions wherever it happens: randomisation off
(``setarch --addr-no-randomize``, where the system allows it), a fixed
environment (``counting_environ``) and a fixed hash seed, and the loop
script and the extension copied into a folder whose path is the same in
every checkout (``staged``).
"""

from __future__ import annotations

import datetime
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchpost import schema
from benchpost.digest import code_file_digest
from benchpost.files import temp_dir, writing
from benchpost.measure.callgrind import count_loops, staged, warmup_of
from benchpost.measure.metric import Job, Metric, distinct, format_count
from benchpost.measure.process import MeasureError
from benchpost.measure.valgrind import Valgrind, ValgrindNotFound, find_valgrind
from benchpost.suite import Profile
from benchpost.target import COUNTER, LOOP


def sizes_of(job: Job) -> list[int]:
    """Iterations of each counted loop: N, 2N, 4N ... (one loop more than values)."""
    return [job.counting.iterations * 2**k for k in range(job.counting.values + 1)]


@dataclass(frozen=True)
class Counting(Metric):
    """Instructions per loop iteration, from runs of different lengths under callgrind."""

    def cannot_measure_here(self) -> str:
        try:
            find_valgrind()
        except ValgrindNotFound as exc:
            return f"valgrind: {exc}"
        return ""

    def fingerprint_facts(self, job: Job) -> dict[str, object]:
        valgrind = find_valgrind()
        return {
            "counting": [
                job.counting.iterations,
                job.counting.values,
                warmup_of(job),
                valgrind.version,
                bool(valgrind.no_aslr),
                code_file_digest(COUNTER, LOOP),
            ]
        }

    def measure(self, job: Job) -> bytes:
        """Count one benchmark; pyperf JSON bytes, or ``MeasureError``."""
        valgrind = find_valgrind()
        started_at = datetime.datetime.now()
        started = time.monotonic()
        sizes = sizes_of(job)
        with staged(job) as folder:
            totals = count_loops(job, valgrind, sizes, folder)
        values = [
            (totals[k + 1] - totals[k]) / (sizes[k + 1] - sizes[k]) for k in range(len(sizes) - 1)
        ]
        if min(values) <= 0:
            raise MeasureError(
                f"callgrind counted fewer instructions for more iterations ({totals} for "
                f"{sizes}): the shorter loop paid for work the longer one did not (a garbage "
                f"collection, or the JIT still compiling): raise 'iterations' under "
                f"'instructions' in the suite file (and 'warmup' for {job.interpreter.kind})"
            )
        metadata = {
            **_metadata(job, valgrind),
            "date": started_at.isoformat(timespec="seconds"),
            "duration": time.monotonic() - started,
        }
        with temp_dir(job.scratch, "count") as scratch:
            result = Path(scratch, "result.json")
            run = pyperf.Run(values, metadata=metadata, collect_metadata=False)
            with writing(result):
                pyperf.Benchmark([run]).dump(str(result))
            return result.read_bytes()

    def format_value(self, value: float) -> str:
        text = format_count(value)
        return text if text == "n/a" else f"{text} {self.noun}"

    def format_estimate(self, mean: float, stdev: float) -> str:
        return f"{format_count(mean)} \u00b1 {format_count(stdev)}"

    def describe(
        self,
        metadata: Sequence[dict[str, object]],
        columns: Sequence,
        profile: Profile,
        when: str,
        machine: str,
    ) -> str:
        """How the counts were made: the tool, the runs, what cancels out."""
        interpreters = ", ".join(c.long_display for c in columns)
        valgrinds = distinct(m.get(schema.VALGRIND) for m in metadata)
        sizes = distinct(_thousands(m.get(schema.SIZES)) for m in metadata)
        warmups = ", ".join(f"{c.spec.label} {_warmups_of(metadata, c)}" for c in columns)
        aslr = (
            " Address-space randomisation was off."
            if all(m.get(schema.ASLR) == "off" for m in metadata)
            else ""
        )
        return (
            f"Instructions counted {when} on {machine}: {interpreters}; valgrind "
            f"{'/'.join(valgrinds)} (callgrind). Each benchmark ran once as a plain script: "
            f"after warm-up iterations ({warmups}), loops of {' or '.join(sizes)} "
            f"iterations one after another, each counted apart; a value is the difference "
            f"between two successive loops' counts per iteration, so startup, imports, "
            f"setup and the JIT's warm-up are not in it.{aslr}"
        )


INSTRUCTIONS = Counting(
    name="instructions",
    quantity="instructions per loop iteration",
    better="fewer",
    worse="more",
    same="same count",
    noun="instructions",
    pyperf_unit="integer",
    plural="instruction counts",
    same_as="about as many instructions as",
    file_tag="instructions",
    parallel=True,
    deterministic=True,
    doing="counting instructions of",
    done="counted",
)


def _thousands(sizes: object) -> str:
    # "20000/40000/80000" -> "20,000/40,000/80,000"
    return "/".join(f"{int(n):,}" for n in str(sizes).split("/")) if sizes else ""


def _warmups_of(metadata: Sequence[dict[str, object]], column) -> str:
    mine = [m for m in metadata if m.get(schema.INTERPRETER) == column.display]
    found = distinct(f"{m[schema.WARMUP]:,}" for m in mine if schema.WARMUP in m)
    return "/".join(found) or "?"


def _metadata(job: Job, valgrind: Valgrind) -> dict[str, object]:
    """What the result file says about how it was counted (pyperf metadata)."""
    interp = job.interpreter
    return {
        "name": job.benchmark.name,
        "unit": INSTRUCTIONS.pyperf_unit,
        "loops": job.counting.iterations,
        "perf_version": pyperf.__version__,
        "cpu_count": os.cpu_count() or 1,
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python_executable": interp.executable,
        "python_implementation": interp.kind,
        "python_version": interp.python_version,
        **_cpu_model(),
        **schema.job_metadata(
            job,
            **{
                schema.METRIC: INSTRUCTIONS.name,
                schema.VALGRIND: valgrind.version,
                schema.WARMUP: warmup_of(job),
                schema.SIZES: "/".join(str(n) for n in sizes_of(job)),
                schema.ASLR: "off" if valgrind.no_aslr else "on",
            },
        ),
    }


def _cpu_model() -> dict[str, str]:
    # The CPU model, as pyperf records it with times (Linux only).
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return {"cpu_model_name": line.split(":", 1)[1].strip()}
    except OSError:
        pass
    return {}
