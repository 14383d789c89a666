"""The instruction metric in a post: tables, roles, the store, choosing metrics.

Real builds (``python -m sphinx`` in its own process) of a small post on
CPython alone, counted with few iterations to stay fast.
"""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest

from .conftest import (
    TIME_CELL,
    copy_project,
    make_project,
    page_tables,
    run_benchpost,
    sphinx_build,
    suite_yaml,
)

pytestmark = [
    pytest.mark.build,
    pytest.mark.skipif(
        shutil.which("valgrind") is None,
        reason="valgrind is not installed (apt-get install valgrind)",
    ),
]

# Few iterations: a count does not need many (a loop's GC work aside).
SUITE = suite_yaml() + "instructions: {iterations: 4000, values: 1}\n"

POST = """\
Counted
=======

.. benchmark-table:: calls
   :title: Instructions
   :metric: instructions

.. benchmark-table:: calls
   :title: Default

Without arguments: :bench:`instructions:calls/noargs/cpython` per iteration.
"""

CPYTHON_ONLY = ("-D", "benchpost_interpreters=cpython")
COUNT = r"[\d,]+ ± [\d,]+"
TIME = TIME_CELL


def tables(project: Path) -> dict[str, list[list[str]]]:
    """Every results table of the page, by title: rows of cell texts."""
    return page_tables(project / "_build" / "html" / "index.html")


def page_text(project: Path) -> str:
    return _text((project / "_build" / "html" / "index.html").read_text())


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    """The post, built once; tests that rebuild it or use its store work on a copy."""
    project = make_project(tmp_path_factory.mktemp("counted"), SUITE, POST)
    proc = sphinx_build(project, "-W", "--keep-going", *CPYTHON_ONLY)
    return project, proc


def test_a_table_shows_instruction_counts_with_how_they_were_counted(counted):
    project, proc = counted
    rows = tables(project)["Instructions"]
    assert [r[0] for r in rows[1:]] == ["empty loop", "noargs", "onearg(i)"]
    for row in rows[1:]:
        assert re.fullmatch(COUNT, row[1]), row
    text = page_text(project)
    assert "Instructions per loop iteration: the mean ± its 95 % confidence interval" in text
    assert re.search(
        r"Instructions counted \S+ on .*valgrind \d+\.\d+(\.\d+)? \(callgrind\)", text
    )
    assert "startup, imports, setup and the JIT\u2019s warm-up are not in it" in text
    assert "counting instructions of noargs on CPython" in proc.stdout


def test_other_tables_keep_the_default_metric_and_roles_take_a_prefix(counted):
    project, _ = counted
    for row in tables(project)["Default"][1:]:
        assert re.fullmatch(TIME, row[1]), row
    noargs = tables(project)["Instructions"][2][1].split(" ±")[0]
    assert f"Without arguments: {noargs} instructions per iteration." in page_text(project)


def test_counts_and_times_are_stored_apart_and_reused(counted, tmp_path):
    project = copy_project(counted[0], tmp_path / "counted")  # rebuilt here
    results = project / "_build" / "doctrees" / "benchpost" / "results" / "cpython" / "calls"
    names = sorted(p.name for p in results.glob("noargs-*.json"))
    assert len(names) == 2 and sum("-instructions-" in n for n in names) == 1, names
    again = sphinx_build(project, "-W", "-E", *CPYTHON_ONLY)
    assert "0 measured" in again.stdout and "counting" not in again.stdout


def test_the_metrics_setting_can_publish_counts_only(counted, tmp_path):
    project = copy_project(counted[0], tmp_path / "counted")  # rebuilt here
    proc = sphinx_build(
        project, "-W", "-E", *CPYTHON_ONLY, env={"BENCHPOST_METRICS": "instructions"}
    )
    for title in ("Instructions", "Default"):
        for row in tables(project)[title][1:]:
            assert re.fullmatch(COUNT, row[1]), (title, row)
    assert "0 measured" in proc.stdout  # the counts were in the store already


def test_both_metrics_in_one_table(tmp_path):
    post = POST.replace(":metric: instructions", ":metric: time, instructions")
    project = make_project(tmp_path, SUITE, post)
    sphinx_build(project, "-W", *CPYTHON_ONLY)
    rows = tables(project)["Instructions"]
    assert "time" in rows[0][1] and "instructions" in rows[0][2], rows[0]
    assert re.fullmatch(TIME, rows[2][1]) and re.fullmatch(COUNT, rows[2][2]), rows[2]


def test_without_valgrind_or_recorded_counts_one_warning_and_never_times(tmp_path):
    # Issue 12 ("never relabel a metric"): this test used to assert times under the
    # counts table's caption; a counts table now shows counts (recorded) or says why not.
    project = make_project(tmp_path, SUITE, POST)
    env = {"VALGRIND": str(tmp_path / "no-valgrind-here")}
    failed = sphinx_build(project, "-W", *CPYTHON_ONLY, check=False, env=env)
    assert failed.returncode != 0
    proc = sphinx_build(project, "-E", *CPYTHON_ONLY, env=env)
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, proc.stderr
    assert (
        "index.rst:4: WARNING: benchpost: instruction counts on CPython 3" in warnings[0]
        and "cannot be measured here and none were recorded: valgrind" in warnings[0]
    ), warnings[0]
    assert "apt-get install valgrind" in warnings[0] and "BENCHPOST_METRICS=time" in warnings[0]
    for row in tables(project)["Instructions"][1:]:
        assert row[1].startswith("failed"), row
    for row in tables(project)["Default"][1:]:
        assert re.fullmatch(TIME, row[1]), row
    # Times only, as the warning suggests: no warning, even under -W.
    quiet = sphinx_build(
        project, "-W", "-E", *CPYTHON_ONLY, env={**env, "BENCHPOST_METRICS": "time"}
    )
    assert "valgrind" not in quiet.stderr


def test_an_unknown_metric_is_a_warning_at_the_directive(tmp_path):
    post = POST.replace(":metric: instructions", ":metric: instrucions")
    project = make_project(tmp_path, SUITE, post)
    proc = sphinx_build(project, *CPYTHON_ONLY)
    expected = "index.rst:4: WARNING: benchpost: unknown metric 'instrucions' (metrics: time, "
    assert expected in proc.stderr, proc.stderr


def count_on_cpython(project: Path, *command: str):
    """``python -m benchpost COMMAND`` of instruction counts, CPython alone."""
    options = ("--profile", "tiny", "--metric", "instructions", "--interpreter", "cpython")
    return run_benchpost(project, *command, *options)


def test_the_command_line_counts_and_shows_instructions(counted, tmp_path):
    project = copy_project(counted[0], tmp_path / "counted")  # its store is used here
    proc = count_on_cpython(project, "show", "calls")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"noargs\s+{COUNT}", proc.stdout), proc.stdout
    assert "valgrind" in proc.stdout and "0 measured" in proc.stderr


def test_recorded_counts_are_used_without_valgrind(tmp_path):
    project = make_project(tmp_path, SUITE, POST)
    recorded = count_on_cpython(project, "record")
    assert recorded.returncode == 0, recorded.stderr
    (machine,) = (project / "results").iterdir()  # this machine's set
    files = sorted(p.name for p in (machine / "cpython" / "calls").iterdir())
    assert files == ["noargs.instructions.json", "onearg_i.instructions.json"]
    (project / "conf.py").write_text(
        (project / "conf.py").read_text() + 'benchpost_mode = "recorded"\n'
    )
    # No valgrind, a fresh cache: the committed counts are all there is.
    proc = sphinx_build(
        project,
        "-W",
        "-E",
        "-d",
        str(tmp_path / "other-doctrees"),
        *CPYTHON_ONLY,
        check=False,
        env={"VALGRIND": str(tmp_path / "no-valgrind-here")},
    )
    rows = tables(project)["Instructions"]
    assert re.fullmatch(r"CPython 3\.\d+\.\d+ recorded \d{4}-\d\d-\d\d on .+", rows[0][1]), rows
    assert re.fullmatch(COUNT, rows[2][1]), rows
    assert "counting" not in proc.stdout
