"""The few exceptions upheld raises, each carrying its exit code and HTTP status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_REPORTED_PROBLEMS = 50


class UpheldError(Exception):
    """A failure the user can act on: reported without a traceback."""

    exit_code = 1
    http_status = 400


class UsageError(UpheldError):
    """The command was called wrongly (bad option, unknown year or council)."""

    exit_code = 2


class NotFound(UpheldError):
    """A page, council or year that does not exist or is not yet published."""

    http_status = 404


class BadParameter(UpheldError):
    """A web address whose query asks for something that cannot be (page=0, an unknown sort)."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter
        """The parameter that cannot be met, when one is to blame (the API names it)."""


class Busy(UpheldError):
    """The website is answering as many searches as it can; try again in a moment."""

    http_status = 503


class ConfigError(UpheldError):
    """The configuration file is missing something or says something invalid."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row of an input file."""

    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class InputError(UpheldError):
    """An input file was rejected; nothing from it was written."""

    def __init__(self, problems: Sequence[Problem], total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem on its own line, the first 50 then a count of the rest."""
        lines = [str(p) for p in self.problems[:MAX_REPORTED_PROBLEMS]]
        hidden = self.total - len(lines)
        if hidden > 0:
            lines.append(f"... and {hidden} more problem{'s' if hidden != 1 else ''}")
        return "\n".join(lines)
