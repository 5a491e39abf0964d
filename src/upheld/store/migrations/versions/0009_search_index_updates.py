"""The search index brought up to date from the cases an import changed: each case remembers it

Revision ID: 0009
Revises: 0008

`cases.changed_in` is the import that last inserted or changed a case. An index built after import
N holds every case changed in imports up to N, so bringing it up to date reads only the cases
changed in later ones. Cases stored before this revision have none: they are in the index if it
was up to date; if it was not, the next update of the index rebuilds it whole.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain nullable column: SQLite adds it in place, without copying the table.
    op.add_column(
        "cases",
        sa.Column(
            "changed_in",
            sa.Integer(),
            nullable=True,
            comment="the import that last inserted or changed the case (imports.id)",
        ),
    )
    op.create_index("cases_changed_in", "cases", ["changed_in"])
    # An index behind the latest import of cases cannot tell which cases it lacks: forget which
    # import it was built from, so that it is rebuilt whole.
    op.execute(
        "UPDATE search_state SET last_import = NULL WHERE last_import IS NULL "
        "OR last_import <> (SELECT max(id) FROM imports WHERE kind = 'cases')"
    )


def downgrade() -> None:
    op.drop_index("cases_changed_in", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("changed_in")
