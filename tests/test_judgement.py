"""What a figure can bear, per council: its interval, its comparison and its change, as fields
and as the words pages and letters use. The methods underneath are tested in test_uncertainty."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats  # type: ignore[import-untyped]

from upheld.core import judgement
from upheld.core.catalogue import (
    CATALOGUE,
    COMPLIANCE_RATE,
    UPHELD_PER_100K,
    UPHOLD_RATE,
    Statistic,
)
from upheld.core.output import flat
from upheld.core.stats import Average, Counts
from upheld.core.uncertainty import Comparison

PROPERTIES = settings(derandomize=True, deadline=None, max_examples=200)


def decided(upheld: int, not_upheld: int, population: int | None = None) -> Counts:
    return Counts(
        decided_by_outcome={"upheld": upheld, "not_upheld": not_upheld}, population=population
    )


def average(statistic: Statistic, rate: Fraction) -> Average:
    return Average({statistic.key: rate}, 10, "mean")


@pytest.mark.parametrize(
    ("upheld", "investigated", "expected"),
    [
        (0, 4, [0.0, 49.0]),  # 0 of n: from 0, and wide
        (3, 3, [43.9, 100.0]),  # n of n: up to 100
        (1, 1, [20.7, 100.0]),  # n = 1
        (11, 22, [30.7, 69.3]),
        (53, 61, [76.2, 93.2]),
    ],
)
def test_a_rate_has_its_wilson_interval_in_percent(
    upheld: int, investigated: int, expected: list[float]
) -> None:
    found = judgement.interval(UPHOLD_RATE, decided(upheld, investigated - upheld))
    assert found == expected
    # The same interval from SciPy's own Wilson score interval.
    scipy = stats.binomtest(upheld, investigated).proportion_ci(0.95, method="wilson")
    assert found == [round(scipy.low * 100, 1) + 0.0, round(scipy.high * 100, 1)]


def test_upheld_per_100k_has_the_exact_poisson_interval() -> None:
    counts = decided(17, 0, population=193_851)
    low, high = judgement.interval(UPHELD_PER_100K, counts) or [0.0, 0.0]
    # Garwood: chi-squared quantiles, from SciPy.
    expected_low = stats.chi2.ppf(0.025, 2 * 17) / 2 / 193_851 * 100_000
    expected_high = stats.chi2.ppf(0.975, 2 * 18) / 2 / 193_851 * 100_000
    assert (low, high) == (round(expected_low, 1), round(expected_high, 1)) == (5.1, 14.0)
    # No upheld decisions still has an upper end; no population has no interval at all.
    assert judgement.interval(UPHELD_PER_100K, decided(0, 5, population=100_000)) == [0.0, 3.7]
    assert judgement.interval(UPHELD_PER_100K, decided(3, 0, population=None)) is None
    assert judgement.interval(UPHELD_PER_100K, decided(3, 0, population=0)) is None


def test_no_cases_means_no_interval_no_comparison_no_change() -> None:
    nothing = Counts()
    for statistic in CATALOGUE:
        assert judgement.interval(statistic, nothing) is None
        half = average(statistic, Fraction(1, 2))
        assert judgement.comparison(statistic, nothing, half, 5) is None
        assert judgement.change(statistic, nothing, decided(5, 5, 100_000)) is None
        assert judgement.change(statistic, decided(5, 5, 100_000), nothing) is None
        assert judgement.sure(statistic, nothing) == ""


@PROPERTIES
@given(
    upheld=st.integers(0, 400),
    not_upheld=st.integers(0, 400),
    population=st.integers(1, 2_000_000),
)
def test_every_interval_holds_its_figure(upheld: int, not_upheld: int, population: int) -> None:
    counts = decided(upheld, not_upheld, population)
    for statistic in (UPHOLD_RATE, UPHELD_PER_100K):
        figure = counts.figure(statistic.key)
        found = judgement.interval(statistic, counts)
        if figure is None:
            assert found is None
            continue
        assert found is not None
        low, high = found
        exact = counts.count(statistic.numerator) / counts.count(statistic.denominator)
        exact *= statistic.unit.scale
        # The interval is shown to 0.1: it holds the figure to within that rounding.
        assert low - 0.05 <= exact <= high + 0.05
        if statistic.unit.suffix == "%":
            assert 0 <= low <= high <= 100


@PROPERTIES
@given(
    upheld=st.integers(0, 60),
    investigated=st.integers(1, 60),
    minimum=st.integers(1, 30),
    rate=st.fractions(0, 1),
)
def test_too_few_below_the_minimum_base_and_never_otherwise(
    upheld: int, investigated: int, minimum: int, rate: Fraction
) -> None:
    upheld = min(upheld, investigated)
    counts = decided(upheld, investigated - upheld)
    found = judgement.comparison(UPHOLD_RATE, counts, average(UPHOLD_RATE, rate), minimum)
    assert (found == "too_few") == (investigated < minimum)


def test_a_comparison_allows_for_chance_at_the_council_s_own_base() -> None:
    at_half = average(UPHOLD_RATE, Fraction(1, 2))
    # 3 of 3 upheld is 100% against an average of 50%, yet well within what chance explains.
    assert judgement.comparison(UPHOLD_RATE, decided(3, 0), at_half, 1) == "within"
    # The same 60% is within from 10 cases but above from 1,000.
    assert judgement.comparison(UPHOLD_RATE, decided(6, 4), at_half, 5) == "within"
    assert judgement.comparison(UPHOLD_RATE, decided(600, 400), at_half, 5) == "well_above"
    assert judgement.comparison(UPHOLD_RATE, decided(1, 19), at_half, 5) == "well_below"
    # No average, nothing to compare with.
    assert judgement.comparison(UPHOLD_RATE, decided(6, 4), None, 5) is None


def test_upheld_per_100k_is_judged_on_the_count_seen_or_expected() -> None:
    two_per_100k = average(UPHELD_PER_100K, Fraction(2, 100_000))
    # 100,000 residents at 2 per 100,000 expect 2 upheld: 3 seen is too few to judge either way.
    assert judgement.base(UPHELD_PER_100K, decided(3, 0, 100_000), two_per_100k) == 3
    small = judgement.comparison(UPHELD_PER_100K, decided(3, 0, 100_000), two_per_100k, 5)
    assert small == "too_few"
    # But 10 seen where 2 were expected is a difference, however few were expected (p = 0.00005).
    assert judgement.base(UPHELD_PER_100K, decided(10, 0, 100_000), two_per_100k) == 10
    many = judgement.comparison(UPHELD_PER_100K, decided(10, 0, 100_000), two_per_100k, 5)
    assert many == "well_above"
    # And none where 20 were expected is one too.
    none = judgement.comparison(UPHELD_PER_100K, decided(0, 3, 1_000_000), two_per_100k, 5)
    assert none == "well_below"
    # 1,000,000 residents expect 20: 45 upheld is far beyond chance, 24 is not.
    big = judgement.comparison(UPHELD_PER_100K, decided(45, 0, 1_000_000), two_per_100k, 5)
    assert big == "well_above"
    near = judgement.comparison(UPHELD_PER_100K, decided(24, 0, 1_000_000), two_per_100k, 5)
    assert near == "within"


def test_a_change_has_its_difference_interval_and_says_whether_it_is_chance() -> None:
    before, now = decided(25, 75), decided(60, 40)
    found = judgement.change(UPHOLD_RATE, now, before)
    assert found is not None
    assert found["previous"] == 25
    assert found["difference"] == 35.0
    low, high = found["interval"]
    assert 0 < low < 35 < high
    assert found["beyond_chance"] is True
    small = judgement.change(UPHOLD_RATE, decided(3, 2), decided(2, 2))
    assert small is not None
    assert small["beyond_chance"] is False
    assert small["interval"][0] < 0 < small["interval"][1]


def test_a_change_on_a_handful_of_cases_is_never_beyond_chance() -> None:
    # 0 of 2, then 2 of 2: the difference's interval leaves out 0, but Fisher's exact test gives
    # p = 0.33. With fewer than the minimum either year, the change is not judged.
    found = judgement.change(UPHOLD_RATE, decided(2, 0), decided(0, 2), 5)
    assert found is not None
    assert found["interval"][0] > 0
    assert (found["too_few"], found["beyond_chance"]) == (True, False)
    assert judgement.change_words(UPHOLD_RATE, found, 100, "2023-24") == (
        "Up from 0% in 2023-24; too few cases to tell whether that is more than chance."
    )
    judged = judgement.change(UPHOLD_RATE, decided(2, 0), decided(0, 2), 1)
    assert judged is not None
    assert (judged["too_few"], judged["beyond_chance"]) == (False, True)
    # A rate per residents counts the upheld decisions of both years together.
    few = judgement.change(UPHELD_PER_100K, decided(3, 0, 100_000), decided(1, 0, 100_000), 5)
    assert few is not None
    assert few["too_few"] is True
    enough = judgement.change(UPHELD_PER_100K, decided(30, 0, 100_000), decided(0, 0, 100_000), 5)
    assert enough is not None
    assert (enough["too_few"], enough["beyond_chance"]) == (False, True)


def test_change_in_words() -> None:
    up = judgement.change(UPHOLD_RATE, decided(60, 40), decided(25, 75))
    assert judgement.change_words(UPHOLD_RATE, up, 60, "2023-24") == (
        "Up from 25% in 2023-24, by more than chance would explain."
    )
    down = judgement.change(UPHOLD_RATE, decided(20, 20), decided(30, 20))
    assert judgement.change_words(UPHOLD_RATE, down, 50, "2023-24") == (
        "Down from 60% in 2023-24; a change this size is within what chance explains."
    )
    same = judgement.change(UPHOLD_RATE, decided(7, 3), decided(70, 30))
    assert judgement.change_words(UPHOLD_RATE, same, 70, "2023-24") == (
        "The same as in 2023-24 (70%)."
    )
    assert judgement.change_words(UPHOLD_RATE, None, 70, "2023-24") == ""


def test_a_figure_in_words_with_how_sure_it_is() -> None:
    assert judgement.sure(UPHOLD_RATE, decided(58, 10)) == (
        "85%, likely between 75% and 92%, from 68 detailed investigations."
    )
    assert judgement.sure(UPHOLD_RATE, decided(1, 0)) == (
        "100%, likely between 20% and 100%, from 1 detailed investigation."
    )
    # A rate per residents is uncertain in what was counted, not in the population.
    assert judgement.sure(UPHELD_PER_100K, decided(17, 0, 193_851)) == (
        "8.8, likely between 5.1 and 14.1, from 17 upheld decisions."
    )
    compliance = Counts(compliance_by_outcome={"complied": 249, "not_complied": 1})
    assert judgement.sure(COMPLIANCE_RATE, compliance).startswith("100% (99.6%), likely between")


def test_a_range_is_never_narrower_than_its_interval() -> None:
    assert judgement.likely(UPHOLD_RATE, decided(11, 11)) == "30% to 70%"
    assert judgement.likely(UPHOLD_RATE, decided(0, 4)) == "0% to 49%"
    assert judgement.likely(UPHELD_PER_100K, decided(17, 0, 193_851)) == "5.1 to 14.1"
    assert judgement.likely(UPHOLD_RATE, Counts()) == ""


@PROPERTIES
@given(upheld=st.integers(0, 300), not_upheld=st.integers(0, 300))
def test_the_range_read_holds_the_whole_interval(upheld: int, not_upheld: int) -> None:
    counts = decided(upheld, not_upheld)
    found = judgement.raw_interval(UPHOLD_RATE, counts)
    said = judgement.likely(UPHOLD_RATE, counts)
    if found is None:
        assert said == ""
        return
    low, high = (int(end.removesuffix("%")) for end in said.split(" to "))
    assert low <= found[1] < low + 1
    assert high - 1 < found[2] <= high


@pytest.mark.parametrize("comparison", ["within", "too_few"])
def test_in_line_is_never_said_to_be_higher_or_lower(comparison: Comparison) -> None:
    said = judgement.said(comparison)
    for word in ("higher", "lower", "above", "below"):
        assert word not in said
    assert said.startswith("This is ")
    assert judgement.said(None) == ""


def test_a_spreadsheet_row_spreads_intervals_and_changes_into_columns() -> None:
    row = {
        "code": "E1",
        "uphold_rate": 60,
        "uphold_rate_interval": [50.2, 69.1],
        "uphold_rate_change": {
            "previous": 25,
            "difference": 35.0,
            "interval": [22.0, 46.5],
            "beyond_chance": True,
            "too_few": False,
        },
        "compliance_rate_interval": None,
        "compliance_rate_change": None,
        "by_category": {"housing": {}},
    }
    assert flat(row) == {
        "code": "E1",
        "uphold_rate": 60,
        "uphold_rate_interval_low": 50.2,
        "uphold_rate_interval_high": 69.1,
        "uphold_rate_change_previous": 25,
        "uphold_rate_change_difference": 35.0,
        "uphold_rate_change_low": 22.0,
        "uphold_rate_change_high": 46.5,
        "uphold_rate_change_beyond_chance": True,
        "uphold_rate_change_too_few": False,
        "compliance_rate_interval_low": None,
        "compliance_rate_interval_high": None,
        "compliance_rate_change_previous": None,
        "compliance_rate_change_difference": None,
        "compliance_rate_change_low": None,
        "compliance_rate_change_high": None,
        "compliance_rate_change_beyond_chance": None,
        "compliance_rate_change_too_few": None,
    }
