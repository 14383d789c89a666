"""Reading YAML with line numbers, and checking its shape with helpful errors.

PyYAML forgets where a value came from once it is loaded; an author who
mistypes a key deserves ``suite.yaml:12: unknown key 'stmt'``. The loader
here keeps the line of every mapping and of each of its keys, and the
``Section`` helper turns a mapping into checked values, raising ``SuiteError``
with the file, the line and a hint.
"""

from __future__ import annotations

import difflib
import reprlib
from pathlib import Path
from typing import Any

import yaml


class SuiteError(Exception):
    """A problem in a suite file, reported as ``file:line: message``."""

    def __init__(self, path: Path | str, line: int | None, message: str, hint: str = ""):
        self.path = Path(path)
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


# libyaml's parser, where PyYAML has it, is several times faster and keeps marks too.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = LineDict(super().construct_mapping(node, deep=deep))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {
            key.value: key.start_mark.line + 1
            for key, _ in node.value
            if isinstance(key, yaml.ScalarNode)
        }
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


#: A suite file is a few kilobytes; far beyond that it is a mistake (or an attack),
#: and reading it would take minutes or gigabytes.
MAX_BYTES = 1 << 20


def short_repr(value: Any) -> str:
    """``repr`` cut short: an error message never expands a huge or aliased value."""
    text = _SHORT.repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 80
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 3, 4, 4


def load_yaml(path: Path) -> Any:
    """Load ``path``; any YAML problem becomes a ``SuiteError`` with the line."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SuiteError(
                path,
                None,
                f"the suite file is {size:,} bytes; at most {MAX_BYTES:,} are read",
                "a suite describes benchmarks; keep data and long code elsewhere",
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SuiteError(path, None, f"cannot read the suite file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = exc.object.count(b"\n", 0, exc.start) + 1
        raise SuiteError(
            path, line, "the suite file is not UTF-8 text", "save it as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except RecursionError:
        raise SuiteError(path, None, "the suite file is nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise SuiteError(
            path, line, f"YAML syntax error: {problem}", "check indentation and quoting"
        ) from None
    except yaml.YAMLError as exc:  # e.g. a control character, which has no mark
        position = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, position) + 1
        reason = getattr(exc, "reason", None) or "invalid YAML"
        raise SuiteError(
            path, line, f"YAML error: {reason}", "remove control characters from the file"
        ) from None


_TYPE_NAMES = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
}


class Section:
    """A YAML mapping being read: typed access to keys, errors with lines.

    Given the ``keys`` it may hold, it rejects any other key at once, with a
    close-match hint ("did you mean 'code'?").
    """

    def __init__(
        self,
        path: Path,
        mapping: Any,
        what: str,
        line: int | None = None,
        keys: tuple[str, ...] | None = None,
    ):
        self.path = path
        self.what = what
        if not isinstance(mapping, dict):
            raise SuiteError(path, line, f"{what} must be a mapping of keys to values")
        self.mapping = mapping
        self.line = getattr(mapping, "line", line)
        if keys is not None:
            self._reject_unknown(keys)

    def line_of(self, key: str) -> int | None:
        return getattr(self.mapping, "key_lines", {}).get(key, self.line)

    def error(self, key: str | None, message: str, hint: str = "") -> SuiteError:
        line = self.line_of(key) if key else self.line
        return SuiteError(self.path, line, message, hint)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        if key not in self.mapping or self.mapping[key] is None:
            return default
        value = self.mapping[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # YAML's 3 is an int where a float is asked for; True is not a number.
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            wanted = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            raise self.error(
                key, f"{key!r} in {self.what} must be {wanted}, not {short_repr(value)}"
            )
        return value

    def require(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.get(key, kind)
        if value is None:
            raise self.error(None, f"{self.what} has no {key!r}", f"add '{key}: ...'")
        return value

    def section(self, key: str, what: str, keys: tuple[str, ...] | None = None) -> Section:
        value = self.require(key, dict)
        return Section(self.path, value, what, self.line_of(key), keys)

    def _reject_unknown(self, keys: tuple[str, ...]) -> None:
        """Keys outside ``keys`` are typos or misplaced: say which, with a hint."""
        for key in self.mapping:
            if key not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1)
                hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(keys)
                raise self.error(key, f"unknown key {short_repr(key)} in {self.what}", hint)
