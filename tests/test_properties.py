"""Property-based tests: the loader and the number formatting never crash.

Whatever an author types, the suite loader answers with a Suite or a
SuiteError (never a traceback); whatever numbers a run produces (zeros,
NaN, a single value, identical values), formatting and comparing work and
say what the numbers are: a shown time reads back as the value, a speed-up
is the ratio of the means, a sample never differs significantly from itself.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
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
def test_any_estimate_formats(mean, stdev, values):
    text = format_estimate(Estimate(mean, stdev, tuple(values)))
    shown_mean, separator, shown_stdev = text.partition(" \u00b1 ")
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
    if not math.isfinite(stdev):
        assert shown_stdev == "n/a", text
        return
    if not math.isfinite(stdev / SCALES[unit]):
        return  # a spread past 1e299 s does not fit a float in the mean's unit
    spread = SHOWN.fullmatch(shown_stdev)
    # The spread is shown in the mean's unit, rounded like any time.
    assert spread and spread.group(3) == unit, text
    assert _within_rounding(spread, stdev), text


@given(numbers, st.booleans())
def test_any_speedup_formats(speedup, significant):
    text = format_speedup(Comparison(speedup, significant))
    assert text == "n/a" or "faster" in text or "slower" in text or "same speed" in text


# Values per call with the empty loop subtracted: "nothing (or less)" is possible.
differences = st.lists(st.floats(min_value=-1, max_value=1, allow_nan=False), max_size=8)


def _estimate(values: list[float]) -> Estimate:
    mean = sum(values) / len(values) if values else math.nan
    return Estimate(mean, 0.0, tuple(values))


@given(differences, differences)
def test_any_two_samples_compare(first, second):
    reference, other = _estimate(first), _estimate(second)
    comparison, swapped = compare(reference, other), compare(other, reference)
    if reference.mean > 0 and other.mean > 0:
        assert comparison.speedup == reference.mean / other.mean
        assert swapped.speedup == other.mean / reference.mean
        if 1e-300 < comparison.speedup < 1e300:  # a ratio and its inverse are normal floats
            assert math.isclose(comparison.speedup * swapped.speedup, 1.0, rel_tol=1e-12)
    else:  # nothing (or less) to compare, or no values: NaN, shown as n/a
        assert math.isnan(comparison.speedup) and math.isnan(swapped.speedup)
    # The significance is the t-test's on the values, whichever way round.
    assert comparison.significant is is_significant(tuple(first), tuple(second))
    assert swapped.significant is comparison.significant


# Times as measured (0, or 1 ps to 1 s): subnormal values would leave pyperf's
# t-test a variance of 0, a division by zero that counts as significant. Pairs
# are of one size: pyperf's t-test takes no other.
measured_time = st.just(0.0) | st.floats(min_value=1e-12, max_value=1)
same_size = st.integers(0, 8).flatmap(
    lambda n: st.tuples(*[st.lists(measured_time, min_size=n, max_size=n)] * 2)
)


@given(same_size, st.lists(measured_time, max_size=1))
def test_significance_follows_the_samples(pair, few):
    first, second = map(tuple, pair)
    # Too few values to test: counted as significant.
    assert is_significant(first, tuple(few)) is True
    assert is_significant(tuple(few), first) is True
    if len(first) < 2:
        return
    assert is_significant(first, first) is False  # a sample never differs from itself
    assert is_significant(first, second) is is_significant(second, first)
    # Far apart (values are in [0, 1]): a difference whatever the spread.
    assert is_significant(first, tuple(v + 10 for v in second)) is True


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
