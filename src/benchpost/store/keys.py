"""The two keys of a result: what its code is, and everything that can change it.

- ``code_digest``: the benchmark's code and setup and the C sources. Written
  into every result file, so that a recorded result can tell that the code
  it was measured with has changed since (it is then "stale").
- ``fingerprint``: everything that can change a number (the metric and its
  own facts, the benchmark, the compiled extension, the interpreter's
  identity, the store's format). It names the file in the cache: a changed
  fingerprint is a miss, and is measured.
"""

from __future__ import annotations

from benchpost.digest import digest
from benchpost.measure.metric import Job, Metric
from benchpost.schema import STORE_FORMAT
from benchpost.suite import Benchmark


def code_digest(bench: Benchmark, source_digest: str) -> str:
    """A hash of what the benchmark runs: its code and the C extension's sources."""
    return digest(bench.setup, bench.code, source_digest)


def fingerprint(job: Job, metric: Metric, extension_digest: str) -> str:
    """A hash of everything that can change the numbers of ``job`` by ``metric``."""
    bench = job.benchmark
    return digest(
        STORE_FORMAT,
        metric.name,
        [bench.name, bench.setup, bench.code],
        extension_digest,
        job.interpreter.identity(),
        metric.fingerprint_facts(job),
    )
