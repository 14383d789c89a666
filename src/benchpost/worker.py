"""The pyperf script that runs inside the measured interpreter.

It is started as ``<interpreter> worker.py --spec SPEC.json <pyperf options>``
and is pyperf's master there: pyperf re-runs this same file in separate
worker processes (calibration, warm-ups, values), which is why the spec path
is passed on with ``add_cmdline_args``. It must run on any Python 3 the
suite targets, PyPy 3.9 included, so it imports nothing but the standard
library, pyperf and the extension under test, and uses no newer syntax.

The benchmark is compiled into its own function so that every benchmark has
its own code object (and, on PyPy, its own JIT trace):

    def bench_loop(loops, timer):
        <setup>
        t0 = timer()
        for i in range(loops):
            <code>
        return timer() - t0

pyperf divides the time by ``loops``: values are seconds per iteration.
"""

import json
import sys
import textwrap

import pyperf

_TEMPLATE = """\
def bench_loop(loops, timer):
{setup}
    range_loops = range(loops)
    t0 = timer()
    for i in range_loops:
{code}
    return timer() - t0
"""


def make_loop(setup, code):
    """Compile the timed loop for one benchmark."""
    source = _TEMPLATE.format(
        setup=textwrap.indent(setup or "pass", "    "), code=textwrap.indent(code, "        ")
    )
    namespace = {}
    exec(compile(source, "<benchmark>", "exec"), namespace)
    return namespace["bench_loop"]


def _pass_spec(cmd, args):
    cmd.extend(("--spec", args.spec))


def main():
    runner = pyperf.Runner(add_cmdline_args=_pass_spec)
    runner.argparser.add_argument(
        "--spec", required=True, help="JSON file: name, setup, code, path"
    )
    args = runner.parse_args()
    with open(args.spec, encoding="utf-8") as f:
        spec = json.load(f)
    sys.path[:0] = spec["path"]
    loop = make_loop(spec["setup"], spec["code"])
    runner.bench_time_func(
        spec["name"], loop, pyperf.perf_counter, metadata=spec.get("metadata") or None
    )


if __name__ == "__main__":
    main()
