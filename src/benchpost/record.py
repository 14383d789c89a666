"""``python -m benchpost record``: this machine's set, for committing.

A recorded set is what one run measured side by side on one machine
(``store.sets``). ``record`` measures every group on every configured
interpreter found here, together, in a cache of its own (so that nothing
measured by an earlier run joins the set), and then replaces this machine's
files of the recorded metrics under the suite's ``recorded:`` folder. It
replaces nothing unless every number was measured, and it never touches
another machine's folder.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from benchpost.config import Settings
from benchpost.measure.metric import Metric
from benchpost.measure.registry import DEFAULT, METRICS, metric_named
from benchpost.store import MEASURE, ResultStore, outcome, recorded
from benchpost.store.layout import RecordedLayout
from benchpost.store.outcome import FAILED, OK, Outcome
from benchpost.suite import EMPTY_LOOP, Profile, Suite, SuiteError, load_suite

#: A machine's name is a folder's name: letters, digits, '.', '_', '-'.
MACHINE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


#: The ``--profile`` of the commands whose numbers are published (record, freeze).
PUBLISHING_PROFILE_HELP = (
    "profile to measure with (default: the suite's first with 'publish: true')"
)


class RecordError(Exception):
    """Nothing was recorded (and nothing replaced)."""


def check_machine_name(name: str) -> str:
    """``name``, or ``RecordError`` if it cannot name a folder."""
    if name and not MACHINE_NAME.fullmatch(name):
        raise RecordError(
            f"--machine {name!r}: a machine's name is a folder's name (letters, digits, "
            f"'.', '_' and '-', at most 80), e.g. --machine epyc-vm"
        )
    return name


def with_commands(suite: Suite, commands: Sequence[str]) -> Suite:
    """``suite`` with the interpreters of ``commands`` (``NAME=COMMAND [ARGS]``) run
    by those commands: a declared one's command replaced, a variant
    (``pypy-7.3.17``, ``suite.model.variant``) added. ``RecordError`` if malformed."""
    specs = {spec.name: spec for spec in suite.interpreters}
    for given in commands:
        name, equals, command = given.partition("=")
        argv = shlex.split(command) if equals else []
        if not argv or not name.strip():
            raise RecordError(
                f"--command {given!r}: give NAME=COMMAND, e.g. --command "
                f"pypy-7.3.17=/opt/pypy3.10-v7.3.17/bin/python (a declared interpreter, "
                f"or a variant of one named after it)"
            )
        spec = suite.interpreter(name.strip())  # LookupError names the known ones
        specs[spec.name] = replace(spec, command=argv[0], args=(*argv[1:], *spec.args))
    return replace(suite, interpreters=tuple(specs.values()))


def record(
    suite: Suite,
    profile: Profile,
    cache_dir: Path,
    metrics: Sequence[Metric],
    machine: str = "",
    timeout: float = 600.0,
    progress: Callable[[str], None] = print,
    names: Sequence[str] = (),
) -> Path:
    """Measure this machine's set (every group of ``suite``) and put it in place;
    returns its folder."""
    check_machine_name(machine)
    scratch_cache = cache_dir / "record"
    shutil.rmtree(scratch_cache, ignore_errors=True)
    store = ResultStore(suite, profile, scratch_cache, timeout, progress, MEASURE,
                        names=tuple(names), machine=machine)  # fmt: skip
    found, missing = store.interpreters(names)
    if names and missing:  # asked for by name (a CI job's cell): the set needs it
        raise RecordError(f"{missing[0]} (nothing recorded: the set was to hold it)")
    for exc in missing:
        progress(f"not in this set: {exc}")
    if not found:
        raise RecordError("no configured interpreter was found here: nothing to record")
    for metric in metrics:
        problem = store.cannot_measure(metric)
        if problem:
            raise RecordError(f"{metric.plural} need {problem}")
    name = store.measured_in.machine.name
    target = suite.recorded_dir / name
    # Staged in the cache: a record killed outright leaves nothing in the source tree.
    staging = scratch_cache / "set"
    _measure_into(store, [interp.spec for interp in found], metrics, staging)
    _replace(target, staging, metrics)
    shutil.rmtree(scratch_cache, ignore_errors=True)
    return target


def _measure_into(store: ResultStore, specs, metrics: Sequence[Metric], staging: Path) -> None:
    """Measure every group on ``specs`` together; copy the results into ``staging``."""
    layout = RecordedLayout(staging)
    failed = []
    for metric in metrics:
        for group in store.suite.groups:
            rows = tuple(dict.fromkeys([EMPTY_LOOP, *group.benchmarks]))
            results = store.measured_here(rows, specs, metric)
            for (bench, interp), cell in results.cells.items():
                if cell.ok and cell.path is not None:
                    recorded.save(layout.result(interp, bench, metric), cell.path)
                else:
                    failed.append(f"{bench.group}/{bench.name} on {interp}: {cell.error}")
    if failed:
        raise RecordError(
            f"{len(failed)} results could not be measured, so nothing was replaced "
            f"(a set is recorded whole); first: {failed[0]}"
        )


def _replace(target: Path, staging: Path, metrics: Sequence[Metric]) -> None:
    """Put the staged files of ``metrics`` in place of the target's (its other
    metrics' files stay)."""
    for old in list(target.glob("*/*/*.json")) if target.is_dir() else []:
        if _metric_of(old) in metrics:
            old.unlink()
    for new in staging.rglob("*.json"):
        recorded.save(target / new.relative_to(staging), new)  # atomically, file by file
    for folder in sorted(target.rglob("*"), reverse=True):  # emptied folders go
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _metric_of(path: Path) -> Metric | None:
    """The metric of a recorded file, by its name (``x.json``, ``x.instructions.json``)."""
    tags = {m.file_tag: m for m in METRICS.values()}
    stem_tag = path.name[: -len(".json")].rpartition(".")[2] if path.name.count(".") > 1 else ""
    return tags.get(stem_tag, tags.get(""))


# -- the command line ----------------------------------------------------------


def add_parsers(commands, anywhere: argparse.ArgumentParser) -> None:
    """The ``record`` and ``convert`` commands of ``python -m benchpost``."""
    record = commands.add_parser(
        "record",
        parents=[anywhere],
        help="measure this machine's set (every group, every interpreter found here, "
        "together) into the suite's recorded folder, for committing",
    )
    record.add_argument(
        "--machine",
        default="",
        help="the set's machine name (default: $BENCHPOST_MACHINE, else derived from "
        "this machine's CPU, cores, memory, kernel and virtualisation)",
    )
    record.add_argument("--profile", help=PUBLISHING_PROFILE_HELP)
    record.add_argument(
        "--interpreter", action="append", dest="interpreters",
        help="record only these interpreters (repeat; default: every one found here)",
    )  # fmt: skip
    record.add_argument(
        "--metric", action="append", dest="metrics", metavar="METRIC",
        help=f"{' or '.join(METRICS)} (repeat for both; default: {DEFAULT.name})",
    )  # fmt: skip
    record.add_argument(
        "--timeout", type=float, default=Settings.timeout,
        help="seconds before one benchmark is killed (%(default)s)",
    )  # fmt: skip
    record.add_argument(
        "--command", action="append", dest="commands", default=[], metavar="NAME=COMMAND",
        help="run interpreter NAME with COMMAND [ARGS] (repeat); NAME is declared in the "
        "suite or a variant of one (pypy-7.3.17); only the named ones are recorded",
    )  # fmt: skip
    record.add_argument(
        "--group", action="append", dest="groups", default=[], metavar="GROUP",
        help="record only these groups (repeat): a smaller set, in place of the machine's",
    )  # fmt: skip
    record.add_argument(
        "--draft", action="store_true",
        help="record with a profile that is not for publishing (no 'publish: true')",
    )  # fmt: skip
    record.add_argument(
        "--outcome", action="store_true",
        help="also write the set's outcome.json (ok, or failed and why), as a CI job does",
    )  # fmt: skip
    convert = commands.add_parser(
        "convert",
        parents=[anywhere],
        help="make results recorded before sets (<recorded>/<interpreter>/...) one set",
    )
    convert.add_argument("--machine", default="", help="the set's machine name")


def run(args: argparse.Namespace, progress: Callable[[str], None]) -> int:
    """Run ``record`` or ``convert``; the exit code."""
    from benchpost.convert import convert  # it uses this module

    suite = None
    try:
        suite = load_suite(args.suite)
        if args.command == "convert":
            folder = convert(suite.recorded_dir, args.machine)
        else:
            folder = _record(args, suite, progress)
    except (SuiteError, LookupError, RecordError) as exc:
        message = exc.args[0] if isinstance(exc, LookupError) else str(exc)
        print(f"benchpost: error: {message}", file=sys.stderr)
        machine = args.machine or os.environ.get("BENCHPOST_MACHINE", "")
        if args.command == "record" and args.outcome and suite and MACHINE_NAME.fullmatch(machine):
            # A CI job's set says why it has no results (store.outcome).
            failed = Outcome(FAILED, message, cell=machine)
            written = outcome.write(suite.recorded_dir / machine, failed)
            print(f"benchpost: outcome written to {written}", file=sys.stderr)
        return 2
    files = sum(1 for _ in folder.glob("*/*/*.json"))
    print(f"benchpost: {args.command}ed {folder}: {files} results in one set; commit it:\n"
          f"    git add {folder}", file=sys.stderr)  # fmt: skip
    return 0


def _record(args: argparse.Namespace, suite: Suite, progress: Callable[[str], None]) -> Path:
    settings = Settings.from_values(
        {"suite": args.suite, "machine": args.machine}, Path.cwd(), Path(args.cache_dir),
        explicit={"machine"} if args.machine else (),
    )  # fmt: skip
    metrics = [metric_named(m) for m in args.metrics or [DEFAULT.name]]
    # Counts do not depend on the profile: any will do for them.
    counts_only = all(m.deterministic for m in metrics)
    profile = suite.profile_to_publish(args.profile, draft=args.draft or counts_only)
    suite = with_commands(suite, args.commands)
    if args.groups:
        suite = replace(suite, groups=tuple(suite.group(g) for g in args.groups))
    names = [*(args.interpreters or ()), *(c.partition("=")[0].strip() for c in args.commands)]
    folder = record(
        suite, profile, Path(settings.cache_dir), metrics,
        settings.machine, args.timeout, progress, list(dict.fromkeys(names)),
    )  # fmt: skip
    if args.outcome:
        outcome.write(folder, Outcome(OK, cell=folder.name))
    return folder
