"""Initial schema: every table of okrflow.store.tables, and the append-only guard on audit_log.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "activity_keys",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("result", _json(none_as_null=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_activity_keys")),
    )
    op.create_table(
        "orgs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("changes", _json(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_audit_log_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        op.f("ix_audit_log_org_id_actor_id_at"), "audit_log", ["org_id", "actor_id", "at"], unique=False
    )
    op.create_index(op.f("ix_audit_log_org_id_at"), "audit_log", ["org_id", "at"], unique=False)
    op.create_index(
        op.f("ix_audit_log_org_id_subject_type_subject_id_at"),
        "audit_log",
        ["org_id", "subject_type", "subject_id", "at"],
        unique=False,
    )
    op.create_table(
        "cycles",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("cadence", _json(), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_cycles_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycles")),
    )
    op.create_index(op.f("ix_cycles_org_id"), "cycles", ["org_id"], unique=False)
    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("lead_id", sa.String(length=64), nullable=True),
        *_lead_fk_inline(sqlite),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_teams_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["teams.id"],
            name=op.f("fk_teams_parent_id_teams"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_index(op.f("ix_teams_org_id"), "teams", ["org_id"], unique=False)
    op.create_index(op.f("ix_teams_parent_id"), "teams", ["parent_id"], unique=False)
    op.create_table(
        "calendar_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_calendar_events_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_calendar_events_org_id_orgs")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_calendar_events_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_events")),
    )
    op.create_index(
        op.f("ix_calendar_events_cycle_id_on"), "calendar_events", ["cycle_id", "on"], unique=False
    )
    op.create_index(op.f("ix_calendar_events_org_id"), "calendar_events", ["org_id"], unique=False)
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.Text(), nullable=False),
        sa.Column("participants", _json(), nullable=False),
        sa.Column("meet_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("situation", sa.Text(), nullable=False),
        sa.Column("causes", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("decisions", _json(), nullable=False),
        sa.Column("check_on", sa.Date(), nullable=True),
        sa.Column("check_condition", sa.Text(), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_consultations_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_consultations_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    op.create_index(
        op.f("ix_consultations_cycle_id_status"), "consultations", ["cycle_id", "status"], unique=False
    )
    op.create_index(op.f("ix_consultations_org_id"), "consultations", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_consultations_subject_type_subject_id"),
        "consultations",
        ["subject_type", "subject_id"],
        unique=False,
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("rung", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("opened_week", sa.Integer(), nullable=False),
        sa.Column("updated_week", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_escalations_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_escalations_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
    )
    op.create_index(
        op.f("ix_escalations_cycle_id_rule_id_subject_type_subject_id"),
        "escalations",
        ["cycle_id", "rule_id", "subject_type", "subject_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_escalations_cycle_id_status"), "escalations", ["cycle_id", "status"], unique=False
    )
    op.create_index(op.f("ix_escalations_org_id"), "escalations", ["org_id"], unique=False)
    op.create_table(
        "flags",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=32), nullable=False),
        sa.Column("message", _json(), nullable=False),
        sa.Column("facts", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_flags_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_flags_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
        sa.UniqueConstraint(
            "cycle_id",
            "week",
            "rule_id",
            "subject_type",
            "subject_id",
            name=op.f("uq_flags_cycle_id_week_rule_id_subject_type_subject_id"),
        ),
    )
    op.create_index(op.f("ix_flags_org_id"), "flags", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_flags_subject_type_subject_id"), "flags", ["subject_type", "subject_id"], unique=False
    )
    op.create_table(
        "health_pulses",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("team_health", sa.String(length=32), nullable=False),
        sa.Column("quality", sa.String(length=32), nullable=False),
        sa.Column("customer_satisfaction", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_health_pulses_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_health_pulses_org_id_orgs")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_health_pulses_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_pulses")),
        sa.UniqueConstraint(
            "cycle_id", "team_id", "week", name=op.f("uq_health_pulses_cycle_id_team_id_week")
        ),
    )
    op.create_index(op.f("ix_health_pulses_org_id"), "health_pulses", ["org_id"], unique=False)
    op.create_index(op.f("ix_health_pulses_team_id"), "health_pulses", ["team_id"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("handle", sa.String(length=64), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("manager_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=32), nullable=False),
        sa.Column("weekly_capacity_hours", sa.Double(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["people.id"],
            name=op.f("fk_people_manager_id_people"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_people_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_people_team_id_teams"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("org_id", "handle", name=op.f("uq_people_org_id_handle")),
    )
    op.create_index(op.f("ix_people_manager_id"), "people", ["manager_id"], unique=False)
    op.create_index(op.f("ix_people_org_id"), "people", ["org_id"], unique=False)
    op.create_index(op.f("ix_people_team_id"), "people", ["team_id"], unique=False)
    if not sqlite:
        # teams.lead_id -> people: a cycle between the two tables; SQLite got it inline above.
        op.create_foreign_key(
            op.f("fk_teams_lead_id_people"),
            "teams",
            "people",
            ["lead_id"],
            ["id"],
            deferrable=True,
            initially="DEFERRED",
        )
    op.create_table(
        "rule_evaluation_errors",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Text(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_rule_evaluation_errors_cycle_id_cycles")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_rule_evaluation_errors_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_evaluation_errors")),
        sa.UniqueConstraint(
            "cycle_id", "week", "rule_id", "subject_type", "subject_id", name="uq_rule_evaluation_errors_key"
        ),
    )
    op.create_index(
        op.f("ix_rule_evaluation_errors_org_id"), "rule_evaluation_errors", ["org_id"], unique=False
    )
    op.create_table(
        "weekly_sheets",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("content", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_weekly_sheets_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_weekly_sheets_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_sheets")),
        sa.UniqueConstraint("cycle_id", "week", "scope", name=op.f("uq_weekly_sheets_cycle_id_week_scope")),
    )
    op.create_index(op.f("ix_weekly_sheets_org_id"), "weekly_sheets", ["org_id"], unique=False)
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_api_tokens_org_id_orgs")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_api_tokens_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_org_id"), "api_tokens", ["org_id"], unique=False)
    op.create_index(op.f("ix_api_tokens_person_id"), "api_tokens", ["person_id"], unique=False)
    op.create_table(
        "change_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("impact", sa.Text(), nullable=False),
        sa.Column("changes", _json(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("approver_role", sa.String(length=32), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_change_requests_cycle_id_cycles")),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["people.id"], name=op.f("fk_change_requests_decided_by_people")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_change_requests_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["people.id"], name=op.f("fk_change_requests_requested_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_requests")),
    )
    op.create_index(
        op.f("ix_change_requests_cycle_id_status"), "change_requests", ["cycle_id", "status"], unique=False
    )
    op.create_index(op.f("ix_change_requests_org_id"), "change_requests", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_change_requests_subject_type_subject_id"),
        "change_requests",
        ["subject_type", "subject_id"],
        unique=False,
    )
    op.create_table(
        "comments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("mentions", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_comments_author_id_people")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_comments_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index(op.f("ix_comments_author_id"), "comments", ["author_id"], unique=False)
    op.create_index(
        op.f("ix_comments_org_id_subject_type_subject_id_created_at"),
        "comments",
        ["org_id", "subject_type", "subject_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("title", _json(), nullable=False),
        sa.Column("body", _json(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_notifications_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["people.id"], name=op.f("fk_notifications_recipient_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint(
            "recipient_id", "dedupe_key", name=op.f("uq_notifications_recipient_id_dedupe_key")
        ),
    )
    op.create_index(
        op.f("ix_notifications_org_id_delivered_at_created_at"),
        "notifications",
        ["org_id", "delivered_at", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_notifications_recipient_id_created_at"),
        "notifications",
        ["recipient_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "objectives",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("cycle_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycles.id"], name=op.f("fk_objectives_cycle_id_cycles")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_objectives_org_id_orgs")),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_objectives_owner_id_people")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_objectives_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objectives")),
    )
    op.create_index(
        op.f("ix_objectives_cycle_id_team_id"), "objectives", ["cycle_id", "team_id"], unique=False
    )
    op.create_index(op.f("ix_objectives_org_id"), "objectives", ["org_id"], unique=False)
    op.create_index(op.f("ix_objectives_owner_id"), "objectives", ["owner_id"], unique=False)
    op.create_index(op.f("ix_objectives_team_id"), "objectives", ["team_id"], unique=False)
    op.create_table(
        "rule_set_versions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_rule_set_versions_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["published_by"], ["people.id"], name=op.f("fk_rule_set_versions_published_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_set_versions")),
        sa.UniqueConstraint("org_id", "version", name=op.f("uq_rule_set_versions_org_id_version")),
    )
    op.create_table(
        "key_results",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("objective_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Double(), nullable=True),
        sa.Column("target", sa.Double(), nullable=True),
        sa.Column("current", sa.Double(), nullable=True),
        sa.Column("floor", sa.Double(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("weight", sa.Double(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"], ["objectives.id"], name=op.f("fk_key_results_objective_id_objectives")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_key_results_org_id_orgs")),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_key_results_owner_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_results")),
    )
    op.create_index(op.f("ix_key_results_objective_id"), "key_results", ["objective_id"], unique=False)
    op.create_index(op.f("ix_key_results_org_id"), "key_results", ["org_id"], unique=False)
    op.create_index(op.f("ix_key_results_owner_id"), "key_results", ["owner_id"], unique=False)
    op.create_table(
        "objective_alignments",
        sa.Column("objective_id", sa.String(length=64), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_objective_alignments_objective_id_objectives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_objective_alignments_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["objectives.id"], name=op.f("fk_objective_alignments_parent_id_objectives")
        ),
        sa.PrimaryKeyConstraint("objective_id", "parent_id", name=op.f("pk_objective_alignments")),
    )
    op.create_index(op.f("ix_objective_alignments_org_id"), "objective_alignments", ["org_id"], unique=False)
    op.create_index(
        op.f("ix_objective_alignments_parent_id"), "objective_alignments", ["parent_id"], unique=False
    )
    op.create_table(
        "check_ins",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("kr_id", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("blockers", _json(), nullable=False),
        sa.Column("next_priorities", _json(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"], name=op.f("fk_check_ins_author_id_people")),
        sa.ForeignKeyConstraint(["kr_id"], ["key_results.id"], name=op.f("fk_check_ins_kr_id_key_results")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_check_ins_org_id_orgs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint(
            "author_id", "idempotency_key", name=op.f("uq_check_ins_author_id_idempotency_key")
        ),
    )
    op.create_index(op.f("ix_check_ins_kr_id_at"), "check_ins", ["kr_id", "at"], unique=False)
    op.create_index(op.f("ix_check_ins_org_id"), "check_ins", ["org_id"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("kr_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.String(length=64), nullable=False),
        sa.Column("collaborators", _json(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("milestone", sa.Boolean(), nullable=False),
        sa.Column("estimate_hours", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("plan_state", sa.String(length=32), nullable=False),
        sa.Column("in_baseline", sa.Boolean(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cut_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trade_off_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["kr_id"], ["key_results.id"], name=op.f("fk_tasks_kr_id_key_results")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_tasks_org_id_orgs")),
        sa.ForeignKeyConstraint(["owner_id"], ["people.id"], name=op.f("fk_tasks_owner_id_people")),
        sa.ForeignKeyConstraint(["proposed_by"], ["people.id"], name=op.f("fk_tasks_proposed_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(op.f("ix_tasks_kr_id"), "tasks", ["kr_id"], unique=False)
    op.create_index(op.f("ix_tasks_org_id"), "tasks", ["org_id"], unique=False)
    op.create_index(op.f("ix_tasks_owner_id"), "tasks", ["owner_id"], unique=False)
    op.create_table(
        "task_dependencies",
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("depends_on_id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["depends_on_id"], ["tasks.id"], name=op.f("fk_task_dependencies_depends_on_id_tasks")
        ),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_task_dependencies_org_id_orgs")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_dependencies_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("task_id", "depends_on_id", name=op.f("pk_task_dependencies")),
    )
    op.create_index(
        op.f("ix_task_dependencies_depends_on_id"), "task_dependencies", ["depends_on_id"], unique=False
    )
    op.create_index(op.f("ix_task_dependencies_org_id"), "task_dependencies", ["org_id"], unique=False)
    _install_audit_log_guard(sqlite)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_audit_log_guard(sqlite)
    if not sqlite:
        op.drop_constraint(op.f("fk_teams_lead_id_people"), "teams", type_="foreignkey")
    op.drop_table("task_dependencies")
    op.drop_table("tasks")
    op.drop_table("check_ins")
    op.drop_table("objective_alignments")
    op.drop_table("key_results")
    op.drop_table("rule_set_versions")
    op.drop_table("objectives")
    op.drop_table("notifications")
    op.drop_table("comments")
    op.drop_table("change_requests")
    op.drop_table("api_tokens")
    op.drop_table("weekly_sheets")
    op.drop_table("rule_evaluation_errors")
    op.drop_table("people")
    op.drop_table("health_pulses")
    op.drop_table("flags")
    op.drop_table("escalations")
    op.drop_table("consultations")
    op.drop_table("calendar_events")
    op.drop_table("teams")
    op.drop_table("cycles")
    op.drop_table("audit_log")
    op.drop_table("orgs")
    op.drop_table("activity_keys")


def _json(*, none_as_null: bool = False) -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=none_as_null).with_variant(
        postgresql.JSONB(none_as_null=none_as_null), "postgresql"
    )


def _lead_fk_inline(sqlite: bool) -> list[sa.ForeignKeyConstraint]:
    if not sqlite:
        return []
    return [
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["people.id"],
            name=op.f("fk_teams_lead_id_people"),
            initially="DEFERRED",
            deferrable=True,
        )
    ]


# The audit log is append-only: the database itself refuses to change or delete an entry.
_SQLITE_GUARD = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END",
]
_POSTGRES_GUARD = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


def _install_audit_log_guard(sqlite: bool) -> None:
    for statement in _SQLITE_GUARD if sqlite else _POSTGRES_GUARD:
        op.execute(statement)


def _drop_audit_log_guard(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    else:
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
