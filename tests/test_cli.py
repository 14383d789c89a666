"""``python -m benchpost``: the same store and tables, from a terminal."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchpost.cli import parse_args
from benchpost.config import Settings

from .conftest import TIME_CELL, make_project, run_benchpost, suite_yaml

pytestmark = pytest.mark.build


def benchpost(project, *args):
    return run_benchpost(project, *args, cache=project / "cache")


def test_show_measures_then_prints_the_table_and_run_reuses_it(tmp_path):
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    shown = benchpost(project, "show", "calls", "--profile", "tiny")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "Calls"
    assert re.match(r"Benchmark\s+CPython 3\.\d+\.\d+$", lines[2])
    assert re.match(rf"noargs\s+{TIME_CELL}$", lines[5]), lines
    assert "PyPy (/nonexistent/pypy3) was not found" in shown.stdout
    assert re.search(r"measuring 3 benchmarks \(.*noargs.*\) on CPython", shown.stderr)

    again = benchpost(project, "run", "--profile", "tiny")
    assert "3 results: 0 measured, 3 from the store, 0 recorded, 0 failed" in again.stderr

    assert benchpost(project, "clean").returncode == 0
    assert not (project / "cache").exists()


def test_bad_names_are_errors_with_the_choices(tmp_path):
    project = make_project(tmp_path)
    proc = benchpost(project, "run", "nope", "--profile", "tiny")
    assert proc.returncode == 2
    assert "no benchmark group 'nope'" in proc.stderr and "groups: calls" in proc.stderr


def test_warmup_draws_the_curves_with_a_cache_given_relative_to_the_folder(tmp_path):
    """The worker processes run in a scratch folder of their own: a relative cache
    (as a user types it) must still lead them to their files."""
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    command = [
        sys.executable, "-m", "benchpost", "--suite", "suite.yaml", "--cache-dir", "cache",
        "warmup", "calls/noargs", "--interpreter", "cpython", "--processes", "2",
        "--values", "6", "--profile", "tiny", "--output", "warmup.png",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "process 2: first value" in done.stdout
    assert (project / "warmup.png").read_bytes().startswith(b"\x89PNG")


def test_the_suite_and_cache_options_go_before_or_after_the_command():
    after = parse_args(["run", "--cache-dir", "here", "--suite", "s.yaml"])
    before = parse_args(["--cache-dir", "here", "--suite", "s.yaml", "run"])
    assert after.cache_dir == before.cache_dir == Path("here")
    assert after.suite == before.suite == "s.yaml"
    assert parse_args(["warmup", "g/b", "--interpreter", "x"]).cache_dir != Path("here")


def test_an_option_typed_on_the_command_line_wins_over_the_environment(monkeypatch, tmp_path):
    """BENCHPOST_PROFILE exported long ago stands in for a missing --profile; a typed
    --profile (or record --machine) wins over it."""
    from benchpost.cli import parse_args, settings_of

    monkeypatch.setenv("BENCHPOST_PROFILE", "tiny")
    monkeypatch.setenv("BENCHPOST_MACHINE", "from-the-environment")
    monkeypatch.chdir(tmp_path)
    assert settings_of(parse_args(["show"])).profile == "tiny"
    assert settings_of(parse_args(["show", "--profile", "quick"])).profile == "quick"
    typed = Settings.from_values({"machine": "typed"}, tmp_path, tmp_path, explicit={"machine"})
    assert typed.machine == "typed"
    assert Settings.from_values({}, tmp_path, tmp_path).machine == "from-the-environment"
