"""The script whose instructions callgrind counts: one benchmark's loop, nothing else.

It is started as ``valgrind --tool=callgrind --dump-before=nice <interpreter>
counter.py SIZES WARMUP SETUP CODE PATH`` (``SIZES``: iteration counts such
as ``20000,40000,80000``; ``PATH``: folders for ``sys.path``, joined by
``os.pathsep``). After the warm-up, in which PyPy's JIT compiles the loop,
it runs the loop once for each size, one after the other, and calls
``os.nice(0)`` before each and after the last: callgrind writes out its count
every time libc's ``nice`` is entered, so each loop's instructions come in a
file of their own. Each loop costs its iterations plus the same call and
marker overhead, so the difference of two loops' counts is the cost of the
extra iterations alone. Startup, imports, setup and warm-up are counted in
the first file, before any loop, and never enter a value.

``nice(0)`` is the marker because it changes nothing and costs the same every
time, and neither interpreter nor a shell wrapper calls it of its own accord
(a shell calls ``getpid`` and ``getppid``; ``times`` returns varying numbers,
and converting them varies the count).

It is as plain as a script can be on purpose: the arguments come on the
command line (no json), and nothing is imported that a plain script would
not import, because on PyPy even one more imported module changes the count
of some loops by 10%. Like ``worker.py`` it must run on any Python 3 the
suite targets: standard library only.
"""

import os
import sys


def main():
    sizes, warmup, setup, code, path = sys.argv[1:6]
    sys.path[:0] = path.split(os.pathsep)
    from loop import make_loop

    loop = make_loop(setup, code)
    loop(int(warmup), int)  # `int` as the timer: int() costs next to nothing
    for size in sizes.split(","):
        os.nice(0)
        loop(int(size), int)
    os.nice(0)


if __name__ == "__main__":
    main()
