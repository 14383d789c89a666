"""What the machine is, and how busy it was while a process was measured.

A number measured while other processes ran is not the same number (a
post once printed "1.53x slower" built beside another build, "1.16x faster"
alone), so every timed process records the share of the machine's CPU time
that *others* used meanwhile (all CPU time, from ``/proc/stat``, minus our
own children's), the hypervisor's steal time where the kernel reports it,
and the load average. Off Linux these are simply absent.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from benchpost import schema
from benchpost.digest import digest

_STAT = Path("/proc/stat")
_CPUINFO = Path("/proc/cpuinfo")
_MEMINFO = Path("/proc/meminfo")


@dataclass(frozen=True)
class CpuSample:
    """The machine's CPU time counters at one moment (seconds)."""

    at: float  # time.monotonic()
    busy: float  # all CPUs: user, nice, system, irq, softirq
    steal: float
    own: float  # CPU time of our finished children


def sample() -> CpuSample | None:
    """The counters now; None where ``/proc/stat`` is not there."""
    try:
        first = _STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    fields = [int(x) / tick for x in first[1:]] + [0.0] * 8
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return CpuSample(
        time.monotonic(),
        user + nice + system + irq + softirq,
        steal,
        children.ru_utime + children.ru_stime,
    )


#: A timed process with less CPU time than this share of its wall time did not have
#: its core to itself (its times are too long). 505 processes of a quiet `rigorous`
#: record here had 0.99 or more; beside a busy loop on their core, about 0.5.
FULL_CORE = 0.9


def load_between(before: CpuSample | None, after: CpuSample | None) -> dict[str, float]:
    """Run metadata: how busy the machine was between two samples, by others."""
    loads: dict[str, float] = {"load_avg_1min": round(os.getloadavg()[0], 2)}
    if before is None or after is None or after.at <= before.at:
        return loads
    capacity = (after.at - before.at) * (os.cpu_count() or 1)
    others = (after.busy - before.busy) - (after.own - before.own)
    loads[schema.OTHER_CPU] = round(min(1.0, max(0.0, others / capacity)), 3)
    loads[schema.STEAL] = round(min(1.0, max(0.0, (after.steal - before.steal) / capacity)), 3)
    return loads


def system_metadata() -> dict[str, object]:
    """pyperf's keys for the machine (not for the Python running benchpost)."""
    metadata: dict[str, object] = {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count() or 1,
    }
    try:
        for line in _CPUINFO.read_text().splitlines():
            if line.startswith("model name"):
                metadata["cpu_model_name"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return metadata


@functools.cache
def this_machine(name: str = "") -> schema.Machine:
    """This machine's stable facts, named ``name`` or, by default, by those facts:
    ``amd-epyc-2c-24g-kvm-1a2b3c`` (the digest tells apart two kernels or memory
    sizes that the short name rounds alike)."""
    system = system_metadata()
    facts = schema.Machine(
        name="",
        cpu=str(system.get("cpu_model_name") or platform.machine() or "an unknown CPU"),
        cores=int(system["cpu_count"]),
        memory_gib=_memory_gib(),
        kernel=f"{platform.system()} {platform.release()}".strip(),
        virt=_virtualisation(),
    )
    return schema.Machine(
        name or derived_name(facts), facts.cpu, facts.cores, facts.memory_gib, facts.kernel,
        facts.virt,
    )  # fmt: skip


def derived_name(facts: schema.Machine) -> str:
    """A machine's default name, from its facts alone (the same facts, the same name)."""
    cpu = re.sub(r"\(r\)|\(tm\)|cpu|processor|@.*", "", facts.cpu.lower())
    words = re.findall(r"[a-z0-9]+", cpu)[:3] or ["cpu"]
    virt = "" if facts.virt in ("", "none") else f"-{facts.virt}"
    short = f"{'-'.join(words)}-{facts.cores}c-{round(facts.memory_gib)}g{virt}"
    key = digest(facts.cpu, facts.cores, facts.memory_gib, facts.kernel, facts.virt)
    return f"{short}-{key[:6]}"


def _memory_gib() -> float:
    try:
        for line in _MEMINFO.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def _virtualisation() -> str:
    """The hypervisor ("kvm", "vm" when only the CPU flag tells), or "none"."""
    tool = shutil.which("systemd-detect-virt")
    if tool:
        try:
            found = subprocess.run(
                [tool, "--vm"], capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found:
            return found
    try:
        flags = next(
            (line for line in _CPUINFO.read_text().splitlines() if line.startswith("flags")), ""
        )
    except OSError:
        flags = ""
    return "vm" if " hypervisor" in flags else "none"
