"""What one build knows: its settings, its suite, its store; and how it talks.

One ``BuildState`` per build (per process, with ``-j``), made on first use
and dropped at ``builder-inited``, so that a changed ``conf.py`` or
environment takes effect. Every message benchpost gives during a build goes
through ``warn`` and ``report_once``: each problem is said once, where it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from benchpost.config import Settings
from benchpost.measure.metric import Metric
from benchpost.measure.registry import DEFAULT
from benchpost.store import ResultStore
from benchpost.suite import Suite, SuiteError, load_suite

logger = logging.getLogger("benchpost")


@dataclass
class BuildState:
    """What one build (one process, with ``-j``) knows: settings, suite, store."""

    settings: Settings
    suite: Suite | None = None
    store: ResultStore | None = None
    error: SuiteError | LookupError | None = None
    #: the metrics this build may show, the default first
    metrics: tuple[Metric, ...] = (DEFAULT,)
    reported: set[tuple[str, ...]] = field(default_factory=set)
    #: posts read in this build, and whether each is frozen (``sphinx.frozen``)
    frozen: dict[str, bool] = field(default_factory=dict)
    frozen_stores: dict[str, ResultStore] = field(default_factory=dict)
    #: in a freezing build: some number of the post could not be shown
    freeze_incomplete: bool = False

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
        try:
            settings = Settings.from_sphinx(env.config, Path(env.srcdir), Path(env.doctreedir))
        except LookupError as exc:  # a setting that cannot be read: said at the first element
            _STATE[key] = BuildState(Settings(), error=exc)
            return _STATE[key]
        state = BuildState(settings)
        try:
            state.metrics = settings.enabled_metrics()
            state.suite = load_suite(settings.suite)
            state.store = ResultStore(
                state.suite,
                state.suite.profile(settings.profile),
                Path(settings.cache_dir),
                settings.timeout,
                progress=log_progress,
                mode=settings.mode,
                names=settings.interpreters,
                machine=settings.machine,
                recorded_set=settings.recorded_set,
            )
        except (SuiteError, LookupError) as exc:
            state.error = exc
        _STATE[key] = state
    return _STATE[key]


def forget_build(doctreedir: str) -> None:
    """Drop the state of a build: settings may have changed since the last one."""
    _STATE.pop(doctreedir, None)


def known_build(doctreedir: str) -> BuildState | None:
    return _STATE.get(doctreedir)


def warn(message: str, location: object, subtype: str) -> None:
    """A located warning (an error under ``-W``)."""
    logger.warning("benchpost: %s", message, location=location, type="benchpost", subtype=subtype)


def log_progress(message: str) -> None:
    logger.info(
        "benchpost: %s",
        message,
        color="darkgreen" if message.startswith(("measured", "counted")) else None,
    )
