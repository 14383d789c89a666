"""The script whose instructions callgrind counts: one benchmark's loop, nothing else.

It is started as ``valgrind --tool=callgrind <interpreter> counter.py
ITERATIONS WARMUP SETUP CODE PATH`` (``PATH``: folders for ``sys.path``,
joined by ``os.pathsep``), once for each of N, 2N, 4N ... iterations.
Everything else it does (starting the interpreter, importing, the setup,
the warm-up in which PyPy's JIT compiles the loop) is the same in every run,
so the difference of two counts is the cost of the extra iterations alone.

It is as plain as a script can be on purpose: the arguments come on the
command line (no json), and nothing is imported that a plain script would
not import, because on PyPy even one more imported module changes the count
of some loops by 10%. Like ``worker.py`` it must run on any Python 3 the
suite targets: standard library only.
"""

import os
import sys


def main():
    iterations, warmup, setup, code, path = sys.argv[1:6]
    sys.path[:0] = path.split(os.pathsep)
    from loop import make_loop

    loop = make_loop(setup, code)
    loop(int(warmup), int)  # `int` as the timer: int() costs next to nothing
    loop(int(iterations), int)


if __name__ == "__main__":
    main()
