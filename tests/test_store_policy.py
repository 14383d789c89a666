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
        metadata["date"] = "2026-11-20T10:00:00"
        metadata[schema.METRIC] = self.name
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


def make_store(
    tmp_path, mode: str = "measure", machine: str = "", cache: str = "cache"
) -> ResultStore:
    # Two names for the same Python: two "interpreters" without PyPy (the second
    # labelled as what it is: a label that says PyPy over CPython is refused).
    if not (tmp_path / "suite.yaml").exists():
        text = suite_yaml().replace("command: pypy3", "command: current")
        text = text.replace("label: PyPy", "label: CPython twin")
        (tmp_path / "suite.yaml").write_text(text)
    suite = load_suite(tmp_path / "suite.yaml")
    return ResultStore(suite, suite.profile("tiny"), tmp_path / cache, mode=mode,
                       machine=machine)  # fmt: skip


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


#: The machine whose set ``record_all`` writes.
MACHINE = "box"


def recorded_layout(store: ResultStore, machine: str = MACHINE) -> RecordedLayout:
    """The folder of a machine's recorded set."""
    return RecordedLayout(store.suite.recorded_dir / machine)


def record_all(tmp_path, metric: Metric, machine: str = MACHINE) -> None:
    """Measure everything in one run and copy it into a machine's recorded set."""
    store = make_store(tmp_path, machine=machine, cache=f"cache-{machine}")
    results = store.results(store.suite.group("calls").benchmarks, metric=metric)
    for (bench, interp), cell in results.cells.items():
        recorded.save(recorded_layout(store, machine).result(interp, bench, metric), cell.path)


@pytest.mark.parametrize(
    ("mode", "origins", "measured"),
    [
        ("measure", {MEASURED}, 6),  # found here: measured, never the recorded files
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


def test_measure_missing_never_mixes_a_recorded_set_with_measured_cells(tmp_path):
    metric = recorder()
    record_all(tmp_path, metric)
    store = make_store(tmp_path, MEASURE_MISSING)
    onearg = store.suite.benchmark("calls", "onearg(i)")
    path = recorded_layout(store).result("pypy", onearg, metric)
    path.unlink()
    results = store.results(store.suite.group("calls").benchmarks, metric=metric)
    cell = results.cell(onearg, "pypy")
    assert cell.origin == FAILED and str(path) in cell.error
    assert "python -m benchpost record --machine box" in cell.error
    assert results.cell(EMPTY_LOOP, "pypy").origin == RECORDED
    assert all(c.origin != MEASURED for c in results.cells.values())


def test_the_interpreter_column_never_measures(tmp_path):
    metric = recorder()
    store = make_store(tmp_path)
    column = store.column("pypy", metric)
    assert column.display.startswith("CPython twin 3.")
    assert metric.calls == [] and not (tmp_path / "cache" / "results").exists()
