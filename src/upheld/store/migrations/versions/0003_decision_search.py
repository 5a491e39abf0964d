"""Decision search index

Revision ID: 0003
Revises: 0002

`search_decisions` and `search_state` are ordinary tables, declared in upheld.db. The text index
`decision_search` is each database's own kind of object (an FTS5 virtual table on SQLite, a
table of tsvectors with a GIN index on PostgreSQL): it is made here, and left out of the
declared schema.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_decisions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("decided", sa.Date(), nullable=False),
        sa.Column("decided_year", sa.Integer(), nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("subcategory", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("satisfactory_remedy", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        comment="Decisions that may be published, numbered in date order (rebuilt by upheld index)",
    )
    op.create_index("search_decisions_decided", "search_decisions", ["decided", "id"])
    op.create_table(
        "search_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("build", sa.String(length=32), nullable=False),
        sa.Column("last_import", sa.Integer(), nullable=True),
        sa.Column("decisions", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        comment="When the decision search index was last built, and from which import",
    )
    if op.get_bind().dialect.name == "sqlite":
        # The text lives once, in search_decisions, whose explicit integer key VACUUM keeps;
        # detail=full keeps word positions, which phrases and snippets need.
        op.execute(
            "CREATE VIRTUAL TABLE decision_search USING fts5("
            "summary, subcategory, content='search_decisions', content_rowid='id', "
            "tokenize='porter unicode61', detail=full)"
        )
    else:
        op.execute(
            "CREATE TABLE decision_search (id integer PRIMARY KEY, document tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX decision_search_document ON decision_search USING gin (document)")


def downgrade() -> None:
    op.execute("DROP TABLE decision_search")
    op.drop_table("search_state")
    op.drop_index("search_decisions_decided", table_name="search_decisions")
    op.drop_table("search_decisions")
