"""The pyperf script that runs inside the measured interpreter.

It is started as ``<interpreter> worker.py --spec SPEC.json <pyperf options>``
and is pyperf's master there: pyperf re-runs this same file in separate
worker processes (calibration, warm-ups, values), which is why the spec path
is passed on with ``add_cmdline_args``. It must run on any Python 3 the
suite targets, PyPy 3.9 included, so it imports nothing but the standard
library, pyperf and the extension under test, and uses no newer syntax.

The loop itself is built by ``loop.py``, beside this file.

pyperf divides the time by ``loops``: values are seconds per iteration.
"""

import json
import sys

import pyperf
from loop import make_loop


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
