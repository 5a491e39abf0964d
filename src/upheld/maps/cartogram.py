"""The home page map: a hex cartogram of councils, one hexagon each, laid out from their centroids.

Every council gets one hexagon, so a London borough is as visible as a county. The layout is
computed here from the councils' centroids (no map file is read):

1. Project each centroid onto a plane (longitude shrunk by the cosine of England's middle latitude).
2. Link each council to its four nearest (the links joined into one network) and find the
   positions where every link is as near as possible to one cell long, pointing the way it points
   on the real map: a least-squares problem solved by conjugate gradients. Crowded areas (London,
   the conurbations) spread out and sparse ones (Northumberland, Cornwall) draw in, while each
   council keeps its neighbours and its bearing from them: a density-equalising cartogram.
3. Snap those positions to a pointy-top hex grid, best-fitting councils first, each taking the
   nearest free cell; then swap or move councils between neighbouring cells while that brings
   them closer to their positions (least squares, so no council is left far out).

Cells are (column, row) in "odd-r" offset coordinates: row 0 is the northernmost, and odd rows sit
half a cell to the right. A council without a centroid is put where its parent county, its sister
districts, its children or else its region put it; with none of those it goes on a row of its own
below the map, so it is still shown and still clickable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

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

_MIDDLE_LATITUDE = 53.5  # England's: east-west distances stay within 8% from Cornwall to Berwick
_ROW_HEIGHT = math.sqrt(3) / 2  # distance between rows when neighbouring cell centres are 1 apart
# Four nearest councils tie the network into triangles; with six, links reach councils two
# cells away, pull them to one and squash England into a triangle.
_NEIGHBOURS = 4
# The pull towards the starting map: only enough to fix where the map sits, far weaker than
# any link, so it does not hold sparse areas apart.
_ANCHOR = 1e-4
_SOLVER_STEPS = 200
_SOLVER_TOLERANCE = 1e-6  # per council, squared: a thousandth of a cell is plenty before snapping
# Links solve to about 0.9 of a cell where they pull against each other. Shrinking the solution
# a little more makes snapping push councils outwards into gaps rather than leave holes
# (tuned on the 2019-20 and 2024-25 maps: 0.9 to 1.3 tried, 0.95 had fewest holes and
# displaced councils least).
_SHRINK = 0.95
_SWAP_ROUNDS = 8
_AXIAL_STEPS = ((1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1))

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


def layout(councils: Sequence[Council]) -> dict[str, Cell]:
    """A unique hex cell (column, row) for every council, keeping the map recognisably England."""
    ordered = sorted(councils, key=lambda c: c.code)
    codes = [c.code for c in ordered]
    if len(set(codes)) != len(codes):
        raise ValueError("each council must appear once")
    located, unlocated = _centroids(ordered)
    placed_codes = sorted(located)
    points = [_project(*located[code]) for code in placed_codes]
    axial: dict[str, Cell] = {}
    if points:
        relaxed = _relax(points)
        for code, cell in zip(placed_codes, _assign(relaxed), strict=True):
            axial[code] = cell
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
) -> str:
    """The cartogram as standalone SVG: a hexagon per council, each a link when `link` is given."""
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
    )


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
    out.append("</g></svg>")
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


def _relax(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Positions in cell widths where each link between neighbours is a cell long, as it points."""
    n = len(points)
    if n == 1:
        return [(0.0, 0.0)]
    nearest = _nearest(points, min(_NEIGHBOURS, n - 1))
    links = _links(points, nearest)
    # Start from the real map at the scale where a typical council is a cell from its nearest
    # neighbour: a start near the answer saves solver steps, and the faint pull back towards it
    # only fixes where the whole map sits.
    typical = sorted(row[0][0] for row in nearest)[n // 2] or 1.0
    start = [(x / typical, y / typical) for x, y in points]
    targets = []
    for i, j in links:
        dx, dy = points[j][0] - points[i][0], points[j][1] - points[i][1]
        d = math.hypot(dx, dy)
        # Councils sharing a centroid have no bearing between them; snapping parts them.
        targets.append((dx / d, dy / d) if d > 0 else (0.0, 0.0))
    solved = _least_squares(start, links, targets)
    return [(x * _SHRINK, y * _SHRINK) for x, y in solved]


def _least_squares(
    start: list[tuple[float, float]],
    links: list[tuple[int, int]],
    targets: list[tuple[float, float]],
) -> list[tuple[float, float]]:
    """Positions whose links come closest to their target vectors (conjugate gradients)."""
    # Minimises sum |p_j - p_i - t_ij|^2 + EPS * sum |p_i - start_i|^2: a graph Poisson problem,
    # solved for x and y at once. The small anchor makes the answer unique.
    n = len(start)
    eps = _ANCHOR
    bx = [eps * x for x, _ in start]
    by = [eps * y for _, y in start]
    for (i, j), (tx, ty) in zip(links, targets, strict=True):
        bx[j] += tx
        bx[i] -= tx
        by[j] += ty
        by[i] -= ty

    def apply(vx: list[float], vy: list[float]) -> tuple[list[float], list[float]]:
        ox = [eps * v for v in vx]
        oy = [eps * v for v in vy]
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


def _links(
    points: list[tuple[float, float]], nearest: list[list[tuple[float, int]]]
) -> list[tuple[int, int]]:
    """Pairs of neighbouring councils: each with its nearest few, joined up into one network."""
    links = {(min(i, j), max(i, j)) for i, row in enumerate(nearest) for _, j in row}
    parent = list(range(len(points)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in links:
        parent[root(i)] = root(j)
    # An island group whose nearest councils are all each other (rare) would float free of the
    # rest, so tie each group to the nearest council outside it.
    while True:
        groups: dict[int, list[int]] = {}
        for i in range(len(points)):
            groups.setdefault(root(i), []).append(i)
        if len(groups) == 1:
            break
        smallest = min(groups.values(), key=lambda g: (len(g), g[0]))
        inside = set(smallest)
        _, i, j = min(
            (math.dist(points[i], points[j]), i, j)
            for i in smallest
            for j in range(len(points))
            if j not in inside
        )
        links.add((min(i, j), max(i, j)))
        parent[root(i)] = root(j)
    return sorted(links)


def _nearest(points: list[tuple[float, float]], k: int) -> list[list[tuple[float, int]]]:
    """For each point, its k nearest other points as (distance, index), nearest first."""
    n = len(points)
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    width = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    # About two points per bucket, so a search looks at few buckets and few points.
    size = width / max(1.0, math.sqrt(n / 2))
    buckets: dict[tuple[int, int], list[int]] = {}
    for i in range(n):
        buckets.setdefault((math.floor(xs[i] / size), math.floor(ys[i] / size)), []).append(i)
    found: list[list[tuple[float, int]]] = []
    for i in range(n):
        bx, by = math.floor(xs[i] / size), math.floor(ys[i] / size)
        best: list[tuple[float, int]] = []
        ring = 0
        while True:
            for cx in range(bx - ring, bx + ring + 1):
                for cy in range(by - ring, by + ring + 1):
                    if max(abs(cx - bx), abs(cy - by)) != ring:
                        continue
                    for j in buckets.get((cx, cy), ()):
                        if j != i:
                            best.append((math.hypot(xs[j] - xs[i], ys[j] - ys[i]), j))
            best.sort()
            del best[k:]
            # Anything in a further ring is at least `ring * size` away.
            if len(best) == k and best[-1][0] <= ring * size:
                break
            if ring * size > 2 * width + size:
                break
            ring += 1
        found.append(best)
    return found


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
    "NO_DATA_COLOUR",
    "TIERS",
    "Cell",
    "cell_centre",
    "council_map",
    "hex_distance",
    "layout",
    "map_svg",
    "neighbours",
    "tier_councils",
]
