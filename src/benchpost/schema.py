"""What a result file says about itself: benchpost's keys in pyperf's metadata.

Every result is a pyperf JSON file. Beside pyperf's own metadata (date,
CPU, host, Python), benchpost writes the keys below; this module is the one
place that names them, writes them (``job_metadata``) and reads them back
(``provenance``, ``column_facts``, ``code_digest_of``).

The store's format, with its history (bump ``STORE_FORMAT`` when the meaning
of a stored file changes: every result is then measured again):

- 1: times only, one pyperf file per benchmark and interpreter;
- 2: instruction counts beside times (``benchpost_metric``);
- 3: the loop in a module of its own (PyPy looked up globals in a dict);
- 4: fingerprints through ``benchpost.digest``; the layout in ``store.layout``;
- 5: times from paired rounds of benchpost's own worker processes (one pyperf
  run per process, its round in the run's metadata); interpreters with
  arguments and environment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pyperf


class Interpreter(Protocol):
    """What this module reads of an interpreter (``measure.interpreters.Interpreter``)."""

    display: str
    kind: str
    python_version: str
    pypy_version: str | None


class Job(Protocol):
    """What this module reads of a measurement (``measure.metric.Job``)."""

    benchmark: object
    interpreter: Interpreter
    code_digest: str


STORE_FORMAT = 5

GROUP = "benchpost_group"
CODE = "benchpost_code"  # digest of the benchmark's code and the C sources
PROFILE = "benchpost_profile"
METRIC = "benchpost_metric"
INTERPRETER = "benchpost_interpreter"  # "PyPy 7.3.11": the display name
KIND = "benchpost_kind"  # "cpython", "pypy"
PYTHON = "benchpost_python"  # the Python language version
PYPY = "benchpost_pypy"  # PyPy's own version, or "-"
COMMAND = "benchpost_command"  # the interpreter as configured: env, command, args
# times: every run (worker process) says where it stood and what it saw
PAIRING = "benchpost_pairing"  # shared by the cells measured in the same rounds
ROUND = "benchpost_round"  # 1, 2, ...: runs of the same round were back to back
POSITION = "benchpost_position"  # its place in the round (the order is random)
PADDING = "benchpost_padding"  # bytes added to its environment (varied on purpose)
HASH_SEED = "benchpost_hash_seed"
OTHER_CPU = "benchpost_other_cpu"  # share of the machine's CPU time used by others
STEAL = "benchpost_steal"  # share of CPU time the hypervisor took (Linux "steal")
CPU_SHARE = "benchpost_cpu_share"  # CPU time over wall time while its values were taken
CPU = "benchpost_cpu"  # the processor every timed process of a build was pinned to
# instruction counts only
VALGRIND = "benchpost_valgrind"
WARMUP = "benchpost_warmup"
SIZES = "benchpost_sizes"
ASLR = "benchpost_aslr"


def interpreter_metadata(interp: Interpreter) -> dict[str, str]:
    """What a result file says about its interpreter."""
    return {
        INTERPRETER: interp.display,
        KIND: interp.kind,
        PYTHON: interp.python_version,
        PYPY: interp.pypy_version or "-",
        COMMAND: getattr(getattr(interp, "spec", None), "configured", ""),
    }


def job_metadata(job: Job, **more: object) -> dict[str, object]:
    """The benchpost keys of one measurement (``more``: a metric's own keys)."""
    return {
        GROUP: getattr(job.benchmark, "group", "") or "-",
        CODE: job.code_digest,
        **interpreter_metadata(job.interpreter),
        **more,
    }


def is_ours(result: pyperf.Benchmark) -> bool:
    """True if benchpost wrote this result (it has values and our keys)."""
    return bool(result.get_values()) and INTERPRETER in result.get_metadata()


def code_digest_of(result: pyperf.Benchmark) -> str:
    """The digest of the code the result was measured with ("" if unknown)."""
    return str(result.get_metadata().get(CODE, ""))


@dataclass(frozen=True)
class ColumnFacts:
    """Who an interpreter was, as a result file tells (for a recorded column)."""

    kind: str
    python_version: str
    pypy_version: str | None
    display: str = ""  # "PyPy 7.3.11", as the file says


def column_facts(result: pyperf.Benchmark) -> ColumnFacts:
    metadata = result.get_metadata()
    pypy = metadata.get(PYPY)
    return ColumnFacts(
        kind=str(metadata.get(KIND, "")),
        python_version=str(metadata.get(PYTHON, "")),
        pypy_version=None if pypy in (None, "-") else str(pypy),
        display=str(metadata.get(INTERPRETER, "")),
    )


@dataclass(frozen=True)
class Provenance:
    """Where and when results were measured, for a column recorded elsewhere."""

    date: dt.date | None
    cpu: str
    host: str

    def describe(self) -> str:
        """ "recorded 2026-11-20 on AMD EPYC (vm)"."""
        when = self.date.isoformat() if self.date else "on an unknown date"
        return f"recorded {when} on {self.cpu}" + (f" ({self.host})" if self.host else "")


def provenance(result: pyperf.Benchmark) -> Provenance:
    """The provenance of one result file, from pyperf's metadata."""
    metadata = result.get_metadata()
    dates = result.get_dates()
    return Provenance(
        date=dates[0].date() if dates else None,
        cpu=str(metadata.get("cpu_model_name", "an unknown CPU")),
        host=str(metadata.get("hostname", "")),
    )
