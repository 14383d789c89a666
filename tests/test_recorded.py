"""Recorded results: measured elsewhere, committed, used where the interpreter is absent."""

from __future__ import annotations

import re

import pytest

from .conftest import make_project, needs_pypy, run_benchpost, sphinx_build, suite_yaml
from .test_sphinx_build import page_text, table_rows

pytestmark = pytest.mark.build


def benchpost(project, *args):
    return run_benchpost(project, *args, "--profile", "tiny")


@needs_pypy
def test_recorded_pypy_results_fill_the_column_when_pypy_is_gone(tmp_path):
    project = make_project(tmp_path)
    recorded = benchpost(project, "record", "--interpreter", "pypy")
    assert recorded.returncode == 0, recorded.stderr
    files = sorted(p.name for p in (project / "results" / "pypy" / "calls").iterdir())
    assert files == ["noargs.json", "onearg_i.json"]
    assert "empty_loop.json" in {p.name for p in (project / "results" / "pypy").rglob("*")}

    # "Uninstall" PyPy: point the suite at a command that does not exist.
    (project / "suite.yaml").write_text(suite_yaml(pypy_command="/nonexistent/pypy3"))
    proc = sphinx_build(project, "-W", "-E")
    header = table_rows(project)[0]
    assert re.fullmatch(r"PyPy \d+\.\d+\.\d+ recorded \d{4}-\d\d-\d\d on .+", header[2]), header
    rows = {r[0]: r for r in table_rows(project)[1:]}
    # (two tiny rounds rarely tell the two apart: then the wording says so)
    worded = r"([\d.]+x (faster|slower) \(.+\)|≈ same speed)"
    assert re.match(r"[\d.]+ ns ± [\d.]+ ns " + worded, rows["noargs"][2]), rows["noargs"]
    html = (project / "_build" / "html" / "index.html").read_text()
    assert re.search(
        r"PyPy \d+\.\d+\.\d+ \(Python 3\.\d+\.\d+\): recorded \d{4}-\d\d-\d\d "
        r"on [^<]+, profile “tiny”",
        html,
    )
    assert "was not found" not in html  # a recorded column is not a missing one
    assert not re.search(r"measuring .* on PyPy", proc.stdout)
    assert "optional interpreter" not in proc.stdout  # nothing is missing from the post
    assert re.search(r"Results on CPython [\d.]+ and PyPy \d+\.\d+\.\d+", page_text(project))


def test_recorded_mode_measures_nothing_and_stale_results_warn(tmp_path):
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    assert benchpost(project, "record").returncode == 0
    (project / "conf.py").write_text(
        (project / "conf.py").read_text() + 'benchpost_mode = "recorded"\n'
    )
    # A fresh cache: only the recorded files can provide numbers.
    clean = sphinx_build(project, "-W", "-E", "-d", str(tmp_path / "other-doctrees"))
    assert "benchpost: measuring" not in clean.stdout
    assert "0 measured" in clean.stdout and "recorded" in clean.stdout

    edited = suite_yaml(pypy_command="/nonexistent/pypy3").replace(
        "code: simple.noargs()", "code: simple.noargs() or 1"
    )
    (project / "suite.yaml").write_text(edited)
    stale = sphinx_build(project, "-W", "-E", check=False)
    assert stale.returncode != 0
    assert re.search(
        r"index\.rst:6: WARNING: benchpost: 'noargs' on CPython [\d.]+: recorded "
        r"result .*noargs\.json is stale",
        stale.stderr,
    ), stale.stderr
