"""What runs inside the measured interpreter.

The rule for every file in this folder: it runs on any Python 3 the suite
targets, PyPy 3.9 included, so it uses the standard library only (plus
pyperf in ``worker.py``), no syntax newer than 3.9, and never imports
benchpost: the files are run as scripts from this folder (or from a copy of
it), and import each other by their plain names.

- ``loop.py``: the loop every benchmark runs, one function in a module of
  its own;
- ``worker.py``: pyperf's master and workers (times);
- ``counter.py``: the plain script callgrind counts (instructions).

The host side (``benchpost.measure``) names these files through the
constants below; their digest is part of every result's fingerprint, so a
change here measures everything again.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent
LOOP = HERE / "loop.py"
WORKER = HERE / "worker.py"
COUNTER = HERE / "counter.py"
