"""The built post in a real browser: tables and charts visible, nothing overflowing.

A results table or chart that fits the author's desktop can still push a
phone's page sideways, and no HTML check sees that: only a browser's layout
does. Headless Chromium (Debian's ``chromium``) opens the built page as it
is, as wide as a phone (390x844) and a desktop (1280x900); the test asks the
browser for the geometry with the DevTools protocol (``Runtime.evaluate``)
and saves a full-page screenshot of each (``_build/screenshots/``) to look
at. The protocol runs over ``--remote-debugging-pipe``: two pipes, no
socket, only the standard library. Two pages: the small post of conftest and
this repository's Cape Town post (three tables, two charts, a figure). Skipped
with the reason where Chromium is absent.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import math
import os
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import copy_this_site, make_project, sphinx_build, suite_yaml


def find_chromium() -> str | None:
    """Debian's Chromium on PATH, or None."""
    return shutil.which("chromium")


CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.build,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed here: apt-get install chromium"
    ),
]

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}
TIMEOUT = 60.0  # seconds, for any one answer from the browser
# A screenshot waits for the compositor's next frame, and headless Chromium's
# compositor can go idle and never draw one (seen on a fresh CI machine, never
# here). A shorter wait, then one retry after a screencast wakes it up.
SCREENSHOT_TIMEOUT = 15.0

# Evaluated in the loaded page: what the browser laid out.
MEASURE = """(() => {
  const box = (el) => el.getBoundingClientRect().toJSON();
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  const image = (img) => ({...box(img), src: img.currentSrc,
                           loaded: img.complete && img.naturalWidth > 0});
  const table = (t) => {
    const container = t.closest("div.benchpost") || t;
    return {...box(t), container: box(container),
            scrolls: ["auto", "scroll"].includes(getComputedStyle(container).overflowX)};
  };
  return {
    view: document.documentElement.clientWidth,
    scroll: document.documentElement.scrollWidth,
    tables: all("table.benchpost-table").map(table),
    columns: all("table.benchpost-table").map((t) => t.rows[0].cells.length),
    charts: all("img.benchpost-chart").map(image),
    figures: all("figure img:not(.benchpost-chart)").map(image),
  };
})()"""


class Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe``.

    Chromium reads protocol messages (JSON, each ended by a NUL byte) on its
    file descriptor 3 and writes answers and events on 4.
    """

    def __init__(self, profile: Path) -> None:
        child_in, self._out = os.pipe()
        self._in, child_out = os.pipe()

        def plumb() -> None:  # in the child, before exec: the pipes become fds 3 and 4
            read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 5) for fd in (child_in, child_out))
            os.dup2(read, 3)
            os.dup2(write, 4)
            os.close(read)
            os.close(write)

        self.log = profile / "chromium.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
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
                    "--remote-debugging-pipe",
                    "--hide-scrollbars",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                close_fds=False,  # fds 3 and 4 are inherited; Python's own fds are not
                preexec_fn=plumb,
                start_new_session=True,  # its helper processes go with it on close
            )
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._unread: list[dict] = []
        self._id = 0

    def call(
        self, method: str, session: str | None = None, timeout: float = TIMEOUT, **params
    ) -> dict:
        """Send one command and return its result."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data) :]
        answer = self.wait(lambda m, n=self._id: m.get("id") == n, timeout, method)
        assert "error" not in answer, f"{method}: {answer['error']}"
        return answer["result"]

    def wait(self, wanted, timeout: float = TIMEOUT, what: str = "an event") -> dict:
        """The first message (answer or event) for which ``wanted`` is true."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self._unread:
                if wanted(message):
                    self._unread.remove(message)
                    return message
            while b"\0" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._in], [], [], left)[0]:
                    raise TimeoutError(
                        f"no answer to {what} from Chromium in {timeout:g} s; its log ends:\n"
                        + self.log.read_text(errors="replace")[-2000:]
                    )
                chunk = os.read(self._in, 1 << 20)
                if not chunk:
                    raise EOFError(f"Chromium quit: {self.log.read_text()[-2000:]}")
                self._buffer += chunk
            raw, _, self._buffer = self._buffer.partition(b"\0")
            self._unread.append(json.loads(raw))

    def close(self) -> None:
        """Ask Chromium to quit; then kill what is left of it, helper processes included."""
        with contextlib.suppress(OSError, EOFError, TimeoutError, AssertionError):
            self.call("Browser.close")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        os.close(self._in)
        os.close(self._out)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One Chromium for the module, always killed at the end."""
    chromium = Browser(tmp_path_factory.mktemp("chromium"))
    try:
        yield chromium
    finally:
        chromium.close()


# page: (where it is built, tables, charts, figures besides the charts)
PAGES = {
    "small-post": (Path("index.html"), 1, 1, 0),
    "four-columns": (Path("index.html"), 1, 1, 0),
    "cape-town": (Path("posts", "cape-town-sprint.html"), 3, 2, 1),
}

# A second post as a new user writes it: four interpreter columns (the same PyPy with
# its JIT off, the same CPython under another name).
FOUR_COLUMNS = """\
  - name: pypy-nojit
    label: PyPy (JIT off)
    command: pypy3
    args: [--jit, "off"]
    required: false
  - name: cpython-again
    label: CPython again
    command: current
"""


@pytest.fixture(scope="module", params=PAGES)
def page(request, tmp_path_factory) -> tuple[str, Path]:
    """A built page, with the tiny profile: its name and the built project."""
    folder = tmp_path_factory.mktemp("browser") / "site"
    if request.param == "small-post":
        project = make_project(folder)
        sphinx_build(project, "-W")
    elif request.param == "four-columns":
        suite = suite_yaml().replace("\nbaseline:", "\n" + FOUR_COLUMNS + "baseline:")
        assert "pypy-nojit" in suite
        project = make_project(folder, suite)
        sphinx_build(project, "-W")
    else:
        project = copy_this_site(folder)
        sphinx_build(project, "-W", "-D", "benchpost_profile=tiny")
    return request.param, project


def look(
    browser: Browser,
    url: str,
    width: int,
    height: int,
    shot: Path | None,
    expression: str = MEASURE,
) -> dict:
    """Open ``url`` in a fresh tab at this size; what ``expression`` (JavaScript) finds
    there once it is loaded; a full-page screenshot saved as ``shot``."""
    target = browser.call("Target.createTarget", url="about:blank")["targetId"]
    session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    try:
        browser.call("Target.activateTarget", targetId=target)  # a background tab draws nothing
        browser.call("Page.enable", session)
        browser.call("Page.bringToFront", session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        browser.call("Page.navigate", session, url=url)
        browser.wait(  # the load event: images included
            lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session
        )
        evaluated = browser.call(
            "Runtime.evaluate", session, expression=expression, returnByValue=True
        )
        assert "exceptionDetails" not in evaluated, evaluated["exceptionDetails"]
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            shot.write_bytes(full_page_screenshot(browser, session, width))
        return evaluated["result"]["value"]
    finally:
        browser.call("Target.closeTarget", targetId=target)


def full_page_screenshot(browser: Browser, session: str, width: int) -> bytes:
    """A PNG of the whole page: the viewport made as tall as the page, then one
    capture (after the layout facts, which were taken at the device's height)."""
    height = math.ceil(browser.call("Page.getLayoutMetrics", session)["cssContentSize"]["height"])
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=min(height, 16_000),
        deviceScaleFactor=1,
        mobile=False,
    )
    try:
        png = browser.call("Page.captureScreenshot", session, SCREENSHOT_TIMEOUT, format="png")
    except TimeoutError:
        browser.call("Page.startScreencast", session, format="jpeg", quality=10)
        time.sleep(0.25)
        browser.call("Page.stopScreencast", session)
        png = browser.call("Page.captureScreenshot", session, SCREENSHOT_TIMEOUT, format="png")
    return base64.b64decode(png["data"])


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_tables_and_charts_are_visible_and_do_not_overflow(browser, page, viewport):
    name, project = page
    where, tables, charts, figures = PAGES[name]
    width, height = VIEWPORTS[viewport]
    shot = project / "_build" / "screenshots" / f"{viewport}.png"
    url = (project / "_build" / "html" / where).as_uri()
    facts = look(browser, url, width, height, shot)

    view = facts["view"]
    assert facts["scroll"] <= view, f"the page scrolls sideways on a {viewport}: {facts}"
    assert len(facts["tables"]) == tables and len(facts["charts"]) == charts, facts
    assert len(facts["figures"]) == figures, facts
    if name == "four-columns":
        assert facts["columns"] == [5], facts  # the benchmark, then four interpreters
    for table in facts["tables"]:
        assert table["width"] > 0 and table["height"] > 0, f"a table is not shown: {facts}"
        # A wide table may scroll inside its own box on a phone; the box fits the screen.
        assert table["right"] <= view + 1 or table["scrolls"], f"a table overflows: {facts}"
        if viewport == "desktop":  # on a desktop, four interpreter columns fit as they are
            assert table["width"] <= table["container"]["width"] + 1, f"a table scrolls: {facts}"
        assert table["container"]["right"] <= view + 1, f"a table's box overflows: {facts}"
    for chart in facts["charts"]:
        assert chart["src"].endswith(".svg"), facts
    for picture in facts["charts"] + facts["figures"]:
        assert picture["loaded"], f"an image did not load: {facts}"
        assert picture["width"] > 0 and picture["height"] > 0, f"an image is not shown: {facts}"
        assert picture["right"] <= view + 1, f"an image overflows: {facts}"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000


# Evaluated in a chart's SVG: the bounding box of every piece of text (matplotlib draws
# text as glyphs in <g id="text_N">), in the drawing's own units, and its viewBox.
TEXT_BOXES = """(() => {
  const svg = document.documentElement;
  const view = svg.viewBox.baseVal;
  const boxes = Array.from(document.querySelectorAll('g[id^="text_"]')).map((g) => {
    const b = g.getBBox();
    // the group's transforms included, the page's scaling of the drawing left out
    const m = svg.getScreenCTM().inverse().multiply(g.getScreenCTM());
    const corners = [[b.x, b.y], [b.x + b.width, b.y + b.height]].map(([x, y]) => {
      const p = svg.createSVGPoint(); p.x = x; p.y = y; return p.matrixTransform(m);
    });
    return {id: g.id, left: corners[0].x, top: corners[0].y,
            right: corners[1].x, bottom: corners[1].y, width: b.width};
  });
  return {view: {x: view.x, y: view.y, width: view.width, height: view.height}, boxes};
})()"""


def test_every_charts_text_lies_inside_its_drawing(browser, page):
    """Every label, tick and legend entry of every chart (wide and narrow) is inside the
    SVG's viewBox: none is cut off at an edge (the wide chart's axis label once ended
    in "lines: 95 % interv")."""
    _, project = page
    charts = sorted((project / "_build" / "html" / "_images").glob("chart-*.svg"))
    assert charts
    for chart in charts:
        facts = look(browser, chart.as_uri(), 1280, 900, None, TEXT_BOXES)
        view, boxes = facts["view"], facts["boxes"]
        assert boxes and all(b["width"] > 0 for b in boxes), (chart.name, facts)
        for box in boxes:
            inside = (
                box["left"] >= view["x"] - 0.5
                and box["top"] >= view["y"] - 0.5
                and box["right"] <= view["x"] + view["width"] + 0.5
                and box["bottom"] <= view["y"] + view["height"] + 0.5
            )
            assert inside, f"{chart.name}: {box['id']} leaves the drawing {view}: {box}"
