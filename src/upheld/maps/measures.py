"""How well a hex map keeps England: its real neighbours, neighbour preservation, displacement.

The register holds a centre point for every council and year, and nothing of their boundaries
(imported boundaries are simplified drawings, for some years only, so they cannot say reliably
which councils touch). Geography is therefore read from centre points, at the finest level the
year has: a county is the sum of its districts, so the upper-tier map's neighbours come from the
districts' centres, which lie all round a county, not from one point in its middle.

- **Real neighbours.** Triangulate the finest councils' projected centres (Delaunay: two
  councils are joined when their Voronoi cells, a stand-in for their areas, share an edge), drop
  the long edges a triangulation draws across the sea and round the coasts where Wales and
  Scotland are missing (an edge more than `LONG_EDGE` times as long as the longer of its ends'
  nearest-neighbour distances), then read each edge as joining the councils of the map that own
  its two ends (a district's county on the upper tier). Councils sharing a centre are neighbours.
- **On the coast.** A council owns a unit on the outside of that pruned triangulation: the sea,
  or the edge of the map where England stops. Its **depth** is the number of neighbour steps to
  the nearest such council (London's boroughs are two or three steps from the coast).
- **Neighbour preservation**: averaged over councils with any real neighbour, the share of a
  council's real neighbours whose hexagons touch its own.
- **Mean displacement**: the mean distance, in cell widths, from each council's hex centre to its
  projected centre after the centres are scaled, turned and moved to fit the hex centres as
  closely as possible (least squares, Procrustes), so it measures shape, not position or size.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from upheld.register import Council

K = TypeVar("K", bound=Hashable)

Point = tuple[float, float]
Cell = tuple[int, int]
Pair = tuple[str, str]

LONG_EDGE = 3.0
"""How many times its ends' nearest-neighbour distance a triangulation edge may be and still join
real neighbours: at 3 the edges across the Bristol Channel, the Wash and round the Welsh border
go, while Cambridgeshire and Hertfordshire, or Shropshire and Cheshire West, stay joined."""

_MIDDLE_LATITUDE = 53.5  # England's: east-west distances stay within 8% from Cornwall to Berwick
_ROW_HEIGHT = math.sqrt(3) / 2


@dataclass(frozen=True)
class Geography:
    """What a map should keep: where councils are, which touch, which are on the coast."""

    points: dict[str, Point]
    """Each council's projected centre, by code (councils with a centre only)."""
    pairs: frozenset[Pair]
    """Real neighbours, (a, b) with a < b."""
    coastal: frozenset[str]
    """Councils on the sea or on the edge of England."""

    def neighbours(self) -> dict[str, list[str]]:
        """Each council's real neighbours, in code order."""
        found: dict[str, list[str]] = {code: [] for code in self.points}
        for a, b in sorted(self.pairs):
            found[a].append(b)
            found[b].append(a)
        return found

    def depth(self, cap: int = 3) -> dict[str, int]:
        """Neighbour steps from each council to the nearest coastal one, at most `cap`."""
        around = self.neighbours()
        coast = sorted(code for code in self.coastal if code in self.points)
        return steps_from(coast, self.points, lambda code: around[code], cap)


@dataclass(frozen=True)
class Measures:
    """How well one layout keeps the real map."""

    councils: int
    neighbour_pairs: int
    """How many pairs of real neighbours there are."""
    preservation: float
    """The mean share of a council's real neighbours still next to it, 0 to 1."""
    displacement: float
    """The mean distance from a council's cell to its place on the real map, in cell widths."""


def project(lat: float, lon: float) -> Point:
    """A centre on the plane: longitude shrunk by the cosine of England's middle latitude."""
    return lon * math.cos(math.radians(_MIDDLE_LATITUDE)), -lat


def centroids(councils: Iterable[Council]) -> dict[str, Point]:
    """The projected centre of every council that has one, by code."""
    return {
        c.code: project(c.lat, c.lon) for c in councils if c.lat is not None and c.lon is not None
    }


def geography(councils: Sequence[Council], context: Iterable[Council] = ()) -> Geography:
    """The real neighbours and coast of a map's councils, read from the finest councils known.

    `context` is every council of the year (districts for a map of counties); without it the
    map's own councils are the finest there are.
    """
    own = centroids(councils)
    located = {c.code: c for c in context if c.lat is not None and c.lon is not None}
    located.update({c.code: c for c in councils if c.code in own})
    parents = {c.parent for c in located.values() if c.parent}
    owner: dict[str, str] = {}
    for code, council in sorted(located.items()):
        if code in own and code not in parents:
            owner[code] = code
        elif code not in parents and council.parent in own:
            owner[code] = council.parent
    # A county whose districts are not in the context stands for itself.
    for code in sorted(set(own) - set(owner.values())):
        owner[code] = code
    units = sorted(owner)
    places: dict[Point, list[str]] = {}
    for unit in units:
        places.setdefault(project(located[unit].lat or 0.0, located[unit].lon or 0.0), []).append(
            unit
        )
    points = sorted(places)
    pairs: set[Pair] = set()

    def join(a: str, b: str) -> None:
        if a != b:
            pairs.add((min(a, b), max(a, b)))

    for sharing in places.values():
        for a in sharing:
            for b in sharing:
                join(owner[a], owner[b])
    edges, outside = _pruned_triangulation(points)
    for i, j in edges:
        for a in places[points[i]]:
            for b in places[points[j]]:
                join(owner[a], owner[b])
    coastal = {owner[unit] for i in outside for unit in places[points[i]]}
    if len(points) < 3:
        coastal.update(own)
    return Geography(points=own, pairs=frozenset(pairs), coastal=frozenset(coastal))


def real_neighbours(points: Mapping[str, Point]) -> set[Pair]:
    """Pairs (a, b), a < b, whose centres are joined in the pruned triangulation of `points`."""
    codes = sorted(points)
    places: dict[Point, list[str]] = {}
    for code in codes:
        places.setdefault(points[code], []).append(code)
    unique = sorted(places)
    pairs = {(a, b) for sharing in places.values() for a in sharing for b in sharing if a < b}
    edges, _ = _pruned_triangulation(unique)
    for i, j in edges:
        for a in places[unique[i]]:
            for b in places[unique[j]]:
                pairs.add((min(a, b), max(a, b)))
    return pairs


def _pruned_triangulation(points: Sequence[Point]) -> tuple[set[tuple[int, int]], set[int]]:
    """The kept edges of the Delaunay triangulation of distinct points, and the points on its
    outside (an end of an edge that fewer than two kept triangles share)."""
    if len(points) < 2:
        return set(), set(range(len(points)))
    triangles = delaunay(points)
    nearest = [min(math.dist(p, q) for q in points if q != p) for p in points]

    def kept(i: int, j: int) -> bool:
        return math.dist(points[i], points[j]) <= LONG_EDGE * max(nearest[i], nearest[j])

    edges = {(min(a, b), max(a, b)) for t in triangles for a, b in _sides(t) if kept(a, b)}
    if len(points) == 2 or not triangles:
        # Two points, or all in a line: neighbours in order along it.
        order = sorted(range(len(points)), key=lambda i: points[i])
        edges |= {(min(a, b), max(a, b)) for a, b in itertools.pairwise(order)}
        return edges, set(range(len(points)))
    shared: dict[tuple[int, int], int] = {}
    for t in triangles:
        sides = [(min(a, b), max(a, b)) for a, b in _sides(t)]
        if all(side in edges for side in sides):
            for side in sides:
                shared[side] = shared.get(side, 0) + 1
    outside = {end for side in edges if shared.get(side, 0) < 2 for end in side}
    return edges, outside


def _sides(t: tuple[int, int, int]) -> tuple[tuple[int, int], ...]:
    return (t[0], t[1]), (t[1], t[2]), (t[2], t[0])


def delaunay(points: Sequence[Point]) -> list[tuple[int, int, int]]:
    """The triangles (i, j, k), i < j < k, of the Delaunay triangulation of distinct points."""
    n = len(points)
    if n < 3:
        return []
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    middle_x, middle_y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    # Bowyer-Watson from a triangle so large that its corners never shape the hull's edges.
    every = [
        *points,
        (middle_x - 4000 * span, middle_y - 3000 * span),
        (middle_x + 4000 * span, middle_y - 3000 * span),
        (middle_x, middle_y + 4000 * span),
    ]
    first = (n, n + 1, n + 2)
    triangles = {first: _circumcircle(every, first)}
    for index in range(n):
        x, y = every[index]
        # Triangles whose circumcircle holds the new point are replaced by a fan around it.
        broken = [t for t, (cx, cy, r2) in triangles.items() if (x - cx) ** 2 + (y - cy) ** 2 < r2]
        sides: dict[tuple[int, int], int] = {}
        for t in broken:
            del triangles[t]
            for a, b in _sides(t):
                key = (min(a, b), max(a, b))
                sides[key] = sides.get(key, 0) + 1
        for (a, b), count in sides.items():
            if count == 1:
                made = (a, b, index)
                circle = _circumcircle(every, made)
                if circle[2] > 0:
                    triangles[made] = circle
    found = [tuple(sorted(t)) for t in triangles if max(t) < n]
    return sorted((a, b, c) for a, b, c in found)


def _circumcircle(
    points: Sequence[Point], triangle: tuple[int, int, int]
) -> tuple[float, float, float]:
    """The centre and squared radius of a triangle's circumcircle; radius 0 when it is flat."""
    (ax, ay), (bx, by), (cx, cy) = (points[i] for i in triangle)
    d = 2 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    if abs(d) < 1e-18:
        return 0.0, 0.0, 0.0
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    return ux, uy, (ax - ux) ** 2 + (ay - uy) ** 2


def hex_centre(cell: Cell) -> Point:
    """The centre of an odd-r offset cell in cell widths, x to the east and y to the south."""
    column, row = cell
    return column + 0.5 * (row & 1), row * _ROW_HEIGHT


def adjacent(a: Cell, b: Cell) -> bool:
    """Whether two odd-r offset cells share an edge."""
    return abs(math.dist(hex_centre(a), hex_centre(b)) - 1.0) < 1e-9


def preservation(cells: Mapping[str, Cell], pairs: Iterable[Pair]) -> float:
    """The mean share of each council's real neighbours whose cells touch its own."""
    kept: dict[str, list[bool]] = {}
    for a, b in pairs:
        if a in cells and b in cells:
            touching = adjacent(cells[a], cells[b])
            kept.setdefault(a, []).append(touching)
            kept.setdefault(b, []).append(touching)
    if not kept:
        return 1.0
    return sum(sum(v) / len(v) for v in kept.values()) / len(kept)


def displacement(cells: Mapping[str, Cell], points: Mapping[str, Point]) -> float:
    """The mean distance from cell centre to centre point, in cell widths, after the best fit."""
    codes = sorted(code for code in cells if code in points)
    if not codes:
        return 0.0
    # Complex numbers make the 2-D similarity one multiplication: target ~ a * source + b.
    source = [complex(*points[c]) for c in codes]
    target = [complex(*hex_centre(cells[c])) for c in codes]
    source_mean = sum(source) / len(source)
    target_mean = sum(target) / len(target)
    centred = [s - source_mean for s in source]
    spread = sum(abs(s) ** 2 for s in centred)
    scale = (
        sum(s.conjugate() * (t - target_mean) for s, t in zip(centred, target, strict=True))
        / spread
        if spread
        else 0
    )
    return sum(
        abs(scale * s + target_mean - t) for s, t in zip(centred, target, strict=True)
    ) / len(codes)


def measure(
    cells: Mapping[str, Cell], councils: Sequence[Council], context: Iterable[Council] = ()
) -> Measures:
    """Neighbour preservation and mean displacement of a layout of these councils."""
    found = geography(councils, context)
    return Measures(
        councils=len(councils),
        neighbour_pairs=len(found.pairs),
        preservation=preservation(cells, found.pairs),
        displacement=displacement(cells, found.points),
    )


__all__ = [
    "LONG_EDGE",
    "Geography",
    "Measures",
    "adjacent",
    "centroids",
    "delaunay",
    "displacement",
    "geography",
    "hex_centre",
    "measure",
    "preservation",
    "project",
    "real_neighbours",
]


def steps_from(
    start: Iterable[K], everyone: Iterable[K], around: Callable[[K], Iterable[K]], cap: int
) -> dict[K, int]:
    """Neighbour steps from each place to the nearest of `start` (breadth first), at most `cap`."""
    depth = dict.fromkeys(everyone, cap)
    front = list(start)
    for place in front:
        depth[place] = 0
    steps = 0
    while front and steps < cap:
        steps += 1
        reached = []
        for place in front:
            for other in around(place):
                if depth[other] > steps:
                    depth[other] = steps
                    reached.append(other)
        front = reached
    return depth
