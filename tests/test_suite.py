"""The suite file: the real one loads; mistakes are reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchpost.suite import EMPTY_LOOP, SuiteError, load_suite

from .conftest import suite_yaml

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
extension:
  module: simple
  sources: [simple.c]
interpreters:
  - name: cpython
    command: current
profiles:
  tiny: {processes: 1, values: 2, min_time: 0.001, warmups: {cpython: 0}}
groups:
  - name: calls
    setup: import simple
    benchmarks:
      - name: noargs
        code: simple.noargs()
"""


def write_suite(tmp_path: Path, text: str) -> Path:
    (tmp_path / "simple.c").write_text("/* empty */\n")
    path = tmp_path / "suite.yaml"
    path.write_text(text)
    return path


def test_the_project_suite_has_all_twelve_benchmarks():
    suite = load_suite(ROOT / "benchmarks" / "suite.yaml")
    names = [b.name for g in suite.groups for b in g.benchmarks]
    assert names == [
        "noargs",
        "onearg(None)",
        "onearg(i)",
        "varargs",
        "allocate_int",
        "allocate_tuple",
        "Foo().noargs",
        "Foo().onearg(None)",
        "Foo().onearg(i)",
        "Foo().varargs",
        "len(Foo())",
        "Foo()[0]",
    ]
    assert suite.benchmark("calls", "onearg(i)").code == "simple.onearg(i)"
    assert "obj = simple.Foo()" in suite.benchmark("type-slots", "Foo()[0]").setup
    assert {"tiny", "quick", "rigorous"} <= set(suite.profiles)
    assert suite.profile("quick").warmups_for("pypy") > suite.profile("quick").warmups_for(
        "cpython"
    )
    assert suite.benchmark("calls", EMPTY_LOOP.name) is EMPTY_LOOP


def test_a_small_suite_loads(tmp_path):
    suite = load_suite(write_suite(tmp_path, GOOD))
    assert suite.baseline == "cpython"
    assert suite.group("calls").benchmarks[0].setup == "import simple"


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("        code: simple.noargs()", "        cod: simple.noargs()", 14, "'cod'"),
        ("  tiny: {processes: 1,", "  tiny: {processes: one,", 8, "whole number"),
        ("    command: current\n", "", 5, "no 'command'"),
        ("        code: simple.noargs()", "        code: simple.noargs(", 14, "not valid Python"),
        ("    setup: import simple", "    setup: [import simple", 12, "YAML syntax error"),
    ],
)
def test_mistakes_name_the_file_and_line(tmp_path, old, new, line, words):
    path = write_suite(tmp_path, GOOD.replace(old, new))
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message


def test_an_unknown_key_suggests_the_right_one(tmp_path):
    path = write_suite(tmp_path, GOOD.replace("        code:", "        cod:"))
    with pytest.raises(SuiteError, match="did you mean 'code'"):
        load_suite(path)


def test_unknown_names_are_lookup_errors_listing_what_exists(tmp_path):
    suite = load_suite(write_suite(tmp_path, GOOD))
    with pytest.raises(LookupError, match=r"groups: calls"):
        suite.group("cals")
    with pytest.raises(LookupError, match=r"benchmarks: noargs"):
        suite.benchmark("calls", "noarg")


def test_a_file_that_is_not_utf8_or_has_control_characters_is_a_suite_error(tmp_path):
    path = write_suite(tmp_path, GOOD)
    path.write_bytes(GOOD.encode() + b"# caf\xe9\n")
    with pytest.raises(SuiteError, match=r"suite\.yaml:15: the suite file is not UTF-8 text"):
        load_suite(path)
    path.write_bytes(GOOD.encode() + b"\x1f")
    with pytest.raises(SuiteError, match=r"suite\.yaml:15: YAML error: .*control"):
        load_suite(path)


def test_a_benchmark_name_a_role_cannot_address_is_refused_at_its_line(tmp_path):
    text = GOOD.replace("name: noargs", "name: raise in C, catch", 1)
    path = write_suite(tmp_path, text)
    with pytest.raises(SuiteError, match=r"contains '/', ',' or '\|'.*a role could not name"):
        load_suite(path)


def test_a_variant_is_its_declaration_under_another_name_without_a_command(tmp_path):
    from benchpost.measure.interpreters import InterpreterNotFound, resolve_command

    (tmp_path / "suite.yaml").write_text(suite_yaml())
    suite = load_suite(tmp_path / "suite.yaml")
    version, branch = suite.interpreter("pypy-7.3.17"), suite.interpreter("pypy-jit-off")
    assert (version.label, branch.label) == ("PyPy", "PyPy jit-off")
    assert version.command == branch.command == "" and version.required
    with pytest.raises(InterpreterNotFound, match=r"^PyPy has no command here: .* record "
                       r"--command pypy-7\.3\.17=PATH"):  # fmt: skip
        resolve_command(version)
    with pytest.raises(LookupError, match=r"no interpreter 'pipy-2'.*e\.g\. cpython-2"):
        suite.interpreter("pipy-2")


def test_a_target_leaves_room_for_what_varies_between_builds(tmp_path):
    from dataclasses import replace

    (tmp_path / "suite.yaml").write_text(suite_yaml())
    tiny = load_suite(tmp_path / "suite.yaml").profile("tiny")
    assert replace(tiny, target=0.03).rounds_target == pytest.approx(0.03, rel=1e-6)
    # 1 % between builds alone makes every interval about ±2 %: the rounds get the rest
    assert 0.02 < replace(tiny, target=0.03, between_builds=0.01).rounds_target < 0.023
    assert replace(tiny, target=0.03, between_builds=0.02).rounds_target == 0
    text = suite_yaml().replace("min_time: 0.002\n", "min_time: 0.002\n    target: 0.03\n"
                                "    between_builds: 0.02\n")  # fmt: skip
    (tmp_path / "suite.yaml").write_text(text)
    floor = r"with between_builds 2.0%, which alone makes every interval ±4.0%"
    message = rf"suite.yaml:\d+: a target of ±3.0% cannot be met {floor}"
    with pytest.raises(SuiteError, match=message):
        load_suite(tmp_path / "suite.yaml")
