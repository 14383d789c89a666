"""Claims: the words around the numbers, checked against their intervals."""

from __future__ import annotations

import math
import re
import shutil
import textwrap

import pytest

from benchpost.claims import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    ClaimError,
    Region,
    combine,
    parse,
)

from .conftest import ROOT, copy_this_site, make_project, run_benchpost, sphinx_build
from .test_rereading import BUSY, NOARGS


def test_a_claim_reads_its_interpreters_direction_range_and_targets():
    claim = parse("most pypy 2 to 6 times slower than cpython on calls/*, allocation/x")
    assert (claim.quantifier, claim.subject, claim.reference) == ("most", "pypy", "cpython")
    assert claim.targets == ("calls/*", "allocation/x") and claim.metric == "time"
    assert claim.region == Region(1 / 6, 1 / 2)
    assert parse("pypy fewer on calls/noargs").metric == "instructions"
    assert parse("pypy faster on calls/*").region == Region(1.01, math.inf)
    assert parse("pypy at least 3 times slower on calls/*").region == Region(0, 1 / 3)
    grades = {"horribly slow": "at least 3 times slower"}
    assert parse("pypy horribly slow on calls/*", grades).region == Region(0, 1 / 3)
    net = parse(
        "any pypy slow on type-slots/* without the loop", {"slow": "1.5 to 5 times slower"}
    )
    assert net.subtract_loop and net.quantifier == "any" and net.targets == ("type-slots/*",)
    assert net.region == Region(1 / 5, 1 / 1.5)
    between = parse("calls/varargs slower than calls/noargs on pypy")
    assert between.between_benchmarks and between.targets == ("pypy",)


@pytest.mark.parametrize(
    "text",
    ["pypy quicker on calls/*", "pypy faster", "calls/a slower on pypy", "pypy faster on calls"],
)
def test_a_claim_that_cannot_be_read_says_how_to_write_one(text):
    with pytest.raises(ClaimError):
        parse(text)


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [(1.5, 2.0, SUPPORTED), (0.9, 1.2, INCONCLUSIVE), (0.5, 0.9, CONTRADICTED)],
)
def test_a_verdict_follows_the_interval(low, high, verdict):
    assert parse("pypy faster on calls/*").region.verdict(low, high) == verdict


def test_same_means_what_a_table_calls_same():
    same = parse("pypy same on calls/*").region
    assert same.verdict(0.97, 1.04) == SUPPORTED and same.verdict(1.02, 1.1) == CONTRADICTED


def test_quantifiers_combine_the_verdicts():
    mixed = [SUPPORTED, SUPPORTED, INCONCLUSIVE]
    assert combine("all", mixed) == INCONCLUSIVE
    assert combine("most", mixed) == SUPPORTED
    assert combine("any", [CONTRADICTED, INCONCLUSIVE]) == INCONCLUSIVE
    assert combine("all", [SUPPORTED, CONTRADICTED]) == CONTRADICTED


def claims_project(folder, post: str, between_builds: float = 0.0):
    """CPython alone, on its own copy of the C extension; ``fast`` and ``twin`` run
    the same call, ``slow`` a Python loop."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "cext" / "simple.c", folder / "simple.c")
    suite = textwrap.dedent(f"""\
        extension:
          module: simple
          sources: [{folder / "simple.c"}]
        interpreters:
          - name: cpython
            label: CPython
            command: current
        profiles:
          tiny: {{rounds: 3, values: 3, min_time: 0.002, warmups: {{cpython: 0}},
                  between_builds: {between_builds}}}
        groups:
          - name: calls
            setup: import simple
            benchmarks:
              - name: fast
                code: simple.noargs()
              - name: twin
                code: simple.noargs()
              - name: slow
                code: sum(range(300))
        """)
    return make_project(folder, suite, post)


POST = """\
Post
====

A call is :claim:`cheap <calls/fast faster than calls/slow on cpython>` here.
"""


@pytest.mark.build
def test_a_claim_the_data_stops_supporting_fails_at_its_line_with_the_data(tmp_path):
    project = claims_project(tmp_path, POST)
    proc = sphinx_build(project, "-W", env={"BENCHPOST_METRICS": "time"})
    assert "claims: 1 supported, 0 contradicted, 0 inconclusive" in proc.stdout
    assert "benchpost-claim-supported" in (project / "_build/html/index.html").read_text()
    source = project / "simple.c"
    source.write_text(source.read_text().replace(NOARGS, NOARGS + BUSY))  # slow for real
    proc = sphinx_build(project, "-W", env={"BENCHPOST_METRICS": "time"}, check=False)
    assert proc.returncode != 0
    assert "index.rst:4: WARNING: benchpost: claim not supported: calls/fast faster than " in (
        proc.stderr
    ), proc.stderr
    # the interval, unless it is narrower than the ratio's last digit ("25x slower")
    assert re.search(r"measured: fast [\d.]+x slower( \([\d.]+\u2013[\d.]+\))? ", proc.stderr)
    assert "claims: 0 supported, 1 contradicted" in proc.stdout


@pytest.mark.build
def test_a_claim_whose_interval_includes_one_is_inconclusive(tmp_path):
    post = "Post\n====\n\nIt is :claim:`quicker <calls/fast faster than calls/twin on cpython>`.\n"
    project = claims_project(tmp_path, post, between_builds=0.5)  # intervals include 1
    proc = sphinx_build(project, env={"BENCHPOST_METRICS": "time"})
    assert "WARNING: benchpost: claim not conclusive: calls/fast faster than" in proc.stderr
    assert "[benchpost.claim-inconclusive]" in proc.stderr
    (project / "conf.py").write_text(
        (project / "conf.py").read_text()
        + 'suppress_warnings = ["benchpost.claim-inconclusive"]\n'
    )
    sphinx_build(project, "-W", "-E", env={"BENCHPOST_METRICS": "time"})  # a project's choice


@pytest.mark.build
def test_a_version_in_the_prose_that_no_column_has_fails_at_its_line(tmp_path):
    post = POST + "\nThese are the results on CPython 3.9 and CPython 3, not ``CPython 1.0``.\n"
    project = claims_project(tmp_path, post)
    proc = sphinx_build(project, "-W", env={"BENCHPOST_METRICS": "time"}, check=False)
    assert proc.returncode != 0
    assert "index.rst:6: WARNING: benchpost: the text names CPython 3.9, but no column" in (
        proc.stderr
    ), proc.stderr
    assert proc.stderr.count("the text names") == 1  # "CPython 3": no version; code: quoted


@pytest.mark.build
def test_the_command_line_lists_every_claim_with_its_verdict(tmp_path):
    spanning = "\n.. claim:: calls/fast faster than calls/slow on cpython\n\n   Cheap, again.\n"
    project = claims_project(tmp_path, POST + spanning)
    proc = run_benchpost(project, "claims", str(project / "index.rst"), "--profile", "tiny")
    assert proc.returncode == 0, proc.stderr
    assert re.match(
        r".*index\.rst:4: supported: calls/fast faster than calls/slow on cpython; "
        r"measured: fast \d+x faster \(\d+.\d+\)",
        proc.stdout,
    ), proc.stdout
    # The directive's claim too (the command once read roles only).
    assert "index.rst:6: supported: calls/fast faster than calls/slow on cpython" in proc.stdout


@pytest.mark.build
def test_a_role_takes_a_list_of_benchmarks(tmp_path):
    post = "Post\n====\n\nCalls take :bench:`calls/fast|twin/cpython`, loops more.\n"
    project = claims_project(tmp_path, post)
    sphinx_build(project, "-W", env={"BENCHPOST_METRICS": "time"})
    html = (project / "_build" / "html" / "index.html").read_text()
    value = re.search(r'<span class="benchpost-value">([^<]*)</span>', html).group(1)
    assert re.fullmatch(r"[\d.]+\Wns( to [\d.]+\Wns)?", value), value


@pytest.mark.build
def test_the_real_post_with_pypy_5_9_in_its_prose_fails_at_that_line(tmp_path):
    project = copy_this_site(tmp_path / "site")
    post = project / "posts" / "cape-town-sprint.rst"
    text = post.read_text()
    post.write_text(text.replace("For example, these", "These are the results on PyPy 5.9.\n\n"
                                 "For example, these", 1))  # fmt: skip
    line = post.read_text().splitlines().index("These are the results on PyPy 5.9.") + 1
    env = {"BENCHPOST_MODE": "recorded", "BENCHPOST_METRICS": "time"}
    proc = sphinx_build(project, "-W", env=env, check=False)
    assert proc.returncode != 0
    assert f"cape-town-sprint.rst:{line}: WARNING: benchpost: the text names PyPy 5.9" in (
        proc.stderr
    ), proc.stderr
    post.write_text(text)
    proc = sphinx_build(project, "-W", "-E", env=env)
    assert "claims: 6 supported, 0 contradicted, 0 inconclusive" in proc.stdout


@pytest.mark.build
def test_a_claim_over_several_sentences_is_a_directive(tmp_path):
    post = textwrap.dedent("""\
        Post
        ====

        .. claim:: calls/slow faster than calls/fast on cpython

           A loop in Python is cheap. Cheaper than a call into C, even.
        """)
    project = claims_project(tmp_path, post)
    proc = sphinx_build(project, env={"BENCHPOST_METRICS": "time"}, check=False)
    assert "index.rst:4: WARNING: benchpost: claim not supported: calls/slow faster" in (
        proc.stderr
    ), proc.stderr
    html = (project / "_build" / "html" / "index.html").read_text()
    assert "benchpost-claim-contradicted" in html and "Cheaper than a call into C" in html
