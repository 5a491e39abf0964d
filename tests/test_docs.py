"""The documentation keeps up with the code: every command and option is described."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from upheld.cli import cli
from upheld.core.catalogue import CATALOGUE

DOCS = Path(__file__).parent.parent / "docs"
CLI_DOCS = (DOCS / "cli.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    """Every command, with its group's name in front: ("letters list", ...)."""
    found: list[tuple[str, click.Command]] = []

    def walk(prefix: str, group: click.Group) -> None:
        # As `upheld --help` finds them: a command's module loads when it is asked for.
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None, name
            found.append((f"{prefix}{name}", command))
            if isinstance(command, click.Group):
                walk(f"{prefix}{name} ", command)

    assert isinstance(cli, click.Group)
    walk("", cli)
    return sorted(found)


@pytest.mark.parametrize(("name", "command"), _commands())
def test_every_command_is_documented(name: str, command: click.Command) -> None:
    heading = f"## `upheld {name}" + ("`" if isinstance(command, click.Group) else "")
    if isinstance(command, click.Group) and command.invoke_without_command:
        heading = f"## `upheld {name} "
    if isinstance(command, click.Group) and not command.invoke_without_command:
        return  # a group that only holds commands; each of them is checked
    assert heading in CLI_DOCS, f"docs/cli.md has no section for `upheld {name}`"
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
    from upheld.ingest.kinds import KINDS

    contract = (DOCS / "data-contract.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        assert f"### {kind.name}" in contract, kind.name
        for column in kind.columns:
            assert f"`{column.name}`" in contract or f"`{column.accepts[0]}`" in contract, (
                kind.name,
                column.name,
            )


def test_every_statistics_field_is_documented() -> None:
    from upheld.core.figures import YearFigures
    from upheld.core.output import authority_fields
    from upheld.core.periods import ReviewYear
    from upheld.core.stats import Counts, similar_average
    from upheld.register import Council

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
    methodology = (DOCS / "methodology.md").read_text(encoding="utf-8")
    statistics = {s.key for s in CATALOGUE} | {s.similar_key for s in CATALOGUE}
    keys = sorted(CATALOGUE.keys, key=len, reverse=True)
    for field in authority_fields(figures, "X1"):
        if field in statistics:
            # A statistic and its average are documented by the catalogue's own table.
            assert f"`{field}`" in methodology, field
            continue
        # A field every statistic has ("uphold_rate_exact") is documented once, generically.
        generic = next((field.replace(k, "<statistic>") for k in keys if k in field), field)
        assert f"`{generic}`" in contract, field


def test_the_methodology_has_the_catalogue() -> None:
    import subprocess
    import sys

    script = Path(__file__).parent.parent / "scripts" / "write_docs.py"
    text = (DOCS / "methodology.md").read_text(encoding="utf-8")
    assert CATALOGUE.as_markdown() in text, "docs/methodology.md is out of date: run make docs"
    assert "Written by `make docs`" in text
    checked = subprocess.run([sys.executable, str(script), "--check"], check=False)
    assert checked.returncode == 0, "docs/methodology.md is out of date: run make docs"


def test_documented_configuration_examples_load() -> None:
    from upheld.config import load_settings, load_year
    from upheld.core.periods import ReviewYear

    folder = DOCS / "examples" / "config"
    settings = load_settings(folder)
    assert settings.smtp.port == 587
    config = load_year(folder, ReviewYear(2024))
    assert config.shown == {"upheld_per_100k"}
    assert config.published_at.isoformat() == "2025-07-23T10:00:00+01:00"


def test_every_setting_is_documented() -> None:
    from dataclasses import fields

    from upheld.config import Organisation, Smtp, Statistics, Web

    documented = (DOCS / "configuration.md").read_text(encoding="utf-8")
    example = (DOCS / "examples" / "config" / "upheld.toml").read_text(encoding="utf-8")
    for section in (Organisation, Smtp, Web, Statistics):
        for setting in fields(section):
            assert f"`{setting.name}`" in documented, setting.name
            assert setting.name in example, setting.name
