"""Running the loop script under callgrind, in the same conditions every time.

Counts are the same from run to run only if the memory layout is (see
``counting.py``): each run gets a fixed environment (``counting_environ``),
a staged folder whose path is the same in every checkout (``staged``),
and address-space randomisation off. One run counts every loop of a benchmark:
callgrind writes out its count at each call of a marker function between the
loops (``count_loops``); ``read_total`` reads a count.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from benchpost.digest import digest
from benchpost.files import file_lock
from benchpost.measure.metric import Job
from benchpost.measure.process import MeasureError, run_isolated
from benchpost.measure.valgrind import Valgrind
from benchpost.target import COUNTER, LOOP

#: Where counted runs happen: a path of the same length for every user and
#: checkout (see ``staged``).
STAGE_ROOT = Path("/tmp" if os.access("/tmp", os.W_OK) else tempfile.gettempdir()) / (
    f"benchpost-count-{getattr(os, 'getuid', lambda: 0)():06d}"  # no getuid on Windows
)


def warmup_of(job: Job) -> int:
    """The iterations run before the counted ones (the JIT compiles the loop there)."""
    return job.counting.warmup_for(job.interpreter.kind)


def counting_environ(configured: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of a counted run: the same everywhere (see the module's doc).

    Only ``LD_LIBRARY_PATH`` comes from outside, for an interpreter built
    that needs it, and the interpreter's own configured variables.
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
    env.update(configured or {})
    return env


@contextlib.contextmanager
def staged(job: Job) -> Iterator[Path]:
    """A folder holding the loop script, ``loop.py`` and the extension, for one benchmark.

    Its path has the same length for every benchmark, user and checkout, and
    is the same for the same benchmark, extension and interpreter (a hash of
    them names it); a lock keeps two builds from using it at once, and it is
    removed afterwards. It is outside the build folder on purpose: the build
    folder's path is as long as the checkout's.
    """
    bench = job.benchmark
    # The extension's folder is named by its digest: the same in every checkout.
    facts = [
        bench.group,
        bench.name,
        bench.setup,
        bench.code,
        job.extension_dir.name if job.extension_dir else "",
    ]
    key = [*facts, job.interpreter.identity()]
    folder = STAGE_ROOT / digest(key)[:16]
    STAGE_ROOT.mkdir(parents=True, exist_ok=True)
    with file_lock(STAGE_ROOT / f"{folder.name}.lock"):
        folder.mkdir(exist_ok=True)
        try:
            extension = list(job.extension_dir.iterdir()) if job.extension_dir else []
            for source in [COUNTER, LOOP, *extension]:
                if source.is_file():
                    shutil.copy2(source, folder / source.name)
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # callgrind's files are large


#: The libc function the loop script calls before each counted loop and after
#: the last; callgrind writes out its count every time it is entered (see
#: ``target/counter.py`` for why this one).
MARKER = "nice"


def count_loops(job: Job, valgrind: Valgrind, sizes: Sequence[int], folder: Path) -> list[int]:
    """The instructions of each of the loops of ``sizes`` iterations, counted in one run
    of the loop script in ``folder`` (each with the same call and marker overhead)."""
    for old in folder.glob("callgrind.out*"):
        old.unlink()
    command = [
        *valgrind.no_aslr,
        valgrind.path,
        "--tool=callgrind",
        # The interpreter exactly as configured: a wrapper script (which
        # execs or starts the real binary) is followed into its children,
        # one output file per process.
        *(["--trace-children=yes"] if _is_wrapper(job) else []),
        f"--callgrind-out-file={folder / out_file(job)}",
        f"--dump-before={MARKER}",
        "--dump-line=no",
        "--quiet",
        # The binary by its real path (the same layout whatever symlink found it),
        # or the wrapper script as configured; then the configured arguments.
        job.interpreter.command_path if _is_wrapper(job) else job.interpreter.executable,
        *job.interpreter.spec.args,
        str(folder / COUNTER.name),
        ",".join(str(n) for n in sizes),
        str(warmup_of(job)),
        job.benchmark.setup,
        job.benchmark.code,
        str(folder),
    ]
    env = counting_environ(dict(job.interpreter.spec.env))
    run_isolated(command, env, job.timeout, cwd=folder)
    return [read_total(part) for part in _loop_parts(folder, len(sizes))]


_PART = re.compile(r"^callgrind\.out\.(\d+)\.(\d+)$")


def _loop_parts(folder: Path, loops: int) -> list[Path]:
    """The files that hold the loops' counts, in order.

    Callgrind names the count written at the k-th marker ``callgrind.out.PID.k``
    (PID 0 where there is one process, see ``out_file``): part 1 is startup to
    the first marker, parts 2 to ``loops + 1`` are the loops. Only the process
    that ran the loop script called the marker (a wrapper's shell does not), so
    exactly one process has those parts.
    """
    parts: dict[str, dict[int, Path]] = {}
    for path in folder.glob("callgrind.out.*"):
        if found := _PART.match(path.name):
            parts.setdefault(found.group(1), {})[int(found.group(2))] = path
    complete = [p for p in parts.values() if sorted(p) == list(range(1, loops + 2))]
    if len(complete) != 1:
        seen = ", ".join(f"{len(p)} in process {pid}" for pid, p in parts.items()) or "none"
        raise MeasureError(
            f"callgrind should have written {loops + 1} counts at the calls of "
            f"{MARKER}() in one process, one before each loop and one after the last; "
            f"it wrote {seen} (in {folder})"
        )
    return [complete[0][k] for k in range(2, loops + 2)]


def out_file(job: Job) -> str:
    """Callgrind's output file name: one per process (``%p``, the process id) where a
    wrapper's children are followed; otherwise a fixed one.

    Fixed, because the length of valgrind's own arguments moves where it maps the
    target's memory, and with it PyPy's counts (a 3-character longer name moved
    ``varargs`` from 494 to 516 instructions): a process id has 5 digits on one
    machine and 7 on another.
    """
    return "callgrind.out.%p" if _is_wrapper(job) else "callgrind.out.0"


def _is_wrapper(job: Job) -> bool:
    interp = job.interpreter
    return os.path.realpath(interp.command_path) != os.path.realpath(interp.executable)


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
