"""The reference documentation (docs/reference/) against the code, both ways.

The docs are built once, as ``tox -e docs`` builds them (warnings are errors),
and the inventory they make (``objects.inv``: every directive, option, role,
setting, command-line option and YAML key documented with Sphinx's markup) is
compared with what the code registers and accepts. A name on one side only
fails, and the message says which side lacks it:

- directives and their options: what ``benchpost.sphinx.setup`` registers, and
  each directive's ``known_options`` (its ``option_spec`` if it has none);
- roles and ``conf.py`` settings: what it registers (``add_role``,
  ``add_config_value``; every field of ``Settings`` among them);
- environment variables: ``config.ENVIRONMENT`` (and the freeze's own);
- command-line options: the parser of ``benchpost.cli``, each command's
  options and positional arguments (``--suite`` and ``--cache-dir``, which
  every command takes too, are documented once under ``benchpost``);
- the keys of ``suite.yaml`` and ``machines.yaml``: those the loaders accept,
  as they tell ``yamlfile.Section`` while reading a file that has every section.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import posixpath
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


# -- comparing ------------------------------------------------------------------


def differences(kind: str, documented: Iterable[str], in_code: Iterable[str]) -> list[str]:
    """What one side has and the other lacks, one message per side ([] if they agree)."""
    documented, in_code = set(documented), set(in_code)
    problems = []
    if undocumented := sorted(in_code - documented):
        problems.append(f"{kind}: in the code but not documented: {undocumented}")
    if stale := sorted(documented - in_code):
        problems.append(f"{kind}: documented but not in the code: {stale}")
    return problems


def test_differences_names_what_each_side_lacks():
    problems = differences("rst:role", documented={"bench", "old-role"}, in_code={"bench", "new"})
    assert problems == [
        "rst:role: in the code but not documented: ['new']",
        "rst:role: documented but not in the code: ['old-role']",
    ]
    assert differences("rst:role", {"bench"}, ["bench"]) == []


# -- the docs, built -------------------------------------------------------------


@pytest.fixture(scope="module")
def inventory(tmp_path_factory) -> dict[str, dict[str, object]]:
    """The inventory of the docs as ``tox -e docs`` builds them: {type: {name: item}}."""
    pytest.importorskip("myst_parser")
    from sphinx.util.inventory import InventoryFile

    out = tmp_path_factory.mktemp("docs") / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", out]
    built = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, f"the docs do not build:\n{built.stderr[-4000:]}"
    with open(out / "objects.inv", "rb") as stream:
        return InventoryFile.load(stream, "", posixpath.join)


def documented(inventory: dict, kind: str, prefix: str = "") -> set[str]:
    """The names of one type of the inventory (those starting with ``prefix``)."""
    return {name for name in inventory.get(kind, {}) if name.startswith(prefix)}


# -- what the code registers -------------------------------------------------------


class _Registry:
    """Stands for the Sphinx application: keeps what ``setup`` registers."""

    def __init__(self):
        self.directives: dict[str, type] = {}
        self.roles: dict[str, object] = {}
        self.config_values: set[str] = set()

    def add_directive(self, name, directive, *args, **kwargs):
        self.directives[name] = directive

    def add_role(self, name, role, *args, **kwargs):
        self.roles[name] = role

    def add_config_value(self, name, *args, **kwargs):
        self.config_values.add(name)

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None  # add_node, connect, ...: not compared


@pytest.fixture(scope="module")
def registry() -> _Registry:
    from benchpost.sphinx import setup

    app = _Registry()
    setup(app)
    return app


def known_options(directive: type) -> set[str]:
    """The options a directive knows: ``known_options`` (an ``OptionSpec`` lets any
    name through), else its ``option_spec``."""
    known = getattr(directive, "known_options", None)
    return set(known if known is not None else directive.option_spec or {})


@pytest.mark.build
def test_directives(inventory, registry):
    shown = documented(inventory, "rst:directive")
    problems = differences("rst:directive", shown, registry.directives)
    assert not problems, "\n".join(problems)


@pytest.mark.build
def test_directive_options(inventory, registry):
    in_code = {
        f"{name}:{option}"
        for name, directive in registry.directives.items()
        for option in known_options(directive)
    }
    problems = differences(
        "rst:directive:option", documented(inventory, "rst:directive:option"), in_code
    )
    assert not problems, "\n".join(problems)


@pytest.mark.build
def test_roles(inventory, registry):
    problems = differences("rst:role", documented(inventory, "rst:role"), registry.roles)
    assert not problems, "\n".join(problems)


@pytest.mark.build
def test_settings(inventory, registry):
    from benchpost.config import Settings

    fields = {f"benchpost_{f.name}" for f in dataclasses.fields(Settings)}
    assert fields <= registry.config_values, "Settings.register no longer registers its fields"
    shown = documented(inventory, "std:confval", "benchpost_")
    problems = differences("std:confval", shown, registry.config_values)
    assert not problems, "\n".join(problems)


@pytest.mark.build
def test_environment_variables(inventory):
    from benchpost.config import ENVIRONMENT
    from benchpost.freeze import STAGING

    shown = documented(inventory, "std:envvar")
    in_code = {*ENVIRONMENT.values(), STAGING}
    problems = differences("std:envvar", {v for v in shown if v.startswith("BENCHPOST_")}, in_code)
    assert not problems, "\n".join(problems)
    # read with os.environ.get in measure/compiler.py and measure/valgrind.py
    assert {"CC", "VALGRIND"} <= shown, "CC and VALGRIND are not documented"


# -- the command line ---------------------------------------------------------------


def cli_parser() -> argparse.ArgumentParser:
    """The parser ``python -m benchpost`` uses."""
    from benchpost import cli

    return cli.build_parser()


def cli_options(parser: argparse.ArgumentParser) -> set[str]:
    """Every option and positional argument, as the inventory names them:
    ``benchpost.--suite``, ``benchpost-record.--profile``, ``benchpost-freeze.post``.
    ``-h``/``--help`` are left out, and a command's copies of the global options."""

    def names(action: argparse.Action) -> list[str]:
        if isinstance(action, argparse._HelpAction):
            return []
        if action.option_strings:
            return list(action.option_strings)
        return [action.metavar if isinstance(action.metavar, str) else action.dest]

    found = set()
    everywhere = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        everywhere.update(names(action))
        found.update(f"benchpost.{name}" for name in names(action))
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for command, sub in action.choices.items():
            found.update(
                f"benchpost-{command}.{name}"
                for sub_action in sub._actions
                for name in names(sub_action)
                if name not in everywhere
            )
    return found


@pytest.mark.build
def test_command_line(inventory):
    in_code = cli_options(cli_parser())
    programs = {name.partition(".")[0] for name in in_code}
    assert {"benchpost", "benchpost-run", "benchpost-record"} <= programs, programs
    shown = documented(inventory, "std:cmdoption", "benchpost")
    problems = differences("std:cmdoption", shown, in_code)
    assert not problems, "\n".join(problems)


# -- the YAML files ----------------------------------------------------------------------


def accepted_keys(load: Callable[[], object]) -> set[str]:
    """The keys a loader accepts, by path (``profiles.<name>.target``,
    ``groups[].benchmarks[].code``): each ``Section`` it makes with ``keys`` says which
    keys that mapping may hold. The first ``Section`` is the file's top level; a mapping
    read without ``keys`` (``profiles``) has names of the author's choice (``<name>``)."""
    from benchpost.suite.yamlfile import Section

    made: list[tuple[object, tuple[str, ...] | None]] = []
    original = Section.__init__
    signature = inspect.signature(original)

    def noting(self, *args, **kwargs):
        given = signature.bind(self, *args, **kwargs).arguments
        made.append((given["mapping"], given.get("keys")))
        original(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Section, "__init__", noting)
        load()
    keyed = {id(mapping) for mapping, keys in made if keys is not None}
    paths: dict[int, str] = {}

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            paths[id(value)] = path
            for key, child in value.items():
                name = str(key) if id(value) in keyed else "<name>"
                walk(child, f"{path}.{name}" if path else name)
        elif isinstance(value, list):
            for item in value:
                walk(item, f"{path}[]")

    walk(made[0][0], "")
    return {
        f"{paths[id(mapping)]}.{key}" if paths[id(mapping)] else key
        for mapping, keys in made
        for key in keys or ()
    }


#: A suite with every section the loader reads (each with its own keys).
SUITE = """\
extension: {module: simple, sources: [simple.c]}
interpreters:
  - {name: cpython, command: current}
profiles:
  quick: {rounds: 1, values: 1, min_time: 0.001}
instructions: {iterations: 10}
groups:
  - name: calls
    extension: {module: own, sources: [simple.c]}
    benchmarks:
      - {name: noargs, code: pass}
"""

GRID = """\
profile: quick
metrics: [time]
runners: [ubuntu-24.04]
sets:
  versions: {cpython: "3.11"}
"""


@pytest.fixture(scope="module")
def suite_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("suite")
    (folder / "simple.c").write_text("")
    (folder / "suite.yaml").write_text(SUITE)
    (folder / "machines.yaml").write_text(GRID)
    return folder / "suite.yaml"


def test_accepted_keys_are_paths(suite_path):
    from benchpost.suite import load_suite

    keys = accepted_keys(lambda: load_suite(suite_path))
    examples = {"baseline", "interpreters[].command", "profiles.<name>.target",
                "groups[].extension.sources", "groups[].benchmarks[].code"}  # fmt: skip
    assert examples <= keys, textwrap.shorten(f"not found in {sorted(keys)}", 2000)


@pytest.mark.build
def test_suite_keys(inventory, suite_path):
    from benchpost.suite import load_suite

    in_code = accepted_keys(lambda: load_suite(suite_path))
    problems = differences("std:suitekey", documented(inventory, "std:suitekey"), in_code)
    assert not problems, "\n".join(problems)


@pytest.mark.build
def test_grid_keys(inventory, suite_path):
    from benchpost.grid import load_grid
    from benchpost.suite import load_suite

    suite = load_suite(suite_path)
    in_code = accepted_keys(lambda: load_grid(suite_path.with_name("machines.yaml"), suite))
    problems = differences("std:gridkey", documented(inventory, "std:gridkey"), in_code)
    assert not problems, "\n".join(problems)


@pytest.mark.build
def test_no_local_link_is_broken(tmp_path):
    """Sphinx's linkcheck over the docs, local targets only (conf.py ignores http(s)://:
    the build has no network, and other sites are not ours to watch)."""
    pytest.importorskip("myst_parser")
    out = tmp_path / "linkcheck"
    command = [sys.executable, "-m", "sphinx", "-q", "-b", "linkcheck", "docs", out]
    checked = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    results = [json.loads(line) for line in (out / "output.json").read_text().splitlines()]
    assert results, "linkcheck found no link at all"
    broken = [r for r in results if r["status"] not in ("ignored", "unchecked", "working")]
    assert not broken, broken
