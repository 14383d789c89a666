"""The benchmark suite: ``benchmarks/suite.yaml`` as frozen, validated data.

``model`` holds the data classes, ``load`` reads and checks the file
(errors name the file and line), ``yamlfile`` keeps YAML's line numbers.
"""

from benchpost.suite.load import load_suite
from benchpost.suite.model import (
    CURRENT_PYTHON,
    EMPTY_LOOP,
    PALETTE,
    Benchmark,
    Counting,
    Extension,
    Group,
    InterpreterSpec,
    Profile,
    Suite,
)
from benchpost.suite.yamlfile import SuiteError

__all__ = [
    "CURRENT_PYTHON",
    "EMPTY_LOOP",
    "PALETTE",
    "Benchmark",
    "Counting",
    "Extension",
    "Group",
    "InterpreterSpec",
    "Profile",
    "Suite",
    "SuiteError",
    "load_suite",
]
