"""Results recorded on another machine and committed (``benchmarks/results/``).

A PyPy built from a branch exists on one developer's machine; a quiet
benchmark machine gives steadier numbers than a CI runner. Their results are
copied here with ``python -m benchpost record`` and committed. A build uses
them where the store's mode says so (``store.sources``). Each file is the
pyperf JSON exactly as measured, so it carries its own machine, date and
interpreter (``benchpost.schema``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchpost import schema
from benchpost.digest import bytes_digest
from benchpost.files import atomic_write_bytes
from benchpost.measure.interpreters import implementation_named
from benchpost.measure.metric import Metric
from benchpost.measure.registry import METRICS

#: Larger than any value per loop iteration a benchmark gives (seconds, instructions).
MAX_VALUE = 1e12
#: Larger than any recording (a rigorous one is tens of kB): a larger file is not read
#: (a 152 MB one took 1.4 GB of memory and put 191 MB into the post's fragment).
MAX_BYTES = 8 * 2**20


class RecordedError(Exception):
    """A recorded file exists but cannot be used (damaged, or not ours)."""


@dataclass(frozen=True)
class Recorded:
    """One recorded result and the digest of its bytes (it changes if the file does)."""

    path: Path
    result: pyperf.Benchmark
    key: str


def save(target: Path, measured: Path) -> Path:
    """Copy a measured result to its recorded place (atomically); returns it."""
    atomic_write_bytes(target, measured.read_bytes())
    return target


def load(path: Path) -> Recorded | None:
    """The recorded result, None if there is none, ``RecordedError`` if it is unusable.

    A damaged recorded file is committed data: it is reported, never moved.
    """
    if not path.is_file():
        return None
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise RecordedError(
            f"recorded result {path} is {size / 2**20:.0f} MiB, more than any recording "
            f"({MAX_BYTES // 2**20} MiB at most): it is not one; record it again with "
            f"'python -m benchpost record'"
        )
    data = path.read_bytes()
    try:
        result = pyperf.Benchmark.loads(data.decode("utf-8"))
    except Exception as exc:  # pyperf raises many kinds on a damaged file
        raise RecordedError(
            f"recorded result {path} is damaged ({exc}); record it again "
            f"with 'python -m benchpost record'"
        ) from None
    if not schema.is_ours(result):
        raise RecordedError(
            f"recorded result {path} was not written by benchpost "
            f"(no values or no benchpost metadata)"
        )
    if not all(math.isfinite(v) and 0 < v < MAX_VALUE for v in result.get_values()):
        raise RecordedError(
            f"recorded result {path} holds values that no measurement gives "
            f"(not finite, not positive, or over {MAX_VALUE:g}); record it again"
        )
    return Recorded(path, result, bytes_digest(data))


def check_interpreter(recorded: Recorded, label: str) -> None:
    """``RecordedError`` if the file was measured on another interpreter than ``label``
    (a file copied into the wrong interpreter's folder), or on another implementation
    than the label names."""
    facts = schema.column_facts(recorded.result)
    implementation = implementation_named(label)
    if not facts.display.startswith(f"{label} ") or implementation not in (None, facts.kind):
        raise RecordedError(
            f"recorded result {recorded.path} was measured on {facts.display} "
            f"({facts.kind}), not on {label}: it is in the wrong interpreter's folder"
        )


def check_metric(recorded: Recorded, metric: Metric) -> None:
    """``RecordedError`` if the file holds another metric's values (a count file copied
    over a time file once read "260 s", and a time "0 instructions")."""
    unit = recorded.result.get_unit()
    by_unit = next((m.name for m in METRICS.values() if m.pyperf_unit == unit), unit)
    named = recorded.result.get_metadata().get(schema.METRIC, by_unit)
    if unit != metric.pyperf_unit or named != metric.name:
        raise RecordedError(
            f"recorded result {recorded.path} holds {named} values ({unit}), not "
            f"{metric.plural} ({metric.pyperf_unit}): it was copied under another "
            f"metric's name; remove it and record the set again"
        )


def check_benchmark(recorded: Recorded, name: str) -> None:
    """``RecordedError`` if the file holds another benchmark than ``name`` (a file
    linked or copied under another benchmark's name: shown as this one, its
    numbers would be wrong, and the published suite file would hold the same
    benchmark twice)."""
    held = recorded.result.get_name()
    if held != name:
        raise RecordedError(
            f"recorded result {recorded.path} holds benchmark {held!r}, not {name!r}: it "
            f"was linked or copied under another benchmark's name; remove it and record "
            f"{name!r} with 'python -m benchpost record'"
        )


def check_set(found: Recorded, set_id: str) -> str:
    """The file's set id; ``RecordedError`` if it is not ``set_id`` (when given: the
    set of the interpreter's other files) or if the file names no set at all."""
    measured_in = schema.set_of(found.result)
    if measured_in is None:
        raise RecordedError(
            f"recorded result {found.path} names no set (it was recorded before sets): "
            f"record its machine again with 'python -m benchpost record --machine NAME'"
        )
    if set_id and measured_in.id != set_id:
        raise RecordedError(
            f"recorded result {found.path} belongs to set {measured_in.id}, not to "
            f"{set_id} like the files beside it: it was copied in from another run; "
            f"record the machine again with 'python -m benchpost record --machine "
            f"{measured_in.machine.name}'"
        )
    return measured_in.id


def is_stale(result: pyperf.Benchmark, code_digest: str) -> bool:
    """True if the benchmark or the C extension changed since it was recorded."""
    return schema.code_digest_of(result) != code_digest
