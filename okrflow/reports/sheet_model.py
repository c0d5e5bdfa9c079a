"""The weekly sheet's records: what a weekly meeting reads, in Radical Focus' four squares.

1. ``okrs``: the OKR assessment, one ``KRRow`` per key result, the ones to talk about first;
2. ``priorities``: this week's top priorities, taken from the check-ins;
3. ``upcoming``: milestones, deadlines and calendar events in the next four weeks;
4. ``health``: the team's weekly pulse with its trend;

plus ``ignition`` (the decomposition check) in the first weeks and, for the org-wide
sheet, a ``summary`` (counts per status and one line per team) instead of every row.

Every user-written text (titles, names, notes, priorities) is kept as written; the
renderers escape it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field

from okrflow.domain.model import HealthLevel, KRKind, LocalText, Severity
from okrflow.domain.trend import Trend

__all__ = [
    "DEFAULT_THRESHOLDS",
    "HealthPoint",
    "HealthSquare",
    "HealthTrends",
    "IgnitionItem",
    "IgnitionRow",
    "IgnitionSection",
    "KRRow",
    "KRStatus",
    "OrgSummary",
    "PriorityItem",
    "SheetFlag",
    "SheetScope",
    "SheetThresholds",
    "TeamLine",
    "UpcomingItem",
    "UpcomingKind",
    "WeeklySheet",
]


class SheetModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def trusted(cls, **values: Any) -> Self:
        """A record from values the sheet builder computed, already of their fields' types, unvalidated.

        A review builds some 100,000 rows, items and flags for its sheets, and validating them
        was a large part of its time. Every field must be given, as the exact type its annotation
        names (a ``float`` field a float, an enum field its member, a list field a list): then the
        record equals, and dumps like, ``cls(**values)``. Other keys than the record's fields (one
        left out, a new field, a typo) go through validation as usual, which fills defaults or
        raises. The attributes set are those ``model_construct`` sets; ``tests/unit/test_sheet_week.py``
        checks that the sheets' records dump as the same records validated again.
        """
        if values.keys() != cls.__pydantic_fields__.keys():
            return cls(**values)
        record = cls.__new__(cls)
        object.__setattr__(record, "__dict__", values)
        object.__setattr__(record, "__pydantic_fields_set__", set(values))
        object.__setattr__(record, "__pydantic_extra__", None)
        object.__setattr__(record, "__pydantic_private__", None)
        return record


class SheetScope(StrEnum):
    TEAM = "team"
    ORG = "org"


class KRStatus(StrEnum):
    """Where a key result stands this week; members are in meeting order (most urgent first)."""

    BLOCKED = "blocked"  # a blocked task, or blockers in the latest check-in
    LOW_CONFIDENCE = "low_confidence"  # latest confidence at or below the low threshold
    AT_RISK = "at_risk"  # behind the expected progress by the at-risk gap, or a risk/critical flag
    NO_CHECK_IN = "no_check_in"  # nobody checked in this week
    ON_TRACK = "on_track"
    DONE = "done"  # progress reached 100%

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]


_STATUS_RANK = {s: i for i, s in enumerate(KRStatus)}


class SheetThresholds(SheetModel):
    """The lines the sheet draws; confidence is 0–10, gap is expected minus progress (0–1)."""

    low_confidence: Annotated[int, Field(ge=0, le=10)] = 4  # at or below: low
    high_confidence: Annotated[int, Field(ge=0, le=10)] = 7  # at or above: collapsed when on track
    at_risk_gap: Annotated[float, Field(gt=0, le=1)] = 0.2  # this far behind expected: at risk
    max_priorities: Annotated[int, Field(ge=1, le=20)] = 5
    upcoming_days: Annotated[int, Field(ge=1, le=120)] = 28  # "the next four weeks"
    health_history: Annotated[int, Field(ge=2, le=60)] = 6  # pulses shown
    org_row_limit: Annotated[int, Field(ge=1)] = 200  # KR rows listed on the org-wide sheet
    org_upcoming_limit: Annotated[int, Field(ge=1)] = 50


DEFAULT_THRESHOLDS = SheetThresholds()


class SheetFlag(SheetModel):
    rule_id: str
    severity: Severity
    message: LocalText


class KRRow(SheetModel):
    """One key result in the first square."""

    kr_id: str
    title: str
    objective_id: str
    objective_title: str
    team_id: str | None
    team_name: str | None
    owner_id: str | None
    owner_name: str | None
    kind: KRKind
    progress_raw: float  # overshoot kept: 1.3 is 130%, below 0 moved the wrong way
    progress: float  # clamped to 0..1
    expected: float
    gap: float  # expected - progress; positive means behind
    confidence: int | None  # latest, as of the review
    confidence_trend: Trend | None  # None before the first check-in
    last_check_in: date | None  # local date of the latest check-in
    checked_in_this_week: bool
    status: KRStatus
    flags: list[SheetFlag]  # most severe first
    blocked_tasks: int
    blockers: list[str]  # from the latest check-in
    collapsed: bool  # on track with high confidence (or done): "skip" in the meeting


class PriorityItem(SheetModel):
    """One of this week's priorities, as the check-ins wrote it, with whose it is."""

    text: str
    mentions: int  # how many check-ins named it
    status: KRStatus  # the most urgent status among the KRs it serves
    kr_ids: list[str]
    kr_titles: list[str]
    people: list[str]  # authors' names, in the order they wrote it


class UpcomingKind(StrEnum):
    KR_MILESTONE = "kr_milestone"  # a milestone key result's due date
    MILESTONE = "milestone"  # a milestone task
    DEADLINE = "deadline"  # any other task's due date
    EVENT = "event"  # a calendar event


class UpcomingItem(SheetModel):
    on: date
    days: int  # from the review date; negative when overdue
    kind: UpcomingKind
    title: str
    subject_id: str
    kr_id: str | None = None
    kr_title: str | None = None
    owner_name: str | None = None
    overdue: bool = False


class HealthPoint(SheetModel):
    week: int
    team_health: HealthLevel
    quality: HealthLevel
    customer_satisfaction: HealthLevel


class HealthTrends(SheetModel):
    team_health: Trend
    quality: Trend
    customer_satisfaction: Trend


class HealthSquare(SheetModel):
    """The team's latest pulse (at or before the sheet's week) and its trend."""

    team_id: str
    latest: HealthPoint | None  # None: no pulse yet
    note: str = ""
    stale: bool = False  # the latest pulse is from an earlier week
    trends: HealthTrends | None = None
    history: list[HealthPoint] = Field(default_factory=list)  # oldest first


class IgnitionItem(SheetModel):
    """Input: the plan of one KR at the ignition check (from the ignition rules' facts or
    ``okrflow.reports.squares.ignition_items``)."""

    kr_id: str
    task_count: Annotated[int, Field(ge=0)]
    unowned_tasks: Annotated[int, Field(ge=0)] = 0
    undated_tasks: Annotated[int, Field(ge=0)] = 0
    owners_over_capacity: list[str] = Field(default_factory=list)  # person ids

    @property
    def planned(self) -> bool:
        return self.task_count > 0

    @property
    def ok(self) -> bool:
        return self.planned and not (self.unowned_tasks or self.undated_tasks or self.owners_over_capacity)


class IgnitionRow(SheetModel):
    kr_id: str
    kr_title: str
    owner_name: str | None
    planned: bool
    task_count: int
    unowned_tasks: int
    undated_tasks: int
    owners_over_capacity: list[str]  # names
    ok: bool


class IgnitionSection(SheetModel):
    rows: list[IgnitionRow]  # problems first; the org-wide sheet lists problems only
    unplanned: int
    with_unowned: int
    with_undated: int
    owners_over_capacity: int  # distinct people
    omitted: int = 0


class TeamLine(SheetModel):
    """One team on the org-wide sheet."""

    team_id: str | None  # None: key results with no team
    team_name: str | None
    kr_total: int
    by_status: dict[KRStatus, int]
    mean_progress: float  # of clamped progress
    health: HealthPoint | None


class OrgSummary(SheetModel):
    kr_total: int
    by_status: dict[KRStatus, int]
    teams: list[TeamLine]  # most KRs needing attention first
    health_counts: dict[str, dict[HealthLevel, int]]  # dimension -> level -> teams (latest pulse)
    okrs_omitted: int  # attention rows beyond the row limit


class WeeklySheet(SheetModel):
    """The weekly meeting sheet of one team (``scope == team``) or of the whole org."""

    scope: SheetScope
    org_name: str
    cycle_id: str
    cycle_name: str
    week: int
    weeks_in_cycle: int
    week_first: date
    week_last: date
    review_date: date
    team_id: str | None
    team_name: str | None
    expected: float  # expected progress on the review date, the same for every KR
    status_counts: dict[KRStatus, int]
    okrs: list[KRRow]
    priorities: list[PriorityItem]
    upcoming: list[UpcomingItem]
    upcoming_omitted: int = 0
    health: HealthSquare | None = None  # team sheets
    ignition: IgnitionSection | None = None  # decomposition weeks only
    summary: OrgSummary | None = None  # org-wide sheets
