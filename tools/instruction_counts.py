"""How steady and how fast are instruction counts? The full suite, counted twice.

Counts every benchmark of the suite (every group, every interpreter found)
twice, each time into an empty cache, with the suite's own settings, while
another process keeps one core busy; then prints both counts side by side,
their largest relative difference (the goal: under 1%), and the wall time
of each full count (the goal: under 10 minutes).

    python tools/instruction_counts.py [--no-busy-core]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchpost.measure.counting import INSTRUCTIONS
from benchpost.results import Results
from benchpost.store import ResultStore
from benchpost.suite import load_suite

ROOT = Path(__file__).resolve().parents[1]


def count_everything(cache: Path) -> tuple[list[Results], float]:
    """Every group on every interpreter, counted into ``cache``; and the seconds it took."""
    suite = load_suite(ROOT / "benchmarks" / "suite.yaml")
    store = ResultStore(suite, suite.profile("quick"), cache, progress=_progress)
    started = time.monotonic()
    grids = [store.results(g.benchmarks, metric=INSTRUCTIONS) for g in suite.groups]
    return grids, time.monotonic() - started


def _progress(message: str) -> None:
    if message.startswith("counted"):
        print(f"  {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-busy-core", action="store_true", help="leave the machine alone")
    args = parser.parse_args()
    spin = None
    if not args.no_busy_core:
        spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        with tempfile.TemporaryDirectory(prefix="instruction-counts-") as scratch:
            runs = []
            for number in (1, 2):
                print(f"full count {number}:", flush=True)
                runs.append(count_everything(Path(scratch, f"run-{number}")))
    finally:
        if spin:
            spin.kill()
    (first, first_seconds), (second, second_seconds) = runs
    worst = 0.0
    print(f"\n{'benchmark':22} {'interpreter':16} {'run 1':>10} {'run 2':>10} {'diff':>7}")
    shown_already = set()
    for a, b in zip(first, second, strict=True):
        for key, cell in a.cells.items():
            if key in shown_already:  # the empty loop, beside every group
                continue
            shown_already.add(key)
            one, two = cell.mean(), b.cells[key].mean()
            diff = abs(one - two) / one
            worst = max(worst, diff)
            shown = a.interpreter(key[1])
            print(
                f"{key[0].name:22} {shown.display if shown else key[1]:16} "
                f"{one:10.1f} {two:10.1f} {diff:7.2%}"
            )
    print(f"\nlargest difference between the two runs: {worst:.3%} (goal: under 1%)")
    print(
        f"full count: {first_seconds / 60:.1f} and {second_seconds / 60:.1f} minutes "
        f"(goal: under 10)"
    )


if __name__ == "__main__":
    main()
