"""The ``benchmark-table`` and ``benchmark-chart`` directives.

Both name one or more benchmark groups of the suite, get their results from
the build's ``ResultStore`` (measuring what is missing), for one metric or
several (``:metric: time, instructions``), and turn them into nodes through
the pure renderers. A problem (unknown group, missing
interpreter, failed benchmark) is one warning at the directive's line; the
rest of the post still renders.
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from benchpost.files import cannot_write, slug, write_if_changed
from benchpost.measure.registry import DEFAULT, parse_metrics
from benchpost.render.chart import NARROW, WIDE, alt_text, chart_key, draw_chart
from benchpost.render.note import left_out_note, measurement_note, missing_note
from benchpost.render.pyperf_files import suite_file
from benchpost.render.table import (
    TableOptions,
    failure_notes,
    legend,
    results_table,
    rows_of,
)
from benchpost.results import Results
from benchpost.sphinx.elements import make_about, make_picture
from benchpost.sphinx.fetch import Unavailable, fetch_results, report_unwritable, usable_state
from benchpost.sphinx.options import OptionSpec, unknown_option_messages
from benchpost.sphinx.state import BuildState, build_state, warn
from benchpost.store.cache import ELSEWHERE
from benchpost.suite import Benchmark


def _names(argument: str) -> list[str]:
    return [n.strip() for n in argument.split(",") if n.strip()]


class _ResultsDirective(SphinxDirective):
    """Shared by both directives: find the benchmarks, get their results."""

    required_arguments = 1
    optional_arguments = 20  # more group names
    option_spec = OptionSpec(
        {
            "title": directives.unchanged,
            "interpreters": directives.unchanged_required,
            "benchmarks": directives.unchanged_required,
            "subtract-loop": directives.flag,
            "hide-loop": directives.flag,
            "metric": directives.unchanged_required,
            "sets": directives.unchanged_required,
        }
    )
    #: the options this directive knows (``option_spec`` lets others through)
    known_options: dict = dict(option_spec)

    def run(self) -> list[nodes.Node]:
        location = self.get_location()
        for message in unknown_option_messages(self.name, self.options, self.known_options):
            warn(message, location, "option")
        try:
            state = usable_state(self.env, location)
            benchmarks = self.benchmarks(state)
            requested = parse_metrics(self.options.get("metric", ""))
            grid = fetch_results(
                self.env,
                location,
                benchmarks,
                _names(self.options.get("interpreters", "")),
                requested,
                _names(self.options.get("sets", "")),
            )
        except Unavailable:
            return []
        except LookupError as exc:
            warn(str(exc.args[0]), location, "reference")
            return []
        options = TableOptions(
            title=self.options.get("title", ""),
            subtract_loop="subtract-loop" in self.options,
            show_loop="hide-loop" not in self.options,
        )
        container = nodes.container(classes=["benchpost"])
        if options.subtract_loop:  # for roles that quote these benchmarks with the loop
            container["benchpost_net"] = [f"{b.group}/{b.name}" for b in benchmarks]
        if not grid:  # its metrics are left out of this build: say so, show nothing else
            container += _paragraph(left_out_note(requested, options.title), "benchpost-note")
            return [container]
        shown, explained = self.render(grid, options)
        container += shown
        container += make_about(
            self.about,
            *explained,
            *[_paragraph(measurement_note(results), "benchpost-note") for results in grid],
        )
        if grid[0].missing:
            container += _paragraph(missing_note(grid[0]), "benchpost-missing")
        return [container]

    def benchmarks(self, state: BuildState) -> list[Benchmark]:
        """The benchmarks of the named groups, or the ``:benchmarks:`` among them."""
        groups = [state.suite.group(name) for name in self.arguments]
        found = [b for g in groups for b in g.benchmarks]
        wanted = _names(self.options.get("benchmarks", ""))
        if not wanted:
            return found
        by_name = {b.name: b for b in found}
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            raise LookupError(
                f"no benchmark {unknown[0]!r} in {', '.join(self.arguments)} "
                f"(benchmarks: {', '.join(by_name)})"
            )
        return [by_name[n] for n in wanted]

    #: the one line shown of the folded notes
    about = "How these numbers were measured"

    def render(
        self, grid: list[Results], options: TableOptions
    ) -> tuple[list[nodes.Node], list[nodes.Node]]:
        """What is shown, and what explains it (folded, above the measurement notes)."""
        raise NotImplementedError

    def written(self, path: Path, data: bytes) -> bool:
        """Write ``path`` into the cache (unless it holds ``data``); False, said once
        per build, if the cache cannot take it: then nothing links to it."""
        try:
            write_if_changed(path, data)
        except OSError as exc:
            report_unwritable(
                build_state(self.env), cannot_write(exc, ELSEWHERE), self.get_location()
            )
            return False
        return True


class BenchmarkTable(_ResultsDirective):
    """``.. benchmark-table:: group [group ...]``: a results table."""

    def render(
        self, grid: list[Results], options: TableOptions
    ) -> tuple[list[nodes.Node], list[nodes.Node]]:
        table = results_table(grid, options)
        self.set_source_info(table)
        failures = [_paragraph(note, "benchpost-failure") for note in failure_notes(grid, options)]
        return [table, *failures], [
            _paragraph(legend(grid, options), "benchpost-legend"),
            *[self.data_links(results) for results in grid],
        ]

    def data_links(self, results: Results) -> nodes.paragraph:
        """Links to the pyperf files behind the table, copied into the site."""
        layout = build_state(self.env).store.layout
        kind = [results.metric.file_tag] if results.metric.file_tag else []
        stem = "-".join([*(slug(a) for a in self.arguments), *kind])
        paragraph = nodes.paragraph(classes=["benchpost-data"])
        paragraph += nodes.Text(
            "pyperf data: "
            if results.metric == DEFAULT
            else f"pyperf data ({results.metric.name}): "
        )
        files = []
        for column in results.interpreters:
            published = suite_file(results, column.name, stem)
            if published is not None:
                path = layout.published(published.key, published.name)
                if self.written(path, published.data):
                    files.append(path)
        for index, path in enumerate(files):
            if index:
                paragraph += nodes.Text(", ")
            target = "/" + os.path.relpath(path, self.env.srcdir)
            link = addnodes.download_reference(
                "",
                "",
                reftarget=target,
                refdoc=self.env.docname,
                refexplicit=True,
                reftype="download",
                refdomain="",
            )
            link += nodes.literal(path.name, path.name)
            paragraph += link
        if len(files) > 1:
            command = "python -m pyperf compare_to " + " ".join(f.name for f in files)
            paragraph += nodes.Text(" (compare: ")
            paragraph += nodes.literal(command, command)
            paragraph += nodes.Text(")")
        return paragraph


class BenchmarkChart(_ResultsDirective):
    """``.. benchmark-chart:: group [group ...]``: a bar chart as an SVG image."""

    known_options = {
        **_ResultsDirective.known_options,
        "alt": directives.unchanged,
        "caption": directives.unchanged,
    }
    option_spec = OptionSpec(known_options)
    about = "How this chart was measured"

    def render(
        self, grid: list[Results], options: TableOptions
    ) -> tuple[list[nodes.Node], list[nodes.Node]]:
        """One figure per metric (a chart has one axis)."""
        return [self.figure(results, options) for results in grid], []

    def figure(self, results: Results, options: TableOptions) -> nodes.Element:
        """The chart in its wide and narrow drawings (``elements.picture``), with the
        author's ``:caption:`` if any (a table's title is not repeated under its chart)."""
        rows = rows_of(results, options)
        alt = self.options.get("alt") or alt_text(
            results, rows, options.title, options.subtract_loop
        )
        images = []
        for layout in (WIDE, NARROW):
            # Named by what it is drawn from, under the doctree folder: outside
            # the watched source tree, and drawn only when the numbers change.
            chart = build_state(self.env).store.layout.chart(
                chart_key(results, rows, options.subtract_loop, layout)
            )
            if not chart.is_file():
                drawn = draw_chart(results, rows, options.subtract_loop, layout)
                if not self.written(chart, drawn):
                    return _paragraph(
                        f"(chart not drawn: the cache is not writable) {alt}", "benchpost-note"
                    )
            uri = "/" + os.path.relpath(chart, self.env.srcdir)
            images.append(nodes.image(uri=uri, alt=alt, classes=["benchpost-chart"]))
        figure = nodes.figure("", make_picture(*images), classes=["benchpost-figure"])
        caption = self.options.get("caption", "").strip()
        if caption:
            figure += nodes.caption(caption, caption)
        self.set_source_info(figure)
        return figure


def _paragraph(text: str, cls: str) -> nodes.paragraph:
    return nodes.paragraph(text, text, classes=[cls])


def register(app: Sphinx) -> None:
    app.add_directive("benchmark-table", BenchmarkTable)
    app.add_directive("benchmark-chart", BenchmarkChart)
