"""The year's narrative paragraphs: Markdown read into plain blocks that any renderer can draw.

A block is a paragraph, a heading (`level` 1 to 3, below the letter's own section headings) or a
bulleted list; its text is a list of runs, each with optional bold, italic and link. Placeholders
are filled run by run after parsing, so a council's name can never be read as Markdown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markdown_it import MarkdownIt

Run = dict[str, Any]
Block = dict[str, Any]

_PARSER = MarkdownIt("commonmark")
MAX_LEVEL = 3


def blocks(markdown: str, values: Mapping[str, str]) -> list[Block]:
    """Paragraphs and bulleted lists of runs, with {placeholders} filled from values."""
    result: list[Block] = []
    items: list[list[Run]] | None = None
    level: int | None = None
    for token in _PARSER.parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            items = []
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            result.append({"kind": "list", "items": items or []})
            items = None
        elif token.type == "heading_open":
            # "#" is a section of the letter; deeper levels are kept to three, as Word and the
            # PDF's outline have them.
            level = min(int(token.tag[1:]), MAX_LEVEL)
        elif token.type == "inline":
            runs = _runs(token.children or [], values)
            if items is not None:
                items.append(runs)
            elif level is not None:
                result.append({"kind": "heading", "level": level, "runs": runs})
                level = None
            else:
                result.append({"kind": "paragraph", "runs": runs})
    return result


def _runs(children: list[Any], values: Mapping[str, str]) -> list[Run]:
    runs: list[Run] = []
    strong = em = False
    href: str | None = None
    for child in children:
        token = child.type
        if token == "strong_open":
            strong = True
        elif token == "strong_close":
            strong = False
        elif token == "em_open":
            em = True
        elif token == "em_close":
            em = False
        elif token == "link_open":
            link = str(child.attrs.get("href", "")).replace("%7B", "{").replace("%7D", "}")
            href = _fill(link, values)
        elif token == "link_close":
            href = None
        elif token in ("text", "code_inline"):
            _append(runs, child.content, strong, em, href)
        elif token in ("softbreak", "hardbreak"):
            _append(runs, " ", strong, em, href)
    # Filled only now: Markdown splits text at "_", so "{council_short}" arrives in pieces.
    for run in runs:
        run["text"] = _fill(run["text"], values)
    return runs


def _fill(text: str, values: Mapping[str, str]) -> str:
    return text.format_map(values) if "{" in text else text


def _append(runs: list[Run], text: str, strong: bool, em: bool, href: str | None) -> None:
    if runs and (runs[-1]["strong"], runs[-1]["em"], runs[-1]["href"]) == (strong, em, href):
        runs[-1]["text"] += text
    else:
        runs.append({"text": text, "strong": strong, "em": em, "href": href})


def plain(block: Block) -> str:
    """A block's text without formatting (for email bodies and tests)."""
    if block["kind"] == "list":
        return "\n".join("- " + "".join(r["text"] for r in item) for item in block["items"])
    return "".join(run["text"] for run in block["runs"])
