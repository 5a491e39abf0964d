"""The council register: the councils the ombudsman reviews, their names, successors, population."""

from __future__ import annotations

import bisect
import csv
import difflib
import functools
import importlib.resources
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from upheld.core.periods import ReviewYear

COUNCIL_COLUMNS = (
    "code",
    "name",
    "short_name",
    "type",
    "region",
    "parent",
    "valid_from",
    "valid_to",
    "successors",
    "former_codes",
    "lat",
    "lon",
    "centroid_source",
    "aliases",
)
"""The columns of `councils.csv`, in order."""

POPULATION_COLUMNS = ("code", "year", "population", "vintage", "basis")
"""The columns of `populations.csv`, in order."""

LIST_SEPARATOR = "|"
"""Joins several codes or aliases in one CSV cell; no council name contains it."""

_GSS_CODE = re.compile(r"^[EWSNK]\d{8}$")
_APOSTROPHES = re.compile("['`\u2018\u2019]")
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")

# Words councils put around their place name. Longest first, so "city council" goes before
# "council" and nothing is left half-stripped.
_PREFIXES = tuple(
    sorted(
        (
            "london borough of",
            "royal borough of",
            "metropolitan borough of",
            "borough council of",
            "city and county of the",
            "council of the",
            "borough of",
            "city of",
            "county of",
            "county",
            "the",
        ),
        key=len,
        reverse=True,
    )
)
_SUFFIXES = tuple(
    sorted(
        (
            "metropolitan borough council",
            "metropolitan district council",
            "metropolitan borough",
            "metropolitan district",
            "city and district council",
            "london borough council",
            "london borough",
            "london boro",
            "district council",
            "borough council",
            "county council",
            "city council",
            "council",
            "corporation",
            "city of",
            "county of",
            "borough",
            "district",
            "county",
            "city",
            "mbc",
            "mdc",
            "bc",
            "dc",
            "cc",
            "ua",
        ),
        key=len,
        reverse=True,
    )
)

_MEMO_LIMIT = 100_000


def name_key(text: str) -> str:
    """A name folded for matching: case, accents, punctuation, "&" and spacing don't matter."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = _APOSTROPHES.sub("", folded.casefold()).replace("&", " and ")
    return " ".join(_NOT_ALPHANUMERIC.sub(" ", folded).split())


def core_key(key: str) -> str:
    """The place name left after "Council", "Borough of", "City Council" and so on are cut."""
    while True:
        before = key
        for prefix in _PREFIXES:
            if key.startswith(prefix + " "):
                key = key[len(prefix) + 1 :]
                break
        for suffix in _SUFFIXES:
            if key.endswith(" " + suffix):
                key = key[: -len(suffix) - 1]
                break
        if key == before:
            return key


@dataclass(frozen=True)
class Council:
    """One council as the ombudsman knows it, keyed by its GSS code."""

    code: str
    name: str
    short_name: str
    type: str
    region: str | None = None
    parent: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    successors: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    lat: float | None = None
    lon: float | None = None
    former_codes: tuple[str, ...] = ()

    def exists_on(self, day: date) -> bool:
        """Whether the council existed on that day."""
        started = self.valid_from is None or self.valid_from <= day
        return started and (self.valid_to is None or day <= self.valid_to)

    def exists_in(self, year: ReviewYear) -> bool:
        """Whether the council existed on 1 April of the year, so belongs in that year's figures."""
        return self.exists_on(year.start)

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Population:
    """One population estimate for a council's area, with the estimate it came from."""

    code: str
    year: int
    population: int
    vintage: str


class UnknownAuthority(ValueError):
    """No council in the register goes by that name or code."""

    def __init__(self, text: str, suggestions: Iterable[str] = ()) -> None:
        self.text = text
        self.suggestions = list(suggestions)
        if self.suggestions:
            hint = f"; did you mean {_either(self.suggestions)}?"
        else:
            hint = "; give its GSS code or official name"
        super().__init__(f"no council called {text!r}{hint}")


class AmbiguousAuthority(ValueError):
    """A name that fits more than one council, with no date to tell them apart."""

    def __init__(self, text: str, candidates: Iterable[Council]) -> None:
        self.text = text
        self.candidates = sorted(candidates, key=lambda c: c.code)
        which = ", ".join(str(c) for c in self.candidates)
        super().__init__(f"{text!r} could be any of {which}; give the GSS code or a date")


def _either(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


@dataclass(frozen=True)
class _Match:
    """What text can mean: the best candidates, and where to look if the date rules them out."""

    candidates: tuple[Council, ...]
    by_date: tuple[Council, ...] = ()


class Register:
    """The councils the ombudsman reviews and their populations; says which council a name means."""

    def __init__(self, councils: Iterable[Council], populations: Iterable[Population] = ()) -> None:
        self._councils: dict[str, Council] = {c.code: c for c in sorted(councils, key=_by_code)}
        self._populations: dict[str, list[Population]] = {}
        for estimate in sorted(populations, key=lambda p: (p.code, p.year)):
            per_code = self._populations.setdefault(estimate.code, [])
            if per_code and per_code[-1].year == estimate.year:
                per_code[-1] = estimate
            else:
                per_code.append(estimate)
        self._predecessors: dict[str, list[Council]] = {}
        for council in self._councils.values():
            for successor in council.successors:
                self._predecessors.setdefault(successor, []).append(council)
        self._codes: dict[str, Council] = {}
        for council in self._councils.values():
            for former in council.former_codes:
                self._codes.setdefault(former.upper(), council)
        self._codes.update(self._councils)
        self._build_name_index()
        self._memo: dict[str, _Match] = {}

    def _build_name_index(self) -> None:
        # Three strengths of match, so an official name can never be shadowed by another council's
        # nickname, and a stripped "Somerset" never beats a written-out "Somerset County Council".
        official: dict[str, list[Council]] = {}
        alias: dict[str, list[Council]] = {}
        core: dict[str, list[Council]] = {}
        for council in self._councils.values():
            _add(official, name_key(council.name), council)
            spellings = {name_key(council.name)}
            for other in (council.short_name, *council.aliases):
                key = name_key(other)
                spellings.add(key)
                if key != name_key(council.name):
                    _add(alias, key, council)
            for key in spellings:
                _add(core, core_key(key), council)
        # "London" alone names the region, not the City of London that strips down to it.
        regions = {name_key(c.region) for c in self._councils.values() if c.region}
        self._official = {k: tuple(v) for k, v in official.items()}
        self._alias = {k: tuple(v) for k, v in alias.items() if k not in official}
        self._core = {k: tuple(v) for k, v in core.items() if k not in regions}
        self._suggestible = {
            key: council.name
            for council in self._councils.values()
            for key in (name_key(council.short_name), name_key(council.name))
        }

    def __iter__(self) -> Iterator[Council]:
        return iter(self._councils.values())

    def __len__(self) -> int:
        return len(self._councils)

    def __contains__(self, code: object) -> bool:
        return code in self._councils

    def __getitem__(self, code: str) -> Council:
        return self._councils[code]

    def get(self, code: str) -> Council | None:
        """The council with that GSS code, or None."""
        return self._councils.get(code)

    def in_year(self, year: ReviewYear) -> list[Council]:
        """The councils that existed on 1 April of the year, in name order."""
        return sorted(
            (c for c in self._councils.values() if c.exists_in(year)),
            key=lambda c: (c.name.casefold(), c.code),
        )

    def population(self, code: str, year: ReviewYear) -> Population | None:
        """The estimate used for a council's year: that year's, else the latest earlier one."""
        estimates = self._populations.get(code)
        if not estimates:
            return None
        position = bisect.bisect_right(estimates, year.start_year, key=lambda p: p.year)
        return estimates[position - 1] if position else None

    def populations(self) -> list[Population]:
        """Every population estimate held, by council code then year."""
        return [p for code in sorted(self._populations) for p in self._populations[code]]

    def predecessors(self, code: str) -> list[Council]:
        """The councils that were replaced by this one, in code order."""
        return list(self._predecessors.get(code, ()))

    def successors(self, code: str) -> list[Council]:
        """The councils that replaced this one, in code order."""
        council = self._councils[code]
        return [self._councils[s] for s in council.successors if s in self._councils]

    def same_council(self, code: str) -> list[str]:
        """Every code the same council has had: a council whose only successor, or only
        predecessor, bears its name was given a new code, not replaced (Barnsley's E08000016
        became E08000038 in 2025). The code itself first, then the others in code order."""
        found = {code}
        waiting = [code]
        while waiting:
            council = self._councils[waiting.pop()]
            linked = [*self.successors(council.code), *self.predecessors(council.code)]
            for other in linked:
                alone = (
                    len(self.successors(council.code)) == 1
                    if other.code in council.successors
                    else len(self.predecessors(council.code)) == 1
                )
                if alone and other.name == council.name and other.code not in found:
                    found.add(other.code)
                    waiting.append(other.code)
        return [code, *sorted(found - {code})]

    def resolve(self, text: str, on: date | None = None) -> Council:
        """The council a code or name means; `on` picks between councils that shared a name."""
        match = self._memo.get(text)
        if match is None:
            match = self._lookup(text)
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[text] = match
        if not match.candidates:
            raise UnknownAuthority(text, self.suggest(text))
        # An alias of a council that did not yet (or no longer) exist on the day is more likely
        # meant for the council of that day that shares its place name ("Dorset" in 2018).
        if on is not None and match.by_date and not any(c.exists_on(on) for c in match.candidates):
            then = [c for c in match.by_date if c.exists_on(on)]
            if len(then) == 1:
                return then[0]
        return _choose(text, match.candidates, on)

    def _lookup(self, text: str) -> _Match:
        code = text.strip().upper()
        # Any council's own code, GSS or not (an imported council may have one of its own).
        council = self._codes.get(code)
        if council is not None:
            return _Match((council,))
        if _GSS_CODE.match(code):
            return _Match(())
        key = name_key(text)
        if key in self._official:
            return _Match(self._official[key])
        core = self._core.get(core_key(key), ())
        if key in self._alias:
            return _Match(self._alias[key], core)
        return _Match(core)

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """The official names of the councils whose names are nearest to a mistyped one."""
        key = name_key(text)
        keys = list(self._suggestible)
        # A place name cut short ("Kings Lynn", "Richmond") is too far off for difflib alone.
        close = sorted((k for k in keys if key and k.startswith(key + " ")), key=len)
        close += difflib.get_close_matches(key, keys, n=n * 2, cutoff=0.6)
        close += difflib.get_close_matches(core_key(key), keys, n=n * 2, cutoff=0.6)
        names: list[str] = []
        for found in close:
            name = self._suggestible[found]
            if name not in names:
                names.append(name)
        return names[:n]

    def with_overrides(
        self, councils: Iterable[Council] = (), populations: Iterable[Population] = ()
    ) -> Register:
        """A new register where these councils and estimates replace any with the same code/year."""
        merged = dict(self._councils)
        merged.update((c.code, c) for c in councils)
        estimates = {(p.code, p.year): p for p in self.populations()}
        estimates.update(((p.code, p.year), p) for p in populations)
        return Register(merged.values(), estimates.values())


def _by_code(council: Council) -> str:
    return council.code


def _add(index: dict[str, list[Council]], key: str, council: Council) -> None:
    if not key:
        return
    listed = index.setdefault(key, [])
    if council not in listed:
        listed.append(council)


def _choose(text: str, candidates: tuple[Council, ...], on: date | None) -> Council:
    if len(candidates) == 1:
        return candidates[0]
    pool = candidates
    if on is not None:
        then = tuple(c for c in candidates if c.exists_on(on))
        if len(then) == 1:
            return then[0]
        pool = then or candidates
    # Without a date, the name most likely means the council people can still complain about.
    today = [c for c in pool if c.exists_on(date.today())]
    if len(today) == 1:
        return today[0]
    raise AmbiguousAuthority(text, pool)


def _text(row: Mapping[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return value or None


def _list(row: Mapping[str, str], column: str) -> tuple[str, ...]:
    value = _text(row, column)
    return tuple(v.strip() for v in value.split(LIST_SEPARATOR)) if value else ()


def _day(row: Mapping[str, str], column: str) -> date | None:
    value = _text(row, column)
    return date.fromisoformat(value) if value else None


def _number(row: Mapping[str, str], column: str) -> float | None:
    value = _text(row, column)
    return float(value) if value else None


def read_councils(lines: Iterable[str]) -> list[Council]:
    """Councils from the lines of a file laid out like `councils.csv`."""
    councils = []
    for row in csv.DictReader(lines):
        councils.append(
            Council(
                code=row["code"].strip(),
                name=row["name"].strip(),
                short_name=(_text(row, "short_name") or row["name"]).strip(),
                type=row["type"].strip(),
                region=_text(row, "region"),
                parent=_text(row, "parent"),
                valid_from=_day(row, "valid_from"),
                valid_to=_day(row, "valid_to"),
                successors=_list(row, "successors"),
                aliases=_list(row, "aliases"),
                lat=_number(row, "lat"),
                lon=_number(row, "lon"),
                former_codes=_list(row, "former_codes"),
            )
        )
    return councils


def read_populations(lines: Iterable[str]) -> list[Population]:
    """Population estimates from the lines of a file laid out like `populations.csv`."""
    return [
        Population(
            code=row["code"].strip(),
            year=int(row["year"]),
            population=int(row["population"]),
            vintage=row["vintage"].strip(),
        )
        for row in csv.DictReader(lines)
    ]


@functools.cache
def builtin() -> Register:
    """The register shipped with upheld: English councils from 2018-19, with ONS populations."""
    folder = importlib.resources.files("upheld") / "data" / "register"
    councils = (folder / "councils.csv").read_text(encoding="utf-8")
    populations = (folder / "populations.csv").read_text(encoding="utf-8")
    return Register(
        read_councils(io.StringIO(councils, newline="")),
        read_populations(io.StringIO(populations, newline="")),
    )


__all__ = [
    "AmbiguousAuthority",
    "Council",
    "Population",
    "Register",
    "UnknownAuthority",
    "builtin",
    "core_key",
    "name_key",
    "read_councils",
    "read_populations",
]
