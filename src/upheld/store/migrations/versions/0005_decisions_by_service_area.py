"""Decisions counted by service area: the index that counts decisions also holds the category

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ["decided_year", "authority", "outcome", "satisfactory_remedy"]
AFTER = ["decided_year", "authority", "category", "outcome", "satisfactory_remedy"]


def upgrade() -> None:
    # A year's decisions are counted by council, service area and outcome: with the category in
    # the index, the count reads the index alone, as it did before service areas were counted.
    op.drop_index("cases_decided", table_name="cases")
    op.create_index("cases_decided", "cases", AFTER)


def downgrade() -> None:
    op.drop_index("cases_decided", table_name="cases")
    op.create_index("cases_decided", "cases", BEFORE)
