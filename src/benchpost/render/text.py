"""Results as plain-text tables, for the terminal (``python -m benchpost show``)."""

from __future__ import annotations

from benchpost.render.note import measurement_note, missing_note
from benchpost.render.table import TableOptions, cell_text, failure_notes, legend, rows_of
from benchpost.results import Results


def text_table(results: Results, options: TableOptions) -> str:
    """The same cells as the post's table, aligned in columns."""
    header = ["Benchmark", *[i.display for i in results.interpreters]]
    rows = [header]
    for bench in rows_of(results, options):
        row = [bench.name]
        for interp in results.interpreters:
            value, ratio = cell_text(results, bench, interp.name, options)
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
        *failure_notes(results, options),
        legend(results, options),
        measurement_note(results),
        missing_note(results),
    ]
    return "\n".join([*lines, "", *[n for n in notes if n]])
