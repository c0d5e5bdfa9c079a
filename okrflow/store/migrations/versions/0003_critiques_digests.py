"""Critiques kept with the objective version they critiqued; weekly digest items.

Revision ID: 0003_critiques_digests
Revises: 0002_rollups
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_critiques_digests"
down_revision: str | Sequence[str] | None = "0002_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "critiques",
        sa.Column("objective_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("critique", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["objectives.id"], name=op.f("fk_critiques_objective_id_objectives"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_critiques_org_id_orgs")),
        sa.PrimaryKeyConstraint("objective_id", "version", name=op.f("pk_critiques")),
    )
    op.create_index(op.f("ix_critiques_org_id"), "critiques", ["org_id"], unique=False)
    op.create_table(
        "digest_items",
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("message", _json(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_digest_items_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_digest_items_org_id_orgs")),
        sa.ForeignKeyConstraint(["recipient_id"], ["people.id"], name=op.f("fk_digest_items_recipient_id_people")),
        sa.PrimaryKeyConstraint("cycle_id", "week", "recipient_id", "key", name=op.f("pk_digest_items")),
    )
    op.create_index(op.f("ix_digest_items_org_id"), "digest_items", ["org_id"], unique=False)


def downgrade() -> None:
    op.drop_table("digest_items")
    op.drop_table("critiques")
