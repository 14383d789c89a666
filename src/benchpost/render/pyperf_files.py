"""The pyperf files published beside a table, so that readers can check it.

One pyperf *suite* file per interpreter and table (all the table's
benchmarks), so that ``python -m pyperf compare_to calls-cpython.json
calls-pypy.json`` reproduces the comparison the table makes. Pure: the
Sphinx layer writes the bytes where the store's layout says.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyperf

from benchpost.digest import digest
from benchpost.results import Results


@dataclass(frozen=True)
class SuiteFile:
    """One column's suite file: its name, a digest of its numbers, its bytes."""

    name: str
    key: str
    data: bytes


def suite_file(results: Results, interpreter: str, stem: str) -> SuiteFile | None:
    """The suite file of one column; None if the column has no result."""
    cells = [results.cells.get((bench, interpreter)) for bench in results.benchmarks]
    cells = [c for c in cells if c is not None and c.ok]
    if not cells:
        return None
    buffer = io.StringIO()
    pyperf.BenchmarkSuite([c.result for c in cells]).dump(buffer)
    # "cpython@box-a" (a table over sets) -> "calls-cpython-on-box-a.json": no "@" in a URL
    name = f"{stem}-{interpreter.replace('@', '-on-')}.json"
    return SuiteFile(name, digest(name, [c.key for c in cells]), buffer.getvalue().encode())
