"""Live preview: sphinx-autobuild rebuilds once per save and never re-measures."""

from __future__ import annotations

import configparser
import importlib.util
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, make_project, suite_yaml

pytestmark = [
    pytest.mark.build,
    pytest.mark.skipif(
        importlib.util.find_spec("sphinx_autobuild") is None,
        reason="sphinx-autobuild is not installed "
        "(pip install sphinx-autobuild, or use tox -e test)",
    ),
]


def wait_for(log: Path, count: int, text: str = "build succeeded", timeout: float = 90) -> int:
    """Wait until the log says ``text`` ``count`` times; returns how many times it does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = log.read_text().count(text)
        if seen >= count:
            return seen
        time.sleep(0.2)
    return log.read_text().count(text)


def test_five_saves_give_five_rebuilds_and_no_measuring(tmp_path):
    project = make_project(tmp_path / "site", suite_yaml(pypy_command="/nonexistent/pypy3"))
    log = tmp_path / "autobuild.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sphinx_autobuild",
                "-W",
                "--port",
                "0",
                "-d",
                str(project / "_build" / "doctrees"),
                str(project),
                str(project / "_build" / "html"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # the log is read while it runs
        )
    try:
        # Saves before the watcher starts would be missed: wait for it.
        assert wait_for(log, 1, "Waiting to detect changes") == 1, log.read_text()
        time.sleep(3)  # the file watcher starts just after it says so
        first = log.read_text()
        assert "benchpost: measuring" in first  # the first build measures
        index = project / "index.rst"
        for save in range(1, 6):
            index.write_text(index.read_text() + f"\nSave number {save}.\n")
            assert wait_for(log, 1 + save) == 1 + save, log.read_text()
            time.sleep(2)  # let the watcher settle, as between an author's saves
        time.sleep(3)  # a rebuild loop would show up here
        text = log.read_text()
        assert text.count("build succeeded") == 6, text
        assert "benchpost: measuring" not in text[len(first) :]
    finally:
        server.terminate()
        server.wait(timeout=30)


def live_command(project: Path) -> list[str]:
    """The command ``tox -e live`` runs (from tox.ini), for ``project``, on a free port."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "tox.ini")
    line = config["testenv:live"]["commands"].strip()
    words = shlex.split(line.replace("{toxinidir}", str(project)).replace("{posargs}", "--port 0"))
    assert words[0] == "sphinx-autobuild", line
    return [sys.executable, "-m", "sphinx_autobuild", *words[1:]]


POST = """\
:date: 2026-11-25
:slug: live-post

A post
======

.. benchmark-table:: calls
"""


def test_one_save_of_a_post_is_one_rebuild(tmp_path):
    # A dated post: each build exports it under _build/blog, which must not
    # look like a change of the sources.
    project = make_project(tmp_path / "site", suite_yaml(pypy_command="/nonexistent/pypy3"))
    (project / "src").mkdir()  # tox.ini watches the checkout's src/ too
    post = project / "post.rst"
    post.write_text(POST)
    with open(project / "index.rst", "a") as index:
        index.write("\n.. toctree::\n\n   post\n")
    log = tmp_path / "autobuild.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            live_command(project),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        assert wait_for(log, 1, "Waiting to detect changes") == 1, log.read_text()
        time.sleep(3)  # the file watcher starts just after it says so
        assert (project / "_build" / "blog" / "live-post.fragment.html").is_file()
        post.write_text(POST + "\nOne more sentence.\n")
        assert wait_for(log, 2) == 2, log.read_text()
        time.sleep(8)  # a second rebuild, set off by the build's own output, comes here
        text = log.read_text()
        assert text.count("build succeeded") == 2, text
        assert (
            "One more sentence"
            in (project / "_build" / "blog" / "live-post.fragment.html").read_text()
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
