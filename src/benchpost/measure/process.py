"""Running one process in the measured interpreter: isolated, killable, explained.

Both metrics start their target processes here (a timing worker for times,
valgrind for counts). The process gets a session of its own, so that a
timeout, Ctrl-C or SIGTERM kills everything it started (valgrind's child
too); a failure comes back as ``MeasureError`` whose first line
is the reason (the benchmark's own exception, or the signal that killed it).
On Linux the process also dies with the build: a build killed with SIGKILL
cannot kill it, and a worker left running would disturb the next build's
timings.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


class MeasureError(Exception):
    """A benchmark could not be measured (it raised, crashed or hung)."""


#: What is kept of a process's output (its last bytes: where a traceback ends).
OUTPUT_KEPT = 64 * 1024
#: A process that writes more than this is stopped: a benchmark that prints in its
#: loop measures its terminal, and its output once grew a build to 6.7 GB.
OUTPUT_LIMIT = 16 * 2**20


def run_isolated(
    command: list[str],
    env: dict[str, str],
    timeout: float,
    cwd: Path | None = None,
    cpu: int | None = None,
) -> str:
    """Run a target process in a session of its own; its output, or ``MeasureError``.

    The session is what makes a timeout or Ctrl-C kill valgrind's child too,
    not only the process we started. With ``cpu``, the process runs on that
    processor only. Its output (stdout and stderr) is read as bytes, bounded
    (``OUTPUT_KEPT``, ``OUTPUT_LIMIT``) and decoded leniently: a worker's
    Latin-1 ``printf`` is its own business, not the build's end.
    """
    with _inherited_affinity(cpu):
        proc = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
    output = _BoundedOutput(proc)
    try:
        with _sigterm_as_exit():
            proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise MeasureError(
            f"timed out after {timeout:g} s (the benchmark hangs, or raise benchpost_timeout)"
        ) from None
    except BaseException:
        _kill(proc)
        raise
    finally:
        output.close()
    out = output.text()
    if output.too_much:
        raise MeasureError(
            f"wrote more than {OUTPUT_LIMIT // 2**20} MiB of output and was stopped "
            f"(a benchmark that prints measures its printing: remove the output)\n"
            f"$ {shlex.join(command)}\n{out[-2000:]}"
        )
    if proc.returncode != 0:
        raise MeasureError(_failure_reason(out, proc.returncode, command))
    return out


class _BoundedOutput:
    """Reads a process's output in a thread: keeps its last ``OUTPUT_KEPT`` bytes, and
    kills the process's session past ``OUTPUT_LIMIT``."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.tail = bytearray()
        self.total = 0
        self.too_much = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := self.proc.stdout.read1(65536):
            self.total += len(chunk)
            self.tail += chunk
            del self.tail[:-OUTPUT_KEPT]
            if self.total > OUTPUT_LIMIT and not self.too_much:
                self.too_much = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)

    def close(self) -> None:
        self.thread.join(timeout=5)  # a grandchild may hold the pipe: not for ever
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def text(self) -> str:
        return bytes(self.tail).decode("utf-8", errors="replace")


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGKILL when this process dies
    (Linux's ``PR_SET_PDEATHSIG``); None elsewhere.

    Its own session protects the child from the signals of the build's
    terminal, so without this a build killed with SIGKILL (or by the OOM
    killer) leaves its worker measuring for seconds beside the next build.

    The signal comes when the *thread* that forked the child exits, not the
    process: that is right here, because the thread that starts a child is
    the one that waits for it (``communicate``) until it ends.

    libc and the parent's id are looked up here, before the fork: between
    fork and exec the child calls only prctl and getppid.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # no usable libc (a static Python): the session must do
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        # The parent may have died between fork and prctl: then the signal
        # will never come (the child was already handed to init).
        if os.getppid() != parent:
            os._exit(128 + signal.SIGKILL)

    return set_death_signal


#: Signals that end a build and must end its measurements first (a closed
#: terminal or a dropped ssh connection sends SIGHUP).
ENDING_SIGNALS = tuple(
    s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None
)  # no SIGHUP on Windows


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
    """Turn SIGTERM and SIGHUP into ``SystemExit`` while a measurement runs.

    Python dies on these without unwinding, which would leave pyperf's
    workers (in their own session) running and scratch files behind; as an
    exception, the caller kills them and nothing half-written is kept. Only
    the main thread can set signal handlers; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_now(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {signum: signal.signal(signum, exit_now) for signum in ENDING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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
