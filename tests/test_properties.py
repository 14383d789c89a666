"""Property-based tests: the loader and the number formatting never crash.

Whatever an author types, the suite loader answers with a Suite or a
SuiteError (never a traceback); whatever numbers a run produces (zeros,
NaN, a single value, identical values), formatting and comparing work.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from benchpost.render.format import format_estimate, format_speedup, format_time
from benchpost.results import Comparison, Estimate, compare, is_significant
from benchpost.suite import Suite, SuiteError, load_suite

from .test_suite import GOOD

numbers = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-12])
samples = st.lists(st.floats(min_value=0, max_value=1, allow_nan=False), max_size=8)


@given(numbers)
def test_any_time_formats(seconds):
    text = format_time(seconds)
    assert text == "n/a" if not math.isfinite(seconds) else text.endswith("s")


@given(numbers, numbers, samples)
def test_any_estimate_formats(mean, stdev, values):
    assert "\u00b1" in format_estimate(Estimate(mean, stdev, tuple(values)))


@given(numbers, st.booleans())
def test_any_speedup_formats(speedup, significant):
    text = format_speedup(Comparison(speedup, significant))
    assert text == "n/a" or "faster" in text or "slower" in text or "same speed" in text


@given(samples, samples)
def test_any_two_samples_compare(first, second):
    def estimate(values):
        mean = sum(values) / len(values) if values else math.nan
        return Estimate(mean, 0.0, tuple(values))

    comparison = compare(estimate(first), estimate(second))
    assert isinstance(comparison.significant, bool)
    assert is_significant(tuple(first), tuple(second)) in (True, False)


def _load(text: str) -> Suite | None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "simple.c").write_text("/* empty */\n")
        path = Path(folder, "suite.yaml")
        path.write_text(text)
        try:
            return load_suite(path)
        except SuiteError as exc:
            assert str(exc).startswith(str(path))  # always names the file
            return None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_is_a_suite_error(text):
    _load(text)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet="abc:[]{}-' #\n", max_size=12)
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [
            "simple",
            "current",
            "cpython",
            "1",
            "0.001",
            "noargs",
            "simple.noargs()",
            "import simple",
        ]
    ),
    scalars,
)
def test_any_value_in_place_of_a_good_one_loads_or_is_a_suite_error(old, new):
    _load(GOOD.replace(old, repr(new) if not isinstance(new, str) else new, 1))
