"""Funnel plots: every council's figure against the number it is out of, with control limits.

A funnel plot (Spiegelhalter, "Funnel plots for comparing institutional performance", Statistics
in Medicine 24, 2005) puts each council at its base across (the detailed investigations a rate is
out of, or its residents) and its figure up. The average of similar authorities is a horizontal
line, and the 95% and 99.8% limits around it narrow as the base grows, because a figure out of
many cases varies less by chance than one out of few. Councils outside the limits stand out
without small councils being ranked on noise.

This module only draws: the figures, the limits at each base and every council's comparison come
in precomputed, and the plot comes out as SVG. Like the other charts (see `charts`), it uses only
presentation attributes (the website's Content-Security-Policy forbids inline styles, and Typst
ignores most CSS), escapes every piece of text, and writes the same bytes for the same input.

Accessibility follows the hex map's: when councils link to their pages the SVG is a group of
focusable links, each with an aria-label and a <title>, in order of base (the highlighted council
last, as it is drawn on top); everything else is hidden from assistive technology, and the SVG's
<title> and <desc> say what the plot shows and how many councils fall where. No comparison relies
on colour alone: outside the limits a point is a triangle pointing the way it is out (hollow
beyond the 95% limit, solid beyond the 99.8% limit), and a council with too few cases to compare
is a hollow grey circle. `funnel_table` gives the same points as rows, for the table a page shows
beside the plot (which is also the larger-target equivalent of these small links).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import TypedDict, get_args

from upheld.core.catalogue import Better
from upheld.core.judgement import IN_SHORT, Limits
from upheld.core.uncertainty import Comparison
from upheld.present import charts, svg

_n = svg.number  # coordinates are written many times over

Box = tuple[float, float, float, float]
"""(left, top, right, bottom) in the chart's coordinates."""

COMPARISONS: tuple[Comparison, ...] = get_args(Comparison)

COMPARISON_TEXT = IN_SHORT
"""Each comparison in words, as the table alternative shows it."""

AVERAGE_LABEL = "Average of similar authorities"

# Point colours, all at least 3:1 against white (WCAG 1.4.11 for graphics), and never alone:
# the shape and fill say the same thing.
WITHIN_COLOUR = "#5b6f82"  # 5.2:1
ABOVE_COLOUR = "#b34700"  # 5.5:1
BELOW_COLOUR = "#6a3d9a"  # 7.6:1
WORSE_COLOUR = ABOVE_COLOUR  # as the map: orange where a figure is worse...
BETTER_COLOUR = "#2c5d8f"  # ...and blue where it is better, 6.6:1
FAINT_COLOUR = "#8c8c8c"  # 3.4:1: too few to compare, so drawn lighter, but still visible
LIMIT_COLOUR = charts.AXIS_COLOUR  # 8.5:1

_WIDTH = 640
_LEFT, _RIGHT = 52, 616  # the plot area across: room for "100%" on the left, a label's half right
_PLOT_HEIGHT = 300
_LEGEND_TOP = 38
_LEGEND_ROW = 18
_LEGEND_GAP = 18  # between legend items
_SAMPLE = 24  # a legend line's length

_RADIUS = 3.5  # a point
_TRIANGLE = 5.4  # a triangle's centre to its tip: looks as big as a circle of radius 3.5
_HIGHLIGHT_SCALE = 1.8
_RING = 10.0  # the ring around the highlighted council
_CLAMP = 1e7  # pixel coordinates beyond this are far off the plot; clamping keeps numbers short

# First words of axis labels that are not names, so lowercase mid-sentence (see charts).
_ORDINARY_FIRST_WORDS = frozenset(
    {
        "cases",
        "compliance",
        "detailed",
        "investigations",
        "late",
        "people",
        "population",
        "recommendations",
        "residents",
        "satisfactory",
        "upheld",
        "uphold",
    }
)

_DASH_95 = "6 4"
_DASH_998 = "1.5 3"
_LOG_SPAN = 100.0  # bases spanning more than this factor get a logarithmic axis
_MIN_LABEL_GAP = 10.0  # between x tick labels


@dataclass(frozen=True, slots=True)
class FunnelPoint:
    """One council on the plot."""

    code: str
    """Its code: the point's data-code."""
    name: str
    """Its short name, shown beside the point when it is highlighted."""
    label: str
    """The point in words, its link's accessible name and tooltip:
    "Bury: 85% of 68 detailed investigations, within the expected range"."""
    base: float
    """Across: the number its figure is out of (more than 0)."""
    value: float
    """Up: its figure in the statistic's unit (85 for 85%, 3.4 per 100,000)."""
    comparison: Comparison | None = None
    """Where it falls against the limits; None if it was not compared."""
    link: str | None = None
    """Where the point links to (the council's page), or None for no link."""
    value_text: str | None = None
    """The figure as published ("100% (99.6%)"), for the table; by default, `value` rounded."""


class FunnelRow(TypedDict):
    """One council in the table that accompanies a funnel plot."""

    code: str
    name: str
    label: str
    base: float
    base_text: str
    value: float
    value_text: str
    comparison: Comparison | None
    comparison_text: str
    link: str | None
    highlight: bool


# comparison -> (shape, colour, hollow); a shape is "circle", "up" or "down".
_MARKERS: dict[Comparison | None, tuple[str, str, bool]] = {
    "within": ("circle", WITHIN_COLOUR, False),
    "above": ("up", ABOVE_COLOUR, True),
    "well_above": ("up", ABOVE_COLOUR, False),
    "below": ("down", BELOW_COLOUR, True),
    "well_below": ("down", BELOW_COLOUR, False),
    "too_few": ("circle", FAINT_COLOUR, True),
    None: ("circle", FAINT_COLOUR, True),
}

_LEGEND_TEXT: dict[Comparison, str] = {  # in the key's order, "too_few" last
    "within": "Within the expected range",
    "above": "Above (beyond 95%)",
    "well_above": "Well above (beyond 99.8%)",
    "below": "Below (beyond 95%)",
    "well_below": "Well below (beyond 99.8%)",
    "too_few": "Too few to compare",
}


def _colours(better: Better) -> dict[Comparison | None, str]:
    """Each comparison's colour: above and below as worse or better where the statistic has a
    better way, as the map colours them; else simply above and below."""
    colours = {c: colour for c, (_shape, colour, _hollow) in _MARKERS.items()}
    if better != "neutral":
        high, low = (
            (BETTER_COLOUR, WORSE_COLOUR) if better == "higher" else (WORSE_COLOUR, BETTER_COLOUR)
        )
        colours |= {"above": high, "well_above": high, "below": low, "well_below": low}
    return colours


def _legend_texts(better: Better) -> dict[Comparison, str]:
    """The key's words for each comparison, saying which way is worse or better when one is."""
    if better == "neutral":
        return _LEGEND_TEXT
    high, low = ("better", "worse") if better == "higher" else ("worse", "better")
    return {
        "within": _LEGEND_TEXT["within"],
        "above": f"Above, {high} (beyond 95%)",
        "well_above": f"Well above, {high} (beyond 99.8%)",
        "below": f"Below, {low} (beyond 95%)",
        "well_below": f"Well below, {low} (beyond 99.8%)",
        "too_few": _LEGEND_TEXT["too_few"],
    }


def wants_log_axis(bases: Sequence[float]) -> bool:
    """Whether bases spread so widely (over two orders of magnitude) that the axis should be log."""
    positive = [b for b in bases if b > 0]
    return bool(positive) and max(positive) / min(positive) > _LOG_SPAN


def funnel_svg(
    title: str,
    points: Sequence[FunnelPoint],
    average: float,
    limits: Sequence[Limits],
    *,
    unit: str,
    x_label: str,
    chart_id: str,
    compared: str = "councils",
    y_label: str | None = None,
    highlight: str | None = None,
    average_label: str = AVERAGE_LABEL,
    font_family: str = charts.WEB_FONT_FAMILY,
    log_x: bool | None = None,
    better: Better = "neutral",
) -> str:
    """A funnel plot as standalone SVG.

    `unit` is "%" for a rate (a 0-100 axis) or "" for a figure such as upheld per 100,000
    residents (an axis from 0 to a round number above the data). `compared` names the councils
    in the description: "36 metropolitan boroughs in 2024-25". `highlight` is the code of a
    council to draw prominently, last and named (its own page's). `log_x` chooses the axis
    across; None chooses a logarithmic one when the bases span over two orders of magnitude.
    `chart_id` prefixes the SVG's ids, so give each plot on a page its own. `better` says which
    way is better for the statistic, so that points outside the limits are coloured, and the key
    worded, as worse or better (as the map does).
    """
    charts._check_id(chart_id)
    _check(points, average, limits, unit, highlight)
    log = wants_log_axis([p.base for p in points]) if log_x is None else log_x

    colours = _colours(better)
    legend, legend_bottom = _legend(
        points, average_label, bool(limits), colours, _legend_texts(better)
    )
    # Room above the plot for the ring of a highlighted council at the top of the scale.
    top = legend_bottom + (34 if y_label else 18)
    bottom = top + _PLOT_HEIGHT
    height = bottom + 48
    box = (_LEFT, top, _RIGHT, bottom)

    x_of, x_ticks, x_grid = _x_axis([p.base for p in points], log)
    y_max, y_step = charts._scale([p.value for p in points] + [average], unit, intervals=4)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value / float(y_max))

    ordered = sorted(points, key=lambda p: (p.base, p.value, p.code))
    if highlight is not None:
        ordered.sort(key=lambda p: p.code == highlight)  # stable: the rest keep their order

    out = _open(
        chart_id,
        height,
        title,
        _desc(
            title, points, average, limits, unit, x_label, compared, average_label, highlight, log
        ),
        font_family,
        linked=any(p.link is not None for p in points),
    )
    # Everything but the points repeats what the title and description say.
    out.append('<g aria-hidden="true">')
    out.append(charts._text(0, 15, _fit(title, 13, _WIDTH), size=13, weight="bold"))
    out.extend(legend)
    if y_label:
        out.append(
            charts._text(
                0, top - 16, _fit(y_label, 11, _WIDTH), size=11, fill=charts.MUTED_TEXT_COLOUR
            )
        )
    for tick in charts._ticks(y_max, y_step):
        out.extend(_y_tick(y_of(float(tick)), charts._tick_label(tick, unit), box, grid=tick > 0))
    for value, text in x_ticks:
        out.extend(_x_tick(x_of(value), text, box, grid=value in x_grid))
    out.append(
        charts._text(
            (_LEFT + _RIGHT) / 2,
            bottom + 39,
            _fit(x_label, 12, _WIDTH),
            size=12,
            anchor="middle",
            fill=charts.MUTED_TEXT_COLOUR,
        )
    )
    out.extend(_limit_lines(limits, x_of, y_of, box))
    out.append(
        f'<path data-line="average" d="M{_n(_LEFT)} {_n(y_of(average))}H{_n(_RIGHT)}" '
        f'stroke="{charts.AVERAGE_COLOUR}" stroke-width="2"/>'
    )
    out.append(charts._line(_LEFT, top, _LEFT, bottom, charts.AXIS_COLOUR))
    out.append(charts._line(_LEFT, bottom, _RIGHT, bottom, charts.AXIS_COLOUR))
    out.append("</g>")

    placed = [(x_of(p.base), y_of(p.value)) for p in ordered]
    out.append('<g class="funnel-points">')
    for point, (px, py) in zip(ordered, placed, strict=True):
        named = None
        if point.code == highlight:  # last, so the others are all before it
            named = _name(point.name, px, py, placed[:-1], box)
        out.append(_point(point, px, py, named, colours[point.comparison]))
    out.append("</g></svg>")
    return "".join(out)


def funnel_table(
    points: Sequence[FunnelPoint], unit: str, highlight: str | None = None
) -> list[FunnelRow]:
    """The plot's councils as table rows, in the plot's keyboard order (by base)."""
    ordered = sorted(points, key=lambda p: (p.base, p.value, p.code))
    return [
        FunnelRow(
            code=p.code,
            name=p.name,
            label=p.label,
            base=p.base,
            base_text=_exact_count(p.base),
            value=p.value,
            value_text=p.value_text or charts._format(p.value, unit),
            comparison=p.comparison,
            comparison_text=COMPARISON_TEXT[p.comparison],
            link=p.link,
            highlight=p.code == highlight,
        )
        for p in ordered
    ]


def _check(
    points: Sequence[FunnelPoint],
    average: float,
    limits: Sequence[Limits],
    unit: str,
    highlight: str | None,
) -> None:
    if not points:
        raise ValueError("a funnel plot needs at least one council")
    codes = [p.code for p in points]
    if len(set(codes)) != len(codes):
        raise ValueError("each council must appear once")
    if highlight is not None and highlight not in codes:
        raise ValueError(f"the highlighted council is not on the plot: {highlight!r}")
    for p in points:
        if not math.isfinite(p.base) or p.base <= 0:
            raise ValueError(f"a base must be a finite number over 0: {p.code} {p.base!r}")
        charts._check_value(p.value, unit)
        if p.comparison is not None and p.comparison not in COMPARISONS:
            raise ValueError(f"not a comparison: {p.code} {p.comparison!r}")
    charts._check_value(average, unit)
    for row in limits:
        figures = (row.base, row.strict_low, row.low, row.high, row.strict_high)
        if not all(math.isfinite(f) for f in figures) or row.base <= 0:
            raise ValueError(f"limits must be finite, at a base over 0: {row!r}")
        if not row.strict_low <= row.low <= row.high <= row.strict_high:
            raise ValueError(f"limits must widen outwards (99.8% outside 95%): {row!r}")


def _open(
    chart_id: str, height: int, title: str, desc: str, font_family: str, *, linked: bool
) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    # Links inside an element with role="img" would be hidden from screen readers.
    role = "group" if linked else "img"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" class="funnel" '
        f'width="{_WIDTH}" height="{height}" viewBox="0 0 {_WIDTH} {height}" role="{role}" '
        f'aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
        f'font-family="{svg.attribute(font_family)}" fill="{charts.TEXT_COLOUR}">'
        f'<title id="{title_id}">{svg.content(title)}</title>'
        f'<desc id="{desc_id}">{svg.content(desc)}</desc>'
    ]


def _desc(
    title: str,
    points: Sequence[FunnelPoint],
    average: float,
    limits: Sequence[Limits],
    unit: str,
    x_label: str,
    compared: str,
    average_label: str,
    highlight: str | None,
    log: bool,
) -> str:
    counts = Counter(p.comparison for p in points)

    def count(number: int) -> str:
        return "none" if number == 0 else f"{number:,}"

    def side(word: str, plain: Comparison, well: Comparison, what: str = "") -> str:
        total, strong = counts[plain] + counts[well], counts[well]
        if strong == 0:
            aside = ""
        elif strong == total:
            aside = f" (all well {word})" if total > 1 else f" (well {word})"
        else:
            aside = f" ({strong:,} of them well {word})"
        return f"{count(total)} {word}{what}{aside}"

    where = [
        side("above", "above", "well_above", " the expected range"),
        side("below", "below", "well_below"),
        f"{count(counts['within'])} within",
    ]
    if counts["too_few"]:
        where.append(f"{counts['too_few']:,} with too few to compare")
    if counts[None]:
        where.append(f"{counts[None]:,} not compared")
    bases = [p.base for p in points]
    across = _in_sentence(x_label)
    scale = ", on a logarithmic scale" if log else ""
    parts = [
        f"Funnel plot of the {_in_sentence(title)} for {compared}, {len(points):,} with a "
        f"figure: {charts._join(where)}.",
        f"Across is {across}, from {_count_words(min(bases))} to {_count_words(max(bases))}"
        f"{scale}; up is the {_in_sentence(title)}. The {_in_sentence(average_label)} is "
        f"{charts._format(average, unit)}.",
    ]
    if limits:
        parts.append(
            "The 95% and 99.8% limits around it narrow to the right, as a figure out of more "
            "varies less by chance: beyond the 95% limits is outside the expected range, "
            "beyond the 99.8% limits well outside it."
        )
    if highlight is not None:
        chosen = next(p for p in points if p.code == highlight)
        parts.append(f"Highlighted: {chosen.label}.")
    return " ".join(parts)


def _x_axis(
    bases: Sequence[float], log: bool
) -> tuple[Callable[[float], float], list[tuple[float, str]], set[float]]:
    """Base to x, the labelled ticks, and the ticks that get a gridline."""
    span = _RIGHT - _LEFT
    if not log:
        maximum, step = charts._scale(bases, "", intervals=5)
        top = float(maximum)

        def linear(base: float) -> float:
            return _LEFT + span * (base / top)

        ticks = [(float(t), _count_text(float(t))) for t in charts._ticks(maximum, step)]
        return linear, ticks, {value for value, _ in ticks}

    # A little room beyond the smallest and largest bases, so no point sits on an axis.
    smallest, largest = math.log10(min(bases)), math.log10(max(bases))
    pad = 0.04 * (largest - smallest) or 0.5
    log_low, log_span = smallest - pad, largest - smallest + 2 * pad
    low, high = 10.0**log_low, 10.0 ** (log_low + log_span)

    def logarithmic(base: float) -> float:
        return _LEFT + span * ((math.log10(base) - log_low) / log_span)

    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    decades = [10.0**k for k in range(first, last + 1) if low <= 10.0**k <= high]
    # Powers of ten always, then fives and twos where their labels have room.
    wanted = decades + [
        m * 10.0**k
        for m in (5.0, 2.0)
        for k in range(first, last + 1)
        if low <= m * 10.0**k <= high
    ]
    placed: list[tuple[float, float, float, str]] = []  # (value, centre, half width, text)
    for value in wanted:
        text = _count_text(value)
        centre, half = logarithmic(value), charts._text_width(text, 11) / 2
        if all(abs(centre - c) >= half + h + _MIN_LABEL_GAP for _, c, h, _ in placed):
            placed.append((value, centre, half, text))
    ticks = sorted((value, text) for value, _, _, text in placed)
    if not ticks:  # under a decade with no 1, 2 or 5 in it: label the ends of the data
        ticks = [(b, _count_text(b)) for b in sorted({min(bases), max(bases)})]
    return logarithmic, ticks, set(decades)


def _count_text(value: float) -> str:
    """A base for an axis or a sentence: "500", "10,000", "1m", "1.5m"."""
    if value >= 1_000_000:
        millions = f"{value / 1_000_000:.1f}".removesuffix(".0")
        return f"{millions}m"
    if value >= 10 or value == round(value):
        return f"{round(value):,}"
    return f"{Decimal(str(value)).quantize(Decimal('0.01')).normalize():f}"


def _count_words(value: float) -> str:
    """A base in a sentence: "500", "10,000", "1.6 million"."""
    return _count_text(value).replace("m", " million") if value >= 1_000_000 else _count_text(value)


def _exact_count(value: float) -> str:
    return f"{round(value):,}" if value == round(value) else f"{value:,.1f}"


def _in_sentence(text: str) -> str:
    """Text mid-sentence: a first word the charts know is ordinary, or one of ours, lowercased."""
    first = text.split(" ", 1)[0]
    if first.lower() in _ORDINARY_FIRST_WORDS and first[1:].islower():
        return text[0].lower() + text[1:]
    return charts._in_sentence(text)


def _fit(text: str, size: float, limit: float) -> str:
    return charts._shorten(text, size, limit)


def _legend(
    points: Sequence[FunnelPoint],
    average_label: str,
    limits: bool,
    colours: dict[Comparison | None, str],
    texts: dict[Comparison, str],
) -> tuple[list[str], int]:
    """The key: the lines, then the kinds of point shown; and the last row's baseline."""
    lines = [("average", average_label)]
    if limits:
        lines += [("limit-95", "95% limits"), ("limit-99.8", "99.8% limits")]
    present = {p.comparison for p in points}
    marks: list[tuple[Comparison | None, str]] = [
        (c, text) for c, text in texts.items() if c in present
    ]
    if None in present:
        # Drawn like "too few": one key entry for both.
        if "too_few" in present:
            marks[-1] = ("too_few", "Too few to compare, or not compared")
        else:
            marks.append((None, COMPARISON_TEXT[None]))
    out = []
    rows = _flow([_line_item_width(text) for _, text in lines])
    for (kind, text), (row, x) in zip(lines, rows, strict=True):
        out.append(_line_item(x, _LEGEND_TOP + row * _LEGEND_ROW, kind, text))
    last = rows[-1][0]
    if marks:
        first = last + 1
        rows = _flow([_mark_item_width(text) for _, text in marks])
        for (comparison, text), (row, x) in zip(marks, rows, strict=True):
            y = _LEGEND_TOP + (first + row) * _LEGEND_ROW
            out.append(_mark_item(x, y, comparison, text, colours[comparison]))
        last = first + rows[-1][0]
    return out, _LEGEND_TOP + last * _LEGEND_ROW


def _y_tick(y: float, text: str, box: Box, *, grid: bool) -> list[str]:
    left, _, right, _ = box
    out = [charts._line(left, y, right, y, charts.GRID_COLOUR)] if grid else []
    out.append(
        charts._text(left - 6, y + 4, text, size=11, anchor="end", fill=charts.MUTED_TEXT_COLOUR)
    )
    return out


def _x_tick(x: float, text: str, box: Box, *, grid: bool) -> list[str]:
    left, top, _, bottom = box
    out = [charts._line(x, top, x, bottom, charts.GRID_COLOUR)] if grid and x > left + 0.5 else []
    out.append(charts._line(x, bottom, x, bottom + 4, charts.AXIS_COLOUR))
    out.append(
        charts._text(x, bottom + 20, text, size=11, anchor="middle", fill=charts.MUTED_TEXT_COLOUR)
    )
    return out


def _limit_lines(
    limits: Sequence[Limits],
    x_of: Callable[[float], float],
    y_of: Callable[[float], float],
    box: Box,
) -> list[str]:
    """The four limit curves through the rows, in order of base, cut to the plot area."""
    rows = sorted(limits, key=lambda row: row.base)
    curves: tuple[tuple[str, Callable[[Limits], float], str], ...] = (
        ("strict-low", lambda row: row.strict_low, _DASH_998),
        ("low", lambda row: row.low, _DASH_95),
        ("high", lambda row: row.high, _DASH_95),
        ("strict-high", lambda row: row.strict_high, _DASH_998),
    )
    out = []
    for name, value_of, dash in curves:
        d = _clipped_path([(x_of(row.base), y_of(value_of(row))) for row in rows], box)
        if d:
            out.append(
                f'<path data-line="{name}" d="{d}" fill="none" stroke="{LIMIT_COLOUR}" '
                f'stroke-width="1.5" stroke-dasharray="{dash}"/>'
            )
    return out


def _flow(widths: Sequence[float]) -> list[tuple[int, float]]:
    """(row, x) for legend items of these widths, wrapping onto new rows across the chart."""
    placed: list[tuple[int, float]] = []
    row, x = 0, 0.0
    for width in widths:
        if x > 0 and x + width > _WIDTH:
            row, x = row + 1, 0.0
        placed.append((row, x))
        x += width + _LEGEND_GAP
    return placed


def _line_item_width(text: str) -> float:
    return _SAMPLE + 6 + charts._text_width(text, 11)


def _mark_item_width(text: str) -> float:
    return 12 + 6 + charts._text_width(text, 11)


def _line_item(x: float, y: float, kind: str, text: str) -> str:
    middle = y - 4
    if kind == "average":
        sample = f'stroke="{charts.AVERAGE_COLOUR}" stroke-width="2"'
    else:
        dash = _DASH_95 if kind == "limit-95" else _DASH_998
        sample = f'stroke="{LIMIT_COLOUR}" stroke-width="1.5" stroke-dasharray="{dash}"'
    return f'<path d="M{_n(x)} {_n(middle)}h{_SAMPLE}" {sample}/>' + charts._text(
        x + _SAMPLE + 6, y, text, size=11
    )


def _mark_item(x: float, y: float, comparison: Comparison | None, text: str, colour: str) -> str:
    return (
        f'<g transform="translate({_n(x + 6)} {_n(y - 4)})">{_marker(comparison, 1.0, colour)}</g>'
        + charts._text(x + 18, y, text, size=11)
    )


def _marker(comparison: Comparison | None, scale: float, colour: str | None = None) -> str:
    """A point's shape around (0, 0): its comparison's shape, fill and colour."""
    shape, own_colour, hollow = _MARKERS[comparison]
    colour = colour or own_colour
    if hollow:
        paint = f'fill="#ffffff" stroke="{colour}" stroke-width="{_n(1.5 * min(scale, 1.4))}"'
    else:
        paint = f'fill="{colour}" stroke="#ffffff" stroke-width="{_n(0.75 * scale)}"'
    if shape == "circle":
        return f'<circle r="{_n(_RADIUS * scale)}" {paint}/>'
    s = _TRIANGLE * scale
    tip, foot, half = (-s, s * 0.55, s * 0.95) if shape == "up" else (s, -s * 0.55, s * 0.95)
    return (
        f'<path d="M0 {_n(tip)}L{_n(half)} {_n(foot)}H{_n(-half)}Z" {paint} '
        'stroke-linejoin="round"/>'
    )


def _point(point: FunnelPoint, x: float, y: float, name: str | None, colour: str) -> str:
    """A council's point, in a link when it has one; `name` is the highlighted council's label."""
    comparison = point.comparison or "none"
    classes = "funnel-point" if name is None else "funnel-point funnel-highlight"
    opening = (
        f'<g class="{classes}" data-code="{svg.attribute(point.code)}" '
        f'data-comparison="{comparison}" transform="translate({_n(x)} {_n(y)})">'
    )
    if name is not None:
        shape = (
            f'<circle r="{_n(_RING)}" fill="none" stroke="{charts.COUNCIL_COLOUR}" '
            'stroke-width="1.5"/>'
            + _marker(point.comparison, _HIGHLIGHT_SCALE, charts.COUNCIL_COLOUR)
            + name
        )
    else:
        shape = _marker(point.comparison, 1.0, colour)
    title = f"<title>{svg.content(point.label)}</title>"
    if point.link is None:
        return f"{opening}{title}{shape}</g>"
    return (
        f'<a class="funnel-link" href="{svg.attribute(point.link)}" '
        f'aria-label="{svg.attribute(point.label)}">{title}{opening}{shape}</g></a>'
    )


def _name(
    name: str,
    x: float,
    y: float,
    others: Sequence[tuple[float, float]],
    box: Box,
) -> str:
    """The highlighted council's name beside its ring, on the side with fewest points to cover."""
    width = charts._text_width(name, 12)
    gap = _RING + 4
    left, top, right, bottom = box
    # (text x and baseline relative to the point, anchor, and the text's box in the chart)
    candidates = (
        (gap, 4.0, "start", (x + gap, y - 8, x + gap + width, y + 4)),
        (-gap, 4.0, "end", (x - gap - width, y - 8, x - gap, y + 4)),
        (0.0, -gap + 2, "middle", (x - width / 2, y - gap - 8, x + width / 2, y - gap + 4)),
        (0.0, gap + 8, "middle", (x - width / 2, y + gap - 2, x + width / 2, y + gap + 10)),
    )

    def crowding(area: Box) -> float:
        x0, y0, x1, y1 = area
        # Leaving the chart is worst; leaving the plot area covers ticks or the legend.
        if x0 < 0 or x1 > _WIDTH or y0 < top - 16 or y1 > bottom + 8:
            return math.inf
        outside = x0 < left or x1 > right or y0 < top or y1 > bottom
        margin = _RADIUS + 1
        covered = sum(
            1
            for px, py in others
            if x0 - margin <= px <= x1 + margin and y0 - margin <= py <= y1 + margin
        )
        return covered + (0.5 if outside else 0.0)

    scores = [crowding(area) for *_, area in candidates]
    best = scores.index(min(scores))  # the first of equals: right, left, above, below
    at_x, at_y, anchor, _ = candidates[best]
    anchored = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return (
        f'<text x="{_n(at_x)}" y="{_n(at_y)}" font-size="12" font-weight="bold"{anchored} '
        f'fill="{charts.COUNCIL_COLOUR}" stroke="#ffffff" stroke-width="3" '
        f'stroke-linejoin="round" paint-order="stroke">{svg.content(name)}</text>'
    )


def _clipped_path(coordinates: Sequence[tuple[float, float]], box: Box) -> str:
    """A polyline as path data, cut to the plot area: the parts outside are left out."""
    runs: list[list[tuple[float, float]]] = []
    clamped = [(x, max(-_CLAMP, min(_CLAMP, y))) for x, y in coordinates]
    joined = False
    for (x0, y0), (x1, y1) in pairwise(clamped):
        cut = _clip(x0, y0, x1, y1, box)
        if cut is None:
            joined = False
            continue
        t0, t1 = cut
        start = (x0 + t0 * (x1 - x0), y0 + t0 * (y1 - y0))
        end = (x0 + t1 * (x1 - x0), y0 + t1 * (y1 - y0))
        if joined and t0 == 0:
            runs[-1].append(end)
        else:
            runs.append([start, end])
        joined = t1 == 1
    return "".join(
        "M" + "L".join(f"{_n(x)} {_n(y)}" for x, y in run)
        for run in runs
        if any(_n(x) != _n(run[0][0]) or _n(y) != _n(run[0][1]) for x, y in run)
    )


def _clip(x0: float, y0: float, x1: float, y1: float, box: Box) -> tuple[float, float] | None:
    """The part of a segment inside the box, as (start, end) fractions along it (Liang-Barsky)."""
    left, top, right, bottom = box
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return t0, t1


__all__ = [
    "AVERAGE_LABEL",
    "COMPARISONS",
    "COMPARISON_TEXT",
    "FunnelPoint",
    "FunnelRow",
    "funnel_svg",
    "funnel_table",
    "wants_log_axis",
]
