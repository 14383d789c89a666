"""The Sphinx extension: settings, one result store per build, the summary.

This layer is thin on purpose: it reads ``conf.py``, hands the directives and
roles a ``ResultStore``, reports progress and failures through Sphinx's
logger, and prints one summary line at the end. Measuring, storing and
drawing live in modules that do not import Sphinx.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from benchpost import __version__
from benchpost.config import Settings
from benchpost.interpreters import InterpreterNotFound
from benchpost.metrics import INSTRUCTIONS, TIME, Metric, parse_metrics
from benchpost.results import Results
from benchpost.store import ResultStore
from benchpost.suite import Suite, SuiteError, load_suite

logger = logging.getLogger(__name__)


@dataclass
class BuildState:
    """What one build (one process, with ``-j``) knows: settings, suite, store."""

    settings: Settings
    suite: Suite | None = None
    store: ResultStore | None = None
    error: SuiteError | LookupError | None = None
    #: the metrics this build may show, the default first
    metrics: tuple[Metric, ...] = (TIME,)
    reported: set[tuple[str, ...]] = field(default_factory=set)

    def report_once(self, *key: str) -> bool:
        """True the first time ``key`` is seen: say each problem once per build."""
        if key in self.reported:
            return False
        self.reported.add(key)
        return True


_STATE: dict[str, BuildState] = {}


def build_state(env: BuildEnvironment) -> BuildState:
    """The state of the build ``env`` belongs to, created on first use."""
    key = str(env.doctreedir)
    if key not in _STATE:
        settings = Settings.from_sphinx(env.config, Path(env.srcdir), Path(env.doctreedir))
        state = BuildState(settings)
        try:
            state.metrics = _enabled_metrics(settings)
            state.suite = load_suite(settings.suite)
            profile = state.suite.profile(settings.profile)
            state.store = ResultStore(
                state.suite,
                profile,
                Path(settings.cache_dir),
                settings.timeout,
                progress=_log_progress,
                mode=settings.mode,
            )
        except (SuiteError, LookupError) as exc:
            state.error = exc
        _STATE[key] = state
    return _STATE[key]


def _enabled_metrics(settings: Settings) -> tuple[Metric, ...]:
    try:
        metrics = parse_metrics(settings.metrics)
    except LookupError as exc:
        raise LookupError(f"benchpost_metrics (or BENCHPOST_METRICS): {exc.args[0]}") from None
    if not metrics:
        raise LookupError("benchpost_metrics (or BENCHPOST_METRICS) names no metric")
    return metrics


def choose_metrics(state: BuildState, requested: tuple[Metric, ...], location) -> list[Metric]:
    """The metrics a table, chart or role shows.

    Those it asks for (by default the build's first metric), among the
    metrics this build may show (else its first). Counting instructions
    needs valgrind: where it is missing, a warning (once) and times instead.
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
    valgrind = state.store.cannot_count() if INSTRUCTIONS in chosen and state.store else None
    if valgrind is not None:
        if state.report_once("valgrind"):
            logger.warning(
                "benchpost: instruction counts need valgrind: %s; showing times instead "
                "(or build with BENCHPOST_METRICS=time)",
                valgrind,
                location=location,
                type="benchpost",
                subtype="valgrind",
            )
        chosen = list(dict.fromkeys(TIME if m == INSTRUCTIONS else m for m in chosen))
    return chosen


def _log_progress(message: str) -> None:
    logger.info(
        "benchpost: %s",
        message,
        color="darkgreen" if message.startswith(("measured", "counted")) else None,
    )


def interpreter_names(state: BuildState, requested: list[str] | None) -> list[str] | None:
    """The interpreters a directive uses: its option, else the settings, else all."""
    return requested or list(state.settings.interpreters) or None


def report_missing(state: BuildState, missing: list[InterpreterNotFound], location) -> None:
    """A required interpreter that is missing is a warning; an optional one, a note."""
    for exc in missing:
        if not state.report_once("missing", exc.spec.name):
            continue
        if exc.spec.required:
            logger.warning(
                "benchpost: %s", exc, location=location, type="benchpost", subtype="interpreter"
            )
        else:
            logger.info("benchpost: optional interpreter %s; its column is left out", exc)


# -- which posts to read again ----------------------------------------------
#
# Sphinx re-reads a post when its source or a noted dependency changes. Its
# numbers can also change when a result disappears (the cache was cleared) or
# was never there (a benchmark failed, an interpreter was missing): such a
# post is read again on the next build, and the store decides what to measure.

_INCOMPLETE = "<incomplete>"


def record_results(env: BuildEnvironment, results: Results) -> None:
    """Remember the result files behind the current post's numbers."""
    records: dict[str, set[str]] = env.benchpost_records  # type: ignore[attr-defined]
    paths = records.setdefault(env.docname, set())
    for cell in results.cells.values():
        paths.add(str(cell.path) if cell.ok and cell.path else _INCOMPLETE)
    if results.missing:
        paths.add(_INCOMPLETE)


def mark_incomplete(env: BuildEnvironment) -> None:
    """Read the current post again next build (its numbers could not be shown)."""
    env.benchpost_records.setdefault(env.docname, set()).add(_INCOMPLETE)  # type: ignore[attr-defined]


def _on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if not hasattr(env, "benchpost_records"):
        env.benchpost_records = {}  # type: ignore[attr-defined]


def _on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    records: dict[str, set[str]] = getattr(env, "benchpost_records", {})
    return [
        doc
        for doc, paths in records.items()
        if doc not in removed and any(p == _INCOMPLETE or not Path(p).is_file() for p in paths)
    ]


def _on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "benchpost_records", {}).pop(docname, None)


def _on_env_merge_info(
    app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
) -> None:
    ours = env.benchpost_records  # type: ignore[attr-defined]
    theirs = getattr(other, "benchpost_records", {})
    ours.update({doc: theirs[doc] for doc in docnames if doc in theirs})


def _on_builder_inited(app: Sphinx) -> None:
    _STATE.pop(str(app.doctreedir), None)  # settings may have changed since last build


def _on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    state = _STATE.get(str(app.doctreedir))
    counts = state.store.counts if state and state.store else None
    if not counts:
        # With -j, posts are read in worker processes, which log their own lines.
        if app.parallel <= 1 and exception is None:
            logger.info("benchpost: no post with results was read again; nothing measured")
        return
    logger.info(
        "benchpost: %d results: %d measured, %d from the store, %d recorded, %d failed "
        "(profile %s, cache %s)",
        sum(counts.values()),
        counts["measured"],
        counts["cached"],
        counts["recorded"],
        counts["failed"],
        state.store.profile.name,
        state.settings.cache_dir,
    )


def setup(app: Sphinx) -> dict[str, object]:
    from benchpost import blog, directives, roles

    Settings.register(app)
    directives.register(app)
    roles.register(app)
    blog.register(app)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("build-finished", _on_build_finished)
    app.connect("env-before-read-docs", _on_env_before_read_docs)
    app.connect("env-get-outdated", _on_env_get_outdated)
    app.connect("env-purge-doc", _on_env_purge_doc)
    app.connect("env-merge-info", _on_env_merge_info)
    app.add_css_file("benchpost.css")
    app.connect("builder-inited", _add_static_path)
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 1,
    }


def _add_static_path(app: Sphinx) -> None:
    static = str(Path(__file__).with_name("static"))
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
