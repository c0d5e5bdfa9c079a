"""Governance: the audit log, change requests, flags and rule evaluation errors, escalations,
consultations, published rule-set versions, and problems raised with the OKR ambassador."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from okrflow.domain.model import (
    ChangeRequestStatus,
    ConsultationStatus,
    EscalationStatus,
    Role,
    RuleMode,
    Severity,
    SubjectType,
)
from okrflow.reports.ambassador_model import ProblemStatus
from okrflow.store.tables.base import ID, Base, JSONValue, org_id_column, table_of
from okrflow.store.types import DateOnly, EnumText, UTCDateTime


class AuditRow(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "org_id", "subject_type", "subject_id", "at"),
        Index(None, "org_id", "actor_id", "at"),
        Index(None, "org_id", "at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    reason: Mapped[str | None] = mapped_column(Text)


class ChangeRequestRow(Base):
    __tablename__ = "change_requests"
    __table_args__ = (Index(None, "cycle_id", "status"), Index(None, "subject_type", "subject_id"))

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    requested_by: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    status: Mapped[ChangeRequestStatus] = mapped_column(EnumText(ChangeRequestStatus))
    approver_role: Mapped[Role] = mapped_column(EnumText(Role))
    decided_by: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Filed in the mid-term window: a revision (added by 0004_governance; older rows are not).
    midterm: Mapped[bool] = mapped_column(Boolean, server_default=false())


class FlagRow(Base):
    __tablename__ = "flags"
    __table_args__ = (
        # One flag per rule, subject and review: a retried review writes nothing twice.
        UniqueConstraint("cycle_id", "week", "rule_id", "subject_type", "subject_id"),
        Index(None, "subject_type", "subject_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    week: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(Text)
    rule_version: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    severity: Mapped[Severity] = mapped_column(EnumText(Severity))
    mode: Mapped[RuleMode] = mapped_column(EnumText(RuleMode))
    message: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RuleEvaluationErrorRow(Base):
    __tablename__ = "rule_evaluation_errors"
    __table_args__ = (
        UniqueConstraint(
            "cycle_id", "week", "rule_id", "subject_type", "subject_id", name="uq_rule_evaluation_errors_key"
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    week: Mapped[int] = mapped_column(Integer)
    rule_id: Mapped[str] = mapped_column(Text)
    rule_version: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EscalationRow(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        Index(None, "cycle_id", "status"),
        Index(None, "cycle_id", "rule_id", "subject_type", "subject_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    rule_id: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    streak: Mapped[int] = mapped_column(Integer)
    rung: Mapped[int] = mapped_column(Integer)
    status: Mapped[EscalationStatus] = mapped_column(EnumText(EscalationStatus))
    opened_week: Mapped[int] = mapped_column(Integer)
    updated_week: Mapped[int] = mapped_column(Integer)


class ConsultationRow(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index(None, "cycle_id", "status"), Index(None, "subject_type", "subject_id"))

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(Text)
    participants: Mapped[list[str]] = mapped_column(JSONValue)
    meet_by: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ConsultationStatus] = mapped_column(EnumText(ConsultationStatus))
    level: Mapped[int] = mapped_column(Integer)
    situation: Mapped[str] = mapped_column(Text)
    causes: Mapped[str] = mapped_column(Text)
    impact: Mapped[str] = mapped_column(Text)
    decisions: Mapped[list[str]] = mapped_column(JSONValue)
    check_on: Mapped[date | None] = mapped_column(DateOnly)
    check_condition: Mapped[str | None] = mapped_column(Text)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RuleSetVersionRow(Base):
    __tablename__ = "rule_set_versions"
    __table_args__ = (UniqueConstraint("org_id", "version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean)


class IntakeProblemRow(Base):
    """A problem anyone raised about an OKR (or a person, team, task) for the OKR ambassador to triage."""

    __tablename__ = "intake_problems"
    __table_args__ = (Index(None, "org_id", "status", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"))
    cycle_id: Mapped[str | None] = mapped_column(ID, ForeignKey("cycles.id"))
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    raised_by: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[ProblemStatus] = mapped_column(EnumText(ProblemStatus))
    assignee_id: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    consultation_id: Mapped[str | None] = mapped_column(ID, ForeignKey("consultations.id"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


audit_log = table_of(AuditRow)
change_requests = table_of(ChangeRequestRow)
flags = table_of(FlagRow)
rule_evaluation_errors = table_of(RuleEvaluationErrorRow)
escalations = table_of(EscalationRow)
consultations = table_of(ConsultationRow)
rule_set_versions = table_of(RuleSetVersionRow)
intake_problems = table_of(IntakeProblemRow)
