"""Frozen posts: a published post keeps its numbers (as Quarto's ``freeze``, per post).

``python -m benchpost freeze posts/x.rst`` builds the site with
``benchpost_freeze`` set to that post: the post is measured as any live
post, and every result it shows is copied into its own folder,
``benchmarks/results/frozen/<post>/`` (``store.layout.frozen_dir``); the
command then adds ``:frozen: <date>`` to the post's field list. From then
on, every build reads that post's numbers from its folder and measures
nothing for it: a change of C code or of the suite for another post
neither measures it again nor changes it. A frozen post whose benchmark
code changed since shows what was measured then, and its note says so.
Running the same command again refreshes it, on purpose.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.matching import get_matching_files

from benchpost.freeze import COMPLETE, FIELD, field_value, staging_of
from benchpost.results import Results
from benchpost.sphinx.state import BuildState, build_state
from benchpost.store import FROZEN, ResultStore, recorded
from benchpost.store.layout import RecordedLayout, frozen_dir


def staging_dir(store: ResultStore, docname: str) -> Path:
    """Where a freezing build puts the post's results (moved in place by the command)."""
    return staging_of(frozen_dir(store.suite.recorded_dir, docname))


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    """Note, before its directives run, whether a post is frozen."""
    state = build_state(app.env)
    state.frozen[docname] = bool(field_value(source[0]))


def is_frozen(env: BuildEnvironment, state: BuildState, docname: str) -> bool:
    if docname == state.settings.freeze:
        return False  # being frozen now: measured as a live post
    if docname in state.frozen:  # read in this build
        return state.frozen[docname]
    return bool(env.metadata.get(docname, {}).get(FIELD))


def store_for(env: BuildEnvironment, state: BuildState, docname: str) -> ResultStore:
    """The store a post's numbers come from: its frozen results, or the build's store."""
    assert state.store is not None
    if not is_frozen(env, state, docname):
        return state.store
    if docname not in state.frozen_stores:
        folder = frozen_dir(state.suite.recorded_dir, docname)
        state.frozen_stores[docname] = state.store.sharing(FROZEN, folder)
    return state.frozen_stores[docname]


def keep(env: BuildEnvironment, state: BuildState, results: Results) -> None:
    """In a freezing build, copy the frozen post's results into its staging folder."""
    if env.docname != state.settings.freeze or state.store is None:
        return
    layout = RecordedLayout(staging_dir(state.store, env.docname))
    if results.across_sets:
        return  # recorded sets, committed already; a frozen folder holds one set
    for (bench, interp), cell in results.cells.items():
        if cell.ok and cell.path is not None:
            recorded.save(layout.result(interp, bench, results.metric), cell.path)
        else:
            state.freeze_incomplete = True
    if results.missing:
        state.freeze_incomplete = True


def left_out(env: BuildEnvironment, state: BuildState) -> None:
    """In a freezing build, a metric the post shows is left out: not every number."""
    if env.docname == state.settings.freeze:
        state.freeze_incomplete = True


def read_only_one_post(app: Sphinx, config: Config) -> None:
    """A freezing build reads the post it freezes (and the root document), no other:
    another live post would be measured with the freeze's profile, for nothing (the
    freeze builds in folders of its own, thrown away; ``benchpost.freeze``). So does
    the build of ``show posts/x.rst`` (``benchpost_only``)."""
    freezing = getattr(config, "benchpost_freeze", "") or getattr(config, "benchpost_only", "")
    if not freezing:
        return
    suffixes = config.source_suffix
    suffixes = (suffixes,) if isinstance(suffixes, str) else tuple(suffixes)
    keep = {freezing, config.root_doc}
    found = get_matching_files(app.srcdir, config.include_patterns, config.exclude_patterns)
    others = [
        name
        for name in found
        for suffix in suffixes
        if name.endswith(suffix) and name[: -len(suffix)] not in keep
    ]
    config.exclude_patterns = [*config.exclude_patterns, *others]
    # the root document's table of contents names them: that is expected here
    config.suppress_warnings = [*config.suppress_warnings, "toc.excluded", "toc.not_readable"]


def start_freezing(app: Sphinx) -> None:
    """A freezing build starts from an empty staging folder."""
    state = build_state(app.env)
    if state.settings.freeze and state.store is not None:
        shutil.rmtree(staging_dir(state.store, state.settings.freeze), ignore_errors=True)


def finish_freezing(app: Sphinx, exception: Exception | None) -> None:
    """Mark the staging folder complete if the post showed every number."""
    state = build_state(app.env)
    if not state.settings.freeze or state.store is None or exception is not None:
        return
    staging = staging_dir(state.store, state.settings.freeze)
    if staging.is_dir() and not state.freeze_incomplete:
        (staging / COMPLETE).write_text(state.settings.freeze + "\n", encoding="utf-8")
