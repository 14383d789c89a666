"""``:claim:`the author's words <the claim>```: a sentence the data must support;
``.. claim:: <the claim>`` for one that spans sentences (its content).

The role shows the author's words; the claim in angle brackets is checked
against the intervals of the set the post's tables show (``benchpost.claims``)
at every build. A contradicted claim is a warning at its line (an error under
``-W``) that quotes the data; an inconclusive one is a warning of its own
subtype (``benchpost.claim-inconclusive``), which ``suppress_warnings`` in
``conf.py`` can silence. The build's last lines count the verdicts.
"""

from __future__ import annotations

import contextlib
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from benchpost.claims import (
    CONTRADICTED,
    INCONCLUSIVE,
    SUPPORTED,
    Claim,
    ClaimError,
    Unmeasured,
    check,
    parse,
)
from benchpost.measure.interpreters import Column
from benchpost.measure.metric import Metric
from benchpost.results import Results
from benchpost.sphinx.collector import claims_of, mark_incomplete
from benchpost.sphinx.fetch import Unavailable, fetch_results, usable_state
from benchpost.sphinx.roles import _Role
from benchpost.sphinx.state import BuildState, known_build, warn
from benchpost.suite import Benchmark, Profile

logger = logging.getLogger("benchpost")

_WITH_CLAIM = re.compile(r"^(?P<words>.*?)\s*<(?P<claim>[^<>]+)>\s*$", re.S)


class ClaimRole(_Role):
    """``:claim:`words <claim>```: the words, checked."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        location = self.location()
        found = _WITH_CLAIM.match(self.text)
        words = found["words"] if found else self.text
        if found is None:
            example = ":claim:`faster <pypy faster than cpython on calls/*>`"
            message = f"{self.rawtext}: the claim goes in angle brackets after the words: "
            warn(message + example, location, "claim")
            verdict = ""
        else:
            verdict = judge(self.env, location, found["claim"], self.config.benchpost_grades)
        return [nodes.inline(self.rawtext, words, classes=_classes(verdict))], []


class ClaimDirective(SphinxDirective):
    """``.. claim:: <claim>`` over the sentences that make it (one or more paragraphs)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        location = self.get_location()
        verdict = judge(self.env, location, self.arguments[0], self.config.benchpost_grades)
        container = nodes.container(classes=_classes(verdict))
        container += self.parse_content_to_nodes()
        return [container]


def _classes(verdict: str) -> list[str]:
    return ["benchpost-claim", *([f"benchpost-claim-{verdict}"] if verdict else [])]


def judge(env, location: str, text: str, grades: dict) -> str:
    """Check a claim, say what is wrong at ``location``, remember its verdict for the
    summary; the verdict ("" if it could not be checked)."""
    try:
        state = usable_state(env, location)
        claim = parse(text, grades)
        verdict, measured, profile = _check(claim, env, location, state)
    except Unavailable:
        return ""
    except (ClaimError, LookupError) as exc:
        mark_incomplete(env)
        warn(str(exc.args[0]), location, "claim")
        return ""
    claims_of(env).setdefault(env.docname, []).append((location, claim.text, verdict, measured))
    message = f"{claim.text}; measured: {measured}"
    if verdict != SUPPORTED and profile.tests_only:
        # Two rounds decide little, and a test profile's numbers are never published.
        logger.info("benchpost: claim %s with the %r profile: %s", verdict,
                    profile.name, message, location=location)  # fmt: skip
    elif verdict == CONTRADICTED:
        warn(f"claim not supported: {message}", location, "claim")
    elif verdict == INCONCLUSIVE:
        warn(f"claim not conclusive: {message}", location, "claim-inconclusive")
    return verdict


def _check(claim: Claim, env, location: str, state: BuildState) -> tuple[str, str, Profile]:
    """The claim checked against the numbers this post shows (``fetch_results``), and
    the profile those numbers were measured with (a frozen post's own, not the build's)."""
    profiles: list[Profile] = []

    def shown(benchmarks: list[Benchmark], names: list[str], metric: Metric) -> Results:
        grid = fetch_results(env, location, benchmarks, names, [metric])
        if not grid:
            raise Unavailable(f"{metric.plural} are left out of this build")
        profiles.append(grid[0].profile)
        return grid[0]

    try:
        verdict, measured = check(claim, state.suite, shown)
    except Unmeasured as exc:
        raise Unavailable(str(exc)) from None  # reported where the number is missing
    tests_only = [p for p in profiles if p.tests_only]
    return verdict, measured, (tests_only or profiles or [state.store.profile])[0]


#: A version named in prose: "PyPy 5.9", "CPython 3.12".
_VERSION = re.compile(r"\b(PyPy|CPython)\s+(\d+(?:\.\d+)+)\b")


def check_versions(app: Sphinx, doctree: nodes.document) -> None:
    """Warn where the prose names an interpreter version that no column of this build
    has ("These are the results on PyPy 5.9" over PyPy 7.3.11's numbers)."""
    named = [
        (text, found.group(0))
        for text in doctree.findall(nodes.Text)
        if not _quoted(text)
        for found in _VERSION.finditer(text.astext())
    ]
    state = known_build(str(app.doctreedir))
    if not named or state is None or state.store is None:
        return  # most pages name no version: nothing to probe or read for them
    shown = set()
    for spec in state.suite.interpreters:
        with contextlib.suppress(LookupError):
            column = state.store.column(spec.name, state.metrics[0])
            if isinstance(column, Column):
                shown.add(column.display)
    for text, version in named:
        if not any(d == version or d.startswith(f"{version}.") for d in shown):
            warn(
                f"the text names {version}, but no column of this build is {version} "
                f"(they are {', '.join(sorted(shown)) or 'none'}): "
                f"quote the version with :bench-interpreter: instead",
                text.parent,
                "version",
            )


def _quoted(text: nodes.Text) -> bool:
    """True inside code, or inside what benchpost itself wrote (a role's value)."""
    for parent in _ancestors(text):
        if isinstance(parent, nodes.literal | nodes.literal_block | nodes.raw):
            return True
        if any(c.startswith("benchpost") for c in parent.get("classes", [])):
            return True
    return False


def _ancestors(node: nodes.Node):
    while node.parent is not None:
        node = node.parent
        yield node


def summary(app: Sphinx, exception: Exception | None) -> None:
    """The verdicts of every post's claims, in one line at the end of the build."""
    found = [c for claims in claims_of(app.env).values() for c in claims]
    if exception is not None or not found:
        return
    counts = {v: sum(c[2] == v for c in found) for v in (SUPPORTED, CONTRADICTED, INCONCLUSIVE)}
    logger.info(
        "benchpost: claims: %d supported, %d contradicted, %d inconclusive",
        counts[SUPPORTED],
        counts[CONTRADICTED],
        counts[INCONCLUSIVE],
    )


def register(app: Sphinx) -> None:
    app.add_role("claim", ClaimRole())
    app.add_directive("claim", ClaimDirective)
    # Named grades: words a post may claim, defined once ("slow": "1.5 to 3 times slower").
    app.add_config_value("benchpost_grades", {}, "env", [dict])
    app.connect("doctree-read", check_versions)
    app.connect("build-finished", summary)
