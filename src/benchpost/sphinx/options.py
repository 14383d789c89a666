"""Directive options that say which option was meant.

docutils answers a mistyped option with a bare ``unknown option: "titel"``.
An ``OptionSpec`` lets unknown options through to the directive, which then
warns at its own line with the options it knows and the closest one.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping

from docutils.parsers.rst import directives


class OptionSpec(dict):
    """A directive's ``option_spec`` that accepts unknown names (checked later)."""

    def __missing__(self, key: str) -> Callable[[str | None], str]:
        return directives.unchanged


def unknown_option_messages(
    directive: str, given: Mapping[str, object], known: Mapping[str, object]
) -> list[str]:
    """One message per option in ``given`` that ``known`` does not have."""
    messages = []
    for name in given:
        if name in known:
            continue
        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        options = ", ".join(known)
        messages.append(f"unknown option '{name}' of {directive} ({hint}options: {options})")
    return messages
