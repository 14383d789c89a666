"""Reading and writing result files: atomic saves, and damaged files set aside.

A result file is written whole or not at all (``files.atomic_write_bytes``).
A file that cannot be read (a crash of an older version, a full disk, a
hand edit) is moved aside as ``*.corrupt-<time>``, never deleted, and the
result is measured again.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyperf

from benchpost.files import atomic_write_bytes, cannot_write

#: How to keep the cache on another disk, for messages.
ELSEWHERE = (
    "set benchpost_cache_dir in conf.py (--cache-dir for python -m benchpost) to a folder "
    "on another disk"
)
#: What a full or read-only disk gives (other errors are not the cache's).
STORAGE_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class Unwritable(Exception):
    """The cache cannot be written (full, read-only): the message says what, where, why
    and how to fix it. The same for every result of the build, so said once."""


def unwritable(exc: OSError) -> Unwritable:
    return Unwritable(cannot_write(exc, ELSEWHERE))


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
            try:
                path.replace(aside)
                kept = f"moved to {aside.name}"
            except OSError as error:  # a read-only cache: it stays where it is
                kept = f"not moved aside ({error.strerror})"
            self.report(f"stored result {path} is damaged ({exc}); {kept}; measuring again")
            return None
        self._loaded[path] = result
        return result

    def save(self, path: Path, data: bytes) -> pyperf.Benchmark:
        """Store measured pyperf JSON at ``path``; the result it holds.
        ``Unwritable`` if the cache cannot take it."""
        result = pyperf.Benchmark.loads(data.decode("utf-8"))
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise unwritable(exc) from None
        self._loaded[path] = result
        return result
