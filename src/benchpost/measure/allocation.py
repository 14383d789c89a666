"""How many rounds each benchmark gets when a profile states a target width.

A profile may state ``target``: the half-width of each published ratio's
95 % interval (0.03: ±3 %), and ``budget``: the seconds the rounds may take.
After a pilot of the profile's ``rounds`` rounds, each benchmark's spread
(the standard deviation of one round's log-ratio, for its widest pair of
interpreters) says how many rounds it needs: Stein's two-stage rule (Stein
1945) takes the pilot's Student t quantile, so the width holds without the
optimism of stopping at the first interval that happens to be narrow; the
post publishes the Hodges-Lehmann centre of the rounds' ratios, which needs
about pi/3 times the rounds of a mean for normal noise. When those rounds cost more
than the budget left, each next round goes where it narrows an interval
still wider than the target most per second, Neyman's idea of spending
where the variance is. The rounds themselves stay interleaved
(``measure.rounds``).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from benchpost import stats

#: Rounds the Hodges-Lehmann centre needs beside a mean, for normal noise (its
#: efficiency is 3/pi; Hollander, Wolfe & Chicken 2014, sec. 3.2).
ESTIMATOR_COST = math.pi / 3


@dataclass(frozen=True)
class Need:
    """What the pilot says of one benchmark."""

    key: Hashable  # the benchmark
    spread: float  # standard deviation of one round's log-ratio
    done: int  # rounds run
    cost: float  # seconds one round of it takes


def stein_rounds(spread: float, pilot: int, target: float) -> int:
    """The rounds for a 95 % half-width of ``target`` (relative), by Stein's rule."""
    if pilot < 2 or not math.isfinite(spread):
        return pilot
    width = math.log1p(target)
    return max(
        pilot, math.ceil(ESTIMATOR_COST * (stats.t_quantile(pilot - 1) * spread / width) ** 2)
    )


def half_width(spread: float, rounds: int, pilot: int) -> float:
    """The relative 95 % half-width ``rounds`` rounds are expected to give."""
    if rounds < 1:
        return math.inf
    t = stats.t_quantile(pilot - 1) if pilot >= 2 else math.inf
    return math.expm1(t * spread * math.sqrt(ESTIMATOR_COST / rounds))


def plan(
    needs: Sequence[Need], pilot: int, target: float, budget: float, most: int
) -> dict[Hashable, int]:
    """The rounds each benchmark runs in all (at least those done, at most ``most``):
    what Stein's rule asks if the budget pays for it; else, round by round, the one
    that narrows a too-wide interval most per second, while the budget lasts."""
    wanted = {n.key: min(most, stein_rounds(n.spread, pilot, target)) for n in needs}
    cost = sum(max(0, wanted[n.key] - n.done) * n.cost for n in needs)
    if cost <= budget:
        return {n.key: max(n.done, wanted[n.key]) for n in needs}
    planned = {n.key: n.done for n in needs}
    left = budget
    while True:
        open_ = [n for n in needs if planned[n.key] < wanted[n.key] and n.cost <= left]
        if not open_:
            return planned
        best = max(open_, key=lambda n: _gain(n, planned[n.key], pilot) / max(n.cost, 1e-9))
        planned[best.key] += 1
        left -= best.cost


def _gain(need: Need, rounds: int, pilot: int) -> float:
    """How much one more round narrows the interval."""
    return half_width(need.spread, rounds, pilot) - half_width(need.spread, rounds + 1, pilot)


def published_half(rounds_half: float, between_builds: float) -> float:
    """The published half-width of an interval ``rounds_half`` wide from its rounds:
    ``between_builds`` added in quadrature on the log scale, as
    ``stats.with_between_builds`` adds it."""
    floor = stats.Z975 * math.log1p(between_builds)
    return math.expm1(math.hypot(math.log1p(rounds_half), floor))


def rounds_half(published: float, between_builds: float) -> float:
    """The half-width the rounds gave a published interval (``published_half`` undone;
    0 when ``between_builds`` alone is that wide)."""
    floor = stats.Z975 * math.log1p(between_builds)
    return math.expm1(math.sqrt(max(0.0, math.log1p(published) ** 2 - floor**2)))


def rounds_to_narrow(half: float, rounds: int, target: float) -> int:
    """The rounds in all that bring an interval ``half`` wide after ``rounds`` rounds
    (relative half-width) to ``target``: a width shrinks as one over the square root
    of the rounds. Past the pilot this reads the published interval itself, not a
    standard deviation: a few wild rounds (a process that ran 20 % slow) inflate the
    one, the Hodges-Lehmann interval shrugs them off, and planning on the standard
    deviation ran 96 rounds for an interval the rounds had brought within target at 40
    (calls/onearg(None), sd 9 %, interval 1.2 %)."""
    if not (math.isfinite(half) and half > 0 and target > 0):
        return rounds
    return max(rounds, math.ceil(rounds * (math.log1p(half) / math.log1p(target)) ** 2))


def spread_of(pairs: Sequence[tuple[dict[int, float], dict[int, float]]]) -> float:
    """The largest standard deviation of a round's log-ratio over ``pairs`` of
    interpreters (each one's process means by round); NaN with fewer than 2 rounds."""
    spreads = []
    for first, second in pairs:
        common = sorted(first.keys() & second.keys())
        logs = stats.round_log_ratios([first[r] for r in common], [second[r] for r in common])
        if len(logs) >= 2:
            spreads.append(statistics.stdev(logs))
    return max(spreads, default=math.nan)


# -- Kalibera & Jones's dimensioning --------------------------------------------


def values_per_process(
    process_means: Sequence[float],
    within_variance: float,
    values: int,
    process_cost: float,
    value_cost: float,
) -> float:
    """How many values a process should take (Kalibera & Jones 2013, sec. 4).

    With two levels of repetition, the variance of the grand mean per unit
    of cost is smallest at ``sqrt((process_cost / value_cost) * (within /
    between))`` values per process, where ``between`` is the variance
    *between* processes that is not explained by the values' own noise
    (``var(process means) - within / values``). Returns ``inf`` when no such
    variance is seen (then longer processes are always better).
    """
    if len(process_means) < 2 or value_cost <= 0:
        return math.nan
    between = statistics.variance(process_means) - within_variance / values
    if between <= 0:
        return math.inf
    return math.sqrt(max(process_cost, 0.0) / value_cost * within_variance / between)


def rounds_for(per_round_sd: float, target_se: float) -> float:
    """Rounds a paired ratio needs for a standard error of ``target_se`` (both on the
    log scale): the mean of K per-round log-ratios has ``sd / sqrt(K)``, so K is
    ``(sd / target_se)**2`` (the Hodges-Lehmann centre needs about pi/3 times as
    many for normal noise). This is Kalibera & Jones's dimensioning (2013, sec. 4) at the one
    level a paired ratio repeats: the round. NaN when unknown.
    """
    if not (per_round_sd >= 0 and target_se > 0):
        return math.nan
    return max(1.0, (per_round_sd / target_se) ** 2)
