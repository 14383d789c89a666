"""The short "how this was measured" note under every table and chart."""

from __future__ import annotations

import statistics

from benchpost import schema, stats
from benchpost.measure.metric import distinct as _distinct
from benchpost.results import Results


def measurement_note(results: Results) -> str:
    """One or two sentences: when, where, on what, with which tool and profile.

    Everything comes from the metadata stored with the results, so the note
    describes the runs behind the numbers, not the machine building the
    post; columns recorded elsewhere get a sentence of their own. How the
    values were made is the metric's own sentence.
    """
    here = [c for c in results.interpreters if c.provenance is None]
    parts = [_measured_here(results, here)] if here else []
    if results.frozen:
        parts.append("These numbers were frozen with the post:")
    for column in results.interpreters:
        if column.provenance is not None:
            cells = [c for c in results.cells.values() if c.interpreter == column.name and c.ok]
            profiles = _distinct(c.metadata().get(schema.PROFILE) for c in cells)
            profile = f", profile \u201c{'/'.join(profiles)}\u201d" if profiles else ""
            what = f", {results.metric.plural}" if results.metric.file_tag else ""
            parts.append(f"{column.long_display}{what}: {column.provenance.describe()}{profile}.")
    stale = sorted({c.benchmark.name for c in results.cells.values() if c.stale})
    if stale and results.frozen:
        parts.append(
            f"The code of {', '.join(stale)} has changed since: these are the values "
            f"measured then."
        )
    if here and len(here) == len(results.interpreters) and not results.missing:
        parts.append("No recorded value is used.")
    return " ".join(p for p in parts if p) or "No benchmark could be measured."


def _measured_here(results: Results, here: list) -> str:
    names = {c.name for c in here}
    measured = [c for c in results.cells.values() if c.ok and c.interpreter in names]
    if not measured:
        return ""
    when, machine = _when_and_where(measured)
    metadata = [c.metadata() for c in measured]
    parts = [results.metric.describe(metadata, here, results.profile, when, machine)]
    parts += process_facts(measured)
    if not results.profile.publish and not results.frozen:
        parts.append(
            f"Draft numbers: the profile \u201c{results.profile.name}\u201d is not meant "
            f"for publishing."
        )
    return " ".join(parts)


#: The machine counts as busy when others used more than this share of its CPU time.
BUSY = 0.2
#: A timed process with less CPU time than this share of its wall time was not alone.
FULL_CORE = 0.9


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
    unsteady = sum(not stats.is_steady(run.values) for run in runs)
    facts.append(
        f"{len(runs) - unsteady} of {len(runs)} processes were steady after their warm-up "
        f"(their first and second half of values within {stats.STEADY_TOLERANCE:.0%} "
        f"or within noise)."
    )
    shares = [m[schema.CPU_SHARE] for run in runs if schema.CPU_SHARE in (m := run.get_metadata())]
    starved = sum(share < FULL_CORE for share in shares)
    if starved:
        facts.append(
            f"{starved} of {len(shares)} processes had less than {FULL_CORE:.0%} of a core "
            f"while timed (another process shared it): their times are too long."
        )
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
    cpus = _distinct(m.get("cpu_model_name") for m in metadata)
    cores = _distinct(m.get("cpu_count") for m in metadata)
    systems = _distinct(_os_name(m.get("platform")) for m in metadata)
    machine = ", ".join(cpus) or "an unknown CPU"
    if cores:
        machine += f" ({'/'.join(cores)} cores)"
    return when, f"{machine}, {' / '.join(systems) or 'unknown OS'}"


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
