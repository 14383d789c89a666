"""The real post on machines that lack tools: every number, from where it really comes.

Builds a copy of this project (the Cape Town post and the committed
recorded results in ``benchmarks/results/``) with ``PATH``, ``CC`` and
``VALGRIND`` set so that PyPy, valgrind or the C compiler cannot be found,
as on a new contributor's machine.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

from .conftest import PYPY, copy_this_site, html_text, page_tables, sphinx_build

pytestmark = pytest.mark.build

POST = Path("_build", "html", "posts", "cape-town-sprint.html")
PROJECT = ["conf.py", "index.rst", "posts", "figures", "benchmarks", "cext"]


def copy_this_project(folder: Path) -> Path:
    return copy_this_site(folder)


def only_python(tmp_path: Path, *, keep_cc: bool = False) -> dict:
    """An environment where only this Python can be found (and, with ``keep_cc``, the
    system's programs but valgrind: the C compiler and PyPy, where installed)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python3").symlink_to(sys.executable)
    env = {"PATH": str(bin_dir), "VALGRIND": str(tmp_path / "no-valgrind")}
    if keep_cc:
        env["PATH"] += ":/usr/bin:/bin"
    else:
        env["CC"] = str(tmp_path / "no-cc")
    return env


def tables(project: Path) -> dict[str, list[list[str]]]:
    """Every results table of the post, by caption: rows of cell texts."""
    return page_tables(project / POST)


def notes(project: Path) -> list[str]:
    page = (project / POST).read_text()
    return [html_text(n) for n in re.findall(r'<p class="benchpost-note">.*?</p>', page, re.S)]


INSTRUCTIONS = "Calling empty C functions: instructions per loop iteration"


def test_a_machine_with_only_python_renders_the_whole_post(tmp_path):
    project = copy_this_project(tmp_path / "site")
    proc = sphinx_build(project, "-W", "--keep-going", env=only_python(tmp_path))
    assert "0 measured" in proc.stdout and "recorded" in proc.stdout, proc.stdout
    found = tables(project)
    assert len(found) == 3, list(found)
    for caption, rows in found.items():
        header = rows[0]
        assert any("CPython" in h for h in header) and any("PyPy" in h for h in header), (
            caption,
            header,
        )
        assert all("recorded" in h for h in header[1:]), (caption, header)
        assert all(not cell.startswith(("failed", "n/a")) for row in rows[1:] for cell in row)
    assert all(re.fullmatch(r"[\d,]+ ± [\d,]+", row[1]) for row in found[INSTRUCTIONS][1:])
    page = (project / POST).read_text()
    assert "[not measured" not in page and "not available here" not in page
    assert all(re.search(r"recorded \d{4}-\d\d-\d\d on ", n) for n in notes(project))


def no_pypy(tmp_path: Path) -> dict:
    """An environment where every program of the system is found but PyPy."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for program in Path("/usr/bin").iterdir():
        if not program.name.startswith("pypy"):
            (bin_dir / program.name).symlink_to(program)
    (bin_dir / "python3").unlink(missing_ok=True)
    (bin_dir / "python3").symlink_to(sys.executable)
    return {"PATH": str(bin_dir), "BENCHPOST_METRICS": "time"}


def without_notes(page: Path) -> str:
    """A post's text but its notes (which say where numbers come from)."""
    html = re.sub(r'<p class="benchpost-note">.*?</p>', "", page.read_text(), flags=re.S)
    return html_text(html[html.index('<div class="body"') :])


def test_without_pypy_every_ratio_is_the_one_the_recording_says(tmp_path):
    recorded = copy_this_project(tmp_path / "recorded")
    sphinx_build(recorded, "-W", env={"BENCHPOST_MODE": "recorded", "BENCHPOST_METRICS": "time"})
    project = copy_this_project(tmp_path / "site")
    proc = sphinx_build(project, "-W", "--keep-going", env=no_pypy(tmp_path))
    assert "0 measured" in proc.stdout, proc.stdout  # CPython alone would be a mix
    assert without_notes(project / POST) == without_notes(recorded / POST)
    page = (project / POST).read_text()
    assert "\u2021" not in page
    for caption, rows in tables(project).items():
        assert all(re.search(r"recorded \d{4}-\d\d-\d\d on epyc-vm-2026-11-25", h)
                   for h in rows[0][1:]), (caption, rows[0])  # fmt: skip
    for note in notes(project):
        if "left out" not in note:
            assert "Recorded, not measured here: PyPy (pypy3) was not found" in note, note
            assert re.search(r"This machine could measure CPython 3\.\d+\.\d+;", note)


def test_without_valgrind_times_are_measured_and_counts_recorded(tmp_path):
    project = copy_this_project(tmp_path / "site")
    env = {**only_python(tmp_path, keep_cc=True), "BENCHPOST_PROFILE": "tiny"}
    sphinx_build(project, "-W", "--keep-going", env=env)
    found = tables(project)
    counts = found.pop(INSTRUCTIONS)
    assert all("recorded" in h for h in counts[0][1:]), counts[0]
    assert not any("\u2020" in cell for row in counts for cell in row)  # counts: no rounds
    for caption, rows in found.items():
        assert not any("recorded" in h for h in rows[0]), (caption, rows[0])
    count_notes = [n for n in notes(project) if "recorded set: instruction counts" in n]
    assert count_notes, notes(project)
    assert re.search(r"Recorded, not measured here: CPython(, PyPy)?: valgrind", count_notes[0])


def test_counts_left_out_of_a_build_are_never_shown_as_times(tmp_path):
    project = copy_this_project(tmp_path / "site")
    env = {**only_python(tmp_path), "BENCHPOST_METRICS": "time"}
    sphinx_build(project, "-W", "--keep-going", env=env)
    assert INSTRUCTIONS not in tables(project)
    text = html_text((project / POST).read_text())
    assert "Instruction counts are left out of this build" in text
    sentence = text[text.index("By this measure") :].split(".")[0]
    assert not re.search(r"faster|slower|fewer|more", sentence), sentence


def test_a_stale_recorded_result_is_a_warning_naming_the_file_and_the_command(tmp_path):
    project = copy_this_project(tmp_path / "site")
    suite = project / "benchmarks" / "suite.yaml"
    text = suite.read_text().replace("code: simple.noargs()", "code: simple.noargs(); 0", 1)
    suite.write_text(text)
    proc = sphinx_build(project, "--keep-going", env=only_python(tmp_path))
    stale = [line for line in proc.stderr.splitlines() if "is stale" in line]
    assert stale, proc.stderr
    assert any("results/epyc-vm-2026-11-25/cpython/calls/noargs.json" in line for line in stale)
    assert any("python -m benchpost record --machine epyc-vm-2026-11-25" in line for line in stale)


@pytest.mark.skipif(
    PYPY is None or shutil.which("valgrind") is None, reason="needs PyPy and valgrind"
)
def test_with_everything_installed_a_live_post_uses_no_recorded_value(tmp_path):
    project = copy_this_project(tmp_path / "site")
    suite = project / "benchmarks" / "suite.yaml"
    # Fewer counted iterations: the test checks where numbers come from, not their size
    # (but not too few: at 2,000, a garbage collection of PyPy's in the shorter loop
    # of onearg(i) made the longer one count fewer instructions).
    suite.write_text(re.sub(r"iterations: \d+", "iterations: 10000", suite.read_text()))
    # The draft that demonstrates recorded sets is all this test leaves out.
    (project / "posts" / "ci-machines-demo.rst").unlink()
    proc = sphinx_build(project, "-W", "--keep-going", env={"BENCHPOST_PROFILE": "tiny"})
    assert " 0 recorded" in proc.stdout, proc.stdout
    for caption, rows in tables(project).items():
        assert not any("recorded" in h for h in rows[0]), (caption, rows[0])
    assert all("No recorded value is used." in n for n in notes(project)), notes(project)
