"""What a build says: each problem once, where it is, with the fix; nothing needless.

Every test here builds with CPython only, the tiny profile and times only.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from .conftest import sphinx_build
from .test_rereading import ENV, build, html, project_with_own_c, role_values

pytestmark = pytest.mark.build


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "WARNING" in line]


def message_at(stderr: str, location: str) -> str:
    """The warning or error at ``location`` ("index.rst:4"), up to the next blank line."""
    found = re.search(
        rf"{re.escape(location)}: (?:WARNING|ERROR): .*?(?=\n\s*\n|\Z)", stderr, re.S
    )
    assert found, f"no warning at {location}:\n{stderr}"
    return found.group(0)


# -- f) a C syntax error -------------------------------------------------------


def test_a_c_syntax_error_is_one_warning_at_the_c_file_and_line(tmp_path):
    post = textwrap.dedent("""\
        Post
        ====

        .. benchmark-table:: calls

        .. benchmark-chart:: calls

        A call takes :bench:`calls/noargs/cpython`,

        and one with an argument :bench:`calls/onearg(i)/cpython`.
        """)
    project = project_with_own_c(tmp_path / "post", post)
    source = project / "simple.c"
    lines = source.read_text().splitlines(keepends=True)
    broken = 20  # inside the C function noargs
    lines.insert(broken - 1, "int broken = ;\n")
    source.write_text("".join(lines))

    proc = sphinx_build(project, check=False, env=ENV)
    found = warnings(proc.stderr)
    assert len(found) == 1, f"{len(found)} warnings, not one:\n{proc.stderr}"
    assert re.search(rf"simple\.c:{broken}\b", found[0]), found[0]
    assert len(proc.stderr.splitlines()) <= 15, proc.stderr
    # Each directive and role that could not be measured: at most one short line.
    log = proc.stdout + proc.stderr
    for line in (4, 6, 8, 10):
        notes = [n for n in log.splitlines() if f"index.rst:{line}:" in n]
        assert len(notes) <= 1 and all(len(n) < 300 for n in notes), notes
    assert "Traceback" not in log
    # The page: one short note under the table, not one per cell.
    page = html(project)
    for container in re.findall(r'<div class="benchpost .*?</div>', page, re.S):
        failures = re.findall(r'<p class="benchpost-failure">(.*?)</p>', container, re.S)
        assert len(failures) <= 1 and all(len(f) < 300 for f in failures), failures


# -- g) a role's warning at its own line ---------------------------------------


def test_a_role_warns_at_its_own_line_not_at_its_paragraph(tmp_path):
    post = textwrap.dedent("""\
        Post
        ====

        First line of the paragraph,
        second line of it,
        and the third: :bench:`calls/nope/cpython`.
        """)
    project = project_with_own_c(tmp_path / "post", post)
    proc = sphinx_build(project, check=False, env=ENV)
    (warning,) = warnings(proc.stderr)
    assert re.search(r"index\.rst:6: WARNING: .*calls/nope/cpython", warning), warning


# -- h) a misspelt directive option --------------------------------------------


def test_a_misspelt_option_lists_the_options_and_suggests_the_right_one(tmp_path):
    post = textwrap.dedent("""\
        Post
        ====

        .. benchmark-table:: calls
           :titel: X
        """)
    project = project_with_own_c(tmp_path / "post", post)
    proc = sphinx_build(project, check=False, env=ENV)
    message = message_at(proc.stderr, "index.rst:4")
    assert "titel" in message, message
    assert re.search(r"did you mean .?title\b", message), message
    for option in ("title", "interpreters", "benchmarks", "subtract-loop", "hide-loop", "metric"):
        assert re.search(rf"(?<![\w-]){option}(?![\w-])", message.replace("did you mean", "")), (
            option,
            message,
        )


# -- i) no configuration change without a change -------------------------------


def test_a_build_with_no_change_does_not_say_the_configuration_changed(tmp_path):
    project = project_with_own_c(tmp_path / "post")
    build(project)
    for _ in range(2):  # the second and the third build
        proc = build(project)
        assert "configuration has changed" not in proc.stdout, [
            line for line in proc.stdout.splitlines() if "configuration" in line
        ]


# -- j) the interpreter's name measures nothing --------------------------------


def test_the_interpreter_role_alone_measures_nothing(tmp_path):
    post = "Post\n====\n\nMeasured on :bench-interpreter:`cpython`.\n"
    project = project_with_own_c(tmp_path / "post", post)
    proc = build(project)
    assert re.fullmatch(r"CPython 3\.\d+\.\d+", role_values(project)[0]), role_values(project)
    assert "benchpost: measuring" not in proc.stdout
    assert not re.search(r"\b[1-9]\d* measured", proc.stdout), proc.stdout[-300:]
    results = project / "_build" / "doctrees" / "benchpost" / "results"
    assert not list(results.rglob("*.json")), list(results.rglob("*.json"))
