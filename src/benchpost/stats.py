"""The statistics behind every interval in a post: small pure functions.

The unit of replication is the worker *process*, not the value: values inside
one process are not independent (processes differ more than values do, as
Kalibera & Jones found and as this machine shows), so a process contributes
one number, the mean of its values.

- A ratio of two interpreters measured in the same rounds is *paired*: one
  log-ratio per round (the two processes ran back to back). Drift slower than
  a round cancels out. From six rounds on, the estimate is the Hodges-Lehmann
  estimate of their centre (the median of all pairwise means) with its
  distribution-free interval (the signed-rank test's order statistics),
  because a process now and then runs far slower than the rest (a spell of
  interference, a collection of the garbage collector falling unluckily),
  and one such round out of six moved a mean by 10-20 % from one build to the
  next. It is as robust as that needs (up to 29 % of the rounds may be
  wild) and needs about 5 % more rounds than a mean for normal noise, where a
  plain median needs 57 % more. Its interval assumes the rounds' log-ratios
  are symmetric about their centre: the two processes of a round run in a
  random order, so what one suffers the other could have. Below six rounds no
  such interval reaches 95 %, and a Student t-interval on their mean stands in.
- A ratio of columns measured apart (a recorded column, an interpreter added
  later) is *unpaired*: Welch's t-interval on the difference of the mean
  log process estimates.
- A cost with the empty loop subtracted is a difference of two means
  (Welch); a ratio of two such costs takes the delta method on the logs.
- A group's geometric mean: the mean of its benchmarks' log-ratios, their
  variances added (the benchmarks ran in different processes).

Sources: Kalibera & Jones, "Rigorous Benchmarking in Reasonable Time"
(ISMM 2013) for the levels of repetition and the choice of how many values a
process takes; Welch (1947) for unequal variances; Conover, "Practical
Nonparametric Statistics" (3rd ed., 1999, sec. 3.2) for the interval of a
median from order statistics (benchstat reports medians the same way);
Hollander, Wolfe & Chicken, "Nonparametric Statistical Methods" (3rd ed.,
2014, sec. 3.2) for the Hodges-Lehmann estimate and its interval; any
statistics text for the t-interval and the delta method.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: Two-sided 95 % quantiles of Student's t, by degrees of freedom.
_T975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131,
    16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 22: 2.074, 24: 2.064,
    26: 2.056, 28: 2.048, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980,
}  # fmt: skip
Z975 = 1.960

#: The confidence level of every interval benchpost prints.
LEVEL = 0.95


def t_quantile(df: float) -> float:
    """Student's t quantile for a two-sided 95 % interval (``inf`` below 1 df).

    Between table entries the value is interpolated in 1/df, which is how
    printed tables are meant to be read; the error is below 0.1 %.
    """
    if not df >= 1:  # also NaN
        return math.inf
    if df in _T975:
        return _T975[df]
    known = sorted(_T975)
    if df > known[-1]:
        lo, hi, t_lo, t_hi = known[-1], math.inf, _T975[known[-1]], Z975
    else:
        lo = max(k for k in known if k < df)
        hi = min(k for k in known if k > df)
        t_lo, t_hi = _T975[lo], _T975[hi]
    inv = (1 / lo - 1 / df) / (1 / lo - (0 if hi == math.inf else 1 / hi))
    return t_lo + (t_hi - t_lo) * inv


@dataclass(frozen=True)
class Normalish:
    """An estimate with its standard error and degrees of freedom."""

    mean: float
    se: float
    df: float
    #: an interval found otherwise (a median's order statistics): then ``se`` only
    #: stands in where estimates are combined
    bounds: tuple[float, float] | None = None

    def interval(self) -> tuple[float, float]:
        """The 95 % interval (``(-inf, inf)`` if it cannot be known)."""
        if not math.isfinite(self.se):
            return -math.inf, math.inf
        if self.bounds is not None:
            return self.bounds
        half = t_quantile(self.df) * self.se
        return self.mean - half, self.mean + half


UNKNOWN = Normalish(math.nan, math.inf, 0)


def with_between_builds(log_ratio: Normalish, relative_sd: float) -> Normalish:
    """A log-ratio's uncertainty with what varies between builds added in quadrature.

    One build's rounds cannot see what stays the same inside a build and
    changes between builds (the machine's state over minutes); Kalibera &
    Jones make it a level of repetition of its own. Without several builds,
    its size comes from measuring it (``tools/reproducibility.py``) and is
    given as a relative standard deviation.
    """
    if relative_sd <= 0 or not math.isfinite(log_ratio.se):
        return log_ratio
    between = math.log1p(relative_sd)
    bounds = None
    if log_ratio.bounds is not None:  # each side widened, as the symmetric case is
        low, high = log_ratio.bounds
        extra, middle = Z975 * between, log_ratio.mean
        bounds = (
            middle - math.hypot(middle - low, extra),
            middle + math.hypot(high - middle, extra),
        )
    return Normalish(log_ratio.mean, math.hypot(log_ratio.se, between), log_ratio.df, bounds)


def mean_of(samples: Sequence[float]) -> Normalish:
    """The mean of independent samples (process means), with its t-interval."""
    n = len(samples)
    if n == 0:
        return UNKNOWN
    mean = statistics.fmean(samples)
    if n == 1:
        return Normalish(mean, math.inf, 0)
    return Normalish(mean, statistics.stdev(samples) / math.sqrt(n), n - 1)


def welch(first: Sequence[float], second: Sequence[float]) -> Normalish:
    """``mean(first) - mean(second)`` for independent samples (Welch-Satterthwaite df)."""
    a, b = mean_of(first), mean_of(second)
    if not (math.isfinite(a.se) and math.isfinite(b.se)):
        return Normalish(a.mean - b.mean, math.inf, 0)
    return Normalish(a.mean - b.mean, math.hypot(a.se, b.se), _welch_df(a, b))


def _welch_df(*parts: Normalish) -> float:
    numerator = sum(p.se**2 for p in parts) ** 2
    denominator = sum(p.se**4 / p.df for p in parts if p.df > 0)
    if denominator == 0:  # every part exact: as many df as the smallest sample gives
        return min(p.df for p in parts)
    return numerator / denominator


def round_log_ratios(reference: Sequence[float], other: Sequence[float]) -> list[float]:
    """``log(reference / other)`` of each round (pairs that are not both positive left out)."""
    return [math.log(r / o) for r, o in zip(reference, other, strict=True) if r > 0 and o > 0]


def paired_log_ratio(reference: Sequence[float], other: Sequence[float]) -> Normalish:
    """``log(reference / other)`` from pairs measured together (one pair per round):
    the Hodges-Lehmann centre of the per-round log-ratios (their mean below
    ``MEDIAN_FROM`` rounds)."""
    logs = round_log_ratios(reference, other)
    return hodges_lehmann(logs) if len(logs) >= MEDIAN_FROM else mean_of(logs)


#: The fewest samples whose median has a distribution-free 95 % interval.
MEDIAN_FROM = 6


def sign_test_rank(n: int, alpha: float = 1 - LEVEL) -> int:
    """The rank k (1-based) such that the k-th smallest and k-th largest of ``n``
    samples bound their median with at least ``1 - alpha`` confidence; 0 if none do.

    The median lies below the k-th smallest sample unless at least k samples
    fall below it: a binomial(n, 1/2) count (Conover 1999, sec. 3.2).
    """
    below, k = 0.0, 0
    while k < n and below + math.comb(n, k) / 2**n <= alpha / 2:
        below += math.comb(n, k) / 2**n
        k += 1
    return k


def median_of(samples: Sequence[float]) -> Normalish:
    """The median of independent samples, with its order-statistics 95 % interval.

    Where it is combined with others (a group's geometric mean), its ``se``
    stands in: the interval's mean half-width over the normal quantile.
    """
    ordered = sorted(samples)
    n, k = len(ordered), sign_test_rank(len(samples))
    if k == 0:
        return Normalish(statistics.median(ordered) if ordered else math.nan, math.inf, 0)
    low, high = ordered[k - 1], ordered[n - k]
    return Normalish(statistics.median(ordered), (high - low) / (2 * Z975), math.inf, (low, high))


def signed_rank_rank(n: int, alpha: float = 1 - LEVEL) -> int:
    """The rank k (1-based) such that the k-th smallest and k-th largest of the
    ``n (n + 1) / 2`` pairwise means of ``n`` samples bound their centre with at least
    ``1 - alpha`` confidence; 0 if none do.

    How many pairwise means fall below the centre has the null distribution of
    Wilcoxon's signed-rank statistic (Hollander, Wolfe & Chicken, sec. 3.2): exact up
    to ``EXACT_UP_TO`` samples, its normal approximation beyond.
    """
    if n > EXACT_UP_TO:
        pairs = n * (n + 1) / 2
        sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
        return max(0, math.floor(pairs / 2 - Z975 * sd + 0.5))
    counts = _signed_rank_counts(n)
    below, k, total = 0.0, 0, 2.0**n
    while k < len(counts) and below + counts[k] / total <= alpha / 2:
        below += counts[k] / total
        k += 1
    return k


#: Up to this many samples the signed-rank distribution is counted exactly.
EXACT_UP_TO = 60


def _signed_rank_counts(n: int) -> list[int]:
    """How many of the ``2**n`` sign patterns give each signed-rank sum (0, 1, ...)."""
    counts = [1]
    for rank in range(1, n + 1):
        longer = counts + [0] * rank
        for total, ways in enumerate(counts):
            longer[total + rank] += ways
        counts = longer
    return counts


def hodges_lehmann(samples: Sequence[float]) -> Normalish:
    """The centre of independent samples symmetric about it (the median of their
    pairwise means, each sample with itself included), with its 95 % interval.

    As with ``median_of``, ``se`` only stands in where estimates are combined.
    """
    n = len(samples)
    pairwise = sorted((samples[i] + samples[j]) / 2 for i in range(n) for j in range(i, n))
    k = signed_rank_rank(n)
    centre = statistics.median(pairwise) if pairwise else math.nan
    if k == 0:
        return Normalish(centre, math.inf, 0)
    low, high = pairwise[k - 1], pairwise[len(pairwise) - k]
    return Normalish(centre, (high - low) / (2 * Z975), math.inf, (low, high))


def unpaired_log_ratio(reference: Sequence[float], other: Sequence[float]) -> Normalish:
    """``log(reference / other)`` from samples measured apart (Welch on the logs)."""
    if min(reference, default=0) <= 0 or min(other, default=0) <= 0:
        return UNKNOWN
    return welch([math.log(r) for r in reference], [math.log(o) for o in other])


def log_ratio_of_differences(reference: Normalish, other: Normalish) -> Normalish:
    """``log(reference / other)`` for two positive estimates (the delta method:
    the relative standard errors add in quadrature); unknown if either
    interval reaches 0."""
    if reference.interval()[0] <= 0 or other.interval()[0] <= 0:
        return UNKNOWN
    se = math.hypot(reference.se / reference.mean, other.se / other.mean)
    return Normalish(math.log(reference.mean / other.mean), se, _welch_df(reference, other))


def mean_log_ratio(parts: Sequence[Normalish]) -> Normalish:
    """The mean of independent log-ratios (a geometric mean of ratios, on the log scale)."""
    if not parts:
        return UNKNOWN
    k = len(parts)
    mean = statistics.fmean(p.mean for p in parts)
    if not all(math.isfinite(p.se) for p in parts):
        return Normalish(mean, math.inf, 0)
    se = math.sqrt(sum(p.se**2 for p in parts)) / k
    return Normalish(mean, se, _welch_df(*parts) if se > 0 else min(p.df for p in parts))
