"""Hardening, second round (issue 14): each attack provoked for real.

No wrong number from a recorded file that is not what it claims; no file
from outside the build folder in the export; no markup out of a title; no
post lost to another with the same slug; files others can read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyperf
import pytest

from benchpost.export import ExportError, PostMeta, blog_body, write_export
from benchpost.files import atomic_write_bytes
from benchpost.measure.compiler import BuildError
from benchpost.measure.interpreters import clean_environ
from benchpost.render.chart import draw_chart
from benchpost.render.format import format_speedup, format_time
from benchpost.results import FAILED, Comparison
from benchpost.store import RECORDED_ONLY, ResultStore
from benchpost.suite import EMPTY_LOOP, SuiteError, load_suite

from .conftest import (
    ROOT,
    benchpost_command,
    copy_this_site,
    make_project,
    sphinx_build,
    suite_yaml,
)
from .test_faults import _running, start_slow_run
from .test_render import NOARGS, RESULTS
from .test_sphinx_build import table_rows
from .test_store_policy import make_store, record_all, recorded_layout, recorder
from .test_suite import GOOD, write_suite

META = PostMeta("Title", "a-post", dt.date(2026, 11, 25))
#: A build of this site that measures nothing (its recorded results only).
RECORDED_BUILD = {"BENCHPOST_MODE": "recorded"}


def test_a_title_cannot_end_the_fragments_comment(tmp_path):
    hostile = "Numbers --> <img src=x onerror=alert(1)> <!-- again"
    write_export(tmp_path, dataclasses.replace(META, title=hostile), "<p>body</p>", [])
    fragment = (tmp_path / "a-post.fragment.html").read_text()
    first = fragment.splitlines()[0]
    assert first.startswith("<!-- ") and first.endswith(" -->")
    assert first.count("--") == 2 and "<img" not in fragment.replace(first, "")


def test_a_link_out_of_the_build_folder_is_never_copied(tmp_path):
    outdir = tmp_path / "html"
    (outdir / "_downloads").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the blog")
    body = '<a href="../_downloads/../../secret.txt">x</a>'
    with pytest.raises(ExportError, match="outside the build folder"):
        blog_body(body, META, outdir)
    inside = outdir / "_downloads" / "k" / "data.json"
    inside.parent.mkdir()
    inside.write_text("{}")
    _, assets = blog_body('<a href="_downloads/k/data.json">x</a>', META, outdir)
    assert [a.source for a in assets] == [inside]


def test_written_files_have_the_usual_mode_not_0600(tmp_path):
    previous = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "post.html", b"<p>x</p>")
    finally:
        os.umask(previous)
    assert (tmp_path / "post.html").stat().st_mode & 0o777 == 0o644


def test_absurd_values_are_never_printed_as_numbers():
    assert format_time(1e308) == "1e+308 s"
    assert format_speedup(Comparison(1e-310, True)) == "n/a"  # not "infx slower"
    assert format_speedup(Comparison(float("inf"), True)) == "n/a"


def test_a_dollar_in_a_name_is_drawn_as_text_not_mathtext():
    column = RESULTS.interpreters[1]
    odd = dataclasses.replace(column, spec=dataclasses.replace(column.spec, label="$\\foo{$"))
    results = dataclasses.replace(RESULTS, interpreters=(RESULTS.interpreters[0], odd))
    assert b"<svg" in draw_chart(results, [EMPTY_LOOP, NOARGS])


@pytest.mark.store
def test_a_recorded_file_in_the_wrong_interpreters_folder_is_refused(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    store = make_store(tmp_path, RECORDED_ONLY)
    layout = recorded_layout(store)
    noargs = store.suite.benchmark("calls", "noargs")
    shutil.copy(layout.result("cpython", noargs, metric), layout.result("pypy", noargs, metric))
    cell = store.results([noargs], ["cpython", "pypy"], metric).cell(noargs, "pypy")
    assert cell.origin == FAILED and "wrong interpreter's folder" in cell.error


@pytest.mark.store
@pytest.mark.parametrize(
    ("value", "says"),
    [
        (1e308, "values that no measurement gives"),
        (float("inf"), "values that no measurement gives"),
        (-1.0, "is damaged"),  # pyperf itself refuses it
    ],
)
def test_a_recorded_file_with_impossible_values_is_refused(tmp_path, value, says):
    metric = recorder()
    record_all(tmp_path, metric)
    store = make_store(tmp_path, RECORDED_ONLY)
    noargs = store.suite.benchmark("calls", "noargs")
    path = recorded_layout(store).result("pypy", noargs, metric)
    data = json.loads(path.read_text())
    for bench in data["benchmarks"]:
        for run in bench["runs"]:
            run["values"] = [value for _ in run["values"]]
    path.write_text(json.dumps(data))
    cell = store.results([noargs], ["pypy"], metric).cell(noargs, "pypy")
    assert cell.origin == FAILED and says in cell.error, cell.error


@pytest.mark.build
def test_two_posts_with_the_same_slug_are_a_warning_not_a_lost_post(tmp_path):
    post = textwrap.dedent("""\
        :date: 2026-11-25
        :slug: {slug}

        Post {name}
        =======

        Text.
        """)
    project = make_project(tmp_path, post="Blog\n====\n\n.. toctree::\n\n   a\n   b\n")
    (project / "a.rst").write_text(post.format(slug="a/b", name="A"))
    (project / "b.rst").write_text(post.format(slug="a_b", name="B"))
    proc = sphinx_build(project, check=False)
    assert re.search(r"would both be exported as 'a_b'", proc.stderr), proc.stderr
    exported = list((project / "_build" / "blog").rglob("*.html"))
    assert [p.name for p in exported if p.parent.name == "11"] == ["a_b.html"]


def _laughs(levels: int = 9) -> str:
    """A billion-laughs value: a list of anchors, each nine of the one before."""
    items = ['&l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels):
        items.append(f"&l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]")
    return "[" + ", ".join(items) + "]"


def test_a_billion_laughs_value_is_a_short_error_at_once(tmp_path):
    # Where a string is expected: the message quotes the value, and must not expand it.
    bomb = GOOD.replace("interpreters:", f"baseline: {_laughs()}\ninterpreters:", 1)
    path = write_suite(tmp_path, bomb)
    started = time.monotonic()
    with pytest.raises(SuiteError, match="'baseline' in the suite file must be a string"):
        load_suite(path)
    assert time.monotonic() - started < 5
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert len(str(caught.value)) < 400, str(caught.value)[:400]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (GOOD + "# " + "x" * (2 << 20) + "\n", "at most 1,048,576 are read"),
        (GOOD.replace("code: simple.noargs()", "code: " + "1+" * 40_000 + "1"), "at most 65,536"),
        ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "nest"),  # libyaml, or ours
    ],
    ids=["a 2 MB file", "80 kB of code", "deep nesting"],
)
def test_oversized_suites_are_located_errors_not_hangs(tmp_path, text, says):
    path = write_suite(tmp_path, text)
    started = time.monotonic()
    with pytest.raises(SuiteError, match=says) as caught:
        load_suite(path)
    assert time.monotonic() - started < 10
    assert str(caught.value).startswith(str(path))


def test_a_group_of_many_benchmarks_loads_in_linear_time(tmp_path):
    many = "\n".join(f"      - {{name: b{n}, code: pass}}" for n in range(20_000))
    path = write_suite(tmp_path, GOOD + many + "\n")
    started = time.monotonic()
    suite = load_suite(path)
    assert len(suite.group("calls").benchmarks) == 20_001
    assert time.monotonic() - started < 30  # quadratic took minutes here


EDITED = "static PyObject *edited_marker(PyObject *self, PyObject *args) { Py_RETURN_NONE; }\n"


@pytest.mark.build
def test_a_c_file_saved_while_it_compiles_is_never_cached_under_the_old_digest(tmp_path):
    source = tmp_path / "simple.c"
    original = (ROOT / "cext" / "simple.c").read_text()
    source.write_text(original)
    edited = original.replace(
        "static PyMethodDef simple_functions[] = {",
        EDITED + "static PyMethodDef simple_functions[] = {\n"
        '    {"edited_marker", (PyCFunction)edited_marker, METH_NOARGS, NULL},',
    )
    slow_cc = tmp_path / "slow-cc"
    slow_cc.write_text('#!/bin/sh\nsleep 2\nexec cc "$@"\n')
    slow_cc.chmod(0o755)
    text = suite_yaml().replace(str(ROOT / "cext" / "simple.c"), str(source))
    (tmp_path / "suite.yaml").write_text(text)
    suite = load_suite(tmp_path / "suite.yaml")
    spec = suite.interpreter("cpython")
    os.environ["CC"] = str(slow_cc)
    try:
        store = ResultStore(suite, suite.profile("tiny"), tmp_path / "cache")
        interp = store.toolchain.interpreter(spec)
        with ThreadPoolExecutor(1) as pool:
            building = pool.submit(store.toolchain.extension, interp, suite.extension)
            time.sleep(0.5)  # the compiler is sleeping: save an edit
            source.write_text(edited)
            built = building.result()
        source.write_text(original)  # and restore it, as an editor's undo would
    finally:
        del os.environ["CC"]
    assert isinstance(built, BuildError) and "changed while they were compiled" in str(built)
    again = ResultStore(suite, suite.profile("tiny"), tmp_path / "cache")
    folder = again.toolchain.extension(interp, suite.extension)
    check = "import simple; print(hasattr(simple, 'edited_marker'))"
    proc = subprocess.run(
        [interp.command_path, "-c", check],
        env=clean_environ(PYTHONPATH=str(folder)),
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.strip() == "False"  # the binary under the original digest is original


HOLD_LOCK = """\
import fcntl, os, sys, time
handle = open(sys.argv[1], "a+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.truncate(0)
handle.write("%d a stopped build\\n" % os.getpid())
handle.flush()
print("holding", flush=True)
time.sleep(120)
"""


@pytest.mark.store
def test_a_stopped_build_holding_the_lock_is_named_and_given_up_on(tmp_path):
    metric = recorder()
    store = make_store(tmp_path)
    store.scheduler.wait = 2  # benchpost_timeout, for waiting too
    said: list[str] = []
    store.scheduler.progress = said.append
    lock = store.layout.measure_lock
    lock.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        holder.send_signal(signal.SIGSTOP)  # Ctrl-Z
        started = time.monotonic()
        noargs = store.suite.benchmark("calls", "noargs")
        results = store.results([noargs], ["cpython"], metric)
        assert time.monotonic() - started < 15
    finally:
        holder.kill()
        holder.wait()
    cell = results.cell(noargs, "cpython")
    assert cell.origin == FAILED and f"process {holder.pid} a stopped build" in cell.error
    assert "gave up after 2 s" in cell.error and "'fg'" in cell.error
    assert any(f"waiting for process {holder.pid}" in line for line in said), said
    assert metric.calls == []  # nothing was measured beside it


@pytest.mark.store
def test_a_recorded_file_linked_under_another_benchmarks_name_is_refused(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    store = make_store(tmp_path, RECORDED_ONLY)
    layout = recorded_layout(store)
    noargs = store.suite.benchmark("calls", "noargs")
    onearg = store.suite.benchmark("calls", "onearg(i)")
    # "ln -s onearg_i.json noargs.json": one file, two benchmarks' names.
    target = layout.result("pypy", noargs, metric)
    target.unlink()
    target.symlink_to(layout.result("pypy", onearg, metric).name)
    results = store.results([noargs, onearg], ["pypy"], metric)
    cell = results.cell(noargs, "pypy")
    assert cell.origin == FAILED, cell
    assert f"recorded result {target} holds benchmark 'onearg(i)', not 'noargs'" in cell.error
    assert results.cell(onearg, "pypy").ok  # the file under its own name is still used


@pytest.mark.build
@pytest.mark.parametrize("date", ["2026-13-45", "tomorrow"])
def test_a_post_whose_date_is_not_a_date_is_one_warning_at_its_line(tmp_path, date):
    project = copy_this_site(tmp_path / "site")
    (project / "posts" / "bad-date.rst").write_text(
        f":author: Someone\n:tags: speed\n:date: {date}\n\nA post\n======\n\nText.\n"
    )
    # Recorded numbers only: this is about the post's fields, not about measuring.
    proc = sphinx_build(project, "-W", "--keep-going", check=False, env=RECORDED_BUILD)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and "Extension error" not in output, output
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, proc.stderr
    assert re.search(
        rf"posts/bad-date\.rst:3: WARNING: benchpost: ':date: {date}' is not a date: "
        r"write it as YYYY-MM-DD",
        warnings[0],
    ), warnings
    # The rest of the site is built: the other post and its numbers.
    html = project / "_build" / "html" / "posts"
    assert "Good Hope" in (html / "cape-town-sprint.html").read_text()
    assert (html / "bad-date.html").is_file()


@pytest.mark.build
def test_a_killed_run_leaves_no_worker_running(tmp_path):
    cache = tmp_path / "cache"
    run = start_slow_run(tmp_path, cache, sleep=3)  # a worker takes 12 s or more
    run.send_signal(signal.SIGKILL)  # no handler, no unwinding: only the kernel can help
    run.wait(timeout=30)
    time.sleep(2)
    assert not _running(str(cache)), "workers outlived the killed run"


@pytest.mark.build
def test_a_hangup_ends_a_run_like_sigterm(tmp_path):
    cache = tmp_path / "cache"
    run = start_slow_run(tmp_path, cache, sleep=0.5)
    run.send_signal(signal.SIGHUP)  # the terminal closed, or ssh dropped
    output = run.communicate(timeout=30)[0]
    assert run.returncode != 0
    assert "Traceback" not in output, output
    finished = list(cache.glob("results/**/*.json"))
    assert {p.name.split("-")[0] for p in finished} == {"empty_loop", "ok"}
    for path in finished:  # every file that is there is whole
        assert pyperf.Benchmark.load(str(path)).get_values()
    assert not list(cache.glob("results/**/.*")), "a temporary file was left"
    assert not list(cache.glob("scratch/*")), "a scratch folder was left"
    time.sleep(0.5)
    assert not _running(str(cache)), "workers were left running"


@pytest.mark.build
def test_leftovers_of_a_killed_build_are_swept_and_a_live_builds_are_kept(tmp_path):
    cache = tmp_path / "cache"
    run = start_slow_run(tmp_path, cache, sleep=3)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)
    assert list(cache.glob("scratch/*")), "the killed run left no scratch folder"
    # Files the killed run could have left mid-write (named as benchpost names them),
    # and the same for another build that is still running.
    live = subprocess.Popen(["sleep", "60"])
    try:
        results = cache / "results" / "cpython" / "calls"
        extension = next(cache.glob("extensions/*"))
        planted = {
            "dead": [
                results / f".ok-0123.json.{run.pid}.k2j4h5g6.tmp",
                extension / f".{run.pid}.so",
            ],
            "live": [
                results / f".ok-4567.json.{live.pid}.a1b2c3d4.tmp",
                extension / f".{live.pid}.so",
                cache / "scratch" / f"rounds-{live.pid}-x1y2z3w4",
            ],
        }
        for path in planted["dead"] + planted["live"][:2]:
            path.write_bytes(b"half")
        planted["live"][2].mkdir()
        again = subprocess.run(
            benchpost_command(
                tmp_path,
                "run",
                "calls",
                "--profile",
                "tiny",
                "--interpreter",
                "cpython",
                cache=cache,
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        left = [
            p
            for p in cache.rglob("*")
            if (p.name.startswith(".") and p.name.endswith((".tmp", ".so")))
            or p.parent.name == "scratch"
        ]
        assert sorted(left) == sorted(planted["live"]), again.stderr
    finally:
        live.kill()
        live.wait()


@pytest.fixture
def small_disk(tmp_path):
    """A real 8 MiB tmpfs at ``tmp_path/cache`` (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "cache"
    mount.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _cache_build(project: Path, cache: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """A build with its results cache in ``cache``, its doctrees outside it."""
    return sphinx_build(project, *options, "-D", f"benchpost_cache_dir={cache}", check=False)


def _one_storage_warning(proc: subprocess.CompletedProcess[str], cache: Path, says: str) -> str:
    """The build failed with one located warning naming the cache and why; no traceback."""
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    for crash in ("Traceback", "Exception occurred", "Extension error", "please"):
        assert crash not in output, output
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1, proc.stderr
    assert re.search(rf"index\.rst:\d+: WARNING: benchpost: .*cannot write {cache}/", warnings[0])
    assert says in warnings[0] and "benchpost_cache_dir" in warnings[0], warnings[0]
    assert not [p for p in cache.rglob("*") if p.name.endswith(".tmp")]

    return warnings[0]


def _edit_a_benchmark(project: Path) -> None:
    """Change one benchmark's code: its result must be measured again."""
    suite = project / "suite.yaml"
    suite.write_text(
        suite.read_text().replace("code: simple.onearg(i)", "code: simple.onearg(-i)")
    )


@pytest.mark.build
def test_a_full_cache_disk_is_one_located_warning(tmp_path, small_disk):
    project = make_project(tmp_path / "site", suite_yaml(pypy_command="/nonexistent/pypy3"))
    first = _cache_build(project, small_disk, "-W")
    assert first.returncode == 0, first.stdout + first.stderr
    filler = _fill(small_disk)
    _edit_a_benchmark(project)
    full = _cache_build(project, small_disk, "-W", "--keep-going")
    _one_storage_warning(full, small_disk, "No space left on device")
    filler.unlink()  # free space, and the same build works
    again = _cache_build(project, small_disk, "-W")
    assert again.returncode == 0, again.stdout + again.stderr
    assert re.match(r"[\d.]+ ns", table_rows(project)[3][1]), table_rows(project)


@pytest.mark.build
def test_a_read_only_cache_serves_a_build_that_needs_no_writing(tmp_path, small_disk):
    project = make_project(tmp_path / "site", suite_yaml(pypy_command="/nonexistent/pypy3"))
    first = _cache_build(project, small_disk, "-W")
    assert first.returncode == 0, first.stdout + first.stderr
    rows = table_rows(project)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    # Every post read again (-E), every number from the read-only cache.
    again = _cache_build(project, small_disk, "-W", "-E")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "3 from the store" in again.stdout, again.stdout
    assert table_rows(project) == rows
    _edit_a_benchmark(project)  # now something must be measured into it
    needs = _cache_build(project, small_disk, "-W", "--keep-going")
    _one_storage_warning(needs, small_disk, "Read-only file system")


def _fill(disk: Path) -> Path:
    """Fill ``disk`` for real, with one file; returns it."""
    filler = disk / "filler"
    with open(filler, "wb") as out, pytest.raises(OSError, match="No space left"):
        while True:
            out.write(b"\0" * 65536)
            out.flush()
    return filler


@pytest.mark.store
def test_results_that_a_full_disk_cannot_take_fail_with_the_reason_once(tmp_path, small_disk):
    metric = recorder()
    said: list[str] = []
    store = make_store(tmp_path)
    store.scheduler.progress = said.append
    noargs = store.suite.benchmark("calls", "noargs")
    for name in ("cpython", "pypy"):
        store.job(noargs, name)  # the extension compiled, before the disk is full
    _fill(small_disk)
    results = store.results([noargs], ["cpython", "pypy"], metric)
    cells = list(results.cells.values())
    assert {c.origin for c in cells} == {FAILED} and all(c.storage for c in cells)
    assert cells[0].error.startswith(f"cannot write {small_disk}/results/")
    assert "No space left on device; free some space" in cells[0].error
    # Nothing more is measured in this build: it could not be kept.
    measured = len(metric.calls)
    onearg = store.suite.benchmark("calls", "onearg(i)")
    later = store.results([onearg], ["cpython"], metric).cell(onearg, "cpython")
    assert later.storage and later.error == cells[0].error and len(metric.calls) == measured
    assert len([line for line in said if "No space left" in line]) == 1, said
    assert not [p for p in small_disk.rglob("*") if p.name.endswith(".tmp")]


def test_an_export_to_a_full_disk_says_what_and_leaves_no_temporary_file(small_disk):
    _fill(small_disk)
    with pytest.raises(ExportError) as caught:
        write_export(small_disk / "blog", META, "<p>body</p>" * 1000, [])
    assert re.match(
        rf"cannot write {small_disk}/blog/posts/2026/11/a-post\.html: No space left on device; "
        r"free some space on that disk$",
        str(caught.value),
    ), caught.value
    assert not [p for p in small_disk.rglob("*") if p.name.endswith(".tmp")]


# -- a count read from the right files, or a clear error ------------------------


def test_the_loops_counts_come_from_the_one_process_that_called_the_marker(tmp_path):
    from benchpost.measure.callgrind import _loop_parts
    from benchpost.measure.process import MeasureError

    def write(name: str, total: int) -> None:
        (tmp_path / name).write_text(f"events: Ir\nsummary: {total}\n")

    # A wrapper's shell (process 41) and the interpreter it started (42): only the
    # interpreter called the marker, before its 3 loops and after the last.
    write("callgrind.out.41", 1000)
    for part, total in enumerate([900_000, 20_100, 40_100, 80_100], 1):
        write(f"callgrind.out.42.{part}", total)
    write("callgrind.out.42", 50)
    assert [int(p.read_text().split()[-1]) for p in _loop_parts(tmp_path, 3)] == [
        20_100,
        40_100,
        80_100,
    ]
    # The benchmark calls nice() itself: one count too many, and the error says why.
    write("callgrind.out.42.5", 10)
    with pytest.raises(MeasureError, match=r"4 counts at the calls of nice\(\).*5 in process 42"):
        _loop_parts(tmp_path, 3)
