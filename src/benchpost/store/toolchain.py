"""What can be measured here: interpreters, the compiled extension, each metric's tool.

Each is found (or built) once per build and remembered, failure included:
an interpreter that is missing, an extension that does not compile, a
valgrind that is not installed are each one answer, reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from benchpost.files import file_lock
from benchpost.measure.compiler import (
    BuildError,
    build_extension,
    extension_digest,
    source_digest,
)
from benchpost.measure.interpreters import Interpreter, InterpreterNotFound, probe
from benchpost.measure.metric import Metric
from benchpost.store.layout import CacheLayout
from benchpost.suite import InterpreterSpec, Suite


@dataclass
class Toolchain:
    """The interpreters, extension builds and tools of one build, found once each."""

    suite: Suite
    layout: CacheLayout
    _probed: dict[str, Interpreter | InterpreterNotFound] = field(default_factory=dict)
    _built: dict[str, Path | BuildError] = field(default_factory=dict)
    _tools: dict[str, str] = field(default_factory=dict)
    _sources: str = ""

    def interpreter(self, spec: InterpreterSpec) -> Interpreter | InterpreterNotFound:
        """The interpreter found here for ``spec``, or why there is none."""
        if spec.name not in self._probed:
            try:
                self._probed[spec.name] = probe(spec, self.layout.interpreters)
            except InterpreterNotFound as exc:
                self._probed[spec.name] = exc
        return self._probed[spec.name]

    def source_digest(self) -> str:
        """The C sources' digest, read once per build: the sources this build compiles."""
        if not self._sources:
            self._sources = source_digest(self.suite.extension)
        return self._sources

    def extension_digest(self, interp: Interpreter) -> str:
        """The compiled extension's digest for ``interp`` (nothing is compiled)."""
        return extension_digest(self.source_digest(), self.suite.extension, interp)

    def extension_dir(self, interp: Interpreter) -> Path:
        """Where the extension for ``interp`` is (or will be) compiled."""
        return self.layout.extension(interp.name, self.extension_digest(interp))

    def extension(self, interp: Interpreter) -> Path | BuildError:
        """The compiled extension's folder (compiled on first use), or the compiler's error."""
        if interp.name not in self._built:
            with file_lock(self.layout.build_lock):
                try:
                    self._built[interp.name] = build_extension(
                        self.suite.extension, interp, self.extension_dir(interp)
                    )
                except BuildError as exc:
                    self._built[interp.name] = exc
        return self._built[interp.name]

    def missing_tool(self, metric: Metric) -> str:
        """Why ``metric`` cannot be measured on this machine ("" if it can)."""
        if metric.name not in self._tools:
            self._tools[metric.name] = metric.cannot_measure_here()
        return self._tools[metric.name]
