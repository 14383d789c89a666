"""The built post in a real browser: tables and charts visible, nothing overflowing.

Headless Chromium (Debian's ``chromium``) opens a small checking page that
shows the built post in an iframe as wide as a phone or a desktop screen and
measures it with the browser's own layout; ``--dump-dom`` hands the facts
back. Screenshots of the post itself are saved under the build folder, to
look at. Skipped with the reason where Chromium is absent.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT, sphinx_build

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed here: apt-get install chromium"
)

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}

# Runs in the checking page, once the post (and its images) has loaded.
MEASURE = """
const doc = document.getElementById("post").contentDocument;
const box = (el) => el.getBoundingClientRect().toJSON();
const all = (selector) => Array.from(doc.querySelectorAll(selector));
const image = (img) => ({...box(img), loaded: img.complete && img.naturalWidth > 0});
document.getElementById("facts").textContent = JSON.stringify({
  view: doc.documentElement.clientWidth,
  scroll: doc.documentElement.scrollWidth,
  tables: all("table.benchpost-table").map(box),
  containers: all("div.benchpost").map(box),
  charts: all("img.benchpost-chart").map(image),
  figures: all("figure img:not(.benchpost-chart)").map(image),
});
"""


def chromium(*args: str, profile: Path) -> str:
    """Run headless Chromium once (loopback and files only) and return its stdout."""
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--hide-scrollbars",
        *args,
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def post(tmp_path_factory) -> Path:
    """A copy of this repository's site (the Cape Town post), built with the tiny profile."""
    project = tmp_path_factory.mktemp("browser") / "site"
    project.mkdir()
    for name in ("conf.py", "index.rst", "posts", "figures", "benchmarks", "cext"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            shutil.copy2(source, project / name)
    sphinx_build(project, "-W", "-D", "benchpost_profile=tiny")
    return project


PAGE = Path("_build", "html", "posts", "cape-town-sprint.html")


def layout(post: Path, width: int, height: int) -> dict:
    """What the browser laid out for the post at this size."""
    check = post / "_build" / "check.html"
    page = (post / PAGE).as_uri()
    check.write_text(
        f'<!doctype html><body style="margin:0"><iframe id="post" src="{page}" '
        f'style="border:0;width:{width}px;height:{height}px"></iframe><pre id="facts"></pre>'
        f'<script>document.getElementById("post").onload = () => {{{MEASURE}}};</script>'
    )
    dom = chromium(
        "--allow-file-access-from-files",
        "--virtual-time-budget=10000",
        "--dump-dom",
        check.as_uri(),
        profile=post / "_build" / "chromium",
    )
    found = re.search(r'<pre id="facts">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_tables_and_charts_are_visible_and_do_not_overflow(post, viewport):
    width, height = VIEWPORTS[viewport]
    facts = layout(post, width, height)
    view = facts["view"]
    assert facts["scroll"] <= view, f"the page scrolls sideways on a {viewport}: {facts}"
    assert len(facts["tables"]) == 2 and len(facts["charts"]) == 2, facts
    for table in facts["tables"]:
        assert table["height"] > 0 and table["width"] > 0
    # A wide table may scroll inside its own box; the box itself fits the screen.
    for container in facts["containers"]:
        assert container["right"] <= view + 1, facts
    assert facts["figures"], "the sprint figure is missing"
    for picture in facts["charts"] + facts["figures"]:
        assert picture["loaded"], f"an image did not load: {facts}"
        assert picture["width"] > 0 and picture["right"] <= view + 1, facts


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots_are_saved_to_look_at(post, viewport):
    width, _ = VIEWPORTS[viewport]
    shot = post / "_build" / "screenshots" / f"{viewport}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    # Tall enough to hold the whole post: both tables and both charts.
    chromium(
        f"--screenshot={shot}",
        f"--window-size={width},{6500 if width < 600 else 4500}",
        (post / PAGE).as_uri(),
        profile=post / "_build" / "chromium",
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
