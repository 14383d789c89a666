"""Results as a grouped bar chart (SVG bytes), with its alt text.

One group of bars per benchmark, one bar per interpreter in the colour the
suite gives it, a line over each bar's 95 % confidence interval, the unit (a
time unit, or instructions) on the axis; one chart shows one metric. Two
drawings of each chart (``WIDE``, ``NARROW``) keep its labels at least 11 CSS
px from a phone to a desktop; a logarithmic axis (labelled) where bars span
more than ten times. The SVG is
byte-reproducible: no date, a fixed hash salt, so the same results always
give the same file (and the same content-hashed name).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from benchpost.digest import code_file_digest, digest
from benchpost.render.format import format_value
from benchpost.results import Results
from benchpost.suite import Benchmark


@dataclass(frozen=True)
class ChartLayout:
    """How a chart is drawn for one range of screen widths.

    Sizes are in points, which an SVG shown at its natural width renders as
    CSS pixels: a label of ``font`` points stays at least 11 px as long as the
    image is shown at least ``width * 72 * 11 / font`` px wide.
    """

    name: str
    width: float  # inches
    font: float  # points
    legend_columns: int
    xlabel_lines: int


#: the desktop column (600 to 900 px wide: labels 11.5 to 17 px)
WIDE = ChartLayout("wide", width=8.0, font=11.0, legend_columns=4, xlabel_lines=1)
#: a phone's column (317 pt: 11 px labels from 303 px wide, 12 px at 330 px, which
#: is what a 390 px phone leaves a post's column on pypy.org and stock Nikola)
NARROW = ChartLayout("narrow", width=4.4, font=11.5, legend_columns=2, xlabel_lines=3)

#: above this ratio between the largest and the smallest bar, the axis is logarithmic
LOG_SPAN = 10.0


def draw_chart(
    results: Results,
    benchmarks: list[Benchmark],
    subtract_loop: bool = False,
    layout: ChartLayout = WIDE,
) -> bytes:
    """The chart as SVG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    interpreters = list(results.interpreters)
    estimates = {
        (b, i.name): results.estimate(b, i.name, subtract_loop)
        for b in benchmarks
        for i in interpreters
    }
    means = [e.mean for e in estimates.values() if e and math.isfinite(e.mean)]
    scale, unit = results.metric.axis_unit(max(means, default=1e-9))
    logarithmic = use_log_axis(means)
    # parse_math off: "$" in a name or version is text, not mathtext to crash on
    style = {"svg.hashsalt": "benchpost", "svg.fonttype": "path", "font.size": layout.font,
             "text.parse_math": False}  # fmt: skip
    with matplotlib.rc_context(style):
        figure, axes = _figure(layout, len(benchmarks), len(interpreters))
        if logarithmic:
            _log_axis(axes)
        _draw_bars(axes, estimates, benchmarks, interpreters, scale, logarithmic)
        axes.set_yticks(range(len(benchmarks)), [b.name for b in benchmarks])
        axes.invert_yaxis()  # first benchmark on top, as in the table
        _axis_label(figure, layout, results.metric.name, unit, subtract_loop, logarithmic)
        figure.legend(
            loc="outside upper center",
            ncols=max(1, min(len(interpreters), layout.legend_columns)),
            frameon=False,
        )
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _figure(layout: ChartLayout, benchmarks: int, interpreters: int):
    """The figure, as tall as its bars, legend and label need, and its axes."""
    from matplotlib.figure import Figure

    bars = benchmarks * max(1, interpreters)
    legend_rows = math.ceil(interpreters / layout.legend_columns)
    height = 0.6 + 0.25 * legend_rows + 0.22 * layout.xlabel_lines + 0.3 * bars
    figure = Figure(figsize=(layout.width, height), layout="constrained")
    axes = figure.subplots()
    axes.grid(axis="x", color="#dddddd")
    axes.set_axisbelow(True)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _log_axis(axes) -> None:
    """A log axis with plain numbers: the default labels are mathtext ("10^2"), which
    is off here (``text.parse_math``) and would print as "$\\mathdefault{...}$"."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    axes.set_xscale("log")
    axes.xaxis.set_major_locator(LogLocator(base=10))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.xaxis.set_minor_formatter(FuncFormatter(lambda value, _: ""))


def _axis_label(figure, layout: ChartLayout, metric: str, unit: str,
                subtract_loop: bool, logarithmic: bool) -> None:  # fmt: skip
    """What the axis shows: under the whole figure, not under the axes, which the
    benchmark names push right (centred there, the wide chart's line ran past the
    figure's right edge: "lines: 95 % interv"); short lines on a phone's width."""
    what = (
        f"{metric} per call, empty loop subtracted" if subtract_loop else f"{metric} per iteration"
    )
    unit_text = f" ({unit})" if unit else ""
    parts = [
        f"{what}{unit_text}" + (", log scale" if logarithmic else ""),
        "shorter is better",
        "lines: 95 % intervals",
    ]
    one_line = layout.xlabel_lines == 1  # else a phone's width: a line each
    text = "; ".join(parts) if one_line else "\n".join(parts[: layout.xlabel_lines])
    figure.supxlabel(text, fontsize=layout.font)


def use_log_axis(means: list[float]) -> bool:
    """A log axis when the bars span more than ``LOG_SPAN`` times (one long bar would
    flatten all others) and all are positive (a log axis cannot show 0 or less)."""
    if not means or min(means) <= 0:
        return False
    return max(means) / min(means) > LOG_SPAN


def _draw_bars(axes, estimates, benchmarks, interpreters, scale: float, logarithmic: bool) -> None:
    """One horizontal bar per benchmark and interpreter, grouped by benchmark, with a
    line over its 95 % interval (on a log axis, cut where the interval reaches 0)."""
    height = 0.8 / max(1, len(interpreters))
    positive = [e.mean for e in estimates.values() if e and e.mean > 0]
    floor = min(positive, default=1.0) / 10 / scale  # the left end of a log axis
    for index, interp in enumerate(interpreters):
        positions, widths, below, above = [], [], [], []
        for row, bench in enumerate(benchmarks):
            estimate = estimates[bench, interp.name]
            if estimate is None or not math.isfinite(estimate.mean):
                continue
            mean = estimate.mean / scale
            low, high = estimate.low / scale, estimate.high / scale
            if not (math.isfinite(low) and math.isfinite(high)):
                low = high = mean
            if logarithmic:
                low = max(low, floor)
            positions.append(row - 0.4 + height * (index + 0.5))
            widths.append(mean)
            below.append(max(mean - low, 0.0))
            above.append(max(high - mean, 0.0))
        axes.barh(
            positions,
            widths,
            height=height * 0.9,
            xerr=[below, above],
            color=interp.spec.colour,
            label=interp.display,
            error_kw={"ecolor": "#333333", "capsize": 2, "elinewidth": 0.8},
        )
    if logarithmic:
        axes.set_xlim(left=floor)


def chart_key(
    results: Results,
    benchmarks: list[Benchmark],
    subtract_loop: bool = False,
    layout: ChartLayout = WIDE,
) -> str:
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
    return digest(
        code_file_digest(Path(__file__)), results.metric.name, subtract_loop, layout.name, cells
    )


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
