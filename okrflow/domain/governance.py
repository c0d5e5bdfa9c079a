"""Governance records: the audit log, change requests, flags, escalations, consultations (会商),
notifications and published rule-set versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from okrflow.domain.base import Ident, LocalText, Model, NonEmptyText
from okrflow.domain.enums import (
    ChangeRequestStatus,
    ConsultationStatus,
    EscalationStatus,
    Role,
    RuleMode,
    Severity,
    SubjectType,
)


class AuditEntry(Model):
    """Append-only: who changed what, when and why. ``changes`` maps field -> [old, new]."""

    id: Ident
    org_id: Ident
    at: datetime
    actor_id: str  # a person id, or "system:<workflow>" for automated changes
    subject_type: SubjectType
    subject_id: Ident
    action: str  # create, update, delete, submit, approve, return, apply_change, ...
    changes: dict[str, list[Any]] = Field(default_factory=dict)
    reason: str | None = None


class ChangeRequest(Model):
    id: Ident
    org_id: Ident
    cycle_id: Ident
    subject_type: Literal[SubjectType.OBJECTIVE, SubjectType.KEY_RESULT]
    subject_id: Ident
    requested_by: Ident
    reason: NonEmptyText
    impact: str = ""
    changes: dict[str, Any]  # field -> proposed value
    status: ChangeRequestStatus = ChangeRequestStatus.PENDING
    approver_role: Role = Role.MANAGER
    decided_by: Ident | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None
    created_at: datetime
    midterm: bool = False  # filed in the mid-term window: a revision, logged and published as such

    @field_validator("subject_type", mode="before")
    @classmethod
    def _changeable(cls, value: Any) -> Any:
        if str(value) not in (SubjectType.OBJECTIVE, SubjectType.KEY_RESULT):
            raise ValueError(f"a change request applies to an objective or a key_result, not {str(value)!r}")
        return value

    @field_validator("changes")
    @classmethod
    def _some_change(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("a change request must propose at least one change")
        return value


class Flag(Model):
    """A rule fired for a subject in a weekly review."""

    id: Ident
    org_id: Ident
    cycle_id: Ident
    week: int
    rule_id: str
    rule_version: int
    subject_type: SubjectType
    subject_id: Ident
    severity: Severity
    mode: RuleMode = RuleMode.ACTIVE
    message: LocalText
    facts: dict[str, Any] = Field(default_factory=dict)  # the facts that made the rule true
    created_at: datetime


class Escalation(Model):
    """A rule that keeps firing for the same subject climbs its ladder week after week."""

    id: Ident
    org_id: Ident
    cycle_id: Ident
    rule_id: str
    subject_type: SubjectType
    subject_id: Ident
    streak: Annotated[int, Field(ge=0)] = 0  # consecutive weeks the rule held
    rung: int = -1  # index of the highest rung fired so far; -1 before the first
    status: EscalationStatus = EscalationStatus.OPEN
    opened_week: int
    updated_week: int


class Consultation(Model):
    """A consultation meeting (会商) about a key result (or another subject) that went badly wrong."""

    id: Ident
    org_id: Ident
    cycle_id: Ident
    subject_type: SubjectType = SubjectType.KEY_RESULT
    subject_id: Ident
    reason: NonEmptyText
    opened_by: str  # a person id, or "rule:<rule id>"
    participants: list[Ident]
    meet_by: datetime
    status: ConsultationStatus = ConsultationStatus.OPEN
    level: Annotated[int, Field(ge=0)] = 0  # how many times it has escalated
    situation: str = ""
    causes: str = ""
    impact: str = ""
    decisions: list[str] = Field(default_factory=list)
    check_on: date | None = None
    check_condition: str | None = None  # CEL over the subject's facts; true means recovered
    outcome_note: str | None = None
    created_at: datetime


class Notification(Model):
    """One message to one person. Written to the outbox with the event; delivered to the inbox once."""

    id: Ident
    org_id: Ident
    recipient_id: Ident
    kind: str  # reminder, flag_digest, escalation, weekly_sheet, mention, change_published, ...
    dedupe_key: str  # unique per recipient: a retried activity never notifies twice
    title: LocalText
    body: LocalText
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    delivered_at: datetime | None = None
    read_at: datetime | None = None


class RuleSetVersion(Model):
    id: Ident
    org_id: Ident
    version: Annotated[int, Field(ge=1)]
    source: str  # the YAML or JSON text as uploaded
    published_by: Ident
    published_at: datetime
    reason: NonEmptyText
    active: bool = True
