"""Charts: well-formed SVG, figures in words, bars to scale, gaps for n/a, renders in Typst."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

import pytest

from upheld.present import charts
from upheld.present.charts import comparison_chart, trend_chart

SVG = "{http://www.w3.org/2000/svg}"
AVERAGE = "Average of similar authorities"
YEARS = ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]


def parse(svg: str) -> ET.Element:
    """The chart as an element tree, checking the root's accessibility attributes on the way."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    return root


def title_and_desc(svg: str) -> tuple[str, str]:
    root = parse(svg)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert title.text is not None
    assert desc.text is not None
    return title.text, desc.text


def bars(svg: str) -> list[ET.Element]:
    return parse(svg).findall(f"{SVG}rect")


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in parse(svg).iter(f"{SVG}text")]


def series(svg: str) -> list[ET.Element]:
    return parse(svg).findall(f"{SVG}path")


@pytest.mark.parametrize(
    ("args", "title", "desc"),
    [
        pytest.param(
            ("Uphold rate", "Bury", 40, AVERAGE, 67),
            "Uphold rate: Bury 40%, average of similar authorities 67%",
            "A bar chart comparing the uphold rate for Bury (40%) with the average of similar "
            "authorities (67%).",
            id="percent",
        ),
        pytest.param(
            ("Upheld per 100,000 residents", "Kent", 3.4, AVERAGE, 3.1, ""),
            "Upheld per 100,000 residents: Kent 3.4, average of similar authorities 3.1",
            "A bar chart comparing the upheld per 100,000 residents for Kent (3.4) with the "
            "average of similar authorities (3.1).",
            id="per-100k",
        ),
        pytest.param(
            ("Upheld per 100,000 residents", "Kent", 3, AVERAGE, 0.25, ""),
            "Upheld per 100,000 residents: Kent 3.0, average of similar authorities 0.3",
            "A bar chart comparing the upheld per 100,000 residents for Kent (3.0) with the "
            "average of similar authorities (0.3).",
            id="per-100k-one-place-half-up",
        ),
        pytest.param(
            ("Compliance rate", "Bury", None, AVERAGE, 100),
            "Compliance rate: Bury n/a, average of similar authorities 100%",
            "A bar chart comparing the compliance rate for Bury with the average of similar "
            "authorities (100%). The figure for Bury could not be calculated.",
            id="council-na",
        ),
        pytest.param(
            ("Compliance rate", "Bury", 100, AVERAGE, None),
            "Compliance rate: Bury 100%, average of similar authorities n/a",
            "A bar chart comparing the compliance rate for Bury (100%) with the average of "
            "similar authorities. The figure for the average of similar authorities could not "
            "be calculated.",
            id="average-na",
        ),
        pytest.param(
            ("Uphold rate", "Bury", None, AVERAGE, None),
            "Uphold rate: Bury n/a, average of similar authorities n/a",
            "A bar chart comparing the uphold rate for Bury with the average of similar "
            "authorities. Neither figure could be calculated.",
            id="both-na",
        ),
        pytest.param(
            ("Satisfactory remedy rate", "Bury", 0, AVERAGE, 0),
            "Satisfactory remedy rate: Bury 0%, average of similar authorities 0%",
            "A bar chart comparing the satisfactory remedy rate for Bury (0%) with the average "
            "of similar authorities (0%).",
            id="zero",
        ),
        pytest.param(
            ("Uphold rate", "Bath & North East Somerset", 87.0, AVERAGE, 79),
            "Uphold rate: Bath & North East Somerset 87%, average of similar authorities 79%",
            "A bar chart comparing the uphold rate for Bath & North East Somerset (87%) with the "
            "average of similar authorities (79%).",
            id="ampersand-and-float-percent",
        ),
        pytest.param(
            ("Uphold rate", "King's Lynn & West Norfolk", 50, "London boroughs", 60),
            "Uphold rate: King's Lynn & West Norfolk 50%, London boroughs 60%",
            "A bar chart comparing the uphold rate for King's Lynn & West Norfolk (50%) with the "
            "London boroughs (60%).",
            id="proper-noun-keeps-capital",
        ),
    ],
)
def test_comparison_states_the_figures_in_words(
    args: tuple[object, ...], title: str, desc: str
) -> None:
    svg = comparison_chart(*args)  # type: ignore[arg-type]
    assert title_and_desc(svg) == (title, desc)


def test_comparison_shows_na_as_text_without_a_bar() -> None:
    svg = comparison_chart("Uphold rate", "Bury", None, AVERAGE, 67)
    assert len(bars(svg)) == 1
    assert bars(svg)[0].get("fill") == charts.AVERAGE_COLOUR
    assert "n/a" in texts(svg)
    assert "67%" in texts(svg)


def test_comparison_zero_draws_no_bar_but_labels_it() -> None:
    svg = comparison_chart("Uphold rate", "Bury", 0, AVERAGE, 0)
    assert bars(svg) == []
    assert texts(svg).count("0%") == 3  # two figures and the axis origin


def test_bar_widths_are_proportional_to_the_figures() -> None:
    council, average = bars(comparison_chart("Uphold rate", "Bury", 40, AVERAGE, 80))
    assert council.get("fill") == charts.COUNCIL_COLOUR
    assert float(council.get("width", "")) * 2 == pytest.approx(float(average.get("width", "")))
    assert council.get("x") == average.get("x")


def test_percentages_use_the_whole_scale() -> None:
    full = bars(comparison_chart("Compliance rate", "Bury", 100, AVERAGE, 25))
    assert float(full[0].get("width", "")) == pytest.approx(4 * float(full[1].get("width", "")))
    # The 0-100 scale is fixed, so a small rate draws a short bar rather than filling the chart.
    small, same_scale = bars(comparison_chart("Uphold rate", "Bury", 5, AVERAGE, 10))
    assert float(small.get("width", "")) == pytest.approx(float(full[0].get("width", "")) / 20)
    assert float(same_scale.get("width", "")) == pytest.approx(2 * float(small.get("width", "")))


@pytest.mark.parametrize(
    ("value", "average", "top_tick"),
    [(3.1, 3.4, "4"), (0.2, 0.1, "1"), (0.0, None, "1"), (7.3, 2.0, "8"), (12.0, 9.5, "15")],
)
def test_per_100k_scale_is_a_round_number_at_or_above_both_figures(
    value: float, average: float | None, top_tick: str
) -> None:
    svg = comparison_chart("Upheld per 100,000 residents", "Bury", value, AVERAGE, average, "")
    axis = [t for t in parse(svg).iter(f"{SVG}text") if t.get("y") == "101"]
    ticks = [t.text for t in axis]
    assert ticks[-1] == top_tick
    longest = max(float(rect.get("width", "")) for rect in bars(svg)) if bars(svg) else 0.0
    assert longest <= 276


def test_long_bars_carry_their_label_inside_in_white() -> None:
    root = parse(comparison_chart("Uphold rate", "Bury", 90, AVERAGE, 3))
    labels = {"".join(t.itertext()): t for t in root.iter(f"{SVG}text")}
    assert labels["90%"].get("fill") == "#ffffff"
    assert labels["90%"].get("text-anchor") == "end"
    assert labels["3%"].get("fill") is None  # inherits the dark text colour, outside the bar


def test_text_is_escaped() -> None:
    name = 'Bath & "North" <East> Somerset'
    svg = comparison_chart("Uphold & <rate>", name, 10, AVERAGE, 20, chart_id="x")
    assert "& " not in svg.replace("&amp; ", "")
    title, desc = title_and_desc(svg)
    assert name in title
    assert name in desc
    assert "Uphold & <rate>" in texts(svg)


def test_control_characters_cannot_break_the_document() -> None:
    svg = comparison_chart("Uphold rate", "Bury\x00\x1f", 10, AVERAGE, 20)
    assert title_and_desc(svg)[0].startswith("Uphold rate: Bury 10%")


def test_long_council_names_wrap_and_stay_in_full_in_the_title() -> None:
    name = "Bournemouth, Christchurch and Poole & the Very Long Name of a Council's Office"
    svg = comparison_chart("Uphold rate", name, 40, AVERAGE, 67)
    assert name in title_and_desc(svg)[0]
    wrapped = [
        t
        for t in parse(svg).iter(f"{SVG}text")
        if t.find(f"{SVG}tspan") is not None and "Bournemouth" in "".join(t.itertext())
    ]
    assert len(wrapped) == 1
    lines = ["".join(span.itertext()) for span in wrapped[0]]
    assert len(lines) == 2
    assert lines[0].startswith("Bournemouth,")
    assert lines[1].endswith("…")


def test_font_family_is_a_parameter_and_escaped() -> None:
    default = parse(comparison_chart("Uphold rate", "Bury", 40, AVERAGE, 67))
    assert default.get("font-family") == charts.FONT_FAMILY
    chosen = parse(
        comparison_chart("Uphold rate", "Bury", 40, AVERAGE, 67, font_family='"Noto Serif", serif')
    )
    assert chosen.get("font-family") == '"Noto Serif", serif'


def test_no_stylesheets_gradients_or_small_text() -> None:
    for svg in example_charts():
        root = parse(svg)
        tags = {element.tag.removeprefix(SVG) for element in root.iter()}
        assert not tags & {"style", "linearGradient", "radialGradient", "image", "foreignObject"}
        sizes = [float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")]
        assert sizes
        assert min(sizes) >= 11
        assert ' style="' not in svg


def test_output_is_deterministic_and_compact() -> None:
    first, second = example_charts(), example_charts()
    assert first == second
    for svg in first:
        assert "\n" not in svg
        assert "  " not in svg
        assert not re.search(r"\d\.\d{3,}", svg), "coordinates carry at most two decimals"


def test_ids_are_built_from_chart_id() -> None:
    page = [
        comparison_chart("Uphold rate", "Bury", 40, AVERAGE, 67, chart_id="uphold"),
        comparison_chart("Compliance rate", "Bury", 100, AVERAGE, 99, chart_id="compliance"),
        trend_chart("Uphold rate", [("2022-23", 40)], chart_id="uphold-trend"),
    ]
    ids: list[str] = []
    for svg in page:
        root = parse(svg)
        own = [e.get("id", "") for e in root.iter() if e.get("id")]
        labelled_by = root.get("aria-labelledby", "").split()
        assert labelled_by == own
        assert [root.find(f"{SVG}title"), root.find(f"{SVG}desc")] == [
            next(e for e in root.iter() if e.get("id") == i) for i in labelled_by
        ]
        ids += own
    assert len(ids) == len(set(ids)) == 6
    assert ids[0] == "uphold-title"


@pytest.mark.parametrize("chart_id", ["", "two words", "1st", 'q"uote'])
def test_chart_id_must_be_a_plain_token(chart_id: str) -> None:
    with pytest.raises(ValueError, match="chart_id"):
        comparison_chart("Uphold rate", "Bury", 40, AVERAGE, 67, chart_id=chart_id)


@pytest.mark.parametrize(("value", "unit"), [(-1, "%"), (101, "%"), (float("nan"), "")])
def test_impossible_figures_are_refused(value: float, unit: str) -> None:
    with pytest.raises(ValueError, match=r"chart figure|percentage"):
        comparison_chart("Uphold rate", "Bury", value, AVERAGE, 67, unit)


def test_colours_meet_wcag_contrast() -> None:
    white = "#ffffff"
    for colour in (charts.COUNCIL_COLOUR, charts.AVERAGE_COLOUR):
        assert contrast(colour, white) >= 4.5  # bars are graphics (3:1) and carry white text
    for colour in (charts.TEXT_COLOUR, charts.MUTED_TEXT_COLOUR):
        assert contrast(colour, white) >= 4.5
    assert contrast(charts.AXIS_COLOUR, white) >= 3


def contrast(one: str, two: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(one), luminance(two)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_trend_states_every_year_and_explains_gaps() -> None:
    svg = trend_chart(
        "Uphold rate",
        list(zip(YEARS, [40, None, 55, 80, 72], strict=True)),
        chart_id="t",
        average_points=list(zip(YEARS, [60, 62, 58, 66, 70], strict=True)),
        council_label="Bury",
    )
    title, desc = title_and_desc(svg)
    assert title == "Uphold rate, 2019-20 to 2023-24"
    assert desc == (
        "A line chart of the uphold rate, 2019-20 to 2023-24. "
        "Bury: 2019-20 40%, 2020-21 n/a, 2021-22 55%, 2022-23 80%, 2023-24 72%. "
        "Average of similar authorities: 2019-20 60%, 2020-21 62%, 2021-22 58%, 2022-23 66%, "
        "2023-24 70%. The figure for 2020-21 could not be calculated, so the line has a gap."
    )
    assert "n/a" in texts(svg)
    assert "Bury" in texts(svg)
    assert AVERAGE in texts(svg)


def moves(path: ET.Element) -> int:
    return path.get("d", "").count("M")


def test_trend_breaks_the_line_where_a_year_is_na() -> None:
    points = list(zip(YEARS, [40, None, 55, 80, None], strict=True))
    (line,) = series(trend_chart("Uphold rate", points))
    assert moves(line) == 2
    assert line.get("d", "").count("L") == 1  # 55 -> 80; 40 stands alone as a marker
    assert len(parse(trend_chart("Uphold rate", points)).findall(f"{SVG}circle")) == 3 + 1


def test_trend_with_every_year_na_draws_no_line() -> None:
    svg = trend_chart("Uphold rate", [(year, None) for year in YEARS[:3]])
    assert series(svg) == []
    assert texts(svg).count("n/a") == 3
    assert title_and_desc(svg)[1].endswith("No figure could be calculated for any year.")


def test_trend_points_are_to_scale() -> None:
    root = parse(trend_chart("Uphold rate", [("2021-22", 0), ("2022-23", 50), ("2023-24", 100)]))
    circles = root.findall(f"{SVG}circle")[1:]  # the first is the legend's
    ys = [float(c.get("cy", "")) for c in circles]
    xs = [float(c.get("cx", "")) for c in circles]
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2])
    assert ys[0] > ys[1] > ys[2]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1])


def test_trend_per_100k_uses_one_decimal_place() -> None:
    svg = trend_chart("Upheld per 100,000 residents", [("2022-23", 2.45), ("2023-24", 3)], "")
    assert "2022-23 2.5, 2023-24 3.0" in title_and_desc(svg)[1]
    assert {"2.5", "3.0"} <= set(texts(svg))


def test_trend_average_is_dashed_and_drawn_under_the_council() -> None:
    svg = trend_chart(
        "Uphold rate",
        [("2022-23", 40), ("2023-24", 50)],
        average_points=[("2022-23", 60), ("2023-24", 55)],
    )
    average, council = series(svg)[-2:]
    assert average.get("stroke") == charts.AVERAGE_COLOUR
    assert average.get("stroke-dasharray")
    assert council.get("stroke") == charts.COUNCIL_COLOUR
    assert council.get("stroke-dasharray") is None


def test_trend_single_year() -> None:
    svg = trend_chart("Uphold rate", [("2023-24", 40)])
    assert title_and_desc(svg)[0] == "Uphold rate, 2023-24"
    assert series(svg)[0].get("d", "").count("L") == 0


@pytest.mark.parametrize(
    ("points", "average_points", "match"),
    [
        ([], None, "at least one year"),
        ([("2022-23", 40)], [("2021-22", 40)], "same years"),
        ([("2022-23", 40)], [], "same years"),
        ([("2022-23", 140)], None, "percentage"),
    ],
)
def test_trend_refuses_bad_input(
    points: Sequence[tuple[str, float | None]],
    average_points: Sequence[tuple[str, float | None]] | None,
    match: str,
) -> None:
    with pytest.raises(ValueError, match=match):
        trend_chart("Uphold rate", points, average_points=average_points)


def test_trend_ids_follow_chart_id() -> None:
    root = parse(trend_chart("Uphold rate", [("2023-24", 40)], chart_id="uphold-trend"))
    assert root.get("aria-labelledby") == "uphold-trend-title uphold-trend-desc"


def test_a_thousand_charts() -> None:
    """Many charts in a row stay correct; the time taken is reported in docs, never asserted."""
    built = [
        comparison_chart("Uphold rate", f"Council {i}", i % 101, AVERAGE, 50, chart_id=f"c{i}")
        for i in range(1000)
    ]
    assert len(set(built)) == 1000
    assert all(ET.fromstring(svg) is not None for svg in built[::97])


def example_charts() -> list[str]:
    points = list(zip(YEARS, [40, None, 55, 80, 72], strict=True))
    averages = list(zip(YEARS, [60, 62, 58, 66, None], strict=True))
    return [
        comparison_chart("Uphold rate", "Bury", 40, AVERAGE, 67, chart_id="a"),
        comparison_chart(
            "Upheld per 100,000 residents", "Bath & NE Somerset", 3.1, AVERAGE, 3.4, ""
        ),
        comparison_chart("Compliance rate", "King's Lynn & West Norfolk", None, AVERAGE, 100),
        comparison_chart("Satisfactory remedy rate", "Bury", 0, AVERAGE, None),
        trend_chart("Uphold rate", points, average_points=averages, council_label="Bury"),
        trend_chart("Upheld per 100,000 residents", [("2022-23", 2.4), ("2023-24", 3.0)], ""),
    ]


def test_charts_render_in_typst() -> None:
    typst = pytest.importorskip("typst")
    source = b"".join(
        b'#image(bytes(sys.inputs.at("svg%d")), format: "svg", alt: "chart")\n' % i
        for i in range(len(example_charts()))
    )
    inputs = {f"svg{i}": svg for i, svg in enumerate(example_charts())}
    pdf = typst.compile(source, sys_inputs=inputs, ignore_system_fonts=True)
    assert pdf.startswith(b"%PDF")


def value_labels(svg: str) -> list[ET.Element]:
    return [t for t in parse(svg).iter(f"{SVG}text") if t.get("paint-order") == "stroke"]


def test_trend_value_labels_never_overlap_when_figures_meet() -> None:
    points = [("2022-23", 100.0), ("2023-24", 0.0)]
    svg = trend_chart("Compliance rate", points, average_points=points)
    labels = value_labels(svg)
    assert [t.text for t in labels] == ["100%", "100%", "0%", "0%"]
    for council, average in (labels[0:2], labels[2:4]):
        assert abs(float(council.get("y", "")) - float(average.get("y", ""))) >= 13
    for label in labels:
        assert 44 <= float(label.get("y", "")) <= 163, "inside the plot"


def test_trend_labels_only_the_latest_year_when_crowded() -> None:
    years = [f"{2000 + i}-{(i + 1) % 100:02d}" for i in range(16)]
    svg = trend_chart("Uphold rate", [(year, 50) for year in years])
    assert [t.text for t in value_labels(svg)] == ["50%"]
    shown = [t.text for t in parse(svg).iter(f"{SVG}text") if t.text in years]
    assert shown[-1] == years[-1]
    assert len(years) / 3 <= len(shown) < len(years)
    assert f"{years[0]} 50%" in title_and_desc(svg)[1]


def test_large_figures_are_written_with_thousands_separators() -> None:
    from upheld.present.charts import _format

    assert _format(8734.3, "") == "8,734.3"
    assert _format(12345, "") == "12,345.0"
    assert _format(85, "%") == "85%"


@pytest.mark.parametrize(
    ("council", "average"), [(10, 9), (9, 10), (100, 99), (55, 54), (0, 1), (2, 0)]
)
def test_trend_value_labels_never_overlap_each_other_or_the_lines(
    council: int, average: int
) -> None:
    chart = trend_chart(
        "Satisfactory remedy rate",
        [("2023-24", council), ("2024-25", council)],
        average_points=[("2023-24", average), ("2024-25", average)],
    )
    labels = {
        text: float(y)
        for y, text in re.findall(
            r'<text x="[0-9.]+" y="([0-9.]+)" font-size="11" text-anchor="middle" fill="#[0-9a-f]+"'
            r' font-weight="bold"[^>]*>([0-9]+%)</text>',
            chart,
        )
    }
    own, other = labels[f"{council}%"], labels[f"{average}%"]
    assert abs(own - other) >= 11, (own, other)
    # Each label's box (baseline less the font size, to the baseline) clears both points.
    points = [float(y) for y in re.findall(r'<circle cx="[0-9.]+" cy="([0-9.]+)"', chart)]
    for baseline in (own, other):
        for point in points:
            assert not baseline - 11 < point < baseline, (baseline, point)
