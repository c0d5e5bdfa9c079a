"""Inputs and results of the governance workflows: consultations (会商), change requests, the mid-term
review, close-out and the ambassador's digest.

One input model per workflow, activity and update, as in ``workflows.messages``; new fields always
get defaults so running workflows keep decoding their history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from okrflow.domain.model import ChangeRequestStatus, ConsultationStatus, SubjectType
from okrflow.runtime.temporal import workflow_id

Text = Annotated[str, Field(max_length=10_000)]


def _required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def consultation_workflow_id(org_id: str, consultation_id: str) -> str:
    """The id of a consultation's workflow: derived from the consultation, so it starts once."""
    return workflow_id("consultation", org_id, consultation_id)


def change_workflow_id(org_id: str, request_id: str) -> str:
    """The id of a change request's workflow."""
    return workflow_id("change", org_id, request_id)


# ---------------------------------------------------------------- consultation (会商)


class ConsultationInput(BaseModel):
    org_id: str
    consultation_id: str


class ConsultationPlan(BaseModel):
    """What the workflow needs from the record: where it stands, its deadlines, who takes part."""

    status: ConsultationStatus
    subject_type: SubjectType
    subject_id: str
    level: int
    participants: list[str]
    meet_by: datetime
    check_at: datetime | None = None  # when the agreed check runs (AGREED only)
    ends_at: datetime  # the end of the cycle: nothing waits beyond it
    last_day: date  # the cycle's last day: the latest possible check date


class TaskRevision(BaseModel):
    """A decision of the meeting that changes a task (through the audited store path)."""

    task_id: Annotated[str, Field(min_length=1, max_length=64)]
    changes: Annotated[dict[str, Any], Field(min_length=1, max_length=20)] = Field(
        description='field -> new value, e.g. {"due": "2027-03-01", "owner_id": "p-12"}'
    )


class RecordMeetingInput(BaseModel):
    """The update ``record_meeting``: what the consultation found and agreed, and how it is checked."""

    recorded_by: str
    situation: Text
    causes: Text = ""
    impact: Text = ""
    decisions: Annotated[list[Annotated[str, Field(min_length=1, max_length=2000)]], Field(max_length=50)] = (
        Field(default_factory=list)
    )
    task_revisions: Annotated[list[TaskRevision], Field(max_length=50)] = Field(default_factory=list)
    check_on: date
    check_condition: Annotated[str, Field(min_length=1, max_length=2000)]
    escalate_to: str | None = None  # a named executive; default: one rung up the management chain

    @field_validator("situation", "check_condition")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _required(value)


class RecordMeetingActivityInput(BaseModel):
    org_id: str
    consultation_id: str
    meeting: RecordMeetingInput
    at: datetime


class RecordMeetingResult(BaseModel):
    check_at: datetime
    revised_tasks: list[str]


class CloseConsultationInput(BaseModel):
    """The update ``close`` (by hand, with a note), also used when the cycle ends."""

    closed_by: str
    note: Annotated[str, Field(min_length=1, max_length=4000)]

    @field_validator("note")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        return _required(value)


class CloseConsultationActivityInput(BaseModel):
    org_id: str
    consultation_id: str
    closed_by: str
    note: str
    at: datetime
    cycle_ended: bool = False


class ChaseInput(BaseModel):
    org_id: str
    consultation_id: str
    chase: int  # 1 for the first reminder after the deadline
    at: datetime


class CheckInput(BaseModel):
    org_id: str
    consultation_id: str
    at: datetime
    escalate_to: str | None = None


class CheckResult(BaseModel):
    recovered: bool
    facts: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None  # the condition could not be decided (counts as not recovered)
    escalated_to: list[str] = Field(default_factory=list)  # person ids added one rung up
    successor_id: str | None = None  # the consultation convened one rung higher


class ConsultationStatusView(BaseModel):
    """The query ``status``."""

    consultation_id: str
    status: ConsultationStatus
    level: int
    meet_by: datetime
    check_at: datetime | None
    chases: int
    successor_id: str | None


class ConsultationResult(BaseModel):
    status: ConsultationStatus
    level: int
    successor_id: str | None = None


# ---------------------------------------------------------------- change requests


class ChangeRequestInput(BaseModel):
    org_id: str
    request_id: str


class ChangeRequestPlan(BaseModel):
    status: ChangeRequestStatus
    approvers: list[str]
    requested_by: str
    ends_at: datetime


class DecideChangeInput(BaseModel):
    """The update ``decide``: an approver approves or rejects (a rejection says why)."""

    decided_by: str
    approve: bool
    note: Annotated[str, Field(max_length=4000)] = ""


class DecideChangeActivityInput(BaseModel):
    org_id: str
    request_id: str
    decided_by: str
    approve: bool
    note: str
    at: datetime


class DecideChangeResult(BaseModel):
    request_id: str
    status: ChangeRequestStatus
    published_to: int = 0  # people told about the applied change


class RemindApproversInput(BaseModel):
    org_id: str
    request_id: str
    reminder: int
    at: datetime


class ExpireChangeInput(BaseModel):
    org_id: str
    request_id: str
    at: datetime


class ChangeRequestStatusView(BaseModel):
    request_id: str
    status: ChangeRequestStatus
    approvers: list[str]
    reminders: int


class ChangeRequestResult(BaseModel):
    status: ChangeRequestStatus


# ---------------------------------------------------------------- mid-term review, close-out, ambassador


class CycleStepInput(BaseModel):
    """One step of the cycle workflow handled by the governance activities (idempotent per ``key``)."""

    org_id: str
    cycle_id: str
    key: str
    at: datetime
    week: int | None = None
    until: datetime | None = None  # the mid-term window's end, when opening it


class MidtermResult(BaseModel):
    asked: int = 0  # objective owners asked to confirm or revise
    revisions: int = 0  # revisions applied in the window
    published_to: int = 0


class CloseoutResult(BaseModel):
    objectives: int
    key_results: int
    proposals: int
    final: bool
    closed_objectives: int = 0
    consultations_closed: int = 0
    requests_withdrawn: int = 0


class AmbassadorDigestResult(BaseModel):
    ambassadors: int
    missing_krs: int
    open_consultations: int
    waiting_changes: int
    open_problems: int
