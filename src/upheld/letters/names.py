"""How a letter addresses and greets a council's chief executive, from a name as staff typed it.

A name is read as: titles at the front ("Dr", "Professor Sir", "The Rt Hon the Lord"), the
personal name, then post-nominals at the end ("CBE", "PhD", "DL", "Jr"). The surname is the last
word of the personal name together with any particles before it ("de la Cruz", "van der Berg").
A name written surname first ("Logan, Scott") is turned round. Names are never re-cased; titles
are written in their usual form ("DR" becomes "Dr", "Prof" stays "Prof").

The greeting uses one title, chosen in this order:

1. a peer's title: "Dear Lord Smith", "Dear Lady Hale" (baronesses, countesses and the like are
   greeted as Lady), ignoring any territorial designation ("of Finsbury");
2. a professional, academic, clerical or military title, the first one written: "Dear Professor
   Smith" for Professor Sir John Smith;
3. a knighthood: "Dear Sir John", "Dear Dame Mary" (the whole name if the forename is an initial);
4. a councillor's title: "Dear Cllr O'Neill";
5. a courtesy title: "Dear Ms de la Cruz".

Styles ("The", "Rt Hon", "Hon") are kept in the address but never greeted. With no title at all
the greeting is the whole personal name: "Dear Jane Smith", "Dear Cher".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

COURTESY_TITLES: frozenset[str] = frozenset({"Mr", "Mrs", "Ms", "Miss", "Mx"})
CIVIC_TITLES: frozenset[str] = frozenset({"Cllr", "Councillor", "Alderman"})
PROFESSIONAL_TITLES: frozenset[str] = frozenset(
    {
        "Dr", "Doctor", "Prof", "Professor",
        "Rev", "Revd", "Reverend", "Canon", "Rabbi", "Imam",
        "Captain", "Capt", "Major", "Colonel", "Commander", "Cdr", "Brigadier", "General",
        "Admiral",
    }
)  # fmt: skip
KNIGHTHOOD_TITLES: frozenset[str] = frozenset({"Sir", "Dame"})
PEERAGE_TITLES: frozenset[str] = frozenset(
    {"Lord", "Lady", "Baroness", "Viscount", "Viscountess", "Countess", "Marquess", "Marchioness"}
)
STYLES: frozenset[str] = frozenset({"The", "Rt", "Right", "Hon", "Honourable"})
TITLES: frozenset[str] = (
    COURTESY_TITLES
    | CIVIC_TITLES
    | PROFESSIONAL_TITLES
    | KNIGHTHOOD_TITLES
    | PEERAGE_TITLES
    | STYLES
)

# Post-nominals in their usual written form, which is how a lone one is told from a surname.
POST_NOMINALS: frozenset[str] = frozenset(
    {
        # orders, decorations and medals
        "VC", "GC", "KG", "KT", "OM", "CH", "GCB", "KCB", "DCB", "CB", "GCMG", "KCMG", "DCMG",
        "CMG", "GCVO", "KCVO", "DCVO", "CVO", "LVO", "MVO", "GBE", "KBE", "DBE", "CBE", "OBE",
        "MBE", "BEM", "DSO", "MC", "DFC", "AFC", "QPM", "KPM", "QFSM", "KFSM", "RRC", "TD",
        # appointments
        "PC", "DL", "JP", "MP", "MSP", "MS", "MLA", "AM", "MEP", "QC", "KC", "ADC",
        # fellowships and professional bodies
        "FRS", "FREng", "FBA", "FRSE", "FRSA", "FAcSS", "FRCP", "FRCS", "FRCGP", "FFPH", "FRICS",
        "MRICS", "FRTPI", "MRTPI", "RIBA", "FCA", "ACA", "FCCA", "ACCA", "CPFA", "FCMA", "ACMA",
        "CGMA", "FCIPD", "MCIPD", "FCMI", "CMgr", "FCIH", "MCIH", "FCIS", "ACIS", "FIA", "CEng",
        "CPsychol", "RGN", "RMN", "RN", "CQSW",
        # degrees and diplomas
        "BA", "BSc", "BEd", "BEng", "LLB", "LLM", "MA", "MSc", "MBA", "MPA", "MPhil", "MRes",
        "MEng", "PhD", "DPhil", "DBA", "EdD", "DSc", "DLitt", "LLD", "MD", "MB", "BS", "BM", "BCh",
        "ChB", "MBBS", "MBChB", "PGCE", "DipSW", "Hons",
    }
)  # fmt: skip
# Post-nominals that are also surnames (Jack Ma, Amadou Ba): in a name written all in capitals,
# where case is no guide, one of these alone is read as the surname.
POST_NOMINALS_ALSO_SURNAMES: frozenset[str] = frozenset({"MA", "BA", "MBA", "BEM", "OM"})
NAME_SUFFIXES: frozenset[str] = frozenset({"Jr", "Jnr", "Sr", "Snr", "Esq", "II", "III", "IV"})

# Lower-case forms; a particle belongs to the surname that follows it.
SURNAME_PARTICLES: frozenset[str] = frozenset(
    {
        "de", "del", "della", "delle", "dei", "degli", "di", "da", "das", "do", "dos", "du", "des",
        "la", "le", "les", "lo", "van", "von", "vom", "zu", "zum", "zur", "der", "den", "ter",
        "ten", "'t", "ap", "ab", "verch", "ferch", "mac", "nic", "ní", "ó", "ua", "uí", "bin",
        "binti", "bint", "ibn", "al", "el", "ben", "st", "saint",
    }
)  # fmt: skip
# Capitalised, these are more often forenames or middle names (Ben, Do) than particles.
LOWER_CASE_ONLY_PARTICLES: frozenset[str] = frozenset({"ab", "ben", "do"})

_STYLE, _CIVIC, _PROFESSIONAL, _KNIGHT, _PEER, _COURTESY = (
    "style",
    "civic",
    "professional",
    "knight",
    "peer",
    "courtesy",
)
# The order titles are written in: "The Rt Hon", "Cllr", "Professor", "Sir", then Mr and the like.
_ORDER = {_STYLE: 0, _CIVIC: 1, _PROFESSIONAL: 2, _KNIGHT: 3, _PEER: 3, _COURTESY: 4}
_KINDS = (
    (STYLES, _STYLE),
    (CIVIC_TITLES, _CIVIC),
    (PROFESSIONAL_TITLES, _PROFESSIONAL),
    (KNIGHTHOOD_TITLES, _KNIGHT),
    (PEERAGE_TITLES, _PEER),
    (COURTESY_TITLES, _COURTESY),
)
_KNOWN_TITLES = {title.casefold(): (title, kind) for titles, kind in _KINDS for title in titles}
# Spellings of one title; a person has at most one courtesy title.
_SAME_TITLE = {
    "Prof": "professor",
    "Professor": "professor",
    "Dr": "doctor",
    "Doctor": "doctor",
    "Cllr": "councillor",
    "Councillor": "councillor",
    "Rev": "reverend",
    "Revd": "reverend",
    "Reverend": "reverend",
    "Capt": "captain",
    "Captain": "captain",
    "Cdr": "commander",
    "Commander": "commander",
    "Rt": "right",
    "Right": "right",
    "Hon": "honourable",
    "Honourable": "honourable",
    **dict.fromkeys(COURTESY_TITLES, "courtesy"),
}
_PEER_GREETING = {
    "Lord": "Lord",
    "Viscount": "Lord",
    "Marquess": "Lord",
    "Lady": "Lady",
    "Baroness": "Lady",
    "Viscountess": "Lady",
    "Countess": "Lady",
    "Marchioness": "Lady",
}
_AFTER_NAME = {word.upper(): word for word in POST_NOMINALS | NAME_SUFFIXES}
_DEAR = re.compile(r"dear\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Title:
    text: str
    key: str
    kind: str


@dataclass(frozen=True)
class _Name:
    titles: tuple[_Title, ...]
    words: tuple[str, ...]
    after: tuple[str, ...]


def addressee_name(name: str, title: str | None) -> str:
    """The name as the first line of the address: titles, the name, then any post-nominals."""
    parsed = _parse(name, title)
    titles = parsed.titles
    # "Rt Hon John Smith MP" and "Sir John Smith" carry no Mr, though the greeting may use it.
    if any(t.kind != _COURTESY for t in titles):
        titles = tuple(t for t in titles if t.kind != _COURTESY)
    return " ".join([*(t.text for t in titles), *parsed.words, *parsed.after])


def salutation(name: str, title: str | None, written: str | None = None) -> str:
    """The greeting line: staff's own wording if written, else worked out from the name."""
    if written is not None and written.strip():
        text = " ".join(written.split())
        return text if _DEAR.match(text) else f"Dear {text}"
    parsed = _parse(name, title)
    words = parsed.words
    titles = parsed.titles

    peer = _first(titles, _PEER)
    if peer is not None:
        if "of" in words[1:]:
            words = words[: words.index("of", 1)]
        return f"Dear {_PEER_GREETING[peer.text]} {_surname(words)}"
    professional = _first(titles, _PROFESSIONAL)
    if professional is not None:
        return f"Dear {professional.text} {_surname(words)}"
    knight = _first(titles, _KNIGHT)
    if knight is not None:
        return f"Dear {knight.text} {_forename(words)}"
    other = _first(titles, _CIVIC) or _first(titles, _COURTESY)
    if other is not None:
        return f"Dear {other.text} {_surname(words)}"
    return "Dear " + " ".join(words)


def _parse(name: str, title: str | None) -> _Name:
    text = re.sub(r"\s*,\s*", ", ", name)
    tokens = [token for token in text.split() if token.strip(",")]
    written, rest = _leading_titles(tokens)
    if not rest or (len(rest) == 1 and _title_of(rest[0]) is not None):
        raise ValueError(f"no name to address in {name!r}")
    rest, after = _split_post_nominals(rest)
    if any(word.endswith(",") for word in rest[:-1]):
        turn = next(i for i, word in enumerate(rest) if word.endswith(","))
        more, rest = _leading_titles([*rest[turn + 1 :], *rest[: turn + 1]])
        written.extend(more)
    return _Name(
        titles=_merge(_field_titles(title), written),
        words=tuple(word.rstrip(",") for word in rest),
        after=tuple(word.rstrip(",") for word in after),
    )


def _title_of(word: str) -> _Title | None:
    known = _KNOWN_TITLES.get(word.replace(".", "").casefold())
    if known is None:
        return None
    text, kind = known
    if text == "The" and word.islower():
        text = "the"  # as in "The Rt Hon the Lord Smith"
    return _Title(text, _SAME_TITLE.get(text, text.casefold()), kind)


def _leading_titles(tokens: Sequence[str]) -> tuple[list[_Title], list[str]]:
    titles: list[_Title] = []
    i = 0
    while i < len(tokens) - 1:
        found = _title_of(tokens[i])
        if found is None:
            break
        # "The" is a style only before another title: "The Rt Hon", not "The Smiths".
        if found.key == "the" and _title_of(tokens[i + 1]) is None:
            break
        titles.append(found)
        i += 1
    return titles, list(tokens[i:])


def _field_titles(title: str | None) -> list[_Title]:
    titles: list[_Title] = []
    unknown: list[str] = []
    for word in (title or "").split():
        found = _title_of(word)
        if found is None:
            unknown.append(word)
            continue
        if unknown:
            titles.append(_unknown_title(unknown))
            unknown = []
        titles.append(found)
    if unknown:
        titles.append(_unknown_title(unknown))
    return titles


def _unknown_title(words: list[str]) -> _Title:
    # A title we do not know ("Chief Superintendent") is greeted as written, like "Dr".
    text = " ".join(words)
    return _Title(text, text.casefold(), _PROFESSIONAL)


def _same(a: _Title, b: _Title) -> bool:
    return a.key == b.key and a.key != "the"


def _merge(field: list[_Title], written: list[_Title]) -> tuple[_Title, ...]:
    """The name's own titles as written, with the title field's added in their usual place."""
    merged: list[_Title] = []
    for found in written:
        if not any(_same(found, kept) for kept in merged):
            merged.append(found)
    for found in field:
        if any(_same(found, kept) for kept in merged):
            continue
        place = next(
            (i for i, kept in enumerate(merged) if _ORDER[kept.kind] > _ORDER[found.kind]),
            len(merged),
        )
        merged.insert(place, found)
    return tuple(merged)


def _split_post_nominals(tokens: list[str]) -> tuple[list[str], list[str]]:
    capitals = not any(character.islower() for word in tokens for character in word)
    end = len(tokens)
    while end > 1 and _is_post_nominal(tokens, end - 1, capitals):
        end -= 1
    return tokens[:end], tokens[end:]


def _after_name_form(word: str) -> str | None:
    return _AFTER_NAME.get(word.strip(",()").replace(".", "").upper())


def _is_post_nominal(tokens: list[str], k: int, capitals: bool) -> bool:
    word = tokens[k]
    usual = _after_name_form(word)
    if usual is None:
        return False
    if "." in word or tokens[k - 1].endswith(","):
        return True
    if capitals:
        beside = k + 1 < len(tokens) or _after_name_form(tokens[k - 1]) is not None
        return usual not in POST_NOMINALS_ALSO_SURNAMES or beside
    # In a name with lower case in it, "Obe" or "Ma" is a surname and "OBE" or "MA" is not.
    return word.strip(",()") == usual


def _is_particle(word: str) -> bool:
    folded = word.rstrip(".").casefold()
    if folded not in SURNAME_PARTICLES:
        return False
    return word.islower() or folded not in LOWER_CASE_ONLY_PARTICLES


def _surname_start(words: Sequence[str]) -> int:
    start = len(words) - 1
    while start > 0 and _is_particle(words[start - 1]):
        start -= 1
    # A lone capitalised particle first is a forename: Van Morrison is greeted as Mr Morrison.
    if start == 0 and len(words) == 2 and not words[0].islower():
        start = 1
    return start


def _surname(words: Sequence[str]) -> str:
    return " ".join(words[_surname_start(words) :])


def _forename(words: Sequence[str]) -> str:
    forenames = words[: _surname_start(words)]
    if not forenames or _is_initial(forenames[0]):
        return " ".join(words)
    return forenames[0]


def _is_initial(word: str) -> bool:
    letters = [part for part in word.split(".") if part]
    return bool(letters) and all(len(part) == 1 and part.isalpha() for part in letters)


def _first(titles: Sequence[_Title], kind: str) -> _Title | None:
    return next((t for t in titles if t.kind == kind), None)
