"""The C extension builds from the same source for CPython and PyPy and behaves."""

from __future__ import annotations

import subprocess

import pytest

from benchpost.measure.compiler import BuildError, build_extension
from benchpost.measure.interpreters import clean_environ, probe
from benchpost.suite import CURRENT_PYTHON, Extension, InterpreterSpec

from .conftest import ROOT, needs_pypy

CHECKS = """
import simple
assert simple.noargs() is None
assert simple.onearg(None) is None and simple.onearg(5) is None
assert simple.varargs(None, None) is None
assert simple.allocate_int() == 2048
assert simple.allocate_tuple() == (2048, 2049)
obj = simple.Foo()
assert obj.noargs() is None and obj.onearg(1) is None and obj.varargs(1, 2) is None
assert len(obj) == 42 and obj[0] is None and obj["x"] is None
for i in range(100000):
    simple.onearg(i); simple.allocate_tuple(); obj[i]
print("ok", type(obj).__name__)
"""

EXTENSION = Extension(
    "simple", (ROOT / "cext" / "simple.c",), ("-O2", "-Wall", "-Werror", "-Wno-unused-parameter")
)


@pytest.mark.parametrize("command", [CURRENT_PYTHON, pytest.param("pypy3", marks=needs_pypy)])
def test_the_extension_builds_and_behaves(tmp_path, command):
    interpreter = probe(InterpreterSpec("target", "Target", command))
    built = build_extension(EXTENSION, interpreter, tmp_path)
    assert (built / f"simple{interpreter.ext_suffix}").is_file()
    proc = subprocess.run(
        [interpreter.command_path, "-c", CHECKS],
        capture_output=True,
        text=True,
        env=clean_environ(PYTHONPATH=str(built)),
        check=False,
    )
    assert proc.stdout.strip() == "ok Foo", proc.stderr
    # Built once: the same inputs reuse the same folder.
    assert build_extension(EXTENSION, interpreter, tmp_path) == built


def test_a_compile_error_shows_the_command_and_the_compiler_output(tmp_path):
    broken = tmp_path / "broken.c"
    broken.write_text("#include <Python.h>\nthis is not C;\n")
    interpreter = probe(InterpreterSpec("cpython", "CPython", CURRENT_PYTHON))
    with pytest.raises(BuildError) as caught:
        build_extension(Extension("broken", (broken,)), interpreter, tmp_path / "out")
    message = str(caught.value)
    assert "compiling broken for CPython" in message
    assert f"$ cc -shared -fPIC -O2 -I {interpreter.include} {broken}" in message
    assert "broken.c:2" in message  # the compiler's own diagnostic
