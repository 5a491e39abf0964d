"""Anonymised decision summaries and recommendations, composed from the phrase book."""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from upheld.synthetic.wording import (
    ADVICE,
    ALREADY_REMEDIED,
    APOLOGIES,
    CLOSED,
    INVALID,
    NOT_UPHELD,
    PAYMENTS,
    REFERRED_BACK,
    REMEDY_OPENINGS,
    TIMEFRAMES,
    TOPICS,
    UPHELD,
    Topic,
)

CHILDREN = (
    "son",
    "daughter",
    "son",
    "daughter",
    "child",
    "grandson",
    "granddaughter",
    "foster child",
)
RELATIVES = (
    "mother", "father", "mother", "father", "husband", "wife",
    "brother", "sister", "adult son", "adult daughter", "aunt", "uncle",
)  # fmt: skip


def pick(rng: random.Random, options: Sequence[str]) -> str:
    """One of the options, drawn evenly."""
    return options[int(rng.random() * len(options))]


def sentence(text: str) -> str:
    """Text with a capital letter and a full stop."""
    return f"{text[0].upper()}{text[1:]}."


def join_actions(actions: Sequence[str]) -> str:
    """Actions as a sentence lists them: "a, b and c"."""
    if len(actions) == 1:
        return actions[0]
    return ", ".join(actions[:-1]) + " and " + actions[-1]


@dataclass(frozen=True)
class Remedy:
    """What the ombudsman recommended and the council agreed to do, and how soon."""

    actions: tuple[str, ...]
    timeframe: str
    days: int

    def recommendation(self) -> str:
        """The recommendation as recorded for the compliance check."""
        return f"Within {self.timeframe}: {'; '.join(self.actions)}."


class Phrasebook:
    """The phrase book, prepared for fast drawing by service area and authority type."""

    def __init__(self) -> None:
        self._topics: dict[tuple[int, str], tuple[tuple[Topic, ...], list[float]]] = {}

    def topic(self, area: int, council_type: str, rng: random.Random) -> Topic:
        """A subcategory, for a complaint in an area against a type of council."""
        key = (area, council_type)
        prepared = self._topics.get(key)
        if prepared is None:
            every = TOPICS[area]
            topics = tuple(t for t in every if not t.types or council_type in t.types) or every
            cumulative: list[float] = []
            for topic in topics:
                cumulative.append((cumulative[-1] if cumulative else 0.0) + topic.weight)
            prepared = self._topics[key] = (topics, cumulative)
        topics, cumulative = prepared
        return topics[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def fill_for(reference: str, his: str, him: str, rng: random.Random) -> dict[str, str]:
    """The words a summary puts in its placeholders, for one complainant."""
    return {
        "X": reference,
        "his": his,
        "him": him,
        "child": pick(rng, CHILDREN),
        "rel": pick(rng, RELATIVES),
    }


def improvements(topic: Topic, rng: random.Random) -> tuple[str, ...]:
    """One or two service improvements a council agrees after an upheld complaint on a topic."""
    first = pick(rng, topic.improvements)
    others = [i for i in topic.improvements if i != first]
    if others and rng.random() < 0.4:
        return (first, pick(rng, others))
    return (first,)


def remedy(
    topic: Topic, fill: dict[str, str], rng: random.Random, changes: Sequence[str] = ()
) -> Remedy:
    """The remedy for an upheld complaint: apology, payment, putting things right, improvements."""
    actions: list[str] = []
    if rng.random() < 0.9:
        actions.append(pick(rng, APOLOGIES).format_map(fill))
    if rng.random() < 0.7:
        amount = topic.payments[int(rng.random() * len(topic.payments))]
        actions.append(pick(rng, PAYMENTS).format_map({**fill, "amount": f"{amount:,}"}))
    if rng.random() < 0.75 or not actions:
        actions.append(pick(rng, topic.actions).format_map(fill))
    actions.extend(changes)
    timeframe, days = TIMEFRAMES[int(rng.random() * len(TIMEFRAMES))]
    return Remedy(tuple(actions), timeframe, days)


def summary(
    outcome: str,
    topic: Topic,
    fill: dict[str, str],
    rng: random.Random,
    agreed: Remedy | None = None,
    already_remedied: bool = False,
) -> str:
    """An anonymised decision summary in the ombudsman's style."""
    complaint = f"{fill['X']} complained {pick(rng, topic.complained).format_map(fill)}."
    if outcome == "upheld":
        if already_remedied:
            remedied = pick(rng, topic.remedied).format_map(fill)
            ending = pick(rng, ALREADY_REMEDIED).format_map({**fill, "remedied": remedied})
            return f"{complaint} {ending}"
        finding = pick(rng, UPHELD).format_map(fill)
        if agreed is None:
            return f"{complaint} {finding}"
        actions = join_actions(agreed.actions)
        return f"{complaint} {finding} {pick(rng, REMEDY_OPENINGS).format(actions=actions)}"
    if outcome == "not_upheld":
        return f"{complaint} {pick(rng, NOT_UPHELD).format_map(fill)}"
    about = pick(rng, topic.about).format_map(fill)
    if outcome == "closed_after_initial_enquiries":
        reason = pick(rng, CLOSED).format_map(fill)
        if rng.random() < 0.5:
            return f"We will not investigate {fill['X']}'s complaint about {about}. {reason}"
        return f"{complaint} We will not investigate this complaint. {reason}"
    bank = {"referred_back_for_local_resolution": REFERRED_BACK, "advice_given": ADVICE}
    return pick(rng, bank.get(outcome, INVALID)).format_map({**fill, "about": about})


CHILD_NOUNS = {
    "son": "a boy",
    "daughter": "a girl",
    "child": "a child",
    "grandson": "a boy",
    "granddaughter": "a girl",
    "foster child": "a foster child",
}
"""A child as a report's title names them, without saying whose."""
_PLACEHOLDERS = re.compile(
    r"\{his\} \{child\}|\{his\} \{rel\}|\{his\}|\{him\}|\{X\}|\{child\}|\{rel\}"
)
_SUBJECTS = {"her": "she", "his": "he", "their": "they"}


def report_title(council: str, topic: Topic, fill: dict[str, str], text: str, further: bool) -> str:
    """A public report's title in the ombudsman's style, from what the decision says was wrong:
    "Kent County Council delayed assessing a woman's mother's care needs"."""
    complaint = next(
        (
            phrase
            for phrase in topic.complained
            if text.startswith(f"{fill['X']} complained {phrase.format_map(fill)}.")
        ),
        None,
    )
    if complaint is None:  # not a complaint the phrase book words: say what it was about
        verdict = "did not do what we recommended" if further else "at fault"
        return f"{council} {verdict} over {topic.subcategory.lower()}"
    person = {"her": "a woman", "his": "a man"}.get(fill["his"])
    if person is None:
        person = "a couple" if fill["X"].startswith("Mr and Mrs") else "a resident"
    introduced = False

    def named(match: re.Match[str]) -> str:
        # The complainant is "a woman" the first time, "her" after; a child is "a boy".
        nonlocal introduced
        part, first = match.group(), not introduced
        if part == "{his} {child}" and first:
            return CHILD_NOUNS[fill["child"]]
        introduced = introduced or part != "{child}"
        if part == "{his} {rel}":
            return f"{person}'s {fill['rel']}" if first else f"{fill['his']} {fill['rel']}"
        if part == "{his} {child}":
            return f"{fill['his']} {fill['child']}"
        if part == "{his}":
            return f"{person}'s" if first else fill["his"]
        if part == "{him}":
            return person if first else fill["him"]
        if part == "{X}":
            return person if first else _SUBJECTS.get(fill["his"], "they")
        return fill[part.strip("{}")]

    words = _PLACEHOLDERS.sub(named, complaint)
    if words.startswith("the Council"):
        # "the Council delayed ..." is the council's own doing: name it.
        rest = words.removeprefix("the Council").replace("the Council's", "its")
        rest = rest.replace("the Council", "it")
        if not further:
            return f"{council}{rest}"
        words = ("its" + rest.removeprefix("'s")) if rest.startswith("'s") else ("it" + rest)
    elif words.startswith("about "):
        words = words.replace("the Council's", "its").replace("the Council", "it")
        if not further:
            return f"{council} at fault over {words.removeprefix('about ')}"
    elif not further:
        return f"{council} at fault: {words}"
    joined = words if words.startswith("about ") else f"that {words}"
    return f"{council} did not do what we recommended after a complaint {joined}"
