"""Results as a grouped bar chart (SVG bytes), with its alt text.

One group of bars per benchmark, one bar per interpreter in the colour the
suite gives it, error bars of the 95 % confidence interval of the mean, the unit (a time
unit, or instructions) on the axis; one chart shows one metric. The SVG is
byte-reproducible: no date, a fixed hash salt, so the same results always
give the same file (and the same content-hashed name).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from benchpost.digest import code_file_digest, digest
from benchpost.render.format import format_value
from benchpost.results import Results
from benchpost.suite import Benchmark


def draw_chart(
    results: Results, benchmarks: list[Benchmark], subtract_loop: bool = False
) -> bytes:
    """The chart as SVG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    interpreters = list(results.interpreters)
    estimates = {
        (b, i.name): results.estimate(b, i.name, subtract_loop)
        for b in benchmarks
        for i in interpreters
    }
    largest = max((e.mean for e in estimates.values() if e), default=1e-9)
    metric = results.metric
    scale, unit = metric.axis_unit(largest)

    with matplotlib.rc_context(
        # parse_math off: "$" in a name or version is text, not mathtext to crash on
        {
            "svg.hashsalt": "benchpost",
            "svg.fonttype": "path",
            "font.size": 10,
            "text.parse_math": False,
        }
    ):
        figure = Figure(
            figsize=(8, 0.9 + 0.28 * len(benchmarks) * max(1, len(interpreters))),
            layout="constrained",
        )
        axes = figure.subplots()
        _draw_bars(axes, estimates, benchmarks, interpreters, scale)
        axes.set_yticks(range(len(benchmarks)), [b.name for b in benchmarks])
        axes.invert_yaxis()  # first benchmark on top, as in the table
        what = (
            f"{metric.name} per call, empty loop subtracted"
            if subtract_loop
            else f"{metric.name} per iteration"
        )
        unit_text = f" ({unit})" if unit else ""
        axes.set_xlabel(f"{what}{unit_text}, shorter is better; error bars: 95 % interval")
        axes.grid(axis="x", color="#dddddd")
        axes.set_axisbelow(True)
        axes.spines[["top", "right"]].set_visible(False)
        figure.legend(loc="outside upper center", ncols=max(1, len(interpreters)), frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _draw_bars(axes, estimates, benchmarks, interpreters, scale: float) -> None:
    """One horizontal bar per benchmark and interpreter, grouped by benchmark."""
    height = 0.8 / max(1, len(interpreters))
    for index, interp in enumerate(interpreters):
        positions, widths, errors = [], [], []
        for row, bench in enumerate(benchmarks):
            estimate = estimates[bench, interp.name]
            if estimate is None or not math.isfinite(estimate.mean):
                continue
            positions.append(row - 0.4 + height * (index + 0.5))
            widths.append(estimate.mean / scale)
            half = (estimate.high - estimate.low) / 2
            errors.append(half / scale if math.isfinite(half) else 0.0)
        axes.barh(
            positions,
            widths,
            height=height * 0.9,
            xerr=errors,
            color=interp.spec.colour,
            label=interp.display,
            error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 0.8},
        )


def chart_key(results: Results, benchmarks: list[Benchmark], subtract_loop: bool = False) -> str:
    """A hash of everything the chart is drawn from, to name its file.

    A warm build finds the file and skips matplotlib entirely (importing and
    drawing cost more than the rest of re-reading a post). Each cell's key
    is the digest of its numbers, so a changed result draws a new chart.
    """
    cells = [
        [b.name, i.display, i.spec.colour, results.cells[b, i.name].key]
        for b in benchmarks
        for i in results.interpreters
    ]
    return digest(code_file_digest(Path(__file__)), results.metric.name, subtract_loop, cells)


def alt_text(
    results: Results, benchmarks: list[Benchmark], title: str = "", subtract_loop: bool = False
) -> str:
    """A text alternative that carries the same numbers as the bars."""
    parts = []
    for bench in benchmarks:
        values = []
        for interp in results.interpreters:
            estimate = results.estimate(bench, interp.name, subtract_loop)
            shown = format_value(estimate.mean, results.metric) if estimate else "n/a"
            values.append(f"{interp.display} {shown}")
        parts.append(f"{bench.name}: {', '.join(values)}")
    per = "per call" if subtract_loop else "per iteration"
    lead = f"Bar chart{': ' + title if title else ''}, {results.metric.name} {per}."
    return f"{lead} {'; '.join(parts)}."
