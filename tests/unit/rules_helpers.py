"""Hand-built cycle snapshots for the rules tests: a small org whose every fact is chosen by the test."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from okrflow.domain.calendar import review_time
from okrflow.domain.model import (
    CheckIn,
    Cycle,
    HealthLevel,
    HealthPulse,
    KeyResult,
    KRKind,
    Objective,
    ObjectiveStatus,
    Org,
    Person,
    Phase,
    PlanState,
    Task,
    TaskStatus,
    Team,
)
from okrflow.domain.snapshot import CycleSnapshot

START = date(2026, 1, 5)  # a Monday; weeks 1..13, reviews on Mondays at 10:00 UTC
END = date(2026, 4, 5)


def review_at(week: int) -> datetime:
    at = review_time(CYCLE, week)
    assert at is not None
    return at


ORG = Org(id="org", name="Acme")
CYCLE = Cycle(id="c1", org_id="org", name="2026-Q1", start=START, end=END, phase=Phase.EXECUTION)


@dataclass
class World:
    """A mutable little org; ``snapshot(week)`` freezes it as of that week's review."""

    people: list[Person] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    krs: list[KeyResult] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    check_ins: list[CheckIn] = field(default_factory=list)
    pulses: list[HealthPulse] = field(default_factory=list)
    streaks: dict[tuple[str, str], int] = field(default_factory=dict)

    def person(self, pid: str, **kw: Any) -> Person:
        p = Person(id=pid, org_id="org", name=pid.title(), handle=pid, **kw)
        self.people.append(p)
        return p

    def team(self, tid: str, **kw: Any) -> Team:
        t = Team(id=tid, org_id="org", name=tid.title(), **kw)
        self.teams.append(t)
        return t

    def objective(self, oid: str, owner: str = "ana", **kw: Any) -> Objective:
        kw.setdefault("status", ObjectiveStatus.APPROVED)
        o = Objective(id=oid, org_id="org", cycle_id="c1", title=f"Objective {oid}", owner_id=owner, **kw)
        self.objectives.append(o)
        return o

    def kr(
        self, kid: str, *, objective: str = "o1", owner: str | None = "ana", current: float = 0.0, **kw: Any
    ):
        if not any(o.id == objective for o in self.objectives):
            self.objective(objective)
        kw.setdefault("kind", KRKind.METRIC)
        if kw["kind"] is KRKind.METRIC:
            kw.setdefault("start", 0.0)
            kw.setdefault("target", 100.0)
        k = KeyResult(
            id=kid,
            org_id="org",
            objective_id=objective,
            title=f"KR {kid}",
            owner_id=owner,
            current=current,
            **kw,
        )
        self.krs.append(k)
        return k

    def task(self, tid: str, kr: str, *, owner: str = "ana", due: date | None = START, **kw: Any) -> Task:
        kw.setdefault("status", TaskStatus.TODO)
        kw.setdefault("plan_state", PlanState.ACCEPTED)
        t = Task(id=tid, org_id="org", kr_id=kr, title=f"Task {tid}", owner_id=owner, due=due, **kw)
        self.tasks.append(t)
        return t

    def check_in(self, kr: str, at: datetime, *, confidence: int = 7, value: float | None = None) -> CheckIn:
        n = len(self.check_ins) + 1
        ci = CheckIn(
            id=f"ci{n}", org_id="org", kr_id=kr, author_id="ana", at=at, confidence=confidence, value=value
        )
        self.check_ins.append(ci)
        return ci

    def pulse(self, team: str, week: int, health: HealthLevel) -> HealthPulse:
        p = HealthPulse(
            id=f"p-{team}-{week}",
            org_id="org",
            cycle_id="c1",
            team_id=team,
            week=week,
            team_health=health,
            quality=HealthLevel.GREEN,
            customer_satisfaction=HealthLevel.GREEN,
        )
        self.pulses.append(p)
        return p

    def snapshot(self, week: int, *, as_of: datetime | None = None) -> CycleSnapshot:
        return CycleSnapshot.build(
            org=ORG,
            cycle=CYCLE,
            as_of=review_at(week) if as_of is None else as_of,
            people=self.people,
            teams=self.teams,
            objectives=self.objectives,
            key_results=self.krs,
            tasks=self.tasks,
            check_ins=self.check_ins,
            pulses=self.pulses,
            streaks=self.streaks,
        )


def days_before(week: int, days: float) -> datetime:
    """An instant ``days`` before the review of ``week``."""
    return review_at(week) - timedelta(days=days)


def world() -> World:
    """Ana (a member with manager Mo) and Mo, in team t1."""
    w = World()
    w.team("t1", lead_id="mo")
    w.person("mo", team_id="t1")
    w.person("ana", team_id="t1", manager_id="mo")
    return w


def utc(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)
