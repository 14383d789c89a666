"""Finding the configured interpreters on this machine and asking who they are.

An interpreter is found by its command (a name on ``PATH`` or a path), then
run once with a tiny probe that reports its identity: implementation,
version, the headers and file suffix needed to compile the C extension. The
identity is part of every result's fingerprint, so upgrading PyPy measures
again.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from benchpost.digest import bytes_digest
from benchpost.files import write_if_changed
from benchpost.measure.process import MeasureError, run_isolated
from benchpost.schema import MeasuredSet
from benchpost.suite import CURRENT_PYTHON, InterpreterSpec

# Runs inside the target interpreter: plain Python 3, standard library only.
_PROBE = r"""
import json, platform, sys, sysconfig
info = {
    "executable": sys.executable,
    "kind": sys.implementation.name,
    "python_version": platform.python_version(),
    "version": sys.version,
    "include": sysconfig.get_paths()["include"],
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX") or ".so",
    "pypy_version": None,
}
if hasattr(sys, "pypy_version_info"):
    v = sys.pypy_version_info
    info["pypy_version"] = "%d.%d.%d" % (v.major, v.minor, v.micro)
print("BENCHPOST-PROBE " + json.dumps(info))
"""
#: Marks the probe's answer among whatever else the interpreter prints.
_ANSWER = "BENCHPOST-PROBE "
#: What the answer must hold, and of which types.
_FIELDS = {"executable": str, "kind": str, "python_version": str, "version": str,
           "include": str, "ext_suffix": str, "pypy_version": (str, type(None))}  # fmt: skip


class InterpreterNotFound(Exception):
    """The interpreter's command does not exist or is not a working Python."""

    def __init__(self, spec: InterpreterSpec, reason: str, misconfigured: bool = False):
        self.spec = spec
        self.reason = reason
        #: found, but not what its label says: a mistake, even for an optional one
        self.misconfigured = misconfigured
        hint = (
            f"; install it: {spec.install_hint}" if spec.install_hint and not misconfigured else ""
        )
        command = f" ({spec.command})" if spec.command else ""
        super().__init__(f"{spec.label}{command} {reason}{hint}")


@dataclass(frozen=True)
class Column:
    """An interpreter as a table shows it: found here, or recorded elsewhere."""

    spec: InterpreterSpec
    kind: str  # sys.implementation.name: "cpython", "pypy", ...
    python_version: str  # "3.9.16"
    pypy_version: str | None = None
    #: for a column of recorded results: the set (machine, run, date) they come from
    measured_in: MeasuredSet | None = None
    #: for a table over several sets: the set's name, shown with the interpreter
    where: str = ""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def display(self) -> str:
        """What a reader should see: "PyPy 7.3.11", "CPython 3.11.7 on box-a"."""
        where = f" on {self.where}" if self.where else ""
        return f"{self.spec.label} {self.pypy_version or self.python_version}{where}"

    @property
    def long_display(self) -> str:
        """The display name plus the Python language version of a PyPy, and the command
        line where it has arguments or environment ("PyPy 7.3.11 (Python 3.9.16;
        pypy3 --jit off)")."""
        facts = [f"Python {self.python_version}"] if self.pypy_version else []
        if self.spec.args or self.spec.env:
            facts.append(self.spec.configured)
        return f"{self.display} ({'; '.join(facts)})" if facts else self.display


@dataclass(frozen=True)
class Interpreter:
    """A configured interpreter that was found and probed here."""

    spec: InterpreterSpec
    command_path: str  # what is run: the command as found on PATH
    executable: str  # its sys.executable with symlinks followed (for identity)
    kind: str  # sys.implementation.name: "cpython", "pypy", ...
    python_version: str  # "3.9.16"
    version: str  # sys.version, with build information
    include: str
    ext_suffix: str
    pypy_version: str | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def column(self) -> Column:
        return Column(self.spec, self.kind, self.python_version, self.pypy_version)

    @property
    def display(self) -> str:
        """What a reader should see: "PyPy 7.3.11" or "CPython 3.11.7"."""
        return self.column.display

    @property
    def argv(self) -> list[str]:
        """The start of every command line that runs this interpreter: the command
        as configured (a wrapper script stays a wrapper) and its arguments."""
        return [self.command_path, *self.spec.args]

    def environ(self, **extra: str) -> dict[str, str]:
        """The environment of every process of this interpreter: ours without
        Python's own variables, plus ``extra``, plus the configured ones."""
        env = clean_environ(**extra)
        env.update(self.spec.env)  # as configured, even where benchpost would vary it
        return env

    def identity(self) -> dict[str, object]:
        """Everything about the interpreter that can change a measured number:
        what it is, and exactly how it is started (arguments, environment, and
        a wrapper script's own text)."""
        return {
            "executable": self.executable,
            "kind": self.kind,
            "version": self.version,
            "ext_suffix": self.ext_suffix,
            "pypy_version": self.pypy_version,
            "args": list(self.spec.args),
            "env": [list(pair) for pair in self.spec.env],
            "wrapper": wrapper_digest(self.command_path, self.executable),
        }


def wrapper_digest(command: str, executable: str) -> str:
    """The digest of a wrapper script's text ("" if the command is the interpreter):
    editing ``exec pypy3 --jit off "$@"`` changes what is measured."""
    if os.path.realpath(command) == os.path.realpath(executable):
        return ""
    try:
        with open(command, "rb") as f:
            return bytes_digest(f.read(1 << 20))
    except OSError:
        return ""


def resolve_command(spec: InterpreterSpec) -> str:
    """The executable a spec's command names; raises ``InterpreterNotFound``."""
    if spec.command == CURRENT_PYTHON:
        return sys.executable
    if not spec.command:  # a variant (``suite.model.variant``)
        raise InterpreterNotFound(
            spec,
            f"has no command here: a variant is measured where one is given "
            f"(python -m benchpost record --command {spec.name}=PATH) and shown from "
            f"the recorded sets elsewhere",
        )
    command = os.path.expanduser(spec.command)
    found = shutil.which(command)
    if found is None:
        if os.path.exists(command):
            raise InterpreterNotFound(spec, "is not executable")
        raise InterpreterNotFound(spec, "was not found on this machine")
    return found


def probe(
    spec: InterpreterSpec, cache_dir: Path | None = None, timeout: float = 60
) -> Interpreter:
    """Find the interpreter and learn its identity.

    Running PyPy just to ask its version costs a noticeable part of a warm
    build, so answers are kept in ``cache_dir`` under the executable's path,
    size and modification time: an upgrade changes those and probes again.
    """
    executable = resolve_command(spec)
    real = os.path.realpath(executable)
    stat = os.stat(real)
    key = f"{executable}|{real}|{stat.st_size}|{stat.st_mtime_ns}|{spec.configured}"
    cache = cache_dir / "interpreters.json" if cache_dir else None
    known = _read_json(cache) if cache else {}
    info = known.get(key)
    if info is None:
        info = _run_probe(spec, executable, timeout)
        if cache:
            # Only saves the next build a probe: a full or read-only disk must not stop this one.
            with contextlib.suppress(OSError):
                write_if_changed(cache, json.dumps({**known, key: info}, indent=1).encode())
    _check_label(spec, info)
    return Interpreter(spec=spec, command_path=executable, **info)


#: Labels that name an implementation, and the ``sys.implementation.name`` it has.
_IMPLEMENTATIONS = {"pypy": "pypy", "cpython": "cpython", "graalpy": "graalpy"}


def implementation_named(label: str) -> str | None:
    """The ``sys.implementation.name`` a label names ("PyPy branch": "pypy"), if any."""
    words = label.split()
    return _IMPLEMENTATIONS.get(words[0].lower()) if words else None


def _check_label(spec: InterpreterSpec, info: dict) -> None:
    """``InterpreterNotFound`` (misconfigured) if the label names another implementation
    than the one that answered: "PyPy" over CPython's numbers would be published."""
    expected = implementation_named(spec.label)
    if expected is not None and expected != info["kind"]:
        raise InterpreterNotFound(
            spec,
            f"runs {info['kind']} {info['python_version']}, not {spec.label}: fix its "
            f"command, or its label, in the suite file",
            misconfigured=True,
        )


def _run_probe(spec: InterpreterSpec, executable: str, timeout: float) -> dict:
    """Ask the interpreter who it is, as every target process runs (a session of its
    own, bounded output, read leniently); ``InterpreterNotFound`` with a short reason."""
    env = clean_environ(**dict(spec.env))
    try:
        output = run_isolated([executable, *spec.args, "-c", _PROBE], env, timeout)
    except MeasureError as exc:
        reason = str(exc).splitlines()[0].replace(" (the benchmark hangs, or raise", " (raise")
        raise InterpreterNotFound(
            spec, f"is not a working Python 3 as configured ({spec.configured}: {reason})"
        ) from None
    except OSError as exc:
        raise InterpreterNotFound(spec, f"could not be run: {exc.strerror or exc}") from None
    answers = [line for line in output.splitlines() if line.startswith(_ANSWER)]
    try:
        info = json.loads(answers[-1][len(_ANSWER) :])
        if not all(isinstance(info.get(k), kind) for k, kind in _FIELDS.items()):
            raise ValueError
    except (IndexError, ValueError, AttributeError):
        last = (output.strip().splitlines() or ["no output"])[-1][:200]
        raise InterpreterNotFound(
            spec,
            f"is not a working Python 3 as configured ({spec.configured}: it did not answer "
            f"the probe; its last output: {last})",
        ) from None
    info = {key: info[key] for key in _FIELDS}
    info["executable"] = os.path.realpath(info["executable"] or executable)
    return info


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # absent or damaged: probe again


def clean_environ(**extra: str) -> dict[str, str]:
    """The environment for a target interpreter: ours minus Python's own variables.

    A virtualenv's or tox's PYTHONHOME/PYTHONPATH must not leak into PyPy. Under a
    locale that is not UTF-8 (``LANG=C``), PyPy 3.9 encodes file names as ASCII and
    cannot open a worker script in a folder named ``büild``: such a locale becomes
    ``C.UTF-8`` (the configured ``env`` of an interpreter still wins).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    if not _is_utf8_locale(env):
        env["LC_ALL"] = "C.UTF-8"
    env.update(extra)
    return env


def _is_utf8_locale(env: dict[str, str]) -> bool:
    """True if the locale ``env`` selects encodes text as UTF-8 (LC_ALL wins over
    LC_CTYPE, which wins over LANG)."""
    chosen = next((env[k] for k in ("LC_ALL", "LC_CTYPE", "LANG") if env.get(k)), "")
    return chosen.lower().replace("-", "").endswith("utf8")
