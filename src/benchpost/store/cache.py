"""Reading and writing result files: atomic saves, and damaged files set aside.

A result file is written whole or not at all (``files.atomic_write_bytes``).
A file that cannot be read (a crash of an older version, a full disk, a
hand edit) is moved aside as ``*.corrupt-<time>``, never deleted, and the
result is measured again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyperf

from benchpost.files import atomic_write_bytes


@dataclass
class ResultCache:
    """Result files read in this build (each once), and written atomically."""

    report: Callable[[str], None]
    _loaded: dict[Path, pyperf.Benchmark] = field(default_factory=dict)

    def load(self, path: Path) -> pyperf.Benchmark | None:
        """A stored result; None if absent or damaged (set aside, then)."""
        if path in self._loaded:
            return self._loaded[path]
        if not path.is_file():
            return None
        try:
            result = pyperf.Benchmark.load(str(path))
            if not result.get_values():
                raise ValueError("it holds no values")
        except Exception as exc:  # pyperf raises many kinds on a damaged file
            aside = path.with_suffix(f".corrupt-{int(time.time())}")
            path.replace(aside)
            self.report(
                f"stored result {path} is damaged ({exc}); moved to {aside.name} "
                f"and measuring again"
            )
            return None
        self._loaded[path] = result
        return result

    def save(self, path: Path, data: bytes) -> pyperf.Benchmark:
        """Store measured pyperf JSON at ``path``; the result it holds."""
        result = pyperf.Benchmark.loads(data.decode("utf-8"))
        atomic_write_bytes(path, data)
        self._loaded[path] = result
        return result
