"""Peer groups: which councils a council's figures are compared with.

The ombudsman compares each council with the average of "similar authorities", the councils of
its own type (`type`, the default). Other groups answer other questions: `nearest` (the councils
of the same type closest in population), `region` (the same type in the same region), or a group
the organisation declares itself in `upheld.toml` (`[groups.NAME] members = [...]`). A council
that existed on 1 April is compared; one abolished before the year is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.register import Council

GroupKind = Literal["type", "nearest", "region", "custom"]
BUILT_IN = ("type", "nearest", "region")
DEFAULT_NEAREST = 15
MINIMUM_PEERS = 5
"""The fewest councils, itself included, a council's average may be taken over: fewer, and the
average would be its own figure or, less its own, another council's (which a council sees in its
letter and preview before publication)."""


@dataclass(frozen=True)
class PeerGroup:
    """A way of choosing the councils a council is compared with."""

    name: str
    kind: GroupKind
    label: str
    """How pages and letters name it: "councils of the same type"."""
    nearest: int = DEFAULT_NEAREST
    members: frozenset[str] = field(default=frozenset())

    def peers(
        self,
        council: Council,
        compared: Sequence[Council],
        same_type: Sequence[Council],
        populations: Mapping[str, int],
    ) -> list[Council] | None:
        """The councils, among those compared this year, whose average a compared council is set
        against (`same_type`: those of its type); None when it has no such group."""
        if self.kind == "type":
            return list(same_type)
        if self.kind == "region":
            if not council.region:
                return None
            return [c for c in same_type if c.region == council.region]
        if self.kind == "nearest":
            own = populations.get(council.code)
            if own is None:
                return None
            known = [c for c in same_type if c.code in populations]
            # The council itself is nearest to itself; ties go by code, so the group is stable.
            known.sort(key=lambda c: (abs(populations[c.code] - own), c.code))
            return known[: self.nearest]
        if council.code not in self.members:
            return None
        return [c for c in compared if c.code in self.members]

    def describe(self, council: Council) -> str:
        """Who a council is compared with, in words: "metropolitan boroughs"."""
        kinds = AUTHORITY_TYPES.term(council.type).count_noun(2)
        if self.kind == "type":
            return kinds
        if self.kind == "region":
            return f"{kinds} in {council.region}"
        if self.kind == "nearest":
            return f"the {self.nearest} {kinds} closest in population"
        return self.label


TYPE = PeerGroup("type", "type", "councils of the same type")


def built_in(name: str, nearest: int = DEFAULT_NEAREST) -> PeerGroup | None:
    """One of the groups upheld always offers, by name."""
    if name == "type":
        return TYPE
    if name == "nearest":
        label = f"the {nearest} councils of the same type closest in population"
        return PeerGroup("nearest", "nearest", label, nearest=nearest)
    if name == "region":
        return PeerGroup("region", "region", "councils of the same type in the same region")
    return None


def custom(name: str, label: str, members: Iterable[str]) -> PeerGroup:
    """A group the organisation declares: its members' codes."""
    return PeerGroup(name, "custom", label, members=frozenset(m.upper() for m in members))
