"""Running one process in the measured interpreter: isolated, killable, explained.

Both metrics start their target processes here (pyperf's master for times,
valgrind for counts). The process gets a session of its own, so that a
timeout, Ctrl-C or SIGTERM kills everything it started (pyperf's workers,
valgrind's child); a failure comes back as ``MeasureError`` whose first line
is the reason (the benchmark's own exception, or the signal that killed it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path


class MeasureError(Exception):
    """A benchmark could not be measured (it raised, crashed or hung)."""


def run_isolated(
    command: list[str],
    env: dict[str, str],
    timeout: float,
    cwd: Path | None = None,
    cpu: int | None = None,
) -> str:
    """Run a target process in a session of its own; its output, or ``MeasureError``.

    The session is what makes a timeout or Ctrl-C kill pyperf's workers
    (or valgrind's child) too, not only the process we started. With ``cpu``,
    the process runs on that processor only.
    """
    with _inherited_affinity(cpu):
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
def _inherited_affinity(cpu: int | None) -> Iterator[None]:
    """Pin the calling thread to ``cpu`` while it starts a process, which inherits it.

    On Linux the affinity set for "process 0" is the calling thread's own, so
    other threads are unaffected; and the child is pinned from its first
    instruction, in any interpreter (PyPy 3.9 has no ``os.sched_setaffinity``).
    """
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, previous)


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
