"""End to end: sphinx-build renders a small post from real measurements.

These run ``python -m sphinx`` in a separate process on a project written
into a temporary folder, then read the HTML, as a reader's browser would.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from .conftest import (
    PYPY,
    TIME_CELL,
    copy_project,
    make_project,
    needs_pypy,
    sphinx_build,
    suite_yaml,
)

pytestmark = pytest.mark.build


def page_text(project: Path) -> str:
    html = (project / "_build" / "html" / "index.html").read_text()
    body = html[html.index('<div class="body"') :]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def table_rows(project: Path) -> list[list[str]]:
    html = (project / "_build" / "html" / "index.html").read_text()
    table = re.search(r'<table class="[^"]*benchpost-table.*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr.*?</tr>", table, re.S)
    return [
        [
            re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", cell))).strip()
            for cell in re.findall(r"<t[hd].*?</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


TIME = r"[\d.]+ (ns|µs|ms)"
CELL = TIME_CELL  # "35.2 ns ± 1.1 ns", or the values a too wide interval rests on
#: A ratio as the interval allows: "1.8x faster (1.7-2.0)" (an en dash) or "≈ same speed"
RATIO = r"([\d.]+x (faster|slower) \([\d.]+\u2013[\d.]+\)|≈ same speed)"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The small post, built once with CPython and (where installed) PyPy."""
    project = make_project(tmp_path_factory.mktemp("post"))
    proc = sphinx_build(project, "-W", "--keep-going")
    return project, proc


@pytest.fixture
def own_copy(built, tmp_path):
    """A copy of the built post for one test to edit or rebuild alone.

    The copy is built once where it is (its Sphinx environment names the folder
    it was built in), so that the test starts from an up-to-date build; the
    store's results are copied along, so this measures nothing.
    """
    project = copy_project(built[0], tmp_path / "post")
    sphinx_build(project, "-W")
    return project


def test_the_table_has_a_column_per_interpreter_and_real_numbers(built):
    project, _ = built
    rows = table_rows(project)
    header = rows[0]
    assert header[0] == "Benchmark"
    assert re.fullmatch(r"CPython 3\.\d+\.\d+", header[1])
    assert [r[0] for r in rows[1:]] == ["empty loop", "noargs", "onearg(i)"]
    for row in rows[1:]:
        assert re.fullmatch(CELL, row[1]), row


@needs_pypy
def test_the_table_has_a_pypy_column_with_times_and_ratios(built):
    project, _ = built
    rows = table_rows(project)
    header = rows[0]
    assert re.fullmatch(r"PyPy \d+\.\d+\.\d+", header[2])
    for row in rows[2:]:  # the benchmarks: a time and a ratio to CPython
        assert re.fullmatch(rf"{CELL}( §)? {RATIO}( †)?", row[2]), row


def test_the_chart_is_an_svg_with_alt_text_carrying_the_numbers(built):
    project, _ = built
    html = (project / "_build" / "html" / "index.html").read_text()
    image = re.search(r'<img alt="([^"]*)"[^>]*src="(_images/chart-[0-9a-f]+\.svg)"', html)
    assert image, "no chart image in the page"
    alt, src = unescape(image.group(1)), image.group(2)
    svg = (project / "_build" / "html" / src).read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert re.search(rf"noargs: CPython [\d.]+ {TIME}", alt)
    assert "Calls chart" in html  # the caption
    # The chart was drawn under the build folder, never into the source tree.
    assert not list(project.glob("*.svg"))


def test_roles_quote_measured_values_and_versions(built):
    project, _ = built
    text = page_text(project)
    assert re.search(rf"A call takes {TIME} on CPython", text)
    assert re.search(r"Results on CPython 3\.\d+\.\d+ and ", text)


@needs_pypy
def test_roles_quote_pypys_version_and_its_ratio(built):
    project, _ = built
    text = page_text(project)
    assert re.search(r"and PyPy \d+\.\d+\.\d+ :", text)
    assert re.search(rf"PyPy is {RATIO} than CPython", text)


def test_the_measurement_note_says_how_it_was_measured(built):
    project, proc = built
    text = page_text(project)
    note = re.search(r"Measured (\d{4}-\d\d-\d\d) on (.*?); profile “tiny”, 2 rounds", text)
    assert note, text
    assert "CPython 3." in note.group(2)
    assert re.search(r"\d+ of \d+ processes were steady after their warm-up", text)
    assert "Draft numbers" in text
    assert "measured" in proc.stdout  # progress in the Sphinx log


@needs_pypy
def test_the_measurement_note_says_what_ratios_compare_with(built):
    project, _ = built
    assert "Ratios compare with CPython" in page_text(project)


def test_a_second_build_measures_nothing(built, tmp_path):
    project = copy_project(built[0], tmp_path / "post")
    proc = sphinx_build(project, "-W", "-E")  # -E: every post is read again
    assert "benchpost: measuring" not in proc.stdout
    assert re.search(
        r"benchpost: \d+ results: 0 measured, \d+ from the store, 0 recorded, 0 failed",
        proc.stdout,
    ), proc.stdout


def test_without_pypy_the_post_renders_with_a_note_and_no_warning(tmp_path):
    project = make_project(tmp_path, suite_yaml(pypy_command="/nonexistent/pypy3"))
    proc = sphinx_build(project, "-W")  # a warning would fail the build
    header = table_rows(project)[0]
    assert len(header) == 2 and header[1].startswith("CPython")
    text = page_text(project)
    assert (
        "PyPy (/nonexistent/pypy3) was not found on this machine; install it: "
        "apt-get install pypy3 pypy3-dev." in text
    )
    assert "optional interpreter PyPy" in proc.stdout
    assert "PyPy (not available here)" in text
    assert "PyPy is [not measured: PyPy not found] than CPython" in text


def test_a_failing_benchmark_is_a_warning_at_the_directive_and_the_rest_renders(tmp_path):
    crashing = suite_yaml(pypy_command="/nonexistent/pypy3").replace(
        "code: simple.noargs()", "code: 1 / 0"
    )
    project = make_project(tmp_path, crashing)
    proc = sphinx_build(project, "-W", check=False)
    assert proc.returncode != 0
    assert re.search(
        r"index\.rst:6: WARNING: benchpost: 'noargs' on CPython [\d.]+ failed: "
        r"ZeroDivisionError",
        proc.stderr,
    ), proc.stderr
    lenient = sphinx_build(project, "-E")  # without -W the post is still written
    assert lenient.returncode == 0
    rows = {r[0]: r[1] for r in table_rows(project)[1:]}
    assert rows["noargs"] == "failed [1]"
    assert re.search(
        r"\[1\] noargs on CPython [\d.]+: ZeroDivisionError: division by zero", page_text(project)
    )
    assert re.fullmatch(CELL, rows["onearg(i)"])


def pyperf_links(project: Path) -> list[tuple[str, str]]:
    """The pyperf files the table links, in the page's order: (interpreter, file)."""
    html = (project / "_build" / "html" / "index.html").read_text()
    links = re.findall(r'href="(_downloads/[0-9a-f]+/calls-(\w+)\.json)"', html)
    return [(name, str(project / "_build" / "html" / href)) for href, name in links]


def test_each_table_links_its_pyperf_data_and_pyperf_reads_it(built):
    project, _ = built
    links = pyperf_links(project)
    assert [name for name, _ in links] == (["cpython", "pypy"] if PYPY else ["cpython"])
    stats = subprocess.run(
        [sys.executable, "-m", "pyperf", "stats", links[0][1]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert stats.returncode == 0 and "noargs" in stats.stdout


@needs_pypy
def test_pyperf_compares_the_linked_data_of_pypy_and_cpython(built):
    project, _ = built
    files = [file for _, file in pyperf_links(project)]
    compared = subprocess.run(
        # -v: every row, significant or not (the tiny profile's noise decides that)
        [sys.executable, "-m", "pyperf", "compare_to", *files, "--table", "-v"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert compared.returncode == 0, compared.stderr
    # pyperf's own t-test decides its word; two tiny rounds often say "not significant"
    assert re.search(r"noargs .*(x (faster|slower)|not significant)", compared.stdout), (
        compared.stdout
    )


def test_a_build_with_no_change_says_nothing_was_measured(own_copy):
    proc = sphinx_build(own_copy, "-W")
    assert "benchpost: no post with results was read again; nothing measured" in proc.stdout


def test_a_prose_edit_reads_the_post_again_but_measures_nothing(own_copy):
    project = own_copy
    index = project / "index.rst"
    index.write_text(index.read_text() + "\nOne more sentence of prose.\n")
    proc = sphinx_build(project, "-W")
    assert "benchpost: measuring" not in proc.stdout
    assert "One more sentence of prose." in page_text(project)


def test_the_interpreters_can_be_chosen_for_one_build(tmp_path):
    project = make_project(tmp_path, suite_yaml())
    sphinx_build(project, "-W", "-D", "benchpost_interpreters=cpython")
    header = table_rows(project)[0]
    assert len(header) == 2 and header[1].startswith("CPython"), header
