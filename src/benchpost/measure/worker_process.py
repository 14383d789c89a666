"""One timing worker process: its spec, its environment, its values.

The worker (``target/worker.py``) runs inside the measured interpreter; this
module writes what it reads, starts it as every target process is started
(``process.run_isolated``, pinned to one processor), varies what must not
matter (the environment's size, the hash seed), and reads its values back
as one pyperf run with what it saw of the machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shlex
import time
from pathlib import Path

import pyperf

from benchpost import schema
from benchpost.files import writing
from benchpost.measure import machine
from benchpost.measure.metric import Job
from benchpost.measure.process import MeasureError, run_isolated
from benchpost.target import WORKER

#: The environment of each process grows by 0 to this many bytes, at random.
MAX_PADDING = 4096


def measuring_cpu() -> int | None:
    """The processor every timed process runs on: the last one this process may use.

    On this 2-core VM a worker left to the scheduler ran 1.4-1.8x slower in
    a third to half of the processes, in spells of a second or two, and both
    sides of a round did not always share the spell; pinned to one processor,
    the slow spells all but went (relative spread of process means 8-13 %
    instead of 20-31 %). The last processor, because the kernel's
    housekeeping tends to the first.
    """
    allowed = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    return max(allowed) if len(allowed) > 1 else None


def run_worker(
    job: Job,
    *,
    loops: int,
    values: int,
    round_: tuple[int, int],
    rng: random.Random,
    scratch: Path,
    warmups: int | None = None,
) -> pyperf.Run:
    """Run one worker process (``loops`` 0: it calibrates); its values as a pyperf run,
    with its round and place in it, and what it saw of the machine, in its metadata.
    ``warmups`` defaults to the profile's."""
    interp = job.interpreter
    number, position = round_
    output = scratch / f"{job.interpreter.name}-{number}.json"
    spec_path = scratch / f"{job.interpreter.name}-{number}.spec.json"
    warmups = job.profile.warmups_for(interp.kind) if warmups is None else warmups
    _write_spec(spec_path, job, loops, values, warmups, rng.uniform(1.0, 1.5), output)
    padding, seed = rng.randrange(MAX_PADDING), rng.randrange(2**32)
    env = interp.environ(
        PYTHONHASHSEED=str(seed),
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ beside the worker script
        BENCHPOST_PADDING="x" * padding,
    )
    command = [*interp.argv, str(WORKER), str(spec_path)]
    cpu = measuring_cpu()
    before, started = machine.sample(), time.monotonic()
    run_isolated(command, env, job.timeout, cwd=scratch, cpu=cpu)
    duration = time.monotonic() - started
    after = machine.sample()
    found = _read_result(output, command)
    times = [float(v) for v in found["values"]]
    tries = [(int(n), float(v)) for n, v in found["calibration"] + found["warmups"]] or None
    metadata = {
        "loops": int(found["loops"]),
        "date": dt.datetime.now().isoformat(" ", "seconds"),
        "duration": round(duration, 4),
        schema.ROUND: number,
        schema.POSITION: position,
        schema.PADDING: padding,
        schema.HASH_SEED: seed,
        **({schema.CPU: cpu} if cpu is not None else {}),
        schema.CPU_SHARE: round(min(float(found.get("cpu_share", 1.0)), 9.99), 3),
        **machine.load_between(before, after),
    }
    return pyperf.Run(times, warmups=tries, metadata=metadata, collect_metadata=False)


def _write_spec(path: Path, job: Job, loops: int, values: int, warmups: int, stretch: float,
                output: Path) -> None:  # fmt: skip
    """What the worker script reads: the benchmark, how long to run it, where to write."""
    spec = {
        "setup": job.benchmark.setup,
        "code": job.benchmark.code,
        "path": [str(job.extension_dir)] if job.extension_dir else [],
        "loops": loops,
        "stretch": stretch,
        "min_time": job.profile.min_time,
        "warmups": warmups,
        "values": values,
        "output": str(output),
    }
    with writing(path):
        path.write_text(json.dumps(spec), encoding="utf-8")


def _read_result(output: Path, command: list[str]) -> dict:
    """What the worker wrote (and then its file is gone); ``MeasureError`` if nothing
    usable."""
    try:
        found = json.loads(output.read_text(encoding="utf-8"))
        output.unlink()
    except (OSError, ValueError):
        raise MeasureError(f"the worker wrote no result\n$ {shlex.join(command)}") from None
    times = [float(v) for v in found.get("values", [])]
    if not times or min(times) <= 0:
        raise MeasureError(f"the worker's values are not times: {times[:3]}")
    return found
