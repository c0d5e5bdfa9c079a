"""The plan and what happens to it during a cycle: objectives, key results, tasks, check-ins,
team health pulses, calendar events and comments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from okrflow.domain.base import Confidence, Ident, Model, NonEmptyText
from okrflow.domain.enums import (
    Direction,
    HealthLevel,
    KRKind,
    ObjectiveKind,
    ObjectiveStatus,
    PlanState,
    SubjectType,
    TaskStatus,
)


class Objective(Model):
    id: Ident
    org_id: Ident
    cycle_id: Ident
    title: NonEmptyText
    description: str = ""
    owner_id: Ident
    team_id: Ident | None = None
    aligned_to: list[Ident] = Field(default_factory=list)  # parent objectives
    kind: ObjectiveKind = ObjectiveKind.COMMITTED
    status: ObjectiveStatus = ObjectiveStatus.DRAFT
    weight: Annotated[float, Field(gt=0)] = 1.0
    version: Annotated[int, Field(ge=1)] = 1

    @model_validator(mode="after")
    def _not_aligned_to_self(self) -> Objective:
        if self.id in self.aligned_to:
            raise ValueError("aligned_to: an objective cannot align to itself")
        return self

    @property
    def locked(self) -> bool:
        return self.status in (ObjectiveStatus.APPROVED, ObjectiveStatus.CLOSED)


class KeyResult(Model):
    """A measurable result.

    metric: ``start`` → ``target`` in ``unit``, ``direction`` increase or decrease;
    stay_within keeps ``current`` inside [``floor``, ``target``] (no floor: at most ``target``).
    milestone: done-state reached through its tasks (task-driven progress), ``due`` is the date.
    binary: done (current ≥ 1) or not.
    """

    id: Ident
    org_id: Ident
    objective_id: Ident
    title: NonEmptyText
    owner_id: Ident | None = None
    kind: KRKind = KRKind.METRIC
    direction: Direction = Direction.INCREASE
    start: float | None = None
    target: float | None = None
    current: float | None = None
    floor: float | None = None
    unit: str = ""
    weight: Annotated[float, Field(gt=0)] = 1.0
    due: date | None = None
    version: Annotated[int, Field(ge=1)] = 1

    @model_validator(mode="after")
    def _consistent(self) -> KeyResult:
        if self.kind is KRKind.METRIC:
            if self.target is None:
                raise ValueError("target: a metric key result needs a target")
            if self.direction is not Direction.STAY_WITHIN:
                if self.start is None:
                    raise ValueError("start: a metric key result needs a baseline (start value)")
                if self.direction is Direction.INCREASE and self.target < self.start:
                    raise ValueError(
                        f"target: {self.target} is below start {self.start} but direction is increase"
                    )
                if self.direction is Direction.DECREASE and self.target > self.start:
                    raise ValueError(
                        f"target: {self.target} is above start {self.start} but direction is decrease"
                    )
            elif self.floor is not None and self.floor > self.target:
                raise ValueError(f"floor: {self.floor} is above the upper limit (target) {self.target}")
        return self


class Task(Model):
    """A unit of work under a key result. Exactly one owner; collaborators help."""

    id: Ident
    org_id: Ident
    kr_id: Ident
    title: NonEmptyText
    owner_id: Ident
    collaborators: list[Ident] = Field(default_factory=list)
    due: date | None = None
    milestone: bool = False
    depends_on: list[Ident] = Field(default_factory=list)
    estimate_hours: Annotated[float, Field(ge=0, le=10_000)] | None = None
    status: TaskStatus = TaskStatus.TODO
    plan_state: PlanState = PlanState.ACCEPTED
    in_baseline: bool = False  # part of the plan fixed at the end of decomposition
    proposed_by: Ident | None = None
    created_at: datetime | None = None
    cut_at: datetime | None = None
    trade_off_note: str | None = None  # required when added to an owner over capacity
    version: Annotated[int, Field(ge=1)] = 1

    @model_validator(mode="after")
    def _single_owner(self) -> Task:
        if self.owner_id in self.collaborators:
            raise ValueError(
                f"collaborators: {self.owner_id!r} owns the task and cannot also be a collaborator"
            )
        if self.id in self.depends_on:
            raise ValueError("depends_on: a task cannot depend on itself")
        return self


class CheckIn(Model):
    id: Ident
    org_id: Ident
    kr_id: Ident
    author_id: Ident
    at: datetime
    value: float | None = None
    confidence: Confidence
    note: str = ""
    blockers: list[str] = Field(default_factory=list)
    next_priorities: list[str] = Field(default_factory=list)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a time zone offset")
        return value


class HealthPulse(Model):
    """A team's weekly pulse: the fourth square of the weekly sheet."""

    id: Ident
    org_id: Ident
    cycle_id: Ident
    team_id: Ident
    week: Annotated[int, Field(ge=1, le=60)]
    team_health: HealthLevel
    quality: HealthLevel
    customer_satisfaction: HealthLevel
    note: str = ""


class CalendarEvent(Model):
    """Something on the calendar the team must prepare for (third square of the sheet)."""

    id: Ident
    org_id: Ident
    cycle_id: Ident
    team_id: Ident | None = None
    title: NonEmptyText
    on: date


class Comment(Model):
    id: Ident
    org_id: Ident
    subject_type: SubjectType
    subject_id: Ident
    author_id: Ident
    body: NonEmptyText
    mentions: list[Ident] = Field(default_factory=list)  # person ids, parsed from the body
    created_at: datetime
