"""The tutorial (docs/tutorial/first-post.md), followed step by step.

Every ``{code-block}`` with a ``:caption:`` naming a file is written there
(``(append)``: added at its end), and every ``$`` line of a ``console``
block is run, in the page's order, on a fresh copy of the site: the
tutorial's commands are what this test runs, so they cannot drift. Two
substitutions keep it fast and are the only ones: builds measure with the
``tiny`` profile (``BENCHPOST_PROFILE``), and the freeze with ``--profile
tiny --draft``. ``tox -e build`` runs the command tox.ini gives it. Numbers of
a profile made for tests never reach the clean blog export, so the export the
page names under ``_build/blog/`` is looked for under
``_build/blog-with-warnings/``, where such a build puts it.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, copy_this_site

TUTORIAL = ROOT / "docs" / "tutorial" / "first-post.md"
BLOCK = re.compile(r"^```(\{code-block\} \S+|console|shell)\n(.*?)^```", re.S | re.M)
ENV = {"BENCHPOST_PROFILE": "tiny"}


def steps(text: str) -> list[tuple[str, str, str]]:
    """``("file", path, content)``, ``("append", path, content)`` and ``("run", command,
    "")`` in the page's order."""
    found = []
    for kind, body in BLOCK.findall(text):
        if kind.startswith("{code-block}"):
            caption, _, content = body.partition("\n\n")
            path = caption.removeprefix(":caption:").strip()
            append = path.endswith(" (append)")
            found.append(("append" if append else "file", path.removesuffix(" (append)"), content))
        elif kind == "console":
            found += [("run", line[2:], "") for line in body.splitlines() if line.startswith("$ ")]
    return found


def tox_build_command(project: Path) -> list[str]:
    """What ``tox -e build`` runs, from tox.ini, with warnings as errors."""
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    line = tox["testenv:build"]["commands"].strip()
    line = line.replace("{env:SPHINXOPTS:-W --keep-going}", "-W --keep-going")
    line = line.replace("{toxinidir}", str(project)).replace("{posargs}", "")
    words = shlex.split(line)
    assert words[0] == "sphinx-build", words
    return [sys.executable, "-m", "sphinx", *words[1:]]


def command_of(line: str, project: Path) -> list[str]:
    if line == "tox -e build":
        return tox_build_command(project)
    words = shlex.split(line)
    assert words[:3] == ["python", "-m", "benchpost"], f"the test cannot run: {line}"
    if words[3] == "freeze":
        words += ["--profile", "tiny", "--draft"]
    return [sys.executable, *words[1:]]


def test_the_page_has_every_kind_of_step():
    kinds = [kind for kind, _, _ in steps(TUTORIAL.read_text())]
    assert kinds.count("file") == 2 and kinds.count("append") == 1, kinds
    assert kinds.count("run") >= 4, kinds


@pytest.mark.build
def test_the_tutorial_runs_as_written_on_a_fresh_copy(tmp_path):
    project = copy_this_site(tmp_path / "site")
    text = TUTORIAL.read_text()
    outputs = []
    for kind, what, content in steps(text):
        if kind == "run":
            proc = subprocess.run(
                command_of(what, project), cwd=project, capture_output=True, text=True,
                env={**os.environ, **ENV}, check=False, timeout=900,
            )  # fmt: skip
            assert proc.returncode == 0, f"$ {what}\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            outputs.append((what, proc.stdout))
            continue
        path = project / what
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "append":
            before = path.read_text()
            path.write_text(before + ("" if before.endswith("\n") else "\n") + content)
        else:
            path.write_text(content)
    shown = dict(outputs)
    table = shown["python -m benchpost show tutorial --profile quick"]
    assert "identity" in table and "first" in table, table
    post = (project / "posts" / "my-first-post.rst").read_text()
    assert re.search(r"^:frozen: \d{4}-\d\d-\d\d$", post, re.M), post[:300]
    assert "These times were frozen with the post" in " ".join(
        shown["python -m benchpost show posts/my-first-post.rst"].split()
    )
    # Every file of the build the page names is there (the export: see the module doc).
    for named in sorted(set(re.findall(r"`(_build/[^`]+\.html)`", text))):
        found = named.replace("_build/blog/", "_build/blog-with-warnings/", 1)
        assert (project / found).is_file(), named
    assert "benchpost-table" in (project / "_build/html/posts/my-first-post.html").read_text()
