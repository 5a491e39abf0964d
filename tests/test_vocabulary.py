"""The ombudsman's closed lists: matching what people write, and suggesting what they meant."""

from __future__ import annotations

import pytest

from upheld.core.vocabulary import (
    AUTHORITY_TYPES,
    OUTCOME_GROUP_OF,
    OUTCOME_GROUPS,
    OUTCOMES,
    SERVICE_AREAS,
    UnknownTerm,
)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("upheld", "upheld"),
        ("Not upheld", "not_upheld"),
        ("NOT_UPHELD", "not_upheld"),
        ("Incomplete/Invalid", "incomplete_invalid"),
        ("referred back for local resolution", "referred_back_for_local_resolution"),
        ("Closed-after-initial-enquiries", "closed_after_initial_enquiries"),
    ],
)
def test_outcomes(written: str, key: str) -> None:
    assert OUTCOMES.match(written) == key


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("education & children's services", "Education and children's services"),
        ("HOUSING", "Housing"),
        ("Highways  and transport", "Highways and transport"),
    ],
)
def test_service_areas(written: str, key: str) -> None:
    assert SERVICE_AREAS.match(written) == key


def test_unknown_values_suggest_the_nearest() -> None:
    with pytest.raises(UnknownTerm) as caught:
        OUTCOMES.match("uphled")
    assert caught.value.suggestions[0] == "upheld"
    assert "did you mean 'upheld'" in str(caught.value)
    with pytest.raises(UnknownTerm, match="valid values are 'upheld', 'not_upheld'"):
        OUTCOMES.match("zzzz")


def test_every_outcome_has_a_group() -> None:
    assert set(OUTCOME_GROUP_OF) == set(OUTCOMES.keys)
    assert set(OUTCOME_GROUP_OF.values()) == set(OUTCOME_GROUPS.keys)


@pytest.mark.parametrize(
    ("key", "number", "words"),
    [
        ("county", 1, "county council"),
        ("county", 2, "county councils"),
        ("london_borough", 33, "London boroughs"),
        ("metropolitan", 36, "metropolitan boroughs"),
    ],
)
def test_count_nouns(key: str, number: int, words: str) -> None:
    term = next(t for t in AUTHORITY_TYPES if t.key == key)
    assert term.count_noun(number) == words
