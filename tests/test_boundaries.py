"""Council boundaries: reading GeoJSON and TopoJSON, the import command, and the geographic map."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.cli import cli
from upheld.core.periods import ReviewYear
from upheld.errors import InputError
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.maps import cartogram
from upheld.maps.boundaries import NO_DATA_COLOUR, Boundaries, Shape, geo_svg, parse_boundaries
from upheld.register import builtin
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic.demo import write_config
from upheld.web import create_app

HARTLEPOOL, MIDDLESBROUGH, BURY, CITY = "E06000001", "E06000002", "E08000002", "E09000001"
WELSH = "W06000001"  # a real code, but not a council the register holds
SVG = "{http://www.w3.org/2000/svg}"

# Quantised TopoJSON positions are these steps of a degree from this corner.
STEP, WEST, SOUTH = 0.01, -1.5, 54.0


def lonlat(qx: int, qy: int) -> list[float]:
    """A quantised position in degrees, computed as a TopoJSON reader must."""
    return [qx * STEP + WEST, qy * STEP + SOUTH]


def deltas(points: list[tuple[int, int]]) -> list[list[int]]:
    """An arc as TopoJSON stores it quantised: the first position, then differences."""
    out, (px, py) = [list(points[0])], points[0]
    for x, y in points[1:]:
        out.append([x - px, y - py])
        px, py = x, y
    return out


# Hartlepool and Middlesbrough are squares sharing the edge x = 100 (arc 0, which Middlesbrough
# follows backwards); Bury is a triangle drawn by one closed arc; the City of London is two
# squares (a MultiPolygon).
ARCS = [
    [(100, 0), (100, 100)],
    [(100, 100), (0, 100), (0, 0), (100, 0)],
    [(100, 0), (200, 0), (200, 100), (100, 100)],
    [(300, 0), (400, 0), (350, 80), (300, 0)],
    [(0, 200), (50, 200), (50, 250), (0, 250), (0, 200)],
    [(100, 200), (150, 200), (150, 250), (100, 250), (100, 200)],
]
RINGS = {
    HARTLEPOOL: [[[1, 0]]],
    MIDDLESBROUGH: [[[2, ~0]]],
    BURY: [[[3]]],
    CITY: [[[4]], [[5]]],
}


def topology(arcs: list[list[tuple[int, int]]] | None = None, **extra: Any) -> dict[str, Any]:
    """The four councils as a quantised TopoJSON Topology with one object, `ltla`."""
    geometries = [
        {
            "type": "MultiPolygon" if len(rings) > 1 else "Polygon",
            "arcs": rings if len(rings) > 1 else rings[0],
            "properties": {"areacd": code, "areanm": code.lower()},
        }
        for code, rings in RINGS.items()
    ]
    return {
        "type": "Topology",
        "transform": {"scale": [STEP, STEP], "translate": [WEST, SOUTH]},
        "arcs": [deltas(arc) for arc in (arcs or ARCS)],
        "objects": {"ltla": {"type": "GeometryCollection", "geometries": geometries}, **extra},
    }


def ring_points(refs: list[int]) -> list[list[float]]:
    """A ring's positions in degrees, joined from the arcs as the TopoJSON rules say."""
    points: list[tuple[int, int]] = []
    for ref in refs:
        arc = ARCS[~ref][::-1] if ref < 0 else ARCS[ref]
        points.extend(arc[1:] if points else arc)
    return [lonlat(*p) for p in points]


def feature(code: str | None, coordinates: Any, kind: str = "Polygon", /, **props: Any) -> Any:
    properties = {"areacd": code, **props} if code else props
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def geojson_twin() -> dict[str, Any]:
    """The same four councils as a GeoJSON FeatureCollection."""
    features = []
    for code, polygons in RINGS.items():
        coordinates = [[ring_points(ring) for ring in polygon] for polygon in polygons]
        if len(coordinates) == 1:
            features.append(feature(code, coordinates[0], areanm=code.lower()))
        else:
            features.append(feature(code, coordinates, "MultiPolygon", areanm=code.lower()))
    return collection(*features)


def square(lon: float, lat: float, half: float) -> list[list[list[float]]]:
    """A square polygon in degrees around a point."""
    return [
        [
            [lon - half, lat - half],
            [lon + half, lat - half],
            [lon + half, lat + half],
            [lon - half, lat + half],
            [lon - half, lat - half],
        ]
    ]


def points_of(path: str) -> list[list[tuple[float, float]]]:
    """The rings of an SVG path written as M x y L x y ... Z."""
    rings = []
    for part in path.split("Z"):
        if part:
            numbers = [float(n) for n in re.findall(r"-?[\d.]+", part)]
            rings.append(list(zip(numbers[::2], numbers[1::2], strict=True)))
    return rings


def parse(document: Any, **options: Any) -> Boundaries:
    return parse_boundaries(document, "test.json", **options)


def by_code(found: Boundaries) -> dict[str, Shape]:
    return {s.code: s for s in found.shapes}


# Reading ------------------------------------------------------------------------------------


def test_topojson_reads_as_the_same_shapes_as_geojson() -> None:
    topo = parse(topology(), tolerance=0)
    geo = parse(geojson_twin(), tolerance=0)
    assert topo.layer == "ltla"
    assert geo.layer is None
    assert topo.shapes == geo.shapes
    shapes = by_code(topo)
    assert sorted(shapes) == [HARTLEPOOL, MIDDLESBROUGH, BURY, CITY]
    # The City's two squares are one path of two rings; Middlesbrough's reversed arc closes it.
    assert len(points_of(shapes[CITY].path)) == 2
    assert all(re.fullmatch(r"(M[^MLZ]+(L[^MLZ]+)+Z)+", s.path) for s in topo.shapes)
    (middlesbrough,) = points_of(shapes[MIDDLESBROUGH].path)
    assert len(middlesbrough) == 4
    # The two squares share their border: both paths have its two ends.
    shared = set(points_of(shapes[HARTLEPOOL].path)[0]) & set(middlesbrough)
    assert len(shared) == 2
    assert len({x for x, _ in shared}) == 1


def test_topojson_without_a_transform_is_read_as_given() -> None:
    plain = topology()
    del plain["transform"]
    plain["arcs"] = [[lonlat(*p) for p in arc] for arc in ARCS]
    assert parse(plain, tolerance=0).shapes == parse(topology(), tolerance=0).shapes


def test_shared_borders_stay_shared_when_simplified() -> None:
    # A border of 101 points between the two squares, straight but for ten spikes about 2.6 km
    # long, simplified once for both.
    spiky = [(100 + 4 * (y % 10 == 5), y) for y in range(101)]
    arcs = [spiky, *ARCS[1:]]
    found = parse(topology(arcs), tolerance=0.4)
    shapes = by_code(found)
    hartlepool = points_of(shapes[HARTLEPOOL].path)[0]
    middlesbrough = points_of(shapes[MIDDLESBROUGH].path)[0]
    # East of Hartlepool's western corners, every point is on the border, and Middlesbrough has it.
    west = min(x for x, _ in hartlepool)
    border = {p for p in hartlepool if p[0] > west + 1}
    assert 30 <= len(border) < 60
    assert border <= set(middlesbrough)


def test_simplifying_keeps_rings_closed_and_valid_and_drops_points() -> None:
    # A slightly jagged circle 50 km across with an islet off it, and a council that is only a
    # speck a third of a kilometre across.
    circle = [
        [
            -1.0 + 0.35 * math.cos(a) * (1 + 0.001 * (i % 3)),
            54.0 + 0.22 * math.sin(a) * (1 + 0.001 * (i % 3)),
        ]
        for i, a in enumerate(2 * math.pi * k / 2000 for k in range(2000))
    ]
    circle.append(circle[0])
    islet = [[-0.5, 54.0], [-0.492, 54.0], [-0.496, 54.004], [-0.5, 54.0]]
    speck = [[-2.0, 53.0], [-1.995, 53.0], [-1.9975, 53.003], [-2.0, 53.0]]
    document = collection(
        feature(HARTLEPOOL, [[circle], [islet]], "MultiPolygon"),
        feature(BURY, [speck]),
    )
    whole = by_code(parse(document, tolerance=0))
    shapes = by_code(parse(document))
    assert len(points_of(whole[HARTLEPOOL].path)) == 2
    assert len(shapes[HARTLEPOOL].path) * 10 < len(whole[HARTLEPOOL].path)
    for shape in shapes.values():
        assert shape.path.startswith("M")
        assert shape.path.endswith("Z")
        for ring in points_of(shape.path):
            assert len(set(ring)) == len(ring) >= 3  # three corners at least, and Z closes it
    circle_ring = points_of(shapes[HARTLEPOOL].path)[0]
    assert 16 <= len(circle_ring) < 200
    # A council's only part is kept however small: a triangle.
    (triangle,) = points_of(shapes[BURY].path)
    assert len(triangle) == 3
    # Islets smaller than the tolerance are left out, but never a council's largest part.
    coarse = by_code(parse(document, tolerance=1.0))
    assert len(points_of(coarse[HARTLEPOOL].path)) == 1
    assert len(points_of(coarse[BURY].path)) == 1


def test_north_is_up_and_distances_are_true() -> None:
    # A triangle pointing north, one degree of latitude tall and one of longitude wide at 54N.
    triangle = [[[-2.0, 53.5], [-1.0, 53.5], [-1.5, 54.5], [-2.0, 53.5]]]
    found = parse(collection(feature(HARTLEPOOL, triangle)), tolerance=0)
    assert not found.planar
    shape = found.shapes[0]
    (points,) = points_of(shape.path)
    apex = min(points, key=lambda p: p[1])
    assert apex[0] == pytest.approx((shape.min_x + shape.max_x) / 2, abs=0.1)
    assert apex[1] == shape.min_y  # north is at the top: y grows to the south
    width, height = shape.max_x - shape.min_x, shape.max_y - shape.min_y
    assert height == pytest.approx(111.3, abs=0.1)
    assert width / height == pytest.approx(math.cos(math.radians(54.0)), abs=0.002)
    assert points[0][0] < points[1][0]  # west is on the left


def test_british_national_grid_metres_are_used_as_given() -> None:
    # Easting and northing in metres: 20 km wide, 30 km tall, the top corner to the north.
    triangle = [[[400000, 500000], [420000, 500000], [410000, 530000], [400000, 500000]]]
    found = parse(collection(feature(HARTLEPOOL, triangle)), tolerance=0)
    assert found.planar
    shape = found.shapes[0]
    assert (shape.min_x, shape.min_y, shape.max_x, shape.max_y) == (400, -530, 420, -500)
    assert shape.path == "M400 -500L420 -500L410 -530Z"


def test_areas_are_kept_by_year() -> None:
    document = collection(
        feature(HARTLEPOOL, square(-1.2, 54.7, 0.05)),
        feature(MIDDLESBROUGH, square(-1.2, 54.5, 0.05), end=2020),
        feature(BURY, square(-2.3, 53.6, 0.05), start=2021),
        feature(CITY, square(-0.1, 51.5, 0.01), start="2019", end="2023"),
    )
    in_2019 = parse(document, year=2019)
    assert sorted(by_code(in_2019)) == [HARTLEPOOL, MIDDLESBROUGH, CITY]
    assert in_2019.out_of_year == 1
    assert sorted(by_code(parse(document, year=2023))) == [HARTLEPOOL, BURY, CITY]
    assert sorted(by_code(parse(document, year=2024))) == [HARTLEPOOL, BURY]
    every = by_code(parse(document))
    assert len(every) == 4
    assert [every[c].start for c in (HARTLEPOOL, MIDDLESBROUGH, BURY, CITY)] == [
        None,
        None,
        2021,
        2019,
    ]


@pytest.mark.parametrize(
    ("properties", "ident", "chosen"),
    [
        ({"areacd": HARTLEPOOL, "code": "X"}, None, "areacd"),
        ({"name": "Hartlepool", "code": HARTLEPOOL}, None, "code"),
        ({"FID": 1, "LAD23CD": HARTLEPOOL, "LAD23NM": "Hartlepool"}, None, "LAD23CD"),
        ({"OBJECTID": 7, "lad19cd": HARTLEPOOL}, None, "lad19cd"),
        ({"code": "HPL", "CTYUA21CD": HARTLEPOOL}, None, "CTYUA21CD"),
        ({"name": "Hartlepool"}, HARTLEPOOL, "id"),
    ],
)
def test_council_codes_are_found(properties: dict[str, Any], ident: Any, chosen: str) -> None:
    item = feature(None, square(-1.2, 54.7, 0.05), **properties)
    if ident is not None:
        item["id"] = ident
    found = parse(collection(item))
    assert found.code_property == chosen
    assert [s.code for s in found.shapes] == [HARTLEPOOL]


def test_a_named_code_property_and_unwanted_codes() -> None:
    document = collection(
        feature(None, square(-1.2, 54.7, 0.05), ref=" e06000001 "),
        feature(None, square(-3.2, 51.7, 0.05), ref=WELSH),
    )
    found = parse(document, code_property="ref", wanted=lambda code: code.startswith("E"))
    assert [s.code for s in found.shapes] == [HARTLEPOOL]
    assert found.unwanted == (WELSH,)


def problems(document: Any, **options: Any) -> str:
    with pytest.raises(InputError) as caught:
        parse(document, **options)
    return caught.value.report()


def test_bad_files_are_refused_with_the_file_name(tmp_path: Path) -> None:
    from upheld.maps.boundaries import read_boundaries

    text = tmp_path / "notes.json"
    text.write_text("code,name\nE06000001,Hartlepool\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"notes\.json:1: is not GeoJSON or TopoJSON"):
        read_boundaries(text)
    with pytest.raises(InputError, match=r"missing\.json: no such file"):
        read_boundaries(tmp_path / "missing.json")
    assert "test.json: is not GeoJSON or TopoJSON" in problems({"type": "Point"})
    assert "is not GeoJSON or TopoJSON" in problems([1, 2])
    several = topology(rgn={"type": "GeometryCollection", "geometries": []})
    assert "choose one with --layer: ltla, rgn" in problems(several)
    assert "has no layer 'utla'; it has: ltla, rgn" in problems(several, layer="utla")
    assert "has no areas" in problems(several, layer="rgn")
    assert "GeoJSON, which has no layers" in problems(geojson_twin(), layer="ltla")
    nameless = collection(
        feature(HARTLEPOOL, square(-1.2, 54.7, 0.05)),
        feature(None, square(-1.2, 54.5, 0.05), areanm="Nowhere"),
    )
    assert "test.json: feature 2 (Nowhere) has no council code in 'areacd'" in problems(nameless)
    assert "no property holds council codes" in problems(
        collection(feature(None, square(-1.2, 54.5, 0.05), name="Nowhere"))
    )
    broken = topology()
    broken["objects"]["ltla"]["geometries"][0]["arcs"] = [[99]]
    assert "malformed geometry" in problems(broken)


# Drawing ------------------------------------------------------------------------------------


def test_geo_svg_draws_a_link_per_council_with_its_label() -> None:
    shapes = by_code(parse(topology()))
    register = builtin()
    councils = {code: register[code] for code in shapes}
    svg = geo_svg(
        shapes,
        councils,
        {HARTLEPOOL: "#2c5d8f"},
        {BURY: 'Bury <"& Co">'},
        title="Map & key",
        description="Areas",
        link=lambda code: f"/councils/{code}/2024-25?a=1&b=2",
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "group"
    links = root.findall(f".//{SVG}a")
    assert len(links) == 4
    paths = {p.get("data-code"): p for p in root.iter(f"{SVG}path")}
    assert set(paths) == set(shapes)
    assert all(p.get("class") == "hex geo" for p in paths.values())
    assert paths[HARTLEPOOL].get("fill") == "#2c5d8f"
    assert paths[BURY].get("fill") == NO_DATA_COLOUR
    labels = {a.get("aria-label") for a in links}
    assert 'Bury <"& Co">' in labels
    assert "Hartlepool" in labels  # the short name when no label is given
    assert all(a.get("class") == "hex-link" for a in links)
    assert links[0].get("href", "").endswith("?a=1&b=2")
    # Keyboard order runs north to south: the City (the northernmost squares here) comes first.
    assert links[0].find(f"{SVG}path").get("data-code") == CITY  # type: ignore[union-attr]
    still = ET.fromstring(geo_svg(shapes, councils, {}, {}, title="t", description="d"))
    assert still.get("role") == "img"
    assert not still.findall(f".//{SVG}a")
    with pytest.raises(ValueError, match="map_id"):
        geo_svg(shapes, councils, {}, {}, title="t", description="d", map_id="1 bad")


# The command --------------------------------------------------------------------------------


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def test_import_and_list_boundaries(database_url: str, tmp_path: Path) -> None:
    topo = tmp_path / "councils.topo.json"
    topo.write_text(json.dumps(topology()), encoding="utf-8")
    result = run(database_url, "boundaries", "import", str(topo), "--year", "2024-25")
    assert result.exit_code == 0, result.output
    assert "councils.topo.json, layer ltla: 4 areas read; shapes stored for 4 councils" in (
        result.output
    )
    assert "used from 2024-25 on" in result.output
    assert "Councils of 2024-25 with no boundary (" in result.output
    assert "Bury" not in result.output.split("no boundary", 1)[1]

    # Areas that are not councils are reported and skipped; without --year, every year.
    geo = tmp_path / "more.geojson"
    geo.write_text(
        json.dumps(
            collection(
                feature(WELSH, square(-3.2, 51.7, 0.05)),
                feature(BURY, square(-2.3, 53.6, 0.05)),
            )
        ),
        encoding="utf-8",
    )
    result = run(database_url, "boundaries", "import", str(geo))
    assert result.exit_code == 0, result.output
    assert f"1 areas are not councils in the register and were skipped: {WELSH}." in (result.output)
    assert "Councils in the register with no boundary" in result.output

    listed = run(database_url, "boundaries", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["source"], r["year"], r["councils"]) for r in rows] == [
        ("councils.topo.json (ltla)", "2024-25", 4),
        ("more.geojson", None, 1),
    ]
    table = run(database_url, "boundaries", "list")
    assert "4 councils have a boundary." in table.output
    assert "any year" in table.output

    engine = engines.connect(database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                select(schema.boundaries.c.code, schema.boundaries.c.year).order_by("code", "year")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in stored] == [
        (HARTLEPOOL, 2024),
        (MIDDLESBROUGH, 2024),
        (BURY, 0),
        (BURY, 2024),
        (CITY, 2024),
    ]

    result = run(database_url, "boundaries", "import", str(geo), "--replace")
    assert result.exit_code == 0, result.output
    assert "1 councils have a boundary." in run(database_url, "boundaries", "list").output


def test_a_bad_boundary_file_imports_nothing(database_url: str, tmp_path: Path) -> None:
    topo = tmp_path / "uk.topo.json"
    topo.write_text(
        json.dumps(topology(rgn={"type": "GeometryCollection", "geometries": []})),
        encoding="utf-8",
    )
    result = run(database_url, "boundaries", "import", str(topo))
    assert result.exit_code == 1
    assert "uk.topo.json: has several layers; choose one with --layer: ltla, rgn" in result.output
    assert "nothing was imported" in result.output
    assert "0 councils have a boundary." in run(database_url, "boundaries", "list").output


# The website --------------------------------------------------------------------------------

LATER = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def website(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with a few 2024-25 decisions, and a configuration that publishes the year."""
    folder = tmp_path_factory.mktemp("geo")
    engine = engines.connect(f"sqlite:///{folder / 'upheld.db'}")
    schema.upgrade(engine)
    cases = write_csv(
        folder / "cases.csv",
        CASE_COLUMNS,
        case_rows(BURY, {"upheld": 3, "not_upheld": 2}, year=2024),
    )
    import_files(engine, KINDS["cases"], [cases], builtin())
    engine.dispose()
    write_config(folder / "config", [ReviewYear(2024)])
    return folder


@pytest.fixture
def client(website: Path) -> Iterator[TestClient]:
    """The website over the database as it now stands (a new site, so nothing is cached)."""
    site = Site(
        engines.connect(f"sqlite:///{website / 'upheld.db'}", read_only=True),
        website / "config",
        now=lambda: LATER,
    )
    with TestClient(create_app(site), raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def lower_tier_boundaries(website: Path, tmp_path: Path) -> Iterator[list[str]]:
    """A square around each lower-tier council's centre, imported; removed afterwards."""
    register = builtin()
    chosen = cartogram.tier_councils(register.in_year(ReviewYear(2024)), "lower")
    features = [
        feature(c.code, square(c.lon, c.lat, 0.02))
        for c in chosen
        if c.lat is not None and c.lon is not None
    ]
    assert len(features) == len(chosen)
    path = tmp_path / "squares.geojson"
    path.write_text(json.dumps(collection(*features)), encoding="utf-8")
    url = f"sqlite:///{website / 'upheld.db'}"
    result = run(url, "boundaries", "import", str(path), "--year", "2024")
    assert result.exit_code == 0, result.output
    yield [c.code for c in chosen]
    engine = engines.connect(url)
    with engine.begin() as connection:
        connection.execute(delete(schema.boundaries))
    engine.dispose()


def table_of(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def test_without_boundaries_the_map_is_hexagons(client: TestClient) -> None:
    page = client.get("/?tier=lower")
    assert page.status_code == 200
    assert "Map style" not in page.text
    asked = client.get("/?tier=lower&view=geographic")
    assert asked.status_code == 200
    assert "not enough council boundaries" in asked.text
    assert asked.text.count('class="hex-link"') == 296
    assert 'class="hex geo"' not in asked.text
    assert client.get("/index.json?tier=lower&view=geographic").json()["view"] == "hexagons"
    assert client.get("/?view=squares").status_code == 400


@pytest.mark.usefixtures("lower_tier_boundaries")
def test_with_boundaries_the_map_can_be_geographic(client: TestClient) -> None:
    hexagons = client.get("/?tier=lower&year=2024-25")
    assert "Map style" in hexagons.text
    assert 'class="hex geo"' not in hexagons.text
    geographic = client.get("/?tier=lower&year=2024-25&view=geographic")
    assert geographic.status_code == 200
    html = geographic.text
    assert html.count('class="hex-link"') == 296
    assert html.count('class="hex geo"') == 296
    assert '<option value="geographic" selected>' in html
    assert "No boundary for" not in html
    assert "not enough council boundaries" not in html
    assert table_of(html) == table_of(hexagons.text)
    start = html.index('id="map"')
    svg = html[html.rindex("<svg", 0, start) : html.index("</svg>", start) + 6]
    assert len(ET.fromstring(svg).findall(f".//{SVG}a")) == 296
    # The JSON twin is the same page, saying which map was drawn.
    twin = client.get("/index.json?tier=lower&year=2024-25&view=geographic").json()
    plain = client.get("/index.json?tier=lower&year=2024-25").json()
    assert twin.pop("view") == "geographic"
    assert plain.pop("view") == "hexagons"
    # The geographic map is drawn to fit, where the lower tier's hexagons scroll at touch size.
    assert twin.pop("map_wide") is False
    plain.pop("map_wide")
    # The same page, its sorting links keeping the map style asked for.
    assert json.loads(json.dumps(twin).replace("&view=geographic", "")) == plain
    # The upper tier's counties have no boundary: too few for a geographic map.
    upper = client.get("/?tier=upper&year=2024-25&view=geographic")
    assert "Map style" not in upper.text
    assert "not enough council boundaries" in upper.text


def test_councils_without_a_boundary_are_listed(
    website: Path, lower_tier_boundaries: list[str]
) -> None:
    gone = lower_tier_boundaries[:3]
    engine = engines.connect(f"sqlite:///{website / 'upheld.db'}")
    with engine.begin() as connection:
        connection.execute(delete(schema.boundaries).where(schema.boundaries.c.code.in_(gone)))
    engine.dispose()
    site = Site(
        engines.connect(f"sqlite:///{website / 'upheld.db'}", read_only=True),
        website / "config",
        now=lambda: LATER,
    )
    with TestClient(create_app(site)) as client:
        html = client.get("/?tier=lower&view=geographic").text
    assert html.count('class="hex-link"') == 293
    register = builtin()
    names = sorted(register[code].name for code in gone)
    assert f"No boundary for: {', '.join(names)}." in html
