"""The script that counts one benchmark's instructions, inside the target under callgrind.

It is started as ``valgrind --tool=callgrind --instr-atstart=no ...
<interpreter> counter.py SPEC.json``. Instrumentation is off at start, so the
interpreter's startup, imports and the benchmark's setup are not counted.
The script then:

1. runs the loop ``warmup`` times uncounted (PyPy's JIT compiles it here);
2. switches instrumentation on and runs the loop ``chunks`` times, each
   ``iterations`` long, dumping the count after each chunk;
3. writes what it knows of itself to the JSON file ``facts``.

The caller divides each chunk's count by ``iterations``: one value per chunk.
Like ``worker.py`` it must run on any Python 3 the suite targets: standard
library only, and the compiled helper ``_benchpost_callgrind``.
"""

import json
import platform
import sys

from loop import make_loop


def _no_timer():
    return 0


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    sys.path[:0] = spec["path"]
    import _benchpost_callgrind as callgrind

    if not callgrind.running():
        sys.exit("counter.py counts nothing outside valgrind --tool=callgrind")
    loop = make_loop(spec["setup"], spec["code"])
    if spec["warmup"]:
        loop(spec["warmup"], _no_timer)
    callgrind.start()
    for chunk in range(spec["chunks"]):
        callgrind.zero()
        loop(spec["iterations"], _no_timer)
        callgrind.dump(f"benchpost chunk {chunk}")
    callgrind.stop()
    facts = {
        "platform": platform.platform(),
        "python_implementation": platform.python_implementation().lower(),
        "python_version": platform.python_version(),
        "python_executable": sys.executable,
    }
    with open(spec["facts"], "w", encoding="utf-8") as f:
        json.dump(facts, f)


if __name__ == "__main__":
    main()
