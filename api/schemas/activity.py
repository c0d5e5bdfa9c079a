"""Check-ins, comments, change requests, consultations, flags, escalations, the audit log, the inbox,
tokens and weekly sheets as the API takes and returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.org import Input
from okrflow.domain.model import (
    AuditEntry,
    ChangeRequest,
    CheckIn,
    Comment,
    Confidence,
    Consultation,
    Escalation,
    Flag,
    Ident,
    NonEmptyText,
    Notification,
    Severity,
    SubjectType,
)
from okrflow.store.records import ApiToken

Line = Annotated[str, Field(min_length=1, max_length=1000)]


class CheckInRead(CheckIn):
    """A check-in on a key result."""


class CheckInCreate(Input):
    value: float | None = Field(default=None, description="the KR's current value (milestone: 0..1 share)")
    confidence: Confidence = Field(description="0 (will not make it) to 10 (certain)")
    note: Annotated[str, Field(max_length=10_000)] = ""
    blockers: Annotated[list[Line], Field(max_length=50)] = Field(default_factory=list)
    next_priorities: Annotated[list[Line], Field(max_length=50)] = Field(default_factory=list)


class CommentRead(Comment):
    """A comment; ``mentions`` are the people its @mentions name (they were notified)."""


class CommentCreate(Input):
    body: Annotated[NonEmptyText, Field(max_length=10_000)]


class ChangeRequestRead(ChangeRequest):
    """A request to change an approved objective or key result."""


class ChangeRequestCreate(Input):
    subject_type: Literal[SubjectType.OBJECTIVE, SubjectType.KEY_RESULT]
    subject_id: Ident
    reason: Annotated[NonEmptyText, Field(max_length=4000)]
    impact: Annotated[str, Field(max_length=4000)] = ""
    changes: Annotated[dict[str, Any], Field(min_length=1, max_length=20)] = Field(
        description='field -> proposed value, e.g. {"target": 9}'
    )


class ConsultationRead(Consultation):
    """A consultation meeting (会商)."""


class ConsultationCreate(Input):
    """Open a consultation by hand: say why; the KR owner, task owners, manager and ambassador are invited."""

    subject_type: Literal[SubjectType.KEY_RESULT, SubjectType.OBJECTIVE] = SubjectType.KEY_RESULT
    subject_id: Ident
    reason: Annotated[NonEmptyText, Field(max_length=4000)]
    participants: Annotated[list[Ident], Field(max_length=50)] = Field(
        default_factory=list, description="more people to invite"
    )
    meet_by: AwareDatetime | None = Field(default=None, description="default: three days from now")


class FlagRead(Flag):
    """A rule that fired for a subject in a weekly review."""


class EscalationRead(Escalation):
    severity: Severity | None = Field(
        default=None, description="the severity of the rule's latest flag for this subject"
    )


class AuditEntryRead(AuditEntry):
    """Who changed what, when and why."""


class NotificationRead(Notification):
    """A message in the caller's inbox."""


class UnreadCount(BaseModel):
    unread: int


class MarkRead(Input):
    ids: Annotated[list[Ident], Field(max_length=1000)] | None = Field(
        default=None, description="the notifications to mark read; null or absent marks all"
    )


class MarkedRead(BaseModel):
    marked: int


class TokenRead(ApiToken):
    """An API token's metadata (the token itself is shown only when created)."""


class TokenCreate(Input):
    name: Annotated[NonEmptyText, Field(max_length=200)]
    person_id: Ident | None = Field(
        default=None, description="admins create tokens for others; default: the caller"
    )


class TokenCreated(BaseModel):
    token: str = Field(description="the bearer token: shown once, never stored")
    record: TokenRead


class SheetSummary(BaseModel):
    cycle_id: str
    week: int
    scope: str = Field(description='"org" or a team id')
    created_at: datetime
