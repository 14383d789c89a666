"""The command line: measure, show and record results without building the site.

    python -m benchpost run    [GROUP ...] [--profile P] [--interpreter NAME ...] [--metric M]
    python -m benchpost show   [GROUP ...] [--subtract-loop] [--mode recorded] [--metric M]
    python -m benchpost record [--machine NAME] [--metric M] [--profile P] [--command N=CMD]
    python -m benchpost convert [--machine NAME]
    python -m benchpost grid   [--github-output]
    python -m benchpost merge  DIR
    python -m benchpost freeze POST [--profile P]
    python -m benchpost claims POST [--profile P] [--mode M]
    python -m benchpost warmup GROUP/BENCH --interpreter NAME [--processes N] [--values N]
    python -m benchpost clean

It uses the same suite, store and cache folder as ``tox -e build``, so what
``run`` measures, the next build takes from the store (and the other way).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from benchpost import grid, merge, record
from benchpost.config import Settings
from benchpost.files import slug
from benchpost.freeze import FreezeError, freeze
from benchpost.measure.metric import Metric
from benchpost.measure.registry import DEFAULT, METRICS
from benchpost.render.table import TableOptions
from benchpost.render.text import text_table
from benchpost.results import Results
from benchpost.store import MODES, ResultStore
from benchpost.suite import SuiteError, load_suite

#: Where ``tox -e build`` keeps its cache (``<doctrees>/benchpost``).
DEFAULT_CACHE = Path("_build", "doctrees", "benchpost")

_COMMANDS = {
    "run": "measure what is missing from the store",
    "show": "print the tables as the post shows them (measuring what is missing)",
}


def build_parser() -> argparse.ArgumentParser:
    """Every command and option of ``python -m benchpost`` (docs/reference/cli.rst
    documents each; tests/test_docs.py compares the two)."""
    parser = argparse.ArgumentParser(prog="benchpost", description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default=Settings.suite, help="suite file (%(default)s)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE,
        help="results, builds and charts (%(default)s)",
    )
    # The same two options after the command too ("run --cache-dir X"), as users type them.
    anywhere = argparse.ArgumentParser(add_help=False)
    anywhere.add_argument("--suite", default=argparse.SUPPRESS, help="suite file")
    anywhere.add_argument("--cache-dir", type=Path, default=argparse.SUPPRESS, help="cache")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in _COMMANDS.items():
        _add_measuring(commands.add_parser(name, help=text, description=text, parents=[anywhere]))
    record.add_parsers(commands, anywhere)
    grid.add_parser(commands, anywhere)
    merge.add_parser(commands, anywhere)
    _add_freeze(commands, anywhere)
    _add_warmup(commands, anywhere)
    _add_claims(commands, anywhere)
    commands.add_parser(
        "clean", help="delete the cache folder (everything is measured again)", parents=[anywhere]
    )
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def _add_measuring(sub: argparse.ArgumentParser) -> None:
    """The options of ``run`` and ``show``."""
    sub.add_argument(
        "groups", nargs="*",
        help="benchmark groups (default: all); for show, a post instead (posts/x.rst): "
        "the post as a build shows it, in text",
    )  # fmt: skip
    sub.add_argument(
        "--profile", help=f"profile of the suite ($BENCHPOST_PROFILE, else {Settings.profile})"
    )
    sub.add_argument(
        "--interpreter", action="append", dest="interpreters",
        help="an interpreter to use (repeat; default: all)",
    )  # fmt: skip
    sub.add_argument(
        "--mode", choices=MODES,
        help=f"where numbers come from ($BENCHPOST_MODE, else {Settings.mode})",
    )  # fmt: skip
    sub.add_argument(
        "--timeout", type=float, default=Settings.timeout,
        help="seconds before one benchmark is killed (%(default)s)",
    )  # fmt: skip
    sub.add_argument(
        "--metric", action="append", dest="metrics", metavar="METRIC",
        help=f"what to measure: {' or '.join(METRICS)} (repeat for both; default: "
        f"$BENCHPOST_METRICS, else {DEFAULT.name}: counting takes minutes, ask for it)",
    )  # fmt: skip
    sub.add_argument(
        "--subtract-loop", action="store_true",
        help="show per-call cost, the empty loop subtracted",
    )  # fmt: skip


def _add_claims(commands, anywhere: argparse.ArgumentParser) -> None:
    claims = commands.add_parser(
        "claims", parents=[anywhere], help="check a post's claims and print their verdicts"
    )
    claims.add_argument("post", type=Path, help="the post, e.g. posts/cape-town-sprint.rst")
    claims.add_argument("--profile", help="profile to measure with (default: the build's)")
    claims.add_argument("--mode", choices=MODES, help="where numbers come from")


def _add_freeze(commands, anywhere: argparse.ArgumentParser) -> None:
    frozen = commands.add_parser(
        "freeze",
        parents=[anywhere],
        help="measure a post and keep its numbers with it (run it again to refresh them)",
    )
    frozen.add_argument("post", type=Path, help="the post, e.g. posts/cape-town-sprint.rst")
    frozen.add_argument("--profile", help=record.PUBLISHING_PROFILE_HELP)
    frozen.add_argument(
        "--draft", action="store_true",
        help="freeze with a profile that is not for publishing (no 'publish: true')",
    )  # fmt: skip


def _add_warmup(commands, anywhere: argparse.ArgumentParser) -> None:
    warm = commands.add_parser(
        "warmup",
        parents=[anywhere],
        help="draw a benchmark's values in fresh processes: how much warm-up it needs",
    )
    warm.add_argument("benchmark", help="GROUP/BENCHMARK, e.g. calls/onearg(i)")
    warm.add_argument("--interpreter", required=True, help="e.g. pypy")
    warm.add_argument("--profile", help="profile whose warm-ups to check (default: quick)")
    warm.add_argument("--processes", type=int, default=5, help="processes (%(default)s)")
    warm.add_argument("--values", type=int, default=60, help="values each (%(default)s)")
    warm.add_argument("--output", type=Path, help="the chart (PNG; default under the cache)")


def _warmup(args: argparse.Namespace) -> int:
    from benchpost.measure.compiler import BuildError
    from benchpost.measure.interpreters import InterpreterNotFound
    from benchpost.measure.process import MeasureError
    from benchpost.warmup import describe_levels, measure_curves, write_chart

    try:
        suite = load_suite(args.suite)
        group, _, name = args.benchmark.partition("/")
        bench = suite.benchmark(group, name)
        settings = Settings.from_values(
            {"suite": args.suite, **({"profile": args.profile} if args.profile else {})},
            Path.cwd(),
            Path(args.cache_dir),
            explicit={"profile"} if args.profile else (),
        )
        store = ResultStore(suite, suite.profile(settings.profile), Path(args.cache_dir))
        curves = measure_curves(
            store, bench, args.interpreter, args.processes, args.values, _print_progress
        )
    except (SuiteError, LookupError) as exc:
        print(f"benchpost: error: {exc.args[0] if isinstance(exc, LookupError) else exc}",
              file=sys.stderr)  # fmt: skip
        return 2
    except (MeasureError, InterpreterNotFound, BuildError) as exc:
        print(f"benchpost: error: {exc}", file=sys.stderr)
        return 1
    slug_name = slug(f"{bench.group}-{bench.name}-{args.interpreter}")
    output = args.output or Path(args.cache_dir, "warmup", f"{slug_name}.png")
    write_chart(curves, output)
    print(describe_levels(curves))
    print(curves.verdict(store.profile.name))
    print(f"chart: {output}")
    return 0


def _freeze(args: argparse.Namespace) -> int:
    try:
        suite = load_suite(args.suite)
        profile = suite.profile_to_publish(args.profile, args.draft)
        folder = freeze(args.post, Path.cwd(), suite.recorded_dir, profile.name)
    except (SuiteError, LookupError, FreezeError) as exc:
        print(f"benchpost: error: {exc}", file=sys.stderr)
        return 2
    files = sum(1 for p in folder.rglob("*.json"))
    print(
        f"benchpost: froze {args.post}: {files} results in {folder}; commit both:\n"
        f"    git add {args.post} {folder}",
        file=sys.stderr,
    )
    return 0


def settings_of(args: argparse.Namespace) -> Settings:
    """The same ``Settings`` a build makes, from the command line's options."""
    given = {
        "suite": args.suite,
        "cache_dir": str(args.cache_dir),
        "timeout": args.timeout,
        "profile": args.profile,
        "mode": args.mode,
        "interpreters": args.interpreters,
        # Times unless asked: a count runs minutes under valgrind. (A build shows
        # what conf.py's benchpost_metrics says.)
        "metrics": args.metrics or [DEFAULT.name],
    }
    values = {k: v for k, v in given.items() if v is not None}
    typed = {"profile": args.profile, "mode": args.mode, "interpreters": args.interpreters,
             "metrics": args.metrics}  # fmt: skip
    explicit = {name for name, value in typed.items() if value}
    return Settings.from_values(values, Path.cwd(), Path(args.cache_dir), explicit)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``benchpost`` and ``python -m benchpost``; returns the exit code."""
    args = parse_args(argv)
    if args.command == "freeze":
        return _freeze(args)
    if args.command in ("record", "convert"):
        return record.run(args, _print_progress)
    if args.command == "grid":
        return grid.run(args)
    if args.command == "merge":
        return merge.run(args)
    if args.command == "claims":
        from benchpost.claims import run

        return run(args, _print_progress)
    if args.command == "warmup":
        return _warmup(args)
    if args.command == "show" and [Path(g).suffix for g in args.groups] == [".rst"]:
        from benchpost.show_post import show_post

        return show_post(Path(args.groups[0]), Path.cwd(), args.cache_dir, args.profile)
    if args.command == "clean":
        shutil.rmtree(args.cache_dir, ignore_errors=True)
        print(f"removed {args.cache_dir}")
        return 0
    try:
        settings = settings_of(args)
        suite = load_suite(settings.suite)
        groups = [suite.group(g) for g in args.groups] or list(suite.groups)
        store = ResultStore(
            suite,
            suite.profile(settings.profile),
            Path(settings.cache_dir),
            settings.timeout,
            progress=_print_progress,
            mode=settings.mode,
            names=settings.interpreters,
            machine=settings.machine,
            recorded_set=settings.recorded_set,
        )
        metrics = _metrics(settings, store)
    except (SuiteError, LookupError) as exc:
        print(
            f"benchpost: error: {exc.args[0] if isinstance(exc, LookupError) else exc}",
            file=sys.stderr,
        )
        return 2
    interpreters = list(settings.interpreters) or None
    failed = 0
    for group in groups:
        tables = [store.results(group.benchmarks, interpreters, m) for m in metrics]
        failed += sum(1 for results in tables for c in results.cells.values() if not c.ok)
        if args.command == "show":
            options = TableOptions(title=group.title, subtract_loop=args.subtract_loop)
            print(text_table(tables, options), end="\n\n")
            for results in tables:
                _print_files(results)
    print(f"benchpost: {store.summary()} (cache {settings.cache_dir})", file=sys.stderr)
    return 1 if failed else 0


def _metrics(settings: Settings, store: ResultStore) -> tuple[Metric, ...]:
    """The metrics to measure; one whose tool is missing here is an error."""
    metrics = settings.enabled_metrics()
    for metric in metrics:
        problem = store.cannot_measure(metric)
        if problem:
            raise LookupError(f"{metric.plural} need {problem}")
    return metrics


def _print_progress(message: str) -> None:
    print(f"benchpost: {message}", file=sys.stderr, flush=True)


def _print_files(results: Results) -> None:
    """The pyperf files behind a table: `python -m pyperf stats FILE` reads each."""
    for (bench, interp), cell in results.cells.items():
        if cell.path:
            print(f"  {bench.name} on {interp}: {cell.path}")
    print()
