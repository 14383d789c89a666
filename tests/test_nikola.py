"""The blog export renders in a stock Nikola site, as the PyPy blog would show it.

Needs Nikola (``tox -e nikola`` installs it); skipped with the reason otherwise.
Nikola exits 0 even when it logs ERROR, so the log is read too.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import POST, make_project, sphinx_build, suite_yaml


def nikola_command() -> str | None:
    found = shutil.which("nikola")
    beside = Path(sys.executable).with_name("nikola")
    return found or (str(beside) if beside.is_file() else None)


pytestmark = [
    pytest.mark.build,
    pytest.mark.skipif(
        nikola_command() is None, reason="Nikola is not installed here (tox -e nikola)"
    ),
]

FIELDS = ":author: A. Author\n:date: 2026-11-23\n:tags: cpyext, speed\n:slug: small-post\n\n"


def nikola(site: Path, *args: str) -> str:
    proc = subprocess.run(
        [nikola_command(), *args],
        cwd=site,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    assert not re.search(r"\bERROR\b", log), log
    return log


def render_in_nikola(tmp_path: Path, blog: Path) -> Path:
    """A stock Nikola site set up as the PyPy blog's, with the export dropped in, built."""
    nikola(tmp_path, "init", "--quiet", "site")
    site = tmp_path / "site"
    conf = site / "conf.py"
    conf.write_text(conf.read_text().replace("PRETTY_URLS = True", "PRETTY_URLS = False"))
    for folder in ("posts", "images", "files"):
        shutil.copytree(blog / folder, site / folder, dirs_exist_ok=True)
    nikola(site, "build")
    return site


def test_the_export_renders_in_a_stock_nikola_site(tmp_path):
    project = make_project(tmp_path / "project", suite_yaml(), post=FIELDS + POST)
    sphinx_build(project, "-W")
    blog = project / "_build" / "blog"
    assert (
        (blog / "posts" / "2026" / "11" / "small-post.meta")
        .read_text()
        .startswith(".. title: Small post\n.. slug: small-post\n.. date: 2026-11-23")
    )

    site = render_in_nikola(tmp_path, blog)

    page_path = site / "output" / "posts" / "2026" / "11" / "small-post.html"
    page = page_path.read_text()
    assert "<title>Small post" in page
    assert re.search(r"<td[^>]*><p>noargs</p>|<code[^>]*><span class=\"pre\">noargs", page)
    # The measured numbers (a no-break space joins a number and its unit).
    assert re.search(r"[\d.]+\s+ns ± [\d.]+\s+ns", html.unescape(page))
    sources = re.findall(r'<img[^>]*src="([^"]+)"', page)
    assert sources, "no image in the page"

    # Nikola makes links relative to the page (URL_TYPE = "rel_path").
    def resolve(url: str) -> Path:
        if url.startswith("/"):
            return site / "output" / url.lstrip("/")
        return (page_path.parent / url).resolve()

    for source in sources:
        assert "/images/small-post-chart-" in source, source
        assert resolve(source).is_file(), source
    links = re.findall(r'href="([^"]*benchpost/small-post-calls-[a-z]+\.json)"', page)
    assert links, "no link to the pyperf data"
    for link in links:
        assert resolve(link).is_file(), link


def test_the_real_post_built_on_a_fresh_machine_renders_in_nikola(tmp_path):
    """The Cape Town post, built where only Python is (every number recorded)."""
    from .test_fresh_machine import copy_this_project, only_python

    project = copy_this_project(tmp_path / "project")
    sphinx_build(project, "-W", "--keep-going", env=only_python(tmp_path))
    blog = project / "_build" / "blog"
    site = render_in_nikola(tmp_path, blog)
    page_path = site / "output" / "posts" / "2017" / "10" / "cape-of-good-hope-for-pypy.html"
    page = html.unescape(page_path.read_text())
    assert "recorded" in page and "[not measured" not in page
    assert len(re.findall(r"benchpost-table", page)) == 3
    for source in re.findall(r'<img[^>]*src="([^"]+)"', page):
        assert (page_path.parent / source).resolve().is_file() or source.startswith("data:")
