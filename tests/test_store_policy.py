"""The store's rules, with a metric that is a real small function instead of pyperf.

The middle tier of the tests: the real store (real interpreter probe, real C
compiler, real files and locks), but a metric whose ``measure`` is a few
lines of Python that returns pyperf JSON at once and records each call. It
checks what the store decides: the modes, the order of measuring, that a
failure is remembered, that a fingerprint change is a miss, and that the
metric is the only place that knows how a number is made.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pyperf
import pytest

from benchpost import schema
from benchpost.measure.metric import Job, Metric
from benchpost.measure.process import MeasureError
from benchpost.results import CACHED, FAILED, MEASURED, RECORDED
from benchpost.store import MEASURE_MISSING, RECORDED_ONLY, ResultStore, recorded
from benchpost.store.layout import RecordedLayout
from benchpost.suite import EMPTY_LOOP, load_suite

from .conftest import suite_yaml

pytestmark = pytest.mark.store


@dataclass(frozen=True)
class Recorder(Metric):
    """A metric that 'measures' a benchmark as the length of its code, and logs calls."""

    calls: list = field(default_factory=list, compare=False, hash=False)
    fails: str = ""  # the name of a benchmark whose measuring raises

    def fingerprint_facts(self, job: Job) -> dict[str, object]:
        return {"recorder": 1}

    def measure(self, job: Job) -> bytes:
        self.calls.append((job.benchmark.name, job.interpreter.name))
        if job.benchmark.name == self.fails:
            raise MeasureError("it broke")
        value = float(len(job.benchmark.code))
        metadata = {"name": job.benchmark.name, "unit": "integer", **schema.job_metadata(job)}
        run = pyperf.Run([value, value], metadata=metadata, collect_metadata=False)
        buffer = io.StringIO()
        pyperf.Benchmark([run]).dump(buffer)
        return buffer.getvalue().encode()

    def format_value(self, value: float) -> str:
        return f"{value:g}"


def recorder(**options: object) -> Recorder:
    return Recorder(
        "recorder", "code length", "shorter", "longer", "same", "", "integer", **options
    )


def make_store(tmp_path, mode: str = "measure") -> ResultStore:
    # Two names for the same Python: two "interpreters" without PyPy.
    if not (tmp_path / "suite.yaml").exists():
        text = suite_yaml().replace("command: pypy3", "command: current")
        (tmp_path / "suite.yaml").write_text(text)
    suite = load_suite(tmp_path / "suite.yaml")
    return ResultStore(suite, suite.profile("tiny"), tmp_path / "cache", mode=mode)


def test_a_miss_is_measured_once_then_comes_from_the_store(tmp_path):
    metric = recorder()
    store = make_store(tmp_path)
    benchmarks = store.suite.group("calls").benchmarks
    first = store.results(benchmarks, metric=metric)
    assert {c.origin for c in first.cells.values()} == {MEASURED}
    assert len(metric.calls) == 3 * 2  # the empty loop and two benchmarks, two interpreters
    again = make_store(tmp_path).results(benchmarks, metric=metric)
    assert {c.origin for c in again.cells.values()} == {CACHED}
    assert len(metric.calls) == 6
    noargs = again.cell(benchmarks[0], "cpython")
    assert noargs.mean() == len("simple.noargs()") and noargs.key in str(noargs.path)


def test_interpreters_alternate_benchmark_by_benchmark(tmp_path):
    metric = recorder()
    store = make_store(tmp_path)
    store.results(store.suite.group("calls").benchmarks, metric=metric)
    assert metric.calls == [
        ("empty loop", "cpython"),
        ("empty loop", "pypy"),
        ("noargs", "cpython"),
        ("noargs", "pypy"),
        ("onearg(i)", "cpython"),
        ("onearg(i)", "pypy"),
    ]


def test_a_failure_is_remembered_for_the_rest_of_the_build(tmp_path):
    metric = recorder(fails="noargs")
    store = make_store(tmp_path)
    noargs = store.suite.benchmark("calls", "noargs")
    for _ in range(3):
        cell = store.results([noargs], ["cpython"], metric).cell(noargs, "cpython")
        assert cell.origin == FAILED and "it broke" in cell.error
    assert metric.calls.count(("noargs", "cpython")) == 1
    assert store.counts["failed"] == 1


def test_a_changed_benchmark_is_a_miss_and_its_key_changes(tmp_path):
    metric = recorder()
    store = make_store(tmp_path)
    noargs = store.suite.benchmark("calls", "noargs")
    before = store.current_key(noargs, "cpython", metric)
    store.results([noargs], ["cpython"], metric)
    (tmp_path / "suite.yaml").write_text(
        (tmp_path / "suite.yaml").read_text().replace("simple.noargs()", "simple.noargs(); 1")
    )
    changed = make_store(tmp_path)
    noargs2 = changed.suite.benchmark("calls", "noargs")
    assert changed.current_key(noargs2, "cpython", metric) != before
    cell = changed.results([noargs2], ["cpython"], metric).cell(noargs2, "cpython")
    assert cell.origin == MEASURED and cell.mean() == len("simple.noargs(); 1")


def record_all(tmp_path, metric: Metric) -> None:
    """Measure everything and copy it into the suite's recorded folder."""
    store = make_store(tmp_path)
    results = store.results(store.suite.group("calls").benchmarks, metric=metric)
    layout = RecordedLayout(store.suite.recorded_dir)
    for (bench, interp), cell in results.cells.items():
        recorded.save(layout.result(interp, bench, metric), cell.path)


@pytest.mark.parametrize(
    ("mode", "origins", "measured"),
    [
        ("measure", {CACHED}, 0),  # found here: the store, never the recorded files
        (RECORDED_ONLY, {RECORDED}, 0),
        (MEASURE_MISSING, {RECORDED}, 0),
    ],
)
def test_the_mode_decides_where_numbers_come_from(tmp_path, mode, origins, measured):
    metric = recorder()
    record_all(tmp_path, metric)
    calls = len(metric.calls)
    store = make_store(tmp_path, mode)
    results = store.results(store.suite.group("calls").benchmarks, metric=metric)
    assert {c.origin for c in results.cells.values()} == origins
    assert len(metric.calls) - calls == measured


def test_measure_missing_measures_only_what_has_no_recorded_result(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    store = make_store(tmp_path, MEASURE_MISSING)
    layout = RecordedLayout(store.suite.recorded_dir)
    onearg = store.suite.benchmark("calls", "onearg(i)")
    layout.result("pypy", onearg, metric).unlink()
    (tmp_path / "cache").rename(tmp_path / "old-cache")  # nothing in the store
    results = store.results(store.suite.group("calls").benchmarks, metric=metric)
    assert results.cell(onearg, "pypy").origin == MEASURED
    assert results.cell(EMPTY_LOOP, "pypy").origin == RECORDED
    assert metric.calls[-1] == ("onearg(i)", "pypy")


def test_the_interpreter_column_never_measures(tmp_path):
    metric = recorder()
    store = make_store(tmp_path)
    column = store.column("pypy", metric)
    assert column.display.startswith("PyPy 3.")
    assert metric.calls == [] and not (tmp_path / "cache" / "results").exists()
