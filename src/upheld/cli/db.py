"""Commands for the database itself: a read-only role for the website on PostgreSQL."""

from __future__ import annotations

import os
import sys

import click

from upheld.cli import App, cli, pass_app
from upheld.errors import UpheldError, UsageError
from upheld.store import roles

PASSWORD_VARIABLE = "UPHELD_READONLY_PASSWORD"


@cli.group("db")
def db_group() -> None:
    """The database's roles and rights (PostgreSQL).

    \b
    Example:
      upheld --db postgresql://upheld@db/upheld db grant-readonly upheld_web --create
    """


@db_group.command("grant-readonly")
@click.argument("role")
@click.option(
    "--create",
    is_flag=True,
    help=f"Create the role, able to log in, if it does not exist; its password from "
    f"${PASSWORD_VARIABLE}, else asked for.",
)
@click.option("--sql", "show_sql", is_flag=True, help="Print the SQL instead of running it.")
@pass_app
def grant_readonly(app: App, role: str, create: bool, show_sql: bool) -> None:
    """Let a role read upheld's tables, and nothing more: the website's own role.

    Run it as the role that runs `upheld init` (or a superuser). It grants CONNECT on the
    database, USAGE on the schema, SELECT on the tables, and SELECT on the tables that role
    creates later, so an upgrade needs no new grant. Safe to rerun.

    \b
    Example:
      export UPHELD_READONLY_PASSWORD='a long secret'
      upheld --db postgresql://upheld@db/upheld db grant-readonly upheld_web --create
      upheld --db postgresql://upheld@db/upheld db grant-readonly upheld_web --sql
    """
    role = roles.checked_name(role)
    roles.require_postgresql(app.engine)
    with app.engine.connect() as connection:
        where = roles.place(connection, role)
        if show_sql:
            app.out.print(roles.script(connection, where, create=create), markup=False, end="")
            return
    password = _password(role) if create and not where.exists else None
    with app.engine.begin() as connection:
        roles.grant(connection, where, password=password)
        missing = roles.missing_rights(connection, where)
        left = roles.write_rights(connection, where)
    if missing:
        raise UpheldError(
            f"{role} still cannot read: {'; '.join(missing)}. Run the command as the role that "
            f"owns upheld's tables ({where.owner}) or as a superuser"
        )
    if password is not None:
        app.out.print(f"Created the role {role}, able to log in with its password.", markup=False)
    tables = f"the {where.tables} tables" if where.tables else "the tables (none yet)"
    app.out.print(
        f"{role} may read {tables} of database {where.database}, schema {where.schema}, and "
        f"those {where.owner} creates later; nothing more was granted.",
        markup=False,
    )
    if left:
        raise UpheldError(
            f"but {role} may still write, through rights given before or to PUBLIC: "
            f"{'; '.join(left)}. Revoke them (REVOKE ... FROM {role}, or FROM PUBLIC) so that "
            "the website cannot write"
        )


def _password(role: str) -> str:
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    if not sys.stdin.isatty():
        raise UsageError(
            f"set ${PASSWORD_VARIABLE} to the new role's password (it is never shown), or run "
            "the command in a terminal to be asked for it"
        )
    entered: str = click.prompt(
        f"Password for the new role {role}", hide_input=True, confirmation_prompt=True
    )
    if not entered:
        raise UsageError("the new role needs a password")
    return entered
