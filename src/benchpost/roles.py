"""Roles that quote measured values inside sentences.

- ``:bench:`calls/noargs/pypy``` -> "35.2 ns" (``*`` for the group's range)
- ``:bench-ratio:`calls/noargs/pypy``` -> "2.3x faster" than the baseline
  interpreter (or ``calls/noargs/pypy/cpython``); with ``*``, the geometric
  mean over the group
- ``:bench-interpreter:`pypy``` -> "PyPy 7.3.11", the version that really ran

A metric prefix asks for another metric than the build's first:
``:bench:`instructions:calls/noargs/pypy``` -> "262 instructions",
``:bench-ratio:`instructions:calls/noargs/pypy``` -> "1.7x fewer instructions".

Prose that quotes numbers this way cannot go stale.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from benchpost.metrics import metric_named
from benchpost.render.inline import (
    ALL,
    BadReference,
    ValueRef,
    parse_ref,
    ratio_text,
    value_text,
)
from benchpost.results import FAILED, Results
from benchpost.sphinx_ext import (
    build_state,
    choose_metrics,
    mark_incomplete,
    record_results,
    report_missing,
)

logger = logging.getLogger(__name__)


class _ValueRole(SphinxRole):
    ratio = False

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        state = build_state(self.env)
        self.env.note_dependency(state.settings.suite)
        try:
            if state.store is None:
                raise BadReference(str(state.error))
            ref = parse_ref(self.text, ratio=self.ratio)
            if ref.benchmark == ALL:
                benchmarks = list(state.suite.group(ref.group).benchmarks)
            else:
                benchmarks = [state.suite.benchmark(ref.group, ref.benchmark)]
            names = [ref.interpreter, *([ref.reference] if ref.reference else [])]
            if self.ratio and not ref.reference:
                names.append(state.suite.baseline)
            requested = (metric_named(ref.metric),) if ref.metric else ()
            (metric,) = choose_metrics(state, requested, self.get_location())
            results = state.store.results(benchmarks, list(dict.fromkeys(names)), metric)
        except (BadReference, LookupError) as exc:
            mark_incomplete(self.env)
            return self.problem(str(exc.args[0]))
        record_results(self.env, results)
        report_missing(state, list(results.missing), self.get_location())
        failed = [c for c in results.cells.values() if c.origin == FAILED]
        if failed:
            return self.problem(
                f"{failed[0].benchmark.name} failed on "
                f"{failed[0].interpreter}: {failed[0].error.splitlines()[0]}"
            )
        if results.missing:  # a preview without PyPy, say: make the gap obvious
            labels = " and ".join(exc.spec.label for exc in results.missing)
            text = f"[not measured: {labels} not found]"
        else:
            text = self.format(results, benchmarks, ref)
        return [nodes.inline(self.rawtext, text, classes=["benchpost-value"])], []

    def format(self, results: Results, benchmarks, ref: ValueRef) -> str:
        return value_text(results, benchmarks, ref.interpreter)

    def problem(self, message: str):
        logger.warning(
            "benchpost: %s: %s",
            self.rawtext,
            message,
            location=self.get_location(),
            type="benchpost",
            subtype="reference",
        )
        return [nodes.inline(self.rawtext, "n/a", classes=["benchpost-value"])], []


class BenchRatio(_ValueRole):
    ratio = True

    def format(self, results: Results, benchmarks, ref: ValueRef) -> str:
        return ratio_text(results, benchmarks, ref.interpreter, ref.reference)


class BenchInterpreter(SphinxRole):
    """The display name and version of an interpreter: the one whose numbers are shown.

    That is the interpreter found here, or the one a recorded column was
    measured on, so prose and tables always name the same version.
    """

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        state = build_state(self.env)
        if state.store is None:
            return [nodes.inline(self.rawtext, self.text)], []
        try:
            # The empty loop alone, of the build's default metric: enough to
            # know where the column comes from, without measuring anything more.
            (metric,) = choose_metrics(state, (), self.get_location())
            results = state.store.results([], [self.text.strip()], metric)
        except LookupError as exc:
            logger.warning(
                "benchpost: %s",
                exc.args[0],
                location=self.get_location(),
                type="benchpost",
                subtype="reference",
            )
            return [nodes.inline(self.rawtext, self.text)], []
        record_results(self.env, results)
        report_missing(state, list(results.missing), self.get_location())
        if results.interpreters:
            text = results.interpreters[0].display
        else:
            text = f"{results.missing[0].spec.label} (not available here)"
        return [nodes.inline(self.rawtext, text, classes=["benchpost-value"])], []


def register(app: Sphinx) -> None:
    app.add_role("bench", _ValueRole())
    app.add_role("bench-ratio", BenchRatio())
    app.add_role("bench-interpreter", BenchInterpreter())
