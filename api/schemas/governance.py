"""Consultation meetings, change decisions, the mid-term review, close-out and the ambassador's intake
as the API takes and returns them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from api.schemas.activity import ConsultationRead
from api.schemas.org import Input
from okrflow.domain.model import Ident, LocalText, NonEmptyText, SubjectType
from okrflow.reports.ambassador_model import IntakeProblem
from okrflow.reports.carry_over import CarryOverProposal
from okrflow.services.midterm import RevisionEntry

Long = Annotated[str, Field(max_length=10_000)]
Note = Annotated[str, Field(max_length=4000)]
ReportStatus = Literal["live", "preliminary", "final"]


# ---------------------------------------------------------------- change requests


class ChangeDecision(Input):
    """The approver's decision on a change request: approve (it is applied and published) or reject."""

    approve: bool
    note: Note = Field(default="", description="required when rejecting: why")


# ---------------------------------------------------------------- consultations (会商)


class TaskRevisionIn(Input):
    task_id: Ident
    changes: Annotated[dict[str, Any], Field(min_length=1, max_length=20)] = Field(
        description='field -> new value, e.g. {"due": "2026-03-01", "owner_id": "a-cai"}'
    )


class MeetingRecord(Input):
    """What the consultation found and agreed, and how recovery is checked."""

    situation: Annotated[NonEmptyText, Field(max_length=10_000)]
    causes: Long = ""
    impact: Long = ""
    decisions: Annotated[list[Annotated[str, Field(min_length=1, max_length=2000)]], Field(max_length=50)] = (
        Field(default_factory=list)
    )
    task_revisions: Annotated[list[TaskRevisionIn], Field(max_length=50)] = Field(
        default_factory=list, description="decisions that change tasks (applied through the audited path)"
    )
    check_on: date = Field(description="when the agreed check runs (after today, within the cycle)")
    check_condition: Annotated[NonEmptyText, Field(max_length=2000)] = Field(
        description='a CEL condition over the key result\'s facts that means "recovered", e.g. "gap < 0.1"'
    )
    escalate_to: Ident | None = Field(
        default=None, description="a named executive to escalate to if the check fails (default: one rung up)"
    )


class ConsultationClosing(Input):
    note: Annotated[NonEmptyText, Field(max_length=4000)] = Field(description="why it is closed")


class ConsultationOutcome(BaseModel):
    consultation: ConsultationRead
    check_at: datetime | None = Field(description="when the agreed check runs")


# ---------------------------------------------------------------- mid-term review and close-out


class MidtermConfirmation(Input):
    note: Note = ""


class MidtermConfirmed(BaseModel):
    objective_id: str
    confirmed_by: str
    at: datetime
    note: str | None


class RevisionLog(BaseModel):
    """Every applied change of an objective and its key results: before, after, reason, approver."""

    objective_id: str
    revisions: list[RevisionEntry]


FreeTextIn = Annotated[str, Field(max_length=10_000)] | LocalText


class RetrospectiveWrite(Input):
    what_worked: FreeTextIn = ""
    what_did_not: FreeTextIn = ""
    carry_over: FreeTextIn = Field(default="", description="notes for the next cycle's drafts")


class RetrospectiveRead(BaseModel):
    objective_id: str
    author_id: str
    what_worked: str | LocalText
    what_did_not: str | LocalText
    carry_over: str | LocalText
    language: str | None


class CarryOver(BaseModel):
    cycle_id: str
    status: ReportStatus = Field(
        description="final (at archive), preliminary (when the cycle ended) or live (computed now)"
    )
    proposals: list[CarryOverProposal]


# ---------------------------------------------------------------- the ambassador's intake


class ProblemRead(IntakeProblem):
    """A problem raised through the ambassador's intake."""


class ProblemCreate(Input):
    subject_type: Literal[
        SubjectType.OBJECTIVE, SubjectType.KEY_RESULT, SubjectType.TASK, SubjectType.PERSON, SubjectType.TEAM
    ] = SubjectType.KEY_RESULT
    subject_id: Ident
    text: Annotated[NonEmptyText, Field(max_length=4000)] = Field(description="what is wrong")


class ProblemTriage(Input):
    action: Literal["assign", "consultation", "close"]
    assignee_id: Ident | None = Field(default=None, description="assign: who handles it")
    note: Note | None = Field(default=None, description="close: why (required); otherwise optional")
    meet_by: AwareDatetime | None = Field(default=None, description="consultation: the meeting deadline")


class ProblemTriaged(BaseModel):
    problem: ProblemRead
    consultation: ConsultationRead | None = None
