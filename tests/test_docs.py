"""The documentation keeps up with the code: every command and option is described."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from upheld.cli import cli

DOCS = Path(__file__).parent.parent / "docs"
CLI_DOCS = (DOCS / "cli.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    assert isinstance(cli, click.Group)
    return sorted(cli.commands.items())


@pytest.mark.parametrize(("name", "command"), _commands())
def test_every_command_is_documented(name: str, command: click.Command) -> None:
    assert f"## `upheld {name}" in CLI_DOCS, f"docs/cli.md has no section for `upheld {name}`"
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            for option in parameter.opts:
                if option.startswith("--"):
                    assert f"`{option}`" in CLI_DOCS, f"{option} of {name} is not in docs/cli.md"


def test_global_options_are_documented() -> None:
    for parameter in cli.params:
        for option in parameter.opts:
            if option.startswith("--") and option != "--help":
                assert f"`{option}" in CLI_DOCS, option


def test_every_input_kind_is_documented() -> None:
    from upheld.kinds import KINDS

    contract = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        assert f"### {kind.name}" in contract, kind.name
        for column in kind.columns:
            assert f"`{column.name}`" in contract or f"`{column.accepts[0]}`" in contract, (
                kind.name,
                column.name,
            )


def test_every_statistics_field_is_documented() -> None:
    from upheld.periods import ReviewYear
    from upheld.queries import YearFigures, authority_fields
    from upheld.register import Council
    from upheld.stats import Counts, similar_average

    year = ReviewYear(2023)
    council = Council("X1", "A Council", "A", "district")
    figures = YearFigures(
        year,
        "mean",
        {"X1": council},
        {"X1": Counts()},
        {},
        {"district": similar_average([])},
        Counts(),
    )
    contract = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    for field in authority_fields(figures, "X1"):
        assert f"`{field}`" in contract, field
