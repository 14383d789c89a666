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
from urllib.parse import unquote, urlparse

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
    assert re.search(r"[\d.]+\s+ns\s±\s[\d.]+\s+ns", html.unescape(page))
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


@pytest.fixture(scope="module")
def real_post(tmp_path_factory) -> tuple[Path, Path]:
    """The Cape Town post, built where only Python is (every number recorded), its export
    rendered in a Nikola site: (the project, the site)."""
    from .test_fresh_machine import copy_this_project, only_python

    tmp_path = tmp_path_factory.mktemp("real-post")
    project = copy_this_project(tmp_path / "project")
    sphinx_build(project, "-W", "--keep-going", env=only_python(tmp_path))
    return project, render_in_nikola(tmp_path, project / "_build" / "blog")


def test_the_real_post_built_on_a_fresh_machine_renders_in_nikola(real_post):
    _, site = real_post
    page_path = site / "output" / "posts" / "2017" / "10" / "cape-of-good-hope-for-pypy.html"
    page = html.unescape(page_path.read_text())
    assert "recorded" in page and "[not measured" not in page
    assert len(re.findall(r"<table class=\"benchpost-table", page)) == 3
    for source in re.findall(r'<img[^>]*src="([^"]+)"', page):
        assert (page_path.parent / source).resolve().is_file() or source.startswith("data:")


# Evaluated in the blog's page: the sizes a reader sees.
BLOG_FACTS = """(() => {
  const box = (el) => el.getBoundingClientRect().toJSON();
  const line = (el) => parseFloat(getComputedStyle(el).lineHeight)
                       || 1.2 * parseFloat(getComputedStyle(el).fontSize);
  return {
    view: document.documentElement.clientWidth,
    scroll: document.documentElement.scrollWidth,
    cells: Array.from(document.querySelectorAll("td.benchpost-cell")).map((td) => {
      // its content's height (a cell is as tall as the tallest of its row)
      const value = td.firstElementChild, last = td.lastElementChild;
      const height = box(last).bottom - box(value).top;
      return {height: height, line: line(value), text: td.innerText};
    }),
    tables: Array.from(document.querySelectorAll("div.benchpost")).map(box),
    widths: Array.from(document.querySelectorAll("table.benchpost-table")).map(
      (t) => [box(t).width, box(t.parentElement).width]),
    charts: Array.from(document.querySelectorAll("img.benchpost-chart")).map(
      (img) => ({...box(img), src: img.currentSrc, loaded: img.naturalWidth > 0})),
    about: Array.from(document.querySelectorAll("details.benchpost-about")).map(
      (d) => ({open: d.open, height: box(d).height})),
  };
})()"""


# Evaluated in the pasted fragment: did every image load, where do the links go.
PASTED_FACTS = """(() => ({
  images: Array.from(document.images).map((img) => img.complete && img.naturalWidth > 0),
  links: Array.from(document.links).map((a) => a.getAttribute("href")),
}))()"""


def _view_box_width(svg: Path) -> float:
    """The width of an SVG's drawing, in its own units (points for matplotlib's)."""
    found = re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) [\d.]+"', svg.read_text())
    assert found, svg
    return float(found.group(1))


def test_the_export_reads_well_in_a_blog_like_pypy_org_on_a_phone_and_a_desktop(
    real_post, tmp_path
):
    """The real post's export in a Nikola site set up as pypy.org's, in headless Chromium:
    compact cells, folded notes, chart labels of at least 11 px, nothing sideways."""
    from benchpost.render.chart import NARROW, WIDE

    from .test_browser import CHROMIUM, VIEWPORTS, Browser, look

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed here: apt-get install chromium")
    project, site = real_post
    page = site / "output" / "posts" / "2017" / "10" / "cape-of-good-hope-for-pypy.html"
    fonts = {"narrow": NARROW.font, "wide": WIDE.font}
    (tmp_path / "chromium").mkdir()
    browser = Browser(tmp_path / "chromium")
    try:
        for viewport, (width, height) in VIEWPORTS.items():
            shot = project / "_build" / "screenshots" / f"blog-{viewport}.png"
            facts = look(browser, page.as_uri(), width, height, shot, BLOG_FACTS)

            assert facts["scroll"] <= facts["view"], f"the page scrolls sideways: {facts}"
            assert len(facts["tables"]) >= 3 and facts["cells"], facts
            for table in facts["tables"]:
                assert table["right"] <= facts["view"] + 1, f"a table's box overflows: {facts}"
            for table, box in facts["widths"]:  # it fits: no scrolling inside its box either
                assert table <= box + 1, f"a table is wider than the column: {facts['widths']}"
            # A cell: its value on one line (two on a phone), its ratio smaller under it.
            lines = 2.4 if viewport == "desktop" else 4.2
            for cell in facts["cells"]:
                assert cell["height"] <= lines * cell["line"], (viewport, cell)
            assert facts["about"] and not any(d["open"] for d in facts["about"]), facts
            assert len(facts["charts"]) == 2, facts
            for chart in facts["charts"]:
                assert chart["loaded"] and chart["right"] <= facts["view"] + 1, chart
                drawing = Path(unquote(urlparse(chart["src"]).path))
                layout = "narrow" if viewport == "phone" else "wide"
                # the browser picked the drawing made for this width
                assert (_view_box_width(drawing) < 72 * WIDE.width) == (layout == "narrow")
                label = fonts[layout] * chart["width"] / _view_box_width(drawing)
                assert label >= 11, f"chart labels of {label:.1f} px on a {viewport}: {chart}"
            assert shot.stat().st_size > 10_000
        # The fragment, pasted into an empty page somewhere else: every image shows.
        fragment = next((project / "_build" / "blog").glob("*.fragment.html")).read_text()
        pasted = tmp_path / "elsewhere" / "pasted.html"
        pasted.parent.mkdir()
        pasted.write_text(f"<!doctype html><meta charset=utf-8><body>{fragment}</body>")
        for width in (390, 1280):
            shown = look(browser, pasted.as_uri(), width, 900, None, PASTED_FACTS)
            assert len(shown["images"]) >= 3 and all(shown["images"]), (width, shown)
            assert all(a.startswith(("data:", "https://", "#")) for a in shown["links"]), shown
    finally:
        browser.close()
