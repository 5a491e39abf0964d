"""Intervals, funnel limits and comparisons: checked against SciPy, published values, invariants."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats  # type: ignore[import-untyped]

from upheld.core import uncertainty
from upheld.core.uncertainty import (
    CONFIDENCE,
    CONFIDENCE_STRICT,
    Comparison,
    beyond_chance,
    binomial_limits,
    compare_count,
    compare_proportion,
    difference_interval,
    poisson_interval,
    poisson_limits,
    wilson_interval,
)

PROPERTIES = settings(derandomize=True, deadline=None, max_examples=150)
"""The same examples on every run, so that the suite stays quick and repeatable."""

CONFIDENCES = (CONFIDENCE, CONFIDENCE_STRICT, 0.9, 0.5)
BASES = (1, 2, 3, 5, 8, 20, 61, 200, 1000, 5000, 100_000, 1_000_000)
TARGETS = (0.001, 0.02, 0.1, 0.25, 0.5, 0.6234, 0.87, 0.999)
EXPECTED = (0.0001, 0.02, 0.5, 1.0, 2.5, 7.3, 20.0, 100.0, 1234.5, 100_000.0, 1_000_000.0)


def tail(confidence: float) -> float:
    return (1 - confidence) / 2


def interpolated(cdf: Callable[[int], float], guess: float, p: float) -> float:
    """Spiegelhalter's p-quantile r - alpha, as the paper writes it, from SciPy's CDF."""
    r = max(int(guess), 0)
    while cdf(r) < p:
        r += 1
    while r > 0 and cdf(r - 1) >= p:
        r -= 1
    below = cdf(r - 1) if r > 0 else 0.0
    return r - (cdf(r) - p) / (cdf(r) - below)


def scipy_binomial_limits(target: float, base: int, confidence: float) -> tuple[float, float]:
    """The limits from SciPy: the lower one as written, the upper one from the other end."""
    q = tail(confidence)
    successes = stats.binom(base, target)
    rest = stats.binom(base, 1 - target)
    low = interpolated(lambda k: float(successes.cdf(k)), successes.ppf(q), q) / base
    high = 1 - interpolated(lambda k: float(rest.cdf(k)), rest.ppf(q), q) / base
    return min(max(low, 0.0), 1.0), min(max(high, 0.0), 1.0)


def spiegelhalter_upper(sf: Callable[[int], float], guess: float, q: float) -> float:
    """Spiegelhalter's upper limit exactly as written (p = 1 - q), from SciPy's survival function.

    F(r) - p is q - sf(r), which keeps SciPy's digits where 1 - sf would lose them.
    """
    r = max(int(guess), 0)
    while sf(r) > q:
        r += 1
    while r > 0 and sf(r - 1) <= q:
        r -= 1
    return r - (q - sf(r)) / (sf(r - 1) - sf(r)) if r > 0 else -(q - sf(0)) / (1 - sf(0))


def classify(at_most: float, at_least: float) -> Comparison:
    """The comparison from the exact test's two tails, as the module documents it."""
    if at_most < tail(CONFIDENCE_STRICT):
        return "well_below"
    if at_least < tail(CONFIDENCE_STRICT):
        return "well_above"
    if at_most < tail(CONFIDENCE):
        return "below"
    if at_least < tail(CONFIDENCE):
        return "above"
    return "within"


def against_limits(value: float, usual: tuple[float, float], strict: tuple[float, float]) -> str:
    """Where a value falls against the funnel's limits: outside only when strictly beyond."""
    if value < strict[0]:
        return "well_below"
    if value > strict[1]:
        return "well_above"
    if value < usual[0]:
        return "below"
    if value > usual[1]:
        return "above"
    return "within"


# --- the Wilson interval ------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("trials", BASES)
def test_wilson_matches_scipy(trials: int, confidence: float) -> None:
    for successes in sorted({0, 1, 2, trials // 3, trials // 2, trials - 1, trials}):
        if not 0 <= successes <= trials:
            continue
        reference = stats.binomtest(successes, trials).proportion_ci(confidence, method="wilson")
        interval = wilson_interval(successes, trials, confidence)
        assert interval is not None
        assert interval[0] == pytest.approx(float(reference.low), rel=1e-12, abs=1e-15)
        assert interval[1] == pytest.approx(float(reference.high), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("successes", "trials"), [(0, 1), (1, 1), (0, 10), (3, 10), (56, 70), (48, 80), (1, 10**6)]
)
@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_wilson_is_the_score_interval(successes: int, trials: int, confidence: float) -> None:
    """Wilson's definition: the proportions at which the score statistic is exactly z."""
    z = float(stats.norm.isf(tail(confidence)))
    estimate = successes / trials
    interval = wilson_interval(successes, trials, confidence)
    assert interval is not None
    for bound in interval:
        score = (
            abs(estimate - bound) / math.sqrt(bound * (1 - bound) / trials) if 0 < bound < 1 else z
        )
        assert score == pytest.approx(z, rel=1e-9)


def test_wilson_edges() -> None:
    assert wilson_interval(0, 0) is None
    for trials in (1, 2, 7, 1_000_000):
        none = wilson_interval(0, trials)
        every = wilson_interval(trials, trials)
        assert none is not None
        assert every is not None
        assert none[0] == 0.0  # exactly: nothing is lower than none
        assert every[1] == 1.0  # exactly
        assert none[1] == pytest.approx(1 - every[0], abs=1e-15)  # mirror images
    assert wilson_interval(1, 2) == pytest.approx((0.0945, 0.9055), abs=5e-5)


@pytest.mark.parametrize(
    "call",
    [
        lambda: wilson_interval(-1, 5),
        lambda: wilson_interval(6, 5),
        lambda: wilson_interval(0, -1),
        lambda: wilson_interval(1, 5, 0.0),
        lambda: wilson_interval(1, 5, 1.0),
        lambda: wilson_interval(1, 5, 95),
        lambda: wilson_interval(1, 5, math.nan),
    ],
)
def test_wilson_refuses_nonsense(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="must"):
        call()


@PROPERTIES
@given(
    trials=st.integers(1, 1_000_000),
    share=st.floats(0, 1),
    confidence=st.sampled_from(CONFIDENCES),
)
def test_wilson_holds_the_estimate(trials: int, share: float, confidence: float) -> None:
    successes = round(share * trials)
    interval = wilson_interval(successes, trials, confidence)
    assert interval is not None
    low, high = interval
    assert 0.0 <= low <= successes / trials <= high <= 1.0
    assert low < high


# --- the Garwood interval -----------------------------------------------------------------------

COUNTS = (0, 1, 2, 3, 4, 5, 7, 10, 20, 53, 100, 999, 1000, 12_345, 100_000, 999_999, 1_000_000)


@pytest.mark.parametrize("confidence", CONFIDENCES)
@pytest.mark.parametrize("count", COUNTS)
def test_garwood_matches_scipy(count: int, confidence: float) -> None:
    q = tail(confidence)
    low, high = poisson_interval(count, confidence)
    if count == 0:
        assert low == 0.0
    else:
        assert low == pytest.approx(float(stats.gamma.ppf(q, count)), rel=1e-12)
        assert low == pytest.approx(float(stats.chi2.ppf(q, 2 * count)) / 2, rel=1e-12)
    assert high == pytest.approx(float(stats.gamma.isf(q, count + 1)), rel=1e-12)
    assert high == pytest.approx(float(stats.chi2.isf(q, 2 * count + 2)) / 2, rel=1e-12)


def test_garwood_edges() -> None:
    # Count 0: P(X = 0) = e^-mean = 2.5% at the upper bound; count 1: 1 - e^-mean = 2.5% at the
    # lower bound. Both are exact.
    assert poisson_interval(0)[0] == 0.0
    assert poisson_interval(0)[1] == pytest.approx(math.log(40), rel=1e-15)
    assert poisson_interval(0, CONFIDENCE_STRICT)[1] == pytest.approx(math.log(1000), rel=1e-15)
    assert poisson_interval(1)[0] == pytest.approx(-math.log1p(-0.025), rel=1e-15)
    assert poisson_interval(10) == pytest.approx((4.7954, 18.3904), abs=5e-5)  # Garwood's table
    with pytest.raises(ValueError, match="must not be negative"):
        poisson_interval(-1)
    with pytest.raises(ValueError, match="confidence"):
        poisson_interval(3, 1.5)


@PROPERTIES
@given(count=st.integers(0, 1_000_000), confidence=st.sampled_from(CONFIDENCES))
def test_garwood_holds_the_count(count: int, confidence: float) -> None:
    low, high = poisson_interval(count, confidence)
    assert 0.0 <= low <= count < high
    assert low < high


# --- the functions underneath -------------------------------------------------------------------


@pytest.mark.parametrize("a", [1, 2, 3, 7, 10, 11, 30, 100, 1000, 10_000])
def test_incomplete_gamma_matches_scipy(a: int) -> None:
    for z in (-6, -4, -2, -1, -0.3, 0, 0.3, 1, 2, 4, 6, 10):
        x = a + z * math.sqrt(a)
        if x <= 0:
            continue
        lower, upper, _ = uncertainty._incomplete_gamma(a, x)
        assert lower + upper == pytest.approx(1, abs=1e-15)
        # The smaller tail to full relative accuracy; the larger follows from it.
        if lower < upper:
            assert lower == pytest.approx(float(special.gammainc(a, x)), rel=1e-12)
        else:
            assert upper == pytest.approx(float(special.gammaincc(a, x)), rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 10, 61, 1000, 100_000])
@pytest.mark.parametrize("p", [1e-6, 0.02, 0.5, 0.77, 0.999])
def test_binomial_tails_match_scipy(n: int, p: float) -> None:
    spread = math.sqrt(n * p * (1 - p))
    for z in (-6, -3, -1, 0, 1, 3, 6):
        k = min(max(round(n * p + z * spread), 0), n)
        at_most, beyond, exactly = uncertainty._binomial_tails(k, n, p)
        small, reference = (at_most, stats.binom.cdf(k, n, p))
        if beyond < at_most:
            small, reference = (beyond, stats.binom.sf(k, n, p))
        assert small == pytest.approx(float(reference), rel=1e-11, abs=1e-300)
        assert exactly == pytest.approx(float(stats.binom.pmf(k, n, p)), rel=1e-11)


# --- funnel limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("confidence", [CONFIDENCE, CONFIDENCE_STRICT])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("base", BASES)
def test_binomial_limits_match_scipy(base: int, target: float, confidence: float) -> None:
    expected = scipy_binomial_limits(target, base, confidence)
    assert binomial_limits(target, base, confidence) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("confidence", [CONFIDENCE, CONFIDENCE_STRICT])
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("base", [1, 5, 20, 200, 5000])
def test_binomial_upper_limit_is_one_case_above_spiegelhalters(
    base: int, target: float, confidence: float
) -> None:
    """The upper limit, interpolated from its own end, is Spiegelhalter's as written plus one."""
    q = tail(confidence)
    distribution = stats.binom(base, target)
    written = spiegelhalter_upper(lambda k: float(distribution.sf(k)), distribution.isf(q), q)
    expected = min(max((written + 1) / base, 0.0), 1.0)
    assert binomial_limits(target, base, confidence)[1] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("confidence", [CONFIDENCE, CONFIDENCE_STRICT])
@pytest.mark.parametrize("expected", EXPECTED)
def test_poisson_limits_match_scipy(expected: float, confidence: float) -> None:
    q = tail(confidence)
    distribution = stats.poisson(expected)
    low = interpolated(lambda k: float(distribution.cdf(k)), distribution.ppf(q), q)
    high = spiegelhalter_upper(lambda k: float(distribution.sf(k)), distribution.isf(q), q) + 1
    limits = poisson_limits(expected, confidence)
    assert limits == pytest.approx((max(low, 0.0), max(high, 0.0)), rel=1e-12, abs=1e-12)


def test_limits_at_the_edges() -> None:
    for confidence in (CONFIDENCE, CONFIDENCE_STRICT):
        for base in (1, 2, 50, 1_000_000):
            assert binomial_limits(0.0, base, confidence) == (0.0, 0.0)
            assert binomial_limits(1.0, base, confidence) == (1.0, 1.0)
        assert binomial_limits(0.4, 0, confidence) == (0.0, 1.0)
        assert poisson_limits(0.0, confidence) == (0.0, 0.0)
    # One case: at 50% either answer is as likely, so neither is outside the 95% limits.
    low, high = binomial_limits(0.5, 1, CONFIDENCE)
    assert low == 0.0
    assert high == 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: binomial_limits(1.5, 10, CONFIDENCE),
        lambda: binomial_limits(-0.1, 10, CONFIDENCE),
        lambda: binomial_limits(0.5, -1, CONFIDENCE),
        lambda: binomial_limits(0.5, 10, 0.0),
        lambda: poisson_limits(-1.0, CONFIDENCE),
        lambda: poisson_limits(math.inf, CONFIDENCE),
        lambda: poisson_limits(math.nan, CONFIDENCE),
        lambda: compare_proportion(11, 10, 0.5, 5),
        lambda: compare_proportion(-1, 10, 0.5, 5),
        lambda: compare_proportion(3, 10, 1.5, 5),
        lambda: compare_count(-1, 2.0, 10, 5),
        lambda: compare_count(1, -2.0, 10, 5),
        lambda: compare_count(1, math.nan, 10, 5),
    ],
)
def test_limits_and_comparisons_refuse_nonsense(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="must"):
        call()


@PROPERTIES
@given(target=st.floats(0, 1), base=st.integers(1, 5000))
def test_binomial_limits_nest(target: float, base: int) -> None:
    low, high = binomial_limits(target, base, CONFIDENCE)
    strict_low, strict_high = binomial_limits(target, base, CONFIDENCE_STRICT)
    assert 0.0 <= strict_low <= low <= target <= high <= strict_high <= 1.0


@PROPERTIES
@given(target=st.integers(0, 2**30).map(lambda k: k / 2**30), base=st.integers(1, 5000))
def test_binomial_limits_are_the_same_either_way_round(target: float, base: int) -> None:
    """An uphold rate's limits are the mirror of the not-upheld rate's."""
    # Targets in steps of 2^-30, so that 1 - target is exact.
    for confidence in (CONFIDENCE, CONFIDENCE_STRICT):
        low, high = binomial_limits(target, base, confidence)
        other_low, other_high = binomial_limits(1 - target, base, confidence)
        assert (low, high) == pytest.approx((1 - other_high, 1 - other_low), abs=1e-12)


@PROPERTIES
@given(
    target=st.floats(0.001, 0.999),
    base=st.integers(1, 2000),
    more=st.integers(1, 2000),
    confidence=st.sampled_from([CONFIDENCE, CONFIDENCE_STRICT]),
)
def test_binomial_limits_narrow_as_the_base_grows(
    target: float, base: int, more: int, confidence: float
) -> None:
    """Narrower at a larger base, but for the interpolation's wiggle of less than a case."""
    low, high = binomial_limits(target, base, confidence)
    larger_low, larger_high = binomial_limits(target, base + more, confidence)
    assert larger_high - larger_low <= high - low + 1 / base


@PROPERTIES
@given(
    expected=st.floats(0.001, 10_000),
    more=st.floats(0.001, 10_000),
    confidence=st.sampled_from([CONFIDENCE, CONFIDENCE_STRICT]),
)
def test_poisson_limits_nest_and_narrow(expected: float, more: float, confidence: float) -> None:
    low, high = poisson_limits(expected, CONFIDENCE)
    strict_low, strict_high = poisson_limits(expected, CONFIDENCE_STRICT)
    assert 0.0 <= strict_low <= low <= expected <= high <= strict_high
    # As ratios to the expected count (what a funnel of rates draws), narrower as it grows.
    low, high = poisson_limits(expected, confidence)
    larger_low, larger_high = poisson_limits(expected + more, confidence)
    assert (larger_high - larger_low) / (expected + more) <= (high - low) / expected + 1 / expected


# --- comparisons --------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [0.03, 0.5, 0.62, 0.8])
@pytest.mark.parametrize("base", [1, 5, 20, 61, 200])
def test_compare_proportion_is_the_exact_test(base: int, target: float) -> None:
    for observed in range(base + 1):
        at_most = float(stats.binom.cdf(observed, base, target))
        at_least = float(stats.binom.sf(observed - 1, base, target))
        expected = classify(at_most, at_least)
        assert compare_proportion(observed, base, target, 0) == expected, observed


@pytest.mark.parametrize("expected", [0.3, 2.5, 20.0, 140.7])
def test_compare_count_is_the_exact_test(expected: float) -> None:
    for observed in range(round(expected + 8 * math.sqrt(expected) + 8)):
        at_most = float(stats.poisson.cdf(observed, expected))
        at_least = float(stats.poisson.sf(observed - 1, expected))
        assert compare_count(observed, expected, 100, 0) == classify(at_most, at_least)


def test_comparisons_are_symmetric_where_the_chances_are() -> None:
    """Against 50%, 14 and 6 of 20 are equally likely (5.8% for as far or further): within."""
    assert compare_proportion(14, 20, 0.5, 0) == "within"
    assert compare_proportion(6, 20, 0.5, 0) == "within"
    assert compare_proportion(15, 20, 0.5, 0) == "above"  # 2.07%
    assert compare_proportion(5, 20, 0.5, 0) == "below"
    assert compare_proportion(18, 20, 0.5, 0) == "well_above"  # 0.02%
    assert compare_proportion(2, 20, 0.5, 0) == "well_below"
    # The funnel says the same: its 95% limits fall between 5 and 6, and between 14 and 15.
    low, high = binomial_limits(0.5, 20, CONFIDENCE)
    assert 5 / 20 < low < 6 / 20
    assert 14 / 20 < high < 15 / 20
    assert low == pytest.approx(1 - high, abs=1e-15)
    # Read the other way round (not upheld rather than upheld), every verdict mirrors.
    mirror: dict[Comparison | None, Comparison | None] = {
        "within": "within",
        "above": "below",
        "below": "above",
        "well_above": "well_below",
        "well_below": "well_above",
    }
    for observed in range(62):
        verdict = compare_proportion(observed, 61, 0.71, 0)
        assert compare_proportion(61 - observed, 61, 1 - 0.71, 0) == mirror[verdict]


def test_comparisons_at_the_edges() -> None:
    assert compare_proportion(3, 10, None, 5) is None
    assert compare_proportion(3, 4, 0.5, 5) == "too_few"
    assert compare_proportion(0, 0, 0.5, 0) == "within"
    assert compare_proportion(0, 10, 0.0, 5) == "within"
    assert compare_proportion(1, 10, 0.0, 5) == "well_above"
    assert compare_proportion(10, 10, 1.0, 5) == "within"
    assert compare_proportion(9, 10, 1.0, 5) == "well_below"
    assert compare_count(3, None, 10, 5) is None
    assert compare_count(3, 2.0, 4, 5) == "too_few"
    assert compare_count(0, 0.0, 10, 5) == "within"
    assert compare_count(1, 0.0, 10, 5) == "well_above"
    assert compare_count(0, 3.7, 10, 5) == "below"  # e^-3.7 = 2.47%
    assert compare_count(0, 3.6, 10, 5) == "within"  # e^-3.6 = 2.73%


@PROPERTIES
@given(
    base=st.integers(0, 500),
    share=st.floats(0, 1),
    target=st.floats(0, 1) | st.none(),
    minimum=st.integers(0, 600),
)
def test_compare_proportion_below_the_minimum(
    base: int, share: float, target: float | None, minimum: int
) -> None:
    verdict = compare_proportion(round(share * base), base, target, minimum)
    if target is None:
        assert verdict is None
    elif base < minimum:
        assert verdict == "too_few"
    else:
        assert verdict in ("within", "above", "below", "well_above", "well_below")


@PROPERTIES
@given(
    observed=st.integers(0, 500),
    expected=st.floats(0, 500) | st.none(),
    base=st.integers(0, 500),
    minimum=st.integers(0, 600),
)
def test_compare_count_below_the_minimum(
    observed: int, expected: float | None, base: int, minimum: int
) -> None:
    verdict = compare_count(observed, expected, base, minimum)
    if expected is None:
        assert verdict is None
    elif base < minimum:
        assert verdict == "too_few"
    else:
        assert verdict in ("within", "above", "below", "well_above", "well_below")


@PROPERTIES
@given(base=st.integers(1, 3000), share=st.floats(0, 1), target=st.floats(0, 1))
def test_compare_proportion_is_the_funnel(base: int, share: float, target: float) -> None:
    """A council is above or below exactly when it is strictly outside the drawn limits."""
    observed = round(share * base)
    usual = binomial_limits(target, base, CONFIDENCE)
    strict = binomial_limits(target, base, CONFIDENCE_STRICT)
    verdict = compare_proportion(observed, base, target, 0)
    assert verdict == against_limits(observed / base, usual, strict)


@PROPERTIES
@given(expected=st.floats(0, 5000), deviation=st.floats(-6, 6))
def test_compare_count_is_the_funnel(expected: float, deviation: float) -> None:
    observed = max(round(expected + deviation * math.sqrt(expected)), 0)
    usual = poisson_limits(expected, CONFIDENCE)
    strict = poisson_limits(expected, CONFIDENCE_STRICT)
    verdict = compare_count(observed, expected, 10, 0)
    assert verdict == against_limits(observed, usual, strict)


# --- change -------------------------------------------------------------------------------------


def wilson_estimate(successes: int, trials: int) -> tuple[float, float, float]:
    interval = wilson_interval(successes, trials)
    assert interval is not None
    return successes / trials, interval[0], interval[1]


@pytest.mark.parametrize(
    ("first", "second", "low", "high"),
    [
        # Newcombe (1998), Table II, method 10 (the difference second - first).
        ((48, 80), (56, 70), 0.0524, 0.3339),
        ((3, 10), (9, 10), 0.1705, 0.8090),
        ((0, 29), (5, 56), -0.0381, 0.1926),
    ],
)
def test_difference_published(
    first: tuple[int, int], second: tuple[int, int], low: float, high: float
) -> None:
    interval = difference_interval(wilson_estimate(*first), wilson_estimate(*second))
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_difference_by_its_formula() -> None:
    # Zou & Donner's MOVER for rates, from Garwood intervals of 12 and 30 upheld per 100,000.
    first = (12.0, *poisson_interval(12))
    second = (30.0, *poisson_interval(30))
    low, high = difference_interval(first, second)
    assert low == pytest.approx(18 - math.hypot(30 - second[1], first[2] - 12), rel=1e-15)
    assert high == pytest.approx(18 + math.hypot(second[2] - 30, 12 - first[1]), rel=1e-15)
    assert beyond_chance((low, high))
    assert not beyond_chance((0.0, 1.0))  # a bound exactly at 0 does not exclude it
    assert not beyond_chance((-1.0, 0.0))
    assert beyond_chance((-2.0, -1.0))
    with pytest.raises(ValueError, match="must hold its estimate"):
        difference_interval((0.5, 0.6, 0.7), (0.5, 0.4, 0.6))


@PROPERTIES
@given(
    first=st.tuples(st.integers(1, 2000), st.floats(0, 1)),
    second=st.tuples(st.integers(1, 2000), st.floats(0, 1)),
)
def test_difference_holds_the_difference(
    first: tuple[int, float], second: tuple[int, float]
) -> None:
    (n1, s1), (n2, s2) = first, second
    before, after = wilson_estimate(round(s1 * n1), n1), wilson_estimate(round(s2 * n2), n2)
    low, high = difference_interval(before, after)
    assert low <= after[0] - before[0] <= high
    assert -1.0 <= low <= high <= 1.0
    counts = round(s1 * n1), round(s2 * n2)
    rates = [(float(c), *poisson_interval(c)) for c in counts]
    low, high = difference_interval(rates[0], rates[1])
    assert low <= counts[1] - counts[0] <= high
    assert beyond_chance((low, high)) == (low > 0 or high < 0)
