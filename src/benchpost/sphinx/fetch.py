"""One way for every directive and role to get results, note them and say what is wrong.

``fetch_results`` is the sequence each element runs: note the files its
numbers depend on, choose the metrics, ask the store (which measures what is
missing), remember the keys of the numbers for the next build
(``collector``), and report each problem once, where it is: an unknown name
at the element's line, a C compiler error at the C file's line, a failed
benchmark at the element that shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from benchpost.measure.interpreters import InterpreterNotFound
from benchpost.measure.metric import Metric
from benchpost.measure.registry import DEFAULT
from benchpost.results import FAILED, Results
from benchpost.sphinx.collector import mark_incomplete, record_results
from benchpost.sphinx.state import BuildState, build_state, warn
from benchpost.suite import EMPTY_LOOP, Benchmark

logger = logging.getLogger("benchpost")


class Unavailable(Exception):
    """The element cannot show its numbers; it was reported (or is a note)."""


def usable_state(env: BuildEnvironment, location: object) -> BuildState:
    """The build's state, with the suite noted as a dependency; ``Unavailable`` if the
    suite (or a setting) is broken, reported at ``location``."""
    state = build_state(env)
    # Noted first: once a broken suite is fixed, the post is read again.
    env.note_dependency(state.settings.suite)
    if state.error is not None or state.store is None:
        if state.report_once("suite"):  # once per build, at the first element that needs it
            warn(str(state.error), location, "suite")
        mark_incomplete(env)
        raise Unavailable(str(state.error))
    return state


def fetch_results(
    env: BuildEnvironment,
    location: object,
    benchmarks: Sequence[Benchmark],
    interpreters: Sequence[str] | None,
    metrics: Sequence[Metric] = (),
) -> list[Results]:
    """The results of ``benchmarks`` (one ``Results`` per metric shown), measured if
    missing; every problem reported once. ``LookupError`` for an unknown name."""
    state = usable_state(env, location)
    for source in state.suite.extension.sources:
        env.note_dependency(str(source))
    names = list(interpreters or ()) or list(state.settings.interpreters) or None
    grid = [
        state.store.results(benchmarks, names, metric)
        for metric in choose_metrics(state, tuple(metrics), location)
    ]
    for results in grid:
        record_results(env, results)
        report_missing(state, results.missing, location)
        report_failures(state, env, results, location)
    return grid


def choose_metrics(
    state: BuildState, requested: tuple[Metric, ...], location: object
) -> list[Metric]:
    """The metrics an element shows.

    Those it asks for (by default the build's first metric), among the
    metrics this build may show (else its first). A metric whose tool is
    missing here (valgrind for counts): a warning, once, and times instead.
    """
    enabled = state.metrics
    chosen = [m for m in requested if m in enabled] or [enabled[0]]
    disabled = requested and not any(m in enabled for m in requested)
    if disabled and state.report_once("metric-disabled", *[m.name for m in requested]):
        logger.info(
            "benchpost: %s not enabled by benchpost_metrics (%s); showing %s",
            ", ".join(m.name for m in requested),
            ", ".join(m.name for m in enabled),
            chosen[0].name,
        )
    shown = []
    for metric in chosen:
        problem = state.store.cannot_measure(metric) if state.store else ""
        if problem and state.report_once("tool", metric.name):
            warn(
                f"{metric.plural} need {problem}; showing {DEFAULT.plural} instead "
                f"(or build with BENCHPOST_METRICS={DEFAULT.name})",
                location,
                metric.name,
            )
        shown.append(DEFAULT if problem else metric)
    return list(dict.fromkeys(shown))


def report_missing(
    state: BuildState, missing: Sequence[InterpreterNotFound], location: object
) -> None:
    """A required interpreter that is missing is a warning; an optional one, a note."""
    for exc in missing:
        if not state.report_once("missing", exc.spec.name):
            continue
        if exc.spec.required:
            warn(str(exc), location, "interpreter")
        else:
            logger.info("benchpost: optional interpreter %s; its column is left out", exc)


def report_failures(
    state: BuildState, env: BuildEnvironment, results: Results, location: object
) -> None:
    """One warning per problem: a compiler error at its C line (once per build), a failed
    or stale cell at the element that shows it (once per post)."""
    for (bench, interp), cell in results.cells.items():
        if cell.located is not None:
            source, line = cell.located
            # Once per build, whichever interpreter met it first: the line is the problem.
            if state.report_once("located", source, str(line)):
                warn(cell.error, f"{source}:{line}", "build")
            # And a short note (not a warning) at each element it leaves without numbers.
            shown = results.interpreter(interp)
            first = bench != EMPTY_LOOP  # name a benchmark of the element's own
            if first and state.report_once("located-note", env.docname, str(location), interp):
                reason = cell.error.splitlines()[0]
                logger.info(
                    "benchpost: %r on %s failed: %s (reported at %s:%d)",
                    bench.name,
                    shown.display if shown else interp,
                    reason,
                    Path(source).name,
                    line,
                    location=location,
                )
            continue
        if not (cell.origin == FAILED or cell.warning):
            continue
        metric = results.metric
        if state.report_once(env.docname, bench.name, interp, metric.name):
            shown = results.interpreter(interp)
            name = shown.display if shown else interp
            if metric != DEFAULT:
                name += f" ({metric.name})"
            if cell.origin == FAILED:
                warn(f"{bench.name!r} on {name} failed: {cell.error}", location, "measure")
            else:
                warn(f"{bench.name!r} on {name}: {cell.warning}", location, "recorded")
