"""What can be measured here: interpreters, the compiled extensions, each metric's tool.

Each is found (or built) once per build and remembered, failure included:
an interpreter that is missing, an extension that does not compile, a
valgrind that is not installed are each one answer, reported once.
``live_reason`` puts them together: why a column cannot be measured here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchpost.files import cannot_write, file_lock
from benchpost.measure.compiler import (
    BuildError,
    build_extension,
    extension_digest,
    is_built,
    read_sources,
    source_digest,
)
from benchpost.measure.interpreters import Interpreter, InterpreterNotFound, probe
from benchpost.measure.metric import Metric
from benchpost.store.cache import ELSEWHERE, STORAGE_ERRORS
from benchpost.store.layout import CacheLayout
from benchpost.suite import Extension, InterpreterSpec


@dataclass
class Toolchain:
    """The interpreters, extension builds and tools of one build, found once each."""

    layout: CacheLayout
    #: seconds an interpreter may take to say who it is (``benchpost_timeout``)
    timeout: float = 60.0
    _probed: dict[str, Interpreter | InterpreterNotFound] = field(default_factory=dict)
    _built: dict[tuple[str, Extension], Path | BuildError] = field(default_factory=dict)
    _tools: dict[str, str] = field(default_factory=dict)
    _sources: dict[Extension, tuple[bytes, ...]] = field(default_factory=dict)
    _digests: dict[Extension, str] = field(default_factory=dict)

    def interpreter(self, spec: InterpreterSpec) -> Interpreter | InterpreterNotFound:
        """The interpreter found here for ``spec``, or why there is none."""
        if spec.name not in self._probed:
            try:
                self._probed[spec.name] = probe(spec, self.layout.root, self.timeout)
            except InterpreterNotFound as exc:
                self._probed[spec.name] = exc
        return self._probed[spec.name]

    def sources(self, extension: Extension) -> tuple[bytes, ...]:
        """The C sources' bytes, read once per build: what this build's digests and
        compiled extensions are made of."""
        if extension not in self._sources:
            self._sources[extension] = read_sources(extension)
        return self._sources[extension]

    def source_digest(self, extension: Extension) -> str:
        """The digest of those bytes (every cell's key needs it: hashed once per build)."""
        if extension not in self._digests:
            self._digests[extension] = source_digest(extension, self.sources(extension))
        return self._digests[extension]

    def extension_digest(self, interp: Interpreter, extension: Extension) -> str:
        """The compiled extension's digest for ``interp`` (nothing is compiled)."""
        return extension_digest(self.source_digest(extension), extension, interp)

    def extension_dir(self, interp: Interpreter, extension: Extension) -> Path:
        """Where the extension for ``interp`` is (or will be) compiled."""
        return self.layout.extension(interp.name, self.extension_digest(interp, extension))

    def extension(self, interp: Interpreter, extension: Extension) -> Path | BuildError:
        """The compiled extension's folder (compiled on first use), or the compiler's error."""
        key = (interp.name, extension)
        directory = self.extension_dir(interp, extension)
        if key not in self._built and is_built(extension, interp, directory):
            # Written atomically: there means whole. No lock, so that a read-only
            # cache holding every result still serves a build.
            self._built[key] = directory
        if key not in self._built:
            with file_lock(self.layout.build_lock):
                try:
                    self._built[key] = build_extension(
                        extension,
                        interp,
                        self.extension_dir(interp, extension),
                        self.sources(extension),
                    )
                except BuildError as exc:
                    self._built[key] = exc
                except OSError as exc:  # a full or read-only cache
                    if exc.errno not in STORAGE_ERRORS:
                        raise
                    self._built[key] = BuildError(cannot_write(exc, ELSEWHERE))
        return self._built[key]

    def missing_tool(self, metric: Metric) -> str:
        """What ``metric`` lacks on this machine ("" if nothing)."""
        if metric.name not in self._tools:
            self._tools[metric.name] = metric.cannot_measure_here()
        return self._tools[metric.name]

    def live_reason(
        self, spec: InterpreterSpec, metric: Metric, extensions: set[Extension]
    ) -> tuple[Interpreter | None, InterpreterNotFound | str]:
        """The interpreter to measure ``metric`` on here, or None and why this machine
        cannot: not found (``InterpreterNotFound``), or no compiler or headers, or the
        metric's tool missing (a sentence).

        A C file that does not compile is not the machine's fault: the
        interpreter is returned, and its cells fail with the compiler's error.
        """
        found = self.interpreter(spec)
        if isinstance(found, InterpreterNotFound):
            return None, found
        for extension in extensions:
            built = self.extension(found, extension)
            if isinstance(built, BuildError) and built.missing_tool:
                return None, str(built)
        tool = self.missing_tool(metric)
        return (None, tool) if tool else (found, "")
