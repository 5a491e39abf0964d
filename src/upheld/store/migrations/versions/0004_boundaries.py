"""Council boundaries for the geographic map

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "boundaries",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column(
            "year",
            sa.Integer(),
            nullable=False,
            comment="the first review year the shape applies to, or 0 for any year",
        ),
        sa.Column(
            "path", sa.Text(), nullable=False, comment="SVG path in kilometres, y to the south"
        ),
        sa.Column("min_x", sa.Float(), nullable=False),
        sa.Column("min_y", sa.Float(), nullable=False),
        sa.Column("max_x", sa.Float(), nullable=False),
        sa.Column("max_y", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", "year"),
        comment="Council boundaries imported for the geographic map (upheld boundaries import)",
    )


def downgrade() -> None:
    op.drop_table("boundaries")
