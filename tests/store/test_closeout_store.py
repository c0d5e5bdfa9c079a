"""What close-out and the ambassador's intake leave in the store, on SQLite and PostgreSQL: retrospectives
in either language shape, the cycle report with its carry-over proposals, problems raised and triaged —
each scoped to its org and refused once the cycle is archived."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from okrflow.domain.errors import InvalidState, NotFound, ValidationFailed
from okrflow.domain.model import LocalText, ObjectiveStatus, Phase, SubjectType
from okrflow.reports.ambassador_model import IntakeProblem, ProblemStatus
from okrflow.reports.carry_over import propose_carry_over
from okrflow.reports.cycle_report import Retrospective, close_out
from okrflow.store import CycleReportStore, CycleStore, ObjectiveStore, ProblemStore, RetrospectiveStore
from okrflow.store.snapshot import load_snapshot

from .conftest import T0, World


def test_a_retrospective_is_kept_per_objective_as_written_and_rewritten_until_the_archive(
    db_session: Session, world: World, other: World
) -> None:
    store = RetrospectiveStore(db_session)
    store.put(
        world.org.id,
        world.cycle.id,
        Retrospective(objective_id=world.objective.id, author_id=world.ana.id, what_worked="v1"),
    )
    written = Retrospective(
        objective_id=world.objective.id,
        author_id=world.bo.id,
        what_worked=LocalText(en="pairing", zh="结对"),
        what_did_not="十月招聘太晚",
        carry_over="region two",
        language="zh",
    )
    store.put(world.org.id, world.cycle.id, written, at=T0)
    assert store.get(world.org.id, world.objective.id) == written
    assert store.list_for_cycle(world.org.id, world.cycle.id) == {world.objective.id: written}
    with pytest.raises(NotFound):
        store.get(other.org.id, world.objective.id)
    with pytest.raises(ValidationFailed, match="no objective"):
        store.put(other.org.id, other.cycle.id, written)

    CycleStore(db_session).set_phase(world.org.id, world.cycle.id, Phase.ARCHIVED)
    with pytest.raises(InvalidState, match="is archived"):
        store.put(world.org.id, world.cycle.id, written)


def test_the_cycle_report_and_its_carry_over_read_back_as_they_were_stored(
    db_session: Session, world: World
) -> None:
    ObjectiveStore(db_session).update(
        world.org.id,
        world.objective.id,
        {"status": ObjectiveStatus.APPROVED},
        expected_version=None,
        actor="t",
    )
    snapshot = load_snapshot(db_session, world.cycle.id, as_of=T0 + timedelta(weeks=13), org_id=world.org.id)
    report = close_out(snapshot, as_of=T0 + timedelta(weeks=13))
    proposals = propose_carry_over(report, snapshot)
    assert [k.kr_id for k in report.key_results] == [world.kr.id] and proposals  # nothing done: carried
    store = CycleReportStore(db_session)
    store.put(world.org.id, report, proposals, final=False, at=T0)
    store.put(
        world.org.id, report, proposals, final=True, at=T0 + timedelta(days=1)
    )  # the final one replaces it
    stored = store.get(world.org.id, world.cycle.id)
    assert (stored.final, stored.report, stored.carry_over) == (True, report, proposals)
    with pytest.raises(NotFound):
        store.get("elsewhere", world.cycle.id)


def test_a_problem_is_raised_about_a_subject_of_its_org_and_triaged(
    db_session: Session, world: World, other: World
) -> None:
    store = ProblemStore(db_session)
    problem = IntakeProblem(
        id="p1",
        org_id=world.org.id,
        cycle_id=world.cycle.id,
        subject_type=SubjectType.KEY_RESULT,
        subject_id=world.kr.id,
        raised_by=world.cai.id,
        text="the churn numbers are counted twice",
        created_at=T0,
    )
    store.add(problem)
    with pytest.raises(ValidationFailed, match="no key_result"):
        store.add(problem.model_copy(update={"id": "p2", "subject_id": other.kr.id}))
    assigned = store.update(
        world.org.id, "p1", {"status": ProblemStatus.ASSIGNED, "assignee_id": world.bo.id}
    )
    assert store.get(world.org.id, "p1") == assigned
    assert [p.id for p in store.list(world.org.id, status=ProblemStatus.ASSIGNED)] == ["p1"]
    assert store.list(world.org.id, status=ProblemStatus.OPEN) == []
    assert store.list(other.org.id) == []
    with pytest.raises(ValidationFailed, match="cannot be changed"):
        store.update(world.org.id, "p1", {"raised_by": world.bo.id})
