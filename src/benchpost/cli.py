"""The command line: measure and show results without building the site.

    python -m benchpost run  [GROUP ...] [--profile P] [--interpreter NAME ...]
    python -m benchpost show [GROUP ...] [--subtract-loop]
    python -m benchpost clean

It uses the same suite, store and cache folder as ``tox -e build``, so what
``run`` measures, the next build takes from the store (and the other way).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from benchpost.config import Settings
from benchpost.render.table import TableOptions
from benchpost.render.text import text_table
from benchpost.store import ResultStore
from benchpost.suite import Group, Suite, load_suite
from benchpost.yamlfile import SuiteError

#: Where ``tox -e build`` keeps its cache (``<doctrees>/benchpost``).
DEFAULT_CACHE = Path("_build", "doctrees", "benchpost")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchpost", description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default=Settings.suite, help="suite file (%(default)s)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="results, builds and charts (%(default)s)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("run", "measure what is missing"),
        ("show", "print the tables as the post shows them (measuring what is missing)"),
    ):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("groups", nargs="*", help="benchmark groups (default: all)")
        sub.add_argument(
            "--profile",
            default=os.environ.get("BENCHPOST_PROFILE") or Settings.profile,
            help="profile of the suite (%(default)s)",
        )
        sub.add_argument(
            "--interpreter",
            action="append",
            dest="interpreters",
            help="an interpreter to use (repeat; default: all)",
        )
        sub.add_argument("--timeout", type=float, default=Settings.timeout)
        sub.add_argument(
            "--subtract-loop",
            action="store_true",
            help="show per-call cost, the empty loop subtracted",
        )
    commands.add_parser("clean", help="delete the cache folder (everything is measured again)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "clean":
        shutil.rmtree(args.cache_dir, ignore_errors=True)
        print(f"removed {args.cache_dir}")
        return 0
    try:
        suite = load_suite(args.suite)
        groups = [suite.group(g) for g in args.groups] or list(suite.groups)
        store = ResultStore(
            suite,
            suite.profile(args.profile),
            args.cache_dir,
            args.timeout,
            progress=lambda message: print(f"benchpost: {message}", file=sys.stderr, flush=True),
        )
    except (SuiteError, LookupError) as exc:
        print(
            f"benchpost: error: {exc.args[0] if isinstance(exc, LookupError) else exc}",
            file=sys.stderr,
        )
        return 2
    return _run(args, suite, groups, store)


def _run(args: argparse.Namespace, suite: Suite, groups: list[Group], store: ResultStore) -> int:
    failed = 0
    for group in groups:
        results = store.results(group.benchmarks, args.interpreters)
        failed += sum(1 for c in results.cells.values() if not c.ok)
        if args.command == "show":
            options = TableOptions(title=group.title, subtract_loop=args.subtract_loop)
            print(text_table(results, options), end="\n\n")
    counts = store.counts
    print(
        f"benchpost: {sum(counts.values())} results: {counts['measured']} measured, "
        f"{counts['cached']} from the store, {counts['failed']} failed "
        f"(cache {args.cache_dir})",
        file=sys.stderr,
    )
    return 1 if failed else 0
