"""Results as plain-text tables, for the terminal (``python -m benchpost show``)."""

from __future__ import annotations

from benchpost.render.note import measurement_note, missing_note
from benchpost.render.table import (
    Grid,
    TableOptions,
    cell_text,
    columns_of,
    failure_notes,
    legend,
    metrics_of,
    rows_of,
)


def text_table(grid: Grid, options: TableOptions) -> str:
    """The same cells as the post's table, aligned in columns."""
    several = len(metrics_of(grid)) > 1
    columns = columns_of(grid)
    header = [
        "Benchmark",
        *[f"{i.display} ({r.metric.name})" if several else i.display for r, i in columns],
    ]
    rows = [header]
    for bench in rows_of(grid, options):
        row = [bench.name]
        for results, interp in columns:
            value, ratio = cell_text(results, bench, interp.name, options, grid)
            row.append(f"{value} ({ratio})" if ratio else value)
        rows.append(row)
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if options.title:
        lines[:0] = [options.title, ""]
    notes = [
        *failure_notes(grid, options),
        legend(grid, options),
        *[measurement_note(results) for results in metrics_of(grid)],
        missing_note(metrics_of(grid)[0]),
    ]
    return "\n".join([*lines, "", *[n for n in notes if n]])
