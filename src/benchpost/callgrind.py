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

import contextlib
import datetime
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchpost.interpreters import Interpreter
from benchpost.metrics import INSTRUCTIONS
from benchpost.runner import LOOP, MeasureError, run_isolated
from benchpost.storage import file_lock
from benchpost.suite import Benchmark, Counting

COUNTER = Path(__file__).with_name("counter.py")

#: Where counted runs happen: a path of the same length for every user and
#: checkout (see ``staged``).
STAGE_ROOT = Path("/tmp" if os.access("/tmp", os.W_OK) else tempfile.gettempdir()) / (
    f"benchpost-count-{getattr(os, 'getuid', lambda: 0)():06d}"  # no getuid on Windows
)

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
    scratch_root.mkdir(parents=True, exist_ok=True)
    started_at = datetime.datetime.now()
    started = time.monotonic()
    sizes = request.sizes
    with staged(request) as folder:
        totals = [count_run(request, n, folder) for n in sizes]
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


def counting_environ() -> dict[str, str]:
    """The whole environment of a counted run: the same everywhere (see the module's doc).

    Only ``LD_LIBRARY_PATH`` comes from outside, for an interpreter built
    that needs it.
    """
    env = {
        "PYTHONHASHSEED": "0",
        # Every run compiles the same: the first one must not leave .pyc
        # files that make the next one cheaper.
        "PYTHONDONTWRITEBYTECODE": "1",
        "LC_ALL": "C.UTF-8",
        "PATH": "/usr/bin:/bin",
    }
    if os.environ.get("LD_LIBRARY_PATH"):
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    return env


@contextlib.contextmanager
def staged(request: CountRequest) -> Iterator[Path]:
    """A folder holding the loop script, ``loop.py`` and the extension, for one benchmark.

    Its path has the same length for every benchmark, user and checkout, and
    is the same for the same benchmark, extension and interpreter (a hash of
    them names it); a lock keeps two builds from using it at once, and it is
    removed afterwards. It is outside the build folder on purpose: the build
    folder's path is as long as the checkout's.
    """
    bench = request.benchmark
    # The extension's folder is named by its digest: the same in every checkout.
    facts = [bench.group, bench.name, bench.setup, bench.code, request.extension_dir.name]
    key = json.dumps([*facts, request.interpreter.executable])
    folder = STAGE_ROOT / hashlib.sha256(key.encode()).hexdigest()[:16]
    STAGE_ROOT.mkdir(parents=True, exist_ok=True)
    with file_lock(STAGE_ROOT / f"{folder.name}.lock"):
        folder.mkdir(exist_ok=True)
        try:
            for source in [COUNTER, LOOP, *request.extension_dir.iterdir()]:
                if source.is_file():
                    shutil.copy2(source, folder / source.name)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # callgrind's files are large


def count_run(request: CountRequest, iterations: int, folder: Path) -> int:
    """The instructions of one whole run, with ``iterations``, of the loop script in ``folder``."""
    out = folder / "callgrind.out"
    out.unlink(missing_ok=True)
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
        str(folder / COUNTER.name),
        str(iterations),
        str(request.warmup),
        request.benchmark.setup,
        request.benchmark.code,
        str(folder),
    ]
    run_isolated(command, counting_environ(), request.timeout, cwd=folder)
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
        "unit": INSTRUCTIONS.pyperf_unit,
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
