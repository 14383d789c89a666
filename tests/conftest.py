"""Shared test helpers: a small real project (suite, post, conf.py) in a temp folder.

Everything runs for real: the C extension is compiled, pyperf workers run on
CPython and PyPy, Sphinx builds HTML. Only the profile is tiny, to stay fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPY = shutil.which("pypy3")

#: A measured time as a table shows it: "35.2 ns ± 1.1 ns", or where so few rounds give
#: an interval reaching below zero, what the mean rests on: "34.9 ns (6 values, 31.5 ns
#: to 38.2 ns)" (a tiny profile's two rounds often do).
_UNIT = r"[\d.]+\s(ns|µs|ms)"
TIME_CELL = rf"{_UNIT}(\s±\s{_UNIT}|\s\(\d+ values, {_UNIT} to {_UNIT}\))"

needs_pypy = pytest.mark.skipif(
    PYPY is None, reason="PyPy is not installed here (apt-get install pypy3 pypy3-dev)"
)


def suite_yaml(pypy_command: str = "pypy3", extra_groups: str = "") -> str:
    """A small suite on the project's own C extension, with the tiny profile."""
    return textwrap.dedent(f"""\
        extension:
          module: simple
          sources: [{ROOT / "cext" / "simple.c"}]
        interpreters:
          - name: cpython
            label: CPython
            command: current
          - name: pypy
            label: PyPy
            command: {pypy_command}
            required: false
            install_hint: apt-get install pypy3 pypy3-dev
        baseline: cpython
        profiles:
          tiny:
            rounds: 2
            values: 3
            min_time: 0.002
            warmups: {{cpython: 0, pypy: 1}}
        groups:
          - name: calls
            title: Calls
            setup: import simple
            benchmarks:
              - name: noargs
                code: simple.noargs()
              - name: onearg(i)
                code: simple.onearg(i)
        """) + textwrap.dedent(extra_groups)


POST = """\
Small post
==========

Results on :bench-interpreter:`cpython` and :bench-interpreter:`pypy`:

.. benchmark-table:: calls
   :title: Calls table

.. benchmark-chart:: calls
   :title: Calls chart

A call takes :bench:`calls/noargs/cpython` on CPython; PyPy is
:bench-ratio:`calls/*/pypy` than CPython.
"""


def make_project(folder: Path, suite: str | None = None, post: str = POST) -> Path:
    """Write conf.py, index.rst and a suite into ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conf.py").write_text(
        textwrap.dedent("""\
        extensions = ["benchpost"]
        exclude_patterns = ["_build"]
        html_theme = "alabaster"
        benchpost_suite = "suite.yaml"
        benchpost_profile = "tiny"
        """)
    )
    (folder / "suite.yaml").write_text(suite if suite is not None else suite_yaml())
    (folder / "index.rst").write_text(post)
    return folder


def copy_project(project: Path, folder: Path) -> Path:
    """A private copy of a built project in ``folder``: sources, build and result store.

    Tests that edit or rebuild a project a shared fixture built work on a copy,
    so that no test sees another's edits and each passes alone, in any order.
    Sphinx's saved environment names the folder it was built in: the copy's
    first build reads every post again (measuring nothing, the store is copied).
    """
    return Path(shutil.copytree(project, folder, symlinks=True))


def sphinx_command(project: Path, *options: str) -> list[str]:
    """``python -m sphinx`` for a test project, as ``tox -e build`` runs it."""
    return [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-d",
        str(project / "_build" / "doctrees"),
        *options,
        str(project),
        str(project / "_build" / "html"),
    ]


def sphinx_build(
    project: Path, *options: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run sphinx-build in its own process, as a user would (``env``: variables to set)."""
    environ = {**os.environ, **(env or {})}
    proc = subprocess.run(
        sphinx_command(project, *options), capture_output=True, text=True, check=False, env=environ
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"sphinx-build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def benchpost_command(project: Path, *args: str, cache: Path | None = None) -> list[str]:
    """``python -m benchpost --suite ... --cache-dir ... ARGS`` for a test project.

    The cache defaults to the one sphinx-build uses, so both share results.
    """
    cache = cache or project / "_build" / "doctrees" / "benchpost"
    return [
        sys.executable,
        "-m",
        "benchpost",
        "--suite",
        str(project / "suite.yaml"),
        "--cache-dir",
        str(cache),
        *args,
    ]


def run_benchpost(
    project: Path, *args: str, cache: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command line to the end; returns its output."""
    return subprocess.run(
        benchpost_command(project, *args, cache=cache), capture_output=True, text=True, check=False
    )


SITE = ("conf.py", "index.rst", "posts", "figures", "benchmarks", "cext")


def copy_this_site(folder: Path) -> Path:
    """A copy of this repository's site (the Cape Town post, the recorded results) in
    ``folder``: its sources only, no build and no cache."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in SITE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            shutil.copy2(source, folder / name)
    return folder


def page_tables(page: Path) -> dict[str, list[list[str]]]:
    """Every results table of an HTML page, by caption: rows of cell texts."""
    html = page.read_text()
    found = {}
    for table in re.findall(r'<table class="[^"]*benchpost-table.*?</table>', html, re.S):
        title = html_text(re.search(r"<caption.*?</caption>", table, re.S).group(0))
        rows = re.findall(r"<tr.*?</tr>", table, re.S)
        found[title.rstrip("¶ ").strip()] = [
            [html_text(c) for c in re.findall(r"<t[hd].*?</t[hd]>", row, re.S)] for row in rows
        ]
    return found


def html_text(fragment: str) -> str:
    """The text of an HTML fragment, whitespace collapsed."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


_MEASURING = re.compile(r"benchpost: measuring .* \[results? (\d+)(?:-(\d+))?\]")


def measured_count(log: str) -> int:
    """How many results a build's log says it measured (a line can name several)."""
    return sum(int(last or first) - int(first) + 1 for first, last in _MEASURING.findall(log))


#: A freeze with the tests' profile: a draft profile, on purpose (``freeze`` measures
#: with the suite's publishing profile unless told).
FREEZE_DRAFT = ("--profile", "tiny", "--draft")
