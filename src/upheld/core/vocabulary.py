"""The ombudsman's words: authority types, service areas, outcomes and the other closed lists."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_SEPARATORS = re.compile(r"[\s_\-/]+")


def term_key(text: str) -> str:
    """Fold a label or key for matching: case, spaces, `_`, `-`, `/` and `&` don't matter."""
    folded = text.strip().lower().replace("&", " and ")
    return _SEPARATORS.sub(" ", folded).strip()


class UnknownTerm(ValueError):
    """A value that is not in a closed list; carries the nearest valid values."""

    def __init__(self, value: str, vocabulary: Vocabulary) -> None:
        self.value = value
        self.suggestions = vocabulary.suggest(value)
        hint = f"; did you mean {' or '.join(repr(s) for s in self.suggestions)}?"
        valid = ", ".join(repr(t.key) for t in vocabulary)
        tail = hint if self.suggestions else f"; valid values are {valid}"
        super().__init__(f"unknown {vocabulary.name} {value!r}{tail}")


@dataclass(frozen=True)
class Term:
    """One entry of a closed list: the stored key and the label people read."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    noun: str = ""
    """How a count of them reads, singular then plural: "county council|county councils"."""

    def count_noun(self, number: int) -> str:
        """The noun for a number of these: "1 county council", "2 county councils"."""
        singular, _, plural = (self.noun or self.label.lower()).partition("|")
        return singular if number == 1 else (plural or singular + "s")


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of terms, matched case-insensitively by key, label or alias."""

    name: str
    terms: tuple[Term, ...]
    _index: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for term in self.terms:
            for spelling in (term.key, term.label, *term.aliases):
                index[term_key(spelling)] = term.key
        object.__setattr__(self, "_index", index)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __contains__(self, key: object) -> bool:
        return any(t.key == key for t in self.terms)

    @property
    def keys(self) -> tuple[str, ...]:
        """The stored keys, in the ombudsman's order."""
        return tuple(t.key for t in self.terms)

    def term(self, key: str) -> Term:
        """The entry for a stored key."""
        for term in self.terms:
            if term.key == key:
                return term
        raise KeyError(key)

    def label(self, key: str) -> str:
        """The label people read for a stored key."""
        return self.term(key).label

    def match(self, value: str) -> str:
        """The key a written value means; UnknownTerm (with suggestions) if none."""
        key = self._index.get(term_key(value))
        if key is None:
            raise UnknownTerm(value, self)
        return key

    def suggest(self, value: str, n: int = 3) -> list[str]:
        """The valid spellings nearest to a mistyped value."""
        spellings = {term_key(t.label): t.label for t in self.terms}
        spellings.update({term_key(t.key): t.key for t in self.terms})
        close = difflib.get_close_matches(term_key(value), list(spellings), n=n, cutoff=0.6)
        seen: list[str] = []
        for spelling in close:
            key = self._index[spelling]
            if key not in seen:
                seen.append(key)
        return seen


AUTHORITY_TYPES = Vocabulary(
    "authority type",
    (
        Term("county", "County Council", ("CTY",), "county council|county councils"),
        Term(
            "district",
            "District Council",
            ("NMD", "non-metropolitan district"),
            "district council|district councils",
        ),
        Term("metropolitan", "Metropolitan Borough", ("MD", "met"), "metropolitan borough"),
        Term("unitary", "Unitary Council", ("unitary authority", "UA"), "unitary council"),
        Term("london_borough", "London Borough", ("LBO", "London", "CC"), "London borough"),
        Term("other", "Other", (), "other council"),
    ),
)
"""The five groups of similar authorities, plus `other` (never compared)."""

COMPARED_TYPES = tuple(k for k in AUTHORITY_TYPES.keys if k != "other")

SERVICE_AREAS = Vocabulary(
    "service area",
    (
        Term("Adult care services", "Adult care services", ("adult care", "adult social care")),
        Term("Benefits and tax", "Benefits and tax", ("benefits", "council tax")),
        Term("Corporate and other services", "Corporate and other services", ("corporate",)),
        Term(
            "Education and children's services",
            "Education and children's services",
            ("education and childrens services", "education", "children's services"),
        ),
        Term("Environment services", "Environment services", ("environmental services",)),
        Term("Highways and transport", "Highways and transport", ("highways",)),
        Term("Housing", "Housing"),
        Term("Planning and development", "Planning and development", ("planning",)),
        Term("Other", "Other"),
    ),
)
"""Service areas ("categories") of complaints received; stored by their label."""

OUTCOMES = Vocabulary(
    "outcome",
    (
        Term("upheld", "Upheld"),
        Term("not_upheld", "Not upheld"),
        Term("closed_after_initial_enquiries", "Closed after initial enquiries"),
        Term("referred_back_for_local_resolution", "Referred back for local resolution"),
        Term("advice_given", "Advice given"),
        Term("incomplete_invalid", "Incomplete/Invalid", ("incomplete or invalid",)),
    ),
)
"""The six decision outcomes."""

INVESTIGATED_OUTCOMES = ("upheld", "not_upheld")

OUTCOME_GROUPS = Vocabulary(
    "outcome group",
    (
        Term("not_for_us", "Not for us"),
        Term("assessed_and_closed", "Assessed and closed"),
        Term("investigated", "Investigated"),
    ),
)
"""The three groups the ombudsman has used since 2024-25."""

OUTCOME_GROUP_OF = {
    "referred_back_for_local_resolution": "not_for_us",
    "advice_given": "not_for_us",
    "incomplete_invalid": "not_for_us",
    "closed_after_initial_enquiries": "assessed_and_closed",
    "upheld": "investigated",
    "not_upheld": "investigated",
}

COMPLIANCE_OUTCOMES = Vocabulary(
    "compliance outcome",
    (
        Term("complied", "Complied", ("compliance", "yes")),
        Term("complied_late", "Complied late", ("late", "late compliance")),
        Term("not_complied", "Not complied", ("non compliance", "no")),
    ),
)

CONTACT_ROLES = Vocabulary(
    "contact role",
    (
        Term("chief_executive", "Chief Executive", ("ceo", "chief exec")),
        Term("link_officer", "Link Officer"),
        Term("monitoring_officer", "Monitoring Officer"),
        Term("leader", "Leader", ("leader of the council",)),
        Term("scrutiny_chair", "Scrutiny Chair", ("chair of scrutiny",)),
    ),
)

IMPROVEMENT_STATUSES = Vocabulary(
    "improvement status",
    (
        Term("agreed", "Agreed"),
        Term("completed", "Completed", ("complete", "done")),
        Term("overdue", "Overdue"),
    ),
)

REPORT_KINDS = Vocabulary(
    "report kind",
    (
        Term("public_interest", "Public interest report", ("section 30", "s30", "public interest")),
        Term("further", "Further report", ("section 31", "s31", "further report")),
    ),
)

EVENT_KINDS = Vocabulary(
    "event kind",
    (
        Term("course", "Course", ("training course", "training")),
        Term("seminar", "Seminar", ("webinar",)),
    ),
)
