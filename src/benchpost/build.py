"""Compiling the C extension under test for one interpreter.

We call the C compiler directly with the interpreter's own headers and file
suffix instead of going through setuptools: a fresh Debian ``pypy3`` or a
``pypy3-c`` from a branch build may have no setuptools, and nothing may be
installed into the target. The output goes into a folder named by a hash of
everything that goes into it, so a build is reused until a source, a flag or
the interpreter changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchpost.interpreters import Interpreter
from benchpost.storage import atomic_write_bytes
from benchpost.suite import Extension


class BuildError(Exception):
    """The compiler failed; the message has the command and its last lines."""


@dataclass(frozen=True)
class BuiltExtension:
    """A compiled extension: put ``directory`` on ``sys.path`` to import it."""

    directory: Path
    digest: str  # the fingerprint of its sources, flags, compiler and interpreter


def compiler() -> list[str]:
    """The C compiler command: ``$CC`` if set, else ``cc``."""
    return shlex.split(os.environ.get("CC", "cc"))


def source_digest(extension: Extension) -> str:
    """A hash of the extension's sources and flags (the same for every interpreter)."""
    h = hashlib.sha256()
    for source in extension.sources:
        h.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    h.update(json.dumps([extension.module, extension.cflags]).encode())
    return h.hexdigest()[:16]


def extension_digest(extension: Extension, interpreter: Interpreter) -> str:
    """A hash of everything that can change the compiled extension."""
    h = hashlib.sha256(source_digest(extension).encode())
    identity = {
        "module": extension.module,
        "cflags": extension.cflags,
        "cc": compiler(),
        "interpreter": interpreter.identity(),
        "include": interpreter.include,
    }
    h.update(json.dumps(identity, sort_keys=True).encode())
    return h.hexdigest()[:16]


def build_extension(
    extension: Extension, interpreter: Interpreter, build_root: Path
) -> BuiltExtension:
    """Compile ``extension`` for ``interpreter`` under ``build_root`` (reused if built)."""
    digest = extension_digest(extension, interpreter)
    directory = build_root / f"{interpreter.name}-{digest}"
    target = directory / f"{extension.module}{interpreter.ext_suffix}"
    if target.is_file():
        return BuiltExtension(directory, digest)
    directory.mkdir(parents=True, exist_ok=True)
    scratch = directory / f".{os.getpid()}.so"
    command = [
        *compiler(),
        "-shared",
        "-fPIC",
        *extension.cflags,
        "-I",
        interpreter.include,
        *map(str, extension.sources),
        "-o",
        str(scratch),
    ]
    if not Path(interpreter.include, "Python.h").is_file():
        raise BuildError(
            f"no Python.h in {interpreter.include} for {interpreter.display}: install the "
            f"interpreter's development headers (Debian: pypy3-dev or python3-dev)"
        )
    try:
        proc = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BuildError(
            f"cannot run the C compiler {command[0]!r}: {exc.strerror}; install gcc or set $CC"
        ) from None
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-12:])
        raise BuildError(
            f"compiling {extension.module} for {interpreter.display} failed:\n"
            f"$ {shlex.join(command)}\n{tail}"
        )
    # Renaming last means a half-written .so is never imported.
    atomic_write_bytes(target, scratch.read_bytes())
    scratch.unlink()
    return BuiltExtension(directory, digest)
