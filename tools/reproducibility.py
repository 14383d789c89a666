"""Do the post's ratios hold from one cold build to the next?

Measures the suite's tables (times, every group, every configured
interpreter) N times, each into its own empty cache, exactly as a cold
build would, and prints for every ratio the N estimates with their 95 %
intervals, the spread (max/min - 1), whether two builds disagree on
faster/slower, and the coverage (how often one build's interval holds
another build's estimate). With ``--busy`` an endless loop keeps one core
busy meanwhile; with ``--aa`` the baseline is compared with itself under
another name (an A/A test: every ratio should read "≈ same").

    python tools/reproducibility.py --builds 3 [--profile quick] [--busy] [--aa]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchpost import stats
from benchpost.measure import allocation
from benchpost.render.format import format_speedup
from benchpost.results import Comparison, paired_rounds
from benchpost.store import MEASURE, ResultStore
from benchpost.suite import InterpreterSpec, Suite, load_suite

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--builds", type=int, default=3)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--suite", type=Path, default=ROOT / "benchmarks" / "suite.yaml")
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    parser.add_argument("--aa", action="store_true", help="the baseline against itself")
    parser.add_argument("--groups", nargs="*", help="groups to measure (default: all)")
    parser.add_argument(
        "--target", type=float, default=0.03, help="standard error to dimension for (0.03)"
    )
    args = parser.parse_args()

    suite = load_suite(args.suite)
    if args.aa:
        suite = _against_itself(suite)
    groups = [suite.group(g) for g in args.groups] if args.groups else list(suite.groups)
    busy = _keep_a_core_busy() if args.busy else None
    builds: list[dict[str, Comparison]] = []
    rounds: list[dict[str, list[float]]] = []
    try:
        for number in range(1, args.builds + 1):
            ratios, log_ratios = _one_build(suite, args.profile, groups, number, args.builds)
            builds.append(ratios)
            rounds.append(log_ratios)
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    _report(builds, aa=args.aa)
    _dimension(rounds, args.target)
    return 0


def _against_itself(suite: Suite) -> Suite:
    """The baseline, and the same interpreter again under another name."""
    base = suite.interpreter(suite.baseline)
    again = InterpreterSpec(
        name=f"{base.name}-again",
        label=f"{base.label} (again)",
        command=base.command,
        args=base.args,
        env=base.env,
    )
    return dataclasses.replace(suite, interpreters=(base, again))


def _keep_a_core_busy() -> subprocess.Popen:
    print("keeping one core busy with an endless loop", file=sys.stderr)
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def _one_build(suite: Suite, profile: str, groups, number: int, total: int):
    """Every ratio of one cold measurement, {"group/bench/interp": Comparison}, and
    each one's per-round log-ratios."""
    with tempfile.TemporaryDirectory(prefix=f"benchpost-repro-{number}-") as cache:
        store = ResultStore(suite, suite.profile(profile), Path(cache), mode=MEASURE)
        started = time.monotonic()
        ratios, log_ratios = {}, {}
        for group in groups:
            results = store.results(group.benchmarks)
            for bench in group.benchmarks:
                for column in results.interpreters:
                    if column.name == results.baseline:
                        continue
                    comparison = results.ratio(bench, column.name)
                    if comparison is None:
                        continue
                    name = f"{group.name}/{bench.name}/{column.name}"
                    ratios[name] = comparison
                    pairs = paired_rounds(
                        results.cell(bench, results.baseline), results.cell(bench, column.name)
                    )
                    log_ratios[name] = stats.round_log_ratios(
                        [b for b, _ in pairs], [o for _, o in pairs]
                    )
        wall = time.monotonic() - started
        print(f"build {number}/{total}: {wall:.0f} s; {store.summary()}", file=sys.stderr)
    return ratios, log_ratios


def _report(builds: list[dict[str, Comparison]], aa: bool) -> None:
    names = sorted(set.intersection(*(set(b) for b in builds)))
    spreads, flips, covered, pairs, same = [], [], 0, 0, 0
    print(f"\n{'ratio':42} {'builds (estimate and 95 % interval)':60} spread")
    for name in names:
        found = [b[name] for b in builds]
        words = [format_speedup(c) for c in found]
        speedups = [c.speedup for c in found]
        spread = max(speedups) / min(speedups) - 1
        verdicts = {("faster" if c.speedup > 1 else "slower") for c in found if c.significant}
        flip = len(verdicts) > 1
        if all(c.significant for c in found):
            spreads.append(spread)
        if flip:
            flips.append(name)
        for a, b in itertools.permutations(found, 2):
            pairs += 1
            covered += a.low <= b.speedup <= a.high
        same += sum(not c.significant for c in found)
        mark = "  FLIP" if flip else ""
        print(f"{name:42} {' | '.join(words):60} {spread:6.1%}{mark}")
    cells = len(names) * len(builds)
    print()
    if spreads:
        print(
            f"ratios whose interval excludes 1 in every build: {len(spreads)}; spread "
            f"median {statistics.median(spreads):.1%}, max {max(spreads):.1%}"
        )
    print(f"faster in one build, slower in another: {len(flips)} {flips or ''}")
    if pairs:
        print(f"coverage (one build's interval holds another's estimate): {covered / pairs:.0%}")
    if aa:
        print(f"A/A: {same} of {cells} ratios read \u201c\u2248 same\u201d ({same / cells:.0%})")


def _dimension(rounds: list[dict[str, list[float]]], target: float) -> None:
    """How many rounds each ratio would need for a standard error of ``target``."""
    names = sorted(set.intersection(*(set(b) for b in rounds)))
    factors = []
    heading = "dimensioning (per-round spread of the log-ratio)"
    print(f"\n{heading:54} rounds  needed for {target:.0%}")
    for name in names:
        sds = [statistics.stdev(r[name]) for r in rounds if len(r[name]) > 1]
        done = statistics.median(len(r[name]) for r in rounds)
        if not sds or not done:
            continue
        sd = statistics.median(sds)
        needed = allocation.rounds_for(sd, math.log1p(target))
        factors.append(needed / done)
        print(f"{name:42} {sd:10.1%} {done:7g} {needed:8.0f}")
    if factors:
        median, most = statistics.median(factors), max(factors)
        print(
            f"a {target:.0%} standard error on every ratio needs {median:.1f}x (median) "
            f"to {most:.1f}x (max) the rounds measured here (with a mean of rounds; "
            "a median needs about 1.6x more)"
        )


if __name__ == "__main__":
    sys.exit(main())
