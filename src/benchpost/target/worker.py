"""One timed worker process: calibrate, warm up, time the loop, write the values.

It is started as ``<interpreter> [args] worker.py SPEC.json`` by
``benchpost.measure.timing``, once per interpreter in every round. It must
run on any Python 3 the suite targets, PyPy 3.9 included, so it imports
nothing but the standard library, ``loop.py`` beside it and the extension
under test, and uses no newer syntax.

The spec (JSON) gives ``setup``, ``code``, ``path`` (put first on
``sys.path``), ``loops`` (0: calibrate here, so that a value takes
``min_time`` times ``stretch``), ``min_time`` (seconds a value takes at least), ``warmups``,
``values`` and ``output`` (where the result goes). The result (JSON):
``loops``, ``calibration`` and ``warmups`` as ``[loops, seconds per
iteration]`` pairs, and ``values`` in seconds per
iteration, in the order they were taken; ``cpu_share``, the CPU time the
process got while taking them, over their wall time (1.0: a core to itself).
"""

import json
import sys
import time

from loop import make_loop

#: Beyond this, a loop iteration takes no measurable time: the code is wrong.
MAX_LOOPS = 2**32


def calibrate(loop, min_time, timer):
    """Double the loop count until one value takes ``min_time``; every try is kept
    (they warm up the loop too, and on PyPy they are where the JIT compiles it)."""
    loops, tries = 1, []
    while True:
        elapsed = loop(loops, timer)
        tries.append([loops, elapsed / loops])
        if elapsed >= min_time or loops >= MAX_LOOPS:
            return loops, tries
        loops *= 2


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    sys.path[:0] = spec["path"]
    loop = make_loop(spec["setup"], spec["code"])
    timer = time.perf_counter
    loops, calibration = spec["loops"], []
    if not loops:
        loops, calibration = calibrate(loop, spec["min_time"], timer)
        # A value then takes min_time times a random factor in [1, 1.5): the
        # loop count is no power of two shared by every process (a garbage
        # collector's rhythm, say, would otherwise fall the same way in all).
        per_iteration = calibration[-1][1]
        if per_iteration > 0:
            wanted = spec["min_time"] * spec.get("stretch", 1.0) / per_iteration
            loops = max(1, min(MAX_LOOPS, int(wanted) + 1))
    warmups = [[loops, loop(loops, timer) / loops] for _ in range(spec["warmups"])]
    values, cpu, wall = [], 0.0, 0.0
    for _ in range(spec["values"]):
        # The CPU time beside the wall time: a value taken while another process
        # shared the core is slow for a reason that is not the benchmark's.
        started = time.process_time()
        elapsed = loop(loops, timer)
        cpu += time.process_time() - started
        wall += elapsed
        values.append(elapsed / loops)
    result = {
        "loops": loops,
        "calibration": calibration,
        "warmups": warmups,
        "values": values,
        "cpu_share": cpu / wall if wall > 0 else 1.0,
    }
    with open(spec["output"], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
