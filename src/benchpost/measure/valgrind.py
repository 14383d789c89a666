"""Finding valgrind, which counts instructions (the ``instructions`` metric).

``$VALGRIND`` picks another binary, as ``$CC`` picks another compiler.
Counts are repeatable only with address-space randomisation off, so the
``setarch`` prefix that switches it off is found here too, where allowed.
"""

from __future__ import annotations

import functools
import os
import platform
import re
import shutil
import subprocess
from dataclasses import dataclass

INSTALL_HINT = "install it (Debian: apt-get install valgrind)"


class ValgrindNotFound(Exception):
    """valgrind is not installed here (or does not run)."""


@dataclass(frozen=True)
class Valgrind:
    """The valgrind found here."""

    path: str
    version: str  # "3.19.0"
    #: the command prefix that switches address-space randomisation off, if allowed
    no_aslr: tuple[str, ...] = ()


@functools.cache
def find_valgrind() -> Valgrind:
    """``$VALGRIND``, else the valgrind on ``PATH``; raises ``ValgrindNotFound`` saying how
    to get it."""
    command = os.environ.get("VALGRIND") or "valgrind"  # like $CC for the compiler
    path = shutil.which(command)
    if path is None:
        raise ValgrindNotFound(
            f"valgrind ({command}) was not found on this machine; {INSTALL_HINT}"
        )
    try:
        proc = subprocess.run(
            [path, "--version"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ValgrindNotFound(f"valgrind ({path}) could not be run: {exc}") from None
    found = re.search(r"(\d+\.\d+(\.\d+)?)", proc.stdout)
    if proc.returncode != 0 or not found:
        raise ValgrindNotFound(f"valgrind ({path}) does not work: {proc.stderr.strip()}")
    return Valgrind(path, found.group(1), _no_aslr_prefix())


def _no_aslr_prefix() -> tuple[str, ...]:
    # setarch is in util-linux (always there on Debian); a container's
    # seccomp profile may still refuse the change of personality.
    setarch = shutil.which("setarch")
    if setarch is None:
        return ()
    prefix = (setarch, platform.machine(), "--addr-no-randomize")
    try:
        proc = subprocess.run([*prefix, "true"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return prefix if proc.returncode == 0 else ()
