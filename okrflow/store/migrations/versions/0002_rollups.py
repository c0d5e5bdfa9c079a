"""Roll-up tables for dashboards: rollup_key_results and rollup_groups (okrflow.store.rollups).

Revision ID: 0002_rollups
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_rollups"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "rollup_key_results",
        sa.Column("kr_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("objective_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("owner_id", sa.String(length=64), nullable=True),
        sa.Column("base", sa.String(length=32), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("raw", sa.Double(), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=True),
        sa.Column("last_check_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_week", sa.Integer(), nullable=False),
        sa.Column("first_open_milestone", sa.Date(), nullable=True),
        sa.Column("contributions", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_rollup_key_results_cycle_id_cycles")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_rollup_key_results_org_id_orgs")),
        sa.PrimaryKeyConstraint("kr_id", name=op.f("pk_rollup_key_results")),
    )
    op.create_index(
        op.f("ix_rollup_key_results_cycle_id_base_progress"),
        "rollup_key_results",
        ["cycle_id", "base", "progress"],
        unique=False,
    )
    op.create_index(
        op.f("ix_rollup_key_results_cycle_id_first_open_milestone"),
        "rollup_key_results",
        ["cycle_id", "first_open_milestone"],
        unique=False,
    )
    op.create_index(
        op.f("ix_rollup_key_results_cycle_id_owner_id"),
        "rollup_key_results",
        ["cycle_id", "owner_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_rollup_key_results_cycle_id_team_id"),
        "rollup_key_results",
        ["cycle_id", "team_id"],
        unique=False,
    )
    op.create_index(op.f("ix_rollup_key_results_org_id"), "rollup_key_results", ["org_id"], unique=False)
    op.create_table(
        "rollup_groups",
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.Column("upward", _json(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_rollup_groups_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_rollup_groups_org_id_orgs")),
        sa.PrimaryKeyConstraint("cycle_id", "scope", name=op.f("pk_rollup_groups")),
    )
    op.create_index(op.f("ix_rollup_groups_org_id"), "rollup_groups", ["org_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rollup_groups_org_id"), table_name="rollup_groups")
    op.drop_table("rollup_groups")
    for name in (
        "ix_rollup_key_results_org_id",
        "ix_rollup_key_results_cycle_id_team_id",
        "ix_rollup_key_results_cycle_id_owner_id",
        "ix_rollup_key_results_cycle_id_first_open_milestone",
        "ix_rollup_key_results_cycle_id_base_progress",
    ):
        op.drop_index(op.f(name), table_name="rollup_key_results")
    op.drop_table("rollup_key_results")
