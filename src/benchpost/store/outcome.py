"""A set's outcome: whether the run that was to record it did (``outcome.json``).

A CI job records one set (``python -m benchpost record --outcome``) and
uploads it with its outcome; a job that failed uploads the outcome alone,
and ``python -m benchpost merge`` writes one for a planned job whose
artifact never arrived. The set's folder then holds the outcome and no
results, and every table that names the set says why its columns are
missing instead of leaving them out silently.

A folder without ``outcome.json`` (a set recorded by hand) is complete.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE = "outcome.json"
OK, FAILED, MISSING = "ok", "failed", "missing"
#: An outcome is a few lines; anything far bigger is not one.
MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    """How the run of one set ended: ``ok``, ``failed`` or ``missing``, and why."""

    status: str
    reason: str = ""
    cell: str = ""  # the grid's cell ("ubuntu-24.04.pypy"), for a CI job
    runner: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    def describe(self) -> str:
        """ "the job failed: ...", for a note."""
        what = {MISSING: "the job's results did not arrive", FAILED: "the job failed"}
        lead = what.get(self.status, f"the job ended {self.status!r}")
        return f"{lead}: {self.reason}" if self.reason else lead


def read(folder: Path) -> Outcome | None:
    """The outcome in ``folder`` (None if it has none); one that cannot be read is a
    failed outcome that says why, never an exception."""
    path = folder / FILE
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > MAX_BYTES:
            return Outcome(FAILED, f"{path} is over {MAX_BYTES // 1024} KiB: not an outcome")
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Outcome(FAILED, f"{path} cannot be read ({exc})")
    if not isinstance(data, dict) or data.get("status") not in (OK, FAILED, MISSING):
        return Outcome(FAILED, f"{path} has no status ok, failed or missing")
    fields = {k: str(data.get(k, "")) for k in ("status", "reason", "cell", "runner")}
    return Outcome(**{k: v[:2000] for k, v in fields.items()})  # a reason, not a log


def write(folder: Path, outcome: Outcome) -> Path:
    """Write ``outcome`` into ``folder`` (atomically); its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    temporary = path.with_name(f".{FILE}.{os.getpid()}")
    temporary.write_text(json.dumps(asdict(outcome), indent=1) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return path
