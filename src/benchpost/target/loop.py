"""The loop every benchmark runs, shared by the two scripts that run in the target.

``worker.py`` (times, with pyperf) and ``counter.py`` (instructions, under
callgrind) import this file from their own folder, so it must run on any
Python 3 the suite targets, PyPy 3.9 included: standard library only, no
newer syntax.

The benchmark is compiled into its own function, in a module of its own, so
that every benchmark has its own code object (and, on PyPy, its own JIT
trace):

    def bench_loop(loops, timer):
        <setup>
        t0 = timer()
        for i in range(loops):
            <code>
        return timer() - t0
"""

import textwrap
import types

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
    """Compile the loop for one benchmark: ``bench_loop(loops, timer)``."""
    source = _TEMPLATE.format(
        setup=textwrap.indent(setup or "pass", "    "), code=textwrap.indent(code, "        ")
    )
    # A real module, not a plain dict: PyPy's JIT treats a module's globals
    # (and so builtins such as len) as constants, but looks each one up in a
    # plain dict on every iteration, which once doubled the count of len(obj).
    module = types.ModuleType("benchmark")
    exec(compile(source, "<benchmark>", "exec"), module.__dict__)
    return module.bench_loop
