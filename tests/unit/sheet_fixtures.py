"""A hand-built week for the weekly sheet tests: Acme's team "pay" in week 7 of a 13-week quarter."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from okrflow.domain.model import (
    CalendarEvent,
    CheckIn,
    Cycle,
    Flag,
    HealthLevel,
    HealthPulse,
    KeyResult,
    LocalText,
    Objective,
    ObjectiveStatus,
    Severity,
    SubjectType,
    Task,
    TaskStatus,
)
from okrflow.domain.snapshot import CycleSnapshot
from tests.unit.acme import ORG, PEOPLE, TEAMS

# A 13-week quarter starting on a Monday; reviews are on Mondays at 10:00 UTC.
CYCLE = Cycle(id="q1", org_id="acme", name="2026-Q1", start=date(2026, 1, 5), end=date(2026, 4, 5))
WEEK = 7
REVIEW = datetime(2026, 2, 16, 10, tzinfo=UTC)  # week 7's review; expected progress is 31/65 ≈ 48%
THIS_WEEK = REVIEW - timedelta(days=1)  # after week 6's review: counts as this week's check-in
LAST_WEEK = REVIEW - timedelta(days=8)  # before week 6's review


def objective(oid: str = "o1", *, team: str | None = "pay", owner: str = "ana", **kw: Any) -> Objective:
    kw.setdefault("status", ObjectiveStatus.APPROVED)
    kw.setdefault("title", f"Objective {oid}")
    return Objective(id=oid, org_id="acme", cycle_id="q1", owner_id=owner, team_id=team, **kw)


def key_result(kid: str, *, obj: str = "o1", owner: str | None = "ana", **kw: Any) -> KeyResult:
    kw.setdefault("title", f"KR {kid}")
    if kw.get("kind", "metric") == "metric":
        kw.setdefault("start", 0.0)
        kw.setdefault("target", 100.0)
    return KeyResult(id=kid, org_id="acme", objective_id=obj, owner_id=owner, **kw)


def check_in(kid: str, at: datetime, *, confidence: int = 7, author: str = "ana", **kw: Any) -> CheckIn:
    cid = f"{kid}-{at:%m%d%H%M}"
    return CheckIn(id=cid, org_id="acme", kr_id=kid, author_id=author, at=at, confidence=confidence, **kw)


def task(tid: str, kid: str, *, owner: str = "ana", **kw: Any) -> Task:
    kw.setdefault("title", f"Task {tid}")
    return Task(id=tid, org_id="acme", kr_id=kid, owner_id=owner, **kw)


def pulse(
    week: int, team_health: str, quality: str = "green", cs: str = "green", team: str = "pay"
) -> HealthPulse:
    return HealthPulse(
        id=f"{team}-{week}",
        org_id="acme",
        cycle_id="q1",
        team_id=team,
        week=week,
        team_health=HealthLevel(team_health),
        quality=HealthLevel(quality),
        customer_satisfaction=HealthLevel(cs),
    )


def flag(kid: str, severity: Severity = Severity.RISK, *, week: int = WEEK, **kw: Any) -> Flag:
    return Flag(
        id=f"f-{kid}-{severity}-{kw.get('rule_id', 'behind')}",
        org_id="acme",
        cycle_id="q1",
        week=week,
        rule_id=kw.pop("rule_id", "behind"),
        rule_version=1,
        subject_type=SubjectType.KEY_RESULT,
        subject_id=kid,
        severity=severity,
        message=LocalText(en="Behind plan", zh="落后于计划"),
        created_at=REVIEW,
        **kw,
    )


def world(
    *,
    krs: Iterable[KeyResult],
    objectives: Iterable[Objective] | None = None,
    tasks: Iterable[Task] = (),
    check_ins: Iterable[CheckIn] = (),
    pulses: Iterable[HealthPulse] = (),
    events: Iterable[CalendarEvent] = (),
    as_of: datetime = REVIEW,
) -> CycleSnapshot:
    return CycleSnapshot.build(
        org=ORG,
        cycle=CYCLE,
        as_of=as_of,
        people=PEOPLE,
        teams=TEAMS,
        objectives=objectives if objectives is not None else [objective()],
        key_results=krs,
        tasks=tasks,
        check_ins=check_ins,
        pulses=pulses,
        events=events,
    )


def meeting_world() -> CycleSnapshot:
    """One KR of every status, listed in the opposite of meeting order."""
    return world(
        krs=[
            key_result("confident"),
            key_result("steady"),
            key_result("silent"),
            key_result("behind"),
            key_result("doubtful"),
            key_result("stuck"),
        ],
        tasks=[task("t-stuck", "stuck", status=TaskStatus.BLOCKED)],
        check_ins=[
            check_in("confident", THIS_WEEK, value=55, confidence=9),
            check_in("steady", THIS_WEEK, value=50, confidence=6),
            check_in("silent", LAST_WEEK, value=50, confidence=8),
            check_in("behind", THIS_WEEK, value=20, confidence=7),
            check_in("doubtful", LAST_WEEK, value=50, confidence=6),
            check_in("doubtful", THIS_WEEK, value=50, confidence=3),
            check_in("stuck", THIS_WEEK, value=50, confidence=8),
        ],
    )
