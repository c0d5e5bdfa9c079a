"""The okrflow domain model: typed, validated records, no I/O.

These models are what the store reads and writes, what the API accepts and returns
(wrapped in its own schemas), and what pure functions (progress, scoring, facts,
calendar, task graph) compute over. Identifiers are opaque strings chosen by the
store (or by the synthetic generator, deterministically).

Validation errors name the field and say why; ``validation_problems`` turns a
pydantic ``ValidationError`` into the core's ``Problem`` list.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from okrflow.domain.errors import Problem, ValidationFailed

# ---------------------------------------------------------------- enums


class Language(StrEnum):
    ZH = "zh"
    EN = "en"


class Role(StrEnum):
    ADMIN = "admin"
    AMBASSADOR = "ambassador"
    MANAGER = "manager"
    MEMBER = "member"


class ObjectiveKind(StrEnum):
    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"


class ObjectiveStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"  # approved objectives are locked: change requests only
    CLOSED = "closed"


class KRKind(StrEnum):
    METRIC = "metric"
    MILESTONE = "milestone"
    BINARY = "binary"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    STAY_WITHIN = "stay_within"


class TaskStatus(StrEnum):
    TODO = "todo"
    DOING = "doing"
    BLOCKED = "blocked"
    DONE = "done"
    CUT = "cut"


class PlanState(StrEnum):
    """Where a task stands in bottom-up planning: proposed by its owner, then accepted or declined."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    RISK = "risk"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.RISK: 2, Severity.CRITICAL: 3}


class RuleMode(StrEnum):
    ACTIVE = "active"
    MONITOR = "monitor"  # flags are recorded, nobody is notified


class HealthLevel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def score(self) -> int:
        return {HealthLevel.GREEN: 2, HealthLevel.YELLOW: 1, HealthLevel.RED: 0}[self]


class Phase(StrEnum):
    PLANNED = "planned"
    DRAFTING = "drafting"
    DECOMPOSITION = "decomposition"
    EXECUTION = "execution"  # weekly reviews
    MIDTERM = "midterm"
    CLOSEOUT = "closeout"
    ARCHIVED = "archived"


class SubjectType(StrEnum):
    ORG = "org"
    PERSON = "person"
    TEAM = "team"
    CYCLE = "cycle"
    OBJECTIVE = "objective"
    KEY_RESULT = "key_result"
    TASK = "task"
    CHECK_IN = "check_in"
    CHANGE_REQUEST = "change_request"
    CONSULTATION = "consultation"
    RULE_SET = "rule_set"


class ChangeRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"
    WITHDRAWN = "withdrawn"


class EscalationStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ConsultationStatus(StrEnum):
    OPEN = "open"  # convened, waiting for the meeting
    AGREED = "agreed"  # met, decisions and a check recorded; waiting for the check date
    RECOVERED = "recovered"  # the check held: closed
    ESCALATED = "escalated"  # the check failed: handed one rung higher
    CLOSED = "closed"  # closed by hand with a note


# ---------------------------------------------------------------- validators


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "America" is a directory: IsADirectoryError
        raise ValueError(f"unknown time zone {value!r} (use an IANA name such as 'Asia/Shanghai')") from exc
    return value


def _check_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _check_handle(value: str) -> str:
    if any(c.isspace() or c in "@＠" for c in value):
        raise ValueError(f"{value!r} is not a handle: a handle has no spaces and no @ (e.g. 'ana.lopez')")
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]
NonEmptyText = Annotated[str, AfterValidator(_check_text)]
Ident = Annotated[str, Field(min_length=1, max_length=64)]
Confidence = Annotated[int, Field(ge=0, le=10)]


_UNSET: Any = object()


class Model(BaseModel):
    """Base for domain records: unknown fields are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_enum_values=False)

    def __setattr__(self, name: str, value: Any) -> None:
        # pydantic stores an assigned value before running "after" model validators and keeps
        # it when they fail (pydantic/pydantic#7105): put the old value back so a refused
        # assignment leaves the record as it was.
        before = self.__dict__.get(name, _UNSET)
        try:
            super().__setattr__(name, value)
        except ValidationError:
            if before is not _UNSET and name in type(self).model_fields:
                self.__dict__[name] = before
            raise


class LocalText(Model):
    """Product text a user reads, in both languages."""

    en: str
    zh: str

    def get(self, lang: Language | str) -> str:
        return self.zh if str(lang) == Language.ZH else self.en


# ---------------------------------------------------------------- organisation


class Org(Model):
    id: Ident
    name: NonEmptyText
    timezone: TimeZoneName = "UTC"
    language: Language = Language.EN


class Person(Model):
    id: Ident
    org_id: Ident
    name: NonEmptyText  # display name, e.g. "Ana López" or "张伟"
    # unique per org, what @mentions use
    handle: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_handle)]
    email: str | None = None
    team_id: Ident | None = None
    manager_id: Ident | None = None
    role: Role = Role.MEMBER
    timezone: TimeZoneName = "UTC"
    language: Language = Language.EN
    weekly_capacity_hours: Annotated[float, Field(ge=0, le=168)] = 40.0
    active: bool = True

    @model_validator(mode="after")
    def _not_own_manager(self) -> Person:
        if self.manager_id is not None and self.manager_id == self.id:
            raise ValueError("manager_id: a person cannot be their own manager")
        return self


class Team(Model):
    id: Ident
    org_id: Ident
    name: NonEmptyText
    parent_id: Ident | None = None
    lead_id: Ident | None = None

    @model_validator(mode="after")
    def _not_own_parent(self) -> Team:
        if self.parent_id is not None and self.parent_id == self.id:
            raise ValueError("parent_id: a team cannot be its own parent")
        return self


# ---------------------------------------------------------------- cycle


class Cadence(Model):
    """When things happen in a cycle; every offset is configurable per cycle."""

    review_weekday: Annotated[int, Field(ge=0, le=6)] = 0  # 0 = Monday
    review_time: time = time(10, 0)
    reminder_lead_hours: Annotated[int, Field(ge=0, le=24 * 7)] = 24
    drafting_days: Annotated[int, Field(ge=0, le=90)] = 14  # drafting opens this long before the start
    decomposition_weeks: Annotated[int, Field(ge=0, le=8)] = 2
    midterm_week: Annotated[int, Field(ge=1, le=60)] | None = None  # default: the middle week
    midterm_days: Annotated[int, Field(ge=1, le=30)] = 7
    closeout_days: Annotated[int, Field(ge=1, le=60)] = 14  # after the last day
    working_days: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    holidays: list[date] = Field(default_factory=list)
    # Piecewise-linear expected progress: (share of working time elapsed, share of target expected).
    expected_curve: list[tuple[float, float]] | None = None
    publish_sheet_to_all: bool = False

    @field_validator("working_days")
    @classmethod
    def _some_working_day(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("at least one working day is needed")
        return sorted(set(value))

    @field_validator("expected_curve")
    @classmethod
    def _monotone_curve(cls, value: list[tuple[float, float]] | None) -> list[tuple[float, float]] | None:
        if value is None:
            return None
        if len(value) < 2:
            raise ValueError("a curve needs at least two points")
        xs = [x for x, _ in value]
        ys = [y for _, y in value]
        if xs[0] != 0.0 or xs[-1] != 1.0:
            raise ValueError("a curve starts at x=0 and ends at x=1")
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError("x values must strictly increase")
        if any(b < a for a, b in itertools.pairwise(ys)) or not all(0.0 <= y <= 1.0 for y in ys):
            raise ValueError("y values must be within 0..1 and never decrease")
        return value


class Cycle(Model):
    """A quarter (or any period) of OKRs. ``start`` and ``end`` are inclusive calendar days."""

    id: Ident
    org_id: Ident
    name: NonEmptyText  # e.g. "2026-Q1"
    start: date
    end: date
    timezone: TimeZoneName = "UTC"
    cadence: Cadence = Field(default_factory=Cadence)
    phase: Phase = Phase.PLANNED

    @model_validator(mode="after")
    def _ordered(self) -> Cycle:
        if self.end <= self.start:
            raise ValueError(f"end: {self.end} must be after start {self.start}")
        weeks = -(-((self.end - self.start).days + 1) // 7)
        if self.cadence.midterm_week is not None and self.cadence.midterm_week > weeks:
            raise ValueError(
                f"cadence.midterm_week: week {self.cadence.midterm_week} "
                f"is after the cycle's last week ({weeks})"
            )
        return self

    @property
    def archived(self) -> bool:
        return self.phase is Phase.ARCHIVED


# ---------------------------------------------------------------- objectives, key results, tasks


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


# ---------------------------------------------------------------- governance records


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


# ---------------------------------------------------------------- helpers

M = TypeVar("M", bound=BaseModel)


def validation_problems(exc: ValidationError, *, prefix: tuple[str | int, ...] = ()) -> list[Problem]:
    """Turn pydantic's errors into Problems that name the field and say why."""
    problems = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        loc = tuple(err["loc"])
        # A model-level check names its field (or a dotted path) at the start of its message
        # ("end: ...", "cadence.midterm_week: ..."), also when the model is nested in another.
        head, sep, rest = msg.partition(": ")
        path = tuple(head.split(".")) if sep else ()
        named = path and all(p.isidentifier() for p in path) and loc[-1:] != path[-1:]
        if err["type"] == "value_error" and named:
            loc, msg = (*loc, *path), rest
        problems.append(Problem((*prefix, *loc), msg))
    return problems


def parse_model(model: type[M], data: Any, *, source: str | None = None) -> M:
    """Validate ``data`` as ``model`` or raise ``ValidationFailed`` naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(validation_problems(exc), source=source) from None
