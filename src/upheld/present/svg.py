"""Writing SVG by hand, for charts and maps: short, stable numbers; escaped text and attributes."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML cannot hold at all: dropped, never escaped."""
_ATTRIBUTE_ENTITIES = {'"': "&quot;"}


def number(value: float, places: int = 2) -> str:
    """A coordinate or size, short and stable: at most so many decimals, no trailing zeros,
    and never "-0"."""
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def content(text: str) -> str:
    """Text to put between SVG tags."""
    return escape(_NOT_XML.sub("", text))


def attribute(text: str) -> str:
    """Text to put in a double-quoted SVG attribute."""
    return escape(_NOT_XML.sub("", text), _ATTRIBUTE_ENTITIES)
