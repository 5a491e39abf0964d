"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 07:26:06.381964
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "authorities",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("parent", sa.String(length=20), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("successors", sa.Text(), nullable=True),
        sa.Column("aliases", sa.Text(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("code"),
        comment="Councils imported to extend or override the built-in register",
    )
    op.create_table(
        "cases",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("received", sa.Date(), nullable=False),
        sa.Column("received_year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("subcategory", sa.String(length=200), nullable=True),
        sa.Column("decided", sa.Date(), nullable=True),
        sa.Column("decided_year", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.Column("satisfactory_remedy", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("publish", sa.Boolean(), nullable=False),
        sa.Column("complainant", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("reference"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "cases_decided",
            ["decided_year", "authority", "outcome", "satisfactory_remedy"],
            unique=False,
        )
        batch_op.create_index(
            "cases_received", ["received_year", "authority", "category"], unique=False
        )

    op.create_table(
        "contacts",
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("authority", "role"),
    )
    op.create_table(
        "events",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False, comment="'' when not given"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("authorities", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("date", "kind", "title", "location"),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("file", sa.String(length=1000), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        comment="Every file imported: what, when, and what it changed",
    )
    op.create_table(
        "populations",
        sa.Column("authority", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("vintage", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("authority", "year"),
        comment="Population figures imported to override the register's",
    )
    op.create_table(
        "compliance",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("assessed", sa.Date(), nullable=False),
        sa.Column("assessed_year", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("recommendation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["reference"],
            ["cases.reference"],
        ),
        sa.PrimaryKeyConstraint("reference"),
    )
    with op.batch_alter_table("compliance", schema=None) as batch_op:
        batch_op.create_index("compliance_assessed", ["assessed_year"], unique=False)

    op.create_table(
        "improvements",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("agreed", sa.Date(), nullable=False),
        sa.Column("agreed_year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["reference"],
            ["cases.reference"],
        ),
        sa.PrimaryKeyConstraint("reference", "description"),
    )
    op.create_table(
        "reports",
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("issued_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["reference"],
            ["cases.reference"],
        ),
        sa.PrimaryKeyConstraint("reference", "kind"),
    )


def downgrade() -> None:
    op.drop_table("reports")
    op.drop_table("improvements")
    with op.batch_alter_table("compliance", schema=None) as batch_op:
        batch_op.drop_index("compliance_assessed")

    op.drop_table("compliance")
    op.drop_table("populations")
    op.drop_table("imports")
    op.drop_table("events")
    op.drop_table("contacts")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("cases_received")
        batch_op.drop_index("cases_decided")

    op.drop_table("cases")
    op.drop_table("authorities")
