"""Small file-system primitives: atomic writes and inter-process locks.

Measurements are precious: a crash, a Ctrl-C or a second build running at the
same time must never leave a half-written file where a reader would find it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one.

    The file gets the usual mode (0666 less the umask), not mkstemp's 0600:
    exported posts and images are published by other users and tools.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    current = os.umask(0)  # the only way to read it: set and restore
    os.umask(current)
    return current


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds ``data``; True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (works across processes and forks)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def slug(text: str) -> str:
    """A file name for a benchmark or group name such as ``Foo()[0]``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.") or "_"
