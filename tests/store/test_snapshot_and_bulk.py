from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound
from okrflow.domain.model import (
    CalendarEvent,
    CheckIn,
    Cycle,
    Escalation,
    HealthLevel,
    HealthPulse,
    KeyResult,
    KRKind,
    Objective,
    Org,
    Person,
    SubjectType,
    Task,
    TaskStatus,
    Team,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.store import AuditStore, EscalationStore, KeyResultStore, ObjectiveStore, PeopleStore, TaskStore
from okrflow.store.bulk import bulk_load
from okrflow.store.snapshot import load_snapshot
from okrflow.store.testing import check_foreign_keys

from .conftest import T0

ORG = "org1"


def _org_records() -> dict[str, list]:
    """Two teams under a root team; each person owns an objective with one KR and two tasks."""
    teams = [
        Team(id="root", org_id=ORG, name="Company", lead_id="boss"),
        Team(id="red", org_id=ORG, name="Red", parent_id="root", lead_id="r1"),
        Team(id="blue", org_id=ORG, name="Blue", parent_id="root", lead_id="b1"),
    ]
    people = [
        Person(id="r1", org_id=ORG, name="Red One", handle="r1", team_id="red", manager_id="boss"),
        Person(id="r2", org_id=ORG, name="红二", handle="r2", team_id="red", manager_id="r1"),
        Person(id="b1", org_id=ORG, name="Blue One", handle="b1", team_id="blue", manager_id="boss"),
        Person(id="b2", org_id=ORG, name="Blue Two", handle="b2", team_id="blue", manager_id="b1"),
        Person(id="boss", org_id=ORG, name="Boss", handle="boss", team_id="root"),
    ]
    cycle = Cycle(id="q1", org_id=ORG, name="2026-Q1", start=date(2026, 1, 5), end=date(2026, 3, 29))
    objectives, krs, tasks, check_ins = [], [], [], []
    for p in people[:4]:
        team = p.team_id
        objectives.append(
            Objective(
                id=f"o-{p.id}",
                org_id=ORG,
                cycle_id="q1",
                title=f"Objective of {p.name}",
                owner_id=p.id,
                team_id=team,
                aligned_to=["o-top"] if p.id.endswith("1") else [],
            )
        )
        krs.append(
            KeyResult(
                id=f"kr-{p.id}",
                org_id=ORG,
                objective_id=f"o-{p.id}",
                title=f"KR of {p.name}",
                owner_id=p.id,
                start=0,
                target=10,
            )
        )
        tasks.append(
            Task(
                id=f"t-{p.id}-a",
                org_id=ORG,
                kr_id=f"kr-{p.id}",
                title="first",
                owner_id=p.id,
                status=TaskStatus.DONE,
                due=date(2026, 1, 30),
            )
        )
        tasks.append(
            Task(
                id=f"t-{p.id}-b",
                org_id=ORG,
                kr_id=f"kr-{p.id}",
                title="second",
                owner_id=p.id,
                depends_on=[f"t-{p.id}-a"],
                collaborators=[],
                milestone=True,
                created_at=T0,
            )
        )
        for week in range(3):
            check_ins.append(
                CheckIn(
                    id=f"c-{p.id}-{week}",
                    org_id=ORG,
                    kr_id=f"kr-{p.id}",
                    author_id=p.id,
                    at=T0 + timedelta(weeks=week),
                    value=float(week),
                    confidence=7 - week,
                    blockers=["x"] if week else [],
                )
            )
    objectives.append(
        Objective(
            id="o-top", org_id=ORG, cycle_id="q1", title="Company objective", owner_id="boss", team_id="root"
        )
    )
    krs.append(KeyResult(id="kr-top", org_id=ORG, objective_id="o-top", title="Ship it", kind=KRKind.BINARY))
    # Red's r2 also works on blue's KR, and blue's b2 task waits for red's r1 task.
    tasks.append(
        Task(
            id="t-r2-on-blue",
            org_id=ORG,
            kr_id="kr-b1",
            title="help blue",
            owner_id="r2",
            depends_on=["t-b1-a"],
        )
    )
    tasks.append(
        Task(id="t-b2-c", org_id=ORG, kr_id="kr-b2", title="after red", owner_id="b2", depends_on=["t-r1-b"])
    )
    pulses = [
        HealthPulse(
            id=f"p-{team}-{w}",
            org_id=ORG,
            cycle_id="q1",
            team_id=team,
            week=w,
            team_health=HealthLevel.GREEN,
            quality=HealthLevel.YELLOW,
            customer_satisfaction=HealthLevel.RED,
        )
        for team in ("red", "blue")
        for w in (2, 1)
    ]
    events = [
        CalendarEvent(
            id="e-red", org_id=ORG, cycle_id="q1", team_id="red", title="Red demo", on=date(2026, 2, 2)
        ),
        CalendarEvent(id="e-all", org_id=ORG, cycle_id="q1", title="All hands", on=date(2026, 2, 9)),
        CalendarEvent(
            id="e-blue", org_id=ORG, cycle_id="q1", team_id="blue", title="Blue", on=date(2026, 2, 3)
        ),
    ]
    return {
        "orgs": [Org(id=ORG, name="Org")],
        "teams": teams,
        "people": people,
        "cycles": [cycle],
        "objectives": objectives,
        "key_results": krs,
        "tasks": tasks,
        "check_ins": check_ins,
        "pulses": pulses,
        "events": events,
    }


@pytest.fixture
def loaded(db_session: Session) -> dict[str, list]:
    records = _org_records()
    bulk_load(db_session, **records)
    check_foreign_keys(db_session)
    return records


def test_bulk_load_writes_records_the_stores_read_back_unchanged(db_session: Session) -> None:
    records = _org_records()
    counts = bulk_load(db_session, **records, audit=True, at=T0)
    check_foreign_keys(db_session)
    assert (counts["tasks"], counts["task_dependencies"], counts["check_ins"], counts["audit_log"]) == (
        10,
        6,
        12,
        20,
    )
    assert PeopleStore(db_session).get(ORG, "r2") == records["people"][1]
    assert ObjectiveStore(db_session).get(ORG, "o-r1") == records["objectives"][0]
    assert {t.id: t for t in TaskStore(db_session).list_for_cycle(ORG, "q1")} == {
        t.id: t for t in records["tasks"]
    }
    (created,) = AuditStore(db_session).list(ORG, subject_id="kr-r1").items
    assert (created.action, created.actor_id, created.changes["target"]) == (
        "create",
        "system:bulk_load",
        [None, 10.0],
    )
    KeyResultStore(db_session).update(ORG, "kr-r1", {"current": 4}, expected_version=1, actor="r1")


def test_snapshot_equals_the_snapshot_built_from_the_same_records(db_session: Session, loaded: dict) -> None:
    as_of = T0 + timedelta(weeks=1)
    snap = load_snapshot(db_session, "q1", as_of=as_of)
    expected = CycleSnapshot.build(
        org=loaded["orgs"][0],
        cycle=loaded["cycles"][0],
        as_of=as_of,
        people=loaded["people"],
        teams=loaded["teams"],
        objectives=loaded["objectives"],
        key_results=loaded["key_results"],
        tasks=loaded["tasks"],
        check_ins=loaded["check_ins"],
        pulses=loaded["pulses"],
        events=loaded["events"],
    )
    assert (snap.org, snap.cycle, snap.people, snap.teams) == (
        expected.org,
        expected.cycle,
        expected.people,
        expected.teams,
    )
    assert (snap.objectives, snap.key_results, snap.tasks) == (
        expected.objectives,
        expected.key_results,
        expected.tasks,
    )
    assert snap.check_ins == expected.check_ins
    assert [c.id for c in snap.check_ins["kr-r1"]] == ["c-r1-0", "c-r1-1"]  # week 2 is after as_of
    assert snap.pulses == expected.pulses and [p.week for p in snap.pulses["red"]] == [1, 2]
    assert sorted(e.id for e in snap.events) == ["e-all", "e-blue", "e-red"]


def test_snapshot_of_some_teams_holds_what_their_facts_need(db_session: Session, loaded: dict) -> None:
    EscalationStore(db_session).add(
        Escalation(
            id="x1",
            org_id=ORG,
            cycle_id="q1",
            rule_id="kr-stalled",
            subject_type=SubjectType.KEY_RESULT,
            subject_id="kr-r1",
            streak=2,
            opened_week=1,
            updated_week=2,
        )
    )
    snap = load_snapshot(db_session, "q1", as_of=T0 + timedelta(weeks=5), team_ids=["red"], org_id=ORG)
    assert set(snap.objectives) == {"o-r1", "o-r2"}
    assert set(snap.key_results) == {"kr-r1", "kr-r2"}
    assert set(snap.check_ins) == {"kr-r1", "kr-r2"} and len(snap.check_ins["kr-r2"]) == 3
    # r2's task on blue's KR (capacity) and the blue task it waits for (blocked dependencies)
    assert set(snap.tasks) == {"t-r1-a", "t-r1-b", "t-r2-a", "t-r2-b", "t-r2-on-blue", "t-b1-a"}
    assert {kr for kr in snap.tasks_by_kr} >= {"kr-r1", "kr-b1"}
    assert set(snap.people) == {"r1", "r2", "b1", "boss"}  # members, their manager, the blue task's owner
    assert set(snap.teams) == {"root", "red", "blue"}
    assert set(snap.pulses) == {"red"}
    assert sorted(e.id for e in snap.events) == ["e-all", "e-red"]
    assert snap.streaks == {("kr-stalled", "kr-r1"): 2}


def test_snapshot_of_another_orgs_cycle_is_not_found(db_session: Session, loaded: dict) -> None:
    with pytest.raises(NotFound, match="cycle 'q1' not found"):
        load_snapshot(db_session, "q1", as_of=T0, org_id="someone-else")
