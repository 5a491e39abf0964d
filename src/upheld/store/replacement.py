"""Tables rebuilt whole beside the ones in use, then put in their place (PostgreSQL only).

A derived table rebuilt in place is emptied row by row, refilled with every index kept up to
date as it goes, and vacuumed afterwards. Built beside it instead, it is filled with no index,
the indexes are made in one sorted pass each, and it takes the old table's place (its name, its
indexes' and constraints' names, its owner, rights, comment and settings) at the end of the same
transaction. Until then readers read the old table as it was; they wait only for the swap.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError

from upheld.errors import UpheldError

SUFFIX = "_rebuilt"
"""What a table being rebuilt is called meanwhile: its own name and this."""

_LOCK_FAILED = {"55P03", "40P01"}
"""lock_not_available (the wait ran out) and deadlock_detected."""

ATTEMPTS = 20
"""How many times to try for the locks the swap needs before giving up (about half a minute)."""
SHORT_ATTEMPTS = 10
"""How many of them wait for every table at once, briefly."""


def rebuilt_name(name: str) -> str:
    """The name a table has while it is rebuilt beside the one in use."""
    return f"{name}{SUFFIX}"


def begin_like(connection: Connection, name: str) -> str:
    """An empty table shaped like the named one, with none of its indexes; returns its name."""
    _check_replaceable(connection, name)
    new = rebuilt_name(name)
    # Columns, NOT NULL, defaults, checks, comments on columns, storage, statistics.
    connection.exec_driver_sql(f"CREATE TABLE {new} (LIKE {name} INCLUDING ALL EXCLUDING INDEXES)")
    _copy_table_settings(connection, name, new)
    return new


def make_from_query(connection: Connection, name: str, query: str) -> str:
    """A table filled by a query, shaped like the named one (whose columns the query gives, in
    order and of the same types), with none of its indexes; returns its name.

    A table made from a query is filled by parallel workers, which an INSERT never has.
    """
    _check_replaceable(connection, name)
    new = rebuilt_name(name)
    connection.exec_driver_sql(f"CREATE TABLE {new} AS {query}")
    old, made = _columns(connection, name), _columns(connection, new)
    if [(n, t) for n, t, *_ in old] != [(n, t) for n, t, *_ in made]:
        raise RuntimeError(f"the query for {name} gives the columns {made}, not {old}")
    changes = []
    for column, _type, not_null, default in old:
        if not_null:
            changes.append(f"ALTER COLUMN {column} SET NOT NULL")
        if default is not None:
            changes.append(f"ALTER COLUMN {column} SET DEFAULT {default}")
    if changes:
        # One ALTER TABLE: one pass over the rows checks every NOT NULL.
        connection.exec_driver_sql(f"ALTER TABLE {new} {', '.join(changes)}")
    for (statement,) in _column_comments(connection, name, new):
        connection.exec_driver_sql(statement)
    _copy_table_settings(connection, name, new)
    return new


def add_indexes(connection: Connection, name: str) -> None:
    """Give the table being rebuilt the named one's constraints and indexes, under names of
    their own until the swap, and its rights."""
    for part in _parts(connection, name):
        connection.exec_driver_sql(part.create)
    _copy_rights(connection, name, rebuilt_name(name))


def swap(connection: Connection, names: Sequence[str]) -> None:
    """Put each rebuilt table in the place of the one in use: drop it, and give the new one its
    name and its indexes' and constraints' names.

    Readers are waited for briefly and again and again, never while the swap holds a table
    another search might be waiting for beyond PostgreSQL's deadlock_timeout: should a search
    hold one table and wait for the other, the swap is the one that gives way (and tries again),
    never the search that fails. The transaction is never left aborted; if the tables stay busy
    the swap gives up with an error, and the whole rebuild is undone with the transaction.
    """
    renames = [part.rename for name in names for part in _parts(connection, name)]
    _lock(connection, names)
    connection.exec_driver_sql(f"DROP TABLE {', '.join(names)}")
    for statement in renames:
        connection.exec_driver_sql(statement)
    for name in names:
        connection.exec_driver_sql(f"ALTER TABLE {rebuilt_name(name)} RENAME TO {name}")


class _Part(NamedTuple):
    """A constraint or index of a table: how to make it on the rebuilt table under a name of its
    own, and how to give it its name at the swap."""

    create: str
    rename: str


def _parts(connection: Connection, name: str) -> list[_Part]:
    """The table's keys, unique and foreign-key constraints (LIKE copies the checks), then its
    other indexes."""
    new = rebuilt_name(name)
    parts = [
        _Part(
            f"ALTER TABLE {new} ADD CONSTRAINT {temporary} {definition}",
            f"ALTER TABLE {new} RENAME CONSTRAINT {temporary} TO {final}",
        )
        for temporary, definition, final in connection.exec_driver_sql(
            "SELECT 'rebuilt_' || oid, pg_get_constraintdef(oid), quote_ident(conname) "
            "FROM pg_constraint WHERE conrelid = %(name)s::regclass "
            "AND contype IN ('p', 'u', 'x', 'f') ORDER BY oid",
            {"name": name},
        )
    ]
    indexes = connection.exec_driver_sql(
        "SELECT 'rebuilt_' || i.indexrelid, i.indisunique, pg_get_indexdef(i.indexrelid), "
        "quote_ident(c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %(name)s::regclass AND NOT EXISTS (SELECT FROM pg_constraint k "
        "WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid) ORDER BY i.indexrelid",
        {"name": name},
    )
    for temporary, unique, definition, final in indexes:
        # "CREATE INDEX name ON schema.table USING method (columns) ..."
        using = definition[definition.index(" USING ") + 1 :]
        kind = "UNIQUE INDEX" if unique else "INDEX"
        parts.append(
            _Part(
                f"CREATE {kind} {temporary} ON {new} {using}",
                f"ALTER INDEX {temporary} RENAME TO {final}",
            )
        )
    return parts


def _lock(connection: Connection, names: Sequence[str]) -> None:
    deadlock_ms = connection.exec_driver_sql(
        "SELECT setting::integer FROM pg_settings WHERE name = 'deadlock_timeout'"
    ).scalar_one()
    before = connection.exec_driver_sql("SELECT current_setting('lock_timeout')").scalar_one()
    for attempt in range(ATTEMPTS):
        savepoint = connection.begin_nested()
        try:
            if attempt < SHORT_ATTEMPTS:
                # Waiting for each table in turn, holding the ones before: a search that holds
                # a later one and waits behind us for an earlier one makes a deadlock, which
                # PostgreSQL breaks by failing whichever waited deadlock_timeout first. Every
                # wait together shorter than that, it is always the swap that gives way.
                wait_ms = min(20 * 2**attempt, deadlock_ms // (len(names) + 1))
                _set_lock_timeout(connection, wait_ms)
                connection.exec_driver_sql(
                    f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE"
                )
            else:
                # Still busy: something holds a table for longer, such as autovacuum, which
                # PostgreSQL stops for a lock that has waited deadlock_timeout. Waiting that long
                # for one table only, then not at all for the others, holding none of them while
                # waiting: no deadlock can be made.
                wait_ms = 2 * deadlock_ms
                first = names[attempt % len(names)]
                others = [name for name in names if name != first]
                _set_lock_timeout(connection, wait_ms)
                connection.exec_driver_sql(f"LOCK TABLE {first} IN ACCESS EXCLUSIVE MODE")
                if others:  # a swap of one table has no others
                    connection.exec_driver_sql(
                        f"LOCK TABLE {', '.join(others)} IN ACCESS EXCLUSIVE MODE NOWAIT"
                    )
        except OperationalError as exc:
            savepoint.rollback()
            if getattr(exc.orig, "sqlstate", None) not in _LOCK_FAILED:
                raise
            # Let the searches that queued behind us through before asking again.
            time.sleep(min(wait_ms, 500) / 2000)
            continue
        savepoint.commit()
        connection.exec_driver_sql(
            "SELECT set_config('lock_timeout', %(before)s, true)", {"before": before}
        )
        return
    raise UpheldError(
        f"the search index was not rebuilt: {', '.join(names)} stayed in use by other "
        "connections (a long export or an open transaction?); try again when they are done"
    )


def _set_lock_timeout(connection: Connection, milliseconds: int) -> None:
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(milliseconds)}")


def _check_replaceable(connection: Connection, name: str) -> None:
    """Stop unless the table can be dropped and made again: owned by this role (or one it acts
    as), with nothing depending on it but its own parts."""
    owner, ours = connection.exec_driver_sql(
        "SELECT c.relowner::regrole::text, pg_has_role(c.relowner, 'USAGE') FROM pg_class c "
        "WHERE c.oid = %(name)s::regclass",
        {"name": name},
    ).one()
    if not ours:
        raise UpheldError(
            f"the table {name} belongs to the role {owner}, which this connection cannot act "
            f"as: rebuild the search index as {owner} (the role that ran `upheld init`)"
        )
    dependants = (
        connection.exec_driver_sql(
            "SELECT DISTINCT pg_describe_object(d.classid, d.objid, 0) FROM pg_depend d "
            "WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = %(name)s::regclass "
            "AND d.deptype = 'n' "
            "AND NOT (d.classid = 'pg_constraint'::regclass AND EXISTS (SELECT FROM pg_constraint "
            "k WHERE k.oid = d.objid AND k.conrelid = d.refobjid)) ORDER BY 1",
            {"name": name},
        )
        .scalars()
        .all()
    )
    if dependants:
        raise UpheldError(
            f"the table {name} cannot be rebuilt beside itself: {', '.join(dependants)} "
            "depends on it"
        )


def _copy_table_settings(connection: Connection, name: str, new: str) -> None:
    """The owner, the storage settings and the comment of the table."""
    owner, options, comment = connection.exec_driver_sql(
        "SELECT relowner::regrole::text, array_to_string(reloptions, ', '), "
        "quote_literal(obj_description(oid, 'pg_class')) FROM pg_class "
        "WHERE oid = %(name)s::regclass",
        {"name": name},
    ).one()
    connection.exec_driver_sql(f"ALTER TABLE {new} OWNER TO {owner}")
    if options:
        connection.exec_driver_sql(f"ALTER TABLE {new} SET ({options})")
    if comment is not None:
        connection.exec_driver_sql(f"COMMENT ON TABLE {new} IS {comment}")


def _column_comments(connection: Connection, name: str, new: str) -> list[tuple[str]]:
    rows = connection.exec_driver_sql(
        "SELECT format('COMMENT ON COLUMN %%s.%%I IS %%L', %(new)s::text, a.attname, "
        "d.description) FROM pg_description d JOIN pg_attribute a ON a.attrelid = d.objoid "
        "AND a.attnum = d.objsubid WHERE d.objoid = %(old)s::regclass "
        "AND d.classoid = 'pg_class'::regclass AND d.objsubid > 0",
        {"new": new, "old": name},
    )
    return [(str(statement),) for (statement,) in rows]


def _columns(connection: Connection, name: str) -> list[tuple[str, str, bool, str | None]]:
    rows = connection.exec_driver_sql(
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %(name)s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        {"name": name},
    )
    return [(str(n), str(t), bool(nn), d) for n, t, nn, d in rows]


def _copy_rights(connection: Connection, name: str, new: str) -> None:
    """Exactly the rights others hold on the old table: the new one starts with the owner's
    default privileges, which a grant or revoke on the old one may since have changed."""
    rights = (
        "SELECT a.grantee, a.privilege_type, a.is_grantable FROM pg_class c, "
        "aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a "
        "WHERE c.oid = %(table)s::regclass AND a.grantee <> c.relowner"
    )
    old = set(connection.exec_driver_sql(rights, {"table": name}).all())
    made = set(connection.exec_driver_sql(rights, {"table": new}).all())
    for grantee, privilege, _grantable in made - old:
        connection.exec_driver_sql(f"REVOKE {privilege} ON {new} FROM {_role(connection, grantee)}")
    for grantee, privilege, grantable in old - made:
        option = " WITH GRANT OPTION" if grantable else ""
        connection.exec_driver_sql(
            f"GRANT {privilege} ON {new} TO {_role(connection, grantee)}{option}"
        )


def _role(connection: Connection, oid: int) -> str:
    if oid == 0:
        return "PUBLIC"
    return str(
        connection.exec_driver_sql(
            "SELECT quote_ident(rolname) FROM pg_roles WHERE oid = %(oid)s", {"oid": oid}
        ).scalar_one()
    )
