"""A year's figures: every council's counts, the averages of similar authorities, the nation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from upheld.core.groups import MINIMUM_PEERS, TYPE, PeerGroup
from upheld.core.judgement import MINIMUM_BASE
from upheld.core.periods import ReviewYear
from upheld.core.stats import Average, AverageMethod, Counts, combine, similar_average
from upheld.core.vocabulary import COMPARED_TYPES
from upheld.register import Council, Population, Register


@dataclass(frozen=True)
class YearFigures:
    """A year's figures for every council, their similar-authority averages and national totals."""

    year: ReviewYear
    method: AverageMethod
    councils: dict[str, Council]
    counts: dict[str, Counts]
    populations: dict[str, Population]
    averages: dict[str, Average]
    """The average of similar authorities of each type: the ombudsman's own comparison."""
    national: Counts
    group: PeerGroup = TYPE
    peer_averages: Mapping[str, Average] = field(default_factory=dict)
    """The average each council is compared with, by its code, over its peer group."""
    peers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The codes of each compared council's peer group."""
    previous: Mapping[str, Counts] = field(default_factory=dict)
    """Each council's counts the year before (with that year's population), for its change."""
    minimum_base: int = MINIMUM_BASE
    """A rate from fewer cases than this is too few to compare."""
    _pooled: dict[tuple[frozenset[str], str], Counts] = field(
        default_factory=dict, repr=False, compare=False
    )

    def average_for(self, code: str) -> Average | None:
        """The average a council is compared with; None if it has no peers this year."""
        return self.peer_averages.get(code)

    def similar_area(self, code: str, category: str) -> Counts | None:
        """One service area's counts added up over a council's peer group (None without one)."""
        members = self.peers.get(code)
        if members is None:
            return None
        key = (members, category)
        found = self._pooled.get(key)
        if found is None:
            # Councils sharing a group share its sums: worked out once, when first asked for.
            found = combine(self.counts[m].area(category) for m in members)
            self._pooled[key] = found
        return found

    def compared(self, council: Council) -> bool:
        """Whether a council is one of the year's similar authorities: it existed on 1 April,
        and is of a type that is compared."""
        return council.exists_in(self.year) and council.type in COMPARED_TYPES

    def similar(self, authority_type: str) -> list[Council]:
        """The councils of one type whose figures make that type's average."""
        return [c for c in self.councils.values() if c.type == authority_type and self.compared(c)]


def compute(
    register: Register,
    year: ReviewYear,
    counted: Mapping[str, Counts],
    method: AverageMethod = "mean",
    group: PeerGroup = TYPE,
    *,
    previous: Mapping[str, Counts] | None = None,
    minimum_base: int = MINIMUM_BASE,
) -> YearFigures:
    """A year's figures from its counts: each council that existed, or had cases, with its peers'
    averages (over the group chosen), its counts the year before, and the national totals."""
    councils = {c.code: c for c in register.in_year(year)}
    for code in counted:
        if code not in councils:
            known = register.get(code)
            councils[code] = known or Council(code, code, code, "other")
    populations: dict[str, Population] = {}
    counts: dict[str, Counts] = {}
    for code, council in councils.items():
        population = register.population(code, year) if council.exists_in(year) else None
        if population is not None:
            populations[code] = population
        base = counted.get(code, Counts())
        counts[code] = replace(base, population=population.population if population else None)
    figures = YearFigures(year, method, councils, counts, populations, {}, Counts())
    averages = {
        kind: similar_average([counts[c.code] for c in figures.similar(kind)], method)
        for kind in COMPARED_TYPES
    }
    # England's residents: every council but the counties, whose districts already count them.
    residents = sum(
        p.population for code, p in populations.items() if councils[code].type != "county"
    )
    national = replace(combine(counts.values()), population=residents or None)
    compared = [c for c in councils.values() if figures.compared(c)]
    sizes = {code: p.population for code, p in populations.items()}
    peer_averages: dict[str, Average] = {}
    members: dict[str, frozenset[str]] = {}
    # Councils sharing a group share its average: with `type`, five averages serve them all.
    made = {frozenset(c.code for c in figures.similar(t)): averages[t] for t in averages}
    by_type: dict[str, list[Council]] = {}
    for council in compared:
        by_type.setdefault(council.type, []).append(council)
    for council in compared:
        peers = group.peers(council, compared, by_type[council.type], sizes)
        if not peers or len(peers) < MINIMUM_PEERS:
            continue
        codes = frozenset(c.code for c in peers)
        if codes not in made:
            made[codes] = similar_average([counts[c] for c in sorted(codes)], method)
        peer_averages[council.code] = made[codes]
        members[council.code] = codes
    before = year.previous()
    # A council with no cases the year before had zero of everything then, if that year has any
    # cases at all (before the records begin there is nothing to compare with).
    existed = {c.code for c in register.in_year(before)} if previous else set()
    earlier = {
        code: replace(
            (previous or {}).get(code, Counts()), population=_population(register, code, before)
        )
        for code in existed | set(previous or {})
    }
    return replace(
        figures,
        averages=averages,
        national=national,
        group=group,
        peer_averages=peer_averages,
        peers=members,
        previous=earlier,
        minimum_base=minimum_base,
    )


def _population(register: Register, code: str, year: ReviewYear) -> int | None:
    council = register.get(code)
    if council is None or not council.exists_in(year):
        return None
    found = register.population(code, year)
    return found.population if found else None
