"""Recorded sets: what was measured side by side elsewhere, one folder per machine.

A *set* is what one run measured side by side: one machine, one ``record``
(or ``freeze`` command, or CI job), every interpreter in the same rounds. A
ratio is a measurement only between two numbers of one set: the same CPython
ran ``noargs`` at 19 ns on one "AMD EPYC" VM and at 32 ns on another, so a
ratio across them measures the machines as much as the interpreters.

Recorded sets live under the suite's ``recorded:`` folder, one per machine
(``store.layout``)::

    <recorded>/<machine>/<interpreter>/<group>/<benchmark>[.<metric>].json

Recording a machine again replaces its folder's files of that metric, and
never touches another machine's. Files in the layout before sets
(``<recorded>/<interpreter>/...``) are refused with the command that
converts them (``python -m benchpost convert``), never mixed in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from benchpost import schema
from benchpost.measure.interpreters import Column, Interpreter, InterpreterNotFound
from benchpost.measure.metric import Metric
from benchpost.results import Cell, Fallback, SetFacts
from benchpost.store import outcome, recorded, sources
from benchpost.store.layout import FROZEN_FOLDER, RecordedLayout
from benchpost.suite import EMPTY_LOOP, Benchmark, InterpreterSpec


@dataclass(frozen=True)
class RecordedSet:
    """One machine's folder of recorded results (or a frozen post's)."""

    name: str
    layout: RecordedLayout

    def has(self, interpreter: str) -> bool:
        return (self.layout.root / interpreter).is_dir()

    @functools.cached_property
    def outcome(self) -> outcome.Outcome | None:
        """How the run that was to record this set ended (None: recorded by hand); read
        once (the sets are listed once per build)."""
        return outcome.read(self.layout.root)

    def measured(self) -> bool:
        """False if the run failed or its results never arrived (``outcome.json``)."""
        found = self.outcome
        return found is None or found.ok

    def facts(self, baseline: str, metric: Metric) -> SetFacts:
        """What the set's baseline empty loop tells of it (one file, read once): the set
        and machine, and the machine's speed figure (the loop per iteration); neither
        if that file is missing or unusable."""
        try:
            found = recorded.load(self.layout.result(baseline, EMPTY_LOOP, metric))
        except recorded.RecordedError:
            found = None
        if found is None:
            return SetFacts(self.name, None, None)
        return SetFacts(self.name, schema.set_of(found.result), found.result.mean(),
                        schema.column_facts(found.result).display)  # fmt: skip


def recorded_sets(root: Path) -> dict[str, RecordedSet]:
    """The recorded sets under ``root``, by machine name; ``recorded.RecordedError``
    if ``root`` holds results in the layout before sets."""
    if not root.is_dir():
        return {}
    old = sorted(
        p for p in root.glob("*/*/*.json") if p.relative_to(root).parts[0] != FROZEN_FOLDER
    )
    if old:
        raise recorded.RecordedError(
            f"recorded results in {root} are in the layout before sets ({old[0]}): a "
            f"ratio must not divide numbers from different machines or runs; convert "
            f"them into one set with 'python -m benchpost convert' (if they were "
            f"recorded together), or record them again with 'python -m benchpost record'"
        )
    return {
        folder.name: RecordedSet(folder.name, RecordedLayout(folder))
        for folder in sorted(root.iterdir())
        if folder.is_dir() and folder.name != FROZEN_FOLDER and not folder.name.startswith(".")
    }


def default_set(
    sets: dict[str, RecordedSet],
    specs: Iterable[InterpreterSpec],
    baseline: str,
    metric: Metric,
    wanted: str = "",
) -> RecordedSet | None:
    """The set a build shows where it cannot measure everything: ``wanted`` (an
    unknown name is a ``LookupError``), the only one, or the newest that holds
    every interpreter (None if there is none)."""
    if wanted:
        if wanted not in sets:
            known = ", ".join(sets) or "none"
            raise LookupError(
                f"benchpost_recorded_set names {wanted!r}, but there is no such recorded "
                f"set (sets: {known})"
            )
        return sets[wanted]
    sets = {name: found for name, found in sets.items() if found.measured()}
    if len(sets) == 1:
        return next(iter(sets.values()))
    names = [spec.name for spec in specs]
    complete = [s for s in sets.values() if all(s.has(n) for n in names)]
    dated = [(s.facts(baseline, metric).measured_in, s) for s in complete]
    dated = [(found.date, s.name, s) for found, s in dated if found and found.date]
    return max(dated, key=lambda item: item[:2])[2] if dated else None


class SetNotMeasured(InterpreterNotFound):
    """Every column of a set whose run failed or never arrived: one note that says
    why (the post still renders, with the other sets' columns)."""

    def __init__(self, name: str, ended: outcome.Outcome, specs: list[InterpreterSpec]):
        labels = ", ".join(spec.label for spec in specs)
        # a note, not a warning; reported once per set
        spec = replace(specs[0], name=f"{specs[0].name}@{name}", required=False, install_hint="")
        super().__init__(spec, ended.describe())
        Exception.__init__(self, f"{labels} on {name}: not measured, {ended.describe()}")


@dataclass(frozen=True)
class SetColumns:
    """One set's columns and cells, for ``Results``."""

    columns: list[Column]
    missing: list[InterpreterNotFound]
    cells: dict[tuple[Benchmark, str], Cell]


def set_columns(
    shown: RecordedSet,
    specs: Iterable[InterpreterSpec],
    rows: tuple[Benchmark, ...],
    metric: Metric,
    code_digest: Callable[[Benchmark], str],
    stale_warns: bool = True,
    where: str = "",
) -> SetColumns:
    """Every column of ``specs`` from the recorded set ``shown``. With ``where`` (a
    table over several sets), each column is named ``<interpreter>@<where>`` and
    labelled with it."""
    baseline_set = None
    columns, missing, cells = [], [], {}
    ended = shown.outcome
    if ended is not None and not ended.ok:
        return SetColumns([], [SetNotMeasured(shown.name, ended, list(specs))], {})
    for spec in specs:
        if not shown.has(spec.name):
            missing.append(
                InterpreterNotFound(
                    spec,
                    f"is not in the recorded set {shown.name} ({shown.layout.root}); "
                    f"record it there with 'python -m benchpost record --machine "
                    f"{shown.name}' where it is installed",
                )
            )
            continue
        named = replace(spec, name=f"{spec.name}@{where}") if where else spec
        found = sources.recorded_cells(
            shown.layout, named, rows, metric, code_digest, stale_warns, spec.name,
            baseline_set or "",
        )  # fmt: skip
        for bench in rows:
            path = shown.layout.result(spec.name, bench, metric)
            cells[bench, named.name] = found.get(bench) or sources.unrecorded_cell(
                bench, named, metric, path
            )
        usable = [c for c in found.values() if c.ok]
        if not usable:
            missing.append(InterpreterNotFound(spec, f"has no usable result in {shown.name}"))
            continue
        column = sources.recorded_column(named, usable, where)
        if baseline_set is None and column.measured_in is not None:
            baseline_set = column.measured_in.id  # the first column's set: the others' too
        columns.append(column)
    return SetColumns(columns, missing, cells)


def read_sets(
    chosen: Iterable[RecordedSet],
    specs: Iterable[InterpreterSpec],
    rows: tuple[Benchmark, ...],
    metric: Metric,
    code_digest: Callable[[Benchmark], str],
    baseline: str,
    stale_warns: bool = True,
) -> tuple[SetColumns, tuple[SetFacts, ...]]:
    """The columns of one or more recorded sets (several: each column labelled with
    its set), and each set's facts for the note."""
    several = len(list(chosen)) > 1
    columns, missing, cells, facts = [], [], {}, []
    for shown in chosen:
        where = shown.name if several else ""
        found = set_columns(shown, specs, rows, metric, code_digest, stale_warns, where)
        columns += found.columns
        missing += found.missing
        cells.update(found.cells)
        facts.append(shown.facts(baseline, metric))
    return SetColumns(columns, missing, cells), tuple(facts)


def by_names(known: dict[str, RecordedSet], names: Iterable[str], root: Path) -> list[RecordedSet]:
    """The recorded sets named (``LookupError`` naming the known ones otherwise)."""
    unknown = [name for name in names if name not in known]
    if unknown:
        raise LookupError(
            f"unknown recorded set {unknown[0]!r} (sets in {root}: {', '.join(known) or 'none'})"
        )
    return [known[name] for name in names]


Live = tuple[Interpreter | None, InterpreterNotFound | str]


def choose(
    found: RecordedSet | None,
    specs: list[InterpreterSpec],
    live: Callable[[InterpreterSpec], Live],
    measures: bool,
    prefers_recorded: bool,
) -> tuple[RecordedSet | None, Fallback | None]:
    """Which set the tables of a metric show: ``found`` (the default recorded set) or
    this run's (None). A build that measures shows this run's unless this machine
    cannot measure some interpreter that ``found`` holds: then ``found``, for every
    column, with the reasons (``Fallback``)."""
    if not measures:
        return found, None
    if found is not None and prefers_recorded and all(found.has(s.name) for s in specs):
        return found, None
    here = {spec.name: live(spec) for spec in specs}
    cannot = [spec for spec in specs if here[spec.name][0] is None]
    if not cannot or found is None or not any(found.has(spec.name) for spec in cannot):
        return None, None
    reasons = _reasons([(spec, here[spec.name][1]) for spec in cannot])
    measurable = tuple(interp.display for interp, _ in here.values() if interp is not None)
    return found, Fallback(reasons, measurable)


def _reasons(whys: list[tuple[InterpreterSpec, InterpreterNotFound | str]]) -> tuple[str, ...]:
    """Why this machine cannot measure some interpreters, one sentence per reason
    ("CPython, PyPy: valgrind ... was not found")."""
    by_reason: dict[str, list[str]] = {}
    for spec, why in whys:
        if isinstance(why, InterpreterNotFound):
            by_reason[str(why)] = []
        else:
            by_reason.setdefault(why, []).append(spec.label)
    sentences = [
        f"{', '.join(labels)}: {why}" if labels else why for why, labels in by_reason.items()
    ]
    return tuple(s if s.endswith(".") else f"{s}." for s in sentences)
