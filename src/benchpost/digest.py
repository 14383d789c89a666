"""Every content hash benchpost makes, through one function.

Results, compiled extensions, charts and published files are named by what
they are made from (content-addressed, as Sphinx's graphviz names its
images), never by a time stamp. One function, one digest kind, one length
rule, so that a reader can check any name by hand.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

#: Hex digits kept: 80 bits, far beyond any collision a cache could meet.
LENGTH = 20


def digest(*facts: object) -> str:
    """A hash of JSON-able ``facts`` (dict keys sorted; paths as text)."""
    text = json.dumps(facts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:LENGTH]


def bytes_digest(*blobs: bytes) -> str:
    """A hash of byte strings (file contents), each delimited so that none can run
    into the next."""
    h = hashlib.sha256()
    for blob in blobs:
        h.update(len(blob).to_bytes(8, "little") + blob)
    return h.hexdigest()[:LENGTH]


@functools.cache
def code_file_digest(*paths: Path) -> str:
    """A hash of benchpost's own files (the code that measures or draws).

    Cached for the process: these files are part of the installed package.
    """
    return bytes_digest(*(Path(p).read_bytes() for p in paths))
