"""A frozen post keeps its numbers while the next post is written.

In a copy of this project: freeze the Cape Town post (``python -m
benchpost freeze``), then add a benchmark, a C function (in a C file of its
own, named by its group) and a draft post, and build. The Cape Town post's
tables and notes stay byte-identical and nothing of it is measured; a C
syntax error in the new function leaves it intact too.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from benchpost.freeze import field_value, with_field

from .conftest import FREEZE_DRAFT
from .test_fresh_machine import POST, copy_this_project, sphinx_build

pytestmark = pytest.mark.build

ENV = {"BENCHPOST_PROFILE": "tiny"}

NEW_C = """\
#include <Python.h>

static PyObject *new_function(PyObject *self, PyObject *args) { Py_RETURN_NONE; }

static PyMethodDef functions[] = {
    {"new_function", (PyCFunction)new_function, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "newpost", NULL, -1, functions};

PyMODINIT_FUNC PyInit_newpost(void) { return PyModule_Create(&module); }
"""

NEW_GROUP = """
  - name: newgroup
    title: A new function
    extension: {module: newpost, sources: [../cext/newpost.c]}
    setup: import newpost
    benchmarks:
      - name: new_function
        code: newpost.new_function()
"""

NEW_POST = """\
:author: Someone
:date: 2026-11-25
:slug: a-new-post
:draft: yes

A new post
==========

.. benchmark-table:: newgroup
   :title: The new function
   :metric: time

It takes :bench:`newgroup/new_function/cpython` on CPython.
"""


#: A post's tables, notes and inline values, as HTML.
NUMBERS = r'<div class="benchpost.*?</div>|class="benchpost-value">[^<]*<'


def numbers(project) -> list[str]:
    """The Cape Town post's tables, notes and inline values, as HTML."""
    return re.findall(NUMBERS, (project / POST).read_text(), re.S)


def test_the_field_is_added_or_replaced_in_the_field_list():
    source = ":author: A\n:date: 2026-01-01\n\nTitle\n=====\n\n:frozen: not a field here\n"
    frozen = with_field(source, "2026-11-25")
    assert frozen.startswith(":author: A\n:date: 2026-01-01\n:frozen: 2026-11-25\n\nTitle")
    assert field_value(frozen) == "2026-11-25" and field_value(source) == ""
    assert with_field(frozen, "2027-01-01").count(":frozen:") == 2  # the body's line stays
    assert field_value(with_field(frozen, "2027-01-01")) == "2027-01-01"


def test_a_frozen_post_keeps_its_numbers_while_another_post_is_written(tmp_path):
    project = copy_this_project(tmp_path / "site")
    # The draft built from recorded sets would say they are stale once noargs changes.
    (project / "posts" / "ci-machines-demo.rst").unlink()
    suite = project / "benchmarks" / "suite.yaml"
    suite.write_text(re.sub(r"iterations: \d+", "iterations: 10000", suite.read_text()))
    freeze = subprocess.run(
        [sys.executable, "-m", "benchpost", "freeze", "posts/cape-town-sprint.rst", *FREEZE_DRAFT],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, **ENV},
    )
    assert freeze.returncode == 0, freeze.stderr[-3000:]
    assert ":frozen: " in (project / "posts" / "cape-town-sprint.rst").read_text()
    frozen = project / "benchmarks" / "results" / "frozen" / "posts" / "cape-town-sprint"
    assert len(list(frozen.rglob("*.json"))) >= 26

    sphinx_build(project, "-W", "--keep-going", env=ENV)
    before = numbers(project)
    assert before and any("frozen with the post" in n for n in before)

    (project / "cext" / "newpost.c").write_text(NEW_C)
    suite.write_text(suite.read_text() + NEW_GROUP)
    (project / "posts" / "new-post.rst").write_text(NEW_POST)
    index = project / "index.rst"
    index.write_text(index.read_text() + "   posts/new-post\n")
    proc = sphinx_build(project, "-W", "--keep-going", env=ENV)
    measured = re.findall(r"measuring (.+?) on ", proc.stdout)
    # The new post's rows alone (the freeze's cache was its own: the loop too).
    assert set(measured) == {"2 benchmarks (empty loop, new_function)"}, proc.stdout
    assert numbers(project) == before

    broken = NEW_C.replace("Py_RETURN_NONE; }", "Py_RETURN_NONE }")
    (project / "cext" / "newpost.c").write_text(broken)
    proc = sphinx_build(project, "--keep-going", env=ENV, check=False)
    assert re.search(r"newpost\.c:3: WARNING", proc.stderr), proc.stderr
    assert numbers(project) == before

    # Its own benchmark's code changes: not an error; the note says what it shows.
    (project / "cext" / "newpost.c").write_text(NEW_C)
    text = suite.read_text().replace("code: simple.noargs()", "code: simple.noargs(); 0")
    suite.write_text(text)
    sphinx_build(project, "-W", "--keep-going", env=ENV)
    changed = numbers(project)
    assert any("The code of noargs has changed since" in n for n in changed), changed
    assert [re.sub(r" The code of .*?measured then\.", "", n) for n in changed] == before


CALLS_POST = """\
:author: Someone
:date: 2026-11-26
:slug: calls-again
:draft: yes

Calls again
===========

.. benchmark-table:: calls
   :title: Calls, frozen
   :metric: time

A call takes :bench:`calls/noargs/cpython` on CPython; PyPy is
:bench-ratio:`calls/*/pypy` than CPython, and
:claim:`slow with an int <pypy slower than cpython on calls/onearg(i)>`.
"""


def test_a_freeze_measures_its_post_alone_and_every_later_build_renders_it_the_same(tmp_path):
    project = copy_this_project(tmp_path / "site")
    (project / "posts" / "calls-again.rst").write_text(CALLS_POST)
    index = project / "index.rst"
    index.write_text(index.read_text() + "   posts/calls-again\n")
    freeze = subprocess.run(
        [sys.executable, "-m", "benchpost", "freeze", "posts/calls-again.rst", *FREEZE_DRAFT],
        cwd=project, capture_output=True, text=True, check=False,
        env={**__import__("os").environ, **ENV, "BENCHPOST_METRICS": "time"},
    )  # fmt: skip
    assert freeze.returncode == 0, freeze.stderr[-3000:]
    log = freeze.stdout + freeze.stderr
    measured = set(re.findall(r"measuring \d+ benchmarks \((.+?)\) on ", log))
    # The calls group only: the Cape Town post (live, every group) was not read.
    assert measured == {"empty loop, noargs, onearg(None), onearg(i), varargs"}, measured
    assert not (project / "_build" / "freezing").exists() or not any(
        (project / "_build" / "freezing").iterdir()
    )  # fmt: skip
    page = project / "_build" / "html" / "posts" / "calls-again.html"
    shown = []
    for profile in ("tiny", "quick", "publish", "rigorous"):  # their between_builds differ
        env = {"BENCHPOST_PROFILE": profile, "BENCHPOST_MODE": "recorded"}
        sphinx_build(project, "-W", "--keep-going", "-E", env=env)
        shown.append(re.findall(NUMBERS, page.read_text(), re.S))
    assert shown[0] and all(numbers == shown[0] for numbers in shown)
    # show prints what the post shows: its frozen numbers, whatever profile is asked.
    values = re.findall(r'class="benchpost-value">([^<]*)<', page.read_text())
    assert values
    printed = subprocess.run(
        [sys.executable, "-m", "benchpost", "show", "posts/calls-again.rst", "--profile", "quick"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert printed.returncode == 0, printed.stderr[-3000:]
    text = " ".join(printed.stdout.split())
    assert all(" ".join(v.split()) in text for v in values), (values, text)
    assert "These times were frozen with the post" in text
    assert "measuring" not in printed.stderr
    # (Two rounds of tiny decide little: the claim's verdict may be anything, and it is a
    # note in every build above, whatever the build's profile: its numbers are tiny's.)
    # claims checks the frozen numbers too, as the build does (it measured live ones).
    claims = ["claims", "posts/calls-again.rst", "--profile", "tiny"]
    checked = subprocess.run(
        [sys.executable, "-m", "benchpost", *claims],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "measuring" not in checked.stderr, checked.stderr[-2000:]
    assert re.search(r"calls-again\.rst:\d+: \w+: pypy slower than cpython", checked.stdout), (
        checked.stdout + checked.stderr
    )
