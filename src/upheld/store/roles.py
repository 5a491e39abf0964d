"""The website's own PostgreSQL role: it may read upheld's tables, and nothing more.

The role that runs `upheld init` owns the tables and writes them (imports, letters, the search
index). The website needs only to read, so in production it connects as a second role that has
been granted CONNECT on the database, USAGE on the schema and SELECT on the tables, and, through
default privileges, SELECT on every table the owner creates later (a migration in an upgrade).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

from upheld.errors import UpheldError, UsageError

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
"""Lower-case letters, digits and underscores: a name PostgreSQL spells the same quoted or not."""
RESERVED = {"public", "none", "current_role", "current_user", "session_user", "all"}

WRITE_RIGHTS = "INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"
"""The table rights other than SELECT; the role must hold none of them."""


def checked_name(name: str) -> str:
    """A role name fit for the website, or a usage error saying what is wrong with it."""
    if not ROLE_NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not a role name upheld will use: write lower-case letters, digits and "
            "underscores (up to 63), starting with a letter or underscore, e.g. upheld_web"
        )
    if name in RESERVED or name.startswith("pg_"):
        raise UsageError(
            f"{name!r} is reserved by PostgreSQL; choose another name, e.g. upheld_web"
        )
    return name


@dataclass(frozen=True)
class Place:
    """Where the grant applies: the database, the schema, and who owns upheld's tables there."""

    role: str
    database: str
    schema: str
    owner: str
    tables: int
    exists: bool
    superuser: bool
    member_of_owner: bool = False
    """Whether the role is the owner, or a member of the owner's role and so may write as it."""


def require_postgresql(engine: Engine) -> None:
    """Stop, before connecting, unless the database is PostgreSQL: SQLite has no roles."""
    if engine.dialect.name != "postgresql":
        raise UpheldError(
            "a SQLite database is opened read-only by the website already; nothing to grant"
        )


def place(connection: Connection, role: str) -> Place:
    """Where a grant to a role would apply on the database this connection is to."""
    require_postgresql(connection.engine)
    database, schema, me = connection.exec_driver_sql(
        "SELECT current_database(), current_schema(), current_user"
    ).one()
    if schema is None:
        raise UpheldError("the connection has no schema to work in (check its search_path)")
    # The tables belong to whoever ran `upheld init`; later migrations are created as that role.
    owner = _scalar(
        connection,
        "SELECT tableowner FROM pg_tables WHERE schemaname = %(schema)s "
        "AND tablename = 'alembic_version'",
        schema=schema,
    )
    tables = _scalar(
        connection,
        "SELECT count(*) FROM pg_tables WHERE schemaname = %(schema)s",
        schema=schema,
    )
    owner = str(owner or me)
    found = connection.exec_driver_sql(
        "SELECT rolsuper, pg_has_role(rolname, %(owner)s, 'MEMBER') FROM pg_roles "
        "WHERE rolname = %(role)s",
        {"role": role, "owner": owner},
    ).first()
    return Place(
        role=role,
        database=str(database),
        schema=str(schema),
        owner=owner,
        tables=int(tables),
        exists=found is not None,
        superuser=bool(found and found[0]),
        member_of_owner=bool(found and found[1]),
    )


def refuse_writer(where: Place) -> None:
    """Stop unless the role is one that reading could be all it does: not a superuser, not the
    owner of upheld's tables, nor a member of the owner's role."""
    if where.superuser:
        raise UpheldError(
            f"the role {where.role} is a superuser, which may write anything; the website needs "
            "a role of its own, e.g. upheld_web"
        )
    if where.role == where.owner:
        raise UpheldError(
            f"the role {where.role} owns upheld's tables and may write them; the website needs "
            "a role of its own, e.g. upheld_web"
        )
    if where.member_of_owner:
        # No grant or revoke on the tables takes away what membership gives.
        raise UpheldError(
            f"the role {where.role} is a member of {where.owner}, which owns upheld's tables, so "
            f"it may write them; the website needs a role that is not (REVOKE {where.owner} "
            f"FROM {where.role}), or one of its own, e.g. upheld_web"
        )


def _scalar(connection: Connection, query: str, **parameters: Any) -> Any:
    return connection.exec_driver_sql(query, parameters).scalar()


def statements(where: Place, *, create: bool = False, password: str | None = None) -> list[Any]:
    """The SQL that gives the role reading and nothing else (psycopg's composed statements)."""
    from psycopg import sql

    role = sql.Identifier(where.role)
    schema = sql.Identifier(where.schema)
    found: list[Any] = []
    if create and not where.exists:
        if password is None:
            found.append(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        else:
            found.append(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(role, sql.Literal(password))
            )
    found += [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(where.database), role),
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} GRANT SELECT ON TABLES TO {}"
        ).format(sql.Identifier(where.owner), schema, role),
    ]
    return found


def script(connection: Connection, where: Place, *, create: bool = False) -> str:
    """The statements as text a DBA can read and run with psql; never with a password in it."""
    refuse_writer(where)
    raw = connection.connection.driver_connection
    lines = [
        f"-- Read-only access for the website's role {where.role} to database {where.database}, "
        f"schema {where.schema}",
        f"-- (tables created later by {where.owner}, as by `upheld init`, are readable too).",
    ]
    if not where.exists and not create:
        lines.append(f"-- There is no role {where.role} yet: create it first, or add --create.")
    lines += [f"{statement.as_string(raw)};" for statement in statements(where, create=create)]
    if create and not where.exists:
        lines.append(f"-- Then, in psql, give it a password: \\password {where.role}")
    return "\n".join(lines) + "\n"


def grant(connection: Connection, where: Place, *, password: str | None = None) -> None:
    """Give the role reading and nothing else, creating it (to log in) when a password is given.

    The password is sent as a SCRAM hash made here, so that it never reaches the server's log.
    """
    refuse_writer(where)
    create = password is not None and not where.exists
    if not where.exists and not create:
        raise UpheldError(
            f"there is no role {where.role} on this server: add --create to create it, or "
            f"create it first (CREATE ROLE {where.role} LOGIN)"
        )
    raw = connection.connection.driver_connection
    assert raw is not None
    hashed = None
    if create:
        assert password is not None
        hashed = raw.pgconn.encrypt_password(password.encode(), where.role.encode()).decode()
    for statement in statements(where, create=create, password=hashed):
        raw.execute(statement)


def write_rights(connection: Connection, where: Place) -> list[str]:
    """What the role may do beyond reading, here: rights on tables, or to create in the schema."""
    found = [
        f"{right} on {table}"
        for table, right in connection.exec_driver_sql(
            "SELECT c.relname, r.right_name FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "CROSS JOIN unnest(string_to_array(%(rights)s, ', ')) AS r(right_name) "
            "WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND has_table_privilege(%(role)s, c.oid, r.right_name) "
            "ORDER BY c.relname, r.right_name",
            {"rights": WRITE_RIGHTS, "schema": where.schema, "role": where.role},
        )
    ]
    creates = _scalar(
        connection,
        "SELECT has_schema_privilege(%(role)s, %(schema)s, 'CREATE')",
        role=where.role,
        schema=where.schema,
    )
    if creates:
        found.append(f"CREATE in schema {where.schema}")
    return found


def missing_rights(connection: Connection, where: Place) -> list[str]:
    """What the role still cannot read, here (a GRANT by a role without the right to grant it
    only warns): none once the grant has worked."""
    found = [
        f"SELECT on {table}"
        for (table,) in connection.exec_driver_sql(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "AND NOT has_table_privilege(%(role)s, c.oid, 'SELECT') ORDER BY c.relname",
            {"schema": where.schema, "role": where.role},
        )
    ]
    checks = {
        f"CONNECT on database {where.database}": "has_database_privilege(%(role)s, "
        "current_database(), 'CONNECT')",
        f"USAGE on schema {where.schema}": "has_schema_privilege(%(role)s, %(schema)s, 'USAGE')",
    }
    for right, check in checks.items():
        if not _scalar(connection, f"SELECT {check}", role=where.role, schema=where.schema):
            found.append(right)
    return found
