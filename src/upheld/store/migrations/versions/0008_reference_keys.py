"""Case references found however they are written: each case's reference key

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from upheld.core.references import KEY_LENGTH, reference_key

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    # Added as plain nullable columns: SQLite adds them in place, without copying the table.
    op.add_column(
        "cases",
        sa.Column(
            "reference_key",
            sa.String(length=KEY_LENGTH),
            nullable=True,
            comment="the reference's letters and digits in one case, to find it however it is "
            "written",
        ),
    )
    op.add_column(
        "search_decisions",
        sa.Column("reference_key", sa.String(length=KEY_LENGTH), nullable=True),
    )
    connection = op.get_bind()
    # The key is worked out in Python, exactly as an import and a search work it out.
    references = [row[0] for row in connection.execute(sa.text("SELECT reference FROM cases"))]
    update = sa.text("UPDATE cases SET reference_key = :key WHERE reference = :reference")
    for start in range(0, len(references), BATCH):
        connection.execute(
            update,
            [
                {"key": reference_key(reference), "reference": reference}
                for reference in references[start : start + BATCH]
            ],
        )
    connection.execute(
        sa.text(
            "UPDATE search_decisions SET reference_key = (SELECT cases.reference_key FROM cases "
            "WHERE cases.reference = search_decisions.reference)"
        )
    )
    op.create_index("cases_reference_key", "cases", ["reference_key"])
    op.create_index("search_decisions_reference_key", "search_decisions", ["reference_key"])


def downgrade() -> None:
    op.drop_index("search_decisions_reference_key", table_name="search_decisions")
    op.drop_index("cases_reference_key", table_name="cases")
    with op.batch_alter_table("search_decisions") as batch:
        batch.drop_column("reference_key")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reference_key")
