"""Build-speed benchmark: what does measuring-at-build-time cost an author?

Measures, in one run and on copies of this project in a temporary folder:

1. a cold build (empty cache: every benchmark is measured);
2. a warm build after a prose edit (nothing measured), several times;
3. a rebuild after editing one benchmark's code (one benchmark, every interpreter);
4. the same post with the directives and roles replaced by static reST
   (tables, images and numbers pasted in), after the same prose edit.

and prints medians and the ratio warm / static (the goal: at most 1.3).
Run it on a quiet machine; ratios from one run are what to compare.

    python tools/build_speed.py [--profile quick] [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchpost.measure.registry import DEFAULT as TIME
from benchpost.measure.registry import metric_named
from benchpost.render.chart import alt_text
from benchpost.render.inline import ALL, parse_ref, ratio_text, value_text
from benchpost.render.note import measurement_note
from benchpost.render.table import TableOptions, cell_text, legend, rows_of
from benchpost.store import ResultStore
from benchpost.suite import load_suite

ROOT = Path(__file__).resolve().parents[1]
SITE = ["conf.py", "index.rst", "posts", "figures", "benchmarks", "cext"]
POST = Path("posts", "cape-town-sprint.rst")
DIRECTIVE = re.compile(r"^\.\. benchmark-(table|chart):: (.+)\n((?:   :.*\n)*)", re.M)
ROLE = re.compile(r":bench(-ratio|-interpreter)?:`([^`]+)`")


def build(site: Path) -> float:
    """One sphinx-build in its own process, as tox runs it; returns seconds."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            "-d",
            str(site / "_build" / "doctrees"),
            str(site),
            str(site / "_build" / "html"),
        ],
        check=True,
    )
    return time.perf_counter() - started


def edit_prose(site: Path, count: int) -> None:
    post = site / POST
    post.write_text(post.read_text() + f"\nA sentence added by edit {count}.\n")


def copy_site(target: Path) -> Path:
    target.mkdir()
    for name in SITE:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def static_copy(site: Path, target: Path, profile: str) -> Path:
    """The same site with every number pasted in: what benchpost saves authors from."""
    copy_site(target)
    conf = target / "conf.py"
    conf.write_text(conf.read_text().replace('extensions = ["benchpost"]', "extensions = []"))
    suite = load_suite(target / "benchmarks" / "suite.yaml")
    store = ResultStore(suite, suite.profile(profile), site / "_build" / "doctrees" / "benchpost")
    text = (target / POST).read_text()
    charts = iter(sorted((site / "_build" / "html" / "_images").glob("chart-*.svg")))

    def directive(match: re.Match) -> str:
        kind, groups, options = match.group(1), match.group(2).split(), match.group(3)
        benchmarks = [b for g in groups for b in suite.group(g).benchmarks]
        named = re.search(r":metric: (\S+)", options)
        results = store.results(benchmarks, metric=metric_named(named.group(1)) if named else TIME)
        table_options = TableOptions(
            subtract_loop=":subtract-loop:" in options, show_loop=":hide-loop:" not in options
        )
        note = measurement_note(results)
        if kind == "chart":
            chart = next(charts)
            shutil.copy2(chart, target / "figures" / chart.name)
            alt = alt_text(results, rows_of(results, table_options))
            return f".. image:: /figures/{chart.name}\n   :alt: {alt}\n\n{note}\n\n"
        lines = [".. list-table::", "   :header-rows: 1", "", "   * - Benchmark"] + [
            f"     - {i.display}" for i in results.interpreters
        ]
        for bench in rows_of(results, table_options):
            lines.append(f"   * - ``{bench.name}``")
            for interp in results.interpreters:
                value, ratio = cell_text(results, bench, interp.name, table_options)
                lines.append(f"     - {value} {ratio}".rstrip())
        return "\n".join(lines) + f"\n\n{legend(results, table_options)}\n\n{note}\n\n"

    def role(match: re.Match) -> str:
        kind, target_text = match.group(1) or "", match.group(2)
        if kind == "-interpreter":
            found, _ = store.interpreters([target_text])
            return found[0].display
        ref = parse_ref(target_text, ratio=kind == "-ratio")
        benchmarks = (
            list(suite.group(ref.group).benchmarks)
            if ref.benchmark == ALL
            else [suite.benchmark(ref.group, ref.benchmark)]
        )
        results = store.results(benchmarks, metric=metric_named(ref.metric or TIME.name))
        if kind == "-ratio":
            return ratio_text(results, benchmarks, ref.interpreter, ref.reference)
        return value_text(results, benchmarks, ref.interpreter)

    text = ROLE.sub(role, DIRECTIVE.sub(directive, text))
    (target / POST).write_text(text)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="build-speed-") as scratch:
        site = copy_site(Path(scratch, "site"))
        conf = site / "conf.py"
        conf.write_text(conf.read_text() + f'\nbenchpost_profile = "{args.profile}"\n')
        cold = build(site)
        warm = []
        for count in range(args.repeat):
            edit_prose(site, count)
            warm.append(build(site))
        suite_file = site / "benchmarks" / "suite.yaml"
        suite_file.write_text(
            suite_file.read_text().replace("code: simple.noargs()", "code: (simple.noargs())")
        )
        one_benchmark = build(site)
        static = static_copy(site, Path(scratch, "static"), args.profile)
        build(static)
        static_times = []
        for count in range(args.repeat):
            edit_prose(static, count)
            static_times.append(build(static))
    warm_median, static_median = statistics.median(warm), statistics.median(static_times)
    print(f"profile {args.profile}, {args.repeat} repeats, medians:")
    print(f"  cold build (everything measured)     {cold:7.2f} s")
    print(f"  rebuild after one benchmark changed  {one_benchmark:7.2f} s")
    print(f"  warm build after a prose edit        {warm_median:7.2f} s")
    print(f"  static tables, after a prose edit    {static_median:7.2f} s")
    print(
        f"  ratio warm / static                  {warm_median / static_median:7.2f}x "
        f"(goal: at most 1.30x)"
    )
    print(f"  ratio cold / warm                    {cold / warm_median:7.1f}x")


if __name__ == "__main__":
    main()
