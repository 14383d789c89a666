"""The result store: measures on real interpreters once, then reuses the files."""

from __future__ import annotations

import json

import pyperf
import pytest

from benchpost.results import CACHED, FAILED, MEASURED
from benchpost.store import ResultStore
from benchpost.suite import EMPTY_LOOP, load_suite

from .conftest import ROOT, make_project, needs_pypy, suite_yaml

pytestmark = pytest.mark.build


def store_for(folder, interpreters=("cpython",), suite_text=None):
    make_project(folder, suite_text)
    suite = load_suite(folder / "suite.yaml")
    messages: list[str] = []
    store = ResultStore(
        suite, suite.profile("tiny"), folder / "cache", timeout=120, progress=messages.append
    )
    benchmarks = list(suite.group("calls").benchmarks)
    return store, benchmarks, messages


@pytest.mark.parametrize("interpreter", ["cpython", pytest.param("pypy", marks=needs_pypy)])
def test_measures_once_then_reuses(tmp_path, interpreter):
    store, benchmarks, messages = store_for(tmp_path)
    first = store.results(benchmarks, [interpreter])
    assert {c.origin for c in first.cells.values()} == {MEASURED}
    assert [m for m in messages if m.startswith("measuring")][-1].endswith("[results 1-3]")
    cell = first.cell(benchmarks[0], interpreter)
    assert cell.mean() > 0 and len(cell.values()) == 6  # 2 rounds x 3 values
    # The files are plain pyperf JSON that pyperf itself reads.
    assert pyperf.Benchmark.load(str(cell.path)).get_name() == "noargs"

    again, _, messages = store_for(tmp_path)  # a new build, same cache
    second = again.results(benchmarks, [interpreter])
    assert {c.origin for c in second.cells.values()} == {CACHED}
    assert not [m for m in messages if m.startswith("measuring")]
    assert second.cell(benchmarks[0], interpreter).values() == cell.values()


def test_changing_one_benchmark_measures_only_that_one(tmp_path):
    store, benchmarks, _ = store_for(tmp_path)
    store.results(benchmarks, ["cpython"])
    edited = suite_yaml().replace("code: simple.onearg(i)", "code: simple.onearg(i + 1)")
    again, benchmarks, messages = store_for(tmp_path, suite_text=edited)
    results = again.results(benchmarks, ["cpython"])
    origins = {b.name: results.cell(b, "cpython").origin for b in results.benchmarks}
    assert origins == {EMPTY_LOOP.name: CACHED, "noargs": CACHED, "onearg(i)": MEASURED}
    assert [m for m in messages if m.startswith("measuring")] == [
        "measuring onearg(i) on " + results.interpreters[0].display + " [result 1]"
    ]


def test_a_damaged_result_is_set_aside_and_measured_again(tmp_path):
    store, benchmarks, _ = store_for(tmp_path)
    path = store.results(benchmarks, ["cpython"]).cell(benchmarks[0], "cpython").path
    path.write_text(path.read_text()[:100])  # truncated, as by a crash
    again, _, messages = store_for(tmp_path)
    cell = again.results(benchmarks, ["cpython"]).cell(benchmarks[0], "cpython")
    assert cell.origin == MEASURED and cell.ok
    assert any("damaged" in m for m in messages)
    assert list(path.parent.glob("*.corrupt-*"))  # kept for inspection, not deleted
    json.loads(path.read_text())


def test_a_crashing_benchmark_fails_alone_with_its_reason(tmp_path):
    crashing = suite_yaml().replace("code: simple.noargs()", "code: 1 / 0")
    store, benchmarks, messages = store_for(tmp_path, suite_text=crashing)
    results = store.results(benchmarks, ["cpython"])
    bad = results.cell(benchmarks[0], "cpython")
    assert bad.origin == FAILED
    assert bad.error.startswith("ZeroDivisionError: division by zero")
    assert results.cell(benchmarks[1], "cpython").ok
    # Remembered for the rest of the build: the next table does not run it again.
    runs = len([m for m in messages if m.startswith("measuring")])
    assert store.results(benchmarks, ["cpython"]).cell(benchmarks[0], "cpython") is bad
    assert len([m for m in messages if m.startswith("measuring")]) == runs


def test_a_missing_interpreter_is_reported_not_raised(tmp_path):
    store, benchmarks, _ = store_for(
        tmp_path, suite_text=suite_yaml(pypy_command="/nonexistent/pypy3")
    )
    results = store.results(benchmarks)
    assert [i.name for i in results.interpreters] == ["cpython"]
    assert "PyPy (/nonexistent/pypy3) was not found" in str(results.missing[0])


def test_changing_the_c_source_measures_every_benchmark_that_uses_it_again(tmp_path):
    # Since issue 12 the empty loop loads no extension, so a C change leaves it alone.
    source = tmp_path / "simple.c"
    source.write_text((ROOT / "cext" / "simple.c").read_text())
    text = suite_yaml().replace(str(ROOT / "cext" / "simple.c"), str(source))
    store, benchmarks, _ = store_for(tmp_path / "p", suite_text=text)
    store.results(benchmarks, ["cpython"])
    source.write_text(source.read_text() + "\n/* a comment changes the build */\n")
    again, benchmarks, _ = store_for(tmp_path / "p", suite_text=text)
    results = again.results(benchmarks, ["cpython"])
    origins = {bench.name: c.origin for (bench, _), c in results.cells.items()}
    assert origins.pop(EMPTY_LOOP.name) == CACHED
    assert set(origins.values()) == {MEASURED} and len(origins) == len(benchmarks)
