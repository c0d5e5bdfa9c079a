from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker

from okrflow.domain.errors import DependencyCycle, InvalidState, NotFound, StaleVersion, ValidationFailed
from okrflow.domain.model import (
    Direction,
    KeyResult,
    Objective,
    ObjectiveStatus,
    Phase,
    PlanState,
    SubjectType,
    TaskStatus,
)
from okrflow.store import AuditStore, CycleStore, KeyResultStore, ObjectiveStore, TaskStore, unit_of_work

from .conftest import T0, World, build_world

LATER = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)


def test_objective_round_trips_with_its_alignment_in_order(db_session: Session, world: World) -> None:
    store = ObjectiveStore(db_session)
    p1 = store.add(world.objective.model_copy(update={"id": "p1", "title": "Parent one"}), actor="a-ana")
    p2 = store.add(world.objective.model_copy(update={"id": "p2", "title": "Parent two"}), actor="a-ana")
    child = Objective(
        id="child",
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        title="Child",
        owner_id=world.bo.id,
        aligned_to=[p2.id, p1.id],
    )
    store.add(child, actor="a-bo")
    assert store.get(world.org.id, "child") == child
    assert [o.id for o in store.list_aligned_to(world.org.id, p2.id)] == ["child"]
    assert {o.id for o in store.list_for_cycle(world.org.id, world.cycle.id)} == {"a-o1", "p1", "p2", "child"}


def test_key_result_and_task_round_trip(db_session: Session, world: World) -> None:
    assert KeyResultStore(db_session).get(world.org.id, world.kr.id) == world.kr
    tasks = TaskStore(db_session)
    first = tasks.add(
        world.task(
            "t1",
            "Interview churned users",
            due=date(2026, 1, 30),
            estimate_hours=6,
            collaborators=[world.cai.id],
            created_at=T0,
        ),
        actor="a-bo",
    )
    second = tasks.add(world.task("t2", "Fix onboarding", depends_on=["t1"], milestone=True), actor="a-bo")
    assert tasks.get(world.org.id, "t1") == first
    assert tasks.get(world.org.id, "t2") == second
    assert [t.id for t in tasks.list_for_kr(world.org.id, world.kr.id)] == ["t1", "t2"]
    assert [t.id for t in tasks.dependents(world.org.id, "t1")] == ["t2"]
    assert [t.id for t in tasks.list_for_owner(world.org.id, world.bo.id, cycle_id=world.cycle.id)] == [
        "t1",
        "t2",
    ]


def test_records_of_another_org_are_not_found(db_session: Session, world: World, other: World) -> None:
    with pytest.raises(NotFound, match="objective 'b-o1' not found"):
        ObjectiveStore(db_session).get(world.org.id, other.objective.id)
    with pytest.raises(NotFound):
        KeyResultStore(db_session).update(
            world.org.id, other.kr.id, {"title": "hijacked"}, expected_version=1, actor="a-ana"
        )
    assert KeyResultStore(db_session).get(other.org.id, other.kr.id).title == other.kr.title


def test_references_to_another_orgs_records_are_refused(
    db_session: Session, world: World, other: World
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        TaskStore(db_session).add(world.task("t1", "Sneaky", owner_id=other.bo.id), actor="a-bo")
    assert [(p.location, p.message) for p in caught.value.problems] == [
        (("owner_id",), "no person 'b-bo' in this org")
    ]


def test_update_bumps_the_version_and_audits_old_and_new_values_with_the_reason(
    db_session: Session, world: World
) -> None:
    store = KeyResultStore(db_session)
    updated = store.update(
        world.org.id,
        world.kr.id,
        {"target": 7.5, "unit": "pct"},
        expected_version=1,
        actor="a-ana",
        reason="board asked for more",
        at=LATER,
    )
    assert (updated.version, updated.target) == (2, 7.5)
    assert store.get(world.org.id, world.kr.id) == updated
    entries = (
        AuditStore(db_session)
        .list(world.org.id, subject_type=SubjectType.KEY_RESULT, subject_id=world.kr.id)
        .items
    )
    assert [(e.action, e.at, e.actor_id) for e in entries] == [
        ("update", LATER, "a-ana"),
        ("create", T0, "a-ana"),
    ]
    assert entries[0].changes == {"target": [8.0, 7.5], "unit": ["%", "pct"]}
    assert entries[0].reason == "board asked for more"


def test_stale_update_is_refused_with_the_current_version_and_changes_nothing(
    db_session: Session, world: World
) -> None:
    store = ObjectiveStore(db_session)
    store.update(
        world.org.id,
        world.objective.id,
        {"title": "Delight every customer"},
        expected_version=1,
        actor="a-ana",
    )
    with pytest.raises(StaleVersion) as caught:
        store.update(
            world.org.id, world.objective.id, {"title": "Old idea"}, expected_version=1, actor="a-bo"
        )
    assert (caught.value.expected, caught.value.current) == (1, 2)
    stored = store.get(world.org.id, world.objective.id)
    assert (stored.title, stored.version) == ("Delight every customer", 2)
    actors = [
        e.actor_id for e in AuditStore(db_session).list(world.org.id, subject_id=world.objective.id).items
    ]
    assert actors == ["a-ana", "a-ana"]


def test_invalid_update_names_the_field_and_writes_nothing(db_session: Session, world: World) -> None:
    store = KeyResultStore(db_session)
    with pytest.raises(ValidationFailed) as caught:
        store.update(world.org.id, world.kr.id, {"target": 20}, expected_version=1, actor="a-ana")
    assert caught.value.problems[0].location == ("target",)
    assert "above start" in caught.value.problems[0].message
    with pytest.raises(ValidationFailed, match="version: cannot be changed"):
        store.update(world.org.id, world.kr.id, {"version": 9}, expected_version=1, actor="a-ana")
    assert store.get(world.org.id, world.kr.id) == world.kr


def test_rolling_back_a_change_removes_its_audit_entry_too(
    session_factory: sessionmaker[Session], world: World
) -> None:
    with pytest.raises(RuntimeError), unit_of_work(session_factory) as session:
        ObjectiveStore(session).update(
            world.org.id,
            world.objective.id,
            {"status": ObjectiveStatus.SUBMITTED},
            expected_version=1,
            actor="a-ana",
            action="submit",
        )
        raise RuntimeError("the workflow could not be started")
    with unit_of_work(session_factory) as session:
        assert ObjectiveStore(session).get(world.org.id, world.objective.id).status is ObjectiveStatus.DRAFT
        assert [
            e.action for e in AuditStore(session).list(world.org.id, subject_id=world.objective.id).items
        ] == ["create"]


def test_dependency_cycle_is_refused_naming_the_tasks(db_session: Session, world: World) -> None:
    tasks = TaskStore(db_session)
    tasks.add(world.task("t1", "Design"), actor="a-bo")
    tasks.add(world.task("t2", "Build", depends_on=["t1"]), actor="a-bo")
    tasks.add(world.task("t3", "Ship", depends_on=["t2"]), actor="a-bo")
    with pytest.raises(DependencyCycle) as caught:
        tasks.update(world.org.id, "t1", {"depends_on": ["t3"]}, expected_version=1, actor="a-bo")
    assert "Design → Ship → Build → Design" in str(caught.value)
    assert tasks.get(world.org.id, "t1").depends_on == []


def test_dependency_cycle_across_key_results_of_the_cycle_is_refused(
    db_session: Session, world: World
) -> None:
    other_kr = KeyResultStore(db_session).add(
        world.kr.model_copy(
            update={
                "id": "kr2",
                "title": "NPS to 50",
                "start": 30,
                "target": 50,
                "direction": Direction.INCREASE,
            }
        ),
        actor="a-ana",
    )
    tasks = TaskStore(db_session)
    tasks.add(world.task("t1", "Survey"), actor="a-bo")
    tasks.add(world.task("t2", "Act on survey", kr_id=other_kr.id, depends_on=["t1"]), actor="a-bo")
    with pytest.raises(DependencyCycle, match="Survey → Act on survey → Survey"):
        tasks.update(world.org.id, "t1", {"depends_on": ["t2"]}, expected_version=None, actor="a-bo")


def test_dependency_on_a_task_of_another_cycle_is_refused(db_session: Session, world: World) -> None:
    q2 = CycleStore(db_session).add(
        world.cycle.model_copy(
            update={"id": "q2", "name": "2026-Q2", "start": date(2026, 4, 6), "end": date(2026, 6, 28)}
        )
    )
    o2 = ObjectiveStore(db_session).add(
        world.objective.model_copy(update={"id": "o2", "cycle_id": q2.id}), actor="a-ana"
    )
    kr2 = KeyResultStore(db_session).add(
        world.kr.model_copy(update={"id": "kr2", "objective_id": o2.id}), actor="a-ana"
    )
    tasks = TaskStore(db_session)
    tasks.add(world.task("later", "Next quarter thing", kr_id=kr2.id), actor="a-bo")
    with pytest.raises(ValidationFailed, match="'Next quarter thing' \\(later\\) belongs to another cycle"):
        tasks.add(world.task("now", "This quarter", depends_on=["later"]), actor="a-bo")


def test_delete_is_audited_and_a_referenced_record_cannot_be_deleted(
    db_session: Session, world: World
) -> None:
    tasks = TaskStore(db_session)
    tasks.add(world.task("t1", "Design"), actor="a-bo", at=T0)
    tasks.add(world.task("t2", "Build", depends_on=["t1"]), actor="a-bo", at=T0)
    with pytest.raises(Exception, match="still referenced"):
        tasks.delete(world.org.id, "t1", expected_version=1, actor="a-bo")
    tasks.delete(world.org.id, "t2", expected_version=1, actor="a-bo", reason="cut from scope", at=LATER)
    with pytest.raises(NotFound):
        tasks.get(world.org.id, "t2")
    (entry, _) = AuditStore(db_session).list(world.org.id, subject_id="t2").items
    assert (entry.action, entry.reason, entry.changes["title"]) == (
        "delete",
        "cut from scope",
        ["Build", None],
    )
    tasks.update(world.org.id, "t1", {"status": TaskStatus.DONE}, expected_version=1, actor="a-bo")


def test_archived_cycle_is_read_only(db_session: Session, world: World) -> None:
    CycleStore(db_session).set_phase(world.org.id, world.cycle.id, Phase.ARCHIVED)
    with pytest.raises(InvalidState, match="cycle '2026-Q1' is archived"):
        KeyResultStore(db_session).update(
            world.org.id, world.kr.id, {"current": 10}, expected_version=1, actor="a-bo"
        )
    with pytest.raises(InvalidState):
        TaskStore(db_session).add(world.task("t1", "Too late"), actor="a-bo")


def test_a_second_org_can_reuse_nothing_but_its_own_ids(db_session: Session, world: World) -> None:
    again = KeyResult(
        id=world.kr.id, org_id=world.org.id, objective_id=world.objective.id, title="Duplicate", kind="binary"
    )
    with pytest.raises(Exception, match="clashes with a stored record"):
        KeyResultStore(db_session).add(again, actor="a-ana")
    build_world(db_session, "c-")  # the session is still usable after the refused insert


def test_fixing_the_baseline_takes_in_accepted_tasks_once_and_audits_them(
    db_session: Session, world: World
) -> None:
    tasks = TaskStore(db_session)
    tasks.add(world.task("t1", "Accepted"), actor="a-bo", at=T0)
    tasks.add(world.task("t2", "Proposed", plan_state=PlanState.PROPOSED), actor="a-bo", at=T0)
    tasks.add(world.task("t3", "Cut", status=TaskStatus.CUT), actor="a-bo", at=T0)
    assert tasks.fix_baseline(world.org.id, world.cycle.id, at=LATER) == 1
    assert (tasks.get(world.org.id, "t1").in_baseline, tasks.get(world.org.id, "t1").version) == (True, 2)
    assert not tasks.get(world.org.id, "t2").in_baseline
    tasks.update(world.org.id, "t2", {"plan_state": PlanState.ACCEPTED}, expected_version=1, actor="a-bo")
    assert tasks.fix_baseline(world.org.id, world.cycle.id, at=LATER) == 1  # only the newly accepted one
    assert tasks.fix_baseline(world.org.id, world.cycle.id, at=LATER) == 0
    (entry, _) = AuditStore(db_session).list(world.org.id, subject_id="t1").items
    assert (entry.action, entry.actor_id, entry.changes) == (
        "baseline",
        "system:cycle",
        {"in_baseline": [False, True]},
    )
