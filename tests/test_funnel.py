"""Funnel plots: a focusable link per council, placed to scale, limits in order, counts in words."""

from __future__ import annotations

import math
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from upheld.core.judgement import Limits
from upheld.core.uncertainty import Comparison
from upheld.present import charts
from upheld.present.funnel import (
    COMPARISONS,
    FunnelPoint,
    funnel_svg,
    funnel_table,
    wants_log_axis,
)

SVG = "{http://www.w3.org/2000/svg}"
AVERAGE = 80.0
METROPOLITAN = (
    "Barnsley",
    "Birmingham",
    "Bolton",
    "Bradford",
    "Bury",
    "Calderdale",
    "Coventry",
    "Doncaster",
    "Dudley",
    "Gateshead",
    "Kirklees",
    "Knowsley",
    "Leeds",
    "Liverpool",
    "Manchester",
    "Newcastle upon Tyne",
    "North Tyneside",
    "Oldham",
    "Rochdale",
    "Rotherham",
    "St Helens",
    "Salford",
    "Sandwell",
    "Sefton",
    "Sheffield",
    "Solihull",
    "South Tyneside",
    "Stockport",
    "Sunderland",
    "Tameside",
    "Trafford",
    "Wakefield",
    "Walsall",
    "Wigan",
    "Wirral",
    "Wolverhampton",
)
WORDS = {
    "within": "within the expected range",
    "above": "above the expected range",
    "well_above": "well above the expected range",
    "below": "below the expected range",
    "well_below": "well below the expected range",
    "too_few": "too few to compare",
}


def normal_limits(average: float, base: float) -> Limits:
    """95% and 99.8% limits for a percentage out of `base`, by the normal approximation."""
    p = average / 100
    spread = math.sqrt(p * (1 - p) / base) * 100
    return Limits(
        base=base,
        low=average - 1.96 * spread,
        high=average + 1.96 * spread,
        strict_low=average - 3.09 * spread,
        strict_high=average + 3.09 * spread,
    )


def compare(value: float, base: float) -> Comparison:
    if base < 10:
        return "too_few"
    limits = normal_limits(AVERAGE, base)
    if value > limits.strict_high:
        return "well_above"
    if value > limits.high:
        return "above"
    if value < limits.strict_low:
        return "well_below"
    if value < limits.low:
        return "below"
    return "within"


def point(code: str, name: str, base: int, upheld: int, link: bool = True) -> FunnelPoint:
    value = 100 * upheld / base
    comparison = compare(value, base)
    return FunnelPoint(
        code=code,
        name=name,
        label=f"{name}: {value:.0f}% of {base} detailed investigations, {WORDS[comparison]}",
        base=base,
        value=value,
        comparison=comparison,
        link=f"/councils/{code}/2024-25" if link else None,
    )


def boroughs() -> list[FunnelPoint]:
    """36 metropolitan boroughs, 5 to 150 detailed investigations each, about 80% upheld, with
    a few councils pushed outside the limits so every kind of point appears."""
    rng = random.Random(2025)
    pushed = {"Bradford": -0.3, "Leeds": -0.12, "Sheffield": 0.16, "Wigan": 0.12}
    made = []
    for i, name in enumerate(METROPOLITAN):
        base = round(math.exp(rng.uniform(math.log(5), math.log(150))))
        if name in pushed:
            base = max(base, 90)
        chance = AVERAGE / 100 + pushed.get(name, 0.0)
        upheld = sum(rng.random() < chance for _ in range(base))
        made.append(point(f"E080000{i + 1:02d}", name, base, upheld))
    return made


def curve(average: float = AVERAGE) -> list[Limits]:
    return [normal_limits(average, base) for base in [1, 2, 3, 4, *range(5, 161, 3)]]


def uphold_funnel(
    points: Sequence[FunnelPoint] | None = None, highlight: str | None = "E08000005", **kwargs: str
) -> str:
    arguments: dict[str, str] = {"chart_id": "uphold", "compared": "metropolitan boroughs"}
    arguments.update(kwargs)
    return funnel_svg(
        "Uphold rate",
        boroughs() if points is None else points,
        AVERAGE,
        curve(),
        unit="%",
        x_label="Detailed investigations",
        highlight=highlight,
        **arguments,  # type: ignore[arg-type]
    )


def residents() -> list[FunnelPoint]:
    """District-sized and county-sized councils, 2,000 to 1,500,000 residents."""
    rng = random.Random(7)
    made = []
    for i in range(60):
        population = round(2000 * 750 ** (i / 59))
        value = max(0.0, rng.gauss(3.0, 1.0))
        made.append(
            FunnelPoint(
                code=f"E0700{i:04d}",
                name=f"Council {i}",
                label=f"Council {i}: {value:.1f} upheld per 100,000 residents",
                base=population,
                value=value,
                comparison="within",
                link=f"/councils/E0700{i:04d}",
            )
        )
    return made


def residents_funnel(**kwargs: bool) -> str:
    limits = []
    for i in range(60):
        base = 2000 * 750 ** (i / 59)
        spread = math.sqrt(3.0 * 100_000 / base)
        limits.append(
            Limits(base, 3 - 1.96 * spread, 3 + 1.96 * spread, 3 - 3.09 * spread, 3 + 3.09 * spread)
        )
    return funnel_svg(
        "Upheld complaints per 100,000 residents",
        residents(),
        3.0,
        limits,
        unit="",
        x_label="Residents",
        chart_id="per-100k",
        **kwargs,  # type: ignore[arg-type]
    )


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    return root


def links(svg: str) -> list[ET.Element]:
    return list(parse(svg).iter(f"{SVG}a"))


def position(element: ET.Element) -> tuple[float, float]:
    """A point's place in the chart, from its marker group's translate()."""
    marker = element if element.get("class", "").startswith("funnel-point") else None
    if marker is None:
        marker = element.find(f"{SVG}g")
    assert marker is not None
    found = re.fullmatch(r"translate\((\S+) (\S+)\)", marker.get("transform", ""))
    assert found is not None
    return float(found[1]), float(found[2])


def coordinates(path: ET.Element) -> list[tuple[float, float]]:
    """The points of a path written as M and L commands only."""
    numbers = re.findall(r"[ML]([-\d.]+) ([-\d.]+)", path.get("d", ""))
    return [(float(x), float(y)) for x, y in numbers]


def limit_lines(svg: str) -> dict[str, ET.Element]:
    return {p.get("data-line", ""): p for p in parse(svg).iter(f"{SVG}path") if p.get("data-line")}


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in parse(svg).iter(f"{SVG}text")]


def test_every_council_is_one_focusable_link_named_by_its_label() -> None:
    points = boroughs()
    svg = uphold_funnel(points)
    root = parse(svg)
    assert root.get("role") == "group"  # links inside role="img" would be hidden
    found = links(svg)
    assert len(found) == len(points)
    by_code = {p.code: p for p in points}
    for link in found:
        marker = link.find(f"{SVG}g")
        assert marker is not None
        council = by_code[marker.get("data-code", "")]
        assert link.get("aria-label") == council.label
        assert link.findtext(f"{SVG}title") == council.label
        assert link.get("href") == council.link
        assert marker.get("data-comparison") == council.comparison


def test_keyboard_order_is_by_base_with_the_highlighted_council_last() -> None:
    points = boroughs()
    found = links(uphold_funnel(points, highlight="E08000005"))
    codes = [link.find(f"{SVG}g").get("data-code") for link in found]  # type: ignore[union-attr]
    bury = next(p for p in points if p.name == "Bury")
    assert codes[-1] == bury.code
    others = sorted((p for p in points if p is not bury), key=lambda p: (p.base, p.value, p.code))
    assert codes[:-1] == [p.code for p in others]


def test_the_highlighted_council_is_bigger_coloured_ringed_and_named() -> None:
    svg = uphold_funnel(highlight="E08000005")
    last = links(svg)[-1]
    marker = last.find(f"{SVG}g")
    assert marker is not None
    assert "funnel-highlight" in marker.get("class", "")
    assert [t.text for t in marker.iter(f"{SVG}text")] == ["Bury"]
    shapes = [s for s in marker if s.tag in (f"{SVG}circle", f"{SVG}path")]
    ring, dot = shapes
    assert ring.get("fill") == "none"
    assert ring.get("stroke") == charts.COUNCIL_COLOUR
    others = [m for m in parse(svg).iter(f"{SVG}circle") if m.get("r") == "3.5"]
    assert others
    assert float(dot.get("r", "0")) > 3.5
    assert charts.COUNCIL_COLOUR in (dot.get("fill"), dot.get("stroke"))
    # No other point is named on the plot.
    assert texts(svg).count("Bury") == 1
    assert sum(1 for g in parse(svg).iter(f"{SVG}g") if "funnel-highlight" in g.get("class", ""))


def test_without_a_highlight_no_council_is_named() -> None:
    svg = uphold_funnel(highlight=None)
    assert not any(name in texts(svg) for name in METROPOLITAN)
    assert "Highlighted" not in (parse(svg).findtext(f"{SVG}desc") or "")


def test_the_name_of_a_council_at_the_right_edge_stays_inside_the_chart() -> None:
    points = [*boroughs(), point("E99", "Newcastle-under-Lyme Borough", 150, 149)]
    svg = uphold_funnel(points, highlight="E99")
    label = next(
        t for t in parse(svg).iter(f"{SVG}text") if t.text == "Newcastle-under-Lyme Borough"
    )
    x, _ = position(links(svg)[-1])
    assert label.get("text-anchor") in ("end", "middle")
    width = charts._text_width(label.text or "", 12)
    shift = {"end": width, "middle": width / 2}[label.get("text-anchor", "")]
    left = x + float(label.get("x", "0")) - shift
    assert left >= 0
    assert left + width <= float(parse(svg).get("width", "0"))


def test_points_are_placed_to_scale() -> None:
    points = boroughs()
    svg = uphold_funnel(points, highlight=None)
    placed = {
        link.find(f"{SVG}g").get("data-code"): position(link)  # type: ignore[union-attr]
        for link in links(svg)
    }
    for a in points:
        for b in points:
            if a.base < b.base:
                assert placed[a.code][0] < placed[b.code][0], (a, b)
            if a.value < b.value:
                assert placed[a.code][1] > placed[b.code][1], (a, b)  # higher up is a smaller y


def test_a_percentage_axis_runs_from_0_to_100() -> None:
    labels = texts(uphold_funnel())
    assert [t for t in labels if t.endswith("%") and t[:-1].isdigit()] == [
        "0%",
        "25%",
        "50%",
        "75%",
        "100%",
    ]


def test_other_figures_get_a_round_maximum_from_the_data() -> None:
    points = [FunnelPoint(f"C{i}", f"C{i}", f"C{i}", 10_000 * (i + 1), 0.9 * i) for i in range(10)]
    svg = funnel_svg(
        "Upheld per 100,000 residents",
        points,
        3.0,
        [],
        unit="",
        x_label="Residents",
        chart_id="x",
    )
    assert {"0", "5", "10"} <= set(texts(svg))
    assert "15" not in texts(svg)


def test_limit_lines_are_drawn_with_the_strict_limits_outside() -> None:
    lines = limit_lines(uphold_funnel())
    assert set(lines) == {"average", "low", "high", "strict-low", "strict-high"}
    dashes = {name: line.get("stroke-dasharray") for name, line in lines.items()}
    # Told apart without colour: solid average, one dash pattern per pair of limits.
    assert dashes["average"] is None
    assert dashes["low"] == dashes["high"]
    assert dashes["strict-low"] == dashes["strict-high"]
    assert len({dashes["average"], dashes["low"], dashes["strict-low"]}) == 3
    ys = {name: dict(coordinates(line)) for name, line in lines.items()}
    average_y = coordinates(lines["average"])[0][1]
    for inner, outer, above in (("high", "strict-high", True), ("low", "strict-low", False)):
        shared = set(ys[inner]) & set(ys[outer])
        assert len(shared) > 10
        for x in shared:
            if above:  # SVG's y grows downwards
                assert ys[outer][x] <= ys[inner][x] <= average_y
            else:
                assert ys[outer][x] >= ys[inner][x] >= average_y


def test_limit_lines_are_cut_to_the_plot_area() -> None:
    svg = uphold_funnel()
    axes = [line for line in parse(svg).iter(f"{SVG}line") if line.get("x1") == "52"]
    y_axis = max(
        (line for line in axes if line.get("x2") == "52"),
        key=lambda line: float(line.get("y2", "")) - float(line.get("y1", "")),
    )
    x_axis = next(line for line in axes if line.get("y1") == line.get("y2") == y_axis.get("y2"))
    left, right = float(x_axis.get("x1", "")), float(x_axis.get("x2", ""))
    top, bottom = float(y_axis.get("y1", "")), float(y_axis.get("y2", ""))
    for name, line in limit_lines(svg).items():
        for x, y in coordinates(line):
            assert left - 0.01 <= x <= right + 0.01, name
            assert top - 0.01 <= y <= bottom + 0.01, name
    # Near the left the 95% limits run off the 0-100% scale: their lines start part way in.
    assert coordinates(limit_lines(svg)["high"])[0][1] == pytest.approx(top)
    assert coordinates(limit_lines(svg)["low"])[-1][0] == pytest.approx(right)


def test_the_legend_names_the_lines_and_the_kinds_of_point_shown() -> None:
    labels = texts(uphold_funnel())
    for expected in ("Average of similar authorities", "95% limits", "99.8% limits"):
        assert expected in labels
    kinds = {p.comparison for p in boroughs()}
    assert kinds == set(COMPARISONS)  # the example shows every kind
    for expected in (
        "Within the expected range",
        "Above (beyond 95%)",
        "Well above (beyond 99.8%)",
        "Below (beyond 95%)",
        "Well below (beyond 99.8%)",
        "Too few to compare",
    ):
        assert expected in labels
    only_within = [p for p in boroughs() if p.comparison == "within"]
    assert "Too few to compare" not in texts(uphold_funnel(only_within, highlight=None))


def marker_look(svg: str, comparison: str | None) -> set[tuple[str, str, bool]]:
    """(shape, direction, hollow) of every point of one comparison, ignoring colour."""
    looks = set()
    for g in parse(svg).iter(f"{SVG}g"):
        if g.get("class") != "funnel-point" or g.get("data-comparison") != comparison:
            continue
        shape = next(s for s in g if s.tag in (f"{SVG}circle", f"{SVG}path"))
        direction = ""
        if shape.tag == f"{SVG}path":
            tip = coordinates(shape)[0][1]
            direction = "up" if tip < 0 else "down"
        looks.add((shape.tag, direction, shape.get("fill") == "#ffffff"))
    return looks


def test_comparisons_are_told_apart_without_colour() -> None:
    svg = uphold_funnel(highlight=None)
    looks = {comparison: marker_look(svg, comparison) for comparison in COMPARISONS}
    assert all(len(look) == 1 for look in looks.values()), looks
    assert len({next(iter(look)) for look in looks.values()}) == len(COMPARISONS)
    assert looks["within"] == {(f"{SVG}circle", "", False)}
    assert looks["too_few"] == {(f"{SVG}circle", "", True)}
    assert looks["above"] == {(f"{SVG}path", "up", True)}
    assert looks["well_above"] == {(f"{SVG}path", "up", False)}
    assert looks["below"] == {(f"{SVG}path", "down", True)}
    assert looks["well_below"] == {(f"{SVG}path", "down", False)}


def test_title_and_description_count_the_councils_by_comparison() -> None:
    points = boroughs()
    svg = uphold_funnel(points, compared="metropolitan boroughs in 2024-25")
    root = parse(svg)
    assert root.findtext(f"{SVG}title") == "Uphold rate"
    assert root.get("aria-labelledby") == "uphold-title"
    assert root.get("aria-describedby") == "uphold-desc"
    desc = root.findtext(f"{SVG}desc") or ""
    counts = {c: sum(p.comparison == c for p in points) for c in COMPARISONS}
    above = counts["above"] + counts["well_above"]
    below = counts["below"] + counts["well_below"]
    assert desc.startswith(
        "Funnel plot of the uphold rate for metropolitan boroughs in 2024-25, 36 with a figure: "
        f"{above} above the expected range ({counts['well_above']} of them well above), "
        f"{below} below ({counts['well_below']} of them well below), "
        f"{counts['within']} within and {counts['too_few']} with too few to compare. "
        "Across is detailed investigations, from "
    )
    assert "The average of similar authorities is 80%." in desc
    bury = next(p for p in points if p.name == "Bury")
    assert desc.endswith(f"Highlighted: {bury.label}.")


@pytest.mark.parametrize(
    ("comparisons", "expected"),
    [
        (
            ["within", "within"],
            "none above the expected range, none below and 2 within.",
        ),
        (
            ["well_above", "within", None],
            "1 above the expected range (well above), none below, 1 within and 1 not compared.",
        ),
        (
            ["well_below", "well_below", "above"],
            "1 above the expected range, 2 below (all well below) and none within.",
        ),
    ],
)
def test_description_counts_read_naturally(
    comparisons: list[Comparison | None], expected: str
) -> None:
    points = [
        FunnelPoint(f"C{i}", f"C{i}", f"C{i}", 10 + i, 50, comparison)
        for i, comparison in enumerate(comparisons)
    ]
    svg = funnel_svg(
        "Uphold rate", points, 50, [], unit="%", x_label="Detailed investigations", chart_id="c"
    )
    desc = parse(svg).findtext(f"{SVG}desc") or ""
    assert desc.split(": ", 1)[1].split(" Across")[0] == expected
    assert f"for councils, {len(points)} with a figure:" in desc


def test_a_wide_range_of_bases_gets_a_logarithmic_axis() -> None:
    assert wants_log_axis([2000, 1_500_000])
    assert not wants_log_axis([5, 150])
    svg = residents_funnel()
    labels = texts(svg)
    assert {"10,000", "100,000", "1m"} <= set(labels)
    assert "logarithmic" in (parse(svg).findtext(f"{SVG}desc") or "")
    # On a log axis, equal ratios are equal distances.
    placed = {round(p.base): position(link)[0] for p, link in zip_links(svg, residents())}
    bases = sorted(placed)
    first, middle, last = bases[0], bases[len(bases) // 2], bases[-1]
    ratio = math.log(middle / first) / math.log(last / first)
    assert (placed[middle] - placed[first]) / (placed[last] - placed[first]) == pytest.approx(
        ratio, abs=0.01
    )


def zip_links(svg: str, points: Sequence[FunnelPoint]) -> list[tuple[FunnelPoint, ET.Element]]:
    by_code = {p.code: p for p in points}
    return [
        (by_code[link.find(f"{SVG}g").get("data-code", "")], link)  # type: ignore[union-attr]
        for link in links(svg)
    ]


def test_a_narrow_range_gets_a_linear_axis_and_either_can_be_chosen() -> None:
    linear = texts(uphold_funnel())
    assert {"0", "50", "100", "150"} <= set(linear)
    assert "logarithmic" not in (parse(uphold_funnel()).findtext(f"{SVG}desc") or "")
    forced = residents_funnel(log_x=False)
    assert "logarithmic" not in (parse(forced).findtext(f"{SVG}desc") or "")
    placed = {p.base: position(link)[0] for p, link in zip_links(forced, residents())}
    bases = sorted(placed)
    low, high = bases[0], bases[-1]
    middle = bases[len(bases) // 2]
    assert (placed[middle] - placed[low]) / (placed[high] - placed[low]) == pytest.approx(
        (middle - low) / (high - low), abs=0.01
    )
    assert "logarithmic" in (
        parse(uphold_funnel(log_x=True)).findtext(f"{SVG}desc")  # type: ignore[arg-type]
        or ""
    )


def test_hostile_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & ]]> \x01 "quoted" \'single\''
    points = [
        FunnelPoint(
            code='E1" onload="x',
            name=hostile,
            label=hostile,
            base=20,
            value=50,
            comparison="within",
            link='/councils/a"b?c=<d>&e',
        ),
        *boroughs(),
    ]
    svg = funnel_svg(
        hostile,
        points,
        AVERAGE,
        curve(),
        unit="%",
        x_label=hostile,
        y_label=hostile,
        compared=hostile,
        average_label=hostile,
        chart_id="hostile",
        highlight='E1" onload="x',
        font_family='x" onload="y',
    )
    root = parse(svg)
    assert "<script" not in svg
    assert "\x01" not in svg
    clean = hostile.replace("\x01", "")
    assert root.findtext(f"{SVG}title") == clean
    link = links(svg)[-1]
    assert link.get("aria-label") == clean
    assert link.get("href") == '/councils/a"b?c=<d>&e'
    marker = link.find(f"{SVG}g")
    assert marker is not None
    assert marker.get("data-code") == 'E1" onload="x'
    assert root.get("font-family") == 'x" onload="y'
    assert all(not attribute.startswith("on") for e in root.iter() for attribute in e.attrib)


def test_only_presentation_attributes_are_used() -> None:
    for svg in (uphold_funnel(), residents_funnel()):
        root = parse(svg)
        assert not any(e.tag == f"{SVG}style" for e in root.iter())
        assert not any("style" in e.attrib for e in root.iter())
        assert "style=" not in svg
        assert "<style" not in svg


def test_the_same_input_gives_the_same_bytes_in_any_order() -> None:
    points = boroughs()
    first = uphold_funnel(points)
    assert uphold_funnel(points) == first
    shuffled = list(points)
    random.Random(3).shuffle(shuffled)
    assert uphold_funnel(shuffled) == first


def test_ids_are_unique_per_chart_id_so_plots_can_share_a_page() -> None:
    page = (
        "<div>"
        + uphold_funnel(chart_id="uphold")
        + uphold_funnel(chart_id="uphold-2023")
        + residents_funnel()
        + "</div>"
    )
    root = ET.fromstring(page)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)) == 6
    for svg in root:
        for reference in ("aria-labelledby", "aria-describedby"):
            target = svg.get(reference, "")
            assert svg.find(f".//*[@id='{target}']") is not None


def test_everything_but_the_points_is_hidden_from_screen_readers() -> None:
    root = parse(uphold_funnel())
    groups = [child for child in root if child.tag == f"{SVG}g"]
    decoration, points = groups
    assert decoration.get("aria-hidden") == "true"
    assert decoration.find(f".//{SVG}a") is None
    assert points.get("aria-hidden") is None
    assert all(child.tag == f"{SVG}a" for child in points)


def test_without_links_the_plot_is_one_image() -> None:
    points = [replace(p, link=None) for p in boroughs()]
    svg = uphold_funnel(points)
    root = parse(svg)
    assert root.get("role") == "img"
    assert links(svg) == []
    markers = [g for g in root.iter(f"{SVG}g") if g.get("data-code")]
    assert len(markers) == len(points)
    assert all(g.findtext(f"{SVG}title") for g in markers)


def test_the_table_lists_councils_in_keyboard_order() -> None:
    points = boroughs()
    rows = funnel_table(points, "%", highlight="E08000005")
    assert [row["code"] for row in rows] == [
        p.code for p in sorted(points, key=lambda p: (p.base, p.value, p.code))
    ]
    bury = next(row for row in rows if row["name"] == "Bury")
    assert bury["highlight"]
    assert sum(row["highlight"] for row in rows) == 1
    assert bury["value_text"] == f"{charts._format(bury['value'], '%')}"
    assert bury["comparison_text"].lower() == WORDS[bury["comparison"] or "within"]
    big = funnel_table(
        [FunnelPoint("K", "Kent", "Kent", 1_578_000, 3.44, None)], "", highlight=None
    )
    assert big[0]["base_text"] == "1,578,000"
    assert big[0]["value_text"] == "3.4"
    assert big[0]["comparison_text"] == "Not compared"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"highlight": "nowhere"}, "highlighted council"),
        ({"chart_id": "two words"}, "chart_id"),
        ({"points": []}, "at least one council"),
        ({"duplicate": True}, "appear once"),
        ({"base": 0.0}, "base"),
        ({"base": math.nan}, "base"),
        ({"value": 101.0}, "over 100"),
        ({"comparison": "sideways"}, "not a comparison"),
        ({"limits": [Limits(10, 70, 90, 75, 95)]}, "widen outwards"),
        ({"limits": [Limits(10, 70, math.inf, 60, 95)]}, "finite"),
    ],
)
def test_bad_input_is_refused(change: dict[str, Any], message: str) -> None:
    points = boroughs()
    first = points[0]
    if "base" in change:
        points[0] = replace(first, base=change["base"])
    if "value" in change:
        points[0] = replace(first, value=change["value"])
    if "comparison" in change:
        points[0] = replace(first, comparison=change["comparison"])
    if "duplicate" in change:
        points.append(first)
    with pytest.raises(ValueError, match=message):
        funnel_svg(
            "Uphold rate",
            change.get("points", points),
            AVERAGE,
            change.get("limits", curve()),
            unit="%",
            x_label="Detailed investigations",
            chart_id=str(change.get("chart_id", "ok")),
            highlight=change.get("highlight"),
        )


def test_a_single_council_still_makes_a_plot() -> None:
    only = [point("E1", "Bury", 40, 30)]
    for log_x in (False, True):
        svg = funnel_svg(
            "Uphold rate",
            only,
            AVERAGE,
            curve(),
            unit="%",
            x_label="Detailed investigations",
            chart_id="one",
            highlight="E1",
            log_x=log_x,
        )
        assert len(links(svg)) == 1


def test_svg_renders_in_typst() -> None:
    typst = pytest.importorskip("typst")
    png = render_png(uphold_funnel(), typst)
    assert png.startswith(b"\x89PNG")
    pdf = typst.compile(
        b'#image(bytes(sys.inputs.a), format: "svg", alt: "a")\n'
        b'#image(bytes(sys.inputs.b), format: "svg", alt: "b")\n',
        sys_inputs={"a": residents_funnel(), "b": uphold_funnel(font_family=charts.FONT_FAMILY)},
        ignore_system_fonts=True,
    )
    assert pdf.startswith(b"%PDF")


def render_png(svg: str, typst: object) -> bytes:
    """The plot as a PNG at twice its size, as the letters' Typst draws it."""
    png = typst.compile(  # type: ignore[attr-defined]
        b"#set page(width: auto, height: auto, margin: 8pt)\n"
        b'#image(bytes(sys.inputs.svg), format: "svg", width: 16cm)',
        format="png",
        ppi=144,
        sys_inputs={"svg": svg},
        ignore_system_fonts=True,
    )
    assert isinstance(png, bytes)
    return png


def test_too_few_and_not_compared_share_one_key_entry_as_they_share_a_look() -> None:
    points = [
        FunnelPoint("A", "A", "A", 5, 50, "too_few"),
        FunnelPoint("B", "B", "B", 50, 50, None),
        FunnelPoint("C", "C", "C", 60, 50, "within"),
    ]
    svg = funnel_svg("Uphold rate", points, 50, [], unit="%", x_label="Cases", chart_id="k")
    labels = texts(svg)
    assert "Too few to compare, or not compared" in labels
    assert "Too few to compare" not in labels
    assert "Not compared" not in labels
    assert "95% limits" not in labels  # no limits given, none drawn or named
    assert set(limit_lines(svg)) == {"average"}
    alone = funnel_svg("Uphold rate", points[1:], 50, [], unit="%", x_label="Cases", chart_id="k")
    assert "Not compared" in texts(alone)


def test_a_forced_log_axis_over_a_narrow_range_still_has_labelled_ticks() -> None:
    points = [FunnelPoint(f"C{i}", f"C{i}", f"C{i}", 1100 + 100 * i, 50) for i in range(9)]
    svg = funnel_svg(
        "Uphold rate", points, 50, [], unit="%", x_label="Cases", chart_id="n", log_x=True
    )
    assert {"1,100", "1,900"} <= set(texts(svg))


@pytest.mark.parametrize(
    ("better", "above", "below", "words"),
    [
        ("lower", "#b34700", "#2c5d8f", ("Above, worse (beyond 95%)", "Below, better")),
        ("higher", "#2c5d8f", "#b34700", ("Above, better (beyond 95%)", "Below, worse")),
        ("neutral", "#b34700", "#6a3d9a", ("Above (beyond 95%)", "Below (beyond 95%)")),
    ],
)
def test_worse_and_better_are_coloured_as_on_the_map(
    better: str, above: str, below: str, words: tuple[str, str]
) -> None:
    points = [
        FunnelPoint("A", "A", "A", 40, 95, "well_above"),
        FunnelPoint("B", "B", "B", 40, 60, "below"),
        FunnelPoint("C", "C", "C", 40, 80, "within"),
        FunnelPoint("D", "D", "D", 30, 97, "above"),
    ]
    svg = uphold_funnel(points, highlight=None, better=better)

    def colours(code: str) -> set[str]:
        point = re.search(rf'data-code="{code}".*?</g>', svg)
        assert point is not None
        return set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', point.group(0))) - {"#ffffff"}

    assert colours("A") == colours("D") == {above}
    assert colours("B") == {below}
    for text in words:
        assert text in svg
