"""The tables: one per domain record of ``okrflow.domain.model``, plus link and bookkeeping tables.

Primary keys are opaque strings. Every org-owned table carries ``org_id`` (indexed, alone or as the
leading column of a composite index) so each query can be scoped to the caller's org. The circular
and self references of the org chart (team lead, person's team, manager, parent team) are
deferrable so a whole org chart can be inserted in any order within one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from okrflow.domain.model import (
    ChangeRequestStatus,
    ConsultationStatus,
    Direction,
    EscalationStatus,
    HealthLevel,
    KRKind,
    Language,
    ObjectiveKind,
    ObjectiveStatus,
    Phase,
    PlanState,
    Role,
    RuleMode,
    Severity,
    SubjectType,
    TaskStatus,
)
from okrflow.reports.ambassador_model import ProblemStatus
from okrflow.store.types import DateOnly, EnumText, UTCDateTime, json_type

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(64)
JSONValue = json_type()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _org() -> Mapped[str]:
    return mapped_column(ID, ForeignKey("orgs.id"), index=True)


def _deferred_fk(target: str, **kw: Any) -> ForeignKey:
    return ForeignKey(target, deferrable=True, initially="DEFERRED", **kw)


# ---------------------------------------------------------------- organisation


class OrgRow(Base):
    __tablename__ = "orgs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[Language] = mapped_column(EnumText(Language))


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ID, _deferred_fk("teams.id"), index=True)
    # people references teams too: created after both tables (ALTER) where the backend allows it
    lead_id: Mapped[str | None] = mapped_column(ID, _deferred_fk("people.id", use_alter=True))


class PersonRow(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("org_id", "handle"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    name: Mapped[str] = mapped_column(Text)
    handle: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(Text)
    team_id: Mapped[str | None] = mapped_column(ID, _deferred_fk("teams.id"), index=True)
    manager_id: Mapped[str | None] = mapped_column(ID, _deferred_fk("people.id"), index=True)
    role: Mapped[Role] = mapped_column(EnumText(Role))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[Language] = mapped_column(EnumText(Language))
    weekly_capacity_hours: Mapped[float] = mapped_column(Double)
    active: Mapped[bool] = mapped_column(Boolean)


class CycleRow(Base):
    __tablename__ = "cycles"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    name: Mapped[str] = mapped_column(Text)
    start: Mapped[date] = mapped_column(DateOnly)
    end: Mapped[date] = mapped_column(DateOnly)
    timezone: Mapped[str] = mapped_column(String(64))
    cadence: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    phase: Mapped[Phase] = mapped_column(EnumText(Phase))


# ---------------------------------------------------------------- objectives, key results, tasks


class ObjectiveRow(Base):
    __tablename__ = "objectives"
    __table_args__ = (Index(None, "cycle_id", "team_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), index=True)
    team_id: Mapped[str | None] = mapped_column(ID, ForeignKey("teams.id"), index=True)
    kind: Mapped[ObjectiveKind] = mapped_column(EnumText(ObjectiveKind))
    status: Mapped[ObjectiveStatus] = mapped_column(EnumText(ObjectiveStatus))
    weight: Mapped[float] = mapped_column(Double)
    version: Mapped[int] = mapped_column(Integer)


class ObjectiveAlignmentRow(Base):
    """Objective ``objective_id`` is aligned to parent objective ``parent_id`` (``aligned_to``, in order)."""

    __tablename__ = "objective_alignments"

    objective_id: Mapped[str] = mapped_column(
        ID, ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[str] = mapped_column(ID, ForeignKey("objectives.id"), primary_key=True, index=True)
    org_id: Mapped[str] = _org()
    position: Mapped[int] = mapped_column(Integer)


class KeyResultRow(Base):
    __tablename__ = "key_results"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    objective_id: Mapped[str] = mapped_column(ID, ForeignKey("objectives.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"), index=True)
    kind: Mapped[KRKind] = mapped_column(EnumText(KRKind))
    direction: Mapped[Direction] = mapped_column(EnumText(Direction))
    start: Mapped[float | None] = mapped_column(Double)
    target: Mapped[float | None] = mapped_column(Double)
    current: Mapped[float | None] = mapped_column(Double)
    floor: Mapped[float | None] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(Text)
    weight: Mapped[float] = mapped_column(Double)
    due: Mapped[date | None] = mapped_column(DateOnly)
    version: Mapped[int] = mapped_column(Integer)


class TaskRow(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    kr_id: Mapped[str] = mapped_column(ID, ForeignKey("key_results.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), index=True)
    collaborators: Mapped[list[str]] = mapped_column(JSONValue)
    due: Mapped[date | None] = mapped_column(DateOnly)
    milestone: Mapped[bool] = mapped_column(Boolean)
    estimate_hours: Mapped[float | None] = mapped_column(Double)
    status: Mapped[TaskStatus] = mapped_column(EnumText(TaskStatus))
    plan_state: Mapped[PlanState] = mapped_column(EnumText(PlanState))
    in_baseline: Mapped[bool] = mapped_column(Boolean)
    proposed_by: Mapped[str | None] = mapped_column(ID, ForeignKey("people.id"))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cut_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trade_off_note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)


class TaskDependencyRow(Base):
    """Task ``task_id`` depends on task ``depends_on_id`` (``depends_on``, in order)."""

    __tablename__ = "task_dependencies"

    task_id: Mapped[str] = mapped_column(ID, ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True)
    depends_on_id: Mapped[str] = mapped_column(ID, ForeignKey("tasks.id"), primary_key=True, index=True)
    org_id: Mapped[str] = _org()
    position: Mapped[int] = mapped_column(Integer)


# ---------------------------------------------------------------- what happens during the cycle


class CheckInRow(Base):
    __tablename__ = "check_ins"
    __table_args__ = (
        Index(None, "kr_id", "at"),
        # A retried check-in with the same Idempotency-Key counts once (NULL keys never clash).
        UniqueConstraint("author_id", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    kr_id: Mapped[str] = mapped_column(ID, ForeignKey("key_results.id"))
    author_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Double)
    confidence: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text)
    blockers: Mapped[list[str]] = mapped_column(JSONValue)
    next_priorities: Mapped[list[str]] = mapped_column(JSONValue)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))


class HealthPulseRow(Base):
    __tablename__ = "health_pulses"
    __table_args__ = (UniqueConstraint("cycle_id", "team_id", "week"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    team_id: Mapped[str] = mapped_column(ID, ForeignKey("teams.id"), index=True)
    week: Mapped[int] = mapped_column(Integer)
    team_health: Mapped[HealthLevel] = mapped_column(EnumText(HealthLevel))
    quality: Mapped[HealthLevel] = mapped_column(EnumText(HealthLevel))
    customer_satisfaction: Mapped[HealthLevel] = mapped_column(EnumText(HealthLevel))
    note: Mapped[str] = mapped_column(Text)


class CalendarEventRow(Base):
    __tablename__ = "calendar_events"
    __table_args__ = (Index(None, "cycle_id", "on"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    team_id: Mapped[str | None] = mapped_column(ID, ForeignKey("teams.id"))
    title: Mapped[str] = mapped_column(Text)
    on: Mapped[date] = mapped_column(DateOnly)


class CommentRow(Base):
    __tablename__ = "comments"
    __table_args__ = (Index(None, "org_id", "subject_type", "subject_id", "created_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"))
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    author_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[list[str]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# ---------------------------------------------------------------- governance


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
    org_id: Mapped[str] = _org()
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
    org_id: Mapped[str] = _org()
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
    org_id: Mapped[str] = _org()
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
    org_id: Mapped[str] = _org()
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
    org_id: Mapped[str] = _org()
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


class NotificationRow(Base):
    """Outbox and inbox in one: pending while ``delivered_at`` is NULL, then in the recipient's inbox."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "dedupe_key"),
        Index(None, "recipient_id", "created_at"),
        Index(None, "org_id", "delivered_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"))
    recipient_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(Text)
    title: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    body: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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


# ---------------------------------------------------------------- access and bookkeeping


class ApiTokenRow(Base):
    """API tokens: only the SHA-256 of the token is stored; the plaintext is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WeeklySheetRow(Base):
    """The weekly sheet of one review; ``scope`` is "org" or a team id (sheets can be built per team)."""

    __tablename__ = "weekly_sheets"
    __table_args__ = (UniqueConstraint("cycle_id", "week", "scope"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = _org()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    week: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(ID)
    content: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActivityKeyRow(Base):
    """Idempotency of Temporal activities: a key (workflow id + step) is done once."""

    __tablename__ = "activity_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    result: Mapped[Any] = mapped_column(json_type(none_as_null=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


metadata = Base.metadata


class CritiqueRow(Base):
    """The drafting assistant's critique of an objective, kept with the version it critiqued."""

    __tablename__ = "critiques"

    objective_id: Mapped[str] = mapped_column(
        ID, ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[str] = _org()
    critique: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DigestItemRow(Base):
    """One line of a person's weekly digest (a flag or an escalation that reached them), collected
    team batch by team batch and sent as one notification per person when the review publishes."""

    __tablename__ = "digest_items"

    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"), primary_key=True)
    week: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    org_id: Mapped[str] = _org()
    kind: Mapped[str] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(EnumText(Severity))
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    message: Mapped[dict[str, Any]] = mapped_column(JSONValue)


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


class RetrospectiveRow(Base):
    """An objective's retrospective, written at close-out (one per objective, rewritten until archive)."""

    __tablename__ = "retrospectives"

    objective_id: Mapped[str] = mapped_column(ID, ForeignKey("objectives.id"), primary_key=True)
    org_id: Mapped[str] = _org()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"), index=True)
    author_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    # Plain text as written, or {"en": ..., "zh": ...}.
    what_worked: Mapped[Any] = mapped_column(JSONValue)
    what_did_not: Mapped[Any] = mapped_column(JSONValue)
    carry_over: Mapped[Any] = mapped_column(JSONValue)
    language: Mapped[Language | None] = mapped_column(EnumText(Language))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CycleReportRow(Base):
    """A cycle's close-out report (``CycleReport`` as JSON) and its carry-over proposals."""

    __tablename__ = "cycle_reports"

    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"), primary_key=True)
    org_id: Mapped[str] = _org()
    final: Mapped[bool] = mapped_column(Boolean)  # False: computed when the cycle ended, before close-out
    report: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    carry_over: Mapped[list[Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _t(row: type[Base]) -> Table:
    return cast(Table, row.__table__)


orgs = _t(OrgRow)
teams = _t(TeamRow)
people = _t(PersonRow)
cycles = _t(CycleRow)
objectives = _t(ObjectiveRow)
objective_alignments = _t(ObjectiveAlignmentRow)
key_results = _t(KeyResultRow)
tasks = _t(TaskRow)
task_dependencies = _t(TaskDependencyRow)
check_ins = _t(CheckInRow)
health_pulses = _t(HealthPulseRow)
calendar_events = _t(CalendarEventRow)
comments = _t(CommentRow)
audit_log = _t(AuditRow)
change_requests = _t(ChangeRequestRow)
flags = _t(FlagRow)
rule_evaluation_errors = _t(RuleEvaluationErrorRow)
escalations = _t(EscalationRow)
consultations = _t(ConsultationRow)
notifications = _t(NotificationRow)
rule_set_versions = _t(RuleSetVersionRow)
api_tokens = _t(ApiTokenRow)
weekly_sheets = _t(WeeklySheetRow)
activity_keys = _t(ActivityKeyRow)
critiques = _t(CritiqueRow)
digest_items = _t(DigestItemRow)
intake_problems = _t(IntakeProblemRow)
retrospectives = _t(RetrospectiveRow)
cycle_reports = _t(CycleReportRow)

# The table holding each kind of subject that comments, flags, change requests and audit entries name.
SUBJECT_TABLES: dict[SubjectType, Table] = {
    SubjectType.ORG: orgs,
    SubjectType.PERSON: people,
    SubjectType.TEAM: teams,
    SubjectType.CYCLE: cycles,
    SubjectType.OBJECTIVE: objectives,
    SubjectType.KEY_RESULT: key_results,
    SubjectType.TASK: tasks,
    SubjectType.CHECK_IN: check_ins,
    SubjectType.CHANGE_REQUEST: change_requests,
    SubjectType.CONSULTATION: consultations,
    SubjectType.RULE_SET: rule_set_versions,
}
