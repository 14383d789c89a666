"""The grid of machines CI records on: ``benchmarks/machines.yaml``.

A grid is runners (GitHub-hosted runner labels) times interpreter sets (the
interpreters measured together, each by its ``actions/setup-python``
spelling). Each cell is one job on one runner that records one set: every
interpreter of the cell in the same paired rounds. Versions are compared
inside a cell, never across cells (two runners of one label can differ
1.6x between jobs). ``python -m benchpost grid`` prints the plan and the
workflow's matrix; ``merge`` compares what arrived with the same plan.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from benchpost.measure.registry import METRICS
from benchpost.suite import Suite, SuiteError, load_suite
from benchpost.suite.yamlfile import Section, load_yaml

#: A job installs at most this many interpreters: the workflow has one
#: setup-python step per place (a workflow cannot loop over steps).
MAX_INTERPRETERS = 4
#: Runner labels, set and interpreter names: artifact and folder names too.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
ARTIFACT_PREFIX = "benchpost-"


@dataclass(frozen=True)
class Cell:
    """One job: a runner and the interpreters it records together (name: spelling)."""

    runner: str
    set_name: str
    interpreters: tuple[tuple[str, str], ...]

    @property
    def id(self) -> str:
        """The set's machine name and the artifact's: ``ubuntu-24.04.versions``."""
        return f"{self.runner}.{self.set_name}"

    @property
    def artifact(self) -> str:
        return f"{ARTIFACT_PREFIX}{self.id}"

    def matrix_entry(self) -> dict[str, str]:
        """The workflow matrix's entry: one ``name<i>``/``python<i>`` pair per place."""
        entry = {"runner": self.runner, "cell": self.id, "artifact": self.artifact}
        for place in range(MAX_INTERPRETERS):
            name, spelling = (self.interpreters + (("", ""),) * MAX_INTERPRETERS)[place]
            entry[f"name{place}"], entry[f"python{place}"] = name, spelling
        return entry


@dataclass(frozen=True)
class Grid:
    path: Path
    runners: tuple[str, ...]
    sets: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    profile: str
    metrics: tuple[str, ...]

    def cells(self) -> list[Cell]:
        return [Cell(r, name, interps) for r in self.runners for name, interps in self.sets]

    def matrix(self) -> dict[str, list[dict[str, str]]]:
        """The workflow's ``strategy.matrix``: one entry per cell, with what it records."""
        how = {"profile": self.profile, "metrics": " ".join(self.metrics)}
        return {"include": [{**cell.matrix_entry(), **how} for cell in self.cells()]}


def load_grid(path: Path, suite: Suite) -> Grid:
    """Read and check the grid (``SuiteError`` with the file and line)."""
    top = Section(path, load_yaml(path), "the grid", 1,
                  ("runners", "sets", "profile", "metrics"))  # fmt: skip
    runners = top.require("runners", list)
    for runner in runners:
        _check_name(top, "runners", runner, "a runner label")
    if len(set(runners)) < len(runners) or not runners:
        raise top.error("runners", "list each runner once, at least one")
    sets = top.section("sets", "the grid's sets")
    checked = tuple((name, _interpreters(sets, name, suite)) for name in sets.mapping)
    if not checked:
        raise sets.error(None, "the grid has no set", "add one under 'sets:'")
    profile = top.get("profile", str, "publish")
    if profile not in suite.profiles:
        raise top.error("profile", f"no profile {profile!r} in {suite.path}",
                        f"profiles: {', '.join(suite.profiles)}")  # fmt: skip
    metrics = tuple(top.get("metrics", list, ["time", "instructions"]))
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics:
        raise top.error("metrics", f"unknown metric {unknown[0]!r}" if unknown else "no metric",
                        f"metrics: {', '.join(METRICS)}")  # fmt: skip
    return Grid(path, tuple(runners), checked, profile, metrics)


def _interpreters(sets: Section, name: str, suite: Suite) -> tuple[tuple[str, str], ...]:
    _check_name(sets, name, name, "a set's name")
    interps = Section(sets.path, sets.mapping[name], f"set {name!r}", sets.line_of(name))
    pairs = []
    for interp, spelling in interps.mapping.items():
        _check_name(interps, interp, interp, "an interpreter's name")
        try:
            suite.interpreter(interp)  # declared, or a variant of one
        except LookupError as exc:
            raise interps.error(interp, exc.args[0]) from None
        if not isinstance(spelling, (str, int, float)) or not str(spelling).strip():
            raise interps.error(interp, f"{interp!r} needs a setup-python version",
                                "e.g. pypy3.10-v7.3.17 or \"3.11\"")  # fmt: skip
        pairs.append((str(interp), str(spelling).strip()))
    if not 0 < len(pairs) <= MAX_INTERPRETERS:
        raise sets.error(name, f"set {name!r} has {len(pairs)} interpreters",
                            f"a job installs 1 to {MAX_INTERPRETERS}")  # fmt: skip
    return tuple(pairs)


def _check_name(sec: Section, key: object, value: object, what: str) -> None:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise sec.error(
            str(key),
            f"{what} {value!r} is not a name",
            "letters, digits, '.', '_' and '-' (it names folders and artifacts)",
        )


# -- the command line ----------------------------------------------------------


def add_parser(commands, anywhere: argparse.ArgumentParser) -> None:
    grid = commands.add_parser(
        "grid", parents=[anywhere],
        help="print the CI grid's cells (machines.yaml); --github-output: the matrix",
    )  # fmt: skip
    grid.add_argument("--grid", default="benchmarks/machines.yaml", help="(%(default)s)")
    grid.add_argument(
        "--github-output", action="store_true",
        help="print 'matrix=<json>' and 'cells=<n>' for $GITHUB_OUTPUT",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    try:
        grid = load_grid(Path(args.grid), load_suite(args.suite))
    except SuiteError as exc:
        print(f"benchpost: error: {exc}", file=sys.stderr)
        return 2
    cells = grid.cells()
    if args.github_output:
        print(f"matrix={json.dumps(grid.matrix(), separators=(',', ':'))}")
        print(f"cells={len(cells)}")
        return 0
    for cell in cells:
        together = ", ".join(f"{name} ({spelling})" for name, spelling in cell.interpreters)
        print(f"{cell.id}: on {cell.runner}, together: {together}")
    print(f"{len(cells)} jobs; profile {grid.profile}; metrics {', '.join(grid.metrics)}")
    return 0
