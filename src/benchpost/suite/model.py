"""The benchmark suite as frozen data: what there is to measure, and on what.

Nothing here reads files, measures or renders; ``benchpost.suite.load``
builds these from ``benchmarks/suite.yaml``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchpost.digest import bytes_digest

#: The command that means "the Python running benchpost (and Sphinx)".
CURRENT_PYTHON = "current"

#: Chart colours of interpreters that set none, by their place in the suite
#: (colour-blind safe), so that an interpreter keeps its colour in every chart.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00")


@dataclass(frozen=True)
class Extension:
    """The C extension under test, compiled once per interpreter."""

    module: str
    sources: tuple[Path, ...]
    cflags: tuple[str, ...] = ("-O2",)


@dataclass(frozen=True)
class InterpreterSpec:
    """An interpreter as configured (found or not on this machine)."""

    name: str
    label: str
    command: str
    required: bool = True
    install_hint: str = ""
    colour: str = PALETTE[0]
    #: command-line arguments given before the script (``[--jit, "off"]``)
    args: tuple[str, ...] = ()
    #: environment variables set for every process (``PYPY_GC_NURSERY: 1M``), sorted
    env: tuple[tuple[str, str], ...] = ()

    @property
    def configured(self) -> str:
        """The command line and environment as configured, for notes and errors."""
        import shlex

        assignments = [f"{k}={shlex.quote(v)}" for k, v in self.env]
        return " ".join([*assignments, shlex.join([self.command, *self.args])])


#: A variant's suffix that is a version ("7.3.17", "3.11") leaves the label as it is:
#: the column shows the version anyway ("PyPy 7.3.17").
_VERSION = re.compile(r"v?\d+(\.\d+)*")


def variant(base: InterpreterSpec, name: str) -> InterpreterSpec:
    """``base`` under another name (``pypy-7.3.17``, ``pypy-branch``): the same
    declaration measured in another version or build, in one set with the others.

    A variant has no command of its own: it is measured where one is given
    (``record --command pypy-7.3.17=PATH``, as each CI job does for the versions
    it installs), and shown from the recorded sets everywhere else. So several
    PyPy versions need no declaration each, and a live post never runs a
    variant under its base's command.
    """
    suffix = name[len(base.name) + 1 :]
    label = base.label if _VERSION.fullmatch(suffix) else f"{base.label} {suffix}"
    colour = PALETTE[int(bytes_digest(name.encode())[:8], 16) % len(PALETTE)]
    # Required: a post that names a variant no recorded set holds (a typo, say)
    # gets a warning, not a quietly missing column.
    return replace(base, name=name, label=label, command="", required=True,
                   install_hint="", colour=colour)  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """How rigorously to measure times: rounds of processes, values, warm-ups.

    A *round* runs one worker process per interpreter, back to back in a
    random order; a ratio comes from the rounds (see ``benchpost.stats``),
    its uncertainty widened by ``between_builds``.
    After ``rounds`` rounds, more are run (up to ``max_rounds``) while a
    ratio's 95 % interval is wider than ``precision`` (relative half-width).
    """

    name: str
    rounds: int
    values: int
    min_time: float
    #: warm-up values per worker, by interpreter kind ("cpython", "pypy", ...)
    warmups: Mapping[str, int] = field(default_factory=dict)
    max_rounds: int = 0  # 0: the same as rounds
    precision: float = 0.0  # 0: no extra rounds
    #: numbers meant for publishing: a busy machine is a warning, not a note
    publish: bool = False
    #: numbers for tests only (too few rounds to mean anything): never in the blog
    #: export's clean folder
    tests_only: bool = False
    #: how much a ratio moves from one build to the next beyond what one build's
    #: rounds show (relative standard deviation; tools/reproducibility.py measures
    #: it), added to every ratio's uncertainty
    between_builds: float = 0.0
    #: instead of ``precision``: the 95 % half-width each ratio is planned for after
    #: the pilot of ``rounds`` rounds (``measure.allocation``), and the seconds the
    #: rounds of one measurement may take for it (0: no limit)
    target: float = 0.0
    budget: float = 0.0

    @property
    def rounds_target(self) -> float:
        """The half-width the rounds themselves must reach for a published interval of
        ``target``: ``between_builds`` is added to every interval (in quadrature, on
        the log scale; ``stats.with_between_builds``), so it takes its share first.
        0 or less: the target cannot be met with that ``between_builds``."""
        floor = 1.959964 * math.log1p(self.between_builds)
        room = math.log1p(self.target) ** 2 - floor**2
        return math.expm1(math.sqrt(room)) if room > 0 else 0.0

    @property
    def most_rounds(self) -> int:
        return max(self.rounds, self.max_rounds)

    def warmups_for(self, kind: str) -> int:
        """Warm-ups for an interpreter kind; an unknown kind is treated as a JIT."""
        return _for_kind(self.warmups, kind, 1)


@dataclass(frozen=True)
class Counting:
    """How instructions are counted under callgrind (the suite's ``instructions`` key).

    The loop script runs once: ``warmup`` iterations (in which PyPy's JIT
    compiles the loop), then loops of N = ``iterations``, 2N, 4N ... iterations,
    each counted apart; every value is the difference of two successive loops'
    counts, per iteration.
    """

    iterations: int = 20_000
    values: int = 2
    #: iterations run before the counted ones, by interpreter kind
    warmup: Mapping[str, int] = field(default_factory=lambda: {"cpython": 1000, "pypy": 5000})

    def warmup_for(self, kind: str) -> int:
        """Warm-up iterations for an interpreter kind; an unknown kind is treated as a JIT."""
        return _for_kind(self.warmup, kind, 5000)


def _for_kind(per_kind: Mapping[str, int], kind: str, default: int) -> int:
    if kind in per_kind:
        return per_kind[kind]
    return max(per_kind.values(), default=default)


@dataclass(frozen=True)
class Benchmark:
    """One loop body: ``setup`` once, then ``for i in range(loops): code``.

    ``extension`` is the C extension it imports (its group's, else the
    suite's); None for a loop that needs none (the empty loop), which no
    change of C code measures again.
    """

    name: str
    group: str
    code: str
    setup: str = ""
    extension: Extension | None = None


@dataclass(frozen=True)
class Group:
    """Benchmarks shown together (one table in a post)."""

    name: str
    title: str
    benchmarks: tuple[Benchmark, ...]
    #: the C extension its benchmarks import (the suite's, unless the group names its own)
    extension: Extension | None = None


#: Measured beside every group, so that readers see what the loop costs.
EMPTY_LOOP = Benchmark(name="empty loop", group="", code="pass")


@dataclass(frozen=True)
class Suite:
    """Everything ``suite.yaml`` declares."""

    path: Path
    extension: Extension
    interpreters: tuple[InterpreterSpec, ...]
    baseline: str
    profiles: Mapping[str, Profile]
    groups: tuple[Group, ...]
    #: results recorded elsewhere and committed (see benchpost.recorded)
    recorded_dir: Path = Path("results")
    counting: Counting = field(default_factory=Counting)

    def group(self, name: str) -> Group:
        for group in self.groups:
            if group.name == name:
                return group
        known = ", ".join(g.name for g in self.groups)
        raise LookupError(f"no benchmark group {name!r} in {self.path} (groups: {known})")

    def interpreter(self, name: str) -> InterpreterSpec:
        """The interpreter declared as ``name``, or a variant of one (``pypy-7.3.17``)."""
        for spec in self.interpreters:
            if spec.name == name:
                return spec
        bases = [s for s in self.interpreters if name.startswith(f"{s.name}-")]
        base = max(bases, key=lambda s: len(s.name), default=None)
        if base is not None and len(name) > len(base.name) + 1:
            return variant(base, name)
        known = ", ".join(i.name for i in self.interpreters)
        raise LookupError(
            f"no interpreter {name!r} in {self.path} (interpreters: {known}; a variant "
            f"of one is named after it, e.g. {self.interpreters[0].name}-2)"
        )

    def profile(self, name: str) -> Profile:
        if name not in self.profiles:
            known = ", ".join(self.profiles)
            raise LookupError(f"no profile {name!r} in {self.path} (profiles: {known})")
        return self.profiles[name]

    def profile_to_publish(self, name: str | None, draft: bool = False) -> Profile:
        """The profile numbers to commit and publish (``freeze``, ``record``) are measured
        with: ``name``, else the first one meant for publishing (``publish: true``). A
        draft profile only with ``draft``: its numbers would be published all the same."""
        publishing = [p.name for p in self.profiles.values() if p.publish]
        if name is None and not publishing:
            raise LookupError(f"no profile in {self.path} says 'publish: true': name one")
        profile = self.profile(name or publishing[0])
        if not (profile.publish or draft):
            raise LookupError(
                f"the profile {profile.name!r} is a draft profile (no 'publish: true' in "
                f"{self.path}), and these numbers are committed and published: measure with "
                f"--profile {(publishing or ['<a publishing profile>'])[0]}, or add --draft "
                f"to publish draft numbers on purpose"
            )
        return profile

    def one_of_each_extension(self) -> list[Benchmark]:
        """The empty loop and a benchmark of each C extension: enough to find out
        whether this machine can build and measure them."""
        firsts: dict[object, Benchmark] = {}
        for group in self.groups:
            for bench in group.benchmarks:
                firsts.setdefault(bench.extension, bench)
        return [EMPTY_LOOP, *firsts.values()]

    def select(self, group: str, names: str) -> list[Benchmark]:
        """The benchmarks a role or a claim names in ``group``: ``*`` (all of them),
        ``a|b`` (a list) or one name; ``LookupError`` for an unknown one."""
        if names == "*":
            return list(self.group(group).benchmarks)
        return [self.benchmark(group, name) for name in names.split("|")]

    def benchmark(self, group: str, name: str) -> Benchmark:
        if name == EMPTY_LOOP.name:
            return EMPTY_LOOP
        found = self.group(group)
        for bench in found.benchmarks:
            if bench.name == name:
                return bench
        known = ", ".join(b.name for b in found.benchmarks)
        raise LookupError(f"no benchmark {name!r} in group {group!r} (benchmarks: {known})")
