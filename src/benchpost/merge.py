"""``python -m benchpost merge DIR``: the CI jobs' sets, put in the recorded layout.

``DIR`` is shaped like ``actions/download-artifact`` leaves it (every
artifact in a folder of its name): ``DIR/benchpost-<cell>/`` holds one
job's set (``<interpreter>/<group>/<benchmark>.json``) and its
``outcome.json``. Each planned cell of the grid becomes the recorded set
``<recorded>/<cell>/``: its results when the job succeeded, else its
outcome alone (failed, or missing: its artifact never arrived), so that a
post names every planned machine and says why one has no numbers. A cell
that arrived but is not one set is refused whole. Nothing outside the
planned cells' folders is touched.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from benchpost import schema
from benchpost.grid import ARTIFACT_PREFIX, Cell, load_grid
from benchpost.store import outcome, recorded
from benchpost.store.outcome import FAILED, MISSING, Outcome
from benchpost.suite import SuiteError, load_suite


@dataclass(frozen=True)
class Merged:
    """What became of one planned cell."""

    cell: Cell
    outcome: Outcome
    results: int = 0


def merge(artifacts: Path, cells: list[Cell], recorded_dir: Path) -> list[Merged]:
    """Put every planned cell's set (or its outcome) under ``recorded_dir``."""
    merged = []
    for cell in cells:
        arrived = artifacts / cell.artifact
        if not arrived.is_dir():
            ended = Outcome(MISSING, f"no artifact {cell.artifact} arrived (the job was "
                            "cancelled, or stopped before uploading)", cell.id)  # fmt: skip
            files: list[Path] = []
        else:
            ended, files = _arrival(arrived, cell)
        _put(recorded_dir / cell.id, arrived, files, ended)
        merged.append(Merged(cell, ended, len(files)))
    return merged


def unplanned(artifacts: Path, cells: list[Cell]) -> list[str]:
    """Artifacts in ``artifacts`` that no planned cell names (left alone)."""
    planned = {cell.artifact for cell in cells}
    found = artifacts.glob(f"{ARTIFACT_PREFIX}*") if artifacts.is_dir() else []
    return sorted(p.name for p in found if p.name not in planned)


def _arrival(folder: Path, cell: Cell) -> tuple[Outcome, list[Path]]:
    """The outcome of an artifact that arrived, and its result files if it is one
    whole set of this cell (a failed outcome saying why otherwise)."""
    said = outcome.read(folder) or Outcome(FAILED, f"{folder} has no {outcome.FILE}")
    if not said.ok:
        return Outcome(said.status, said.reason, cell.id, said.runner), []
    files = sorted(folder.glob("*/*/*.json"))
    ids, problems = set(), []
    for path in files:
        try:
            found = recorded.load(path)
        except recorded.RecordedError as exc:
            problems.append(str(exc))
            continue
        measured_in = schema.set_of(found.result) if found else None
        if measured_in is None:
            problems.append(f"{path} names no set")
            continue
        ids.add(measured_in.id)
        if measured_in.machine.name != cell.id:
            problems.append(f"{path} is from machine {measured_in.machine.name!r}")
    names = {path.relative_to(folder).parts[0] for path in files}
    absent = [name for name, _ in cell.interpreters if name not in names]
    if absent:
        problems.append(f"no results of {', '.join(absent)}")
    if len(ids) > 1:
        problems.append(f"{len(ids)} sets in one artifact (a job records one)")
    if problems:
        return Outcome(FAILED, f"refused: {problems[0]}", cell.id), []
    return Outcome(said.status, said.reason, cell.id, said.runner), files


def _put(target: Path, arrived: Path, files: list[Path], ended: Outcome) -> None:
    """Replace ``target`` with ``files`` and the outcome, built beside it first."""
    staging = target.with_name(f".merging-{target.name}")
    shutil.rmtree(staging, ignore_errors=True)
    for path in files:
        recorded.save(staging / path.relative_to(arrived), path)
    outcome.write(staging, ended)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


# -- the command line ----------------------------------------------------------


def add_parser(commands, anywhere: argparse.ArgumentParser) -> None:
    merge_ = commands.add_parser(
        "merge", parents=[anywhere],
        help="put the CI jobs' artifacts (DIR/benchpost-<cell>/) in the recorded layout",
    )  # fmt: skip
    merge_.add_argument("artifacts", type=Path, help="the folder the artifacts were downloaded to")
    merge_.add_argument("--grid", default="benchmarks/machines.yaml", help="(%(default)s)")


def run(args: argparse.Namespace) -> int:
    try:
        suite = load_suite(args.suite)
        cells = load_grid(Path(args.grid), suite).cells()
    except SuiteError as exc:
        print(f"benchpost: error: {exc}", file=sys.stderr)
        return 2
    if not args.artifacts.is_dir():
        print(f"benchpost: error: {args.artifacts} is not a folder", file=sys.stderr)
        return 2
    for done in merge(args.artifacts, cells, suite.recorded_dir):
        what = f"{done.results} results" if done.outcome.ok else done.outcome.describe()
        print(f"{done.cell.id}: {done.outcome.status}: {what}")
    for name in unplanned(args.artifacts, cells):
        print(f"{name}: not in the grid {args.grid}: left out")
    return 0
