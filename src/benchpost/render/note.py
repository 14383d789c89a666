"""The short "how this was measured" note under every table and chart."""

from __future__ import annotations

import statistics

from benchpost import schema, steady
from benchpost.measure.machine import FULL_CORE
from benchpost.measure.metric import distinct as _distinct
from benchpost.render.precision import wide_sentence, wider_than_target
from benchpost.results import Results, SetFacts


def measurement_note(results: Results) -> str:
    """A few sentences: which set the numbers come from (when, where, on what, with
    which tool and profile), and why.

    Everything comes from the metadata stored with the results, so the note
    describes the runs behind the numbers, not the machine building the
    post. How the values were made is the metric's own sentence.
    """
    if results.sets:
        return _recorded_note(results)
    parts = [_measured_here(results, list(results.interpreters))]
    if results.interpreters and not results.missing:
        parts.append("No recorded value is used.")
    return " ".join(p for p in parts if p) or "No benchmark could be measured."


def _recorded_note(results: Results) -> str:
    """The recorded set(s) a table shows, each with its machine, and why."""
    cells = [c for c in results.cells.values() if c.ok]
    profiles = _distinct(c.metadata().get(schema.PROFILE) for c in cells)
    profile = f", profile \u201c{'/'.join(profiles)}\u201d" if profiles else ""
    what = results.metric.plural
    if results.frozen:
        lead = f"These {what} were frozen with the post"
    elif results.across_sets:
        lead = f"{what[0].upper()}{what[1:]} from {len(results.sets)} recorded sets"
    else:
        lead = f"Every column comes from one recorded set: {what}"
    parts = [f"{lead}{profile}, each set measured side by side on one machine in one run."]
    parts += [set_sentence(facts, results) for facts in results.sets]
    if results.fallback is not None:
        could = ", ".join(results.fallback.measurable) or "none of them"
        parts.append(
            f"Recorded, not measured here: {' '.join(results.fallback.reasons)} This "
            f"machine could measure {could}; a ratio never divides numbers from two "
            f"sets, so every column is the recorded set's. Install what is missing "
            f"and build again to measure everything here."
        )
    parts.append(wide_sentence(wider_than_target(results), results.profile.target))
    stale = sorted({c.benchmark.name for c in results.cells.values() if c.stale})
    if stale and results.frozen:
        parts.append(
            f"The code of {', '.join(stale)} has changed since: these are the values "
            f"measured then."
        )
    return " ".join(p for p in parts if p)


def set_sentence(facts: SetFacts, results: Results) -> str:
    """ "Set box-a: recorded 2026-11-25, AMD EPYC, 2 cores, 23.5 GiB, Linux 6.1, kvm;
    reference loop 11.1 ns (1.60x slower than box-b's)." """
    found = facts.measured_in
    if found is None:
        return f"Set {facts.name}: its files name no set."
    when = found.date.isoformat() if found.date else "on an unknown date"
    text = f"Set {facts.name}: recorded {when} on {found.machine.describe()}"
    if facts.reference_loop:
        base = results.interpreter(results.baseline)
        label = facts.reference or (base.spec.label if base else results.baseline)
        text += f"; reference loop (the empty loop on {label}) "
        text += results.metric.format_value(facts.reference_loop)
        first = results.sets[0]
        if first is not facts and first.reference_loop:
            ratio = facts.reference_loop / first.reference_loop
            word = "slower" if ratio >= 1 else "faster"
            if round(max(ratio, 1 / ratio), 2) == 1:
                text += f", the same as on {first.name}"
            else:
                text += f", {max(ratio, 1 / ratio):.2f}x {word} than on {first.name}"
    return text + "."


def _measured_here(results: Results, here: list) -> str:
    names = {c.name for c in here}
    measured = [c for c in results.cells.values() if c.ok and c.interpreter in names]
    if not measured:
        return ""
    when, machine = _when_and_where(measured)
    metadata = [c.metadata() for c in measured]
    parts = [results.metric.describe(metadata, here, results.profile, when, machine)]
    parts += process_facts(measured)
    parts.append(wide_sentence(wider_than_target(results), results.profile.target))
    if not results.profile.publish and not results.frozen:
        parts.append(
            f"Draft numbers: the profile \u201c{results.profile.name}\u201d is not meant "
            f"for publishing."
        )
    return " ".join(p for p in parts if p)


#: The machine counts as busy when others used more than this share of its CPU time.
BUSY = 0.2


def process_facts(cells: list) -> list[str]:
    """What the worker processes' own metadata says: rounds run, steady states, and
    how busy the machine was (sentences; none for results without processes)."""
    runs = [run for c in cells for run in c.result.get_runs() if run.values]
    rounds = [len(c.by_round()) for c in cells if c.by_round()]
    if not rounds:
        return []
    facts = [
        f"Rounds run per benchmark: {min(rounds)}"
        + (f" to {max(rounds)}" if max(rounds) > min(rounds) else "")
        + "."
    ]
    unsteady = sum(not steady.is_steady(run.values) for run in runs)
    facts.append(
        f"{len(runs) - unsteady} of {len(runs)} processes were steady after their warm-up "
        f"(their first and second half of values within {steady.STEADY_TOLERANCE:.0%} "
        f"or within noise)."
    )
    facts += starved_facts(cells)
    others = [m[schema.OTHER_CPU] for run in runs if schema.OTHER_CPU in (m := run.get_metadata())]
    if others:
        share = statistics.median(others)
        facts.append(
            f"The machine was busy: other processes used {share:.0%} of its CPU time "
            f"(median while measuring); these numbers may be off."
            if share > BUSY
            else f"Other processes used {share:.0%} of the machine's CPU time while measuring."
        )
    return facts


def starved_facts(cells: list) -> list[str]:
    """What the processes that did not have their core to itself became (the rule of
    ``measure.rounds``): measured again, or kept by a draft and counted."""
    metadata = [run.get_metadata() for c in cells if c.ok for run in c.result.get_runs()]
    shares = [m[schema.CPU_SHARE] for m in metadata if schema.CPU_SHARE in m]
    again = sum(int(m.get(schema.REMEASURED, 0)) for m in metadata)
    starved = sum(share < FULL_CORE for share in shares)
    facts = []
    if again:
        facts.append(
            f"{again} processes did not have their core to itself while timed (less than "
            f"{FULL_CORE:.0%} of it) and were thrown away and run again."
        )
    if starved:
        facts.append(
            f"{starved} of {len(shares)} kept processes had less than {FULL_CORE:.0%} of a "
            f"core while timed (another process shared it): their times are too long."
        )
    return facts


def is_busy(cells: list) -> float:
    """The median share of CPU time others used while ``cells`` were measured, if above
    ``BUSY``; else 0."""
    others = [
        m[schema.OTHER_CPU]
        for c in cells
        if c.ok
        for run in c.result.get_runs()
        if schema.OTHER_CPU in (m := run.get_metadata())
    ]
    share = statistics.median(others) if others else 0.0
    return share if share > BUSY else 0.0


def _when_and_where(cells: list) -> tuple[str, str]:
    """ "2026-11-24", "AMD EPYC (2 cores), Linux 6.1.0 (x86_64)": from the results' metadata."""
    metadata = [c.metadata() for c in cells]
    dates = sorted(d.date().isoformat() for c in cells for d in c.result.get_dates() or ())
    when = (
        "on an unknown date"
        if not dates
        else (dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}")
    )
    names = _distinct(m.get(schema.MACHINE) for m in metadata)
    cpus = _distinct(m.get("cpu_model_name") for m in metadata)
    cores = _distinct(m.get("cpu_count") for m in metadata)
    systems = _distinct(_os_name(m.get("platform")) for m in metadata)
    machine = ", ".join(cpus) or "an unknown CPU"
    if cores:
        machine += f" ({'/'.join(cores)} cores)"
    named = f"{' / '.join(names)} (" if names else ""
    return when, f"{named}{machine}, {' / '.join(systems) or 'unknown OS'}{')' if names else ''}"


def missing_note(results: Results) -> str:
    """Which configured interpreters were not found here, and how to get them."""
    return " ".join(f"{exc}." for exc in results.missing)


def _os_name(platform: object) -> str:
    # pyperf's "Linux-6.1.0-13-amd64-x86_64-with-glibc2.36" -> "Linux 6.1.0 (x86_64)"
    if not platform:
        return ""
    parts = str(platform).split("-")
    arch = next((p for p in parts if p in {"x86_64", "aarch64", "arm64", "i686"}), "")
    name = f"{parts[0]} {parts[1]}" if len(parts) > 1 else parts[0]
    return f"{name} ({arch})" if arch else name


def left_out_note(metrics, title: str = "") -> str:
    """What a table of metrics this build leaves out shows instead."""
    what = " and ".join(m.plural for m in metrics)
    lead = f"{title}: " if title else ""
    return (
        f"{lead}{what[0].upper()}{what[1:]} are left out of this build "
        f"(benchpost_metrics in conf.py, or BENCHPOST_METRICS)."
    )
