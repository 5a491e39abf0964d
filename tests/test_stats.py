"""The statistics as pure functions: rounding, n/a, averages of similar authorities."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upheld.core.stats import (
    AVERAGE_METHODS,
    Counts,
    Ratio,
    combine,
    percent,
    round_half_up,
    similar_average,
)


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Fraction(885, 10), 0, Decimal(89)),  # 88.5 -> 89 (banker's would give 88)
        (Fraction(865, 10), 0, Decimal(87)),  # 86.5 -> 87 (banker's would give 86)
        (Fraction(5, 10), 0, Decimal(1)),
        (Fraction(49999, 100000), 0, Decimal(0)),
        (Fraction(25, 100), 1, Decimal("0.3")),  # 0.25 -> 0.3 (float round gives 0.2)
        (Fraction(45, 100), 1, Decimal("0.5")),  # 0.45 -> 0.5 (banker's would give 0.4)
        (Fraction(-25, 10), 0, Decimal(-3)),
        (Fraction(0), 0, Decimal(0)),
    ],
)
def test_round_half_up(value: Fraction, places: int, expected: Decimal) -> None:
    assert round_half_up(value, places) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (12, 15, 80),  # Poole 2018-19
        (24, 34, 71),  # Dorset County Council 2018-19: 70.59
        (53, 61, 87),  # Kent 2022-23: 86.89
        (4, 53, 8),  # Kent satisfactory remedy: 7.55
        (2, 3, 67),  # Runnymede: 66.67
        (1, 12, 8),  # Poole remedy: 8.33
        (7, 8, 88),  # 87.5 rounds up
        (5, 8, 63),  # 62.5 rounds up (banker's would give 62)
        (1, 8, 13),  # 12.5 rounds up
        (0, 3, 0),  # 0 of 3 is 0%, not n/a
        (0, 0, None),  # nothing to divide by: n/a
        (5, 5, 100),
    ],
)
def test_ratio_percent(numerator: int, denominator: int, expected: int | None) -> None:
    assert Ratio(numerator, denominator).percent == expected


def test_counts_definitions() -> None:
    """Bury 2019-20: 6 of 15 detailed investigations upheld = 40%."""
    bury = Counts(
        received_by_category={"Housing": 9, "Adult care services": 64},
        decided_by_outcome={
            "incomplete_invalid": 4,
            "advice_given": 2,
            "referred_back_for_local_resolution": 24,
            "closed_after_initial_enquiries": 27,
            "not_upheld": 9,
            "upheld": 6,
        },
        satisfactory_remedies=1,
        compliance_by_outcome={"complied": 3, "complied_late": 1},
        population=190_990,
    )
    assert bury.received == 73
    assert bury.decided == 72
    assert bury.investigated == 15
    assert bury.upheld == 6
    assert bury.rate("uphold_rate").percent == 40
    assert bury.rate("satisfactory_remedy_rate").percent == 17
    assert bury.rate("compliance_rate") == Ratio(4, 4)
    assert bury.figure("compliance_rate") == 100
    assert bury.decided_by_group == {
        "not_for_us": 30,
        "assessed_and_closed": 27,
        "investigated": 15,
    }
    assert bury.figure("upheld_per_100k") == 3.1
    assert bury.rate("upheld_per_100k") == Ratio(6, 190_990)


@pytest.mark.parametrize(
    ("counts", "uphold", "remedy", "compliance", "per_100k"),
    [
        (Counts(), None, None, None, None),
        (Counts(decided_by_outcome={"not_upheld": 3}), 0, None, None, None),
        (Counts(decided_by_outcome={"upheld": 2}, population=100_000), 100, 0, None, "2.0"),
        (Counts(compliance_by_outcome={"not_complied": 1}), None, None, 0, None),
        (Counts(compliance_by_outcome={"complied_late": 1}, population=0), None, None, 100, None),
    ],
)
def test_not_available(
    counts: Counts,
    uphold: int | None,
    remedy: int | None,
    compliance: int | None,
    per_100k: str | None,
) -> None:
    assert counts.figure("uphold_rate") == uphold
    assert counts.figure("satisfactory_remedy_rate") == remedy
    assert counts.figure("compliance_rate") == compliance
    figure = counts.figure("upheld_per_100k")
    assert (None if figure is None else f"{figure:.1f}") == per_100k


def _council(
    upheld: int, not_upheld: int, remedies: int = 0, population: int | None = None
) -> Counts:
    return Counts(
        decided_by_outcome={"upheld": upheld, "not_upheld": not_upheld},
        satisfactory_remedies=remedies,
        population=population,
    )


def test_mean_and_pooled_averages_differ_and_skip_empty_denominators() -> None:
    group = [_council(1, 0), _council(1, 3), _council(0, 0)]
    mean = similar_average(group, "mean")
    pooled = similar_average(group, "pooled")
    # (100% + 25%) / 2; the council with none is left out
    assert mean.rate("uphold_rate") == Fraction(5, 8)
    assert pooled.rate("uphold_rate") == Fraction(2, 5)
    assert mean.councils == pooled.councils == 3
    assert mean.rate("compliance_rate") is None
    assert percent(mean.rate("uphold_rate")) == 63
    assert mean.figure("uphold_rate") == 63


def test_average_is_taken_before_rounding() -> None:
    # Three councils at 1/3, 1/3 and 1/2: rounded first they'd give (33+33+50)/3 = 38.67 -> 39;
    # exact, (1/3 + 1/3 + 1/2) / 3 = 38.89% -> 39 too, so use a case where they disagree:
    # 1/8 (12.5), 1/8, 1/8 -> exact 12.5 -> 13; rounded first 13 -> 13. And 2/7, 2/7: 28.57 each.
    group = [_council(1, 7), _council(1, 7), _council(2, 5)]
    exact = (Fraction(1, 8) * 2 + Fraction(2, 7)) / 3
    assert similar_average(group).rate("uphold_rate") == exact
    assert percent(exact) == 18  # 17.86; averaging rounded rates (13+13+29)/3 = 18.33 also 18


def test_per_100k_average_over_councils_with_population() -> None:
    group = [_council(2, 0, population=100_000), _council(0, 1, population=50_000), _council(5, 0)]
    mean = similar_average(group, "mean")
    pooled = similar_average(group, "pooled")
    assert mean.rate("upheld_per_100k") == Fraction(1, 100_000)  # (2 + 0) / 2 per 100,000
    assert mean.figure("upheld_per_100k") == 1.0
    assert pooled.rate("upheld_per_100k") == Fraction(2, 150_000)
    assert pooled.figure("upheld_per_100k") == 1.3


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown average method"):
        similar_average([], "median")  # type: ignore[arg-type]


def test_combine_adds_everything() -> None:
    total = combine([_council(2, 1, 1, 1000), _council(3, 0, 0, 2000)])
    assert (total.upheld, total.investigated, total.satisfactory_remedies) == (5, 6, 1)
    assert total.population == 3000
    assert combine([_council(1, 0, population=10), _council(1, 0)]).population is None


councils = st.builds(
    _council,
    upheld=st.integers(0, 60),
    not_upheld=st.integers(0, 60),
    population=st.one_of(st.none(), st.integers(1, 2_000_000)),
).map(lambda c: c)


@given(st.lists(councils, min_size=1, max_size=40))
def test_averages_lie_between_the_group_min_and_max(group: list[Counts]) -> None:
    rates = [r for c in group if (r := c.rate("uphold_rate").value) is not None]
    for method in AVERAGE_METHODS:
        average = similar_average(group, method).rate("uphold_rate")
        if not rates:
            assert average is None
            continue
        assert average is not None
        assert min(rates) <= average <= max(rates)
        assert 0 <= average <= 1


@given(st.lists(councils, min_size=1, max_size=40))
def test_national_rate_is_pooled(group: list[Counts]) -> None:
    national = combine(group)
    assert national.rate("uphold_rate").value == similar_average(group, "pooled").rate(
        "uphold_rate"
    )


@given(st.integers(0, 500), st.integers(0, 500))
def test_rates_are_between_0_and_100(upheld: int, not_upheld: int) -> None:
    rate = _council(upheld, not_upheld).rate("uphold_rate").percent
    if upheld + not_upheld == 0:
        assert rate is None
    else:
        assert rate is not None
        assert 0 <= rate <= 100


@given(st.fractions(min_value=0, max_value=10_000), st.integers(0, 3))
def test_round_half_up_is_within_half_a_unit(value: Fraction, places: int) -> None:
    rounded = Fraction(round_half_up(value, places))
    unit = Fraction(1, 10**places)
    assert value - unit / 2 <= rounded <= value + unit / 2
    assert rounded - value != -unit / 2  # a tie always goes up


@given(st.integers(0, 10**7), st.integers(1, 10**7))
def test_whole_number_rounding_agrees_with_exact_rounding(numerator: int, denominator: int) -> None:
    from upheld.core.catalogue import PER_100K, PERCENT

    exact = Fraction(numerator, denominator)
    assert PERCENT.present_ratio(numerator, denominator) == int(round_half_up(exact * 100))
    assert PER_100K.present_ratio(numerator, denominator) == float(
        round_half_up(exact * 100_000, 1)
    )
