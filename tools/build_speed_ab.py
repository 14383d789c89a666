"""Build-speed A/B: do two commits build this blog in the same time?

Extracts both commits (``git archive``) into a temporary folder and builds each
with the current Python, importing that copy's own benchpost (``PYTHONPATH``).
For every repeat it measures, for both copies:

1. a cold build (``_build`` deleted: every benchmark is measured);
2. a warm build after a prose edit (nothing measured);
3. a no-change build (nothing edited, nothing measured);

and prints the medians, the ratio head / base, and every time.

Why side by side: this machine is small and shared, and its speed drifts by
more than the difference we look for. Timing all of one commit and then all of
the other would compare two moments of the machine. Here the two commits'
builds of each kind run next to each other, in an order that alternates
(A B, B A, A B, ...), so a slow spell hits both alike and the ratio stays fair.

    python tools/build_speed_ab.py --base <rev> [--head HEAD] [--repeat 3]
        [--profile quick] [--metrics time,instructions]

Commits before ed738be ran pyperf itself inside the measured interpreter, and
pyperf 2.11 no longer starts in PyPy 3.9 (``entry_points.select``): to build
such a base, run this with a Python whose pyperf is older (2.10.0 worked).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POST = Path("posts", "cape-town-sprint.rst")
KINDS = ("cold", "warm (prose edit)", "no change")


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def extract(rev: str, target: Path) -> Path:
    """The files of ``rev`` in ``target`` (no worktree, no untracked files)."""
    target.mkdir()
    archive = subprocess.Popen(["git", "-C", str(ROOT), "archive", rev], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(target)], stdin=archive.stdout, check=True)
    archive.stdout.close()
    if archive.wait() != 0:
        sys.exit(f"git archive {rev} failed")
    return target


def environment(copy: Path, args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ, BENCHPOST_PROFILE=args.profile, BENCHPOST_METRICS=args.metrics)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(copy / "src"), env.get("PYTHONPATH")]))
    return env


def check_import(copy: Path, env: dict[str, str]) -> None:
    """Stop unless the copy's own benchpost is the one Sphinx will import."""
    found = subprocess.run(
        [sys.executable, "-c", "import benchpost; print(benchpost.__file__)"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(copy.resolve()):
        sys.exit(f"{copy.name}: benchpost imported from {found}, not from the copy")


def build(copy: Path, env: dict[str, str]) -> tuple[float, str]:
    """One sphinx-build of ``copy``, as ``tox -e build`` runs it: seconds, what it measured."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
    command += ["-d", "_build/doctrees", ".", "_build/html"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        sys.exit(f"{copy.name}: sphinx-build exited with {done.returncode}:\n{tail}")
    said = [line for line in done.stdout.splitlines() if line.startswith("benchpost:")]
    summary = next((line for line in reversed(said) if "measured" in line), "")
    return elapsed, summary.split(" (profile")[0]


def prepare(kind: str, copy: Path, repeat: int) -> None:
    if kind == KINDS[0]:
        shutil.rmtree(copy / "_build", ignore_errors=True)
    elif kind == KINDS[1]:
        post = copy / POST
        post.write_text(post.read_text() + f"\nA sentence added by repeat {repeat}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="the commit to compare against")
    parser.add_argument("--head", default="HEAD", help="the commit under test (default: HEAD)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--metrics", default="time,instructions")
    args = parser.parse_args()
    revs = {"base": args.base, "head": args.head}
    labels = {
        side: f"{git('rev-parse', '--short', f'{rev}^{{commit}}')} ({rev})"
        for side, rev in revs.items()
    }
    times: dict[tuple[str, str], list[float]] = {(k, s): [] for k in KINDS for s in labels}
    with tempfile.TemporaryDirectory(prefix="build-speed-ab-") as scratch:
        copies = {side: extract(rev, Path(scratch, side)) for side, rev in revs.items()}
        envs = {side: environment(copy, args) for side, copy in copies.items()}
        for side, copy in copies.items():
            check_import(copy, envs[side])
        for repeat in range(args.repeat):
            order = ("base", "head") if repeat % 2 == 0 else ("head", "base")
            for kind in KINDS:
                for side in order:
                    prepare(kind, copies[side], repeat)
                    elapsed, summary = build(copies[side], envs[side])
                    times[kind, side].append(elapsed)
                    print(f"  repeat {repeat + 1}, {kind}, {side}: {elapsed:.2f} s  {summary}")
    print(f"\nbase = {labels['base']}, head = {labels['head']}")
    print(f"profile {args.profile}, metrics {args.metrics}, {args.repeat} repeats (ABBA order)")
    print(f"load average now: {' '.join(f'{load:.2f}' for load in os.getloadavg())}\n")
    print(f"{'build':<18} {'base median':>11} {'head median':>11} {'head/base':>9}  times (s)")
    for kind in KINDS:
        base, head = statistics.median(times[kind, "base"]), statistics.median(times[kind, "head"])
        each = "; ".join(
            f"{side} " + " ".join(f"{t:.2f}" for t in times[kind, side]) for side in labels
        )
        print(f"{kind:<18} {base:10.2f}s {head:10.2f}s {head / base:8.2f}x  {each}")


if __name__ == "__main__":
    main()
