"""The home page map: a hex cartogram of councils, one hexagon each, laid out from their centroids.

Every council gets one hexagon, so a London borough is as visible as a county. The layout is
computed here from the councils' centroids (no map file is read), and judged by the measures in
upheld.maps.measures: the share of real neighbours kept side by side, and how far councils move
from their place on a scaled map of England.

1. Project each centroid onto a plane (longitude shrunk by the cosine of England's middle
   latitude) and read which councils touch, and which are on the coast, from the year's finest
   councils (a county's districts; see measures.geography).
2. Spread the crowded areas: each crowded council in turn grows the disc around it to a cell
   across and pushes everything beyond outwards by the same amount, fading with distance. A map
   of the plane onto itself that never folds, so London grows in place and the counties round it
   move out with it, keeping their depth between London and the coast.
3. Pull the gaps left in sparse areas shut (least squares: each link a cell long along its
   present bearing, each council held lightly where spreading put it), and push apart councils
   still closer than a cell.
4. Snap to a pointy-top hex grid, best-fitting councils first, each taking the nearest free cell;
   join any cut-off group to the rest and fill enclosed holes.
5. Search locally: swap councils, or step one into the open, while that keeps more real
   neighbours side by side, keeps each council as far from the map's edge as it is steps from
   the coast (so inland London is kept off the sea where the counties round it allow) and keeps
   each near its place.

Cells are (column, row) in "odd-r" offset coordinates: row 0 is the northernmost, and odd rows sit
half a cell to the right. A council without a centroid is put where its parent county, its sister
districts, its children or else its region put it; with none of those it goes on a row of its own
below the map, so it is still shown and still clickable. Everything is deterministic: the same
councils give the same map whatever order they come in.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from upheld.maps import measures
from upheld.present import svg
from upheld.register import Council

_n = svg.number  # coordinates are written many times over

TIERS = ("upper", "lower")
"""The two maps: councils that run social care and education, and councils that collect rubbish."""

_TIER_TYPES = {
    "upper": frozenset({"county", "unitary", "metropolitan", "london_borough"}),
    "lower": frozenset({"district", "unitary", "metropolitan", "london_borough"}),
}

NO_DATA_COLOUR = "#d9d9d9"
"""The fill of a council with no figure."""

Cell = tuple[int, int]
Edge = tuple[tuple[float, float], tuple[float, float]]

_MIDDLE_LATITUDE = 53.5  # England's: east-west distances stay within 8% from Cornwall to Berwick
_ROW_HEIGHT = math.sqrt(3) / 2  # distance between rows when neighbouring cell centres are 1 apart
_AXIAL_STEPS = ((1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1))
_SOLVER_STEPS = 200
_SOLVER_TOLERANCE = 1e-6  # per council, squared: a thousandth of a cell is plenty before snapping
_SWAP_ROUNDS = 8

# The layout's settings, tuned on the 2019-20 and 2024-25 maps of both tiers against the
# measures in upheld.maps.measures (neighbour preservation up, displacement down) and the shape
# tests (the south-west peninsula, East Anglia, London inside the south-east).
# Before spreading, the map is scaled so that the council at this point of the crowding order
# (0: the most crowded) sits a cell from its neighbours: below a half, sparse counties drift
# apart and leave gaps; above, London's ring of counties is squeezed against the coast.
_SPARSE_SHARE = 0.5
_SPREAD_PASSES = 6
# How far a crowded council's push reaches, in cells: far enough to move its ring of neighbours
# out together (so the counties round London keep their depth), near enough not to move the
# whole country.
_REACH = 3.0
# How hard the gaps left in sparse areas are pulled shut (the weight of each council's place
# after spreading, against links of weight 1): weaker lets crowded areas shrink back.
_HOLD = 0.1
_CLEARANCE = 0.9  # councils closer than this (in cells) are pushed apart before snapping
_CLEARING_STEPS = 50
# The local search's weights: a real neighbour kept alongside is worth _KEPT, shared between
# the pair as each one's share of its own neighbours (so the sum is neighbour preservation);
# touching a council three or more steps away on the real map costs _STRAY per step; a council
# nearer the map's edge than it is to the coast costs _INLAND per cell; a coastal council
# buried inside costs _COASTAL per cell; each cell width from its place costs _PLACE squared;
# each open side of the map costs _EDGE.
_KEPT = 6.0
_STRAY = 1.5
_INLAND = 2.0
_COASTAL = 0.3
_PLACE = 0.3
_EDGE = 0.6
_SEARCH_ROUNDS = 10
_DEPTH_CAP = 3

# Drawing sizes in SVG user units: a column is 20 wide, so the circumradius is 20 / sqrt(3).
_COLUMN = 20.0
_RADIUS = _COLUMN / math.sqrt(3)
_MARGIN = 4.0
_STROKE = "#ffffff"
_STROKE_WIDTH = 1.5

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
# Characters XML 1.0 forbids even when escaped; one stray would make the whole page unparseable.


def tier_councils(councils: Iterable[Council], tier: str) -> list[Council]:
    """The councils that belong on the map of a tier ("upper" or "lower"), in code order."""
    if tier not in _TIER_TYPES:
        raise ValueError(f"tier must be one of {', '.join(TIERS)}: {tier!r}")
    types = _TIER_TYPES[tier]
    return sorted((c for c in councils if c.type in types), key=lambda c: c.code)


def layout(councils: Sequence[Council], context: Iterable[Council] = ()) -> dict[str, Cell]:
    """A unique hex cell (column, row) for every council, keeping the map recognisably England.

    `context` is every council of the year: a map of counties reads which of them touch, and
    which are on the coast, from their districts (see upheld.maps.measures).
    """
    ordered = sorted(councils, key=lambda c: c.code)
    codes = [c.code for c in ordered]
    if len(set(codes)) != len(codes):
        raise ValueError("each council must appear once")
    located, unlocated = _centroids(ordered)
    placed_codes = sorted(located)
    axial: dict[str, Cell] = {}
    if placed_codes:
        found = measures.geography(ordered, context)
        arranged = _arrange(placed_codes, located, found)
        axial = dict(zip(placed_codes, arranged, strict=True))
    # With no place on the map, a council still needs a hexagon: a row of its own under the rest.
    if unlocated:
        bottom = max((r for _, r in axial.values()), default=-2) + 2
        left = min((q + r / 2 for q, r in axial.values()), default=0.0)
        for i, code in enumerate(unlocated):
            axial[code] = (math.ceil(left - bottom / 2) + i, bottom)
    return _to_offset(axial)


def hex_distance(a: Cell, b: Cell) -> int:
    """The number of steps between two cells, moving from hexagon to neighbouring hexagon."""
    (aq, ar), (bq, br) = _axial(a), _axial(b)
    dq, dr = aq - bq, ar - br
    return (abs(dq) + abs(dr) + abs(dq + dr)) // 2


def neighbours(cell: Cell) -> list[Cell]:
    """The six cells that share an edge with a cell."""
    q, r = _axial(cell)
    return [_offset((q + dq, r + dr)) for dq, dr in _AXIAL_STEPS]


def cell_centre(cell: Cell) -> tuple[float, float]:
    """The centre of a cell in cell widths, x to the east and y to the south."""
    column, row = cell
    return column + 0.5 * (row & 1), row * _ROW_HEIGHT


def map_svg(
    cells: Mapping[str, Cell],
    councils: Mapping[str, Council],
    fills: Mapping[str, str],
    labels: Mapping[str, str],
    *,
    title: str,
    description: str,
    link: Callable[[str], str] | None = None,
    map_id: str = "map",
    regions: bool = True,
) -> str:
    """The cartogram as standalone SVG: a hexagon per council, each a link when `link` is given.

    With `regions`, a darker line runs along every edge between councils of different regions,
    and London's boroughs are named as a block; both are drawing only (hidden from screen
    readers, and clicks pass through them to the hexagons), so say so in the description.
    """
    # Reading order, so keyboard focus moves row by row from the north-west like a reader's eye.
    order = sorted(cells, key=lambda code: (cells[code][1], cells[code][0], code))
    centres = {code: cell_centre(cells[code]) for code in order}
    if centres:
        xs = [x * _COLUMN for x, _ in centres.values()]
        ys = [y * _COLUMN for _, y in centres.values()]
        left, right = min(xs) - _COLUMN / 2 - _MARGIN, max(xs) + _COLUMN / 2 + _MARGIN
        top, bottom = min(ys) - _RADIUS - _MARGIN, max(ys) + _RADIUS + _MARGIN
    else:
        left, right, top, bottom = 0.0, _COLUMN, 0.0, _COLUMN
    paths = {
        code: _hexagon(centres[code][0] * _COLUMN, centres[code][1] * _COLUMN) for code in order
    }
    return council_map(
        order,
        paths,
        (left, top, right, bottom),
        councils,
        fills,
        labels,
        title=title,
        description=description,
        link=link,
        map_id=map_id,
        path_class="hex",
        group_attributes=f'stroke-width="{_n(_STROKE_WIDTH)}"',
        overlay=_region_overlay(cells, councils) if regions else "",
    )


def region_borders(cells: Mapping[str, Cell], councils: Mapping[str, Council]) -> list[Edge]:
    """The hex edges between neighbouring councils of different regions, in cell widths."""
    taken = {cell: code for code, cell in cells.items()}
    edges = []
    for code in sorted(cells):
        region = councils[code].region if code in councils else None
        for beside in neighbours(cells[code]):
            other = taken.get(beside)
            if other is None or other <= code:
                continue
            their = councils[other].region if other in councils else None
            if region == their:
                continue
            (x0, y0), (x1, y1) = cell_centre(cells[code]), cell_centre(beside)
            # The shared edge crosses the line between centres at its middle, at right angles,
            # and is as long as a side: 1/sqrt(3) of a cell width.
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            half = 0.5 / math.sqrt(3)
            px, py = -(y1 - y0) * half, (x1 - x0) * half
            edges.append(((mx - px, my - py), (mx + px, my + py)))
    return edges


LABELLED_REGIONS = ("London",)
"""Regions named on the hex map as a block: the one whose small councils a reader hunts for."""
_REGION_LINE = "#0b0c0c"
_REGION_WIDTH = 2.0


def _region_overlay(cells: Mapping[str, Cell], councils: Mapping[str, Council]) -> str:
    """Region borders and region names, drawn over the hexagons."""
    parts = []
    borders = region_borders(cells, councils)
    if borders:
        d = "".join(
            f"M{_n(a[0] * _COLUMN)} {_n(a[1] * _COLUMN)}L{_n(b[0] * _COLUMN)} {_n(b[1] * _COLUMN)}"
            for a, b in borders
        )
        parts.append(
            f'<path class="region-borders" d="{d}" fill="none" stroke="{_REGION_LINE}" '
            f'stroke-width="{_n(_REGION_WIDTH)}" stroke-linecap="round" '
            f'pointer-events="none" aria-hidden="true"/>'
        )
    for region in LABELLED_REGIONS:
        inside = [cells[c] for c in sorted(cells) if c in councils and councils[c].region == region]
        if not inside:
            continue
        centres = [cell_centre(cell) for cell in inside]
        x = sum(cx for cx, _ in centres) / len(centres) * _COLUMN
        y = sum(cy for _, cy in centres) / len(centres) * _COLUMN
        # A white halo under the letters keeps the name readable over any colour.
        parts.append(
            f'<text class="region-name" x="{_n(x)}" y="{_n(y)}" text-anchor="middle" '
            f'dominant-baseline="middle" font-size="{_n(_COLUMN * 0.55)}" font-weight="700" '
            f'fill="{_REGION_LINE}" stroke="#ffffff" stroke-width="{_n(_COLUMN * 0.18)}" '
            f'paint-order="stroke" stroke-linejoin="round" pointer-events="none" '
            f'aria-hidden="true">{svg.content(region)}</text>'
        )
    return "".join(parts)


HATCHED = "pattern:too-few"
"""A fill that draws a council hatched: the map's mark for "too few cases to compare"."""
HATCH_COLOUR = "#6f777b"


def council_map(
    order: Sequence[str],
    paths: Mapping[str, str],
    box: tuple[float, float, float, float],
    councils: Mapping[str, Council],
    fills: Mapping[str, str],
    labels: Mapping[str, str],
    *,
    title: str,
    description: str,
    link: Callable[[str], str] | None,
    map_id: str,
    path_class: str,
    group_attributes: str,
    overlay: str = "",
) -> str:
    """Any map of councils as accessible SVG: a path per council, in order, each a link if given.

    Both the hex cartogram and the geographic map are drawn by this, so they share the links,
    labels and roles the website's script, styles and browser tests rely on.
    """
    if not _ID.match(map_id):
        raise ValueError(
            f"map_id must be a letter then letters, digits, '_', '-' or '.': {map_id!r}"
        )
    left, top, right, bottom = box
    title_id, desc_id = f"{map_id}-title", f"{map_id}-desc"
    # Links inside an element with role="img" would be hidden from screen readers.
    role = "group" if link is not None else "img"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" id="{map_id}" width="100%" '
        f'viewBox="{_n(left)} {_n(top)} {_n(right - left)} {_n(bottom - top)}" '
        f'role="{role}" aria-labelledby="{title_id}" aria-describedby="{desc_id}">'
        f'<title id="{title_id}">{svg.content(title)}</title>'
        f'<desc id="{desc_id}">{svg.content(description)}</desc>'
    ]
    hatch = f"{map_id}-{HATCHED.removeprefix('pattern:')}"
    if HATCHED in fills.values():
        size = (right - left) / 110
        out.append(
            f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="{_n(size)}" '
            f'height="{_n(size)}" patternTransform="rotate(45)">'
            f'<rect width="{_n(size)}" height="{_n(size)}" fill="#ffffff"/>'
            f'<line x1="0" y1="0" x2="0" y2="{_n(size)}" stroke="{HATCH_COLOUR}" '
            f'stroke-width="{_n(size / 2.5)}"/></pattern></defs>'
        )
    out.append(f'<g stroke="{_STROKE}" {group_attributes} stroke-linejoin="round">')
    for code in order:
        council = councils.get(code)
        label = labels.get(code) or (council.short_name if council else code)
        fill = fills.get(code) or NO_DATA_COLOUR
        if fill == HATCHED:
            fill = f"url(#{hatch})"
        shape = (
            f'class="{path_class}" data-code="{svg.attribute(code)}" fill="{svg.attribute(fill)}" '
            f'd="{svg.attribute(paths[code])}"'
        )
        if link is None:
            out.append(f"<path {shape}><title>{svg.content(label)}</title></path>")
        else:
            out.append(
                f'<a class="hex-link" href="{svg.attribute(link(code))}" '
                f'aria-label="{svg.attribute(label)}">'
                f"<title>{svg.content(label)}</title><path {shape}/></a>"
            )
    out.append(f"</g>{overlay}</svg>")
    return "".join(out)


def _centroids(ordered: Sequence[Council]) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Each council's (lat, lon), borrowed from related councils when it has none of its own."""
    own = {c.code: (c.lat, c.lon) for c in ordered if c.lat is not None and c.lon is not None}
    located = dict(own)
    unlocated: list[str] = []
    for council in ordered:
        if council.code in own:
            continue
        borrowed = _borrowed(council, ordered, own)
        if borrowed is None:
            unlocated.append(council.code)
        else:
            located[council.code] = borrowed
    return located, unlocated


def _borrowed(
    council: Council, ordered: Sequence[Council], own: Mapping[str, tuple[float, float]]
) -> tuple[float, float] | None:
    """The middle of the closest relations with centroids: parent, sisters, children, region."""
    others = [c for c in ordered if c.code in own]
    relations = (
        [c for c in others if council.parent and c.code == council.parent],
        [c for c in others if council.parent and c.parent == council.parent],
        [c for c in others if c.parent == council.code],
        [c for c in others if council.region and c.region == council.region],
    )
    for related in relations:
        if related:
            lats, lons = zip(*(own[c.code] for c in related), strict=True)
            return sum(lats) / len(lats), sum(lons) / len(lons)
    return None


def _project(lat: float, lon: float) -> tuple[float, float]:
    # Equirectangular at England's middle latitude keeps east-west and north-south distances
    # within a few per cent of each other across the country; y grows to the south like rows.
    return lon * math.cos(math.radians(_MIDDLE_LATITUDE)), -lat


def _arrange(
    codes: list[str], located: Mapping[str, tuple[float, float]], found: measures.Geography
) -> list[Cell]:
    """Axial cells for councils with a place (own or borrowed), in the order of `codes`."""
    n = len(codes)
    if n == 1:
        return [(0, 0)]
    points = [_project(*located[code]) for code in codes]
    index = {code: i for i, code in enumerate(codes)}
    links = {(index[a], index[b]) for a, b in found.pairs if a in index and b in index}
    # A council placed by its relations has no neighbours of its own: tie it to the nearest.
    for code in codes:
        if code not in found.points:
            i = index[code]
            j = min((k for k in range(n) if k != i), key=lambda k: (_gap(points, i, k), k))
            links.add((min(i, j), max(i, j)))
    pairs = sorted(links)
    around: list[list[int]] = [[] for _ in range(n)]
    for i, j in pairs:
        around[i].append(j)
        around[j].append(i)
    coastal = [code in found.coastal for code in codes]
    positions = _spread(points, around)
    positions = _close_gaps(positions, pairs)
    positions = _clear(positions)
    cells = _fill_holes(_join_islands(_assign(positions)))
    search = _Search(cells, positions, around, coastal)
    search.run(_SEARCH_ROUNDS)
    return _fill_holes(_join_islands(search.cells))


def _gap(points: Sequence[tuple[float, float]], i: int, j: int) -> float:
    return math.dist(points[i], points[j])


def _spread(
    points: list[tuple[float, float]], around: list[list[int]]
) -> list[tuple[float, float]]:
    """Positions where crowded councils have grown to a cell apart, pushing their rings out.

    Each crowded council in turn (most crowded first) grows the disc around it to a cell across
    and moves everything beyond outwards by the same amount, less with distance: a map of the
    plane onto itself that never folds, so every council keeps its bearing from every other, and
    the counties round London move out with it instead of being squeezed into its edge.
    """
    n = len(points)

    def spacing(p: list[tuple[float, float]], i: int) -> float:
        if not around[i]:
            return 1.0
        return sum(math.dist(p[i], p[j]) for j in around[i]) / len(around[i])

    crowding = sorted(spacing(points, i) for i in range(n))
    typical = crowding[min(n - 1, int(_SPARSE_SHARE * (n - 1)))] or 1.0
    moved = [(x / typical, y / typical) for x, y in points]
    for _ in range(_SPREAD_PASSES):
        now = [spacing(moved, i) for i in range(n)]
        for i in sorted(range(n), key=lambda k: (now[k], k)):
            gap = spacing(moved, i)
            if gap >= 1.0 or gap <= 0.0:
                continue
            moved = _grow(moved, moved[i], gap / 2, (1.0 - gap) / 2)
    return moved


def _grow(
    points: list[tuple[float, float]], centre: tuple[float, float], radius: float, extra: float
) -> list[tuple[float, float]]:
    """Points with the disc round `centre` grown by `extra` and the rest pushed out after it."""
    cx, cy = centre
    grown = radius + extra
    out = []
    for x, y in points:
        dx, dy = x - cx, y - cy
        r = math.hypot(dx, dy)
        if r == 0.0:
            out.append((x, y))
            continue
        # Inside: stretched evenly. Outside: shifted out by `extra`, fading over _REACH cells;
        # the fade is gentler than the shift, so no point overtakes another.
        reach = r * grown / radius if r <= radius else r + extra * math.exp(-(r - radius) / _REACH)
        out.append((cx + dx * reach / r, cy + dy * reach / r))
    return out


def _close_gaps(
    positions: list[tuple[float, float]], pairs: list[tuple[int, int]]
) -> list[tuple[float, float]]:
    """Positions with the gaps between sparse neighbours pulled shut, each link to a cell."""
    targets = []
    for i, j in pairs:
        dx, dy = positions[j][0] - positions[i][0], positions[j][1] - positions[i][1]
        d = math.hypot(dx, dy)
        targets.append((dx / d, dy / d) if d > 0 else (0.0, 0.0))
    return _least_squares(positions, pairs, targets, [_HOLD] * len(positions))


def _clear(positions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Positions pushed apart until no two councils are nearer than _CLEARANCE."""
    moved = [list(p) for p in positions]
    n = len(moved)
    for _ in range(_CLEARING_STEPS):
        buckets: dict[tuple[int, int], list[int]] = {}
        for k, (x, y) in enumerate(moved):
            key = (math.floor(x / _CLEARANCE), math.floor(y / _CLEARANCE))
            buckets.setdefault(key, []).append(k)
        shift = [[0.0, 0.0] for _ in range(n)]
        crowded = False
        for k in range(n):
            x, y = moved[k]
            bx, by = math.floor(x / _CLEARANCE), math.floor(y / _CLEARANCE)
            for cx in (bx - 1, bx, bx + 1):
                for cy in (by - 1, by, by + 1):
                    for m in buckets.get((cx, cy), ()):
                        if m <= k:
                            continue
                        dx, dy = moved[m][0] - x, moved[m][1] - y
                        d = math.hypot(dx, dy)
                        if d >= _CLEARANCE:
                            continue
                        crowded = True
                        if d < 1e-9:
                            # Councils on one spot part along a fixed, index-made direction.
                            angle = (k * 7 + m * 13) % 12 * math.pi / 6
                            dx, dy, d = math.cos(angle) * 1e-3, math.sin(angle) * 1e-3, 1e-3
                        push = (_CLEARANCE - d) / 4 / d
                        shift[k][0] -= push * dx
                        shift[k][1] -= push * dy
                        shift[m][0] += push * dx
                        shift[m][1] += push * dy
        if not crowded:
            break
        for k in range(n):
            moved[k][0] += shift[k][0]
            moved[k][1] += shift[k][1]
    return [(x, y) for x, y in moved]


def _ring(cell: Cell) -> list[Cell]:
    q, r = cell
    return [(q + dq, r + dr) for dq, dr in _AXIAL_STEPS]


def _join_islands(cells: list[Cell]) -> list[Cell]:
    """Cells with every group cut off from the rest moved, whole, to the nearest place beside it."""
    cells = list(cells)
    while True:
        taken = {cell: i for i, cell in enumerate(cells)}
        groups = _groups(taken)
        if len(groups) == 1:
            return cells
        smallest = min(groups, key=lambda g: (len(g), min(g)))
        inside = set(smallest)
        best: tuple[float, Cell] | None = None
        for cell in smallest:
            for other in taken:
                if other in inside:
                    continue
                for beside in _ring(other):
                    if beside in taken and beside not in inside:
                        continue
                    shift = (beside[0] - cell[0], beside[1] - cell[1])
                    if shift == (0, 0):
                        continue
                    length = math.hypot(*_axial_centre(shift))
                    if best is not None and (length, shift) >= best:
                        continue
                    moved = [(c[0] + shift[0], c[1] + shift[1]) for c in smallest]
                    if any(m in taken and m not in inside for m in moved):
                        continue
                    best = (length, shift)
        if best is None:  # cannot happen: some shift always clears the rest of the map
            return cells
        dq, dr = best[1]
        for cell in smallest:
            cells[taken[cell]] = (cell[0] + dq, cell[1] + dr)


def _groups(taken: Mapping[Cell, int]) -> list[list[Cell]]:
    """The connected groups of taken cells, each in the order found from its first cell."""
    seen: set[Cell] = set()
    groups = []
    for start in sorted(taken):
        if start in seen:
            continue
        group = [start]
        seen.add(start)
        for cell in group:
            for beside in _ring(cell):
                if beside in taken and beside not in seen:
                    seen.add(beside)
                    group.append(beside)
        groups.append(group)
    return groups


def _holes(taken: Mapping[Cell, int] | set[Cell]) -> list[Cell]:
    """Empty cells with four or more taken neighbours: gaps a reader sees inside the map."""
    edge = {beside for cell in taken for beside in _ring(cell)} - set(taken)
    return sorted(c for c in edge if sum(b in taken for b in _ring(c)) >= 4)


def _fill_holes(cells: list[Cell]) -> list[Cell]:
    """Cells with every empty cell enclosed on all six sides filled: the councils on the
    shortest way from it to the open move one step towards it, so the gap leaves the map.

    Bays (empty cells open to the outside on a side or two) are left to the local search, which
    may fill them when that keeps neighbours together: the Wash and the Severn are bays too.
    """
    cells = list(cells)
    for _ in range(len(cells)):
        taken = {cell: i for i, cell in enumerate(cells)}
        enclosed = [h for h in _holes(taken) if all(b in taken for b in _ring(h))]
        if not enclosed:
            break
        hole = enclosed[0]
        came_from: dict[Cell, Cell | None] = {hole: None}
        queue = [hole]
        out: Cell | None = None
        for cell in queue:
            for beside in _ring(cell):
                if beside in came_from:
                    continue
                came_from[beside] = cell
                if beside not in taken:
                    out = beside
                    break
                queue.append(beside)
            if out is not None:
                break
        if out is None:
            break
        path = []
        step = came_from[out]
        while step is not None:
            path.append(step)
            step = came_from[step]
        path.reverse()
        for into, moving in itertools.pairwise(path):
            cells[taken[moving]] = into
    return cells


def _depths(taken: Mapping[Cell, int]) -> dict[Cell, int]:
    """Each taken cell's steps to the map's edge (0 on it), at most _DEPTH_CAP."""
    edge = [cell for cell in taken if any(beside not in taken for beside in _ring(cell))]
    return measures.steps_from(
        edge, taken, lambda cell: (b for b in _ring(cell) if b in taken), _DEPTH_CAP
    )


def _keeps_joined(taken: Mapping[Cell, int], cell: Cell) -> bool:
    """Whether emptying a cell leaves its taken neighbours in one unbroken run round it."""
    ring = [beside in taken for beside in _ring(cell)]
    if all(ring) or not any(ring):
        return False
    return sum(1 for k in range(6) if ring[k] and not ring[k - 1]) == 1


class _Search:
    """Local search on the grid: swaps and single steps that keep more real neighbours together,
    keep inland councils off the map's edge, and keep each council near its place."""

    def __init__(
        self,
        cells: list[Cell],
        positions: list[tuple[float, float]],
        around: list[list[int]],
        coastal: list[bool],
    ) -> None:
        self.cells = list(cells)
        self.positions = positions
        self.around = [set(a) for a in around]
        self.share = [1 / max(1, len(a)) for a in around]
        self.coastal = coastal
        self.inland = self._inland(around, coastal)
        steps = self._steps(around)
        # What each council costs beside each other, looked up rather than worked out: a real
        # neighbour kept is worth _KEPT shared by their shares; one three or more steps away on
        # the real map costs _STRAY a step beyond two (`far`: five or more).
        self.far = _STRAY * 3
        self.costs: list[dict[int, float]] = []
        for i, reach in enumerate(steps):
            mine = {}
            for j, apart in reach.items():
                if apart == 1:
                    mine[j] = -_KEPT * (self.share[i] + self.share[j])
                elif apart >= 2:
                    mine[j] = _STRAY * (apart - 2)
            self.costs.append(mine)
        self.taken = {cell: i for i, cell in enumerate(self.cells)}
        self.places: list[tuple[float, float]] = []
        self.depth: dict[Cell, int] = {}

    @staticmethod
    def _inland(around: list[list[int]], coastal: list[bool]) -> list[int]:
        """Each council's neighbour steps to the nearest coastal council, at most _DEPTH_CAP."""
        coast = [i for i, on_coast in enumerate(coastal) if on_coast]
        found = measures.steps_from(coast, range(len(around)), around.__getitem__, _DEPTH_CAP)
        return [found[i] for i in range(len(around))]

    @staticmethod
    def _steps(around: list[list[int]]) -> list[dict[int, int]]:
        """For each council, the neighbour steps to every council up to four away."""
        found = []
        for start in range(len(around)):
            steps = {start: 0}
            front = [start]
            for step in range(1, 5):
                reached = []
                for i in front:
                    for j in around[i]:
                        if j not in steps:
                            steps[j] = step
                            reached.append(j)
                front = reached
            found.append(steps)
        return found

    def placing(self, i: int, depth: int) -> float:
        """What council i costs at a cell `depth` steps from the edge."""
        cost = _INLAND * max(0, self.inland[i] - depth)
        return cost + (_COASTAL * depth if self.coastal[i] else 0.0)

    def own(self, movers: tuple[int, ...]) -> float:
        """The cost of the movers: places, depths, and their sides."""
        total = 0.0
        taken, costs, far = self.taken, self.costs, self.far
        for i in movers:
            q, r = self.cells[i]
            px, py = self.places[i]
            x, y = q + r / 2, r * _ROW_HEIGHT
            total += _PLACE * ((x - px) ** 2 + (y - py) ** 2)
            total += self.placing(i, self.depth.get((q, r), 0))
            mine = costs[i]
            for dq, dr in _AXIAL_STEPS:
                j = taken.get((q + dq, r + dr))
                if j is not None:
                    total += mine.get(j, far) * (0.5 if j in movers else 1.0)
        return total

    def around_edge(self, region: set[Cell], movers: tuple[int, ...]) -> float:
        """Open sides within a region, and the depth costs of its councils that do not move."""
        total = 0.0
        for cell in region:
            j = self.taken.get(cell)
            if j is None:
                continue
            open_sides = sum(beside not in self.taken for beside in _ring(cell))
            total += _EDGE * open_sides
            if j not in movers:
                depth = 0 if open_sides else max(1, self.depth.get(cell, 1))
                total += self.placing(j, depth)
        return total

    def move(self, i: int, there: Cell) -> int | None:
        """Put council i at `there`, swapping with whoever is there; returns that council."""
        here = self.cells[i]
        j = self.taken.get(there)
        del self.taken[here]
        if j is not None:
            self.taken[here] = j
            self.cells[j] = here
        self.taken[there] = i
        self.cells[i] = there
        return j

    def run(self, rounds: int) -> None:
        """Improve the cells until a round changes nothing, or for `rounds` rounds."""
        for _ in range(rounds):
            self.places = _fitted(self.cells, self.positions)
            self.depth = _depths(self.taken)
            changed = False
            for i in range(len(self.cells)):
                changed = self.improve(i) or changed
            if not changed:
                break

    def improve(self, i: int) -> bool:
        """Make the best improving move for council i, if there is one."""
        here = self.cells[i]
        candidates = set(_ring(here))
        # Beside any of its real neighbours within reach, where it might be kept with them.
        for k in self.around[i]:
            other = self.cells[k]
            if hex_distance(_offset(here), _offset(other)) <= 3:
                candidates.update(_ring(other))
        candidates.discard(here)
        best: tuple[float, Cell] | None = None
        for there in sorted(candidates):
            j = self.taken.get(there)
            region: set[Cell] = set()
            if j is None:
                # A step into the open: only beside the council's own ring, keeping the map in
                # one piece and leaving no hole.
                if there not in _ring(here) or not _keeps_joined(self.taken, here):
                    continue
                if sum(b in self.taken and b != here for b in _ring(there)) < 2:
                    continue
                region = {here, there, *_ring(here), *_ring(there)}
            movers = (i,) if j is None else (i, j)
            before = self.own(movers) + self.around_edge(region, movers)
            self.move(i, there)
            if j is None:
                self.depth[there] = 0
            after = self.own(movers) + self.around_edge(region, movers)
            hole = j is None and sum(b in self.taken for b in _ring(here)) >= 4
            self.move(i, here)
            if j is None:
                self.depth.pop(there, None)
            if not hole and after < before - 1e-9 and (best is None or after - before < best[0]):
                best = (after - before, there)
        if best is None:
            return False
        opened = self.move(i, best[1]) is None
        if opened:
            self.depth = _depths(self.taken)
        return True


def _fitted(cells: list[Cell], positions: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Positions scaled and moved (not turned) to fit the cells' centres best."""
    centres = [_axial_centre(cell) for cell in cells]
    n = len(cells)
    mx, my = sum(x for x, _ in centres) / n, sum(y for _, y in centres) / n
    px, py = sum(x for x, _ in positions) / n, sum(y for _, y in positions) / n
    spread = sum((x - px) ** 2 + (y - py) ** 2 for x, y in positions) or 1.0
    scale = (
        sum(
            (p[0] - px) * (c[0] - mx) + (p[1] - py) * (c[1] - my)
            for p, c in zip(positions, centres, strict=True)
        )
        / spread
    )
    return [(mx + scale * (x - px), my + scale * (y - py)) for x, y in positions]


def _least_squares(
    start: list[tuple[float, float]],
    links: list[tuple[int, int]],
    targets: list[tuple[float, float]],
    anchors: list[float],
) -> list[tuple[float, float]]:
    """Positions whose links come closest to their target vectors (conjugate gradients)."""
    # Minimises sum |p_j - p_i - t_ij|^2 + sum w_i |p_i - start_i|^2: a graph Poisson problem,
    # solved for x and y at once. The anchors (w) make the answer unique.
    n = len(start)
    bx = [w * x for w, (x, _) in zip(anchors, start, strict=True)]
    by = [w * y for w, (_, y) in zip(anchors, start, strict=True)]
    for (i, j), (tx, ty) in zip(links, targets, strict=True):
        bx[j] += tx
        bx[i] -= tx
        by[j] += ty
        by[i] -= ty

    def apply(vx: list[float], vy: list[float]) -> tuple[list[float], list[float]]:
        ox = [w * v for w, v in zip(anchors, vx, strict=True)]
        oy = [w * v for w, v in zip(anchors, vy, strict=True)]
        for i, j in links:
            dx, dy = vx[j] - vx[i], vy[j] - vy[i]
            ox[j] += dx
            ox[i] -= dx
            oy[j] += dy
            oy[i] -= dy
        return ox, oy

    xs = [x for x, _ in start]
    ys = [y for _, y in start]
    ax, ay = apply(xs, ys)
    rx = [b - a for a, b in zip(ax, bx, strict=True)]
    ry = [b - a for a, b in zip(ay, by, strict=True)]
    px, py = list(rx), list(ry)
    rrx, rry = _dot(rx, rx), _dot(ry, ry)
    for _ in range(_SOLVER_STEPS):
        if rrx + rry < _SOLVER_TOLERANCE * n:
            break
        qx, qy = apply(px, py)
        step_x = rrx / (_dot(px, qx) or 1.0)
        step_y = rry / (_dot(py, qy) or 1.0)
        for k in range(n):
            xs[k] += step_x * px[k]
            ys[k] += step_y * py[k]
            rx[k] -= step_x * qx[k]
            ry[k] -= step_y * qy[k]
        new_x, new_y = _dot(rx, rx), _dot(ry, ry)
        beta_x, beta_y = new_x / (rrx or 1.0), new_y / (rry or 1.0)
        rrx, rry = new_x, new_y
        for k in range(n):
            px[k] = rx[k] + beta_x * px[k]
            py[k] = ry[k] + beta_y * py[k]
    return list(zip(xs, ys, strict=True))


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _assign(positions: list[tuple[float, float]]) -> list[Cell]:
    """A distinct axial cell for each position, near it, by nearest free cell then local swaps."""
    fractional = [(x - y / math.sqrt(3), y / _ROW_HEIGHT) for x, y in positions]
    nearest = [_round_axial(q, r) for q, r in fractional]

    def cost(i: int, cell: Cell) -> float:
        x, y = _axial_centre(cell)
        return (x - positions[i][0]) ** 2 + (y - positions[i][1]) ** 2

    # The councils that fit their cell best claim it first; the awkward ones take what's left.
    order = sorted(range(len(positions)), key=lambda i: (cost(i, nearest[i]), i))
    taken: dict[Cell, int] = {}
    cells: list[Cell] = [(0, 0)] * len(positions)
    for i in order:
        q0, r0 = nearest[i]
        radius = 0
        choice: Cell | None = None
        while choice is None:
            # One ring past the first free cell, since a hex step is not a straight-line distance.
            free = [c for c in _disc((q0, r0), radius + 1) if c not in taken]
            if free:
                choice = min(free, key=lambda c: (cost(i, c), c))
            radius += 1
        taken[choice] = i
        cells[i] = choice

    for _ in range(_SWAP_ROUNDS):
        improved = False
        for i in range(len(positions)):
            here = cells[i]
            for dq, dr in _AXIAL_STEPS:
                there = (here[0] + dq, here[1] + dr)
                j = taken.get(there)
                before = cost(i, here) + (cost(j, there) if j is not None else 0.0)
                after = cost(i, there) + (cost(j, here) if j is not None else 0.0)
                if after < before - 1e-9:
                    del taken[here]
                    if j is not None:
                        taken[here] = j
                        cells[j] = here
                    taken[there] = i
                    cells[i] = there
                    here = there
                    improved = True
        if not improved:
            break
    return cells


def _disc(centre: Cell, radius: int) -> list[Cell]:
    """The cells within a number of steps of a cell."""
    q0, r0 = centre
    return [
        (q0 + dq, r0 + dr)
        for dq in range(-radius, radius + 1)
        for dr in range(max(-radius, -dq - radius), min(radius, -dq + radius) + 1)
    ]


def _round_axial(q: float, r: float) -> Cell:
    """The axial cell containing a fractional axial position (cube rounding)."""
    s = -q - r
    rq, rr, rs = round(q), round(r), round(s)
    dq, dr, ds = abs(rq - q), abs(rr - r), abs(rs - s)
    if dq > dr and dq > ds:
        rq = -rr - rs
    elif dr > ds:
        rr = -rq - rs
    return int(rq), int(rr)


def _axial_centre(cell: Cell) -> tuple[float, float]:
    q, r = cell
    return q + r / 2, r * _ROW_HEIGHT


def _axial(cell: Cell) -> Cell:
    column, row = cell
    return column - (row - (row & 1)) // 2, row


def _offset(cell: Cell) -> Cell:
    q, r = cell
    return q + (r - (r & 1)) // 2, r


def _to_offset(axial: Mapping[str, Cell]) -> dict[str, Cell]:
    """Offset cells with the top row 0 and the left-most column 0, in code order."""
    if not axial:
        return {}
    top = min(r for _, r in axial.values())
    shifted = {code: _offset((q, r - top)) for code, (q, r) in axial.items()}
    left = min(c for c, _ in shifted.values())
    return {code: (shifted[code][0] - left, shifted[code][1]) for code in sorted(shifted)}


def _hexagon(x: float, y: float) -> str:
    """A pointy-top hexagon path around a centre."""
    half, quarter = _COLUMN / 2, _RADIUS / 2
    return (
        f"M{_n(x)} {_n(y - _RADIUS)}l{_n(half)} {_n(quarter)}v{_n(_RADIUS)}"
        f"l{_n(-half)} {_n(quarter)}l{_n(-half)} {_n(-quarter)}v{_n(-_RADIUS)}z"
    )


__all__ = [
    "LABELLED_REGIONS",
    "NO_DATA_COLOUR",
    "TIERS",
    "Cell",
    "Edge",
    "cell_centre",
    "council_map",
    "hex_distance",
    "layout",
    "map_svg",
    "neighbours",
    "region_borders",
    "tier_councils",
]
