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

from .conftest import make_project, sphinx_build

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed here: apt-get install chromium"
)

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}

# Runs in the checking page, once the post (and its images) has loaded.
MEASURE = """
const doc = document.getElementById("post").contentDocument;
const box = (el) => el && el.getBoundingClientRect().toJSON();
const chart = doc.querySelector("img.benchpost-chart");
document.getElementById("facts").textContent = JSON.stringify({
  view: doc.documentElement.clientWidth,
  scroll: doc.documentElement.scrollWidth,
  table: box(doc.querySelector("table.benchpost-table")),
  container: box(doc.querySelector("div.benchpost")),
  chart: box(chart),
  chartLoaded: chart ? chart.complete && chart.naturalWidth > 0 : false,
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
    project = make_project(tmp_path_factory.mktemp("browser"))
    sphinx_build(project, "-W")
    return project


def layout(post: Path, width: int, height: int) -> dict:
    """What the browser laid out for the post at this size."""
    check = post / "_build" / "check.html"
    page = (post / "_build" / "html" / "index.html").as_uri()
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
    assert facts["table"]["height"] > 0 and facts["table"]["width"] > 0
    # A wide table scrolls inside its own box; the box itself fits the screen.
    assert facts["container"]["right"] <= view + 1, facts
    assert facts["chartLoaded"], "the chart SVG did not load"
    assert facts["chart"]["width"] > 0 and facts["chart"]["right"] <= view + 1, facts


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_screenshots_are_saved_to_look_at(post, viewport):
    width, _ = VIEWPORTS[viewport]
    shot = post / "_build" / "screenshots" / f"{viewport}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    # Tall enough to hold the whole small post: the table and the chart.
    chromium(
        f"--screenshot={shot}",
        f"--window-size={width},2000",
        (post / "_build" / "html" / "index.html").as_uri(),
        profile=post / "_build" / "chromium",
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
