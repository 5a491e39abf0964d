"""Row checking for one input file, compiled to straight-line Python for speed.

A generic loop over columns costs about two microseconds per row in interpreter overhead alone,
which is most of the time of a million-row import. So, like `dataclasses` and `namedtuple`, this
module writes the source of one small function per file layout (which column is in which cell)
and compiles it: the same rules as the loop would apply, in a third of the time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import Any

from upheld.errors import Problem
from upheld.ingest.cells import MEMOS, Text
from upheld.ingest.kinds import INVALID, AuthorityNames, Kind

RowCheck = Callable[[Sequence[Any], int], "tuple[Any, ...] | None"]
"""Checks one row's cells (at a line); returns (line, *stored values[, tag]), or None if it is
invalid."""


class _IsoDates(dict[date | None, str | None]):
    """Dates as SQLite stores them (YYYY-MM-DD), each worked out once: a file has few dates."""

    def __missing__(self, day: date | None) -> str | None:
        written = None if day is None else day.isoformat()
        self[day] = written
        return written


ISO_DATES = _IsoDates()


def compile_check(
    kind: Kind,
    positions: dict[str, int | None],
    file: str,
    names: AuthorityNames,
    add_problem: Callable[[Problem], None],
    *,
    dates_as_text: Collection[str] = (),
    tag: int | None = None,
) -> RowCheck:
    """The function that checks rows of a file whose columns sit at `positions`: the stored
    columns named in `dates_as_text` come back as YYYY-MM-DD, and `tag`, if given, last."""
    scope: dict[str, Any] = {
        "INVALID": INVALID,
        "Problem": Problem,
        "add": add_problem,
        "file": file,
        "names": names,
        "finish": kind.finish,
        "iso": ISO_DATES,
        "tag": tag,
    }
    lines = ["def check(cells, line):", "    bad = False"]
    for number, column in enumerate(kind.columns):
        value = f"v{number}"
        index = positions.get(column.name)
        scope[f"default{number}"] = column.default
        scope[f"parse{number}"] = column.parse
        if index is None:
            lines.append(f"    {value} = default{number}")
            continue
        report = (
            f"add(Problem(file, line, {column.name!r}, {{message}})); bad = True; {value} = INVALID"
        )
        if column.required:
            when_blank = report.format(message="'is required'")
        else:
            when_blank = f"{value} = default{number}"
        parsed = [
            "try:",
            f"    {value} = parse{number}({value})",
            "except ValueError as error:",
            f"    {report.format(message='str(error)')}",
        ]
        parser = column.parse
        # Text, as a CSV file's cells all are, is tested for first. Blank is nothing or spaces.
        text = [f"{value} = {value}.strip()", f"if not {value}:", f"    {when_blank}"]
        if isinstance(parser, Text):
            # Text needs no parsing when it is already text; only its length is checked.
            if parser.limit is not None:
                too_long = report.format(message=f"parse{number}.too_long({value})")
                text += [f"elif len({value}) > {parser.limit}:", f"    {too_long}"]
        else:
            text += ["else:", *_indented(parsed)]
            memo = MEMOS.get(parser)
            if memo is not None:
                # Most cells repeat a spelling already read: look it up before anything else.
                scope[f"memo{number}"] = memo
                text = [
                    f"if {value} in memo{number}:",
                    f"    {value} = memo{number}[{value}]",
                    "else:",
                    *_indented(text),
                ]
        lines += [
            f"    {value} = cells[{index}]",
            f"    if {value}.__class__ is str:",
            *_indented(text, 2),
            f"    elif {value} is None:",
            f"        {when_blank}",
            "    else:",
            *_indented(parsed, 2),
        ]
    fields = ", ".join(f"{c.name!r}: v{n}" for n, c in enumerate(kind.columns))
    lines.append(f"    row = {{{fields}}}")
    if kind.finish is not None:
        lines += [
            "    found = finish(row, names)",
            "    if found:",
            "        for column, message in found:",
            "            add(Problem(file, line, column, message))",
            "        return None",
        ]
    # Made here, in the one tuple, rather than copied into another row by row on the way out.
    stored = ", ".join(
        f"iso[row[{name!r}]]" if name in dates_as_text else f"row[{name!r}]" for name in kind.stored
    )
    if tag is not None:
        stored += ", tag"
    lines += ["    if bad:", "        return None", f"    return (line, {stored})"]
    exec("\n".join(lines), scope)
    check: RowCheck = scope["check"]
    return check


def _indented(lines: list[str], levels: int = 1) -> list[str]:
    return [" " * (4 * levels) + line for line in lines]
