"""The one place that names the cache's folders and files, and the recorded ones.

The cache (``<doctrees>/benchpost`` by default; ``python -m benchpost clean``
deletes it) holds, under ``root``::

    results/<interpreter>/<group>/<benchmark>[-<metric>]-<fingerprint>.json
    extensions/<interpreter>-<digest>/     the compiled C extension
    charts/chart-<key>.svg                 drawn charts, by what they show
    published/<key>/<name>.json            pyperf suite files linked from tables
    interpreters.json                      what each interpreter said it is
    scratch/                               temporary folders (rounds-<pid>-..., count-<pid>-...)
    build.lock                             one compiler at a time

Temporary files carry their owner's process id (``.<name>.<pid>.<random>.tmp``,
``extensions/*/.<pid>.so``, ``scratch/<kind>-<pid>-...``): ``leftovers`` finds
those of processes that are gone (a build killed with SIGKILL, a power cut).

Measuring takes one lock for the whole machine (``MACHINE_LOCK``), whatever
the cache: timings must not run beside each other.

Recorded results (committed, ``benchmarks/results`` by default), one set per
machine (``store.sets``)::

    <machine>/<interpreter>/<group>/<benchmark>[.<metric>].json
    frozen/<post>/<interpreter>/<group>/<benchmark>[.<metric>].json  a frozen post's own
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from benchpost.files import is_alive, owner, slug
from benchpost.measure.metric import Metric
from benchpost.suite import Benchmark

#: Held while measuring, by every build and command of this user on this machine.
MACHINE_LOCK = Path(
    "/tmp" if os.access("/tmp", os.W_OK) else tempfile.gettempdir(),
    f"benchpost-measure-{getattr(os, 'getuid', lambda: 0)():06d}.lock",  # no getuid on Windows
)


@dataclass(frozen=True)
class CacheLayout:
    """Where everything measured or drawn in a build lives."""

    root: Path

    @property
    def interpreters(self) -> Path:
        return self.root / "interpreters.json"

    @property
    def scratch(self) -> Path:
        return self.root / "scratch"

    @property
    def measure_lock(self) -> Path:
        """One lock for the whole machine, not per cache: two builds of different
        checkouts timing at once halve each other's CPU (PyPy's ``varargs`` once
        read 37 ns instead of 21 ns that way, every process of the build alike)."""
        return MACHINE_LOCK

    @property
    def build_lock(self) -> Path:
        return self.root / "build.lock"

    def result(self, interpreter: str, bench: Benchmark, metric: Metric, key: str) -> Path:
        tag = f"{metric.file_tag}-" if metric.file_tag else ""
        name = f"{slug(bench.name)}-{tag}{key}.json"
        return self.root / "results" / interpreter / slug(bench.group) / name

    def extension(self, interpreter: str, digest: str) -> Path:
        return self.root / "extensions" / f"{interpreter}-{digest}"

    def chart(self, key: str) -> Path:
        return self.root / "charts" / f"chart-{key}.svg"

    def published(self, key: str, name: str) -> Path:
        return self.root / "published" / key / name

    def sweep(self) -> int:
        """Remove what killed builds left here (never a live build's files); how many."""
        removed = 0
        for path in self.leftovers():
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
            except OSError:
                continue  # a read-only cache, or gone meanwhile: nothing to do
            removed += 1
        return removed

    def leftovers(self) -> Iterator[Path]:
        """Temporary files and folders whose owner process is no longer alive.

        Never one of a live process: another build may be writing it beside
        this one. (A process id reused since is taken as alive: what it left
        stays until the next sweep after that process ends.)
        """
        for folder, subfolders, names in os.walk(self.root):
            in_scratch = Path(folder) == self.scratch
            if in_scratch:
                names = names + subfolders
                subfolders[:] = []  # what is inside goes with its folder
            for name in names:
                pid = _owner(name, SCRATCH_KINDS if in_scratch else ())
                if pid is not None and not is_alive(pid):
                    yield Path(folder, name)


#: The kinds of scratch folder: ``measure.timing``, ``measure.counting``, ``warmup``.
SCRATCH_KINDS = ("rounds", "count", "warmup")


#: ``measure.compiler``'s output, before its rename into place.
_COMPILING = re.compile(r"^\.(\d+)\.so$")


def _owner(name: str, kinds: tuple[str, ...]) -> int | None:
    """The process id a temporary file's name carries (or a folder's, of ``kinds``);
    None for other names."""
    compiling = _COMPILING.match(name)
    return int(compiling.group(1)) if compiling else owner(name, kinds)


#: The folder of frozen posts' results, beside the machines' folders.
FROZEN_FOLDER = "frozen"


@dataclass(frozen=True)
class RecordedLayout:
    """Where one set's committed results live: a machine's folder under
    ``recorded:`` in the suite file, or a frozen post's folder."""

    root: Path

    def result(self, interpreter: str, bench: Benchmark, metric: Metric) -> Path:
        tag = f".{metric.file_tag}" if metric.file_tag else ""
        return self.root / interpreter / slug(bench.group) / f"{slug(bench.name)}{tag}.json"


def frozen_dir(recorded_root: Path, docname: str) -> Path:
    """The folder of a frozen post's own results: ``frozen/posts/<name>``."""
    return recorded_root / FROZEN_FOLDER / "/".join(slug(part) for part in docname.split("/"))
