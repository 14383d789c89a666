"""Sets: a ratio only between numbers measured side by side (one machine, one run).

The store tier: the real store, probe and files, with the small ``Recorder``
metric of ``test_store_policy`` instead of pyperf.
"""

from __future__ import annotations

import json
import shutil

import pytest

from benchpost import schema
from benchpost.convert import convert
from benchpost.record import RecordError
from benchpost.results import CACHED, FAILED, MEASURED, RECORDED
from benchpost.store import ResultStore
from benchpost.suite import EMPTY_LOOP, load_suite

from .conftest import suite_yaml
from .test_store_policy import make_store, record_all, recorded_layout, recorder

pytestmark = pytest.mark.store


def without_pypy(tmp_path, **options) -> ResultStore:
    """A store whose PyPy cannot be found here (its recorded set may have it)."""
    suite = tmp_path / "suite.yaml"
    pypy = "command: current\n    required: false"
    suite.write_text(suite.read_text().replace(pypy, "command: /nonexistent/pypy3\n" + pypy[17:]))
    loaded = load_suite(suite)
    return ResultStore(loaded, loaded.profile("tiny"), tmp_path / "cache-2", **options)


def test_an_interpreter_missing_here_shows_the_recorded_set_for_every_column(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    store = without_pypy(tmp_path)
    results = store.results(store.suite.group("calls").benchmarks, metric=metric)
    assert {c.origin for c in results.cells.values()} == {RECORDED}  # CPython too
    assert [c.measured_in.machine.name for c in results.interpreters] == ["box", "box"]
    assert metric.calls[-1][1] == "pypy"  # nothing measured since the recording
    assert results.fallback is not None
    assert "CPython twin (/nonexistent/pypy3) was not found" in results.fallback.reasons[0]
    assert results.fallback.measurable == (store.interpreters()[0][0].display,)
    # A role asks for one interpreter: it reads the same set as its table.
    alone = store.results([EMPTY_LOOP], ["cpython"], metric)
    assert alone.cell(EMPTY_LOOP, "cpython").origin == RECORDED
    assert store.column("cpython", metric).measured_in is not None


def test_an_interpreter_added_later_is_measured_again_with_the_others(tmp_path):
    metric = recorder()
    store = make_store(tmp_path)
    benchmarks = store.suite.group("calls").benchmarks
    store.results(benchmarks, ["cpython"], metric)
    assert metric.calls == [("empty loop", "cpython"), ("noargs", "cpython"),
                            ("onearg(i)", "cpython")]  # fmt: skip
    both = make_store(tmp_path).results(benchmarks, metric=metric)
    # CPython's cached cells are measured again beside PyPy's, row by row.
    assert metric.calls[3:] == [
        (name, interp) for name in ("empty loop", "noargs", "onearg(i)")
        for interp in ("cpython", "pypy")
    ]  # fmt: skip
    assert {c.origin for c in both.cells.values()} == {MEASURED}
    again = make_store(tmp_path).results(benchmarks, metric=metric)
    assert {c.origin for c in again.cells.values()} == {CACHED} and len(metric.calls) == 9


def test_a_file_of_another_set_is_refused(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric, machine="box")
    record_all(tmp_path, metric, machine="other")  # the same machine, another run
    store = without_pypy(tmp_path, recorded_set="box")
    noargs = store.suite.benchmark("calls", "noargs")
    shutil.copy(recorded_layout(store, "other").result("pypy", noargs, metric),
                recorded_layout(store, "box").result("pypy", noargs, metric))  # fmt: skip
    results = store.results([noargs], metric=metric)
    cell = results.cell(noargs, "pypy")
    assert cell.origin == FAILED and "it was copied in from another run" in cell.error
    assert results.cell(noargs, "cpython").ok


def test_the_set_shown_is_the_named_one_or_the_newest(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric, machine="older")
    record_all(tmp_path, metric, machine="newer")
    for path in (tmp_path / "results" / "older").rglob("*.json"):  # the date it says
        path.write_text(path.read_text().replace("2026-11-20T", "2026-11-01T"))

    def shown(**options):
        store = without_pypy(tmp_path, **options)
        results = store.results([EMPTY_LOOP], metric=metric)
        return {c.measured_in.machine.name for c in results.interpreters}

    assert shown() == {"newer"}
    assert shown(recorded_set="older") == {"older"}
    with pytest.raises(LookupError, match=r"no such recorded set.*sets: newer, older"):
        shown(recorded_set="gone")


def test_results_in_the_layout_before_sets_are_refused_with_the_command(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    root = tmp_path / "results"
    for folder in (root / "box").iterdir():
        folder.rename(root / folder.name)  # <recorded>/<interpreter>/...: the old layout
    store = without_pypy(tmp_path)
    with pytest.raises(LookupError, match=r"layout before sets.*python -m benchpost convert"):
        store.results([EMPTY_LOOP], metric=metric)


def test_convert_makes_one_set_of_the_old_layout_and_keeps_every_value(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    root = tmp_path / "results"
    before = {}
    for path in (root / "box").rglob("*.json"):
        data = json.loads(path.read_text())
        for key in [
            k
            for k in data["metadata"]
            if k.startswith("benchpost_set")
            or k in (schema.MACHINE, schema.KERNEL, schema.VIRT, schema.MEMORY)
        ]:
            del data["metadata"][key]  # as written before sets
        old = root / path.relative_to(root / "box")
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_text(json.dumps(data))
        before[path.relative_to(root / "box")] = data["benchmarks"]
    shutil.rmtree(root / "box")
    target = convert(root, "converted-box")
    assert sorted(p.name for p in root.iterdir()) == ["converted-box"]
    for relative, benchmarks in before.items():
        data = json.loads((target / relative).read_text())
        assert data["benchmarks"] == benchmarks  # not one value changed
        assert data["metadata"][schema.MACHINE] == "converted-box"
    store = without_pypy(tmp_path)
    results = store.results(store.suite.group("calls").benchmarks, metric=metric)
    assert {c.origin for c in results.cells.values()} == {RECORDED}


def test_convert_refuses_results_from_two_machines(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    root = tmp_path / "results"
    for path in (root / "box").rglob("*.json"):
        data = json.loads(path.read_text())
        if "/pypy/" in str(path):
            data["metadata"]["hostname"] = "another-host"
        old = root / path.relative_to(root / "box")
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_text(json.dumps(data))
    shutil.rmtree(root / "box")
    with pytest.raises(RecordError, match=r"not one run.*hostname: .*another-host"):
        convert(root)
    assert not any(p.name == "box" for p in root.iterdir())


def test_a_table_over_two_sets_labels_each_column_by_its_set(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric, machine="a")
    record_all(tmp_path, metric, machine="b")
    store = make_store(tmp_path)
    noargs = store.suite.benchmark("calls", "noargs")
    results = store.results_across([noargs], ["a", "b"], ["cpython"], metric)
    assert [c.display.split(" on ")[1] for c in results.interpreters] == ["a", "b"]
    assert results.baseline == "cpython@a" and results.across_sets
    assert [s.name for s in results.sets] == ["a", "b"]
    assert not results.same_set("cpython@b")
    with pytest.raises(LookupError, match="unknown recorded set 'c'"):
        store.results_across([noargs], ["a", "c"], ["cpython"], metric)


def test_suite_yaml_is_the_helpers():  # the helpers above edit this text
    assert "command: current\n    required: false" in suite_yaml().replace(
        "command: pypy3", "command: current"
    )
