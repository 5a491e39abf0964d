"""Council boundaries from map files: GeoJSON or TopoJSON read, projected, simplified and drawn.

The home page can show councils' real areas instead of hexagons once boundary files have been
imported (`upheld boundaries import`). The ONS publish boundaries in both formats; this module
reads either, finds each area's council code, lays the areas flat with north up, thins their
outlines to what a web page needs and writes each council as one SVG path. It uses the standard
library only, so a file is read the same way wherever upheld runs.

Coordinates come out in kilometres (near enough), x to the east and y to the south, rounded to
a tenth: longitude and latitude are projected equirectangularly at the middle latitude of the
areas kept, and British National Grid metres are divided by a thousand.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from upheld.errors import InputError, Problem
from upheld.maps.cartogram import NO_DATA_COLOUR, council_map
from upheld.present import svg
from upheld.register import Council

"""The fill of a council with no figure (as on the hex map)."""

CODE_PROPERTIES = ("areacd", "code")
"""Where a council's code is looked for first; then any property ending in CD or cd, then the id."""

GSS_CODE = re.compile(r"[EWSNK]\d{8}\Z")
"""A GSS code, the ONS's nine-character code for an area, such as E08000002."""

KM_PER_DEGREE = 111.32
"""Kilometres in a degree of latitude (and of longitude at the equator)."""

# A tolerance of 1/2500 of the map's longer side, about a quarter of a kilometre for England,
# keeps every bend a reader could see on a page 800 pixels wide and brings full-resolution ONS
# files for every English council to a few hundred kilobytes.
DETAIL = 1 / 2500

_NAME_PROPERTIES = ("areanm", "name", "NAME")
_DECIMALS = 1
_MARGIN = 0.01  # of the map's longer side, so outlines at the edge are not cut
_BANDS = 14  # rows of councils for keyboard order: north to south, then west to east

Point = tuple[float, float]


@dataclass(frozen=True)
class Shape:
    """One council's area as drawn: an SVG path of every part of it, and the box around it."""

    code: str
    path: str
    min_x: float
    min_y: float
    max_x: float
    max_y: float
    start: int | None = None
    """The first review year the file says the area applies to, if it says."""

    @property
    def centre(self) -> Point:
        """The middle of the box around the area."""
        return (self.min_x + self.max_x) / 2, (self.min_y + self.max_y) / 2


@dataclass(frozen=True)
class Boundaries:
    """What a boundary file gave: a shape per council, and what was left out and why."""

    file: str
    layer: str | None
    code_property: str
    planar: bool
    features: int
    shapes: tuple[Shape, ...]
    unwanted: tuple[str, ...] = ()
    """Codes read but not wanted (not in the register), in code order."""
    out_of_year: int = 0
    """Areas left out because the file says they did not exist in the year chosen."""
    without_area: int = 0
    """Areas with no polygon to draw (a point, a line or nothing)."""

    @property
    def size(self) -> int:
        """The characters of SVG path data, which is what the map costs a reader to download."""
        return sum(len(s.path) for s in self.shapes)


@dataclass
class _Feature:
    """One area of the file: its properties and its polygons, each ring a list of line numbers."""

    number: int
    properties: Mapping[str, Any]
    ident: Any
    polygons: list[list[list[int]]] = field(default_factory=list)


@dataclass
class _Source:
    """A file's areas with their outlines, as lines that rings share (TopoJSON arcs) or own."""

    lines: list[list[Point]]
    features: list[_Feature]
    layer: str | None
    planar_hint: bool


def read_boundaries(
    path: Path,
    *,
    layer: str | None = None,
    code_property: str | None = None,
    year: int | None = None,
    wanted: Callable[[str], bool] | None = None,
    tolerance: float | None = None,
) -> Boundaries:
    """The council shapes in a GeoJSON or TopoJSON file, ready to store and draw."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _problem(name, "no such file") from None
    except UnicodeDecodeError:
        raise _problem(name, "is not GeoJSON or TopoJSON (not a text file)") from None
    except OSError as exc:
        raise _problem(name, f"cannot be read: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            [Problem(name, exc.lineno, None, f"is not GeoJSON or TopoJSON: {exc.msg}")]
        ) from None
    return parse_boundaries(
        document,
        name,
        layer=layer,
        code_property=code_property,
        year=year,
        wanted=wanted,
        tolerance=tolerance,
    )


def parse_boundaries(
    document: Any,
    file: str,
    *,
    layer: str | None = None,
    code_property: str | None = None,
    year: int | None = None,
    wanted: Callable[[str], bool] | None = None,
    tolerance: float | None = None,
) -> Boundaries:
    """The council shapes in a decoded GeoJSON or TopoJSON document (`file` names it in errors).

    `layer` chooses a TopoJSON object; `code_property` the property holding each area's code;
    `year` keeps only the areas whose `start` and `end` years (if given) include that review
    year; `wanted` says which codes to keep; `tolerance` is how far, in kilometres, a thinned
    outline may stray from the file's (None: 1/2500 of the map's longer side, 0: not thinned).
    """
    kind = document.get("type") if isinstance(document, dict) else None
    try:
        if kind == "Topology":
            source = _topology(document, file, layer)
        elif kind in ("FeatureCollection", "Feature"):
            if layer is not None:
                raise _problem(file, "is GeoJSON, which has no layers to choose from")
            source = _geojson(document, file)
        else:
            raise _problem(
                file,
                "is not GeoJSON or TopoJSON: expected a FeatureCollection, Feature or Topology",
            )
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        # Hand-edited or truncated files: say where, not how Python tripped over them.
        raise _problem(file, f"has a malformed geometry ({type(exc).__name__}: {exc})") from None

    drawable = [f for f in source.features if f.polygons]
    without_area = len(source.features) - len(drawable)
    if not drawable:
        raise _problem(file, "has no areas (polygons) to draw")
    prop = code_property or _code_property(drawable)
    if prop is None:
        raise _problem(
            file,
            "no property holds council codes (looked for areacd, code, a property ending in CD "
            "and the id); name it with --code-property",
        )
    codes: list[tuple[_Feature, str]] = []
    problems = []
    for feature in drawable:
        code = _code(feature, prop, strict=code_property is None)
        if code is None:
            problems.append(
                Problem(file, None, None, f"{_describe(feature)} has no council code in {prop!r}")
            )
        else:
            codes.append((feature, code))
    if problems:
        raise InputError(problems)

    kept: list[tuple[_Feature, str]] = []
    out_of_year = 0
    unwanted: set[str] = set()
    for feature, code in codes:
        if year is not None and not _valid_in(feature.properties, year):
            out_of_year += 1
        elif wanted is not None and not wanted(code):
            unwanted.add(code)
        else:
            kept.append((feature, code))

    shapes = _draw(source, kept, year, tolerance) if kept else []
    return Boundaries(
        file=file,
        layer=source.layer,
        code_property=prop,
        planar=_is_planar(source, kept),
        features=len(source.features),
        shapes=tuple(shapes),
        unwanted=tuple(sorted(unwanted)),
        out_of_year=out_of_year,
        without_area=without_area,
    )


# Reading the two formats ---------------------------------------------------------------------


def _geojson(document: dict[str, Any], file: str) -> _Source:
    """A GeoJSON FeatureCollection (or one Feature): each ring becomes a line of its own."""
    items = [document] if document["type"] == "Feature" else document.get("features")
    if not isinstance(items, list):
        raise _problem(file, "is a FeatureCollection without a list of features")
    lines: list[list[Point]] = []
    features = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or item.get("type") != "Feature":
            raise _problem(file, f"feature {number} is not a GeoJSON Feature")
        feature = _Feature(number, _properties(item), item.get("id"))
        for polygon in _geojson_polygons(item.get("geometry")):
            rings = []
            for ring in polygon:
                lines.append([(float(p[0]), float(p[1])) for p in ring])
                rings.append([len(lines) - 1])
            feature.polygons.append(rings)
        features.append(feature)
    return _Source(lines, features, None, planar_hint=_says_grid(document.get("crs")))


def _geojson_polygons(geometry: Any) -> list[Any]:
    """The polygons of a GeoJSON geometry, as lists of rings of positions."""
    if not isinstance(geometry, dict):
        return []
    kind = geometry.get("type")
    if kind == "Polygon":
        return [geometry["coordinates"]]
    if kind == "MultiPolygon":
        return list(geometry["coordinates"])
    if kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in _geojson_polygons(g)]
    return []


def _topology(document: dict[str, Any], file: str, layer: str | None) -> _Source:
    """A TopoJSON Topology's chosen object: rings are made of shared, decoded arcs."""
    objects = document.get("objects")
    if not isinstance(objects, dict) or not objects:
        raise _problem(file, "is a TopoJSON Topology with no objects")
    if layer is None:
        if len(objects) > 1:
            raise _problem(
                file, f"has several layers; choose one with --layer: {', '.join(sorted(objects))}"
            )
        layer = next(iter(objects))
    elif layer not in objects:
        raise _problem(file, f"has no layer {layer!r}; it has: {', '.join(sorted(objects))}")
    lines = _arcs(document)
    chosen = objects[layer]
    members = (
        chosen.get("geometries", []) if chosen.get("type") == "GeometryCollection" else [chosen]
    )
    features = []
    for number, member in enumerate(members, start=1):
        feature = _Feature(number, _properties(member), member.get("id"))
        feature.polygons = _topology_polygons(member, len(lines))
        features.append(feature)
    return _Source(lines, features, layer, planar_hint=False)


def _arcs(document: dict[str, Any]) -> list[list[Point]]:
    """Every arc of a topology in the file's own coordinates, undoing quantisation and deltas."""
    transform = document.get("transform")
    arcs = document.get("arcs") or []
    if not transform:
        return [[(float(p[0]), float(p[1])) for p in arc] for arc in arcs]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    decoded = []
    for arc in arcs:
        x = y = 0
        points = []
        # Quantised positions are stored as differences from the one before.
        for position in arc:
            x += int(position[0])
            y += int(position[1])
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def _topology_polygons(geometry: dict[str, Any], arc_count: int) -> list[list[list[int]]]:
    """A TopoJSON geometry's polygons, each ring the arc indexes it follows (~i: arc i reversed)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["arcs"]]
    elif kind == "MultiPolygon":
        polygons = list(geometry["arcs"])
    elif kind == "GeometryCollection":
        return [p for g in geometry.get("geometries", []) for p in _topology_polygons(g, arc_count)]
    else:
        return []
    for polygon in polygons:
        for ring in polygon:
            for index in ring:
                if not -arc_count <= int(index) < arc_count:
                    raise IndexError(f"arc {index} does not exist")
    return [[[int(i) for i in ring] for ring in polygon] for polygon in polygons]


def _properties(item: dict[str, Any]) -> Mapping[str, Any]:
    properties = item.get("properties")
    return properties if isinstance(properties, dict) else {}


def _says_grid(crs: Any) -> bool:
    """Whether a GeoJSON crs member names the British National Grid (EPSG:27700)."""
    return "27700" in json.dumps(crs) if crs else False


# Codes and years ------------------------------------------------------------------------------


def _code_property(features: Sequence[_Feature]) -> str | None:
    """The first property (in the order tried) that holds a GSS code in any area."""
    candidates = list(CODE_PROPERTIES)
    for feature in features:
        for key in feature.properties:
            if key.endswith(("CD", "cd")) and key not in candidates:
                candidates.append(key)
    for key in candidates:
        if any(_is_gss(f.properties.get(key)) for f in features):
            return key
    if any(_is_gss(f.ident) for f in features):
        return "id"
    return None


def _code(feature: _Feature, prop: str, *, strict: bool) -> str | None:
    """An area's council code from a property or its id; a guessed property must hold a GSS code."""
    value = feature.ident if prop == "id" else feature.properties.get(prop)
    if value is None:
        return None
    text = str(value).strip().upper()
    if strict and not GSS_CODE.match(text):
        return None
    return text or None


def _is_gss(value: Any) -> bool:
    return isinstance(value, str) and GSS_CODE.match(value.strip().upper()) is not None


def _describe(feature: _Feature) -> str:
    for key in (*_NAME_PROPERTIES, *(k for k in feature.properties if k.endswith(("NM", "nm")))):
        if feature.properties.get(key):
            return f"feature {feature.number} ({feature.properties[key]})"
    return f"feature {feature.number}"


def _year_of(value: Any) -> int | None:
    """A start or end year as the ONS write it: a number, or text holding one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _valid_in(properties: Mapping[str, Any], year: int) -> bool:
    """Whether an area existed in a review year: start <= year <= end, either end open."""
    start, end = _year_of(properties.get("start")), _year_of(properties.get("end"))
    return (start is None or start <= year) and (end is None or year <= end)


# Projecting, thinning and writing paths -------------------------------------------------------


def _used_lines(kept: Iterable[tuple[_Feature, str]]) -> list[int]:
    return sorted({_line_index(i) for f, _ in kept for p in f.polygons for r in p for i in r})


def _line_index(reference: int) -> int:
    return ~reference if reference < 0 else reference


def _is_planar(source: _Source, kept: Sequence[tuple[_Feature, str]]) -> bool:
    """Whether coordinates are metres on a grid rather than degrees of longitude and latitude."""
    if source.planar_hint:
        return True
    for index in _used_lines(kept):
        for x, y in source.lines[index]:
            if abs(x) > 180 or abs(y) > 90:
                return True
    return False


def _projection(source: _Source, kept: Sequence[tuple[_Feature, str]]) -> Callable[[Point], Point]:
    """The flat projection, in kilometres with y to the south, for the areas kept."""
    if _is_planar(source, kept):
        return lambda p: (p[0] / 1000, -p[1] / 1000)
    latitudes = [y for i in _used_lines(kept) for _, y in source.lines[i]]
    middle = (min(latitudes) + max(latitudes)) / 2 if latitudes else 0.0
    # A degree of longitude shrinks with the cosine of the latitude; at the middle latitude of
    # the areas shown, east-west and north-south distances agree to a few per cent.
    east = KM_PER_DEGREE * math.cos(math.radians(middle))
    return lambda p: (p[0] * east, -p[1] * KM_PER_DEGREE)


def _draw(
    source: _Source,
    kept: Sequence[tuple[_Feature, str]],
    year: int | None,
    tolerance: float | None,
) -> list[Shape]:
    """Each kept council's polygons projected, thinned, rounded and written as one path."""
    project = _projection(source, kept)
    used = _used_lines(kept)
    flat = {i: [project(p) for p in source.lines[i]] for i in used}
    xs = [x for i in used for x, _ in flat[i]]
    ys = [y for i in used for _, y in flat[i]]
    if not xs:
        return []
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    if tolerance is None:
        tolerance = extent * DETAIL
    # Each line is thinned once, so two councils that share a border (a TopoJSON arc) keep the
    # very same border, with no gaps or overlaps between them.
    thinned = {i: _thin_line(flat[i], tolerance) for i in used}

    groups: dict[tuple[str, int | None], list[list[list[Point]]]] = {}
    for feature, code in kept:
        start = None if year is not None else _year_of(feature.properties.get("start"))
        polygons = groups.setdefault((code, start), [])
        for polygon in feature.polygons:
            rings = []
            for ring in polygon:
                finished = _finish(_join(ring, thinned))
                if finished is None:
                    # Thinning left too little of a small ring; thin it whole instead.
                    finished = _finish(_thin_ring(_join(ring, flat), tolerance))
                if finished is not None:
                    rings.append(finished)
                elif not rings:
                    break  # an outer ring too small to draw takes its holes with it
            if rings:
                polygons.append(rings)
    shapes = []
    for (code, start), polygons in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] or 0)):
        drawn = _keep_visible(polygons, tolerance)
        if drawn:
            shapes.append(_shape(code, drawn, start))
    return shapes


def _join(ring: Sequence[int], lines: Mapping[int, Sequence[Point]]) -> list[Point]:
    """A ring's points from the lines it follows; a negative index follows a line backwards."""
    points: list[Point] = []
    for reference in ring:
        line = lines[_line_index(reference)]
        if reference < 0:
            line = line[::-1]
        # Each arc starts where the one before ended: that point is written once.
        points.extend(line[1:] if points else line)
    return points


def _thin_line(points: Sequence[Point], tolerance: float) -> list[Point]:
    """A line or closed ring with the points it can spare dropped (its ends always kept)."""
    if len(points) > 3 and points[0] == points[-1]:
        return _thin_ring(points, tolerance)
    return _douglas_peucker(points, tolerance)


def _douglas_peucker(points: Sequence[Point], tolerance: float) -> list[Point]:
    """The Douglas-Peucker simplification: every dropped point is within `tolerance` of the rest."""
    if len(points) < 3 or tolerance <= 0:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    limit = tolerance * tolerance
    # A stack rather than recursion: a coastline can have a million points. The distance to the
    # chord is worked out inline because this loop is where a large file's import spends its time.
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        ax, ay = points[first]
        dx, dy = points[last][0] - ax, points[last][1] - ay
        length = dx * dx + dy * dy
        worst, index = -1.0, first
        for i in range(first + 1, last):
            px, py = points[i]
            ex, ey = px - ax, py - ay
            if length > 0:
                t = (ex * dx + ey * dy) / length
                if t > 1.0:
                    ex, ey = px - ax - dx, py - ay - dy
                elif t > 0.0:
                    ex, ey = ex - t * dx, ey - t * dy
            distance = ex * ex + ey * ey
            if distance > worst:
                worst, index = distance, i
        if worst > limit:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _thin_ring(ring: Sequence[Point], tolerance: float) -> list[Point]:
    """A closed ring thinned as two lines, split at its point farthest from the start.

    The result keeps at least three corners, so a small island stays a triangle, not a line.
    """
    if len(ring) <= 4 or tolerance <= 0:
        return list(ring)
    start = ring[0]
    far = max(range(1, len(ring) - 1), key=lambda i: _distance2(ring[i], start, start))
    thinned = _douglas_peucker(ring[: far + 1], tolerance)[:-1] + _douglas_peucker(
        ring[far:], tolerance
    )
    if len(thinned) >= 4:
        return thinned
    third = max(
        (i for i in range(1, len(ring) - 1) if i != far),
        key=lambda i: _distance2(ring[i], start, ring[far]),
    )
    corners = sorted({0, far, third})
    return [ring[i] for i in corners] + [start]


def _distance2(p: Point, a: Point, b: Point) -> float:
    """The squared distance from a point to the segment from a to b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = dx * dx + dy * dy
    if length == 0:
        return (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length))
    ex, ey = a[0] + t * dx - p[0], a[1] + t * dy - p[1]
    return ex * ex + ey * ey


def _finish(ring: Sequence[Point]) -> list[Point] | None:
    """A ring rounded to a tenth, without repeated points, closed; None if under a triangle."""
    rounded: list[Point] = []
    for x, y in ring:
        point = (round(x, _DECIMALS) + 0.0, round(y, _DECIMALS) + 0.0)
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    if len(set(rounded)) < 3:
        return None
    return [*rounded, rounded[0]]


def _box(points: Iterable[Point]) -> tuple[float, float, float, float]:
    xs, ys = zip(*points, strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _keep_visible(polygons: list[list[list[Point]]], tolerance: float) -> list[list[list[Point]]]:
    """The polygons worth drawing: islands and holes smaller than the tolerance are left out.

    A council's largest part is always kept, however small, so it still has a shape to select.
    """
    if not polygons:
        return []

    def span(ring: Sequence[Point]) -> float:
        left, top, right, bottom = _box(ring)
        return max(right - left, bottom - top)

    largest = max(range(len(polygons)), key=lambda i: span(polygons[i][0]))
    kept = []
    for i, polygon in enumerate(polygons):
        if i != largest and span(polygon[0]) < tolerance:
            continue
        kept.append([polygon[0], *(h for h in polygon[1:] if span(h) >= tolerance)])
    return kept


def _shape(code: str, polygons: list[list[list[Point]]], start: int | None) -> Shape:
    """A council's polygons as one SVG path, `M x y L x y ... Z` for each ring."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            first, *rest = ring[:-1]
            parts.append(f"M{_coordinate(first[0])} {_coordinate(first[1])}")
            parts.extend(f"L{_coordinate(x)} {_coordinate(y)}" for x, y in rest)
            parts.append("Z")
    left, top, right, bottom = _box(p for polygon in polygons for p in polygon[0])
    return Shape(code, "".join(parts), left, top, right, bottom, start)


def _coordinate(value: float) -> str:
    return svg.number(value, _DECIMALS)


# Drawing the map -------------------------------------------------------------------------------


def geo_svg(
    shapes: Mapping[str, Shape],
    councils: Mapping[str, Council],
    fills: Mapping[str, str],
    labels: Mapping[str, str],
    *,
    title: str,
    description: str,
    link: Callable[[str], str] | None = None,
    map_id: str = "map",
) -> str:
    """The councils' own areas as standalone SVG: a shape per council, each a link if given one."""
    if shapes:
        left = min(s.min_x for s in shapes.values())
        top = min(s.min_y for s in shapes.values())
        right = max(s.max_x for s in shapes.values())
        bottom = max(s.max_y for s in shapes.values())
    else:
        left, top, right, bottom = 0.0, 0.0, 1.0, 1.0
    extent = max(right - left, bottom - top) or 1.0
    margin = extent * _MARGIN
    left, top, right, bottom = left - margin, top - margin, right + margin, bottom + margin
    # Reading order, so keyboard focus sweeps the map in bands from the north-west, as the eye does.
    band = (bottom - top) / _BANDS

    def place(code: str) -> tuple[int, float, str]:
        x, y = shapes[code].centre
        return int((y - top) // band), x, code

    order = sorted(shapes, key=place)
    return council_map(
        order,
        {code: shape.path for code, shape in shapes.items()},
        (left, top, right, bottom),
        councils,
        fills,
        labels,
        title=title,
        description=description,
        link=link,
        map_id=map_id,
        path_class="hex geo",
        # Holes (a town whose own council sits inside a district) must stay holes whichever way
        # the file winds its rings: even-odd filling does not care.
        group_attributes=f'stroke-width="{extent / 800:.2f}" fill-rule="evenodd"',
    )


def _problem(file: str, message: str) -> InputError:
    return InputError([Problem(file, None, None, message)])


__all__ = [
    "CODE_PROPERTIES",
    "DETAIL",
    "GSS_CODE",
    "KM_PER_DEGREE",
    "NO_DATA_COLOUR",
    "Boundaries",
    "Shape",
    "geo_svg",
    "parse_boundaries",
    "read_boundaries",
]
