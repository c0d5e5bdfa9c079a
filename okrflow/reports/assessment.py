"""Assess each key result for the weekly sheet: progress, status, whether to collapse it.

Everything is read as of the week's review instant (``calendar.review_time``; for a week
without a review day, the end of the week): check-ins made after it are ignored, so
re-building an old week from a later snapshot shows the same check-ins. "This week's"
check-ins are those after the previous week's review (in week 1, the seven days before).

Which key results are a team's: those of the team's objectives, plus those of personal
objectives (no team) owned by a member of the team. Drafts and returned objectives are not
part of the quarter yet and are left out.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from okrflow.domain.calendar import local_date, local_instant, review_time, week_span
from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import (
    CheckIn,
    Flag,
    KeyResult,
    Objective,
    Severity,
    TaskStatus,
)
from okrflow.domain.progress import clamp, expected_progress, kr_progress
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.domain.trend import Trend, confidence_trend
from okrflow.reports.sheet_model import (
    KRRow,
    KRStatus,
    SheetFlag,
    SheetThresholds,
)
from okrflow.reports.snapshot_lookups import in_quarter

# What the org-wide sheet lists row by row, and what a team line counts as needing attention.
ATTENTION = (KRStatus.BLOCKED, KRStatus.LOW_CONFIDENCE, KRStatus.AT_RISK)
_STATUSES = tuple(KRStatus)
_RANK = {s: s.rank for s in KRStatus}
_RISK = Severity.RISK.rank
_WARNING = Severity.WARNING.rank


def round4(x: float) -> float:
    return round(x, 4)


def scope_objectives(snapshot: CycleSnapshot, team_id: str | None) -> list[Objective]:
    if team_id is None:
        found: Iterable[Objective] = snapshot.objectives.values()
    else:
        personal = (
            o
            for person in snapshot.people_by_team.get(team_id, ())
            for o in snapshot.objectives_by_owner.get(person.id, ())
            if o.team_id is None
        )
        found = [*snapshot.objectives_by_team.get(team_id, ()), *personal]
    return [o for o in found if in_quarter(o) and o.cycle_id == snapshot.cycle.id]


@dataclass(slots=True)
class Assessed:
    """A key result's facts for the sheet, before a row model is built (the org sheet lists few)."""

    kr: KeyResult
    objective: Objective
    team_id: str | None
    check_ins: Sequence[CheckIn]  # up to the review instant, oldest first
    raw: float
    progress: float
    gap: float
    blocked_tasks: int
    flags: Sequence[Flag]
    worst_flag: int  # the most severe flag's Severity.rank; -1 without flags
    status: KRStatus
    rank: int  # status.rank
    collapsed: bool
    this_week: bool


@dataclass(slots=True)
class ReviewWindow:
    since: datetime  # exclusive
    until: datetime  # inclusive: the review instant
    review_date: date
    expected: float


def review_window(snapshot: CycleSnapshot, week: int) -> tuple[ReviewWindow, date, date]:
    cycle = snapshot.cycle
    try:
        first, last = week_span(cycle, week)
    except ValueError as exc:
        raise ValidationFailed([Problem(("week",), str(exc))]) from None
    until = review_time(cycle, week) or local_instant(cycle, last + timedelta(days=1))
    previous = review_time(cycle, week - 1) if week > 1 else None
    since = previous if previous is not None else until - timedelta(days=7)
    review_date = local_date(cycle, until)
    return ReviewWindow(since, until, review_date, expected_progress(cycle, on=review_date)), first, last


def check_ins_until(items: Sequence[CheckIn], until: datetime) -> Sequence[CheckIn]:
    if not items or items[-1].at <= until:
        return items
    return items[: bisect.bisect_right(items, until, key=lambda c: c.at)]


def settled_status(
    progress: float, blocked: bool, latest: CheckIn | None, low_confidence: int
) -> KRStatus | None:
    """Done, blocked or low confidence: the statuses that do not depend on the day asked about.

    None for a key result still open, which is at risk, not checked in or on track depending
    on the day (the dashboards' roll-ups keep this part; ``okrflow.dashboards``).

    Args:
        progress: Clamped progress.
        blocked: Whether one of its accepted tasks is blocked.
        latest: Its latest check-in, if any.
        low_confidence: At or below this confidence a key result has low confidence.
    """
    if progress >= 1.0:
        return KRStatus.DONE
    if blocked or (latest is not None and latest.blockers):
        return KRStatus.BLOCKED
    if latest is not None and latest.confidence <= low_confidence:
        return KRStatus.LOW_CONFIDENCE
    return None


def assess(
    snapshot: CycleSnapshot,
    kr: KeyResult,
    objective: Objective,
    team_id: str | None,
    win: ReviewWindow,
    flags: Sequence[Flag],
    th: SheetThresholds,
) -> Assessed:
    cis = check_ins_until(snapshot.check_ins.get(kr.id, ()), win.until)
    latest = cis[-1] if cis else None
    value = next((c.value for c in reversed(cis) if c.value is not None), None)
    tasks = snapshot.tasks_by_kr.get(kr.id, ())
    raw = kr_progress(kr, value=value, tasks=tasks)
    progress = clamp(raw)
    gap = win.expected - progress
    blocked = 0
    for t in tasks:
        if t.status is TaskStatus.BLOCKED:
            blocked += 1
    this_week = latest is not None and latest.at > win.since
    worst = max((f.severity.rank for f in flags), default=-1) if flags else -1  # -1: no flag
    status = settled_status(progress, blocked > 0, latest, th.low_confidence)
    if status is None:
        if gap >= th.at_risk_gap - 1e-9 or worst >= _RISK:
            status = KRStatus.AT_RISK
        else:
            status = KRStatus.ON_TRACK if this_week else KRStatus.NO_CHECK_IN
    collapsed = status is KRStatus.DONE or (
        status is KRStatus.ON_TRACK
        and latest is not None
        and latest.confidence >= th.high_confidence
        and worst < _WARNING  # a warned KR is worth a word
    )
    return Assessed(
        kr,
        objective,
        team_id,
        cis,
        raw,
        progress,
        gap,
        blocked,
        flags,
        worst,
        status,
        _RANK[status],
        collapsed,
        this_week,
    )


@lru_cache(maxsize=4096)
def _trend(confidences: tuple[int, ...]) -> Trend:
    # Three check-ins' confidences (0–10) take at most 1,331 values: each slope is worked out once.
    return confidence_trend(confidences)


def kr_row(snapshot: CycleSnapshot, a: Assessed, win: ReviewWindow, zone: ZoneInfo) -> KRRow:
    """The key result's row in the first square; ``zone`` is the cycle's time zone."""
    cis = a.check_ins
    latest = cis[-1] if cis else None
    flags = sorted(a.flags, key=_flag_order) if a.flags else ()
    team = snapshot.teams.get(a.team_id) if a.team_id is not None else None
    kr = a.kr
    owner = snapshot.people.get(kr.owner_id) if kr.owner_id is not None else None
    return KRRow.trusted(
        kr_id=kr.id,
        title=kr.title,
        objective_id=a.objective.id,
        objective_title=a.objective.title,
        team_id=a.team_id,
        team_name=team.name if team is not None else None,
        owner_id=kr.owner_id,
        owner_name=owner.name if owner is not None else None,
        kind=kr.kind,
        progress_raw=round(a.raw, 4),
        progress=round(a.progress, 4),
        expected=round(win.expected, 4),
        gap=round(a.gap, 4),
        confidence=latest.confidence if latest is not None else None,
        confidence_trend=_trend(tuple(c.confidence for c in cis[-3:])) if latest is not None else None,
        last_check_in=latest.at.astimezone(zone).date() if latest is not None else None,
        checked_in_this_week=a.this_week,
        status=a.status,
        flags=[SheetFlag.trusted(rule_id=f.rule_id, severity=f.severity, message=f.message) for f in flags],
        blocked_tasks=a.blocked_tasks,
        blockers=list(latest.blockers) if latest is not None else [],
        collapsed=a.collapsed,
    )


def _flag_order(f: Flag) -> tuple[int, str, str]:
    return (-f.severity.rank, f.rule_id, f.id)


def meeting_order(a: Assessed) -> tuple[object, ...]:
    """Collapsed last; then by status, most severe flag, furthest behind; titles and id break ties."""
    return (a.collapsed, a.rank, -a.worst_flag, -a.gap, a.objective.title, a.kr.title, a.kr.id)


def status_counts(assessed: Iterable[Assessed]) -> dict[KRStatus, int]:
    counts = [0] * len(_STATUSES)
    for a in assessed:
        counts[a.rank] += 1  # by rank: hashing enum members is slow over 30,000 KRs
    return dict(zip(_STATUSES, counts, strict=True))
