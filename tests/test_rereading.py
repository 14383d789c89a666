"""A post is read again whenever the numbers it shows would change.

Sphinx re-reads a post when its source (or a noted dependency) changes; the
numbers behind it can change without that: the C code of a benchmark, its
code in the suite, the interpreter, a recorded result rewritten in place,
or a C file saved while a build was measuring. Each of these must show new
numbers on the next build, with no change to the post.

Every test here builds with CPython only, the tiny profile and times only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from html import unescape
from pathlib import Path

import pytest

from .conftest import ROOT, make_project, run_benchpost, sphinx_build, sphinx_command

pytestmark = pytest.mark.build

ENV = {"BENCHPOST_METRICS": "time"}
TINY = "{processes: 1, values: 3, min_time: 0.002, warmups: {cpython: 0, pypy: 1}}"
ROLE_POST = """\
Post
====

A call takes :bench:`calls/noargs/cpython`.
"""
#: The body of ``noargs`` in cext/simple.c, and a busy loop to put into it.
NOARGS = "noargs(PyObject *self, PyObject *unused)\n{\n"
BUSY = "    for (volatile long n = 0; n < 200000; n++) {}\n"
UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6, "ns": 1e-9}


def cpython_suite(
    source: Path,
    code: str = "simple.noargs()",
    command: str = "current",
    profile: str = TINY,
) -> str:
    """A suite with one interpreter (CPython) on the C extension at ``source``."""
    return textwrap.dedent(f"""\
        extension:
          module: simple
          sources: [{source}]
        interpreters:
          - name: cpython
            label: CPython
            command: {command}
        baseline: cpython
        profiles:
          tiny: {profile}
        groups:
          - name: calls
            title: Calls
            setup: import simple
            benchmarks:
              - name: noargs
                code: {json.dumps(code)}
              - name: onearg(i)
                code: simple.onearg(i)
        """)


def project_with_own_c(folder: Path, post: str = ROLE_POST, **suite) -> Path:
    """A project whose suite compiles its own copy of cext/simple.c."""
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "simple.c"
    shutil.copyfile(ROOT / "cext" / "simple.c", source)
    return make_project(folder, cpython_suite(source, **suite), post)


def slow_down_noargs(project: Path) -> None:
    """Make the C function ``noargs`` busy for microseconds instead of nanoseconds."""
    source = project / "simple.c"
    text = source.read_text()
    assert NOARGS in text
    source.write_text(text.replace(NOARGS, NOARGS + BUSY))


def build(project: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return sphinx_build(project, *options, env=ENV)


def html(project: Path) -> str:
    return (project / "_build" / "html" / "index.html").read_text()


def role_values(project: Path) -> list[str]:
    """The texts of the roles' values, in the order of the post."""
    return [
        unescape(v).strip()
        for v in re.findall(r'<span class="benchpost-value">([^<]*)</span>', html(project))
    ]


def seconds(text: str) -> float:
    """ "21.1 ns" -> 2.11e-08: the first time with its unit in ``text``."""
    found = re.search(r"([\d.,]+)\s*(ns|µs|ms|s)\b", text)
    assert found, f"no time in {text!r}"
    return float(found.group(1).replace(",", "")) * UNITS[found.group(2)]


def table_cell(project: Path, benchmark: str) -> str:
    """The CPython cell of ``benchmark`` in the post's (first) table."""
    table = re.search(r'<table class="[^"]*benchpost-table.*?</table>', html(project), re.S)
    assert table, "no table in the page"
    for row in re.findall(r"<tr.*?</tr>", table.group(0), re.S):
        cells = [
            re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", c))).strip()
            for c in re.findall(r"<t[hd].*?</t[hd]>", row, re.S)
        ]
        if cells and cells[0] == benchmark:
            return cells[1]
    raise AssertionError(f"no row {benchmark!r} in the table")


def measured(proc: subprocess.CompletedProcess[str]) -> int:
    """How many results the build's summary line says it measured (0 if none)."""
    found = re.search(r"benchpost: \d+ results: (\d+) measured", proc.stdout)
    return int(found.group(1)) if found else 0


def summary(proc: subprocess.CompletedProcess[str]) -> str:
    """benchpost's lines of a build's output, for failure messages."""
    return "\n".join(line for line in proc.stdout.splitlines() if "benchpost" in line)


def assert_much_slower(before: str, after: str) -> None:
    assert seconds(after) >= 10 * seconds(before), (
        f"the post still shows {after!r} (before: {before!r}); a busy loop of "
        f"200000 iterations must show a number at least 10x larger"
    )


# -- a) the C code ------------------------------------------------------------


def test_a_role_only_post_shows_new_numbers_after_the_c_code_changes(tmp_path):
    project = project_with_own_c(tmp_path / "post")
    build(project)
    (before,) = role_values(project)

    slow_down_noargs(project)
    again = build(project)
    (after,) = role_values(project)
    assert_much_slower(before, after)
    assert measured(again) >= 1, summary(again)

    # The same project built from scratch shows the slow number too: the
    # busy loop is what a reader must see, not an artefact of this test.
    shutil.rmtree(project / "_build")
    build(project)
    (clean,) = role_values(project)
    assert_much_slower(before, clean)


# -- b) the benchmark's code in the suite -------------------------------------


def test_a_role_only_post_shows_new_numbers_after_the_benchmark_code_changes(tmp_path):
    project = project_with_own_c(tmp_path / "post")
    build(project)
    (before,) = role_values(project)

    slow = cpython_suite(project / "simple.c", code="simple.noargs(); sum(range(2000))")
    (project / "suite.yaml").write_text(slow)
    again = build(project)
    (after,) = role_values(project)
    assert_much_slower(before, after)
    assert measured(again) >= 1, summary(again)


# -- c) the interpreter -------------------------------------------------------


def test_a_role_only_post_is_measured_again_when_the_interpreter_changes(tmp_path):
    # The interpreter is a symlink in the project, as a "pypy3" on PATH often
    # is. It first points at the real CPython, then at a copy of it elsewhere:
    # the same version, but another executable (its real path differs), so a
    # different interpreter identity whose numbers must be measured, not reused.
    real = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    other = tmp_path / "other-python" / "python3"
    other.parent.mkdir()
    shutil.copy2(real, other)
    assert os.path.realpath(other) != real
    link = tmp_path / "post" / "py"
    link.parent.mkdir()
    link.symlink_to(real)
    project = project_with_own_c(tmp_path / "post", command=str(link))
    first = build(project)
    assert measured(first) >= 1, summary(first)
    (before,) = role_values(project)
    assert seconds(before) > 0

    link.unlink()
    link.symlink_to(other)
    assert os.path.realpath(link) == str(other)
    again = build(project)
    assert "no post with results was read again" not in again.stdout, summary(again)
    assert "benchpost: measuring" in again.stdout
    assert measured(again) >= 1, summary(again)
    (after,) = role_values(project)
    assert seconds(after) > 0


# -- d) a recorded result rewritten in place -----------------------------------


def _noargs_mean(data: dict) -> float:
    """The mean of the values of benchmark ``noargs`` in a pyperf suite's JSON."""
    for bench in data["benchmarks"]:
        if bench.get("metadata", {}).get("name") == "noargs":
            values = [v for run in bench["runs"] for v in run.get("values", [])]
            return sum(values) / len(values)
    raise AssertionError("no benchmark 'noargs' in the published pyperf data")


def _published(project: Path) -> dict:
    """The pyperf data file the table links to (the CPython one), as JSON."""
    links = re.findall(r'href="(_downloads/[^"]+\.json)"', html(project))
    assert len(links) == 1, links
    return json.loads((project / "_build" / "html" / links[0]).read_text())


def _chart(project: Path) -> bytes:
    found = re.search(r'<img [^>]*src="([^"]+\.svg)"', html(project))
    assert found, "no chart in the page"
    return (project / "_build" / "html" / found.group(1)).read_bytes()


def _times_ten(path: Path) -> None:
    data = json.loads(path.read_text())
    for bench in data["benchmarks"]:
        for run in bench["runs"]:
            if "values" in run:
                run["values"] = [v * 10 for v in run["values"]]
    path.write_text(json.dumps(data))


def test_a_recorded_result_rewritten_in_place_changes_table_role_data_and_chart(tmp_path):
    post = textwrap.dedent("""\
        Post
        ====

        .. benchmark-table:: calls

        .. benchmark-chart:: calls

        A call takes :bench:`calls/noargs/cpython`.
        """)
    project = project_with_own_c(tmp_path / "post", post)
    recorded = run_benchpost(project, "record", "--draft", "--profile", "tiny")
    assert recorded.returncode == 0, recorded.stderr
    files = sorted((project / "results").glob("*/cpython/**/*.json"))
    assert files, "record wrote no file"
    env = {**ENV, "BENCHPOST_MODE": "recorded"}
    first = sphinx_build(project, env=env)
    assert "benchpost: measuring" not in first.stdout
    cell, (role,) = table_cell(project, "noargs"), role_values(project)
    data, chart = _noargs_mean(_published(project)), _chart(project)

    for path in files:
        _times_ten(path)
    sphinx_build(project, env=env)
    new_cell, (new_role,) = table_cell(project, "noargs"), role_values(project)
    for old, new in [(cell, new_cell), (role, new_role)]:
        assert abs(seconds(new) / seconds(old) - 10) < 0.2, (old, new)
    new_data = _noargs_mean(_published(project))
    assert abs(new_data / data - 10) < 1e-6, (data, new_data)
    assert _chart(project) != chart, "the chart was not drawn again"


# -- e) a C file saved while a build measures ----------------------------------


def test_a_c_file_saved_while_measuring_is_measured_again_by_the_next_build(tmp_path):
    post = textwrap.dedent("""\
        Post
        ====

        .. benchmark-table:: calls
           :benchmarks: noargs

        A call takes :bench:`calls/noargs/cpython`.
        """)
    slower = "{processes: 2, values: 3, min_time: 0.05, warmups: {cpython: 0, pypy: 1}}"
    project = project_with_own_c(tmp_path / "post", post, profile=slower)
    command = sphinx_command(project)
    environ = {**os.environ, **ENV, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ
    )
    output = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "benchpost: measuring" in line:
                slow_down_noargs(project)  # saved while the build measures
                break
        output.extend(proc.stdout)
        assert proc.wait(timeout=120) == 0, "".join(output)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert BUSY in (project / "simple.c").read_text(), "".join(output)
    # The first build measured the old code: it shows a fast call.
    before = table_cell(project, "noargs")
    assert seconds(before) < 10e-6, before

    again = build(project)
    assert "nothing measured" not in again.stdout, summary(again)
    assert measured(again) >= 1, summary(again)
    assert_much_slower(before, table_cell(project, "noargs"))
    assert_much_slower(before, role_values(project)[0])
