"""How many rounds each benchmark runs past the pilot, and the progress said meanwhile.

A profile with a ``target`` gets a plan after its pilot (``plan_rounds``:
the pilot's spreads through ``measure.allocation``), grown when a
benchmark's planned rounds leave its interval too wide (``more_rounds``),
and ended by the command's budget. A profile without one runs more rounds
while a ratio is wider than its ``precision``. ``Plan.report`` is the one
progress line a person plans around: benchmarks at target, the widest
interval left, time spent and left.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchpost import stats
from benchpost.measure import allocation
from benchpost.suite import Profile

if TYPE_CHECKING:  # rounds runs the plan: it imports this module
    from benchpost.measure.rounds import Side

#: Seconds between two progress lines.
REPORT_EVERY = 10.0
#: A half-width this close to the target counts as at it (it is printed to a percent).
SLACK = 0.0005


@dataclass
class Plan:
    """The rounds each benchmark runs in all (grown by later stages), what one round
    of each costs, and when the budget ends (``time.monotonic``)."""

    rounds: dict[object, int]
    profile: Profile
    costs: dict[object, float] = field(default_factory=dict)
    started: float = 0.0
    deadline: float = math.inf
    reported: float = 0.0

    def report(
        self, benchmarks: dict[object, list[Side]], number: int, progress: Callable[[str], None]
    ) -> None:
        """One line before round ``number``: how many benchmarks are at target, the widest
        published interval left, the time spent and an estimate of the time left."""
        now = time.monotonic()
        if now - self.reported < REPORT_EVERY:
            return
        self.reported = now
        target = self.profile.target
        published = {key: self._published(group) for key, group in benchmarks.items()}
        at = sum(w <= target + SLACK for w in published.values())
        widest = max(published, key=published.__getitem__)
        left = sum(
            max(0, self.rounds.get(key, 0) - number + 1) * self.costs.get(key, 0.0)
            for key in benchmarks
        )
        left = min(left, max(0.0, self.deadline - now))
        progress(
            f"  round {number}: {at} of {len(benchmarks)} benchmarks at \u00b1{target:.0%}, "
            f"widest \u00b1{published[widest]:.1%} ({getattr(widest, 'name', widest)}); "
            f"{now - self.started:.0f} s so far, about {left:.0f} s left"
        )

    def summary(self, benchmarks: dict[object, list[Side]], progress: Callable[[str], None]):
        """One line per benchmark at the end: its rounds and its widest published
        interval; for one wider than the target, about how many more rounds would do."""
        target = self.profile.target
        for key, group in benchmarks.items():
            alive = [s for s in group if s.error is None]
            done = min((len(s.by_round()) for s in alive), default=0)
            rounds_only = max(half_widths(alive), default=math.inf)
            width = allocation.published_half(rounds_only, self.profile.between_builds)
            if width <= target + SLACK:
                verdict = "at target"
            else:
                more = allocation.rounds_to_narrow(rounds_only, done, self.profile.rounds_target)
                verdict = f"wider than ±{target:.0%}: about {more - done} more rounds"
            progress(f"  {getattr(key, 'name', key)}: {done} rounds, ±{width:.1%} ({verdict})")

    def _published(self, group: list[Side]) -> float:
        """The widest published half-width of a benchmark's ratios (between builds in)."""
        widest = max(half_widths([s for s in group if s.error is None]), default=math.inf)
        return allocation.published_half(widest, self.profile.between_builds)


def more_rounds(
    key: object, sides: list[Side], number: int, profile: Profile, planned: Plan | None
) -> bool:
    """Whether a benchmark runs round ``number`` (past the first ``rounds``): the plan
    says so (a profile with a ``target``), else its ratios are not precise yet."""
    if planned is None:
        return not precise(sides, profile, profile.precision)
    if time.monotonic() > planned.deadline:
        return False  # the budget is spent: the intervals are what they are
    done = number - 1
    if number > planned.rounds.get(key, profile.rounds) or _checkpoint(done, profile.rounds):
        # Its planned rounds are run, or it has run 2, 4, 8 ... times the pilot: plan
        # again from the interval itself. The pilot's spread plans well for normal
        # noise, but one wild round in it planned 150 rounds where 40 did (type-slots
        # Foo().noargs). In simulation (1,500 runs, 5 % noise per round and 5 % wild
        # rounds) these stages halve the rounds (30 instead of 60) at the same coverage
        # (94 %); without them, at 5 % noise, 60 % of the intervals ended within the
        # target instead of all.
        if precise(sides, profile, profile.rounds_target):
            planned.rounds[key] = done
        else:
            widest = max(half_widths(sides), default=math.inf)
            needed = allocation.rounds_to_narrow(widest, done, profile.rounds_target)
            planned.rounds[key] = min(profile.most_rounds, max(number, needed))
    return number <= planned.rounds.get(key, profile.rounds)


def _checkpoint(done: int, pilot: int) -> bool:
    """True after 2, 4, 8 ... times the pilot's rounds."""
    if pilot < 1 or done < 2 * pilot or done % pilot:
        return False
    multiple = done // pilot
    return multiple & (multiple - 1) == 0


def plan_rounds(
    benchmarks: dict[object, list[Side]],
    profile: Profile,
    started: float,
    budget_ends: float,
    progress: Callable[[str], None],
) -> Plan:
    """The rounds each benchmark runs in all, from the pilot (``measure.allocation``),
    said in one line: how many more rounds, about how long, who stops short."""
    needs = [_need(key, group, profile) for key, group in benchmarks.items()]
    now = time.monotonic()
    spent, budget = now - started, max(0.0, budget_ends - now)
    pilot, most = profile.rounds, profile.most_rounds
    planned = allocation.plan(needs, pilot, profile.rounds_target, budget, most)
    extra = {n.key: planned[n.key] - n.done for n in needs}
    reach = profile.rounds_target  # the rounds' share of the published target
    short = [n for n in needs if allocation.half_width(n.spread, planned[n.key], pilot) > reach]
    ending = (
        f"{len(short)} will stay wider than ±{profile.target:.0%} (their rounds or the budget end)"
        if short
        else f"all planned to ±{profile.target:.0%}"
    )
    progress(
        f"  after {pilot} rounds ({spent:.0f} s): {sum(extra.values())} more rounds for "
        f"{sum(1 for e in extra.values() if e)} of {len(needs)} benchmarks, about "
        f"{sum(extra[n.key] * n.cost for n in needs):.0f} s; {ending}"
    )
    costs = {n.key: n.cost for n in needs}
    return Plan(planned, profile, costs, started, budget_ends, reported=now)


def _need(key: object, group: list[Side], profile: Profile) -> allocation.Need:
    """What the pilot says of one benchmark: its spread, rounds and cost per round."""
    alive = [s for s in group if s.error is None]
    rounds = [s.by_round() for s in alive]
    pairs = [(a, b) for i, a in enumerate(rounds) for b in rounds[i + 1 :]]
    # what a round cost in the pilot, plus the values the processes now take more
    longer = (profile.min_time * 1.5) * sum(s.values - profile.values for s in alive)
    pilot_cost = sum(statistics.fmean(s.process_seconds) for s in alive if s.process_seconds)
    done = min((len(r) for r in rounds), default=0)
    return allocation.Need(key, allocation.spread_of(pairs), done, pilot_cost + longer)


def precise(sides: Sequence[Side], profile: Profile, width: float) -> bool:
    """True if no paired ratio needs more rounds: its 95 % interval from the rounds is
    within ``width``, or the rounds' own uncertainty is already below half of
    what varies between builds (``between_builds``), which more rounds cannot shrink."""
    if width <= 0:
        return True
    enough = math.log1p(profile.between_builds) / 2
    return all(
        half <= width or math.log1p(half) / stats.Z975 <= enough for half in half_widths(sides)
    )


def half_widths(sides: Sequence[Side]) -> list[float]:
    """The relative half-width of each paired ratio's 95 % interval from the rounds."""
    widths = []
    for i, first in enumerate(sides):
        for second in sides[i + 1 :]:
            a, b = first.by_round(), second.by_round()
            common = sorted(a.keys() & b.keys())
            log_ratio = stats.paired_log_ratio([a[r] for r in common], [b[r] for r in common])
            low, high = log_ratio.interval()
            widths.append(math.expm1((high - low) / 2))
    return widths
