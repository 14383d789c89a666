"""Reading ``benchmarks/suite.yaml`` into a validated ``Suite``.

Every mistake in the file is reported as ``file:line: message (hint)``.
"""

from __future__ import annotations

import math
import shlex
import textwrap
from pathlib import Path

from benchpost.suite.model import (
    EMPTY_LOOP,
    PALETTE,
    Benchmark,
    Counting,
    Extension,
    Group,
    InterpreterSpec,
    Profile,
    Suite,
)
from benchpost.suite.yamlfile import Section, load_yaml


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
    extension = _extension(top.section("extension", "'extension'", _EXT), path.parent)
    interpreters = _interpreters(top)
    baseline = top.get("baseline", str, interpreters[0].name)
    if baseline not in {i.name for i in interpreters}:
        raise top.error(
            "baseline",
            f"baseline {baseline!r} is not a configured interpreter",
            "use one of: " + ", ".join(i.name for i in interpreters),
        )
    profiles = _profiles(top.section("profiles", "'profiles'"))
    groups = _groups(top, extension, path.parent)
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
            ("name", "label", "command", "args", "env", "required", "install_hint", "colour"),
        )
        name = sec.require("name", str)
        command, args = _command(sec)
        spec = InterpreterSpec(
            name=name,
            label=sec.get("label", str, name),
            command=command,
            required=sec.get("required", bool, True),
            install_hint=sec.get("install_hint", str, ""),
            colour=sec.get("colour", str, PALETTE[len(specs) % len(PALETTE)]),
            args=args,
            env=_environment(sec),
        )
        if any(s.name == name for s in specs):
            raise sec.error("name", f"interpreter {name!r} is declared twice")
        specs.append(spec)
    if not specs:
        raise top.error("interpreters", "the suite declares no interpreter")
    return tuple(specs)


def _command(sec: Section) -> tuple[str, tuple[str, ...]]:
    """The command and its arguments: ``command: pypy3 --jit off`` is taken as written
    (``pypy3`` with ``--jit off``), unless the whole text names an existing file."""
    command = sec.require("command", str)
    args = sec.get("args", list, [])
    if not all(isinstance(a, str | int | float) and not isinstance(a, bool) for a in args):
        raise sec.error("args", "'args' must be a list of strings", 'for example [--jit, "off"]')
    words = command.split()
    if len(words) > 1 and not Path(command).expanduser().exists():
        try:
            words = shlex.split(command)
        except ValueError as exc:
            raise sec.error("command", f"cannot split {command!r}: {exc}") from None
        command, args = words[0], [*words[1:], *args]
    if "\0" in command or any("\0" in str(a) for a in args):
        raise sec.error("args" if "\0" not in command else "command",
                        "a NUL character cannot be passed to a program", "remove it")  # fmt: skip
    return command, tuple(str(a) for a in args)


def _environment(sec: Section) -> tuple[tuple[str, str], ...]:
    env = sec.get("env", dict, {})
    for key, value in env.items():
        if not isinstance(key, str) or not key or "=" in key:
            raise sec.error("env", f"{key!r} is not an environment variable's name")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise sec.error("env", f"the value of {key} must be a string", 'quote it: "1M"')
        if "\0" in key or "\0" in str(value):
            raise sec.error("env", f"{key!r}: a NUL character cannot be in the environment",
                            "remove it")  # fmt: skip
    return tuple(sorted((key, str(value)) for key, value in env.items()))


_PROFILE_KEYS = (
    "rounds",
    "processes",
    "max_rounds",
    "precision",
    "values",
    "min_time",
    "warmups",
    "publish",
    "tests_only",
    "between_builds",
    "target",
    "budget",
)


def _fraction(sec: Section, key: str) -> float:
    value = float(sec.get(key, float, 0.0))
    if not 0 <= value < 1:
        raise sec.error(key, f"{key} is a fraction, like 0.02 (2 %), not {value}")
    return value


def _profiles(sec: Section) -> dict[str, Profile]:
    profiles = {}
    for name in list(sec.mapping):
        sub = sec.section(name, f"profile {name!r}", _PROFILE_KEYS)
        warmups = sub.get("warmups", dict, {})
        _check_counts(sub, "warmups", warmups)
        # "processes" is the older name of "rounds" (one process per interpreter a round)
        rounds_key = "processes" if "processes" in sub.mapping else "rounds"
        rounds = int(_positive(sub, rounds_key, int))
        max_rounds = int(sub.get("max_rounds", int, rounds))
        if max_rounds < rounds:
            raise sub.error(
                "max_rounds", f"max_rounds ({max_rounds}) is less than rounds ({rounds})"
            )
        precision = _fraction(sub, "precision")
        profile = Profile(
            name=name,
            rounds=rounds,
            values=_positive(sub, "values", int),
            min_time=_positive(sub, "min_time", float),
            warmups=dict(warmups),
            max_rounds=max_rounds,
            precision=precision,
            publish=sub.get("publish", bool, False),
            tests_only=sub.get("tests_only", bool, False),
            between_builds=_fraction(sub, "between_builds"),
            target=_fraction(sub, "target"),
            budget=float(sub.get("budget", float, 0.0)),
        )
        if profile.budget < 0:
            raise sub.error("budget", "budget is seconds, 0 or more (0: no limit)")
        if profile.target and not profile.rounds_target:
            floor = math.expm1(1.96 * math.log1p(profile.between_builds))
            raise sub.error("target", f"a target of ±{profile.target:.1%} cannot be met with "
                            f"between_builds {profile.between_builds:.1%}, which alone makes "
                            f"every interval ±{floor:.1%}", "raise target or lower "
                            "between_builds (tools/reproducibility.py measures it)")  # fmt: skip
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


def _groups(top: Section, extension: Extension, base: Path) -> tuple[Group, ...]:
    groups: list[Group] = []
    for entry in top.require("groups", list):
        sec = Section(
            top.path,
            entry,
            "a group",
            top.line_of("groups"),
            ("name", "title", "setup", "extension", "benchmarks"),
        )
        name = sec.require("name", str)
        if any(g.name == name for g in groups):
            raise sec.error("name", f"group {name!r} is declared twice")
        setup = _python(sec, "setup", sec.get("setup", str, ""))
        title = sec.get("title", str, name)
        # A group may name its own C sources: a change elsewhere does not measure it again.
        own = (
            _extension(sec.section("extension", f"the extension of group {name!r}", _EXT), base)
            if "extension" in sec.mapping
            else extension
        )
        benchmarks = tuple(_benchmarks(sec, name, setup, own))
        groups.append(Group(name, title, benchmarks, own))
    return tuple(groups)


_EXT = ("module", "sources", "cflags")


def _benchmarks(
    group: Section, group_name: str, setup: str, extension: Extension
) -> list[Benchmark]:
    found: list[Benchmark] = []
    seen: set[str] = set()
    for entry in group.require("benchmarks", list):
        sec = Section(
            group.path,
            entry,
            f"a benchmark of group {group_name!r}",
            group.line_of("benchmarks"),
            ("name", "code", "setup"),
        )
        name = sec.require("name", str)
        if any(c in name for c in "/,|") or name == EMPTY_LOOP.name:
            raise sec.error(
                "name",
                f"benchmark name {name!r} is reserved or contains '/', ',' or '|'",
                "a role could not name it: '/' separates group, benchmark and interpreter "
                "in roles, '|' the benchmarks of a list, and options follow a ','",
            )
        if name in seen:  # a set: a long group must not take quadratic time
            raise sec.error("name", f"benchmark {name!r} is declared twice in {group_name!r}")
        own_setup = _python(sec, "setup", sec.get("setup", str, ""))
        code = _python(sec, "code", sec.require("code", str))
        seen.add(name)
        both = "\n".join(filter(None, [setup, own_setup]))
        found.append(Benchmark(name, group_name, code, both, extension))
    return found


#: A loop body or setup is a line or a few; compiling megabytes takes gigabytes.
MAX_CODE = 64 * 1024


def _python(sec: Section, key: str, source: str) -> str:
    """Check that ``source`` is valid Python, so a typo fails here, not in a worker."""
    if len(source) > MAX_CODE:
        raise sec.error(
            key,
            f"{key!r} is {len(source):,} characters; at most {MAX_CODE:,}",
            "put long code in a module that the setup imports",
        )
    source = textwrap.dedent(source).strip()
    try:
        compile(source, f"{sec.path}:{key}", "exec")
    except SyntaxError as exc:
        raise sec.error(key, f"{key!r} is not valid Python: {exc.msg}") from None
    return source
