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
from benchpost.render.note import is_busy, starved_facts
from benchpost.results import FAILED, MEASURED, Results
from benchpost.sphinx import frozen
from benchpost.sphinx.collector import mark_incomplete, note_test_profiles, record_results
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
    across: Sequence[str] = (),
) -> list[Results]:
    """The results of ``benchmarks`` (one ``Results`` per metric shown), measured if
    missing, or from the recorded sets ``across`` (a comparison of machines); every
    problem reported once. ``LookupError`` for an unknown name."""
    state = usable_state(env, location)
    store = frozen.store_for(env, state, env.docname)
    if store is state.store:  # a frozen post does not depend on the C code
        for bench in benchmarks:
            for source in bench.extension.sources if bench.extension else ():
                env.note_dependency(str(source))
    names = list(interpreters or ()) or list(state.settings.interpreters) or None
    shown = choose_metrics(state, tuple(metrics), location)
    if len(shown) < max(1, len(metrics)):
        frozen.left_out(env, state)
    if across:
        grid = [store.results_across(benchmarks, across, names, metric) for metric in shown]
    else:
        grid = [store.results(benchmarks, names, metric) for metric in shown]
    tests_only = {p.name for p in state.suite.profiles.values() if p.tests_only}
    for results in grid:
        record_results(env, results)
        note_test_profiles(env, results, tests_only)
        frozen.keep(env, state, results)
        report_missing(state, results.missing, location)
        report_failures(state, env, results, location)
    return grid


def choose_metrics(
    state: BuildState, requested: tuple[Metric, ...], location: object
) -> list[Metric]:
    """The metrics an element shows: those it asks for (by default the build's
    first) that this build may show. Never another one in their place: a table
    of counts never shows times under its caption. [] if none may be shown.
    """
    if not requested:
        return [state.metrics[0]]
    chosen = [m for m in requested if m in state.metrics]
    left_out = [m.name for m in requested if m not in state.metrics]
    if left_out and state.report_once("metric-disabled", *left_out):
        logger.info(
            "benchpost: %s left out of this build (benchpost_metrics or BENCHPOST_METRICS: %s)",
            ", ".join(left_out),
            ", ".join(m.name for m in state.metrics),
        )
    return chosen


def report_missing(
    state: BuildState, missing: Sequence[InterpreterNotFound], location: object
) -> None:
    """A required interpreter that is missing is a warning; an optional one, a note."""
    for exc in missing:
        if not state.report_once("missing", exc.spec.name):
            continue
        if exc.spec.required or exc.misconfigured:
            warn(str(exc), location, "interpreter")
        else:
            logger.info("benchpost: optional interpreter %s; its column is left out", exc)


def report_failures(
    state: BuildState, env: BuildEnvironment, results: Results, location: object
) -> None:
    """One warning per problem: a compiler error at its C line (once per build), a failed
    or stale cell at the element that shows it (once per post); numbers for publishing
    measured on a busy machine (once per build)."""
    report_busy(state, results, location)
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
        if cell.storage:  # the cache cannot be written: once per build, wherever met
            report_unwritable(state, cell.error, location)
            continue
        if cell.machine:  # a tool missing here, and nothing recorded: once per build
            if state.report_once("machine", interp, results.metric.name, cell.error):
                warn(_unmeasurable(results, interp, cell.error), location, "machine")
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


def report_unwritable(state: BuildState, message: str, location: object) -> None:
    """The cache cannot be written (a full or read-only disk): one warning per build,
    at the first element that met it; every later write fails the same way."""
    if state.report_once("storage"):
        warn(message, location, "storage")


def report_busy(state: BuildState, results: Results, location: object) -> None:
    """With a profile meant for publishing, numbers measured while others used the
    machine are a warning (a draft profile's note says it instead)."""
    if not results.profile.publish:
        return
    measured = [c for c in results.cells.values() if c.origin == MEASURED]
    share = is_busy(measured)
    if share and state.report_once("busy", results.metric.name):
        warn(
            f"measured on a busy machine: other processes used {share:.0%} of its CPU "
            f"time while the {results.profile.name!r} profile measured; build again on a "
            f"quiet machine (python -m benchpost clean removes these results)",
            location,
            "busy",
        )
    starved = starved_facts(measured)
    if starved and state.report_once("starved", str(location), results.metric.name):
        message = " ".join(starved)
        warn(f"measured with the {results.profile.name!r} profile while another process "
             f"took the measuring core: {message}", location, "busy")  # fmt: skip


def _unmeasurable(results: Results, interp: str, error: str) -> str:
    """Why a column has no numbers at all, and the two ways out."""
    shown = results.interpreter(interp)
    metric = results.metric
    hint = (
        f" (or leave them out of this build: BENCHPOST_METRICS={DEFAULT.name})"
        if metric != DEFAULT
        else ""
    )
    return (
        f"{metric.plural} on {shown.display if shown else interp} cannot be measured here "
        f"and none were recorded: {error}{hint}"
    )
