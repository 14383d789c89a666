"""Recorded sets: measured side by side on one machine, committed, shown whole."""

from __future__ import annotations

import hashlib
import re

import pytest

from .conftest import make_project, needs_pypy, run_benchpost, sphinx_build, suite_yaml
from .test_sphinx_build import page_text, table_rows

pytestmark = pytest.mark.build


def benchpost(project, *args):
    return run_benchpost(project, *args, "--profile", "tiny")


def ratios(project) -> list[str]:
    """The ratio cells of the first table (a ratio follows a value's unit)."""
    cells = [cell for row in table_rows(project)[1:] for cell in row[2:]]
    return [re.sub(r"^[\d.]+ \S+ ± [\d.]+ \S+ ", "", cell) for cell in cells]


@needs_pypy
def test_without_pypy_every_column_and_ratio_is_the_recorded_sets(tmp_path):
    project = make_project(tmp_path)
    recorded = benchpost(project, "record", "--draft", "--machine", "box")
    assert recorded.returncode == 0, recorded.stderr
    box = project / "results" / "box"
    assert sorted(p.name for p in box.iterdir()) == ["cpython", "pypy"]
    assert sorted(p.name for p in (box / "pypy" / "calls").iterdir()) == [
        "noargs.json",
        "onearg_i.json",
    ]
    sphinx_build(project, "-W", "-E", env={"BENCHPOST_MODE": "recorded"})
    expected = ratios(project)

    # "Uninstall" PyPy: point the suite at a command that does not exist.
    (project / "suite.yaml").write_text(suite_yaml(pypy_command="/nonexistent/pypy3"))
    proc = sphinx_build(project, "-W", "-E")
    assert "0 measured" in proc.stdout, proc.stdout
    header = table_rows(project)[0]
    for cell in header[1:]:  # the baseline too: one set for every column
        assert re.fullmatch(r"(CPython|PyPy) [\d.]+ recorded \d{4}-\d\d-\d\d on box", cell)
    assert ratios(project) == expected  # the recording's own ratios, nothing else
    text = page_text(project)
    assert "\u2021" not in text
    assert "Every column comes from one recorded set" in text
    assert "Recorded, not measured here: PyPy (/nonexistent/pypy3) was not found" in text
    assert re.search(r"This machine could measure CPython 3\.\d+\.\d+;", text)
    assert re.search(r"Results on CPython [\d.]+ and PyPy \d+\.\d+\.\d+", text)


def test_a_table_over_two_machines_labels_both_and_recording_one_leaves_the_other(
    tmp_path,
):
    post = "Post\n====\n\n.. benchmark-table:: calls\n   :sets: a, b\n   :interpreters: cpython\n"
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"), post)
    for machine in ("a", "b"):  # the same computer, recorded twice under two names
        proc = benchpost(project, "record", "--draft", "--machine", machine)
        assert proc.returncode == 0, proc.stderr
    b_files = {p: hashlib.sha256(p.read_bytes()).hexdigest()
               for p in (project / "results" / "b").rglob("*.json")}  # fmt: skip
    a_noargs = project / "results" / "a" / "cpython" / "calls" / "noargs.json"
    a_before = a_noargs.read_bytes()

    sphinx_build(project, "-W", "-E")  # its data files too: "calls-cpython-on-a.json"
    assert list((project / "_build" / "html" / "_downloads").rglob("calls-cpython-on-b.json"))
    header = table_rows(project)[0]
    assert re.fullmatch(r"CPython [\d.]+ on a recorded \d{4}-\d\d-\d\d on a", header[1])
    assert re.fullmatch(r"CPython [\d.]+ on b recorded \d{4}-\d\d-\d\d on b", header[2])
    noargs = next(row for row in table_rows(project) if row[0] == "noargs")
    assert noargs[2].endswith("\u2020"), noargs  # unpaired: another set
    text = page_text(project)
    assert "a ratio across sets" in text and "their ratios are unpaired" in text
    for machine in ("a", "b"):
        assert re.search(rf"Set {machine}: recorded \d{{4}}-\d\d-\d\d on \S+", text)
    assert re.search(r"reference loop \(the empty loop on CPython [\d.]+\) [\d.]+ ns, "
                     r"([\d.]+x (slower|faster) than|the same as) on a", text)  # fmt: skip

    again = benchpost(project, "record", "--draft", "--machine", "a")
    assert again.returncode == 0, again.stderr
    assert a_noargs.read_bytes() != a_before
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (project / "results" / "b").rglob("*.json")} == b_files  # fmt: skip


def test_recorded_mode_measures_nothing_and_stale_results_warn(tmp_path):
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    assert benchpost(project, "record", "--draft", "--machine", "box").returncode == 0
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
        r"result .*box/cpython/calls/noargs\.json is stale.*"
        r"'python -m benchpost record --machine box'",
        stale.stderr,
    ), stale.stderr


def test_a_machine_name_that_cannot_name_a_folder_is_refused(tmp_path):
    project = make_project(tmp_path)
    proc = benchpost(project, "record", "--draft", "--machine", "../elsewhere")
    assert proc.returncode == 2 and "a machine's name is a folder's name" in proc.stderr
    assert not (project / "results").exists()


def test_record_asks_before_it_records_draft_times(tmp_path):
    project = make_project(tmp_path)
    proc = run_benchpost(project, "record", "--machine", "box", "--profile", "tiny")
    assert proc.returncode == 2, proc.stderr
    assert "the profile 'tiny' is a draft profile" in proc.stderr and "--draft" in proc.stderr
    assert not (project / "results").exists()
