"""Letter versions: each version of a council's letter, drafted, approved, sent or superseded

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "number", sa.Integer(), nullable=False, comment="1, 2, ... for the council and year"
        ),
        sa.Column(
            "data_sha256", sa.String(length=64), nullable=False, comment="of what the letter says"
        ),
        sa.Column(
            "figures", sa.Text(), nullable=False, comment="JSON: the figures the letter gives"
        ),
        sa.Column(
            "state",
            sa.String(length=12),
            nullable=False,
            comment="draft, approved, sent or superseded",
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "reason", sa.Text(), nullable=True, comment="why this version replaced the one before"
        ),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        comment="Each version of a council's letter for a year: what it says and where it stands",
    )
    op.create_index(
        "letter_versions_by_council",
        "letter_versions",
        ["year", "authority", "number"],
        unique=True,
    )
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("letter_version", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "letters_letter_version", "letter_versions", ["letter_version"], ["id"]
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("letter_version", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "reason", sa.Text(), nullable=True, comment="why a corrected letter was sent again"
            )
        )
        batch.create_foreign_key(
            "deliveries_letter_version", "letter_versions", ["letter_version"], ["id"]
        )
    # Letters archived before versions existed become version 1 of their council's letter: sent
    # if the delivery log says so, else approved (until now every letter written was published
    # as it stood). Their figures were not recorded, so `upheld check` asks for them to be
    # regenerated.
    op.execute(
        """
        INSERT INTO letter_versions
            (authority, year, number, data_sha256, figures, state, created_at, approved_by,
             approved_at, sent_at)
        SELECT l.authority, l.year, 1, '', '{}',
               CASE WHEN EXISTS (
                   SELECT 1 FROM deliveries d
                   WHERE d.authority = l.authority AND d.year = l.year AND d.status = 'sent'
               ) THEN 'sent' ELSE 'approved' END,
               MAX(l.generated_at), 'before approvals were recorded', MAX(l.generated_at),
               (SELECT MAX(d.at) FROM deliveries d WHERE d.authority = l.authority
                AND d.year = l.year AND d.status = 'sent')
        FROM letters l GROUP BY l.authority, l.year
        """
    )
    op.execute(
        """
        UPDATE letters SET letter_version = (
            SELECT v.id FROM letter_versions v
            WHERE v.authority = letters.authority AND v.year = letters.year
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("deliveries_letter_version", type_="foreignkey")
        batch.drop_column("reason")
        batch.drop_column("letter_version")
    with op.batch_alter_table("letters") as batch:
        batch.drop_constraint("letters_letter_version", type_="foreignkey")
        batch.drop_column("letter_version")
    op.drop_index("letter_versions_by_council", table_name="letter_versions")
    op.drop_table("letter_versions")
