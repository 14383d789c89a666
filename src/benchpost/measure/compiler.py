"""Compiling the C extension under test for one interpreter.

We call the C compiler directly with the interpreter's own headers and file
suffix instead of going through setuptools: a fresh Debian ``pypy3`` or a
``pypy3-c`` from a branch build may have no setuptools, and nothing may be
installed into the target. The output goes into a folder named by a hash of
everything that goes into it, so a build is reused until a source, a flag or
the interpreter changes.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from benchpost.digest import bytes_digest, digest
from benchpost.files import atomic_write_bytes
from benchpost.measure.interpreters import Interpreter
from benchpost.suite import Extension

#: A compiler that takes longer than this on one small extension is stuck.
COMPILE_TIMEOUT = 600


class BuildError(Exception):
    """The compiler failed; the message has the command and its last lines.

    ``source`` and ``line`` locate the first error in a C source, if the
    compiler named one: the problem is reported there, once.
    """

    def __init__(self, message: str, source: str = "", line: int = 0, missing_tool: bool = False):
        super().__init__(message)
        self.source = source
        self.line = line
        #: True if this machine lacks what compiling needs (a compiler, the headers):
        #: nothing the author can fix in the C code
        self.missing_tool = missing_tool

    @property
    def location(self) -> tuple[str, int] | None:
        """(C file, line) of the first error, if the compiler named one."""
        return (self.source, self.line) if self.source else None


def compiler() -> list[str]:
    """The C compiler command: ``$CC`` if set, else ``cc``."""
    return shlex.split(os.environ.get("CC", "cc"))


def read_sources(extension: Extension) -> tuple[bytes, ...]:
    """The bytes of the extension's C sources, read once: the digest and the check that
    the compiler saw the same bytes both use these."""
    return tuple(source.read_bytes() for source in extension.sources)


def source_digest(extension: Extension, sources: tuple[bytes, ...] | None = None) -> str:
    """A hash of the extension's sources (``sources``: their bytes, read before) and flags."""
    sources = read_sources(extension) if sources is None else sources
    names = [s.name.encode() for s in extension.sources]
    blobs = [part for pair in zip(names, sources, strict=True) for part in pair]
    return digest(bytes_digest(*blobs), extension.module, extension.cflags)


def extension_digest(sources: str, extension: Extension, interpreter: Interpreter) -> str:
    """A hash of everything that can change the compiled extension (``sources``: the
    ``source_digest``)."""
    return digest(
        sources,
        extension.module,
        extension.cflags,
        compiler(),
        interpreter.identity(),
        interpreter.include,
    )


def is_built(extension: Extension, interpreter: Interpreter, directory: Path) -> bool:
    """True if ``directory`` holds the compiled extension (it is renamed there whole)."""
    return (directory / f"{extension.module}{interpreter.ext_suffix}").is_file()


def build_extension(
    extension: Extension,
    interpreter: Interpreter,
    directory: Path,
    sources: tuple[bytes, ...] | None = None,
) -> Path:
    """Compile ``extension`` for ``interpreter`` into ``directory`` (reused if built there).

    ``directory`` is named by ``extension_digest`` of ``sources`` (the bytes the
    digest was made from): what is in it never changes. If a C file is not
    those bytes after compiling (saved meanwhile), the binary is thrown away:
    it would be kept under a digest of other code.
    """
    sources = read_sources(extension) if sources is None else sources
    target = directory / f"{extension.module}{interpreter.ext_suffix}"
    if target.is_file():
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    scratch = directory / f".{os.getpid()}.so"
    command = _command(extension, interpreter, scratch)
    if not Path(interpreter.include, "Python.h").is_file():
        raise BuildError(
            f"no Python.h in {interpreter.include} for {interpreter.display}: install the "
            f"interpreter's development headers (Debian: pypy3-dev or python3-dev)",
            missing_tool=True,
        )
    try:
        # Leniently: a diagnostic quotes the source's bytes, Latin-1 ones included.
        proc = subprocess.run(command, capture_output=True, text=True, errors="replace",
                              check=False, timeout=COMPILE_TIMEOUT)  # fmt: skip
    except OSError as exc:
        raise BuildError(
            f"cannot run the C compiler {command[0]!r}: {exc.strerror}; install gcc or set $CC",
            missing_tool=True,
        ) from None
    except subprocess.TimeoutExpired:
        scratch.unlink(missing_ok=True)
        raise BuildError(
            f"the C compiler took more than {COMPILE_TIMEOUT} s for {extension.module} on "
            f"{interpreter.display}, and was stopped"
        ) from None
    if proc.returncode != 0:
        scratch.unlink(missing_ok=True)
        raise _compile_error(proc.stderr, extension, interpreter, command)
    if read_sources(extension) != sources:
        scratch.unlink(missing_ok=True)
        raise BuildError(
            f"the C sources of {extension.module} changed while they were compiled for "
            f"{interpreter.display}; the binary was not kept (build again)"
        )
    # Renaming last means a half-written .so is never imported.
    atomic_write_bytes(target, scratch.read_bytes())
    scratch.unlink()
    return directory


def _command(extension: Extension, interpreter: Interpreter, output: Path) -> list[str]:
    """The compiler's command line: a shared object, the interpreter's headers."""
    return [
        *compiler(),
        "-shared",
        "-fPIC",
        *extension.cflags,
        "-I",
        interpreter.include,
        *map(str, extension.sources),
        "-o",
        str(output),
    ]


_DIAGNOSTIC = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?:\d+:)? (?:fatal )?error: (?P<what>.*)$"
)


def _compile_error(
    stderr: str, extension: Extension, interpreter: Interpreter, command: list[str]
) -> BuildError:
    """The compiler's first error, located in its C file, with the command and its output."""
    lines = stderr.strip().splitlines()
    first = next((m for line in lines if (m := _DIAGNOSTIC.match(line))), None)
    reason = f": {first.group('what')}" if first else f": {(lines or ['no output'])[-1]}"
    details = "\n".join(lines[-12:])
    message = (
        f"compiling {extension.module} for {interpreter.display} failed{reason}\n"
        f"$ {shlex.join(command)}\n{details}"
    )
    if first is None:
        return BuildError(message)
    return BuildError(message, os.path.abspath(first.group("file")), int(first.group("line")))
