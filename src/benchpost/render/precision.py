"""Which published ratios are wider than their profile's target, and what they would need.

A profile with a ``target`` plans every ratio's rounds to reach it
(``measure.allocation``); when the budget or ``max_rounds`` ends first, the
post publishes the real interval, and its note and the command that measured
it name each ratio still wider, with the rounds it would need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from benchpost.measure.allocation import rounds_half, rounds_to_narrow
from benchpost.measure.planning import SLACK
from benchpost.results import Results, paired_rounds


@dataclass(frozen=True)
class Wide:
    """One ratio wider than the target: its row, column, half-width and rounds."""

    benchmark: str
    interpreter: str  # the column's label
    half: float  # relative half-width of its published 95 % interval
    rounds: int  # rounds it was measured in
    more: int  # rounds it would need more (0: unknown)


def wider_than_target(results: Results) -> list[Wide]:
    """The paired ratios of ``results`` whose published interval is wider than the
    profile's ``target`` ([] if the profile states none, or for counts)."""
    profile = results.profile
    if not profile.target or results.metric.deterministic:
        return []
    reference = results.interpreter(results.baseline)
    if reference is None:
        return []
    wide = []
    for bench in results.benchmarks:
        for column in results.interpreters:
            ratio = results.ratio(bench, column.name)
            if column is reference or ratio is None or not ratio.paired:
                continue
            half = math.sqrt(ratio.high / ratio.low) - 1 if ratio.low > 0 else math.inf
            if half <= profile.target + SLACK:
                continue
            ours, theirs = results.cell(bench, column.name), results.cell(bench, reference.name)
            done = len(paired_rounds(theirs, ours))
            more = _more(half, done, results)
            wide.append(Wide(bench.name, column.spec.label, half, done, more))
    return wide


def _more(half: float, done: int, results: Results) -> int:
    """The rounds past ``done`` that would bring ``half`` (between builds included)
    within the target; 0 if the target cannot be reached or the width is unknown."""
    profile = results.profile
    rounds_only = rounds_half(half, profile.between_builds)
    if not (math.isfinite(rounds_only) and profile.rounds_target > 0):
        return 0
    return rounds_to_narrow(rounds_only, done, profile.rounds_target) - done


def wide_sentence(wide: list[Wide], target: float) -> str:
    """The note's sentence on the ratios wider than ``target`` ("" if none)."""
    if not wide:
        return ""
    listed = "; ".join(
        f"{w.benchmark} ({w.interpreter}): \u00b1{w.half:.1%} after {w.rounds} rounds"
        + (f", about {w.more} more would reach it" if w.more else "")
        for w in wide
    )
    count = "1 ratio is" if len(wide) == 1 else f"{len(wide)} ratios are"
    return (
        f"{count} wider than the profile's \u00b1{target:.0%} target (its budget or its "
        f"rounds ended first), and shown with the interval measured: {listed}."
    )
