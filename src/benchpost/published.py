"""The pyperf files published beside a table, so that readers can check it.

One pyperf *suite* file per interpreter and table (all the table's
benchmarks), so that ``python -m pyperf compare_to calls-cpython.json
calls-pypy.json`` reproduces the comparison the table makes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pyperf

from benchpost.results import Results


def suite_file(results: Results, interpreter: str, folder: Path, stem: str) -> Path | None:
    """Write (once) the suite file of one column; None if it has no result."""
    cells = [results.cells.get((bench, interpreter)) for bench in results.benchmarks]
    cells = [c for c in cells if c is not None and c.ok]
    if not cells:
        return None
    key = hashlib.sha1(json.dumps([str(c.path) for c in cells]).encode()).hexdigest()[:16]
    target = folder / key / f"{stem}-{interpreter}.json"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        pyperf.BenchmarkSuite([c.result for c in cells]).dump(str(scratch), replace=True)
        os.replace(scratch, target)
    return target
