"""``python -m benchpost convert``: results recorded before sets, made one set.

Before sets, recorded results lived at ``<recorded>/<interpreter>/<group>/
<benchmark>.json``, one folder per interpreter, whatever machine or day each
came from. This command moves them into one set, ``<recorded>/<machine>/...``
(``store.sets``), and writes the set's keys into each file (``schema``: an
id, the machine's name and the facts the files tell), but only if the files
say that they are one run: one host, one CPU, one system, dates within a
day. The values are not touched.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

from benchpost import schema
from benchpost.digest import bytes_digest
from benchpost.files import atomic_write_bytes
from benchpost.measure.machine import derived_name
from benchpost.record import RecordError, check_machine_name
from benchpost.store.layout import FROZEN_FOLDER

#: Results recorded more than this apart are not one run.
ONE_RUN = dt.timedelta(days=1)


def old_files(root: Path) -> list[Path]:
    """The recorded files in the layout before sets."""
    return sorted(
        p for p in root.glob("*/*/*.json") if p.relative_to(root).parts[0] != FROZEN_FOLDER
    )


def convert(root: Path, machine: str = "") -> Path:
    """Move the old files under ``root`` into one set; returns its folder.
    ``RecordError`` (and nothing moved) if they are not one run."""
    check_machine_name(machine)
    files = old_files(root)
    if not files:
        raise RecordError(f"no results in the layout before sets under {root}")
    data = {path: json.loads(path.read_bytes()) for path in files}
    facts = _one_run(data)
    facts = replace(facts, name=machine or derived_name(facts))
    identity = schema.MeasuredSet(
        id=f"converted-{bytes_digest(*(p.read_bytes() for p in files))}",
        machine=facts,
        interpreters=tuple(sorted({p.relative_to(root).parts[0] for p in files})),
    )
    target = root / facts.name
    if target.exists():
        raise RecordError(f"{target} exists already: choose another name with --machine")
    keys = schema.set_metadata(identity)
    for path, document in data.items():
        document["metadata"].update(keys)
        text = json.dumps(document, sort_keys=True, separators=(",", ":")) + "\n"
        atomic_write_bytes(target / path.relative_to(root), text.encode("utf-8"))
    for path in files:
        path.unlink()
    for folder in sorted(
        {p.parent for p in files} | {p.parent.parent for p in files}, key=lambda f: -len(f.parts)
    ):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return target


def _one_run(data: dict[Path, dict]) -> schema.Machine:
    """The machine all files were measured on; ``RecordError`` if they disagree."""
    seen: dict[str, set[str]] = {"hostname": set(), "cpu_model_name": set(), "platform": set()}
    dates = []
    for document in data.values():
        common = document["metadata"]
        for key, values in seen.items():
            values.add(str(common.get(key, "")))
        for bench in document["benchmarks"]:
            for run in bench["runs"]:
                date = run.get("metadata", {}).get("date") or common.get("date")
                if date:
                    dates.append(dt.datetime.fromisoformat(str(date)))
    split = [f"{key}: {', '.join(sorted(v))}" for key, v in seen.items() if len(v) > 1]
    if dates and max(dates) - min(dates) > ONE_RUN:
        split.append(f"dates {min(dates):%Y-%m-%d} to {max(dates):%Y-%m-%d}")
    if split:
        raise RecordError(
            f"these results are not one run ({'; '.join(split)}): record each machine "
            f"again with 'python -m benchpost record --machine NAME'"
        )
    common = next(iter(data.values()))["metadata"]
    parts = str(common.get("platform", "")).split("-")
    return schema.Machine(
        name="",
        cpu=str(common.get("cpu_model_name", "an unknown CPU")),
        cores=int(common.get("cpu_count", 0) or 0),
        kernel=" ".join(parts[:2]),
    )
