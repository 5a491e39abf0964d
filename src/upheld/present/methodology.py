"""The methodology: one text, kept in data/methodology.md, read as docs/methodology.md and as the
website's /methodology page.

Some of it comes from the code, so that it cannot drift: the table of statistics from the
catalogue, the comparisons and their wording from `core.judgement`, and the breaks in the series
from data/series_breaks.toml. The source marks where each
goes with `<!-- NAME: start -->` and `<!-- NAME: end -->`.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from typing import TypedDict

from markdown_it import MarkdownIt

from upheld.breaks import series_breaks
from upheld.core import judgement
from upheld.core.catalogue import CATALOGUE

_MARKED = re.compile(r"<!-- (\w+): start -->.*?<!-- \1: end -->", re.DOTALL)
_HEADING = re.compile(r"^## (.+)$", re.MULTILINE)


class Section(TypedDict):
    """A part of the methodology under one heading, as HTML."""

    id: str
    heading: str
    html: str


def source() -> str:
    """The methodology as written, with the marks where generated parts go."""
    return (importlib.resources.files("upheld") / "data" / "methodology.md").read_text("utf-8")


def generated(name: str) -> str:
    """A part of the methodology that comes from the code, as Markdown."""
    if name == "catalogue":
        return CATALOGUE.as_markdown()
    if name == "comparisons":
        rows = [
            f"| `{'null' if c is None else c}` | {judgement.WHEN[c]} | "
            f"{judgement.SAID[c] if c is not None else '(nothing: not compared)'} |\n"
            for c in judgement.SAID
        ]
        return (
            "| comparison | when the figure is | pages and letters say |\n|---|---|---|\n"
            + "".join(rows)
        )
    if name == "breaks":
        return "".join(f"- **{b.year.label}**: {b.note}\n" for b in series_breaks())
    raise KeyError(f"no generated part called {name!r}")


def document() -> str:
    """The methodology with every generated part filled in: what docs/methodology.md holds."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<!-- {name}: start -->\n{generated(name)}<!-- {name}: end -->"

    return _MARKED.sub(fill, source())


def anchor(heading: str) -> str:
    """The id of a section, from its heading: "the-average-of-similar-authorities"."""
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


@functools.cache
def web_parts() -> tuple[str, tuple[Section, ...]]:
    """The methodology for the website: its introduction, and each section as HTML under its
    own id."""
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    # The website lists the statistics from the catalogue itself, each under its own id.
    text = _MARKED.sub(
        lambda m: "" if m.group(1) == "catalogue" else generated(m.group(1)), source()
    )
    # The page has its own title; links to other documents read as their text.
    text = re.sub(r"^# .*\n", "", text, count=1)
    text = re.sub(r"\[([^\]]+)\]\((?!https?:)[^)]*\.md[^)]*\)", r"\1", text)
    parts = _HEADING.split(text)
    found: list[Section] = []
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        found.append({"id": anchor(heading), "heading": heading, "html": markdown.render(body)})
    return markdown.render(parts[0]), tuple(found)
