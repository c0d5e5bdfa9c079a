"""Governance and close-out: change requests know mid-term revisions; problems raised through the
ambassador's intake; retrospectives; the cycle report with its carry-over proposals.

Revision ID: 0004_governance
Revises: 0003_critiques_digests
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_governance"
down_revision: str | Sequence[str] | None = "0003_critiques_digests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "change_requests", sa.Column("midterm", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.create_table(
        "intake_problems",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=True),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("assignee_id", sa.String(length=64), nullable=True),
        sa.Column("consultation_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["people.id"], name=op.f("fk_intake_problems_assignee_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"], ["consultations.id"], name=op.f("fk_intake_problems_consultation_id_consultations")
        ),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_intake_problems_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_intake_problems_org_id_orgs")),
        sa.ForeignKeyConstraint(["raised_by"], ["people.id"], name=op.f("fk_intake_problems_raised_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_problems")),
    )
    op.create_index(
        op.f("ix_intake_problems_org_id_status_created_at"),
        "intake_problems",
        ["org_id", "status", "created_at"],
        unique=False,
    )
    op.create_table(
        "retrospectives",
        sa.Column("objective_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("what_worked", _json(), nullable=False),
        sa.Column("what_did_not", _json(), nullable=False),
        sa.Column("carry_over", _json(), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_retrospectives_author_id_people")),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_retrospectives_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["objectives.id"], name=op.f("fk_retrospectives_objective_id_objectives")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_retrospectives_org_id_orgs")),
        sa.PrimaryKeyConstraint("objective_id", name=op.f("pk_retrospectives")),
    )
    op.create_index(op.f("ix_retrospectives_cycle_id"), "retrospectives", ["cycle_id"], unique=False)
    op.create_index(op.f("ix_retrospectives_org_id"), "retrospectives", ["org_id"], unique=False)
    op.create_table(
        "cycle_reports",
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("report", _json(), nullable=False),
        sa.Column("carry_over", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_cycle_reports_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_cycle_reports_org_id_orgs")),
        sa.PrimaryKeyConstraint("cycle_id", name=op.f("pk_cycle_reports")),
    )
    op.create_index(op.f("ix_cycle_reports_org_id"), "cycle_reports", ["org_id"], unique=False)


def downgrade() -> None:
    op.drop_table("cycle_reports")
    op.drop_table("retrospectives")
    op.drop_table("intake_problems")
    with op.batch_alter_table("change_requests") as batch:
        batch.drop_column("midterm")
