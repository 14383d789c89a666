"""Hardening, third round (issue 21): each attack provoked for real.

A worker's bytes, a probe's answer, an interpreter's label, a recorded
file's metric: none may crash a build or publish a wrong number under a
true label.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path, PurePosixPath

import pytest

from benchpost.measure.interpreters import InterpreterNotFound, probe
from benchpost.measure.process import OUTPUT_LIMIT
from benchpost.results import FAILED
from benchpost.store import RECORDED_ONLY
from benchpost.store.recorded import MAX_BYTES
from benchpost.suite import SuiteError, load_suite

from .conftest import (
    FREEZE_DRAFT,
    TIME_CELL,
    copy_this_site,
    make_project,
    needs_pypy,
    sphinx_build,
    suite_yaml,
)
from .test_faults import _running
from .test_sphinx_build import table_rows
from .test_store_policy import make_store, record_all, recorded_layout, recorder
from .test_suite import GOOD, write_suite

CPYTHON_ONLY = ("-D", "benchpost_interpreters=cpython")


def suite_with(code: str, setup: str = "import os") -> str:
    """The test suite with one more group, ``odd``, whose one benchmark runs ``code``."""
    group = textwrap.dedent(f"""\
        - name: odd
          title: Odd
          setup: {setup}
          benchmarks:
            - name: odd
              code: "{code}"
        """)
    return suite_yaml() + textwrap.indent(group, "  ")


def odd_post() -> str:
    return "Post\n====\n\n.. benchmark-table:: odd\n\n.. benchmark-table:: calls\n"


@pytest.mark.build
def test_a_worker_printing_latin1_bytes_is_measured_not_a_crash(tmp_path):
    project = make_project(tmp_path, suite_with(r"os.write(1, b'\\xe9t\\xe9')"), odd_post())
    proc = sphinx_build(project, "-W", *CPYTHON_ONLY)
    assert "0 failed" in proc.stdout, proc.stdout
    row = table_rows(project)[2]
    assert row[0] == "odd" and re.fullmatch(TIME_CELL, row[1]), row


@pytest.mark.build
def test_a_worker_flooding_its_output_is_stopped_and_the_rest_is_kept(tmp_path):
    code = r"os.write(1, b'x' * 65536)"
    project = make_project(tmp_path, suite_with(code), odd_post())
    started = time.monotonic()
    proc = sphinx_build(project, "--keep-going", *CPYTHON_ONLY, check=False)
    assert time.monotonic() - started < 120  # not the 600 s timeout
    limit = f"wrote more than {OUTPUT_LIMIT // 2**20} MiB of output and was stopped"
    assert limit in proc.stderr, proc.stderr
    assert "index.rst:4: WARNING" in proc.stderr  # at the table that shows it
    html = (project / "_build" / "html" / "index.html").read_text()
    measured = re.findall(r'benchpost-cell"><p>[\d.]+\W(?:ns|µs)', html)
    assert len(measured) >= 3  # the calls table and the empty loop still measured


def wrapper(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def spec_of(tmp_path: Path, command: Path | str, label: str = "Odd") -> object:
    text = suite_yaml().replace("command: pypy3", f"command: {command}")
    text = text.replace("label: PyPy", f"label: {label}")
    (tmp_path / "suite.yaml").write_text(text)
    return load_suite(tmp_path / "suite.yaml").interpreter("pypy")


def test_a_probe_that_prints_other_bytes_first_still_answers(tmp_path):
    command = wrapper(tmp_path, "noisy", f"printf '\\377\\n'; exec {sys.executable} \"$@\"")
    found = probe(spec_of(tmp_path, command), None, 30)
    assert found.kind == "cpython"


@pytest.mark.parametrize("answer", ["null", "BENCHPOST-PROBE null", "\\377"])
def test_a_probe_whose_answer_is_not_one_says_so(tmp_path, answer):
    command = wrapper(tmp_path, "liar", f"printf '{answer}\\n'")
    with pytest.raises(InterpreterNotFound, match="did not answer the probe") as caught:
        probe(spec_of(tmp_path, command), None, 30)
    assert "import json" not in str(caught.value)  # the probe's script is not the message


def test_a_hanging_probe_stops_at_the_timeout_and_leaves_nothing_running(tmp_path):
    command = wrapper(tmp_path, "hangs", "sleep 987")
    started = time.monotonic()
    with pytest.raises(InterpreterNotFound, match=r"timed out after 2 s") as caught:
        probe(spec_of(tmp_path, command), None, 2)
    assert time.monotonic() - started < 10
    assert "import json" not in str(caught.value)
    time.sleep(0.5)
    assert not _running("sleep 987")


def test_a_label_that_names_another_implementation_is_refused(tmp_path):
    spec = spec_of(tmp_path, "current", label="PyPy")
    with pytest.raises(InterpreterNotFound, match=r"runs cpython 3\.\d+\.\d+, not PyPy") as e:
        probe(spec, None, 30)
    assert e.value.misconfigured


@pytest.mark.build
def test_an_optional_interpreter_labelled_pypy_running_cpython_fails_the_build(tmp_path):
    project = make_project(tmp_path, suite_yaml(pypy_command="python3"))
    proc = sphinx_build(project, "-W", check=False)
    assert proc.returncode != 0
    assert "PyPy (python3) runs cpython" in proc.stderr, proc.stderr
    assert "PyPy 3." not in (project / "_build" / "html" / "index.html").read_text()


@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("args", '    args: ["a\\0b"]\n'),
        ("env", '    env: {X: "a\\0b"}\n'),
    ],
)
def test_a_nul_in_args_or_env_is_a_located_suite_error(tmp_path, where, text):
    suite = GOOD.replace("    command: current\n", "    command: current\n" + text)
    path = write_suite(tmp_path, suite)
    with pytest.raises(SuiteError, match="NUL") as caught:
        load_suite(path)
    assert f"{path}:" in str(caught.value)


def test_os_environ_is_not_touched_by_the_tests():  # the probe's env is built, not ours
    assert "BENCHPOST_PADDING" not in os.environ


RECORDED_SET = Path("benchmarks", "results", "epyc-vm-2026-11-25", "pypy", "calls")


@pytest.mark.build
@pytest.mark.parametrize(
    ("source", "target", "says"),
    [
        ("noargs.instructions.json", "noargs.json", "holds instructions values (integer)"),
        ("noargs.json", "noargs.instructions.json", "holds time values (second)"),
    ],
)
def test_a_recorded_file_of_the_other_metric_is_refused(tmp_path, source, target, says):
    project = copy_this_site(tmp_path / "site")
    folder = project / RECORDED_SET
    shutil.copy(folder / source, folder / target)
    env = {"BENCHPOST_MODE": "recorded", "BENCHPOST_METRICS": "time,instructions"}
    proc = sphinx_build(project, "--keep-going", env=env, check=False)
    assert proc.returncode == 0  # not under -W: the post renders, the cell says failed
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and says in warnings[0], proc.stderr
    assert "cape-town-sprint.rst:" in warnings[0] and str(folder / target) in warnings[0]
    page = (project / "_build" / "html" / "posts" / "cape-town-sprint.html").read_text()
    assert "260 s" not in page and "0 ± 0" not in page


@pytest.mark.store
def test_a_recorded_file_larger_than_any_recording_is_not_read(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    store = make_store(tmp_path, RECORDED_ONLY)
    noargs = store.suite.benchmark("calls", "noargs")
    path = recorded_layout(store).result("pypy", noargs, metric)
    data = json.loads(path.read_text())
    runs = data["benchmarks"][0]["runs"]
    while len(path.read_bytes()) <= MAX_BYTES:  # valid pyperf: one run, many times
        runs *= 2
        path.write_text(json.dumps(data))
    started = time.monotonic()
    cell = store.results([noargs], metric=metric).cell(noargs, "pypy")
    assert time.monotonic() - started < 5
    assert cell.origin == FAILED and "more than any recording" in cell.error, cell.error


@pytest.mark.build
def test_numbers_of_a_profile_for_tests_never_reach_the_clean_export(tmp_path):
    project = copy_this_site(tmp_path / "site")
    env = {"BENCHPOST_PROFILE": "tiny", "BENCHPOST_METRICS": "time"}
    proc = sphinx_build(project, "-W", *CPYTHON_ONLY, env=env)
    assert not (project / "_build" / "blog").exists()
    assert list((project / "_build" / "blog-with-warnings").rglob("*.fragment.html"))
    assert "NOT PUBLISHABLE: numbers of the profile 'tiny', made for tests" in proc.stdout


@pytest.mark.build
def test_the_export_keeps_only_what_its_posts_use(tmp_path):
    fields = ":date: 2026-11-23\n:slug: small-post\n\n"
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"),
                           fields + "Post\n====\n\n.. benchmark-chart:: calls\n")  # fmt: skip
    sphinx_build(project, "-W")
    images = project / "_build" / "blog" / "images"
    first = {p.name for p in images.glob("small-post-chart-*.svg")}  # wide and narrow
    (project / "index.rst").write_text(
        fields + "Post\n====\n\n.. benchmark-chart:: calls\n   :benchmarks: noargs\n"
    )
    sphinx_build(project, "-W")
    charts = {p.name for p in images.glob("small-post-chart-*.svg")}
    assert len(charts) == len(first) and not charts & first  # the old drawings are gone

    (project / "index.rst").write_text(fields + "Post\n====\n\nXXX to be written.\n")
    sphinx_build(project, check=False)  # a warning: its export goes aside
    assert (project / "_build" / "blog-with-warnings").is_dir()
    (project / "index.rst").write_text(fields + "Post\n====\n\nWritten.\n")
    sphinx_build(project, "-W")
    assert not (project / "_build" / "blog-with-warnings").exists()
    assert not list(images.glob("small-post-chart-*.svg"))  # no chart any more


@pytest.mark.build
def test_a_timeout_given_with_d_reaches_the_measurements(tmp_path):
    project = make_project(tmp_path, suite_with("time.sleep(30)", "import time"), odd_post())
    started = time.monotonic()
    proc = sphinx_build(project, "--keep-going", *CPYTHON_ONLY, "-D", "benchpost_timeout=3",
                        check=False)  # fmt: skip
    assert time.monotonic() - started < 25
    assert "timed out after 3 s" in proc.stderr, proc.stderr
    assert "unsupported type" not in proc.stderr


@pytest.mark.build
def test_this_blog_with_j2_reads_serially_as_the_readme_says(tmp_path):
    project = copy_this_site(tmp_path / "site")
    env = {"BENCHPOST_MODE": "recorded", "BENCHPOST_METRICS": "time"}
    proc = sphinx_build(project, "-W", "-j", "2", env=env, check=False)
    assert proc.returncode != 0 and "ablog extension is not safe for parallel" in proc.stderr
    assert sphinx_build(project, "-j", "2", "-E", env=env).returncode == 0


def test_pruning_a_posts_files_never_touches_a_post_whose_slug_extends_it(tmp_path):
    from benchpost.export import Asset, prune_assets

    images = tmp_path / "images"
    images.mkdir()
    for name in ("a-chart-1.svg", "a-chart-old.svg", "a-b-chart-1.svg"):
        (images / name).write_text("")
    kept = [Asset(images / "a-chart-1.svg", PurePosixPath("images/a-chart-1.svg"), "")]
    prune_assets(tmp_path, "a", kept, others=["a-b"])
    assert sorted(p.name for p in images.iterdir()) == ["a-b-chart-1.svg", "a-chart-1.svg"]


def freeze_command() -> list[str]:
    """``python -m benchpost freeze index.rst`` with the tests' suite and profile."""
    return [sys.executable, "-m", "benchpost", "--suite", "suite.yaml", "freeze", "index.rst",
            *FREEZE_DRAFT]  # fmt: skip


def start_freeze(project: Path) -> subprocess.Popen:
    """``python -m benchpost freeze index.rst`` of a small post whose one group is
    slow, returned once its build measures."""
    command = freeze_command()
    freeze = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert freeze.stdout is not None
    for line in freeze.stdout:
        if "measuring" in line:
            return freeze
    raise AssertionError("the freeze never measured")


@pytest.mark.build
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_freeze_ends_its_build_and_leaves_nothing_in_the_source_tree(tmp_path, signum):
    post = ":date: 2026-11-23\n\nPost\n====\n\n.. benchmark-table:: odd\n"
    project = make_project(tmp_path, suite_with("time.sleep(0.2)", "import time"), post)
    freeze = start_freeze(project)
    freeze.send_signal(signum)
    assert freeze.wait(timeout=60) in (128 + signum, -signum)
    time.sleep(2)
    assert not _running(str(project)), _running(str(project))
    frozen = project / "results" / "frozen"
    assert not frozen.exists() or not list(frozen.rglob("*")), list(frozen.rglob("*"))
    assert ":frozen:" not in (project / "index.rst").read_text()


@pytest.mark.build
def test_two_freezes_of_one_post_at_once_both_succeed(tmp_path):
    post = ":date: 2026-11-23\n\nPost\n====\n\n.. benchmark-table:: odd\n"
    project = make_project(tmp_path, suite_with("time.sleep(0.01)", "import time"), post)
    command = freeze_command()
    freezes = [
        subprocess.Popen(
            command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    for freeze in freezes:
        output, _ = freeze.communicate(timeout=300)
        assert freeze.returncode == 0, output[-2000:]
        assert "froze index.rst: 4 results" in output
    frozen = project / "results" / "frozen"
    assert sorted(p.name for p in frozen.iterdir()) == ["index"]  # no staging left


@pytest.mark.build
@needs_pypy
def test_a_checkout_named_with_a_non_ascii_letter_under_lang_c_measures_pypy(tmp_path):
    project = make_project(tmp_path / "b\u00fcild")
    env = {"LANG": "C", "LC_ALL": "C", "LC_CTYPE": "C"}
    proc = sphinx_build(project, "-W", env=env)
    assert "0 failed" in proc.stdout, proc.stderr
    assert "PyPy" in table_rows(project)[0][2]


@pytest.mark.store
def test_once_a_build_gave_up_on_the_lock_its_later_elements_fail_alike(tmp_path):
    from .test_hardening import HOLD_LOCK

    metric = recorder()
    store = make_store(tmp_path)
    store.scheduler.wait = 2
    lock = store.layout.measure_lock
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True
    )
    noargs, onearg = store.suite.group("calls").benchmarks
    try:
        assert holder.stdout.readline().strip() == "holding"
        role = store.results([noargs], ["cpython"], metric).cell(noargs, "cpython")
    finally:
        holder.kill()
        holder.wait()
    # The lock is free now: the table below the role still fails, as the role did.
    table = store.results([noargs, onearg], ["cpython"], metric)
    assert role.origin == FAILED and "gave up after 2 s" in role.error
    assert {table.cell(b, "cpython").error for b in (noargs, onearg)} == {role.error}
    assert metric.calls == []
    again = make_store(tmp_path).results([noargs], ["cpython"], metric)  # the next build
    assert again.cell(noargs, "cpython").ok


@pytest.mark.build
def test_a_compiler_diagnostic_with_latin1_bytes_is_a_located_warning(tmp_path):
    from .test_rereading import project_with_own_c

    project = project_with_own_c(tmp_path / "post")
    source = project / "simple.c"
    source.write_bytes(source.read_bytes() + b'\n#error "\xe9t\xe9"\n')
    proc = sphinx_build(project, "--keep-going", env={"BENCHPOST_METRICS": "time"}, check=False)
    assert "Traceback" not in proc.stderr and "UnicodeDecodeError" not in proc.stderr
    assert re.search(r"simple\.c:\d+: WARNING: .*#error", proc.stderr), proc.stderr
