"""The renderers are pure: Results in, nodes / SVG / text out, no Sphinx app.

The Results here are built from pyperf Benchmark objects with chosen values,
so that the expected text is exact.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pyperf
import pytest
from docutils import nodes

from benchpost.measure.counting import INSTRUCTIONS
from benchpost.measure.interpreters import Interpreter
from benchpost.render.chart import NARROW, alt_text, draw_chart, use_log_axis
from benchpost.render.inline import (
    BadReference,
    comparison_text,
    parse_ref,
    ratio_text,
    value_text,
)
from benchpost.render.note import measurement_note
from benchpost.render.precision import wider_than_target
from benchpost.render.table import TableOptions, cell_text, failure_notes, results_table
from benchpost.results import CACHED, FAILED, Cell, Results
from benchpost.suite import EMPTY_LOOP, Benchmark, InterpreterSpec, Profile

NOARGS = Benchmark("noargs", "calls", "simple.noargs()")
ONEARG = Benchmark("onearg(i)", "calls", "simple.onearg(i)")
PROFILE = Profile("quick", 3, 3, 0.02, {"cpython": 1, "pypy": 3})


def interpreter(name: str, label: str, kind: str, version: str, pypy: str | None = None):
    return Interpreter(
        InterpreterSpec(name, label, name),
        f"/usr/bin/{name}",
        f"/usr/bin/{name}",
        kind,
        version,
        version,
        "/usr/include",
        ".so",
        pypy,
    ).column


CPYTHON = interpreter("cpython", "CPython", "cpython", "3.11.7")
PYPY = interpreter("pypy", "PyPy", "pypy", "3.9.16", "7.3.11")


def pyperf_bench(name: str, values: list[float], **more: object) -> pyperf.Benchmark:
    """One worker process per value (two equal values each), in rounds 1, 2, ...
    measured together with every other cell (one pairing)."""
    metadata = {
        "name": name,
        "loops": 1024,
        "unit": "second",
        "benchpost_pairing": "rounds-1",
        **more,
        "cpu_model_name": "Test CPU",
        "cpu_count": 2,
        "platform": "Linux-6.1.0-x86_64-with-glibc2.36",
        "perf_version": "2.10.0",
        "date": "2026-11-23T10:00:00",
    }
    runs = [
        pyperf.Run(
            [value, value],
            warmups=[(1024, value)],
            metadata={**metadata, "benchpost_round": number},
            collect_metadata=False,
        )
        for number, value in enumerate(values, 1)
    ]
    return pyperf.Benchmark(runs)


def make_results(
    times: dict[tuple[Benchmark, str], list[float] | None], metric=None, **metadata: object
) -> Results:
    cells = {}
    for (bench, interp), values in times.items():
        shown = (CPYTHON if interp == "cpython" else PYPY).display
        extra = {**metadata, "benchpost_interpreter": shown} if metadata else {}
        cells[bench, interp] = (
            Cell(bench, interp, pyperf_bench(bench.name, values, **extra), CACHED)
            if values
            else Cell(bench, interp, origin=FAILED, error="boom")
        )
    rows = (EMPTY_LOOP, NOARGS, ONEARG)
    if metric is None:
        return Results(rows, (CPYTHON, PYPY), (), "cpython", PROFILE, cells)
    return Results(rows, (CPYTHON, PYPY), (), "cpython", PROFILE, cells, metric)


RESULTS = make_results(
    {
        (EMPTY_LOOP, "cpython"): [20e-9, 20e-9, 20e-9],
        (EMPTY_LOOP, "pypy"): [1e-9, 1e-9, 1e-9],
        (NOARGS, "cpython"): [70e-9, 71e-9, 72e-9],
        (NOARGS, "pypy"): [28e-9, 29e-9, 30e-9],
        (ONEARG, "cpython"): [50e-9, 52e-9, 51e-9],
        (ONEARG, "pypy"): [200e-9, 210e-9, 190e-9],
    }
)


def test_cells_show_the_mean_its_interval_and_the_ratio_to_the_baseline():
    options = TableOptions()
    # The mean of three processes and its 95 % interval: t(2) * 1 ns / sqrt(3)
    assert cell_text(RESULTS, NOARGS, "cpython", options) == ("71.0 ns \u00b1 2.48 ns", "")
    # Per-round ratios 70/28, 71/29, 72/30; their interval, digits as it allows
    assert cell_text(RESULTS, NOARGS, "pypy", options) == (
        "29.0 ns \u00b1 2.48 ns",
        "2.4x faster (2.3\u20132.6)",
    )
    assert cell_text(RESULTS, ONEARG, "pypy", options) == (
        "200 ns \u00b1 24.8 ns",
        "3.9x slower (3.5\u20134.4)",
    )


def test_subtracting_the_loop_gives_the_cost_per_call():
    value, ratio = cell_text(RESULTS, NOARGS, "pypy", TableOptions(subtract_loop=True))
    assert value == "28.0 ns \u00b1 2.48 ns"
    assert ratio == "1.8x faster (1.7\u20131.9)"  # (71 - 20) / (29 - 1)


def test_a_failed_cell_says_failed_and_the_table_still_builds():
    broken = make_results(
        {
            (EMPTY_LOOP, "cpython"): [1e-9, 1e-9],
            (EMPTY_LOOP, "pypy"): None,
            (NOARGS, "cpython"): [5e-9, 6e-9],
            (NOARGS, "pypy"): None,
            (ONEARG, "cpython"): [5e-9, 6e-9],
            (ONEARG, "pypy"): [5e-9, 6e-9],
        }
    )
    # Failures are numbered in reading order, and each number has its reason.
    assert cell_text(broken, EMPTY_LOOP, "pypy", TableOptions()) == ("failed [1]", "")
    assert cell_text(broken, NOARGS, "pypy", TableOptions()) == ("failed [2]", "")
    assert failure_notes(broken, TableOptions()) == [
        "[1] empty loop on PyPy 7.3.11: boom",
        "[2] noargs on PyPy 7.3.11: boom",
    ]
    assert isinstance(results_table(broken, TableOptions()), nodes.table)


def test_the_table_node_has_a_header_and_a_row_per_benchmark():
    table = results_table(RESULTS, TableOptions(title="Calls"))
    assert table.next_node(nodes.title).astext() == "Calls"
    rows = [[e.astext() for e in row.findall(nodes.entry)] for row in table.findall(nodes.row)]
    assert rows[0] == ["Benchmark", "CPython 3.11.7", "PyPy 7.3.11"]
    assert [r[0] for r in rows[1:]] == ["empty loop", "noargs", "onearg(i)"]
    hidden = results_table(RESULTS, TableOptions(show_loop=False))
    assert len(list(hidden.findall(nodes.row))) == 3


def test_the_chart_is_byte_reproducible_and_its_alt_text_has_the_numbers():
    first = draw_chart(RESULTS, [NOARGS, ONEARG])
    assert first == draw_chart(RESULTS, [NOARGS, ONEARG])
    assert b"<svg" in first and b"Date" not in first
    assert b"time per iteration (ns)" in first or b"ns)" in first
    assert alt_text(RESULTS, [NOARGS], "Calls") == (
        "Bar chart: Calls, time per iteration. noargs: CPython 3.11.7 71.0 ns, "
        "PyPy 7.3.11 29.0 ns."
    )


def test_a_chart_with_the_loop_subtracted_draws_the_subtracted_values():
    # It once drew the raw values: the flag went to a parameter it did not use.
    assert draw_chart(RESULTS, [NOARGS], subtract_loop=True) != draw_chart(RESULTS, [NOARGS])
    assert alt_text(RESULTS, [NOARGS], "Calls", subtract_loop=True) == (
        "Bar chart: Calls, time per call. noargs: CPython 3.11.7 51.0 ns, PyPy 7.3.11 28.0 ns."
    )


def test_inline_values_and_group_ratios():
    assert value_text(RESULTS, [NOARGS], "pypy") == "29.0 ns"
    assert value_text(RESULTS, [NOARGS, ONEARG], "pypy") == "29.0 ns to 200 ns"
    assert ratio_text(RESULTS, [NOARGS], "pypy") == "2.4x faster (2.3\u20132.6)"
    # geometric mean of the per-round ratios of noargs and onearg(i), with its interval
    assert ratio_text(RESULTS, [NOARGS, ONEARG], "pypy") == "1.26x slower (1.21\u20131.33)"
    assert parse_ref("calls/onearg(i)/pypy").benchmark == "onearg(i)"
    assert parse_ref("calls/noargs/pypy/cpython", ratio=True).reference == "cpython"


def test_the_note_comes_from_the_results_metadata():
    note = measurement_note(RESULTS)
    assert note.startswith(
        "Measured 2026-11-23 on Test CPU (2 cores), Linux 6.1.0 (x86_64): "
        "CPython 3.11.7, PyPy 7.3.11 (Python 3.9.16); profile \u201cquick\u201d, 3 rounds"
    )
    assert "warm-up values (CPython 1, PyPy 3)" in note
    assert "18 of 18 processes were steady" in note
    assert "Draft numbers" in note  # "quick" is not a profile for publishing


COUNTED = make_results(
    {
        (EMPTY_LOOP, "cpython"): [30.0, 30.0, 30.0],
        (EMPTY_LOOP, "pypy"): [11.0, 11.0, 11.0],
        (NOARGS, "cpython"): [445.0, 445.1, 444.9],
        (NOARGS, "pypy"): [262.0, 262.5, 261.5],
        (ONEARG, "cpython"): [342.0, 342.0, 342.0],
        (ONEARG, "pypy"): [1500.0, 800.0, 1000.0],
    },
    INSTRUCTIONS,
    unit="integer",
    loops=20000,
    benchpost_valgrind="3.19.0",
    benchpost_sizes="20000/40000/80000",
    benchpost_warmup=5000,
    benchpost_aslr="off",
    duration=1.5,
)


def test_instruction_counts_read_as_counts_with_fewer_and_more():
    options = TableOptions()
    assert cell_text(COUNTED, NOARGS, "cpython", options) == ("445 \u00b1 0", "")
    assert cell_text(COUNTED, NOARGS, "pypy", options) == (
        "262 \u00b1 1",
        "1.70x fewer (1.69\u20131.71)",
    )
    # Noisy counts: a wide interval, and the digits it allows (at least one below 10x)
    assert cell_text(COUNTED, ONEARG, "pypy", options) == (
        "1,100 \u00b1 896",
        "3.1x more (1.4\u20136.9)",
    )
    assert value_text(COUNTED, [NOARGS], "pypy") == "262 instructions"
    assert value_text(COUNTED, [NOARGS, ONEARG], "pypy") == "262 to 1,100 instructions"
    assert ratio_text(COUNTED, [NOARGS], "pypy") == "1.70x fewer instructions (1.69\u20131.71)"
    assert alt_text(COUNTED, [NOARGS], "Calls") == (
        "Bar chart: Calls, instructions per iteration. noargs: CPython 3.11.7 445 "
        "instructions, PyPy 7.3.11 262 instructions."
    )
    assert parse_ref("instructions:calls/noargs/pypy").metric == "instructions"
    assert parse_ref("calls/noargs/pypy").metric == ""


def test_the_note_of_instruction_counts_says_how_they_were_counted():
    note = measurement_note(COUNTED)
    assert note.startswith("Instructions counted 2026-11-23 on Test CPU (2 cores)"), note
    assert "valgrind 3.19.0 (callgrind)" in note
    assert "ran once as a plain script" in note
    assert "(CPython 5,000, PyPy 5,000), loops of 20,000/40,000/80,000 iterations" in note
    assert "startup, imports, setup and the JIT's warm-up are not in it" in note
    assert "randomisation was off" in note


def test_a_table_shows_time_and_instructions_side_by_side():
    table = results_table([RESULTS, COUNTED], TableOptions())
    header = table.next_node(nodes.thead).astext()
    assert header.count("CPython 3.11.7") == 2 and "time" in header and "instructions" in header
    rows = [[e.astext() for e in row.findall(nodes.entry)] for row in table.findall(nodes.row)]
    noargs = next(row for row in rows if row[0] == "noargs")
    assert noargs[1:] == [
        # a narrow cell wraps after the "±" only: "71.0 ns ±" / "2.48 ns"
        "71.0\u00a0ns\u00a0\u00b1 2.48\u00a0ns",
        "29.0\u00a0ns\u00a0\u00b1 2.48\u00a0ns\n\n2.4x faster (2.3\u20132.6)",
        "445\u00a0\u00b1 0",
        "262\u00a0\u00b1 1\n\n1.70x fewer (1.69\u20131.71)",
    ]


def test_failures_are_numbered_across_the_metrics_of_a_table():
    broken = make_results(
        {(EMPTY_LOOP, "cpython"): [1e-8] * 3, (EMPTY_LOOP, "pypy"): [1e-9] * 3}
        | {(b, i): None for b in (NOARGS, ONEARG) for i in ("cpython", "pypy")}
    )
    grid = [broken, make_results(dict(broken_values(broken)), INSTRUCTIONS)]
    notes = failure_notes(grid, TableOptions())
    assert len(notes) == 8 and notes[3].startswith("[4] noargs on PyPy 7.3.11 (instructions)")
    assert cell_text(grid[1], ONEARG, "pypy", TableOptions(), grid) == ("failed [8]", "")


def broken_values(results: Results):
    for (bench, interp), cell in results.cells.items():
        yield (bench, interp), (cell.values() or None)


def test_a_table_over_two_sets_says_its_ratios_cross_them_and_names_both_machines():
    import dataclasses
    import datetime as dt

    from benchpost.render.table import UNPAIRED_MARK, legend
    from benchpost.results import SetFacts
    from benchpost.schema import Machine, MeasuredSet

    def measured_in(name: str, cpu: str) -> MeasuredSet:
        machine = Machine(name, cpu, 2, 23.5, "Linux 6.1", "kvm")
        return MeasuredSet(f"id-{name}", machine, ("cpython", "pypy"), dt.date(2026, 11, 20))

    a, b = measured_in("box-a", "AMD EPYC"), measured_in("box-b", "Intel Xeon")
    one_set = dataclasses.replace(
        RESULTS,
        interpreters=tuple(dataclasses.replace(c, measured_in=a) for c in RESULTS.interpreters),
        sets=(SetFacts("box-a", a, 10e-9),),
    )
    assert one_set.same_set("pypy") and not one_set.across_sets
    assert "across sets" not in legend(one_set, TableOptions())
    note = measurement_note(one_set)
    assert "Every column comes from one recorded set" in note
    assert "Set box-a: recorded 2026-11-20 on AMD EPYC, 2 cores, 23.5 GiB, Linux 6.1, kvm" in note
    assert "reference loop (the empty loop on CPython) 10.0 ns" in note

    across = dataclasses.replace(
        one_set,
        interpreters=(one_set.interpreters[0], dataclasses.replace(PYPY, measured_in=b)),
        sets=(SetFacts("box-a", a, 10e-9), SetFacts("box-b", b, 16e-9)),
    )
    assert not across.same_set("pypy") and across.across_sets
    assert f"{UNPAIRED_MARK}: a ratio across sets" in legend(across, TableOptions())
    note = measurement_note(across)
    assert (
        "from 2 recorded sets" in note and "Set box-b: recorded 2026-11-20 on Intel Xeon" in note
    )
    assert "16.0 ns, 1.60x slower than on box-a" in note


def test_a_busy_machine_and_unsteady_processes_are_said():
    from benchpost.render.note import is_busy
    from benchpost.render.table import UNSTEADY_MARK, legend

    def warming(value: float, number: int) -> pyperf.Run:
        # Still getting faster: 2x slower at first, steady only at the end.
        values = [value * f for f in (2.0, 1.8, 1.5, 1.2, 1.0, 1.0, 1.0, 1.0)]
        metadata = {
            "name": "noargs",
            "loops": 1024,
            "unit": "second",
            "benchpost_pairing": "rounds-1",
            "benchpost_round": number,
            "benchpost_other_cpu": 0.5,
            "benchpost_cpu_share": 0.6,
            "date": "2026-11-23T10:00:00",
        }
        return pyperf.Run(values, metadata=metadata, collect_metadata=False)

    busy = dict(RESULTS.cells)
    runs = [warming(29e-9, n) for n in (1, 2, 3)]
    busy[NOARGS, "pypy"] = Cell(NOARGS, "pypy", pyperf.Benchmark(runs), CACHED)
    results = Results(RESULTS.benchmarks, RESULTS.interpreters, (), "cpython", PROFILE, busy)
    value, _ = cell_text(results, NOARGS, "pypy", TableOptions())
    assert value.endswith(UNSTEADY_MARK)
    assert "had not reached a steady state" in legend(results, TableOptions())
    note = measurement_note(results)
    assert "15 of 18 processes were steady" in note
    assert "3 of 3 kept processes had less than 90% of a core" in note
    assert "The machine was busy: other processes used 50% of its CPU time" in note
    assert is_busy(list(busy.values())) == 0.5
    assert is_busy(list(RESULTS.cells.values())) == 0.0


def test_a_chart_whose_bars_span_more_than_ten_times_has_a_labelled_log_axis():
    # noargs and empty loop: 1 ns to 72 ns
    svg = draw_chart(RESULTS, [EMPTY_LOOP, NOARGS]).decode()
    assert "log scale" in svg and "mathdefault" not in svg  # plain tick labels
    assert "log scale" not in draw_chart(RESULTS, [NOARGS, ONEARG]).decode()  # 29-210 ns
    assert use_log_axis([1.0, 11.0]) and not use_log_axis([1.0, 9.0])
    assert not use_log_axis([-1.0, 50.0])  # a subtracted cost below 0: linear


def test_the_narrow_chart_keeps_11_px_labels_in_a_phone_column():
    narrow = draw_chart(RESULTS, [NOARGS, ONEARG], layout=NARROW).decode()
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', narrow).group(1))
    assert NARROW.font * 330 / width >= 11  # 390 px phone, 330 px column
    assert "shorter is better" in narrow and narrow != draw_chart(RESULTS, [NOARGS, ONEARG])


def test_comparisons_read_as_sentences_and_options_follow_a_comma():
    assert comparison_text("2.4x faster (2.3\u20132.6)", "CPython 3.11", "about as fast as") == (
        "2.4x faster than CPython 3.11 (2.3\u20132.6)"
    )
    assert comparison_text("\u2248 same speed", "CPython 3.11", "about as fast as") == (
        "about as fast as CPython 3.11"
    )
    ref = parse_ref("calls/noargs/pypy, subtract-loop")
    assert ref.subtract_loop and ref.benchmark == "noargs"
    assert value_text(RESULTS, [NOARGS], "cpython", ref.subtract_loop) == "51.0 ns"
    with pytest.raises(BadReference, match="unknown option 'loop'"):
        parse_ref("calls/noargs/pypy, loop")


def test_a_role_quoting_a_cost_that_may_be_nothing_reads_as_its_table_cell():
    nothing = make_results(
        {
            (EMPTY_LOOP, "cpython"): [20e-9, 21e-9, 19e-9],
            (EMPTY_LOOP, "pypy"): [1e-9, 1e-9, 1e-9],
            (NOARGS, "cpython"): [20.1e-9, 19.6e-9, 20.4e-9],
            (NOARGS, "pypy"): [28e-9, 29e-9, 30e-9],
            (ONEARG, "cpython"): [50e-9, 52e-9, 51e-9],
            (ONEARG, "pypy"): [200e-9, 210e-9, 190e-9],
        }
    )
    cell, _ = cell_text(nothing, NOARGS, "cpython", TableOptions(subtract_loop=True))
    assert cell.startswith("\u2248 0 (")
    assert value_text(nothing, [NOARGS], "cpython", subtract_loop=True) == cell


def test_the_note_names_an_interpreters_arguments_and_environment():
    import dataclasses

    spec = dataclasses.replace(PYPY.spec, args=("--jit", "off"), env=(("X", "1"),))
    column = dataclasses.replace(PYPY, spec=spec)
    assert column.long_display == "PyPy 7.3.11 (Python 3.9.16; X=1 pypy --jit off)"
    assert PYPY.long_display == "PyPy 7.3.11 (Python 3.9.16)"


def test_a_ratio_wider_than_the_profiles_target_is_named_in_the_note_with_the_rounds_it_needs():
    """The budget ended first: the note says which ratio missed the ±3 % target, how
    wide it is, and about how many more rounds would have reached it."""
    rng = random.Random(5)
    steady = [70e-9 * (1 + rng.gauss(0, 0.005)) for _ in range(10)]
    noisy = [200e-9 * (1 + rng.gauss(0, 0.15)) for _ in range(10)]
    times = {
        (EMPTY_LOOP, "cpython"): [20e-9] * 10,
        (EMPTY_LOOP, "pypy"): [1e-9 * (1 + 0.001 * k) for k in range(10)],
        (NOARGS, "cpython"): steady,
        (NOARGS, "pypy"): [t / 2.5 for t in steady],
        (ONEARG, "cpython"): [50e-9] * 10,
        (ONEARG, "pypy"): noisy,
    }
    targeted = replace(PROFILE, rounds=6, target=0.03, between_builds=0.01, publish=True)
    results = replace(make_results(times), profile=targeted)
    wide = wider_than_target(results)
    assert [(w.benchmark, w.interpreter) for w in wide] == [("onearg(i)", "PyPy")]
    (only,) = wide
    assert only.half > 0.03 and only.rounds == 10 and only.more > 10
    note = measurement_note(results)
    assert "1 ratio is wider than the profile's ±3% target" in note, note
    assert f"onearg(i) (PyPy): ±{only.half:.1%} after 10 rounds, about {only.more} more" in note
    # A profile without a target lists nothing.
    assert wider_than_target(make_results(times)) == []
    assert "target" not in measurement_note(make_results(times))
