"""Many machines: the CI grid, its jobs' commands, and merging what arrived.

The jobs' own shell steps are taken from ``.github/workflows/measure.yml``
and run here as the runner would run them (with bash, in the checkout), on
a small project shaped like this repository: one job records for real, one
fails inside ``record``, one stops before it, and one never uploads. The
merge command then sees a folder shaped like ``actions/download-artifact``'s
and the post is built from the result with warnings as errors.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from benchpost.grid import MAX_INTERPRETERS, load_grid
from benchpost.suite import SuiteError, load_suite

from .conftest import ROOT, TIME_CELL, html_text, page_tables, sphinx_build, suite_yaml

WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "measure.yml").read_text())
RUNNERS = ("ubuntu-24.04", "ubuntu-24.04-arm", "macos-15", "ubuntu-22.04")
GRID = f"""\
profile: tiny
metrics: [time]
runners: [{", ".join(RUNNERS)}]
sets:
  twins:
    cpython: "3.11"
    cpython-twin: "3.11"
"""
POST = """\
Machines
========

.. benchmark-table:: calls
   :title: One job's interpreters, paired
   :sets: ubuntu-24.04.twins
   :interpreters: cpython, cpython-twin

.. benchmark-table:: calls
   :title: Every planned machine
   :sets: ubuntu-24.04.twins, ubuntu-24.04-arm.twins, macos-15.twins, ubuntu-22.04.twins
   :interpreters: cpython, cpython-twin
"""


def _step(job: str, name: str) -> dict:
    return next(s for s in WORKFLOW["jobs"][job]["steps"] if s.get("name") == name)


def run_step(project: Path, job: str, name: str, **env: str) -> subprocess.CompletedProcess:
    """Run a ``run:`` step of the workflow as the runner does: bash -e, in the checkout."""
    step = _step(job, name)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # `python`
    environ = {**os.environ, "PATH": path, "RUNNER_NAME": "test", **env}
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env=environ,
                          capture_output=True, text=True, check=False)  # fmt: skip


def shaped_like_this_repository(folder: Path) -> Path:
    (folder / "benchmarks").mkdir(parents=True)
    # The grid's profile is one for publishing (record asks --draft for any other).
    suite = suite_yaml("/nonexistent/pypy3").replace(
        "min_time: 0.002\n", "min_time: 0.002\n    publish: true\n"
    )
    (folder / "benchmarks" / "suite.yaml").write_text(suite)
    (folder / "benchmarks" / "machines.yaml").write_text(GRID)
    (folder / "conf.py").write_text(textwrap.dedent("""\
        extensions = ["benchpost"]
        exclude_patterns = ["_build", "artifacts"]
        benchpost_suite = "benchmarks/suite.yaml"
        benchpost_profile = "tiny"
        """))  # fmt: skip
    (folder / "index.rst").write_text(POST)
    return folder


def upload(project: Path, cell: str, artifacts: Path) -> None:
    """What upload-artifact keeps of a cell: its set's folder, under the artifact's name."""
    shutil.copytree(project / "benchmarks" / "results" / cell, artifacts / f"benchpost-{cell}")


def test_merge_puts_every_planned_machine_in_the_post_and_says_why_some_have_no_numbers(
    tmp_path,
):
    project = shaped_like_this_repository(tmp_path / "repo")
    artifacts = project / "artifacts"
    python = sys.executable
    # The grid's own command: the matrix the workflow's jobs come from.
    proc = subprocess.run([python, "-m", "benchpost", "grid", "--github-output"], cwd=project,
                          capture_output=True, text=True, check=True)  # fmt: skip
    matrix = json.loads(proc.stdout.splitlines()[0].removeprefix("matrix="))["include"]
    assert [entry["cell"] for entry in matrix] == [f"{r}.twins" for r in RUNNERS]
    record = {"PROFILE": "tiny", "METRICS": "time", "I2": "=", "I3": "="}

    ok = run_step(project, "measure", "record the set", CELL="ubuntu-24.04.twins",
                  I0=f"cpython={python}", I1=f"cpython-twin={python}", **record)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    upload(project, "ubuntu-24.04.twins", artifacts)
    # This job's second interpreter cannot be installed: record fails and says why.
    failed = run_step(project, "measure", "record the set", CELL="ubuntu-24.04-arm.twins",
                      I0=f"cpython={python}", I1="cpython-twin=/nonexistent/python",
                      **record)  # fmt: skip
    assert failed.returncode == 2 and "was not found" in failed.stderr
    for cell in ("ubuntu-24.04-arm.twins", "macos-15.twins"):  # macos: stopped before
        early = run_step(project, "measure", "the outcome of a job that stopped early",
                         CELL=cell, OUTCOME=f"benchmarks/results/{cell}/outcome.json")  # fmt: skip
        assert early.returncode == 0, early.stderr
        upload(project, cell, artifacts)
    # ubuntu-22.04's job never uploaded; an unplanned artifact is left out.
    shutil.copytree(artifacts / "benchpost-ubuntu-24.04.twins", artifacts / "benchpost-old.x")

    merged = subprocess.run([python, "-m", "benchpost", "merge", "artifacts"], cwd=project,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    lines = merged.stdout.splitlines()
    assert re.fullmatch(r"ubuntu-24\.04\.twins: ok: \d+ results", lines[0])
    assert lines[1].startswith("ubuntu-24.04-arm.twins: failed: the job failed: CPython twin")
    assert lines[2] == ("macos-15.twins: failed: the job failed: the job stopped before "
                        "recording (see its log)")  # fmt: skip
    assert lines[3].startswith("ubuntu-22.04.twins: missing: the job's results did not arrive")
    assert lines[4] == "benchpost-old.x: not in the grid benchmarks/machines.yaml: left out"
    results = project / "benchmarks" / "results"
    assert sorted(p.name for p in results.iterdir()) == sorted(f"{r}.twins" for r in RUNNERS)

    sphinx_build(project, "-W", "-E")  # the post deploys: no warning, a failed cell or not
    page = project / "_build" / "html" / "index.html"
    tables = page_tables(page)
    paired, everywhere = (
        tables["One job\u2019s interpreters, paired"],
        tables["Every planned machine"],
    )
    for header, label in zip(paired[0][1:], ["CPython", "CPython twin"], strict=True):
        assert re.fullmatch(rf"{label} 3\.\d+\.\d+ recorded \S+ on ubuntu-24\.04\.twins", header)
    assert all("†" not in cell for row in paired[1:] for cell in row)  # one set: paired
    assert len(everywhere[0]) == 3  # the benchmark, and the one machine's two columns
    for row in everywhere[1:]:  # every number that was measured is there
        assert re.fullmatch(TIME_CELL, row[1]), row
        assert re.match(TIME_CELL, row[2]), row
    text = html_text(page.read_text())
    assert re.search(
        r"CPython, CPython twin on ubuntu-24\.04-arm\.twins: not measured, the "
        r"job failed: CPython twin \(/nonexistent/python\) was not found",
        text,
    )
    assert ("CPython, CPython twin on macos-15.twins: not measured, the job failed: the job "
            "stopped before recording (see its log)") in text  # fmt: skip
    assert re.search(
        r"on ubuntu-22\.04\.twins: not measured, the job.s results did not "
        r"arrive: no artifact benchpost-ubuntu-22\.04\.twins arrived",
        text,
    )

    # A set that is not this cell's (copied from another job) is refused whole.
    shutil.copytree(artifacts / "benchpost-ubuntu-24.04.twins",
                    artifacts / "benchpost-ubuntu-22.04.twins")  # fmt: skip
    again = subprocess.run([python, "-m", "benchpost", "merge", "artifacts"], cwd=project,
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert re.search(
        r"ubuntu-22\.04\.twins: failed: the job failed: refused: \S+\.json is "
        r"from machine 'ubuntu-24\.04\.twins'",
        again.stdout,
    ), again.stdout
    assert sorted(p.name for p in (results / "ubuntu-22.04.twins").iterdir()) == ["outcome.json"]


def write_grid(tmp_path: Path, text: str) -> Path:
    (tmp_path / "suite.yaml").write_text(suite_yaml())
    (tmp_path / "machines.yaml").write_text(textwrap.dedent(text))
    return tmp_path / "machines.yaml"


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ("runners: [ubuntu 24]\nsets: {a: {cpython: '3.11'}}\n",
         r"machines.yaml:1: a runner label 'ubuntu 24' is not a name"),
        ("runners: [x]\nsets:\n  a:\n    cpython: '3.11'\n    pipy: pypy3.10\n",
         r"machines.yaml:5: no interpreter 'pipy' in .*\(interpreters: cpython, pypy; a "
         r"variant of one is named after it, e.g. cpython-2\)"),
        ("runners: [x]\nsets:\n  a:\n" + "".join(
            f"    pypy-{i}: pypy3.10\n" for i in range(MAX_INTERPRETERS + 1)),
         rf"machines.yaml:3: set 'a' has {MAX_INTERPRETERS + 1} interpreters"),
        ("runners: [x]\nsets: {a: {cpython: '3.11'}}\nprofile: rigrous\n",
         r"machines.yaml:3: no profile 'rigrous'"),
        ("runners: [x]\nsets: {a: {cpython: '3.11'}}\nmetric: [time]\n",
         r"machines.yaml:3: unknown key 'metric' in the grid \(did you mean 'metrics'\?\)"),
    ],
)  # fmt: skip
def test_a_mistake_in_the_grid_names_its_line(tmp_path, grid, message):
    path = write_grid(tmp_path, grid)
    with pytest.raises(SuiteError, match=message):
        load_grid(path, load_suite(tmp_path / "suite.yaml"))


def test_this_repository_grid_plans_one_job_per_runner_and_set():
    suite = load_suite(ROOT / "benchmarks" / "suite.yaml")
    grid = load_grid(ROOT / "benchmarks" / "machines.yaml", suite)
    matrix = grid.matrix()["include"]
    assert len(matrix) == len(grid.runners) * len(grid.sets) >= 2
    for entry in matrix:
        assert entry["artifact"] == f"benchpost-{entry['cell']}"
        assert not set(entry["artifact"]) & set('":<>|*?\\/')  # upload-artifact refuses
        names = [entry[f"name{i}"] for i in range(MAX_INTERPRETERS) if entry[f"name{i}"]]
        assert len(set(names)) == len(names) >= 2 and "cpython" in names
        for name in names:
            suite.interpreter(name)  # declared, or a variant of one
