"""The consultation (会商) workflow on the time-skipping server, with the real activities over a SQLite store
holding a generated org: an overdue meeting is chased; a recorded meeting revises tasks through the
audited path and sets an agreed check; at the check date a key result that did not recover escalates one
rung up the management chain, and one that did closes and tells the participants."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from okrflow.domain.model import CheckIn, ConsultationStatus, SubjectType
from okrflow.runtime.worker import build_worker
from okrflow.services.consultations import open_consultation
from okrflow.store import AuditStore, CheckInStore, ConsultationStore, PeopleStore, TaskStore, unit_of_work
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import Pattern, small_org
from tests.workflows.clock import own_environment
from tests.workflows.quarter import FUTURE_START, Quarter, load_quarter, settings
from workflows.consultation import ConsultationWorkflow, consultation_workflow_id
from workflows.governance_messages import (
    CloseConsultationInput,
    ConsultationInput,
    ConsultationResult,
    RecordMeetingInput,
    TaskRevision,
)

CHECK_ON = FUTURE_START + timedelta(weeks=8)  # the Monday of week 9: the check runs at that review time


@dataclass
class World:
    quarter: Quarter
    worker: Worker
    task_queue: str


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """This module moves the clock into the cycle: it has a server of its own."""
    async with own_environment() as environment:
        yield environment


@pytest.fixture(scope="module")
async def world(env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    tmp = tmp_path_factory.mktemp("consultation")
    org = small_org(seed=4, people=50, cycle_start=FUTURE_START, as_of_week=8, check_in_weeks=8)
    with migrated_engine("sqlite", directory=tmp) as engine:
        q = load_quarter(org, engine)
        s = settings(tmp)
        worker = build_worker(s, env.client, session_factory=q.sessions)
        async with worker:
            yield World(q, worker, s.temporal_task_queue)


def behind(world: World) -> list[str]:
    """Key results scripted to fall behind, owned by people with two managers above them first."""
    org = world.quarter.org
    people = {p.id: p for p in org.people}

    def depth(kr_id: str) -> int:
        kr = next(k for k in org.key_results if k.id == kr_id)
        current, n = people[kr.owner_id or ""], 0
        while current.manager_id:
            current, n = people[current.manager_id], n + 1
        return n

    found = sorted(org.story.krs(Pattern.BEHIND), key=lambda k: (depth(k) < 2, k))
    assert len(found) >= 2 and depth(found[0]) >= 2, "the story scripts key results that fall behind"
    return found


async def convene(env: WorkflowEnvironment, world: World, kr_id: str, reason: str) -> tuple[str, object]:
    """Someone (the KR owner's manager) convenes a consultation by hand; its workflow starts."""
    q = world.quarter
    kr = next(k for k in q.org.key_results if k.id == kr_id)
    now = await env.get_current_time()
    with unit_of_work(q.sessions) as session:
        owner = PeopleStore(session).get(q.org_id, kr.owner_id or "")
        convener = PeopleStore(session).get(q.org_id, owner.manager_id or owner.id)
        consultation = open_consultation(
            session, convener, {"subject_id": kr_id, "reason": reason}, at=now.astimezone(UTC)
        )
    handle = await env.client.start_workflow(
        ConsultationWorkflow.run,
        ConsultationInput(org_id=q.org_id, consultation_id=consultation.id),
        id=consultation_workflow_id(q.org_id, consultation.id),
        task_queue=world.task_queue,
    )
    return consultation.id, handle


async def refused(handle: object, record: RecordMeetingInput) -> str:
    """The reason the workflow's validator gives for refusing a meeting record."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(ConsultationWorkflow.record_meeting, record)  # type: ignore[attr-defined]
    return str(failed.value.cause)


def meeting(recorded_by: str, **changes: object) -> RecordMeetingInput:
    values: dict[str, object] = {
        "recorded_by": recorded_by,
        "situation": "Two integrations slipped; the metric has not moved for three weeks.",
        "causes": "The vendor API changed under us.",
        "impact": "The launch date is at risk.",
        "decisions": ["Move the integration work to the platform team", "Weekly check with the vendor"],
        "check_on": CHECK_ON,
        "check_condition": "gap < 0.1",
        **changes,
    }
    return RecordMeetingInput.model_validate(values)


async def test_a_key_result_that_did_not_recover_escalates_one_rung_up_after_a_chased_meeting(
    env: WorkflowEnvironment, world: World
) -> None:
    q = world.quarter
    kr_id = behind(world)[0]
    consultation_id, handle = await convene(env, world, kr_id, "serious delay for three weeks")
    with unit_of_work(q.sessions) as session:
        before = ConsultationStore(session).get(q.org_id, consultation_id)
        task = TaskStore(session).list_for_kr(q.org_id, kr_id)[0]
    owner = next(k.owner_id for k in q.org.key_results if k.id == kr_id)

    # The meeting deadline passes without a record: every participant is chased.
    await env.sleep(before.meet_by - await env.get_current_time() + timedelta(hours=1))
    chased = world.quarter.notifications("consultation_overdue", consultation_id=consultation_id)
    assert {n["recipient_id"] for n in chased} == set(before.participants)

    outsider = next(p.id for p in q.org.people if p.active and p.id not in before.participants)
    assert "recorded by one of its participants" in await refused(handle, meeting(outsider))
    assert "after the cycle's last day" in await refused(handle, meeting(owner, check_on=date(2027, 12, 31)))
    new_due = (task.due or FUTURE_START) + timedelta(days=7)
    agreed = await handle.execute_update(
        ConsultationWorkflow.record_meeting,
        meeting(owner, task_revisions=[TaskRevision(task_id=task.id, changes={"due": new_due.isoformat()})]),
    )
    assert agreed.status is ConsultationStatus.AGREED
    with unit_of_work(q.sessions) as session:
        recorded = ConsultationStore(session).get(q.org_id, consultation_id)
        revised = TaskStore(session).get(q.org_id, task.id)
        history = AuditStore(session).list(q.org_id, subject_type=SubjectType.TASK, subject_id=task.id).items
    assert (recorded.status, recorded.check_on, recorded.check_condition) == (
        ConsultationStatus.AGREED,
        CHECK_ON,
        "gap < 0.1",
    )
    assert recorded.decisions[:2] == meeting(owner).decisions
    assert revised.due == new_due
    assert history[0].action == "consultation_revision" and consultation_id in (history[0].reason or "")

    result: ConsultationResult = await handle.result()
    assert result.status is ConsultationStatus.ESCALATED and result.successor_id is not None
    with unit_of_work(q.sessions) as session:
        escalated = ConsultationStore(session).get(q.org_id, consultation_id)
        successor = ConsultationStore(session).get(q.org_id, result.successor_id)
        people = {p.id: p for p in PeopleStore(session).list(q.org_id)}
    assert escalated.status is ConsultationStatus.ESCALATED
    assert "gap < 0.1 does not hold" in (escalated.outcome_note or "")
    assert successor.level == 1 and successor.status is ConsultationStatus.OPEN
    added = [p for p in successor.participants if p not in before.participants]
    # One rung higher: the first manager up the owner's chain above everyone already taking part.
    chain, current = [], people[owner]
    while current.manager_id:
        chain.append(current.manager_id)
        current = people[current.manager_id]
    highest = max((i for i, m in enumerate(chain) if m in before.participants), default=-1)
    assert added == [chain[highest + 1]]
    told = {n["recipient_id"] for n in world.quarter.notifications("consultation_escalated")}
    assert set(added) <= told

    # The successor runs its own workflow; an ambassador closes it by hand with a note.
    follow_up = env.client.get_workflow_handle_for(
        ConsultationWorkflow.run, consultation_workflow_id(q.org_id, successor.id)
    )
    ambassador = next(p for p in successor.participants if people[p].role.value == "ambassador")
    await follow_up.execute_update(
        ConsultationWorkflow.close,
        CloseConsultationInput(closed_by=ambassador, note="Handled in the exec review."),
    )
    with env.auto_time_skipping_disabled():  # closed by the update: nothing to skip time for
        closed: ConsultationResult = await follow_up.result()
    assert closed.status is ConsultationStatus.CLOSED
    with unit_of_work(q.sessions) as session:
        assert (
            ConsultationStore(session).get(q.org_id, successor.id).outcome_note
            == "Handled in the exec review."
        )


async def test_a_key_result_that_recovered_by_the_check_date_closes_the_consultation(
    env: WorkflowEnvironment, world: World
) -> None:
    q = world.quarter
    kr_id = behind(world)[1]
    kr = next(k for k in q.org.key_results if k.id == kr_id)
    consultation_id, handle = await convene(env, world, kr_id, "behind plan")
    owner = kr.owner_id or ""
    check_on = (await env.get_current_time()).date() + timedelta(days=7)
    await handle.execute_update(ConsultationWorkflow.record_meeting, meeting(owner, check_on=check_on))
    # The owner catches up before the check: a check-in at the target value.
    with unit_of_work(q.sessions) as session:
        CheckInStore(session).add(
            CheckIn(
                id=f"ci-{uuid.uuid4().hex[:12]}",
                org_id=q.org_id,
                kr_id=kr_id,
                author_id=owner,
                at=datetime.combine(check_on - timedelta(days=2), datetime.min.time(), UTC),
                value=kr.target,
                confidence=8,
            )
        )
    result: ConsultationResult = await handle.result()
    assert result.status is ConsultationStatus.RECOVERED and result.successor_id is None
    with unit_of_work(q.sessions) as session:
        closed = ConsultationStore(session).get(q.org_id, consultation_id)
    assert closed.status is ConsultationStatus.RECOVERED
    assert (closed.outcome_note or "").startswith(f"Recovered on {check_on.isoformat()}: gap < 0.1 holds")
    told = {n["recipient_id"] for n in world.quarter.notifications("consultation_recovered")}
    assert set(closed.participants) <= told
