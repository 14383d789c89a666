"""Results as a docutils table: benchmarks down, interpreters across.

Each cell holds the time per call (mean ± standard deviation) and, for
interpreters other than the baseline, how much faster or slower they are
than the baseline, marked where pyperf's t-test finds no significant
difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from docutils import nodes

from benchpost.interpreters import Interpreter
from benchpost.render.format import (
    NOT_SIGNIFICANT_MARK,
    format_estimate,
    format_speedup,
)
from benchpost.results import FAILED, Cell, Results
from benchpost.suite import EMPTY_LOOP, Benchmark


@dataclass(frozen=True)
class TableOptions:
    """What a ``benchmark-table`` shows."""

    title: str = ""
    subtract_loop: bool = False  # per-call cost: the empty loop's time subtracted
    show_loop: bool = True  # a row for the empty loop itself


def rows_of(results: Results, options: TableOptions) -> list[Benchmark]:
    """The benchmarks shown, in order (the empty loop first, if shown)."""
    hide_loop = options.subtract_loop or not options.show_loop
    return [b for b in results.benchmarks if not (hide_loop and b == EMPTY_LOOP)]


def cell_text(
    results: Results, bench: Benchmark, interpreter: str, options: TableOptions
) -> tuple[str, str]:
    """The two lines of a cell: the estimate, and the ratio to the baseline (or "")."""
    cell = results.cell(bench, interpreter)
    if cell.origin == FAILED:
        failed = failed_cells(results, options)
        return f"failed [{failed.index(cell) + 1}]", ""
    estimate = results.estimate(bench, interpreter, options.subtract_loop)
    if estimate is None:
        return "n/a", ""
    ratio = ""
    if interpreter != results.baseline and bench != EMPTY_LOOP:
        comparison = results.ratio(bench, interpreter, subtract_loop=options.subtract_loop)
        ratio = format_speedup(comparison) if comparison else ""
    return format_estimate(estimate), ratio


def results_table(results: Results, options: TableOptions) -> nodes.table:
    """Build the table node (no reST is generated and re-parsed)."""
    interpreters = list(results.interpreters)
    table = nodes.table(classes=["benchpost-table"])
    if options.title:
        table += nodes.title(options.title, options.title)
    group = nodes.tgroup(cols=1 + len(interpreters))
    table += group
    group += nodes.colspec(colwidth=30)
    for _ in interpreters:
        group += nodes.colspec(colwidth=25)
    head = nodes.thead()
    group += head
    head += _header(interpreters)
    body = nodes.tbody()
    group += body
    for bench in rows_of(results, options):
        row = nodes.row()
        row += _entry(nodes.literal(bench.name, bench.name))
        for interp in interpreters:
            value, ratio = cell_text(results, bench, interp.name, options)
            entry = nodes.entry(classes=["benchpost-cell"])
            # Wrap a narrow cell at the "±" only, never between a number and its unit.
            value = value.replace(" ", "\u00a0").replace("\u00a0\u00b1\u00a0", " \u00b1 ")
            entry += nodes.paragraph(value, value)
            if ratio:
                entry += nodes.paragraph(ratio, ratio, classes=["benchpost-ratio"])
            row += entry
        body += row
    return table


def failed_cells(results: Results, options: TableOptions) -> list[Cell]:
    """The failed cells of the table, in reading order (their notes are numbered so)."""
    return [
        results.cell(b, i.name)
        for b in rows_of(results, options)
        for i in results.interpreters
        if results.cell(b, i.name).origin == FAILED
    ]


def failure_notes(results: Results, options: TableOptions) -> list[str]:
    """ "[1] noargs on CPython 3.11.7: ZeroDivisionError: division by zero", one a failure."""
    notes = []
    for number, cell in enumerate(failed_cells(results, options), 1):
        shown = results.interpreter(cell.interpreter)
        reason = (cell.error.strip().splitlines() or ["no reason given"])[0]
        name = shown.display if shown else cell.interpreter
        notes.append(f"[{number}] {cell.benchmark.name} on {name}: {reason}")
    return notes


def legend(results: Results, options: TableOptions) -> str:
    """The sentence that explains the table's conventions."""
    base = results.interpreter(results.baseline)
    parts = ["Time per loop iteration, mean \u00b1 standard deviation."]
    if base and len(results.interpreters) > 1:
        parts.append(f"Ratios compare with {base.display}.")
        parts.append(f"{NOT_SIGNIFICANT_MARK}: not significant (pyperf's t-test, 95%).")
    if options.subtract_loop:
        parts.append("The empty loop's time is subtracted from every benchmark.")
    elif options.show_loop:
        parts.append("\u201cempty loop\u201d is the loop alone, without a call.")
    return " ".join(parts)


def _header(interpreters: list[Interpreter]) -> nodes.row:
    """Interpreter names; a column recorded elsewhere says so, with where and when."""
    row = _row(["Benchmark"])
    for interp in interpreters:
        entry = _entry(nodes.Text(interp.display))
        if interp.recorded:
            entry += nodes.paragraph(
                interp.recorded, interp.recorded, classes=["benchpost-recorded"]
            )
        row += entry
    return row


def _row(texts: list[str]) -> nodes.row:
    row = nodes.row()
    for text in texts:
        row += _entry(nodes.Text(text))
    return row


def _entry(child: nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    paragraph = nodes.paragraph()
    paragraph += child
    entry += paragraph
    return entry
