"""Change control on the time-skipping server with the real activities over a SQLite store: outside the
mid-term window a locked key result does not change without its approver (a direct edit is refused, the
approver is reminded); approved, the change is applied through the audited path and published to everyone
with the old value beside the new one; a mid-term revision is logged and published with its reason; a
request nobody decides lapses when the cycle ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from okrflow.domain.errors import InvalidState, ValidationFailed
from okrflow.domain.model import ChangeRequestStatus, KeyResult, ObjectiveStatus, Person, Phase, SubjectType
from okrflow.runtime.worker import build_worker
from okrflow.services import change_control, drafting, midterm
from okrflow.store import AuditStore, CycleStore, KeyResultStore, PeopleStore, unit_of_work
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import small_org
from tests.workflows.clock import own_environment
from tests.workflows.quarter import FUTURE_START, Quarter, load_quarter, settings
from workflows.change_request import ChangeRequestWorkflow, change_workflow_id
from workflows.governance_messages import ChangeRequestInput, ChangeRequestResult, DecideChangeInput


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """This module runs to the end of the cycle: it has a server of its own."""
    async with own_environment() as environment:
        yield environment


@dataclass
class World:
    quarter: Quarter
    task_queue: str
    people: dict[str, Person]
    krs: list[KeyResult]  # key results of approved objectives, owned by people who have a manager


@pytest.fixture(scope="module")
async def world(env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    tmp = tmp_path_factory.mktemp("changes")
    org = small_org(seed=6, people=50, cycle_start=FUTURE_START, as_of_week=8, check_in_weeks=8)
    with migrated_engine("sqlite", directory=tmp) as engine:
        q = load_quarter(org, engine)
        with unit_of_work(q.sessions) as session:
            CycleStore(session).set_phase(q.org_id, q.cycle_id, Phase.EXECUTION)
        people = {p.id: p for p in org.people}
        approved = {o.id: o for o in org.objectives if o.status is ObjectiveStatus.APPROVED}
        krs = [
            k
            for k in org.key_results
            if k.objective_id in approved
            and k.kind.value == "metric"
            and people[approved[k.objective_id].owner_id].manager_id
            and k.owner_id == approved[k.objective_id].owner_id
        ]
        s = settings(tmp)
        async with build_worker(s, env.client, session_factory=q.sessions):
            yield World(q, s.temporal_task_queue, people, krs)


async def now(env: WorkflowEnvironment) -> datetime:
    return (await env.get_current_time()).astimezone(UTC)


async def request(
    env: WorkflowEnvironment, world: World, kr: KeyResult, changes: dict[str, Any], **extra: str
) -> Any:
    q = world.quarter
    data = {
        "subject_type": "key_result",
        "subject_id": kr.id,
        "reason": "A partner dropped out",
        "changes": changes,
    }
    with unit_of_work(q.sessions) as session:
        created = change_control.request_change(
            session, world.people[kr.owner_id or ""], {**data, **extra}, at=await now(env)
        )
    handle = await env.client.start_workflow(
        ChangeRequestWorkflow.run,
        ChangeRequestInput(org_id=q.org_id, request_id=created.id),
        id=change_workflow_id(q.org_id, created.id),
        task_queue=world.task_queue,
    )
    return created, handle


def key_result(world: World, kr_id: str) -> KeyResult:
    with unit_of_work(world.quarter.sessions) as session:
        return KeyResultStore(session).get(world.quarter.org_id, kr_id)


async def finished(env: WorkflowEnvironment, handle: WorkflowHandle[Any, Any]) -> Any:
    """The result of a workflow an update just completed: waited for without skipping time (with nothing
    left to wait for, the test server would jump its clock years ahead)."""
    with env.auto_time_skipping_disabled():
        return await handle.result()


async def refusal(handle: WorkflowHandle[Any, Any], decision: DecideChangeInput) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(ChangeRequestWorkflow.decide, decision)
    return str(failed.value.cause)


async def test_outside_the_window_a_change_waits_for_its_approver_then_is_applied_and_published(
    env: WorkflowEnvironment, world: World
) -> None:
    q = world.quarter
    kr = world.krs[0]
    owner = world.people[kr.owner_id or ""]
    manager = owner.manager_id or ""
    assert kr.target is not None
    new_target = kr.target * 0.8 if kr.target > (kr.start or 0) else kr.target * 1.2

    with unit_of_work(q.sessions) as session, pytest.raises(ValidationFailed) as no_impact:
        change_control.request_change(
            session,
            owner,
            {"subject_type": "key_result", "subject_id": kr.id, "reason": "why", "changes": {"target": 1}},
            at=await now(env),
        )
    assert [p.location for p in no_impact.value.problems] == [("impact",)]

    created, handle = await request(
        env, world, kr, {"target": new_target}, impact="The sales team's objective depends on it"
    )
    assert created.midterm is False and created.status is ChangeRequestStatus.PENDING

    # Without approval nothing changes: the key result is as it was, and a direct edit is refused.
    await env.sleep(timedelta(days=3.5))
    assert key_result(world, kr.id).target == kr.target
    with unit_of_work(q.sessions) as session, pytest.raises(InvalidState, match="change request"):
        drafting.update_key_result(
            session, owner, kr.id, {"target": new_target}, expected_version=kr.version, at=await now(env)
        )
    reminded = world.quarter.notifications("change_waiting", change_request_id=created.id)
    assert {n["recipient_id"] for n in reminded} == {manager}

    assert "the approver is" in await refusal(handle, DecideChangeInput(decided_by=owner.id, approve=True))
    assert "needs a note" in await refusal(handle, DecideChangeInput(decided_by=manager, approve=False))

    decided = await handle.execute_update(
        ChangeRequestWorkflow.decide, DecideChangeInput(decided_by=manager, approve=True, note="ok")
    )
    assert decided.status is ChangeRequestStatus.APPLIED
    result: ChangeRequestResult = await finished(env, handle)
    assert result.status is ChangeRequestStatus.APPLIED
    changed = key_result(world, kr.id)
    assert changed.target == new_target and changed.version == kr.version + 1

    with unit_of_work(q.sessions) as session:
        history = (
            AuditStore(session).list(q.org_id, subject_type=SubjectType.KEY_RESULT, subject_id=kr.id).items
        )
        log = midterm.revision_log(session, q.org_id, kr.objective_id)
        everyone = {p.id for p in PeopleStore(session).list(q.org_id) if p.active}
    applied = history[0]
    assert (applied.action, applied.actor_id, applied.reason) == (
        "apply_change",
        manager,
        "A partner dropped out",
    )
    assert applied.changes == {"target": [kr.target, new_target]}
    entry = next(e for e in log if e.change_request_id == created.id)
    assert (entry.changes, entry.reason, entry.approved_by, entry.midterm) == (
        {"target": [kr.target, new_target]},
        "A partner dropped out",
        manager,
        False,
    )
    published = world.quarter.notifications("change_published", change_request_id=created.id)
    assert {n["recipient_id"] for n in published} == everyone
    assert decided.published_to == len(everyone)
    assert "A partner dropped out" in published[0]["body"]["en"] and "原因" in published[0]["body"]["zh"]


async def test_a_rejected_change_tells_the_requester_why_and_changes_nothing(
    env: WorkflowEnvironment, world: World
) -> None:
    kr = world.krs[1]
    owner = world.people[kr.owner_id or ""]
    created, handle = await request(env, world, kr, {"title": "Something smaller"}, impact="none")
    await handle.execute_update(
        ChangeRequestWorkflow.decide,
        DecideChangeInput(decided_by=owner.manager_id or "", approve=False, note="Keep the ambition"),
    )
    assert (await finished(env, handle)).status is ChangeRequestStatus.REJECTED
    assert key_result(world, kr.id).title == kr.title
    told = world.quarter.notifications("change_rejected", change_request_id=created.id)
    assert [n["recipient_id"] for n in told] == [owner.id] and "Keep the ambition" in told[0]["body"]["en"]


async def test_a_midterm_revision_is_applied_and_appears_in_the_published_log_with_its_reason(
    env: WorkflowEnvironment, world: World
) -> None:
    q = world.quarter
    kr = world.krs[2]
    owner = world.people[kr.owner_id or ""]
    with unit_of_work(q.sessions) as session:
        CycleStore(session).set_phase(q.org_id, q.cycle_id, Phase.MIDTERM)
    try:
        created, handle = await request(
            env, world, kr, {"title": f"{kr.title} (revised)"}
        )  # no impact needed
        assert created.midterm is True
        await handle.execute_update(
            ChangeRequestWorkflow.decide, DecideChangeInput(decided_by=owner.manager_id or "", approve=True)
        )
        assert (await finished(env, handle)).status is ChangeRequestStatus.APPLIED
        with unit_of_work(q.sessions) as session:
            revisions, told = midterm.close_midterm_review(session, q.org_id, q.cycle_id, at=await now(env))
            history = (
                AuditStore(session)
                .list(q.org_id, subject_type=SubjectType.KEY_RESULT, subject_id=kr.id)
                .items
            )
    finally:
        with unit_of_work(q.sessions) as session:
            CycleStore(session).set_phase(q.org_id, q.cycle_id, Phase.EXECUTION)
    assert revisions == 1 and history[0].action == "midterm_revision"
    (log,) = [n for n in world.quarter.notifications("revision_log") if n["recipient_id"] == owner.id]
    (entry,) = log["payload"]["revisions"]
    assert (entry["change_request_id"], entry["reason"], entry["changes"]) == (
        created.id,
        "A partner dropped out",
        {"title": [kr.title, f"{kr.title} (revised)"]},
    )
    assert "A partner dropped out" in log["body"]["en"]
    assert told == len([p for p in world.people.values() if p.active])


async def test_a_request_nobody_decides_lapses_when_the_cycle_ends(
    env: WorkflowEnvironment, world: World
) -> None:
    kr = world.krs[3]
    created, handle = await request(env, world, kr, {"title": "Never decided"}, impact="small")
    result: ChangeRequestResult = await handle.result()
    assert result.status is ChangeRequestStatus.WITHDRAWN
    assert key_result(world, kr.id).title == kr.title
    lapsed = world.quarter.notifications("change_expired", change_request_id=created.id)
    assert [n["recipient_id"] for n in lapsed] == [kr.owner_id]
    reminders = world.quarter.notifications("change_waiting", change_request_id=created.id)
    assert len({n["dedupe_key"] for n in reminders}) == 3  # reminded every few days, three times at most
