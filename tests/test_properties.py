"""Property-based tests: the loader and the number formatting never crash.

Whatever an author types, the suite loader answers with a Suite or a
SuiteError (never a traceback); whatever numbers a run produces (zeros,
NaN, a single value, identical values), formatting and comparing work and
say what the numbers are: a shown time reads back as the value, and a
ratio says "faster" or "slower" only where its interval excludes 1.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from benchpost.render.format import format_estimate, format_speedup, format_time
from benchpost.results import Comparison, Estimate
from benchpost.suite import Suite, SuiteError, load_suite

from .test_suite import GOOD

numbers = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-12])
samples = st.lists(st.floats(min_value=0, max_value=1, allow_nan=False), max_size=8)


@given(numbers)
def test_any_time_formats(seconds):
    text = format_time(seconds)
    assert text == "n/a" if not math.isfinite(seconds) else text.endswith("s")


# Times as measured, besides any float: the range where units and digits matter.
seconds = st.floats(min_value=1e-10, max_value=1e3)
SHOWN = re.compile(r"(-?\d+(?:\.(\d+))?) (s|ms|\u00b5s|ns)")
SCALES = {"s": 1.0, "ms": 1e-3, "\u00b5s": 1e-6, "ns": 1e-9}


def _within_rounding(shown: re.Match[str], seconds: float) -> bool:
    """Whether ``shown`` ("35.2 ns") is ``seconds`` rounded to the digits it shows."""
    number, decimals = float(shown.group(1)), len(shown.group(2) or "")
    exact = seconds / SCALES[shown.group(3)]
    return abs(number - exact) <= 0.5 * 10**-decimals + 1e-12 * abs(exact)


@example(math.nan, 1e-9, [])
@example(math.inf, 1e-9, [])
@example(-math.inf, 1e-9, [])
@example(35.2e-9, math.nan, [])
@example(35.2e-9, math.inf, [])
@example(0.0, 1e-9, [])
@given(numbers | seconds, numbers | seconds, samples)
def test_any_estimate_formats(mean, half, values):
    estimate = Estimate(mean, 0.0, tuple(values), mean - half, mean + half, subtracted=True)
    text = format_estimate(estimate)
    if estimate.includes_zero and math.isfinite(estimate.high) and estimate.low < 0:
        assert text.startswith("\u2248 0 ("), text  # a cost that may be nothing says so
        return
    shown_mean, separator, shown_half = text.partition(" \u00b1 ")
    assert separator, text
    if not math.isfinite(mean):
        assert shown_mean == "n/a", text
        return
    parsed = SHOWN.fullmatch(shown_mean)
    assert parsed and _within_rounding(parsed, mean), text
    number, unit = abs(float(parsed.group(1))), parsed.group(3)
    # 1 to 3 digits before the point (1000 when rounding reaches it); s and ns are the ends.
    assert (number >= 1 or unit == "ns") and (number <= 1000 or unit == "s"), text
    if 1 <= number < 1000:  # three significant digits
        whole, _, decimals = parsed.group(1).lstrip("-").partition(".")
        assert len(whole) + len(decimals) == 3, text
    if abs(mean) >= 1e-9:
        assert abs(number * SCALES[unit] - abs(mean)) <= 0.005 * abs(mean) * (1 + 1e-9), text
    width = (estimate.high - estimate.low) / 2
    if not math.isfinite(width):
        assert shown_half == "n/a", text
        return
    if not math.isfinite(width / SCALES[unit]):
        return  # a spread past 1e299 s does not fit a float in the mean's unit
    spread = SHOWN.fullmatch(shown_half)
    # The interval's half-width is shown in the mean's unit, rounded like any time.
    assert spread and spread.group(3) == unit, text
    assert _within_rounding(spread, width), text


@given(numbers, numbers, numbers)
def test_any_speedup_formats(speedup, low, high):
    text = format_speedup(Comparison(speedup, low, high))
    words = ("faster", "slower")
    assert text == "n/a" or any(w in text for w in words) or text == "\u2248 same speed"
    # Words only where the interval excludes 1.
    if any(w in text for w in words):
        assert low > 1 or high < 1


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
