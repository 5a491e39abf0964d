"""Charts as SVG strings: a council against similar authorities, and a figure over the years.

The same SVG is inlined in the web page and placed in the PDF letter by Typst, so it uses only
presentation attributes (Typst's SVG renderer ignores most CSS) and fonts that Typst ships.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from upheld.core.wording import NOT_AVAILABLE, and_list
from upheld.present import svg

_n = svg.number  # coordinates are written many times over

FONT_FAMILY = "Libertinus Serif, Georgia, serif"
WEB_FONT_FAMILY = '-apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
"""The website's own font stack, so its charts match its text (letters keep their serif)."""

# White text on these fills and the fills against white both pass WCAG AA (4.5:1 for text).
COUNCIL_COLOUR = "#1d4f91"  # 8.1:1 against white
AVERAGE_COLOUR = "#666666"  # 5.7:1 against white
TEXT_COLOUR = "#1a1a1a"
MUTED_TEXT_COLOUR = "#595959"  # 7:1 against white: axis labels and "n/a"
AXIS_COLOUR = "#4d4d4d"
GRID_COLOUR = "#dddddd"  # decorative only, so it may be faint

_TITLE_SIZE = 13
_LABEL_SIZE = 12
_SMALL_SIZE = 11

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
# Characters XML 1.0 forbids even when escaped; a stray one would make the whole page unparseable.
_ONE_PLACE = Decimal("0.1")
_WHOLE = Decimal(1)

# Only these first words are lowercased mid-sentence: anything else may be a place name.
_ORDINARY_FIRST_WORDS = frozenset(
    {
        "all",
        "average",
        "complaints",
        "compliance",
        "decisions",
        "investigated",
        "mean",
        "median",
        "national",
        "satisfactory",
        "similar",
        "this",
        "uphold",
        "upheld",
    }
)

# Rough advance widths in ems for a serif face: enough to decide when a label must wrap.
_NARROW = frozenset("fijlrt.,;:!'|()[]-/ ")
_WIDE = frozenset("mwMW@%&")


def comparison_chart(
    title: str,
    council_label: str,
    value: float | None,
    average_label: str,
    average: float | None,
    unit: str = "%",
    chart_id: str = "chart",
    *,
    font_family: str = FONT_FAMILY,
) -> str:
    """A horizontal bar chart: the council's figure against the average of similar authorities."""
    _check_id(chart_id)
    _check_value(value, unit)
    _check_value(average, unit)
    council_text = _format(value, unit)
    average_text = _format(average, unit)
    maximum, step = _scale([value, average], unit, intervals=4)

    width, height = 480, 110
    label_right, x0, x1 = 172, 180, 456
    bar_height = 24
    rows = (
        (24, council_label, value, council_text, COUNCIL_COLOUR),
        (56, average_label, average, average_text, AVERAGE_COLOUR),
    )

    heading = (
        f"{title}: {council_label} {council_text}, {_in_sentence(average_label)} {average_text}"
    )
    out = _open(
        chart_id,
        width,
        height,
        heading,
        _comparison_desc(
            title, council_label, council_text, value, average_label, average_text, average
        ),
        font_family,
    )
    out.append(_text(0, 15, title, size=_TITLE_SIZE, weight="bold"))

    plot_top, plot_bottom = 20, 86
    span = x1 - x0
    for tick in _ticks(maximum, step):
        x = x0 + span * float(tick / maximum)
        if tick:
            out.append(_line(x, plot_top, x, plot_bottom, GRID_COLOUR))
        out.append(
            _text(
                x,
                101,
                _tick_label(tick, unit),
                size=_SMALL_SIZE,
                anchor="middle",
                fill=MUTED_TEXT_COLOUR,
            )
        )

    for top, label, figure, figure_text, colour in rows:
        middle = top + bar_height / 2
        out.append(_label(label_right, middle, label, label_right))
        if figure is None:
            out.append(
                _text(
                    x0 + 6,
                    middle + 4,
                    figure_text,
                    size=_LABEL_SIZE,
                    fill=MUTED_TEXT_COLOUR,
                    style="italic",
                )
            )
            continue
        bar = span * float(Decimal(str(figure)) / maximum)
        if bar > 0:
            out.append(
                f'<rect x="{_n(x0)}" y="{_n(top)}" width="{_n(bar)}" height="{bar_height}" '
                f'fill="{colour}"/>'
            )
        # A label fits inside only when the bar is comfortably longer than the label.
        if bar >= _text_width(figure_text, _LABEL_SIZE) + 12:
            out.append(
                _text(
                    x0 + bar - 6,
                    middle + 4,
                    figure_text,
                    size=_LABEL_SIZE,
                    anchor="end",
                    fill="#ffffff",
                    weight="bold",
                )
            )
        else:
            out.append(
                _text(
                    x0 + bar + 6,
                    middle + 4,
                    figure_text,
                    size=_LABEL_SIZE,
                    fill=TEXT_COLOUR,
                    weight="bold",
                )
            )

    # Drawn last so the bars never cover the zero line.
    out.append(_line(x0, plot_top, x0, plot_bottom, AXIS_COLOUR))
    out.append("</svg>")
    return "".join(out)


def trend_chart(
    title: str,
    points: Sequence[tuple[str, float | None]],
    unit: str = "%",
    chart_id: str = "trend",
    average_points: Sequence[tuple[str, float | None]] | None = None,
    *,
    council_label: str = "This council",
    average_label: str = "Average of similar authorities",
    font_family: str = FONT_FAMILY,
    notes: Mapping[str, str] | None = None,
) -> str:
    """A small line chart of a figure over the years (gaps where a year is n/a); a year with a
    note (a break in the series) is marked on the axis and explained in the description."""
    _check_id(chart_id)
    if not points:
        raise ValueError("a trend needs at least one year")
    years = [year for year, _ in points]
    values = [figure for _, figure in points]
    averages: list[float | None] | None = None
    if average_points is not None:
        if [year for year, _ in average_points] != years:
            raise ValueError("average_points must cover the same years, in the same order")
        averages = [figure for _, figure in average_points]
    for figure in values + (averages or []):
        _check_value(figure, unit)
    maximum, step = _scale(values + (averages or []), unit, intervals=4)

    width, height = 480, 206 if notes else 200
    left, right, top, bottom = 48, 464, 50, 166
    inset = 24 if len(points) > 1 else 0
    gap = (right - left - 2 * inset) / (len(points) - 1) if len(points) > 1 else 0
    xs = [
        left + inset + i * gap if len(points) > 1 else (left + right) / 2
        for i in range(len(points))
    ]

    def y_of(figure: float) -> float:
        return bottom - (bottom - top) * float(Decimal(str(figure)) / maximum)

    first, last = years[0], years[-1]
    period = first if first == last else f"{first} to {last}"
    out = _open(
        chart_id,
        width,
        height,
        f"{title}, {period}",
        _trend_desc(title, period, years, values, averages, unit, council_label, average_label)
        + "".join(f" Note for {year}: {note}" for year, note in (notes or {}).items()),
        font_family,
    )
    out.append(_text(0, 15, title, size=_TITLE_SIZE, weight="bold"))
    out.append(_legend(34, council_label, average_label if averages is not None else None))

    for tick in _ticks(maximum, step):
        y = bottom - (bottom - top) * float(tick / maximum)
        if tick:
            out.append(_line(left, y, right, y, GRID_COLOUR))
        out.append(
            _text(
                left - 6,
                y + 4,
                _tick_label(tick, unit),
                size=_SMALL_SIZE,
                anchor="end",
                fill=MUTED_TEXT_COLOUR,
            )
        )
    out.append(_line(left, bottom, right, bottom, AXIS_COLOUR))
    # Over many years the labels would run together: name every nth year, counting back
    # from the latest, which the reader most wants.
    room = max(_text_width(year, _SMALL_SIZE) for year in years) + 6
    every = math.ceil(room / gap) if gap and gap < room else 1
    for x, year in zip(xs, years, strict=True):
        if year in (notes or {}):
            # A break in the series: a dotted rule through the year, and a mark to look for.
            out.append(
                f'<line x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{bottom}" stroke="{AXIS_COLOUR}" '
                'stroke-width="1" stroke-dasharray="2 3"/>'
            )
            out.append(_text(x, bottom + 30, "†", size=_SMALL_SIZE, anchor="middle"))
    for i, (x, year) in enumerate(zip(xs, years, strict=True)):
        out.append(_line(x, bottom, x, bottom + 4, AXIS_COLOUR))
        if (len(years) - 1 - i) % every == 0:
            out.append(
                _text(
                    x, bottom + 17, year, size=_SMALL_SIZE, anchor="middle", fill=MUTED_TEXT_COLOUR
                )
            )

    if averages is not None:
        out.extend(_series(xs, averages, y_of, AVERAGE_COLOUR, dashed=True))
    out.extend(_series(xs, values, y_of, COUNCIL_COLOUR, dashed=False))

    # Value labels need room; when years are crowded only the latest year is labelled.
    widest = max(_text_width(_format(f, unit), _SMALL_SIZE) for f in values + (averages or []))
    crowded = len(xs) > 1 and gap < widest + 6
    for i, (x, figure) in enumerate(zip(xs, values, strict=True)):
        other = averages[i] if averages is not None else None
        if figure is None:
            out.append(
                _text(
                    x,
                    bottom - 6,
                    NOT_AVAILABLE,
                    size=_SMALL_SIZE,
                    anchor="middle",
                    fill=MUTED_TEXT_COLOUR,
                    style="italic",
                )
            )
        if crowded and i < len(xs) - 1:
            continue
        out.extend(_year_labels(x, figure, other, y_of, unit, top, bottom))
    out.append("</svg>")
    return "".join(out)


def _comparison_desc(
    title: str,
    council_label: str,
    council_text: str,
    value: float | None,
    average_label: str,
    average_text: str,
    average: float | None,
) -> str:
    measure = _in_sentence(title)
    council = council_label if value is None else f"{council_label} ({council_text})"
    peers = _in_sentence(average_label)
    compared = peers if average is None else f"{peers} ({average_text})"
    desc = f"A bar chart comparing the {measure} for {council} with the {compared}."
    if value is None and average is None:
        return f"{desc} Neither figure could be calculated."
    if value is None:
        return f"{desc} The figure for {council_label} could not be calculated."
    if average is None:
        return f"{desc} The figure for the {peers} could not be calculated."
    return desc


def _trend_desc(
    title: str,
    period: str,
    years: Sequence[str],
    values: Sequence[float | None],
    averages: Sequence[float | None] | None,
    unit: str,
    council_label: str,
    average_label: str,
) -> str:
    def listed(figures: Sequence[float | None]) -> str:
        return ", ".join(
            f"{year} {_format(figure, unit)}" for year, figure in zip(years, figures, strict=True)
        )

    parts = [
        f"A line chart of the {_in_sentence(title)}, {period}. {council_label}: {listed(values)}."
    ]
    if averages is not None:
        parts.append(f"{average_label}: {listed(averages)}.")
    missing = [year for year, figure in zip(years, values, strict=True) if figure is None]
    if len(missing) == len(years):
        parts.append("No figure could be calculated for any year.")
    elif missing:
        parts.append(
            f"The figure for {_join(missing)} could not be calculated, so the line has a gap."
        )
    return " ".join(parts)


def _series(
    xs: Sequence[float],
    figures: Sequence[float | None],
    y_of: Callable[[float], float],
    colour: str,
    *,
    dashed: bool,
) -> list[str]:
    """One line, broken where a year is n/a, with a marker on every year that has a figure."""
    out: list[str] = []
    path: list[str] = []
    run = 0
    for x, figure in zip(xs, figures, strict=True):
        if figure is None:
            run = 0
            continue
        path.append(f"{'L' if run else 'M'}{_n(x)} {_n(y_of(figure))}")
        run += 1
    if path:
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(
            f'<path d="{"".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5" '
            f'stroke-linejoin="round"{dash}/>'
        )
    for x, figure in zip(xs, figures, strict=True):
        if figure is not None:
            # Hollow markers for the average, solid for the council: told apart without colour.
            fill = "#ffffff" if dashed else colour
            out.append(
                f'<circle cx="{_n(x)}" cy="{_n(y_of(figure))}" r="3.5" fill="{fill}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
    return out


def _legend(y: float, council_label: str, average_label: str | None) -> str:
    parts = [
        _line(0, y - 4, 22, y - 4, COUNCIL_COLOUR, width=2.5),
        f'<circle cx="11" cy="{_n(y - 4)}" r="3.5" fill="{COUNCIL_COLOUR}" '
        f'stroke="{COUNCIL_COLOUR}" stroke-width="2"/>',
        _text(28, y, council_label, size=_SMALL_SIZE, fill=TEXT_COLOUR),
    ]
    if average_label is not None:
        x = 28 + _text_width(council_label, _SMALL_SIZE) + 24
        parts += [
            f'<path d="M{_n(x)} {_n(y - 4)}h22" stroke="{AVERAGE_COLOUR}" stroke-width="2.5" '
            'stroke-dasharray="6 4"/>',
            f'<circle cx="{_n(x + 11)}" cy="{_n(y - 4)}" r="3.5" fill="#ffffff" '
            f'stroke="{AVERAGE_COLOUR}" stroke-width="2"/>',
            _text(x + 28, y, average_label, size=_SMALL_SIZE, fill=TEXT_COLOUR),
        ]
    return "".join(parts)


def _year_labels(
    x: float,
    figure: float | None,
    other: float | None,
    y_of: Callable[[float], float],
    unit: str,
    top: float,
    bottom: float,
) -> list[str]:
    """A year's value labels: the council's and the average's, kept apart, clear of the lines
    and inside the plot."""
    wanted = [
        (y_of(value), _format(value, unit), colour)
        for value, colour in ((figure, COUNCIL_COLOUR), (other, AVERAGE_COLOUR))
        if value is not None
    ]
    if not wanted:
        return []
    line_height = _SMALL_SIZE + 2
    # The higher figure first: its label goes above the lines, the lower one's below them.
    wanted.sort(key=lambda label: label[0])
    high, low = wanted[0][0], wanted[-1][0]
    above, below = high - 8, low + 16
    if len(wanted) == 1:
        baselines = [above if above - _SMALL_SIZE >= top - 6 else below]
    elif below <= bottom - 3:
        baselines = [above if above - _SMALL_SIZE >= top - 6 else high + 16, below]
        if baselines[1] - baselines[0] < line_height:
            baselines[1] = baselines[0] + line_height
    elif above - line_height - _SMALL_SIZE >= top - 6:
        # No room below (figures near the floor): both above, the higher on top.
        baselines = [above - line_height, above]
    else:
        # Nor above (near the top): both below, the higher first.
        baselines = [below, below + line_height]
    return [
        _value_label(x, baseline, text, colour)
        for baseline, (_, text, colour) in zip(baselines, wanted, strict=True)
    ]


def _value_label(x: float, baseline: float, text: str, colour: str) -> str:
    # A white halo keeps the figure legible where it crosses a line or a gridline.
    return (
        f'<text x="{_n(x)}" y="{_n(baseline)}" font-size="{_SMALL_SIZE}" text-anchor="middle" '
        f'fill="{colour}" font-weight="bold" stroke="#ffffff" stroke-width="3" '
        f'stroke-linejoin="round" paint-order="stroke">{svg.content(text)}</text>'
    )


def _open(
    chart_id: str, width: int, height: int, title: str, desc: str, font_family: str
) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'font-family="{svg.attribute(font_family)}" fill="{TEXT_COLOUR}">'
        f'<title id="{title_id}">{svg.content(title)}</title>'
        f'<desc id="{desc_id}">{svg.content(desc)}</desc>'
    ]


def _label(right: float, middle: float, text: str, limit: float) -> str:
    """A category label, right-aligned to the bars, wrapped onto two lines when too long."""
    lines = _wrap(text, _LABEL_SIZE, limit)
    if len(lines) == 1:
        return _text(right, middle + 4, text, size=_LABEL_SIZE, anchor="end")
    first = middle - 2.5
    return (
        f'<text x="{_n(right)}" y="{_n(first)}" font-size="{_LABEL_SIZE}" text-anchor="end">'
        f'<tspan x="{_n(right)}" y="{_n(first)}">{svg.content(lines[0])}</tspan>'
        f'<tspan x="{_n(right)}" y="{_n(first + 13)}">{svg.content(lines[1])}</tspan></text>'
    )


def _wrap(text: str, size: float, limit: float) -> list[str]:
    if _text_width(text, size) <= limit:
        return [text]
    words = text.split(" ")
    best = [text]
    for cut in range(len(words) - 1, 0, -1):
        head, tail = " ".join(words[:cut]), " ".join(words[cut:])
        if _text_width(head, size) <= limit:
            best = [head, tail]
            break
    if len(best) == 1:
        best = [text, ""]
    # Too long even on two lines: the full name is in the title and description, so shorten it.
    return [_shorten(line, size, limit) for line in best]


def _shorten(text: str, size: float, limit: float) -> str:
    if _text_width(text, size) <= limit:
        return text
    while text and _text_width(text + "…", size) > limit:
        text = text[:-1]
    return text.rstrip() + "…"


def _text_width(text: str, size: float) -> float:
    # Generous on purpose: browsers without Libertinus fall back to wider serifs (DejaVu Serif is
    # about a fifth wider), and a label that wraps early is better than one cut off.
    ems = 0.0
    for char in text:
        if char in _NARROW:
            ems += 0.36
        elif char in _WIDE:
            ems += 0.92
        elif char.isupper():
            ems += 0.74
        else:
            ems += 0.57
    return ems * size


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int,
    anchor: str = "start",
    fill: str | None = None,
    weight: str | None = None,
    style: str | None = None,
) -> str:
    attributes = [f'x="{_n(x)}" y="{_n(y)}" font-size="{size}"']
    if anchor != "start":
        attributes.append(f'text-anchor="{anchor}"')
    if fill is not None and fill != TEXT_COLOUR:
        attributes.append(f'fill="{fill}"')
    if weight is not None:
        attributes.append(f'font-weight="{weight}"')
    if style is not None:
        attributes.append(f'font-style="{style}"')
    return f"<text {' '.join(attributes)}>{svg.content(text)}</text>"


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}" '
        f'stroke-width="{_n(width)}"/>'
    )


def _format(value: float | None, unit: str) -> str:
    """A figure as the project prints it: whole percentages, else one decimal place; n/a."""
    if value is None:
        return NOT_AVAILABLE
    exact = Decimal(str(value))
    if unit == "%":
        return f"{exact.quantize(_WHOLE, ROUND_HALF_UP):,}%"
    return f"{exact.quantize(_ONE_PLACE, ROUND_HALF_UP):,}{unit}"


def _tick_label(tick: Decimal, unit: str) -> str:
    # Axis labels are positions, not figures: "2.5" and "5" read better than "5.0".
    text = f"{tick.normalize():f}"
    return f"{text}%" if unit == "%" else text


def _scale(
    figures: Sequence[float | None], unit: str, *, intervals: int
) -> tuple[Decimal, Decimal]:
    """The axis maximum and tick step: 0-100 for rates, else a round number at or above the data."""
    if unit == "%":
        return Decimal(100), Decimal(100) / intervals
    peak = max([Decimal(str(f)) for f in figures if f is not None] + [Decimal(1)])
    magnitude = Decimal(10) ** (math.floor(math.log10(peak)) - 1)
    for mantissa in (1, 2, 5, 10, 20, 50, 100):
        step = magnitude * mantissa
        count = (peak / step).to_integral_value(rounding=ROUND_CEILING)
        if count <= intervals:
            return step * count, step
    raise AssertionError("unreachable: a step of ten times the magnitude always fits")


def _ticks(maximum: Decimal, step: Decimal) -> list[Decimal]:
    return [step * i for i in range(int(maximum / step) + 1)]


def _check_value(value: float | None, unit: str) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a chart figure must be a finite number, 0 or more: {value!r}")
    if unit == "%" and value > 100:
        raise ValueError(f"a percentage cannot be over 100: {value!r}")


def _check_id(chart_id: str) -> None:
    # The id becomes part of aria-labelledby, a space-separated list, so it must be a plain token.
    if not _ID.match(chart_id):
        raise ValueError(
            f"chart_id must be a letter then letters, digits, '_', '-' or '.': {chart_id!r}"
        )


def _in_sentence(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.lower() in _ORDINARY_FIRST_WORDS and first[1:].islower():
        return text[0].lower() + text[1:]
    return text


_join = and_list  # a chart's description lists things as the letters do
