"""Results recorded on another machine and committed (``benchmarks/results/``).

A PyPy built from a branch exists on one developer's machine; a quiet
benchmark machine gives steadier numbers than a CI runner. Their results are
copied here with ``python -m benchpost record`` and committed. A build uses
them for an interpreter that is not installed where it runs (or for every
interpreter, in the "recorded" mode). Each file is the pyperf JSON exactly as
measured, so it carries its own machine, date and interpreter.

Layout: ``<root>/<interpreter>/<group>/<benchmark>.json`` for times,
``<benchmark>.<metric>.json`` for other metrics (instruction counts).
"""

from __future__ import annotations

from pathlib import Path

import pyperf

from benchpost.interpreters import Interpreter
from benchpost.metrics import TIME, Metric
from benchpost.storage import atomic_write_bytes, slug
from benchpost.suite import Benchmark, InterpreterSpec


class RecordedError(Exception):
    """A recorded file exists but cannot be used (damaged, or not ours)."""


def recorded_path(root: Path, interpreter: str, bench: Benchmark, metric: Metric = TIME) -> Path:
    kind = "" if metric == TIME else f".{metric.name}"
    return root / interpreter / slug(bench.group) / f"{slug(bench.name)}{kind}.json"


def save(
    root: Path, interpreter: str, bench: Benchmark, measured: Path, metric: Metric = TIME
) -> Path:
    """Copy a measured result into the recorded folder (atomically); returns its path."""
    target = recorded_path(root, interpreter, bench, metric)
    atomic_write_bytes(target, measured.read_bytes())
    return target


def load(
    root: Path, interpreter: str, bench: Benchmark, metric: Metric = TIME
) -> pyperf.Benchmark | None:
    """The recorded result, None if there is none, ``RecordedError`` if it is unusable.

    A damaged recorded file is committed data: it is reported, never moved.
    """
    path = recorded_path(root, interpreter, bench, metric)
    if not path.is_file():
        return None
    try:
        result = pyperf.Benchmark.load(str(path))
    except Exception as exc:  # pyperf raises many kinds on a damaged file
        raise RecordedError(
            f"recorded result {path} is damaged ({exc}); record it again "
            f"with 'python -m benchpost record'"
        ) from None
    if not result.get_values() or "benchpost_interpreter" not in result.get_metadata():
        raise RecordedError(
            f"recorded result {path} was not written by benchpost "
            f"(no values or no benchpost metadata)"
        )
    return result


def is_stale(result: pyperf.Benchmark, code_digest: str) -> bool:
    """True if the benchmark or the C extension changed since it was recorded."""
    return result.get_metadata().get("benchpost_code") != code_digest


def recorded_interpreter(spec: InterpreterSpec, result: pyperf.Benchmark) -> Interpreter:
    """The interpreter a recorded result ran on, as far as its metadata tells."""
    metadata = result.get_metadata()
    dates = result.get_dates()
    when = dates[0].date().isoformat() if dates else "on an unknown date"
    machine = metadata.get("cpu_model_name", "an unknown CPU")
    host = metadata.get("hostname")
    pypy = metadata.get("benchpost_pypy")
    return Interpreter(
        spec=spec,
        command_path="",
        executable=str(metadata.get("python_executable", "")),
        kind=str(metadata.get("benchpost_kind", "")),
        python_version=str(metadata.get("benchpost_python", "")),
        version=str(metadata.get("python_version", "")),
        include="",
        ext_suffix="",
        pypy_version=None if pypy in (None, "-") else str(pypy),
        recorded=f"recorded {when} on {machine}" + (f" ({host})" if host else ""),
    )
