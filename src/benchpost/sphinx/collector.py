"""Which posts to read again: those whose numbers would be different now.

Sphinx reads a post again when its source or a noted dependency is newer
than its last reading. That is not enough for numbers: a result can change
without any file the post names changing its time stamp in the right order
(a C file saved while the build measured, an interpreter upgraded, a
recorded file rewritten in place, a cache cleared). So every post keeps the
*key* of each number it shows (the fingerprint of a measured result, the
digest of a recorded file), and at the start of the next build a post is
read again if any key is not what the store would give today, or if some
number could not be shown at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors import EnvironmentCollector

from benchpost import schema
from benchpost.measure.registry import metric_named
from benchpost.results import Results
from benchpost.sphinx import frozen
from benchpost.sphinx.state import build_state
from benchpost.suite import EMPTY_LOOP


@dataclass(frozen=True)
class Need:
    """One number a post shows, and the key it had when the post was read."""

    group: str
    benchmark: str
    interpreter: str
    metric: str
    key: str


#: A post that could not show every number (a failure, a missing interpreter).
INCOMPLETE = Need("", "", "", "", "")


def _needs(env: BuildEnvironment) -> dict[str, set[Need]]:
    # Kept in the pickled environment, as Sphinx's own collectors keep theirs.
    return vars(env).setdefault("benchpost_needs", {})


def record_results(env: BuildEnvironment, results: Results) -> None:
    """Remember the keys of the numbers the current post shows."""
    needs = _needs(env).setdefault(env.docname, set())
    for cell in results.cells.values():
        bench = cell.benchmark
        if cell.ok and cell.key:
            needs.add(
                Need(bench.group, bench.name, cell.interpreter, results.metric.name, cell.key)
            )
        else:
            needs.add(INCOMPLETE)
    if results.missing:
        needs.add(INCOMPLETE)


def _tests_only(env: BuildEnvironment) -> dict[str, list[str]]:
    return vars(env).setdefault("benchpost_tests_only", {})


def claims_of(env: BuildEnvironment) -> dict[str, list[tuple[str, str, str, str]]]:
    """Each post's claims as checked when it was read: (location, claim, verdict,
    what was measured)."""
    return vars(env).setdefault("benchpost_claims", {})


def note_test_profiles(env: BuildEnvironment, results: Results, names: set[str]) -> None:
    """Remember which profiles made for tests (``names``) the current post's numbers
    come from: such a post is never exported to the clean folder."""
    found = {str(c.metadata().get(schema.PROFILE)) for c in results.cells.values() if c.ok}
    if found & names:
        shown = _tests_only(env).setdefault(env.docname, [])
        shown += sorted(found & names - set(shown))


def test_profiles_of(env: BuildEnvironment, docname: str) -> list[str]:
    """The test-only profiles behind a post's numbers ([] if none)."""
    return _tests_only(env).get(docname, [])


def record_interpreter(env: BuildEnvironment, interpreter: str, metric: str, key: str) -> None:
    """Remember who an interpreter was when the current post named it (the empty
    loop's key stands for it: it changes with the interpreter's identity)."""
    need = Need(EMPTY_LOOP.group, EMPTY_LOOP.name, interpreter, metric, key) if key else INCOMPLETE
    _needs(env).setdefault(env.docname, set()).add(need)


def mark_incomplete(env: BuildEnvironment) -> None:
    """Read the current post again next build (some number could not be shown)."""
    _needs(env).setdefault(env.docname, set()).add(INCOMPLETE)


def is_current(env: BuildEnvironment, docname: str, needs: set[Need]) -> bool:
    """True if every number would be the same today."""
    state = build_state(env)
    if state.store is None or INCOMPLETE in needs or docname == state.settings.freeze:
        return False
    store = frozen.store_for(env, state, docname)
    try:
        return all(
            store.current_key(
                store.suite.benchmark(n.group, n.benchmark), n.interpreter, metric_named(n.metric)
            )
            == n.key
            for n in needs
        )
    except LookupError:  # the benchmark or interpreter is gone from the suite
        return False


class ResultsCollector(EnvironmentCollector):
    """Keeps each post's needs; marks posts whose numbers changed as outdated."""

    def clear_doc(self, app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        _needs(env).pop(docname, None)
        _tests_only(env).pop(docname, None)
        claims_of(env).pop(docname, None)

    def merge_other(
        self, app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment
    ) -> None:
        for kept in (_needs, _tests_only, claims_of):
            ours, theirs = kept(env), kept(other)
            ours.update({doc: theirs[doc] for doc in docnames if doc in theirs})

    def process_doc(self, app: Sphinx, doctree) -> None:
        pass  # the needs are recorded while the post's directives and roles run

    def get_outdated_docs(
        self,
        app: Sphinx,
        env: BuildEnvironment,
        added: set[str],
        changed: set[str],
        removed: set[str],
    ) -> list[str]:
        return [
            doc
            for doc, needs in _needs(env).items()
            if doc not in removed and doc not in changed and not is_current(env, doc, needs)
        ]
