"""What a result file says about itself: benchpost's keys in pyperf's metadata.

Every result is a pyperf JSON file. Beside pyperf's own metadata (date,
CPU, host, Python), benchpost writes the keys below; this module is the one
place that names them, writes them (``job_metadata``) and reads them back
(``set_of``, ``column_facts``, ``code_digest_of``).

The store's format, with its history (bump ``STORE_FORMAT`` when the meaning
of a stored file changes: every result is then measured again):

- 1: times only, one pyperf file per benchmark and interpreter;
- 2: instruction counts beside times (``benchpost_metric``);
- 3: the loop in a module of its own (PyPy looked up globals in a dict);
- 4: fingerprints through ``benchpost.digest``; the layout in ``store.layout``;
- 5: times from paired rounds of benchpost's own worker processes (one pyperf
  run per process, its round in the run's metadata); interpreters with
  arguments and environment;
- 6: every result names its set: what was measured side by side (one
  machine, one run, the interpreters of the same rounds), and the machine.
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
    measured_in: MeasuredSet | None


STORE_FORMAT = 6

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
REMEASURED = "benchpost_remeasured"  # tries thrown away before it: they shared their core
CPU = "benchpost_cpu"  # the processor every timed process of a build was pinned to
# the set: one machine, one run (a build, a record or freeze command, one CI job)
SET = "benchpost_set"  # the set's id, shared by every file measured in that run
SET_INTERPRETERS = "benchpost_set_interpreters"  # "cpython pypy": measured together
MACHINE = "benchpost_machine"  # the machine's name (record --machine, or from its facts)
MEMORY = "benchpost_memory_gib"
KERNEL = "benchpost_kernel"
VIRT = "benchpost_virt"  # "kvm", "none": what runs the machine
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
        **set_metadata(job.measured_in),
        **more,
    }


@dataclass(frozen=True)
class Machine:
    """A machine as its stable facts tell it (``measure.machine.this_machine``).

    Two hosts can share all of them (two VMs "AMD EPYC", 1.6x apart): a set's
    reference loop (the baseline's empty loop) says how fast each one was.
    """

    name: str
    cpu: str = "an unknown CPU"
    cores: int = 0
    memory_gib: float = 0.0
    kernel: str = ""
    virt: str = ""

    def describe(self) -> str:
        """ "AMD EPYC, 2 cores, 23.5 GiB, Linux 6.18.44, kvm"."""
        parts = [self.cpu, f"{self.cores} cores" if self.cores else ""]
        parts += [f"{self.memory_gib:g} GiB" if self.memory_gib else "", self.kernel]
        parts.append("" if self.virt in ("", "none") else self.virt)
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class MeasuredSet:
    """A set: results measured side by side (one machine, one run, the same rounds).

    A ratio is a measurement only between two numbers of one set.
    """

    id: str
    machine: Machine
    interpreters: tuple[str, ...] = ()
    date: dt.date | None = None  # read back from the files; None while measuring

    def describe(self) -> str:
        """ "recorded 2026-11-25 on epyc-2c-24g-kvm-1a2b"."""
        when = self.date.isoformat() if self.date else "on an unknown date"
        return f"recorded {when} on {self.machine.name}"


def set_metadata(measured_in: MeasuredSet | None) -> dict[str, object]:
    """The keys that name a result's set and machine ({} for none)."""
    if measured_in is None:
        return {}
    machine = measured_in.machine
    keys = {
        SET: measured_in.id,
        SET_INTERPRETERS: " ".join(measured_in.interpreters),
        MACHINE: machine.name,
        MEMORY: machine.memory_gib,
        KERNEL: machine.kernel,
        VIRT: machine.virt,
    }
    return {key: value for key, value in keys.items() if value}  # pyperf refuses empty ones


def set_of(result: pyperf.Benchmark) -> MeasuredSet | None:
    """The set a result file belongs to; None for a file written before sets."""
    metadata = result.get_metadata()
    if SET not in metadata or MACHINE not in metadata:
        return None
    machine = Machine(
        name=str(metadata[MACHINE]),
        cpu=str(metadata.get("cpu_model_name", "an unknown CPU")),
        cores=int(metadata.get("cpu_count", 0) or 0),
        memory_gib=float(metadata.get(MEMORY, 0) or 0),
        kernel=str(metadata.get(KERNEL, "")),
        virt=str(metadata.get(VIRT, "")),
    )
    dates = result.get_dates()
    return MeasuredSet(
        id=str(metadata[SET]),
        machine=machine,
        interpreters=tuple(str(metadata.get(SET_INTERPRETERS, "")).split()),
        date=dates[0].date() if dates else None,
    )


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
