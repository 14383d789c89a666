"""Roles that quote measured values inside sentences.

- ``:bench:`calls/noargs/pypy``` -> "35.2 ns" (``*`` for the group's range)
- ``:bench-ratio:`calls/noargs/pypy``` -> "2.3x faster" than the baseline
  interpreter (or ``calls/noargs/pypy/cpython``); with ``*``, the geometric
  mean over the group, with ``noargs|varargs`` over those benchmarks
- ``:bench-comparison:`calls/noargs/pypy``` -> "2.3x faster than CPython 3.11.7
  (2.1-2.5)", or "about as fast as CPython 3.11.7": a whole comparison, which
  reads right whatever the interval says
- ``:bench-interpreter:`pypy``` -> "PyPy 7.3.11", the version that really ran

Options follow a comma: ``:bench:`allocation/allocate_tuple/pypy, subtract-loop```
quotes the call alone, as a ``:subtract-loop:`` table shows it. A value
quoted with the loop in a post whose table subtracts it says so: "(empty loop
included)" follows it.

A metric prefix asks for another metric than the build's first:
``:bench:`instructions:calls/noargs/pypy``` -> "262 instructions",
``:bench-ratio:`instructions:calls/noargs/pypy``` -> "1.7x fewer instructions".

Prose that quotes numbers this way cannot go stale.
"""

from __future__ import annotations

import functools
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

from benchpost.measure.interpreters import InterpreterNotFound
from benchpost.measure.registry import metric_named
from benchpost.render.inline import (
    BadReference,
    ValueRef,
    comparison_text,
    parse_ref,
    ratio_text,
    value_text,
)
from benchpost.results import FAILED, Results
from benchpost.sphinx import frozen
from benchpost.sphinx.collector import mark_incomplete, record_interpreter
from benchpost.sphinx.fetch import Unavailable, fetch_results, report_missing, usable_state
from benchpost.sphinx.state import warn
from benchpost.suite import EMPTY_LOOP


class _Role(SphinxRole):
    """A role whose messages point at its own line, not its paragraph's first."""

    def location(self) -> str:
        source, line = self.get_source_info()
        if source and line:
            lines = _source_lines(source)
            first_line = self.rawtext.splitlines()[0] if self.rawtext else ""
            for number in range(line, len(lines) + 1):
                if first_line and first_line in lines[number - 1]:
                    return f"{source}:{number}"
            return f"{source}:{line}"
        return self.get_location()


@functools.lru_cache(maxsize=8)
def _source_lines(source: str) -> list[str]:
    try:
        return Path(source).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


class _ValueRole(_Role):
    ratio = False

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        location = self.location()
        try:
            state = usable_state(self.env, location)
            ref = parse_ref(self.text, ratio=self.ratio)
            # "*", or "noargs|varargs": a range, or a geometric mean over them
            benchmarks = state.suite.select(ref.group, ref.benchmark)
            names = [ref.interpreter, *([ref.reference] if ref.reference else [])]
            if self.ratio and not ref.reference:
                names.append(state.suite.baseline)
            requested = (metric_named(ref.metric),) if ref.metric else ()
            grid = fetch_results(
                self.env, location, benchmarks, list(dict.fromkeys(names)), requested
            )
        except Unavailable:
            return self.shown("n/a")
        except (BadReference, LookupError) as exc:
            mark_incomplete(self.env)
            return self.problem(str(exc.args[0]), location)
        if not grid:  # its metric is left out of this build
            return self.shown(f"({requested[0].plural} left out of this build)")
        (results,) = grid
        failed = [c for c in results.cells.values() if c.origin == FAILED]
        if failed:
            # Reported by fetch_results, once, where the problem is.
            return self.shown("n/a")
        if results.missing:  # a preview without PyPy, say: make the gap obvious
            labels = " and ".join(exc.spec.label for exc in results.missing)
            return self.shown(f"[not measured: {labels} not found]")
        return self.shown(self.format(results, benchmarks, ref), ref)

    def format(self, results: Results, benchmarks, ref: ValueRef) -> str:
        return value_text(results, benchmarks, ref.interpreter, ref.subtract_loop)

    def shown(
        self, text: str, ref: ValueRef | None = None
    ) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = nodes.inline(self.rawtext, text, classes=["benchpost-value"])
        if ref is not None and not self.ratio and ref.metric in ("", "time"):
            # looked at by mark_loop_included, once the whole post is read
            node["benchpost_raw"] = "" if ref.subtract_loop else f"{ref.group}/{ref.benchmark}"
        return [node], []

    def problem(self, message: str, location: str):
        warn(f"{self.rawtext}: {message}", location, "reference")
        return self.shown("n/a")


class BenchRatio(_ValueRole):
    ratio = True

    def format(self, results: Results, benchmarks, ref: ValueRef) -> str:
        return ratio_text(results, benchmarks, ref.interpreter, ref.reference, ref.subtract_loop)


class BenchComparison(BenchRatio):
    def format(self, results: Results, benchmarks, ref: ValueRef) -> str:
        reference = results.interpreter(ref.reference or results.baseline).display
        return comparison_text(
            super().format(results, benchmarks, ref), reference, results.metric.same_as
        )


class BenchInterpreter(_Role):
    """The display name and version of an interpreter: the one whose numbers are shown.

    That is the interpreter found here, or the one a recorded column was
    measured on, so prose and tables always name the same version. It never
    measures anything.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        location = self.location()
        try:
            state = usable_state(self.env, location)
            store = frozen.store_for(self.env, state, self.env.docname)
            column = store.column(self.text.strip(), state.metrics[0])
        except Unavailable:
            return [nodes.inline(self.rawtext, self.text)], []
        except LookupError as exc:
            warn(str(exc.args[0]), location, "reference")
            return [nodes.inline(self.rawtext, self.text)], []
        if isinstance(column, InterpreterNotFound):
            report_missing(state, [column], location)
            mark_incomplete(self.env)
            text = f"{column.spec.label} (not available here)"
        else:
            metric = state.metrics[0]
            key = store.current_key(EMPTY_LOOP, column.name, metric)
            record_interpreter(self.env, column.name, metric.name, key)
            text = column.display
        return [nodes.inline(self.rawtext, text, classes=["benchpost-value"])], []


def mark_loop_included(app: Sphinx, doctree: nodes.document) -> None:
    """After a value quoted with the empty loop, in a post whose table of the same
    benchmark subtracts the loop: "(empty loop included)", so that the sentence and
    the table do not seem to disagree."""
    subtracted = {
        name for table in doctree.findall(nodes.Element) for name in table.get("benchpost_net", ())
    }
    for node in doctree.findall(nodes.inline):
        if node.get("benchpost_raw", "") in subtracted:
            node += nodes.Text(" (empty loop included)")
            node["benchpost_raw"] = ""


def register(app: Sphinx) -> None:
    app.add_role("bench", _ValueRole())
    app.add_role("bench-ratio", BenchRatio())
    app.add_role("bench-comparison", BenchComparison())
    app.connect("doctree-read", mark_loop_included)
    app.add_role("bench-interpreter", BenchInterpreter())
