"""The short "how this was measured" note under every table and chart."""

from __future__ import annotations

from benchpost.metrics import INSTRUCTIONS
from benchpost.results import Results


def measurement_note(results: Results) -> str:
    """One or two sentences: when, where, on what, with which tool and profile.

    Everything comes from the metadata pyperf stored with the results, so the
    note describes the runs behind the numbers, not the machine building the
    post; columns recorded elsewhere get a sentence of their own.
    """
    here = [i for i in results.interpreters if not i.recorded]
    parts = [_measured_here(results, here)] if here else []
    for interp in results.interpreters:
        if interp.recorded:
            cells = [c for c in results.cells.values() if c.interpreter == interp.name and c.ok]
            profiles = _distinct(c.metadata().get("benchpost_profile") for c in cells)
            profile = f", profile \u201c{'/'.join(profiles)}\u201d" if profiles else ""
            parts.append(f"{interp.long_display}: {interp.recorded}{profile}.")
    return " ".join(p for p in parts if p) or "No benchmark could be measured."


def _measured_here(results: Results, here: list) -> str:
    names = {i.name for i in here}
    measured = [c for c in results.cells.values() if c.ok and c.interpreter in names]
    if not measured:
        return ""
    metadata = [c.metadata() for c in measured]
    when, machine = _when_and_where(measured)
    interpreters = ", ".join(i.long_display for i in here)
    if results.metric == INSTRUCTIONS:
        return _counted(metadata, when, machine, interpreters, here)
    pyperfs = _distinct(m.get("perf_version") for m in metadata)
    profile = results.profile
    warmups = ", ".join(f"{i.spec.label} {profile.warmups_for(i.kind)}" for i in here)
    return (
        f"Measured {when} on {machine}: "
        f"{interpreters}; pyperf {'/'.join(pyperfs)}, profile \u201c{profile.name}\u201d "
        f"({profile.processes} worker processes \u00d7 {profile.values} values, "
        f"warm-up values {warmups})."
    )


def _counted(metadata: list[dict], when: str, machine: str, interpreters: str, here) -> str:
    """How instruction counts were made: the tool, the runs, what cancels out."""
    valgrinds = _distinct(m.get("benchpost_valgrind") for m in metadata)
    sizes = _distinct(_thousands(m.get("benchpost_sizes")) for m in metadata)
    warmups = ", ".join(f"{i.spec.label} {_warmups_of(metadata, i)}" for i in here)
    aslr = (
        " Address-space randomisation was off."
        if all(m.get("benchpost_aslr") == "off" for m in metadata)
        else ""
    )
    return (
        f"Instructions counted {when} on {machine}: {interpreters}; valgrind "
        f"{'/'.join(valgrinds)} (callgrind). Each benchmark ran as a plain script "
        f"with {' or '.join(sizes)} loop iterations after warm-up iterations ({warmups}); "
        f"a value is the difference between two successive runs per iteration, so "
        f"startup, imports, setup and the JIT's warm-up cancel out.{aslr}"
    )


def _thousands(sizes: object) -> str:
    # "20000/40000/80000" -> "20,000/40,000/80,000"
    return "/".join(f"{int(n):,}" for n in str(sizes).split("/")) if sizes else ""


def _warmups_of(metadata: list[dict], interp) -> str:
    mine = [m for m in metadata if m.get("benchpost_interpreter") == interp.display]
    return (
        "/".join(_distinct(f"{m['benchpost_warmup']:,}" for m in mine if "benchpost_warmup" in m))
        or "?"
    )


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


def _distinct(values) -> list[str]:
    return sorted({str(v) for v in values if v})


def _os_name(platform: object) -> str:
    # pyperf's "Linux-6.1.0-13-amd64-x86_64-with-glibc2.36" -> "Linux 6.1.0 (x86_64)"
    if not platform:
        return ""
    parts = str(platform).split("-")
    arch = next((p for p in parts if p in {"x86_64", "aarch64", "arm64", "i686"}), "")
    name = f"{parts[0]} {parts[1]}" if len(parts) > 1 else parts[0]
    return f"{name} ({arch})" if arch else name
