"""Counting instructions per loop iteration with valgrind's callgrind.

Wall-clock times on a shared machine move by tens of percent from run to
run; the number of instructions a loop executes does not. ``count`` runs
``counter.py`` (the benchmark's loop in a plain script) in the target
interpreter under ``valgrind --tool=callgrind``, once with N iterations and
once with 2N. Startup, imports, setup and the warm-up (in which PyPy's JIT
compiles the loop) are the same in both runs, so ``(count(2N) - count(N)) / N``
is the cost of one iteration alone. A second value comes from 2N and 4N: on
PyPy, where the garbage collector's work falls unevenly on iterations, the
two differ, and their spread says by how much. The result is pyperf JSON
(unit "integer") like every other result, so ``python -m pyperf stats`` and
``compare_to`` read it.

Counts are the same from run to run only if addresses are: PyPy's C-API
layer hashes object addresses, and with address-space randomisation on, its
counts differ by about 1% between runs. The target therefore runs under
``setarch --addr-no-randomize`` where the system allows it, and with a fixed
``PYTHONHASHSEED``.
"""

from __future__ import annotations

import datetime
import functools
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchpost.interpreters import Interpreter, clean_environ
from benchpost.runner import MeasureError, run_isolated
from benchpost.suite import Benchmark, Counting

COUNTER = Path(__file__).with_name("counter.py")

INSTALL_HINT = "install it (Debian: apt-get install valgrind)"


class ValgrindNotFound(Exception):
    """valgrind is not installed here (or does not run)."""


@dataclass(frozen=True)
class Valgrind:
    """The valgrind found here."""

    path: str
    version: str  # "3.19.0"
    #: the command prefix that switches address-space randomisation off, if allowed
    no_aslr: tuple[str, ...] = ()


@functools.cache
def find_valgrind() -> Valgrind:
    """``$VALGRIND``, else the valgrind on ``PATH``; raises ``ValgrindNotFound`` saying how
    to get it."""
    command = os.environ.get("VALGRIND") or "valgrind"  # like $CC for the compiler
    path = shutil.which(command)
    if path is None:
        raise ValgrindNotFound(
            f"valgrind ({command}) was not found on this machine; {INSTALL_HINT}"
        )
    try:
        proc = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ValgrindNotFound(f"valgrind ({path}) could not be run: {exc}") from None
    found = re.search(r"(\d+\.\d+(\.\d+)?)", proc.stdout)
    if proc.returncode != 0 or not found:
        raise ValgrindNotFound(f"valgrind ({path}) does not work: {proc.stderr.strip()}")
    return Valgrind(path, found.group(1), _no_aslr_prefix())


def _no_aslr_prefix() -> tuple[str, ...]:
    # setarch is in util-linux (always there on Debian); a container's
    # seccomp profile may still refuse the change of personality.
    setarch = shutil.which("setarch")
    if setarch is None:
        return ()
    prefix = (setarch, platform.machine(), "--addr-no-randomize")
    try:
        proc = subprocess.run([*prefix, "true"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return prefix if proc.returncode == 0 else ()


@dataclass(frozen=True)
class CountRequest:
    """Everything needed to count one benchmark's instructions on one interpreter."""

    benchmark: Benchmark
    interpreter: Interpreter
    counting: Counting
    valgrind: Valgrind
    extension_dir: Path
    timeout: float = 600.0
    code_digest: str = "-"

    @property
    def warmup(self) -> int:
        return self.counting.warmup_for(self.interpreter.kind)

    @property
    def sizes(self) -> list[int]:
        """Iterations of each run: N, 2N, 4N ... (one run more than values)."""
        return [self.counting.iterations * 2**k for k in range(self.counting.values + 1)]


def count(request: CountRequest, scratch_root: Path) -> bytes:
    """Count one benchmark; returns pyperf JSON bytes, or raises ``MeasureError``."""
    started_at = datetime.datetime.now()
    started = time.monotonic()
    totals = [count_run(request, n, scratch_root) for n in request.sizes]
    sizes = request.sizes
    values = [
        (totals[k + 1] - totals[k]) / (sizes[k + 1] - sizes[k]) for k in range(len(sizes) - 1)
    ]
    if min(values) <= 0:
        raise MeasureError(
            f"callgrind counted fewer instructions for more iterations ({totals} for "
            f"{sizes}): raise 'iterations' under 'instructions' in the suite file"
        )
    metadata = {
        **_metadata(request),
        "date": started_at.isoformat(timespec="seconds"),
        "duration": time.monotonic() - started,
    }
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix="count-") as scratch:
        result = Path(scratch, "result.json")
        run = pyperf.Run(values, metadata=metadata, collect_metadata=False)
        pyperf.Benchmark([run]).dump(str(result))
        return result.read_bytes()


def count_run(request: CountRequest, iterations: int, scratch_root: Path) -> int:
    """The instructions of one whole run of the loop script with ``iterations``."""
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix="count-") as scratch:
        out = Path(scratch, "callgrind.out")
        command = [
            *request.valgrind.no_aslr,
            request.valgrind.path,
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            "--dump-line=no",
            "--quiet",
            # The real binary, not a wrapper script: valgrind follows only
            # the process it starts.
            request.interpreter.executable,
            str(COUNTER),
            str(iterations),
            str(request.warmup),
            request.benchmark.setup,
            request.benchmark.code,
            str(request.extension_dir),
        ]
        # A fixed seed: string hashes change dict layouts, and so the count.
        run_isolated(command, clean_environ(PYTHONHASHSEED="0"), request.timeout)
        return read_total(out)


_TOTAL = re.compile(r"^(?:totals|summary): (\d+)", re.MULTILINE)


def read_total(path: Path) -> int:
    """The instruction count (event Ir) of a callgrind output file."""
    try:
        found = _TOTAL.search(path.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise MeasureError(f"callgrind wrote no output file: {exc}") from None
    if not found:
        raise MeasureError(f"no 'totals:' line in callgrind's output {path}")
    return int(found.group(1))


def _metadata(request: CountRequest) -> dict[str, object]:
    """What the result file says about how it was counted (pyperf metadata)."""
    interp = request.interpreter
    return {
        "name": request.benchmark.name,
        "unit": "integer",
        "loops": request.counting.iterations,
        "perf_version": pyperf.__version__,
        "cpu_count": os.cpu_count() or 1,
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python_executable": interp.executable,
        "python_implementation": interp.kind,
        "python_version": interp.python_version,
        **_cpu_model(),
        "benchpost_metric": "instructions",
        "benchpost_group": request.benchmark.group or "-",
        "benchpost_code": request.code_digest,
        "benchpost_valgrind": request.valgrind.version,
        "benchpost_warmup": request.warmup,
        "benchpost_sizes": "/".join(str(n) for n in request.sizes),
        "benchpost_aslr": "off" if request.valgrind.no_aslr else "on",
        **interp.metadata(),
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
