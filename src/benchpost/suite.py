"""The benchmark suite: ``benchmarks/suite.yaml`` as frozen, validated data.

Nothing here measures or renders; it only says *what* there is to measure.
Every mistake in the file is reported as ``file:line: message (hint)``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from benchpost.yamlfile import Section, SuiteError, load_yaml

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


@dataclass(frozen=True)
class Profile:
    """How rigorously to measure: pyperf's processes, values and warm-ups."""

    name: str
    processes: int
    values: int
    min_time: float
    #: warm-up values per worker, by interpreter kind ("cpython", "pypy", ...)
    warmups: Mapping[str, int] = field(default_factory=dict)

    def warmups_for(self, kind: str) -> int:
        """Warm-ups for an interpreter kind; an unknown kind is treated as a JIT."""
        return _for_kind(self.warmups, kind, 1)


@dataclass(frozen=True)
class Counting:
    """How instructions are counted under callgrind (the suite's ``instructions`` key).

    The loop script runs with N = ``iterations``, 2N, 4N ... iterations, each
    run after ``warmup`` more (in which PyPy's JIT compiles the loop); every
    value is the difference of two successive runs' counts, per iteration.
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
    """One loop body: ``setup`` once, then ``for i in range(loops): code``."""

    name: str
    group: str
    code: str
    setup: str = ""


@dataclass(frozen=True)
class Group:
    """Benchmarks shown together (one table in a post)."""

    name: str
    title: str
    benchmarks: tuple[Benchmark, ...]


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
        for spec in self.interpreters:
            if spec.name == name:
                return spec
        known = ", ".join(i.name for i in self.interpreters)
        raise LookupError(f"no interpreter {name!r} in {self.path} (interpreters: {known})")

    def profile(self, name: str) -> Profile:
        if name not in self.profiles:
            known = ", ".join(self.profiles)
            raise LookupError(f"no profile {name!r} in {self.path} (profiles: {known})")
        return self.profiles[name]

    def benchmark(self, group: str, name: str) -> Benchmark:
        if name == EMPTY_LOOP.name:
            return EMPTY_LOOP
        found = self.group(group)
        for bench in found.benchmarks:
            if bench.name == name:
                return bench
        known = ", ".join(b.name for b in found.benchmarks)
        raise LookupError(f"no benchmark {name!r} in group {group!r} (benchmarks: {known})")


def load_suite(path: Path | str) -> Suite:
    """Read and validate a suite file; raises ``SuiteError`` naming file and line."""
    path = Path(path).resolve()
    top = Section(
        path,
        load_yaml(path),
        "the suite file",
        line=1,
        keys=(
            "extension",
            "interpreters",
            "baseline",
            "profiles",
            "groups",
            "recorded",
            "instructions",
        ),
    )
    extension = _extension(
        top.section("extension", "'extension'", ("module", "sources", "cflags")), path.parent
    )
    interpreters = _interpreters(top)
    baseline = top.get("baseline", str, interpreters[0].name)
    if baseline not in {i.name for i in interpreters}:
        raise top.error(
            "baseline",
            f"baseline {baseline!r} is not a configured interpreter",
            "use one of: " + ", ".join(i.name for i in interpreters),
        )
    profiles = _profiles(top.section("profiles", "'profiles'"))
    groups = _groups(top)
    recorded_dir = path.parent / top.get("recorded", str, "results")
    counting = _counting(top) if "instructions" in top.mapping else Counting()
    return Suite(path, extension, interpreters, baseline, profiles, groups, recorded_dir, counting)


def _extension(sec: Section, base: Path) -> Extension:
    module = sec.require("module", str)
    sources = tuple((base / s).resolve() for s in sec.require("sources", list))
    for source in sources:
        if not source.is_file():
            raise sec.error(
                "sources",
                f"C source {source} does not exist",
                "paths are relative to the suite file",
            )
    cflags = tuple(str(f) for f in sec.get("cflags", list, ["-O2"]))
    return Extension(module, sources, cflags)


def _interpreters(top: Section) -> tuple[InterpreterSpec, ...]:
    entries = top.require("interpreters", list)
    specs: list[InterpreterSpec] = []
    for entry in entries:
        sec = Section(
            top.path,
            entry,
            "an interpreter",
            top.line_of("interpreters"),
            ("name", "label", "command", "required", "install_hint", "colour"),
        )
        name = sec.require("name", str)
        spec = InterpreterSpec(
            name=name,
            label=sec.get("label", str, name),
            command=sec.require("command", str),
            required=sec.get("required", bool, True),
            install_hint=sec.get("install_hint", str, ""),
            colour=sec.get("colour", str, PALETTE[len(specs) % len(PALETTE)]),
        )
        if any(s.name == name for s in specs):
            raise sec.error("name", f"interpreter {name!r} is declared twice")
        specs.append(spec)
    if not specs:
        raise top.error("interpreters", "the suite declares no interpreter")
    return tuple(specs)


def _profiles(sec: Section) -> dict[str, Profile]:
    profiles = {}
    for name in list(sec.mapping):
        sub = sec.section(
            name, f"profile {name!r}", ("processes", "values", "min_time", "warmups")
        )
        warmups = sub.get("warmups", dict, {})
        _check_counts(sub, "warmups", warmups)
        profile = Profile(
            name=name,
            processes=_positive(sub, "processes", int),
            values=_positive(sub, "values", int),
            min_time=_positive(sub, "min_time", float),
            warmups=dict(warmups),
        )
        profiles[name] = profile
    return profiles


def _counting(top: Section) -> Counting:
    sec = top.section("instructions", "'instructions'", ("iterations", "values", "warmup"))
    defaults = Counting()
    warmup = sec.get("warmup", dict, dict(defaults.warmup))
    _check_counts(sec, "warmup", warmup)
    given = {
        key: int(_positive(sec, key, int))
        for key in ("iterations", "values")
        if key in sec.mapping
    }
    return Counting(**given, warmup=dict(warmup))


def _check_counts(sec: Section, key: str, per_kind: dict) -> None:
    for kind, count in per_kind.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise sec.error(key, f"{key} for {kind!r} must be a whole number >= 0")


def _positive(sec: Section, key: str, kind: type) -> int | float:
    value = sec.require(key, kind)
    if value <= 0:
        raise sec.error(key, f"{key!r} in {sec.what} must be greater than 0, not {value}")
    return value


def _groups(top: Section) -> tuple[Group, ...]:
    groups: list[Group] = []
    for entry in top.require("groups", list):
        sec = Section(
            top.path,
            entry,
            "a group",
            top.line_of("groups"),
            ("name", "title", "setup", "benchmarks"),
        )
        name = sec.require("name", str)
        if any(g.name == name for g in groups):
            raise sec.error("name", f"group {name!r} is declared twice")
        setup = _python(sec, "setup", sec.get("setup", str, ""))
        title = sec.get("title", str, name)
        benchmarks = tuple(_benchmarks(sec, name, setup))
        groups.append(Group(name, title, benchmarks))
    return tuple(groups)


def _benchmarks(group: Section, group_name: str, setup: str) -> list[Benchmark]:
    found: list[Benchmark] = []
    for entry in group.require("benchmarks", list):
        sec = Section(
            group.path,
            entry,
            f"a benchmark of group {group_name!r}",
            group.line_of("benchmarks"),
            ("name", "code", "setup"),
        )
        name = sec.require("name", str)
        if "/" in name or name == EMPTY_LOOP.name:
            raise sec.error(
                "name",
                f"benchmark name {name!r} is reserved or contains '/'",
                "'/' separates group, benchmark and interpreter in roles",
            )
        if any(b.name == name for b in found):
            raise sec.error("name", f"benchmark {name!r} is declared twice in {group_name!r}")
        own_setup = _python(sec, "setup", sec.get("setup", str, ""))
        code = _python(sec, "code", sec.require("code", str))
        found.append(
            Benchmark(name, group_name, code, "\n".join(filter(None, [setup, own_setup])))
        )
    return found


def _python(sec: Section, key: str, source: str) -> str:
    """Check that ``source`` is valid Python, so a typo fails here, not in a worker."""
    source = textwrap.dedent(source).strip()
    try:
        compile(source, f"{sec.path}:{key}", "exec")
    except SyntaxError as exc:
        raise sec.error(key, f"{key!r} is not valid Python: {exc.msg}") from None
    return source


__all__ = [
    "CURRENT_PYTHON",
    "EMPTY_LOOP",
    "Benchmark",
    "Counting",
    "Extension",
    "Group",
    "InterpreterSpec",
    "Profile",
    "Suite",
    "SuiteError",
    "load_suite",
]
