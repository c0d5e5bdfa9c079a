"""The plan and what happens to it during a cycle: objectives (and their alignments), key results,
tasks (and their dependencies), check-ins, health pulses, calendar events and comments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Double, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okrflow.domain.model import (
    Direction,
    HealthLevel,
    KRKind,
    ObjectiveKind,
    ObjectiveStatus,
    PlanState,
    SubjectType,
    TaskStatus,
)
from okrflow.store.tables.base import ID, Base, JSONValue, org_id_column, table_of
from okrflow.store.types import DateOnly, EnumText, UTCDateTime


class ObjectiveRow(Base):
    __tablename__ = "objectives"
    __table_args__ = (Index(None, "cycle_id", "team_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
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
    org_id: Mapped[str] = org_id_column()
    position: Mapped[int] = mapped_column(Integer)


class KeyResultRow(Base):
    __tablename__ = "key_results"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
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
    org_id: Mapped[str] = org_id_column()
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
    org_id: Mapped[str] = org_id_column()
    position: Mapped[int] = mapped_column(Integer)


class CheckInRow(Base):
    __tablename__ = "check_ins"
    __table_args__ = (
        Index(None, "kr_id", "at"),
        # A retried check-in with the same Idempotency-Key counts once (NULL keys never clash).
        UniqueConstraint("author_id", "idempotency_key"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
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
    org_id: Mapped[str] = org_id_column()
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
    org_id: Mapped[str] = org_id_column()
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


objectives = table_of(ObjectiveRow)
objective_alignments = table_of(ObjectiveAlignmentRow)
key_results = table_of(KeyResultRow)
tasks = table_of(TaskRow)
task_dependencies = table_of(TaskDependencyRow)
check_ins = table_of(CheckInRow)
health_pulses = table_of(HealthPulseRow)
calendar_events = table_of(CalendarEventRow)
comments = table_of(CommentRow)
