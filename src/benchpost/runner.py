"""Measuring one benchmark on one interpreter with pyperf worker processes.

The target interpreter runs ``worker.py`` as pyperf's master, which spawns
its own workers. Nothing is installed into the target: pyperf (the very
copy, and so the very version, that runs benchpost; it is pure Python) and
the compiled extension are put on the worker's ``PYTHONPATH``, which pyperf
passes on to its worker processes.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import re
import shlex
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchpost.interpreters import Interpreter, clean_environ
from benchpost.suite import Benchmark, Profile

WORKER = Path(__file__).with_name("worker.py")
LOOP = Path(__file__).with_name("loop.py")  # imported by the worker


class MeasureError(Exception):
    """A benchmark could not be measured (it raised, crashed or hung)."""


@dataclass(frozen=True)
class MeasureRequest:
    """Everything needed to measure one benchmark on one interpreter."""

    benchmark: Benchmark
    interpreter: Interpreter
    profile: Profile
    extension_dir: Path
    timeout: float = 600.0
    code_digest: str = "-"  # of the benchmark and C sources, to tell stale recordings

    def pyperf_options(self) -> list[str]:
        """The pyperf command-line options the profile asks for."""
        warmups = self.profile.warmups_for(self.interpreter.kind)
        return [
            "--processes",
            str(self.profile.processes),
            "--values",
            str(self.profile.values),
            "--warmups",
            str(warmups),
            "--min-time",
            repr(self.profile.min_time),
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


def measure(request: MeasureRequest, scratch_root: Path) -> bytes:
    """Run pyperf for one benchmark; returns the pyperf JSON, or raises ``MeasureError``."""
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix="measure-") as scratch:
        spec_path = Path(scratch, "spec.json")
        output = Path(scratch, "result.json")
        spec = {
            "name": request.benchmark.name,
            "setup": request.benchmark.setup,
            "code": request.benchmark.code,
            "path": [str(request.extension_dir)],
            "metadata": {
                "benchpost_group": request.benchmark.group or "-",
                "benchpost_code": request.code_digest,
                "benchpost_profile": request.profile.name,
                **request.interpreter.metadata(),
            },
        }
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        command = [
            request.interpreter.command_path,
            str(WORKER),
            "--spec",
            str(spec_path),
            "--output",
            str(output),
            "--quiet",
            *request.pyperf_options(),
        ]
        env = clean_environ(PYTHONPATH=str(pyperf_shim(scratch_root.parent / "shim")))
        run_isolated(command, env, request.timeout)
        if not output.is_file():
            raise MeasureError(f"pyperf wrote no result\n$ {shlex.join(command)}")
        return output.read_bytes()


def run_isolated(
    command: list[str], env: dict[str, str], timeout: float, cwd: Path | None = None
) -> str:
    """Run a target process in a session of its own; its output, or ``MeasureError``.

    The session is what makes a timeout or Ctrl-C kill pyperf's workers
    (or valgrind's child) too, not only the process we started.
    """
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        with _sigterm_as_exit():
            out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise MeasureError(
            f"timed out after {timeout:g} s (the benchmark hangs, or raise benchpost_timeout)"
        ) from None
    except BaseException:
        _kill(proc)
        raise
    if proc.returncode != 0:
        raise MeasureError(_failure_reason(out, proc.returncode, command))
    return out


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into ``SystemExit`` while a measurement runs.

    Python dies on SIGTERM without unwinding, which would leave pyperf's
    workers (in their own session) running; as an exception, the caller
    kills them and nothing half-written is kept. Only the main thread can
    set signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_now(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_now)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b")
_WORKER_EXIT = re.compile(r"failed with exit code (-?\d+)")


def _failure_reason(output: str, returncode: int, command: list[str]) -> str:
    """The reason first (the worker's own exception, or its signal), then the details."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    exceptions = [line for line in lines if _EXCEPTION_LINE.match(line)]
    # pyperf's master re-raises "... failed with exit code N" after the
    # worker's traceback: the worker's exception is the interesting one.
    own = [line for line in exceptions if not _WORKER_EXIT.search(line)]
    reason = (own or exceptions or lines[-1:] or [f"exit code {returncode}"])[0]
    exit_code = _WORKER_EXIT.search(reason)
    code = int(exit_code.group(1)) if exit_code else returncode
    if code < 0:
        reason = f"the worker crashed with signal {signal.Signals(-code).name}"
    tail = "\n".join(lines[-8:])
    return f"{reason}\n$ {shlex.join(command)}\n{tail}"
