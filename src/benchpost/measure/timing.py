"""The ``time`` metric: wall-clock time per loop iteration, with pyperf.

The target interpreter runs ``target/worker.py`` as pyperf's master, which
spawns its own workers. Nothing is installed into the target: pyperf (the
very copy, and so the very version, that runs benchpost; it is pure Python)
and the compiled extension are put on the worker's ``PYTHONPATH``, which
pyperf passes on to its worker processes.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchpost import schema
from benchpost.digest import code_file_digest
from benchpost.measure.interpreters import clean_environ
from benchpost.measure.metric import Job, Metric, distinct
from benchpost.measure.process import MeasureError, run_isolated
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


def pyperf_options(profile: Profile, kind: str) -> list[str]:
    """The pyperf command-line options a profile asks for, for an interpreter kind."""
    return [
        "--processes",
        str(profile.processes),
        "--values",
        str(profile.values),
        "--warmups",
        str(profile.warmups_for(kind)),
        "--min-time",
        repr(profile.min_time),
    ]


def pyperf_shim(root: Path) -> Path:
    """A folder holding only our pyperf (package and metadata), for PYTHONPATH.

    Putting all of our site-packages there would hand CPython-only modules to
    PyPy; the metadata is needed because pyperf looks up its entry points.
    """
    dist = importlib.metadata.distribution("pyperf")
    package = Path(pyperf.__file__).parent
    metadata_dir = Path(
        str(dist.locate_file(next(f for f in dist.files or () if f.name == "METADATA")))
    ).parent
    shim = root / f"pyperf-{dist.version}"
    shim.mkdir(parents=True, exist_ok=True)
    for source in (package, metadata_dir):
        link = shim / source.name
        if not link.exists():
            with contextlib.suppress(FileExistsError):
                link.symlink_to(source, target_is_directory=True)
    return shim


@dataclass(frozen=True)
class Timing(Metric):
    """Seconds per loop iteration, from pyperf worker processes."""

    def fingerprint_facts(self, job: Job) -> dict[str, object]:
        profile = job.profile
        return {
            "profile": [
                profile.processes,
                profile.values,
                profile.min_time,
                profile.warmups_for(job.interpreter.kind),
            ],
            "pyperf": pyperf.__version__,
            "worker": code_file_digest(WORKER, LOOP),
        }

    def measure(self, job: Job) -> bytes:
        """Run pyperf for one benchmark; the pyperf JSON, or ``MeasureError``."""
        job.scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=job.scratch, prefix="measure-") as scratch:
            spec_path = Path(scratch, "spec.json")
            output = Path(scratch, "result.json")
            spec = {
                "name": job.benchmark.name,
                "setup": job.benchmark.setup,
                "code": job.benchmark.code,
                "path": [str(job.extension_dir)] if job.extension_dir else [],
                "metadata": schema.job_metadata(job, **{schema.PROFILE: job.profile.name}),
            }
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            command = [
                job.interpreter.command_path,
                str(WORKER),
                "--spec",
                str(spec_path),
                "--output",
                str(output),
                "--quiet",
                *pyperf_options(job.profile, job.interpreter.kind),
            ]
            env = clean_environ(PYTHONPATH=str(pyperf_shim(job.shim)))
            run_isolated(command, env, job.timeout)
            if not output.is_file():
                raise MeasureError(f"pyperf wrote no result\n$ {shlex.join(command)}")
            return output.read_bytes()

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
        pyperfs = distinct(m.get("perf_version") for m in metadata)
        interpreters = ", ".join(c.long_display for c in columns)
        warmups = ", ".join(f"{c.spec.label} {profile.warmups_for(c.kind)}" for c in columns)
        return (
            f"Measured {when} on {machine}: "
            f"{interpreters}; pyperf {'/'.join(pyperfs)}, profile \u201c{profile.name}\u201d "
            f"({profile.processes} worker processes \u00d7 {profile.values} values, "
            f"warm-up values {warmups})."
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
)
