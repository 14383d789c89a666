"""Counting instructions per loop iteration with valgrind's callgrind.

Wall-clock times on a shared machine move by tens of percent from run to
run; the number of instructions a loop executes does not. For each
benchmark and interpreter, ``count`` runs ``counter.py`` in the target
interpreter under ``valgrind --tool=callgrind`` with instrumentation off at
start, so startup, imports, setup and PyPy's JIT warm-up are not counted;
the script switches it on around chunks of the loop only, and callgrind
dumps one count per chunk. A value is a chunk's count divided by its
iterations; the result is pyperf JSON (unit "integer") like every other
result, so ``python -m pyperf stats`` and ``compare_to`` read it.

Counts are deterministic only if addresses are: PyPy's C-API layer hashes
object addresses, and with address-space randomisation on, PyPy's counts
differ by about 1% between runs. The target therefore runs under
``setarch -R`` (randomisation off) where the system allows it.
"""

from __future__ import annotations

import datetime
import functools
import json
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
from benchpost.suite import Benchmark, Counting, Extension

HERE = Path(__file__).parent
COUNTER = HERE / "counter.py"
#: compiled for every interpreter, like the extension under test
HELPER = Extension("_benchpost_callgrind", (HERE / "callgrind_helper.c",), ("-O2",))

INSTALL_HINT = "install it (Debian: apt-get install valgrind)"


class ValgrindNotFound(Exception):
    """valgrind is not installed here (or does not run)."""


@dataclass(frozen=True)
class Valgrind:
    """The valgrind found here."""

    path: str
    version: str  # "3.19.0"
    #: prefix that switches address-space randomisation off, if allowed here
    no_aslr: tuple[str, ...] = ()


@functools.cache
def find_valgrind() -> Valgrind:
    """The valgrind on ``PATH``; raises ``ValgrindNotFound`` with how to get it."""
    path = shutil.which("valgrind")
    if path is None:
        raise ValgrindNotFound(f"valgrind was not found on this machine; {INSTALL_HINT}")
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ValgrindNotFound(f"valgrind ({path}) could not be run: {exc}") from None
    found = re.search(r"(\d+\.\d+(\.\d+)?)", proc.stdout)
    if proc.returncode != 0 or not found:
        raise ValgrindNotFound(f"valgrind ({path}) does not work: {proc.stderr.strip()}")
    return Valgrind(path, found.group(1), _no_aslr_prefix())


def _no_aslr_prefix() -> tuple[str, ...]:
    # setarch is in util-linux (always there on Debian); a container's
    # seccomp profile may still refuse the personality change.
    setarch = shutil.which("setarch")
    if setarch is None:
        return ()
    prefix = (setarch, platform.machine(), "--addr-no-randomize")
    try:
        ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return prefix if ok else ()


@dataclass(frozen=True)
class CountRequest:
    """Everything needed to count one benchmark's instructions on one interpreter."""

    benchmark: Benchmark
    interpreter: Interpreter
    counting: Counting
    valgrind: Valgrind
    #: folders to put on ``sys.path``: the extension under test and the helper
    path: tuple[Path, ...]
    timeout: float = 600.0
    code_digest: str = "-"

    @property
    def warmup(self) -> int:
        return self.counting.warmup_for(self.interpreter.kind)


def count(request: CountRequest, scratch_root: Path) -> bytes:
    """Count one benchmark; returns pyperf JSON bytes, or raises ``MeasureError``."""
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch_root, prefix="count-") as scratch:
        spec = {
            "setup": request.benchmark.setup,
            "code": request.benchmark.code,
            "path": [str(p) for p in request.path],
            "warmup": request.warmup,
            "chunks": request.counting.chunks,
            "iterations": request.counting.iterations,
            "facts": str(Path(scratch, "facts.json")),
        }
        spec_path = Path(scratch, "spec.json")
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        command = [
            *request.valgrind.no_aslr,
            request.valgrind.path,
            "--tool=callgrind",
            "--instr-atstart=no",  # counter.py switches it on around the loop
            f"--callgrind-out-file={scratch}/callgrind.out",
            "--dump-line=no",
            "--quiet",
            # The real binary, not a wrapper script: valgrind stays with the
            # process it starts.
            request.interpreter.executable,
            str(COUNTER),
            str(spec_path),
        ]
        # A fixed hash seed: CPython's string hashes change dict layouts, and
        # so the count, from run to run.
        env = clean_environ(PYTHONHASHSEED="0")
        started_at = datetime.datetime.now()
        started = time.monotonic()
        run_isolated(command, env, request.timeout)
        duration = time.monotonic() - started
        counts = read_chunk_counts(Path(scratch), request.counting.chunks)
        facts = json.loads(Path(spec["facts"]).read_text(encoding="utf-8"))
        metadata = {
            **_metadata(request, facts),
            "date": started_at.isoformat(timespec="seconds"),
            "duration": duration,
        }
        values = [c / request.counting.iterations for c in counts]
        result = Path(scratch, "result.json")
        run = pyperf.Run(values, metadata=metadata, collect_metadata=False)
        pyperf.Benchmark([run]).dump(str(result))
        return result.read_bytes()


def _metadata(request: CountRequest, facts: dict[str, str]) -> dict[str, object]:
    """What the result file says about how it was counted (pyperf metadata)."""
    return {
        "name": request.benchmark.name,
        "unit": "integer",
        "loops": request.counting.iterations,
        "perf_version": pyperf.__version__,
        "cpu_count": os.cpu_count() or 1,
        "hostname": platform.node(),
        **_cpu_model(),
        **facts,
        "benchpost_metric": "instructions",
        "benchpost_group": request.benchmark.group or "-",
        "benchpost_code": request.code_digest,
        "benchpost_valgrind": request.valgrind.version,
        "benchpost_warmup": request.warmup,
        "benchpost_chunks": request.counting.chunks,
        "benchpost_aslr": "off" if request.valgrind.no_aslr else "on",
        **request.interpreter.metadata(),
    }


_DUMP = re.compile(r"^desc: Trigger: Client Request: benchpost chunk (\d+)$", re.MULTILINE)
_TOTAL = re.compile(r"^(?:totals|summary): (\d+)", re.MULTILINE)


def read_chunk_counts(folder: Path, chunks: int) -> list[int]:
    """The instruction count of every chunk, from callgrind's dump files, in order."""
    found: dict[int, int] = {}
    for dump in folder.glob("callgrind.out*"):
        text = dump.read_text(encoding="utf-8", errors="replace")
        label, total = _DUMP.search(text), _TOTAL.search(text)
        if label and total:
            found[int(label.group(1))] = int(total.group(1))
    missing = [c for c in range(chunks) if c not in found]
    if missing:
        raise MeasureError(
            f"callgrind wrote no count for chunk {missing[0]} of {chunks} "
            f"(files: {', '.join(sorted(p.name for p in folder.iterdir()))})"
        )
    return [found[c] for c in range(chunks)]


def _cpu_model() -> dict[str, str]:
    # The CPU model, as pyperf records it for times (Linux only).
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return {"cpu_model_name": line.split(":", 1)[1].strip()}
    except OSError:
        pass
    return {}
