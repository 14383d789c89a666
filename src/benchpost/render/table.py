"""Results as a docutils table: benchmarks down, interpreters across.

Each cell holds the value per iteration (the mean and its 95 % interval)
and, for interpreters other than the baseline, how they compare with the
baseline: a ratio with its interval, or "≈ same" where the interval
includes 1 (see ``benchpost.stats``). A
table can show several metrics (time and instructions): one ``Results`` per
metric, their columns side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docutils import nodes

from benchpost.measure.interpreters import Column
from benchpost.render.format import APPROX, format_estimate, format_speedup
from benchpost.results import FAILED, UNSTEADY_SHARE, Cell, Results
from benchpost.suite import EMPTY_LOOP, Benchmark

#: Marks a ratio of columns not measured in the same rounds (another run, or
#: another set in a table over several).
UNPAIRED_MARK = "\u2020"  # dagger
#: Marks a value whose processes had often not reached a steady state.
UNSTEADY_MARK = "\u00a7"  # section sign

#: One ``Results`` (one metric), or several shown side by side.
Grid = Results | Sequence[Results]


@dataclass(frozen=True)
class TableOptions:
    """What a ``benchmark-table`` shows."""

    title: str = ""
    subtract_loop: bool = False  # per-call cost: the empty loop's value subtracted
    show_loop: bool = True  # a row for the empty loop itself


def metrics_of(grid: Grid) -> tuple[Results, ...]:
    """The grid as a tuple of ``Results``, one per metric."""
    return (grid,) if isinstance(grid, Results) else tuple(grid)


def rows_of(grid: Grid, options: TableOptions) -> list[Benchmark]:
    """The benchmarks shown, in order (the empty loop first, if shown)."""
    hide_loop = options.subtract_loop or not options.show_loop
    return [b for b in metrics_of(grid)[0].benchmarks if not (hide_loop and b == EMPTY_LOOP)]


def columns_of(grid: Grid) -> list[tuple[Results, Column]]:
    """The columns: every interpreter of the first metric, then of the next."""
    return [(results, interp) for results in metrics_of(grid) for interp in results.interpreters]


def cell_text(
    results: Results,
    bench: Benchmark,
    interpreter: str,
    options: TableOptions,
    grid: Grid | None = None,
) -> tuple[str, str]:
    """The two lines of a cell: the estimate, and the ratio to the baseline (or "").

    ``grid`` is the whole table, for the number of a failure's note.
    """
    cell = results.cell(bench, interpreter)
    if cell.origin == FAILED:
        notes = _failure_groups(grid if grid is not None else results, options)
        number = next(
            n for n, cells in enumerate(notes.values(), 1) if any(c is cell for c in cells)
        )
        return f"failed [{number}]", ""
    estimate = results.estimate(bench, interpreter, options.subtract_loop)
    if estimate is None:
        return "n/a", ""
    value = format_estimate(estimate, results.metric)
    if is_unsteady(results, bench, interpreter):
        value += f" {UNSTEADY_MARK}"
    ratio = ""
    if interpreter != results.baseline and bench != EMPTY_LOOP:
        comparison = results.ratio(bench, interpreter, subtract_loop=options.subtract_loop)
        ratio = format_speedup(comparison, metric=results.metric) if comparison else ""
        unpaired = comparison and not comparison.paired and not options.subtract_loop
        # Counts are never made in rounds: for them, unpaired is the method, not news.
        if ratio and unpaired and not results.metric.deterministic:
            ratio += f" {UNPAIRED_MARK}"
    return value, ratio


def is_unsteady(results: Results, bench: Benchmark, interpreter: str) -> bool:
    """True if more than a quarter of the cell's processes were not steady."""
    unsteady, total = results.unsteady(bench, interpreter)
    return total > 0 and unsteady > UNSTEADY_SHARE * total


def results_table(grid: Grid, options: TableOptions) -> nodes.table:
    """Build the table node (no reST is generated and re-parsed)."""
    columns = columns_of(grid)
    several = len(metrics_of(grid)) > 1
    table = nodes.table(classes=["benchpost-table"])
    if options.title:
        table += nodes.title(options.title, options.title)
    group = nodes.tgroup(cols=1 + len(columns))
    table += group
    group += nodes.colspec(colwidth=30)
    for _ in columns:
        group += nodes.colspec(colwidth=25)
    head = nodes.thead()
    group += head
    head += _header(columns, several)
    body = nodes.tbody()
    group += body
    for bench in rows_of(grid, options):
        row = nodes.row()
        row += _entry(nodes.literal(bench.name, bench.name))
        for results, interp in columns:
            value, ratio = cell_text(results, bench, interp.name, options, grid)
            entry = nodes.entry(classes=["benchpost-cell"])
            # A narrow cell wraps after its "±" or "to", or before a "(", never between a
            # number and its unit ("≈ 0 (-49.3 ns to 89.9 ns)" held together was a 540 px
            # table on a phone).
            value = value.replace(" ", "\u00a0")
            for joint in ("\u00b1", "to"):
                value = value.replace(f"\u00a0{joint}\u00a0", f"\u00a0{joint} ")
            value = value.replace("\u00a0(", " (")
            entry += nodes.paragraph(value, value)
            if ratio:
                entry += nodes.paragraph(ratio, ratio, classes=["benchpost-ratio"])
            row += entry
        body += row
    return table


def failure_notes(grid: Grid, options: TableOptions) -> list[str]:
    """ "[1] noargs on CPython 3.11.7: ZeroDivisionError: division by zero", one a reason.

    Cells that failed because the C extension did not compile (the whole
    column fails, for one reason) share one note: "[1] 3 benchmarks on ...".
    """
    notes = []
    for number, ((shown, what, reason, *_), cells) in enumerate(
        _failure_groups(grid, options).items(), 1
    ):
        names = {c.benchmark.name for c in cells}
        which = next(iter(names)) if len(names) == 1 else f"{len(names)} benchmarks"
        notes.append(f"[{number}] {which} on {shown}{what}: {reason}")
    return notes


def _failure_groups(grid: Grid, options: TableOptions) -> dict[tuple, list[Cell]]:
    """The failed cells in reading order; a compiler error's cells grouped by column."""
    several = len(metrics_of(grid)) > 1
    groups: dict[tuple[str, str, str], list[Cell]] = {}
    for bench in rows_of(grid, options):
        for results, column in columns_of(grid):
            cell = results.cell(bench, column.name)
            if cell.origin != FAILED:
                continue
            reason = (cell.error.strip().splitlines() or ["no reason given"])[0]
            what = f" ({results.metric.name})" if several else ""
            own = () if cell.located else (cell.benchmark.name,)
            groups.setdefault((column.display, what, reason, *own), []).append(cell)
    return groups


def _method(every: tuple[Results, ...], options: TableOptions) -> str:
    """How the table's ratios and their intervals are made."""
    if options.subtract_loop:
        return (
            "a ratio of two costs, each a difference of means (Welch), "
            "its interval by the delta method"
        )
    if any(r.across_sets for r in every):
        return (
            "Welch's t-interval on the logarithms of the process means (sets are "
            "not measured side by side, so their ratios are unpaired)"
        )
    if all(r.metric.deterministic for r in every):
        return (
            "the ratio of the geometric means of the values (counts are made apart, "
            "one run at a time: Welch's t-interval on their logarithms)"
        )
    return (
        "the Hodges-Lehmann centre of the ratios of processes run back to back in "
        "the same round (the median of their pairwise geometric means), its "
        "interval from the signed-rank test; below 6 rounds, their geometric mean "
        "with a Student t-interval"
    )


def legend(grid: Grid, options: TableOptions) -> str:
    """The sentences that explain the table's conventions."""
    first = metrics_of(grid)[0]
    every = metrics_of(grid)
    quantities = " and ".join(r.metric.quantity for r in every)
    parts = [
        f"{quantities[0].upper()}{quantities[1:]}: the mean \u00b1 its 95 % confidence interval."
    ]
    base = first.interpreter(first.baseline)
    if base and len(first.interpreters) > 1:
        same = " / ".join(dict.fromkeys(f"\u201c{APPROX} {r.metric.same}\u201d" for r in every))
        parts.append(
            f"Ratios compare with {base.display}: {_method(every, options)}; in brackets, "
            f"its 95 % confidence interval (none where it is narrower than the last digit); "
            f"{same} where that interval includes 1."
        )
    if any(r.across_sets for r in every):
        parts.append(
            f"{UNPAIRED_MARK}: a ratio across sets (other machines or runs), not measured "
            f"side by side: an unpaired interval (Welch's t on the logarithms), and it "
            f"compares the machines as much as the interpreters."
        )
    elif any(
        not c.paired and not r.metric.deterministic
        for r in every
        for i in r.interpreters
        for b in r.benchmarks
        if i.name != r.baseline and b != EMPTY_LOOP and not options.subtract_loop
        if (c := r.ratio(b, i.name)) is not None
    ):
        parts.append(
            f"{UNPAIRED_MARK}: measured in separate rounds, not side by side "
            f"(an unpaired interval, Welch's t on the logarithms)."
        )
    if any(is_unsteady(r, b, i.name) for r in every for b in r.benchmarks for i in r.interpreters):
        parts.append(
            f"{UNSTEADY_MARK}: more than a quarter of its processes had not reached a "
            f"steady state after their warm-up (python -m benchpost warmup)."
        )
    if options.subtract_loop:
        parts.append(
            f"The empty loop's value is subtracted from every benchmark; "
            f"\u201c{APPROX} 0\u201d where the cost's interval includes 0."
        )
    elif options.show_loop:
        parts.append("\u201cempty loop\u201d is the loop alone, without a call.")
    return " ".join(parts)


def _header(columns: list[tuple[Results, Column]], several: bool) -> nodes.row:
    """Interpreter names (and metrics); a recorded column says where and when."""
    row = nodes.row()
    row += _entry(nodes.Text("Benchmark"))
    for results, interp in columns:
        entry = _entry(nodes.Text(interp.display))
        if several:
            name = results.metric.name
            entry += nodes.paragraph(name, name, classes=["benchpost-metric"])
        if interp.measured_in is not None:
            where = interp.measured_in.describe()
            entry += nodes.paragraph(where, where, classes=["benchpost-recorded"])
        row += entry
    return row


def _entry(child: nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    paragraph = nodes.paragraph()
    paragraph += child
    entry += paragraph
    return entry
