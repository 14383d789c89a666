"""Claims: what a sentence says about the numbers, checked against their intervals.

A post marks a comparison it states, in the style of ``:ref:``: the author's
words, then the claim in angle brackets::

    the branch is :claim:`faster on all four calls <pypy faster than cpython on calls/*>`

The claim's grammar (``parse``)::

    [all|most|any|mean] INTERPRETER [N [to M] times|at least N times] DIRECTION
        [than REFERENCE] on TARGETS
    GROUP/A DIRECTION than GROUP/B on INTERPRETER        (two benchmarks, one interpreter)

``... without the loop`` at the end compares costs per call, the empty loop's
time subtracted, as a ``:subtract-loop:`` table shows them.

DIRECTION is ``faster``, ``slower``, ``same``, ``fewer`` or ``more`` (the last
two: instruction counts), or a grade that ``benchpost_grades`` in ``conf.py``
defines with the same words (``"slow": "1.5 to 3 times slower"``). TARGETS
are ``group/*``, ``group/benchmark``, or several, separated by ``,``.

A verdict comes from the 95 % interval of each ratio (``verdict``): supported
when the whole interval lies in the claimed region, contradicted when none of
it does, inconclusive when it straddles a boundary. "Faster" means more than
``NOISE`` faster (criterion.rs calls a change inside ±1 % "within noise");
"same" is what a table calls "≈ same": an interval that includes 1.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchpost.measure.metric import Metric
from benchpost.measure.registry import metric_named
from benchpost.render.format import format_speedup
from benchpost.results import Results
from benchpost.suite import Benchmark, Suite

#: A ratio within this much of 1 is not "faster" or "slower" (criterion.rs: noise).
NOISE = 0.01

SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive"
QUANTIFIERS = ("all", "most", "any", "mean")
#: Direction words, and the metric each compares.
DIRECTIONS = {"faster": "time", "slower": "time", "same": "time", "fewer": "instructions",
              "more": "instructions"}  # fmt: skip


class ClaimError(ValueError):
    """A claim that cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class Region:
    """Where a ratio (reference / subject: above 1 means the subject is faster or
    executes fewer instructions) must lie for the claim to hold."""

    low: float
    high: float
    #: "same": what a table calls "≈ same" (the interval includes 1)
    same: bool = False

    def verdict(self, low: float, high: float) -> str:
        """The verdict on one ratio's 95 % interval."""
        if self.same:
            return SUPPORTED if low <= 1 <= high else CONTRADICTED
        if self.low <= low and high <= self.high:
            return SUPPORTED
        if high < self.low or low > self.high:
            return CONTRADICTED
        return INCONCLUSIVE


@dataclass(frozen=True)
class Claim:
    """One claim, as parsed."""

    text: str
    quantifier: str
    subject: str  # an interpreter, or "group/benchmark" (two benchmarks)
    region: Region
    metric: str
    reference: str  # an interpreter ("" : the baseline), or "group/benchmark"
    targets: tuple[str, ...]  # "group/*", "group/benchmark"; or the one interpreter
    words: str  # "faster", "2 to 6 times slower": for the message
    #: "... without the loop": costs per call, as a ``:subtract-loop:`` table shows them
    subtract_loop: bool = False

    @property
    def between_benchmarks(self) -> bool:
        return "/" in self.subject


_CLAIM = re.compile(
    r"^(?:(?P<quantifier>all|most|any|mean)\s+)?(?P<subject>\S+)\s+(?P<verb>.+?)"
    r"(?:\s+than\s+(?P<reference>\S+))?\s+on\s+(?P<targets>.+)$"
)
_TIMES = re.compile(
    r"^(?:(?P<least>at least\s+)?(?P<low>\d+(?:\.\d+)?)(?:\s+to\s+(?P<high>\d+(?:\.\d+)?))?"
    r"\s+times\s+)?(?P<direction>\w+)$"
)


def parse(text: str, grades: Mapping[str, str] | None = None) -> Claim:
    """The claim ``text`` says; ``ClaimError`` with the grammar otherwise."""
    text = " ".join(text.split())
    subtract_loop = text.endswith(_WITHOUT_LOOP)
    found = _CLAIM.match(text.removesuffix(_WITHOUT_LOOP))
    if found is None:
        raise ClaimError(f"cannot read the claim {text!r}: {_GRAMMAR}")
    verb = found["verb"]
    words = (grades or {}).get(verb, verb)
    region, metric = _region(words, text)
    targets = tuple(t.strip() for t in found["targets"].split(",") if t.strip())
    between = "/" in found["subject"]
    if between and (found["reference"] is None or "/" not in found["reference"]):
        raise ClaimError(f"claim {text!r} compares a benchmark with nothing: {_GRAMMAR}")
    if not between and any("/" not in t for t in targets):
        raise ClaimError(f"claim {text!r}: its targets are group/benchmark or group/*")
    return Claim(
        text=text,
        quantifier=found["quantifier"] or "all",
        subject=found["subject"],
        region=region,
        metric=metric,
        reference=found["reference"] or "",
        targets=targets,
        words=verb,
        subtract_loop=subtract_loop,
    )


_WITHOUT_LOOP = " without the loop"
_GRAMMAR = (
    "write '[all|most|any|mean] INTERPRETER [N [to M] times] faster|slower|same|fewer|more"
    "|GRADE [than INTERPRETER] on GROUP/* or GROUP/BENCHMARK, ... [without the loop]', or "
    "'GROUP/A slower than GROUP/B on INTERPRETER'"
)


def _region(words: str, text: str) -> tuple[Region, str]:
    """The region a direction (and range) claims, and the metric it compares."""
    found = _TIMES.match(words)
    direction = found["direction"] if found else ""
    if direction not in DIRECTIONS:
        raise ClaimError(
            f"claim {text!r}: {words!r} is not faster, slower, same, fewer, more or a "
            f"grade of benchpost_grades in conf.py"
        )
    if direction == "same":
        return Region(1.0, 1.0, same=True), DIRECTIONS[direction]
    if not found["low"]:  # "faster": past the noise
        low, high = 1 + NOISE, math.inf
    elif found["least"]:  # "at least 3 times faster"
        low, high = float(found["low"]), math.inf
    elif found["high"]:  # "2 to 6 times faster"
        low, high = float(found["low"]), float(found["high"])
    else:  # "2 times faster": about 2
        low, high = float(found["low"]) / (1 + NOISE * 5), float(found["low"]) * (1 + NOISE * 5)
    if direction in ("slower", "more"):
        low, high = 1 / high, 1 / low
    return Region(low, high), DIRECTIONS[direction]


def combine(quantifier: str, verdicts: Sequence[str]) -> str:
    """One verdict from the verdicts on each target."""
    supported = sum(v == SUPPORTED for v in verdicts)
    contradicted = sum(v == CONTRADICTED for v in verdicts)
    if quantifier == "any":
        if supported:
            return SUPPORTED
        return CONTRADICTED if contradicted == len(verdicts) else INCONCLUSIVE
    if quantifier == "most":
        if supported * 2 > len(verdicts):
            return SUPPORTED
        return CONTRADICTED if contradicted * 2 >= len(verdicts) else INCONCLUSIVE
    if contradicted:  # "all" (and "mean", which has one)
        return CONTRADICTED
    return SUPPORTED if supported == len(verdicts) else INCONCLUSIVE


class Unmeasured(LookupError):
    """A number the claim rests on could not be measured (said where it is)."""


#: How a claim gets its numbers: the benchmarks, interpreters and metric -> Results.
Shown = Callable[[list[Benchmark], list[str], Metric], Results]


def check(claim: Claim, suite: Suite, shown: Shown) -> tuple[str, str]:
    """The claim's verdict, and what was measured (one phrase per target)."""
    metric = metric_named(claim.metric)
    if claim.between_benchmarks:
        ours, theirs = (_benchmarks(suite, t)[0] for t in (claim.subject, claim.reference))
        interpreter = claim.targets[0]
        results = shown([ours, theirs], [interpreter], metric)
        comparisons = [(ours.name, results.between_benchmarks(ours, theirs, interpreter))]
    else:
        benchmarks = [b for target in claim.targets for b in _benchmarks(suite, target)]
        reference = claim.reference or suite.baseline
        results = shown(benchmarks, list(dict.fromkeys([claim.subject, reference])), metric)
        net = claim.subtract_loop
        if claim.quantifier == "mean":
            mean = results.group_ratio(benchmarks, claim.subject, reference, net)
            comparisons = [("geometric mean", mean)]
        else:
            comparisons = [
                (b.name, results.ratio(b, claim.subject, reference, net)) for b in benchmarks
            ]
    usable = [(name, c) for name, c in comparisons if c is not None and c.high > 0]
    if len(usable) < len(comparisons):
        raise Unmeasured("a number the claim rests on is missing")
    verdicts = [claim.region.verdict(c.low, c.high) for _, c in usable]
    measured = ", ".join(f"{name} {format_speedup(c, metric)}" for name, c in usable)
    return combine(claim.quantifier, verdicts), measured


def _benchmarks(suite: Suite, target: str) -> list[Benchmark]:
    group, _, names = target.partition("/")
    return suite.select(group, names)


#: A claim in a post's source: ":claim:`words <claim>`", or ".. claim:: <claim>" over
#: the sentences that make it.
IN_SOURCE = re.compile(
    r":claim:`(?P<words>[^`<]*)<(?P<claim>[^`<>]+)>`|^[ \t]*\.\. claim::[ \t]+(?P<spans>.+)$",
    re.M,
)


def in_source(text: str) -> list[tuple[int, str]]:
    """The claims of a post's source (roles and directives), with their line numbers."""
    return [
        (
            text.count("\n", 0, found.start()) + 1,
            " ".join((found["claim"] or found["spans"]).split()),
        )
        for found in IN_SOURCE.finditer(text)
    ]


# -- the command line ------------------------------------------------------------


def run(args: argparse.Namespace, progress: Callable[[str], None]) -> int:
    """``python -m benchpost claims POST``: every claim of a post, checked as a build
    checks it; the exit code (1 if one is not supported)."""
    from benchpost.config import Settings
    from benchpost.freeze import FreezeError, docname_of, field_value
    from benchpost.store import FROZEN, ResultStore
    from benchpost.store.layout import frozen_dir
    from benchpost.suite import SuiteError, load_suite

    given = {"suite": args.suite, "profile": args.profile, "mode": args.mode,
             "metrics": "time,instructions"}  # fmt: skip
    try:
        typed = {name for name in ("profile", "mode") if given[name]}
        settings = Settings.from_values(
            {k: v for k, v in given.items() if v}, Path.cwd(), Path(args.cache_dir), typed
        )
        suite = load_suite(settings.suite)
        store = ResultStore(suite, suite.profile(settings.profile), Path(settings.cache_dir),
                            settings.timeout, progress, settings.mode)  # fmt: skip
        source = args.post.read_text(encoding="utf-8")
        if field_value(source):  # a frozen post is checked against its frozen numbers
            docname = docname_of(args.post, Path.cwd())
            store = store.sharing(FROZEN, frozen_dir(suite.recorded_dir, docname))
        found = in_source(source)
    except (SuiteError, LookupError, OSError, FreezeError) as exc:
        print(f"benchpost: error: {exc}", file=sys.stderr)
        return 2
    grades = _grades(Path.cwd() / "conf.py")
    contradicted = 0
    for line, text in found:
        try:
            verdict, measured = check(parse(text, grades), suite, store.results_of)
        except (ClaimError, Unmeasured, LookupError) as exc:
            verdict, measured = "unreadable", str(exc)
        contradicted += verdict in (CONTRADICTED, "unreadable")
        print(f"{args.post}:{line}: {verdict}: {text}; measured: {measured}")
    print(f"benchpost: {len(found)} claims, {contradicted} not supported", file=sys.stderr)
    return 1 if contradicted else 0


def _grades(conf: Path) -> dict[str, str]:
    """``benchpost_grades`` of ``conf.py`` (run as Sphinx runs it), {} without one."""
    import runpy

    try:
        return dict(runpy.run_path(str(conf)).get("benchpost_grades", {}))
    except Exception:  # a conf.py that fails here fails the build too
        return {}
