"""Inputs and results of okrflow's workflows and activities.

One input model per workflow, activity, signal and update, so fields can be added
later without breaking running workflows (new fields always get defaults).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from okrflow.domain.model import Phase
from okrflow.domain.schedule import CycleEvent

# ---------------------------------------------------------------- cycle workflow


class PendingApproval(BaseModel):
    objective_id: str
    owner_id: str
    approvers: list[str]
    submitted_at: datetime


class CycleState(BaseModel):
    """Orchestration state only: everything users read lives in the database."""

    phase: Phase = Phase.PLANNED
    paused: bool = False
    done_events: list[str] = Field(default_factory=list)  # CycleEvent.key of events already handled
    skipped_events: list[str] = Field(default_factory=list)  # came due while paused
    pending_approvals: dict[str, PendingApproval] = Field(default_factory=dict)
    open_escalations: int = 0
    open_consultations: int = 0
    reviews_done: list[int] = Field(default_factory=list)
    runs: int = 1  # how many continue-as-new generations


class CycleInput(BaseModel):
    org_id: str
    cycle_id: str
    state: CycleState = Field(default_factory=CycleState)
    # Continue-as-new after this many handled events (the history also triggers it when large).
    events_per_run: int = 60


class CycleResult(BaseModel):
    phase: Phase
    reviews_done: list[int]
    runs: int = 1


class CycleStatus(BaseModel):
    org_id: str
    cycle_id: str
    phase: Phase
    paused: bool
    next_event: CycleEvent | None
    pending_approvals: list[PendingApproval]
    open_escalations: int
    open_consultations: int
    reviews_done: list[int]
    skipped_events: list[str]


class SubmitDraftInput(BaseModel):
    objective_id: str
    submitted_by: str
    lang: Literal["zh", "en"] | None = None


class SubmitDraftResult(BaseModel):
    objective_id: str
    score: int
    findings: int
    approvers: list[str]


class DecideDraftInput(BaseModel):
    objective_id: str
    decided_by: str
    approve: bool
    comment: str = ""


class DecideDraftResult(BaseModel):
    objective_id: str
    status: str


class PauseInput(BaseModel):
    by: str
    reason: str = ""


# ---------------------------------------------------------------- activities: cycle


class CycleRef(BaseModel):
    org_id: str
    cycle_id: str


class CyclePlan(BaseModel):
    events: list[CycleEvent]
    phase: Phase


class SetPhaseInput(BaseModel):
    org_id: str
    cycle_id: str
    phase: Phase


class RemindInput(BaseModel):
    org_id: str
    cycle_id: str
    key: str  # idempotency: one reminder per person per key
    week: int | None = None
    due: datetime | None = None


class RemindResult(BaseModel):
    reminded: list[str]  # person ids


class LoadDraftInput(BaseModel):
    org_id: str
    objective_id: str


class SubmissionInput(BaseModel):
    org_id: str
    cycle_id: str
    objective_id: str
    submitted_by: str
    at: datetime
    critique: dict  # the Critique as JSON (score, findings, rewrites, note)


class SubmissionResult(BaseModel):
    owner_id: str
    approvers: list[str]


class DecisionInput(BaseModel):
    org_id: str
    cycle_id: str
    objective_id: str
    decided_by: str
    approve: bool
    comment: str
    at: datetime


class IgnitionInput(BaseModel):
    org_id: str
    cycle_id: str
    week: int
    at: datetime


class IgnitionResult(BaseModel):
    flagged_krs: list[str]
    baseline_tasks: int


# ---------------------------------------------------------------- weekly review


class ReviewInput(BaseModel):
    org_id: str
    cycle_id: str
    week: int
    as_of: datetime
    phase: Phase = Phase.EXECUTION


class ReviewPlan(BaseModel):
    rule_set_version: int | None
    batches: list[list[str]]  # team ids per batch activity


class ReviewBatchInput(BaseModel):
    org_id: str
    cycle_id: str
    week: int
    as_of: datetime
    phase: Phase
    rule_set_version: int | None
    team_ids: list[str]
    org_level: bool = False  # the batch of the cycle-scoped rules (no teams, no sheets)


class ConsultationRequest(BaseModel):
    """The consultation rung of a ladder fired: ``open_consultation`` convenes one about the subject."""

    rule_id: str
    subject_type: str
    subject_id: str
    severity: str
    reason_en: str
    reason_zh: str


class ReviewBatchResult(BaseModel):
    flags: int = 0
    monitor_flags: int = 0
    evaluation_errors: int = 0
    rungs_fired: int = 0
    open_escalations: int = 0
    consultations: list[ConsultationRequest] = Field(default_factory=list)
    sheets: int = 0


class PublishReviewInput(BaseModel):
    org_id: str
    cycle_id: str
    week: int
    as_of: datetime


class PublishReviewResult(BaseModel):
    digests: int
    delivered: int


class ReviewResult(BaseModel):
    week: int
    flags: int
    monitor_flags: int
    evaluation_errors: int
    rungs_fired: int
    open_escalations: int
    consultations: int
    digests: int


class OpenConsultationInput(BaseModel):
    org_id: str
    cycle_id: str
    week: int
    request: ConsultationRequest
    at: datetime


class OpenConsultationResult(BaseModel):
    consultation_id: str
    created: bool
