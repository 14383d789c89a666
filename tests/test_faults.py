"""Faults provoked for real: crashes, hangs, signals, concurrent builds, bad input.

Each test breaks something the way an author or a machine would, then checks
the message and that what was measured before survives.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import textwrap
import time
from pathlib import Path

import pyperf
import pytest

from benchpost.measure.interpreters import InterpreterNotFound, probe
from benchpost.results import FAILED, MEASURED
from benchpost.store import ResultStore
from benchpost.suite import InterpreterSpec, load_suite

from .conftest import (
    benchpost_command,
    make_project,
    measured_count,
    needs_pypy,
    sphinx_build,
    suite_yaml,
)
from .test_sphinx_build import page_text, table_rows

pytestmark = pytest.mark.build

CRASHY_C = """\
#include <Python.h>
#include <signal.h>
/* ok() returns None; crash() dies of a real SIGSEGV, as a buggy extension would. */
static PyObject *ok(PyObject *self, PyObject *unused) { Py_RETURN_NONE; }
static PyObject *crash(PyObject *self, PyObject *unused) { raise(SIGSEGV); Py_RETURN_NONE; }
static PyMethodDef methods[] = {
    {"ok", ok, METH_NOARGS, NULL}, {"crash", crash, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "crashy", NULL, -1, methods};
PyMODINIT_FUNC PyInit_crashy(void) { return PyModule_Create(&module); }
"""


def crashy_suite(folder: Path, bodies: dict[str, str], pypy: str = "/nonexistent/pypy3") -> str:
    """A suite on the crashy extension, one benchmark per (name, loop body)."""
    (folder / "crashy.c").write_text(CRASHY_C)
    benchmarks = "".join(
        f"      - name: {name}\n        code: {code}\n" for name, code in bodies.items()
    )
    return (
        suite_yaml(pypy_command=pypy)
        .replace("module: simple", "module: crashy")
        .replace(
            str(Path(__file__).resolve().parents[1] / "cext" / "simple.c"),
            str(folder / "crashy.c"),
        )
        .split("groups:")[0]
        + textwrap.dedent("""\
        groups:
          - name: calls
            setup: import crashy
            benchmarks:
        """)
        + benchmarks
    )


def store_on(folder: Path, suite_text: str, timeout: float = 120) -> ResultStore:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suite.yaml").write_text(suite_text)
    suite = load_suite(folder / "suite.yaml")
    return ResultStore(suite, suite.profile("tiny"), folder / "cache", timeout=timeout)


def test_a_segfaulting_benchmark_fails_alone(tmp_path):
    store = store_on(
        tmp_path, crashy_suite(tmp_path, {"ok": "crashy.ok()", "crash": "crashy.crash()"})
    )
    results = store.results(store.suite.group("calls").benchmarks, ["cpython"])
    ok, crash = store.suite.group("calls").benchmarks
    assert results.cell(ok, "cpython").origin == MEASURED
    bad = results.cell(crash, "cpython")
    assert bad.origin == FAILED
    assert bad.error.startswith("the worker crashed with signal SIGSEGV"), bad.error


def test_a_hanging_benchmark_is_killed_after_the_timeout(tmp_path):
    store = store_on(
        tmp_path,
        crashy_suite(tmp_path, {"hang": "crashy.ok() or time.sleep(60)"}).replace(
            "setup: import crashy", "setup: import crashy, time"
        ),
        timeout=4,
    )
    started = time.monotonic()
    results = store.results(store.suite.group("calls").benchmarks, ["cpython"])
    elapsed = time.monotonic() - started
    hang = store.suite.group("calls").benchmarks[0]
    assert results.cell(hang, "cpython").error.startswith("timed out after 4 s")
    # The timeout plus a few seconds (the empty loop is measured too).
    assert elapsed < 4 + 8, elapsed
    # A killed process leaves the process table a moment later on a loaded machine.
    deadline = time.monotonic() + 2
    while _running(str(tmp_path / "cache")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(str(tmp_path / "cache")), "pyperf workers were left running"


def _running(fragment: str) -> list[str]:
    """Command lines of live processes that mention ``fragment``."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            cmdline = Path("/proc", pid, "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if fragment in cmdline and int(pid) != os.getpid():
            found.append(cmdline)
    return found


def start_slow_run(folder: Path, cache: Path, sleep: float) -> subprocess.Popen:
    """A real ``python -m benchpost run`` of two groups, the second slow; returns once
    the first group is stored, while the second one is being measured."""
    suite = crashy_suite(folder, {"ok": "crashy.ok()"}) + textwrap.indent(
        textwrap.dedent(f"""\
        - name: slow
          setup: import time
          benchmarks:
            - name: slow
              code: time.sleep({sleep})
        """),
        "  ",
    )
    (folder / "suite.yaml").write_text(suite)
    run = subprocess.Popen(
        benchpost_command(
            folder, "run", "--profile", "tiny", "--interpreter", "cpython", cache=cache
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Ctrl-C as a user's terminal delivers it: a test started in the background by
        # a non-interactive shell (`pytest &`) inherits SIGINT ignored, as POSIX says,
        # and Python then keeps ignoring it (the run went on and exited 0).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not list(cache.glob("results/cpython/calls/ok-*.json")):
        assert time.monotonic() < deadline and run.poll() is None, run.stdout.read()
        time.sleep(0.1)
    time.sleep(1)  # now measuring "slow": a worker process is running
    assert _running(str(cache)), "no worker is running"
    return run


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_keeps_what_was_measured(tmp_path, signum):
    cache = tmp_path / "cache"
    run = start_slow_run(tmp_path, cache, sleep=0.5)
    run.send_signal(signum)
    run.wait(timeout=30)
    assert run.returncode != 0
    finished = list(cache.glob("results/**/*.json"))
    assert {p.name.split("-")[0] for p in finished} == {"empty_loop", "ok"}
    for path in finished:  # every file that is there is whole
        assert pyperf.Benchmark.load(str(path)).get_values()
    assert not list(cache.glob("results/**/*.tmp")) and not list(cache.glob("results/**/.*"))
    time.sleep(0.5)
    assert not _running(str(cache)), "pyperf workers were left running"


def test_two_builds_at_once_measure_each_result_once(tmp_path):
    make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    command = benchpost_command(tmp_path, "run", "--profile", "tiny", cache=tmp_path / "cache")
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # empty loop, noargs, onearg(i): once each, whichever build measured them
    assert sum(measured_count(out) for out in outputs) == 3, outputs


def test_a_parallel_build_gives_the_same_page_as_a_serial_one(tmp_path):
    serial = make_project(tmp_path / "serial", suite_yaml(pypy_command="/nonexistent/pypy3"))
    for name in ("one", "two"):
        (serial / f"{name}.rst").write_text(
            f"Post {name}\n========\n\n.. benchmark-table:: calls\n"
        )
    with open(serial / "index.rst", "a") as index:
        index.write("\n.. toctree::\n\n   one\n   two\n")
    proc = sphinx_build(serial, "-W", "-j", "2")
    # Each result measured once, whichever worker process read which post.
    assert measured_count(proc.stdout + proc.stderr) == 3, proc.stdout
    parallel_rows = table_rows(serial)
    sphinx_build(serial, "-W", "-E")  # serial, same store
    assert table_rows(serial) == parallel_rows


def test_hostile_names_are_escaped(tmp_path):
    hostile = (
        suite_yaml(pypy_command="/nonexistent/pypy3")
        .replace("name: noargs", "name: '<img src=x onerror=alert(1)>\"q\"'")
        .replace("title: Calls", "title: '<script>alert(2)<\\\\script>'")
    )
    post = "Hostile\n=======\n\n.. benchmark-table:: calls\n\n.. benchmark-chart:: calls\n"
    project = make_project(tmp_path, hostile, post=post)
    sphinx_build(project, "-W")
    html = (project / "_build" / "html" / "index.html").read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html


def test_interpreters_that_are_not_usable_say_why(tmp_path):
    not_executable = tmp_path / "pypy3"
    not_executable.write_text("#!/bin/sh\n")
    cases = {
        str(not_executable): "is not executable",
        "/bin/true": "is not a working Python 3",
        str(tmp_path / "nothing"): "was not found on this machine",
    }
    for command, reason in cases.items():
        with pytest.raises(InterpreterNotFound, match=re.escape(reason)):
            probe(InterpreterSpec("x", "X", command, install_hint="apt-get install x"))


@needs_pypy
def test_a_compile_error_for_one_interpreter_leaves_the_others(tmp_path):
    source = Path(__file__).resolve().parents[1] / "cext" / "simple.c"
    broken = tmp_path / "simple.c"
    # PYPY_VERSION comes from Python.h, so the check goes after it.
    broken.write_text(
        source.read_text() + '\n#ifdef PYPY_VERSION\n#error "this build refuses PyPy"\n#endif\n'
    )
    project = make_project(tmp_path / "site", suite_yaml().replace(str(source), str(broken)))
    proc = sphinx_build(project, "-W", "--keep-going", check=False)
    assert proc.returncode != 0
    # One warning, at the C file's line; a short note (not a warning) at the directive.
    assert re.search(r"simple\.c:\d+: WARNING: benchpost: compiling simple for PyPy", proc.stderr)
    assert re.search(
        r"index\.rst:6: benchpost: 'noargs' on PyPy [\d.]+ failed: "
        r"compiling simple for PyPy",
        proc.stdout,
    ), proc.stdout
    assert "this build refuses PyPy" in proc.stderr and "$ cc -shared" in proc.stderr
    sphinx_build(project, "-E")
    rows = {r[0]: r for r in table_rows(project)[1:]}
    assert re.match(r"[\d.]+ ns", rows["noargs"][1]) and rows["noargs"][2].startswith("failed")
    assert "compiling simple for PyPy" in page_text(project)


def test_bad_references_warn_at_their_line_and_the_rest_renders(tmp_path):
    post = textwrap.dedent("""\
        Post
        ====

        .. benchmark-table:: nope

        .. benchmark-table:: calls
           :interpreters: nobody

        A value: :bench:`calls/noarg/cpython`.

        .. benchmark-table:: calls
           :title: The good one
        """)
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"), post=post)
    proc = sphinx_build(project, "-W", "--keep-going", check=False)
    assert proc.returncode != 0
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert re.search(
        r"index\.rst:4: WARNING: benchpost: no benchmark group 'nope' .*"
        r"\(groups: calls\)",
        warnings[0],
    ), warnings
    assert re.search(r"index\.rst:6: WARNING: benchpost: no interpreter 'nobody'", warnings[1])
    assert re.search(
        r"index\.rst:9: WARNING: benchpost: :bench:`calls/noarg/cpython`: no "
        r"benchmark 'noarg'",
        warnings[2],
    )
    assert len(warnings) == 3 and "Traceback" not in proc.stdout + proc.stderr
    sphinx_build(project, "-E")
    assert table_rows(project)[1][0] == "empty loop"  # the good table rendered
    assert "The good one" in page_text(project)


def test_a_broken_suite_file_is_one_warning_with_its_line_and_no_traceback(tmp_path):
    broken = suite_yaml().replace("        code: simple.noargs()", "        cod: simple.noargs()")
    project = make_project(tmp_path, broken, post="Post\n====\n\n.. benchmark-table:: calls\n")
    proc = sphinx_build(project, "-W", "--keep-going", check=False)  # the env is saved
    assert proc.returncode != 0
    assert re.search(
        r"index\.rst:4: WARNING: benchpost: .*suite\.yaml:26: unknown key 'cod' in "
        r"a benchmark of group 'calls' \(did you mean 'code'\?\)",
        proc.stderr,
    ), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    # Fixing the suite is enough: the post is read again without -E.
    (project / "suite.yaml").write_text(suite_yaml())
    sphinx_build(project, "-W")
    assert table_rows(project)[1][0] == "empty loop"


def test_a_missing_required_interpreter_is_a_warning_with_the_fix(tmp_path):
    required = suite_yaml(pypy_command="/nonexistent/pypy3").replace("    required: false\n", "")
    project = make_project(tmp_path, required, post="Post\n====\n\n.. benchmark-table:: calls\n")
    proc = sphinx_build(project, "-W", check=False)
    assert re.search(
        r"index\.rst:4: WARNING: benchpost: PyPy \(/nonexistent/pypy3\) was not "
        r"found on this machine; install it: apt-get install pypy3 pypy3-dev",
        proc.stderr,
    ), proc.stderr


def test_a_result_from_an_unknown_pyperf_format_is_measured_again(tmp_path):
    store = store_on(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    benchmarks = store.suite.group("calls").benchmarks
    path = store.results(benchmarks, ["cpython"]).cell(benchmarks[0], "cpython").path
    data = re.sub(r'"version": ?"[\d.]+"', '"version": "99.0"', path.read_text())
    assert "99.0" in data
    path.write_text(data)
    again = store_on(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    cell = again.results(benchmarks, ["cpython"]).cell(benchmarks[0], "cpython")
    assert cell.origin == MEASURED and list(path.parent.glob("*.corrupt-*"))
