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
from rules.catalog import Scope
from rules.context import ReviewContext
from rules.cycle_tally import cycle_tally
from rules.facts import compute_facts

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


def test_snapshot_of_some_teams_gives_their_subjects_the_facts_of_the_whole_cycle(
    db_session: Session, loaded: dict
) -> None:
    """A weekly review's shard loads some teams; their subjects' facts and the shards' tallies of the
    cycle must come out as from the whole cycle."""
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
    # Red's r1 also owns a KR of blue's objective; someone of no team owns an objective of no team.
    bulk_load(
        db_session,
        people=[Person(id="solo", org_id=ORG, name="独行", handle="solo")],
        objectives=[Objective(id="o-solo", org_id=ORG, cycle_id="q1", title="Solo", owner_id="solo")],
        key_results=[
            KeyResult(
                id="kr-r1-blue",
                org_id=ORG,
                objective_id="o-b1",
                title="For blue",
                owner_id="r1",
                start=0,
                target=5,
            ),
            KeyResult(
                id="kr-solo",
                org_id=ORG,
                objective_id="o-solo",
                title="Solo KR",
                owner_id="solo",
                start=0,
                target=5,
            ),
        ],
        check_ins=[
            CheckIn(
                id="c-x",
                org_id=ORG,
                kr_id="kr-r1-blue",
                author_id="r1",
                at=T0 + timedelta(weeks=4),
                value=2,
                confidence=6,
            )
        ],
    )
    as_of = T0 + timedelta(weeks=5)
    whole = load_snapshot(db_session, "q1", as_of=as_of, org_id=ORG)
    red = load_snapshot(db_session, "q1", as_of=as_of, team_ids=["red"], org_id=ORG)
    rest = load_snapshot(db_session, "q1", as_of=as_of, team_ids=["blue", "root", None], org_id=ORG)

    # Red's plan, r1's KR on blue's objective (and that objective), r2's task on blue's KR
    # (capacity) and blue's task waiting behind red's (blocked chains); everyone; red's pulses.
    assert set(red.objectives) == {"o-r1", "o-r2", "o-b1"}
    assert set(red.key_results) == {"kr-r1", "kr-r2", "kr-r1-blue"}
    assert set(red.check_ins) == {"kr-r1", "kr-r2", "kr-r1-blue"} and len(red.check_ins["kr-r2"]) == 3
    assert set(red.tasks) == {"t-r1-a", "t-r1-b", "t-r2-a", "t-r2-b", "t-r2-on-blue", "t-b2-c"}
    assert set(red.people) == set(whole.people) and set(red.teams) == {"root", "red", "blue"}
    assert set(red.pulses) == {"red"}
    assert sorted(e.id for e in red.events) == ["e-all", "e-red"]
    assert red.streaks == {("kr-stalled", "kr-r1"): 2}
    assert {"o-solo", "kr-solo"} <= set(rest.objectives) | set(rest.key_results)

    def facts(snapshot: CycleSnapshot, subjects: dict[Scope, list[str]]) -> dict:
        return compute_facts(snapshot, week=6, now=as_of, scopes=list(subjects), subjects=subjects).rows

    reds = {
        Scope.TEAM: ["red"],
        Scope.OBJECTIVE: ["o-r1", "o-r2"],
        Scope.KEY_RESULT: ["kr-r1", "kr-r2"],
        Scope.TASK: ["t-r1-a", "t-r1-b", "t-r2-a", "t-r2-b"],
        Scope.PERSON: ["r1", "r2"],
    }
    assert facts(red, reds) == facts(whole, reds)
    assert facts(red, reds)[Scope.PERSON]["r1"]["krs_owned"] == 2  # the one on blue's objective too

    def ctx(snapshot: CycleSnapshot) -> ReviewContext:
        return ReviewContext(snapshot, week=6, now=as_of)

    added = cycle_tally(ctx(red), ["red"]) + cycle_tally(ctx(rest), ["blue", "root", None])
    cycle = cycle_tally(ctx(whole)).facts(ctx(whole))
    assert added.facts(ctx(whole)) == cycle
    assert (cycle["objectives"], cycle["krs"], cycle["people"]) == (6, 7, 6)


def test_snapshot_of_another_orgs_cycle_is_not_found(db_session: Session, loaded: dict) -> None:
    with pytest.raises(NotFound, match="cycle 'q1' not found"):
        load_snapshot(db_session, "q1", as_of=T0, org_id="someone-else")
