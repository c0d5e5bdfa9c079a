"""Objectives, key results and tasks as the API takes and returns them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from api.schemas.org import Input
from okrflow.domain.model import (
    Direction,
    Ident,
    KeyResult,
    KRKind,
    LocalText,
    NonEmptyText,
    Objective,
    ObjectiveKind,
    Severity,
    Task,
    TaskStatus,
)

Weight = Annotated[float, Field(gt=0, le=1000)]
Hours = Annotated[float, Field(ge=0, le=10_000)]
IdList = Annotated[list[Ident], Field(max_length=100)]


class ObjectiveRead(Objective):
    """An objective; send ``version`` back as ``If-Match: "<version>"`` to change it."""


class ObjectiveCreate(Input):
    """A new draft objective. The owner defaults to the caller, the team to the owner's team."""

    cycle_id: Ident
    title: NonEmptyText
    description: str = ""
    owner_id: Ident | None = None
    team_id: Ident | None = None
    aligned_to: IdList = Field(default_factory=list, description="parent objectives it contributes to")
    kind: ObjectiveKind = ObjectiveKind.COMMITTED
    weight: Weight = 1.0


class ObjectiveUpdate(Input):
    title: NonEmptyText | None = None
    description: str | None = None
    owner_id: Ident | None = None
    team_id: Ident | None = None
    aligned_to: IdList | None = None
    kind: ObjectiveKind | None = None
    weight: Weight | None = None


class DraftDecision(Input):
    comment: Annotated[str, Field(max_length=4000)] = ""


class DraftReturn(Input):
    comment: Annotated[str, Field(min_length=1, max_length=4000, description="what the owner should change")]


class DraftSubmitted(BaseModel):
    objective: ObjectiveRead
    score: int = Field(description="the critique's score, 0-100")
    findings: int = Field(description="how many findings the critique stored with the draft")
    approvers: list[str]


class DraftDecided(BaseModel):
    objective: ObjectiveRead
    status: str


class KeyResultRead(KeyResult):
    """A key result; ``current`` moves with check-ins."""


class KeyResultCreate(Input):
    objective_id: Ident
    title: NonEmptyText
    owner_id: Ident | None = Field(default=None, description="default: the objective's owner")
    kind: KRKind = KRKind.METRIC
    direction: Direction = Direction.INCREASE
    start: float | None = None
    target: float | None = None
    floor: float | None = None
    unit: Annotated[str, Field(max_length=40)] = ""
    weight: Weight = 1.0
    due: date | None = None


class KeyResultUpdate(Input):
    title: NonEmptyText | None = None
    owner_id: Ident | None = None
    kind: KRKind | None = None
    direction: Direction | None = None
    start: float | None = None
    target: float | None = None
    floor: float | None = None
    unit: Annotated[str, Field(max_length=40)] | None = None
    weight: Weight | None = None
    due: date | None = None


class TaskRead(Task):
    """A task: one owner, collaborators who help, dependencies on tasks of the same cycle."""


class TaskCreate(Input):
    """Propose a task (the caller owns it), or, as the KR owner, add an accepted one for anyone."""

    kr_id: Ident
    title: NonEmptyText
    owner_id: Ident | None = Field(default=None, description="default: the caller")
    collaborators: IdList = Field(default_factory=list)
    due: date | None = None
    milestone: bool = False
    depends_on: IdList = Field(default_factory=list)
    estimate_hours: Hours | None = None
    trade_off_note: Annotated[str, Field(max_length=4000)] | None = None


class TaskUpdate(Input):
    title: NonEmptyText | None = None
    owner_id: Ident | None = None
    collaborators: IdList | None = None
    due: date | None = None
    milestone: bool | None = None
    depends_on: IdList | None = None
    estimate_hours: Hours | None = None
    status: TaskStatus | None = None
    trade_off_note: Annotated[str, Field(max_length=4000)] | None = None


class TaskAccept(Input):
    trade_off_note: str | None = None


class TaskDecline(Input):
    reason: Annotated[str, Field(min_length=1, max_length=4000, description="why it is not in the plan")]


class CollaboratorInvite(Input):
    person_id: Ident


class PlanFindingRead(BaseModel):
    code: str
    severity: Severity
    task_id: str
    message: LocalText
    related_task_id: str | None = None


class OverloadedWeek(BaseModel):
    person_id: str
    week: int
    hours: float
    capacity_hours: float
    ratio: float | None = Field(description="hours / capacity; null when there is no capacity at all")


class PlanCheck(BaseModel):
    """What the task-graph and capacity checks found in a key result's plan."""

    kr_id: str
    findings: list[PlanFindingRead]
    over_capacity: list[OverloadedWeek]
    needs_trade_off: list[str] = Field(
        default_factory=list,
        description="owners over capacity: adding work to them asks for a trade-off note",
    )


class TaskWithPlan(BaseModel):
    task: TaskRead
    plan: PlanCheck
