"""Small file-system primitives: atomic writes, inter-process locks, temporary files.

Measurements are precious: a crash, a Ctrl-C or a second build running at the
same time must never leave a half-written file where a reader would find it.
Every temporary file or folder carries the id of the process that owns it,
so that what a killed build left behind can be told from what a build still
running beside this one is writing (``owner``, ``is_alive``).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one.

    The file gets the usual mode (0666 less the umask), not mkstemp's 0600:
    exported posts and images are published by other users and tools.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=TEMP_SUFFIX
        )
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            os.fchmod(f.fileno(), 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None:
            # Name the file being written, not our temporary one.
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise


#: ``.<name>.<pid>.<random>.tmp``: a file ``atomic_write_bytes`` is writing
TEMP_SUFFIX = ".tmp"
_TEMP_FILE = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def temp_dir(parent: Path, kind: str) -> tempfile.TemporaryDirectory:
    """A temporary folder ``<kind>-<pid>-<random>`` in ``parent`` (made if missing),
    removed when its ``with`` ends."""
    parent.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(dir=parent, prefix=f"{kind}-{os.getpid()}-")


def owner(name: str, kinds: tuple[str, ...] = ()) -> int | None:
    """The process id in a temporary file's name (``atomic_write_bytes``'s), or in a
    folder's named ``<kind>-<pid>-...`` for one of ``kinds``; None for other names."""
    found = _TEMP_FILE.match(name)
    if found:
        return int(found.group(1))
    kind, _, rest = name.partition("-")
    pid = rest.partition("-")[0]
    return int(pid) if kind in kinds and pid.isdigit() else None


def is_alive(pid: int) -> bool:
    """True if process ``pid`` exists (another user's included)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, and is not ours to signal
    return True


def _umask() -> int:
    current = os.umask(0)  # the only way to read it: set and restore
    os.umask(current)
    return current


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Writes to ``path`` inside: an ``OSError`` that names no file (a full disk met
    by ``write``) names ``path``, so that a message can say where."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise


def cannot_write(exc: OSError, setting: str = "") -> str:
    """What could not be written, where and why, and how to fix it: ``setting`` names
    the setting that puts those files elsewhere."""
    where = f"cannot write {exc.filename}: {exc.strerror or exc}"
    elsewhere = f", or {setting}" if setting else ""
    fixes = {
        errno.ENOSPC: f"free some space on that disk{elsewhere}",
        errno.EDQUOT: f"free some space within your quota{elsewhere}",
        errno.EROFS: f"mount it read-write{elsewhere}",
    }
    return f"{where}; {fixes.get(exc.errno or 0, f'check its permissions{elsewhere}')}"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds ``data``; True if written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


class LockTimeout(Exception):
    """Another process held a lock for longer than we were willing to wait."""


@contextlib.contextmanager
def file_lock(
    path: Path, timeout: float | None = None, waiting: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (works across processes and forks).

    The holder writes its process id and command into the file, so that a
    process that must wait can say who it waits for (``waiting``, once); after
    ``timeout`` seconds it gives up with ``LockTimeout`` naming the holder (a
    build stopped with Ctrl-Z holds its lock forever).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        _acquire(handle, path, timeout, waiting)
        try:
            # Only to name the holder to those who wait: a full disk must not stop us.
            # Unbuffered, so that closing the file has nothing left to fail on.
            with contextlib.suppress(OSError):
                os.ftruncate(handle.fileno(), 0)
                os.write(handle.fileno(), f"{os.getpid()} {' '.join(sys.argv)[:200]}\n".encode())
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire(handle, path: Path, timeout: float | None, waiting) -> None:
    if timeout is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(path)
            if not told and waiting is not None:
                waiting(f"waiting for process {holder}, which holds {path}")
                told = True
            if time.monotonic() > deadline:
                raise LockTimeout(
                    f"gave up after {timeout:g} s: process {holder} holds {path} (if that "
                    f"build is stopped, resume it with 'fg' or end it)"
                ) from None
            time.sleep(0.2)


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip() or "(unknown)"
    except OSError:
        return "(unknown)"


def slug(text: str) -> str:
    """A file name for a benchmark or group name such as ``Foo()[0]``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.") or "_"
