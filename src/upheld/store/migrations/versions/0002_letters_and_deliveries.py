"""Letters archive and email delivery log

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        comment="Every annual review letter generated, each version kept",
    )
    op.create_index("letters_by_council", "letters", ["authority", "year", "format"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.Column("letter_sha256", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.String(length=300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        comment="Every attempt to email a letter: sent, failed or no address",
    )
    op.create_index("deliveries_by_council", "deliveries", ["authority", "year", "status"])


def downgrade() -> None:
    op.drop_index("deliveries_by_council", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("letters_by_council", table_name="letters")
    op.drop_table("letters")
