"""Record the governance workflows' histories for the replay tests (``tests/replay/test_replay.py``).

    .venv/bin/python -m tests.replay.record_governance

Like ``tests.replay.record``: each workflow runs on a time-skipping server of its own with the real
activities over a throwaway SQLite store, and its history is written to
``tests/replay/histories/<name>.json``:

- ``consultation_escalated``: convened by hand, chased when the meeting is overdue, met (a task
  revised, an agreed check), the check fails, a consultation one level higher is started;
- ``consultation_closed``: that higher consultation, closed by hand with a note;
- ``change_request_applied``: a change request reminds its approver, then is approved and applied;
- ``cycle_governance``: the last run of a short cycle (mid-term review, close-out, archive, the
  ambassador's digests), with a mid-term revision approved on the way;
- ``weekly_review_convening``: a weekly review of that cycle whose ladder convened a consultation
  (and started its workflow).

Re-record only on purpose: a history that no longer replays means a running workflow would break.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from okrflow.domain.calendar import cycle_calendar, review_times
from okrflow.domain.model import ObjectiveStatus, Phase
from okrflow.runtime.worker import build_worker
from okrflow.services import change_control
from okrflow.services.consultations import open_consultation
from okrflow.store import ConsultationStore, CycleStore, PeopleStore, TaskStore, unit_of_work
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import Pattern, SyntheticOrg, generate_org, small_org
from tests.workflows.clock import own_environment
from tests.workflows.quarter import FUTURE_START, Quarter, load_quarter, settings
from workflows.change_request import ChangeRequestWorkflow
from workflows.consultation import ConsultationWorkflow
from workflows.cycle import CycleWorkflow, review_workflow_id
from workflows.governance_messages import (
    ChangeRequestInput,
    CloseConsultationInput,
    ConsultationInput,
    DecideChangeInput,
    RecordMeetingInput,
    TaskRevision,
    change_workflow_id,
    consultation_workflow_id,
)
from workflows.messages import CycleInput

HISTORIES = Path(__file__).parent / "histories"


async def _write(name: str, handle: WorkflowHandle) -> None:  # type: ignore[type-arg]
    history = await handle.fetch_history()
    (HISTORIES / f"{name}.json").write_text(history.to_json())
    print(f"recorded {name}: {len(history.events)} events")


async def record_consultations(env: WorkflowEnvironment, client: Client, queue: str, q: Quarter) -> None:
    org = q.org
    kr = next(k for k in org.key_results if k.id == sorted(org.story.krs(Pattern.BEHIND))[0])
    now = (await env.get_current_time()).astimezone(UTC)
    with unit_of_work(q.sessions) as session:
        owner = PeopleStore(session).get(q.org_id, kr.owner_id or "")
        convener = PeopleStore(session).get(q.org_id, owner.manager_id or owner.id)
        consultation = open_consultation(session, convener, {"subject_id": kr.id, "reason": "behind"}, at=now)
        task = TaskStore(session).list_for_kr(q.org_id, kr.id)[0]
    handle = await client.start_workflow(
        ConsultationWorkflow.run,
        ConsultationInput(org_id=q.org_id, consultation_id=consultation.id),
        id=consultation_workflow_id(q.org_id, consultation.id),
        task_queue=queue,
    )
    await env.sleep(consultation.meet_by - now + timedelta(hours=1))
    await handle.execute_update(
        ConsultationWorkflow.record_meeting,
        RecordMeetingInput(
            recorded_by=owner.id,
            situation="Behind for three weeks.",
            decisions=["Move the due date a week"],
            task_revisions=[
                TaskRevision(
                    task_id=task.id, changes={"due": ((task.due or FUTURE_START) + timedelta(7)).isoformat()}
                )
            ],
            check_on=FUTURE_START + timedelta(weeks=8),
            check_condition="gap < 0.1",
        ),
    )
    result = await handle.result()
    await _write("consultation_escalated", handle)
    assert result.successor_id is not None
    follow_up = client.get_workflow_handle(consultation_workflow_id(q.org_id, result.successor_id))
    ambassador = next(p for p in org.people if p.role.value == "ambassador" and p.active)
    await follow_up.execute_update(
        ConsultationWorkflow.close, CloseConsultationInput(closed_by=ambassador.id, note="Handled elsewhere.")
    )
    with env.auto_time_skipping_disabled():
        await follow_up.result()
    await _write("consultation_closed", follow_up)


async def record_change_request(env: WorkflowEnvironment, client: Client, queue: str, q: Quarter) -> None:
    org = q.org
    people = {p.id: p for p in org.people}
    objective = next(
        o for o in org.objectives if o.status is ObjectiveStatus.APPROVED and people[o.owner_id].manager_id
    )
    with unit_of_work(q.sessions) as session:
        CycleStore(session).set_phase(q.org_id, q.cycle_id, Phase.EXECUTION)
        request = change_control.request_change(
            session,
            people[objective.owner_id],
            {
                "subject_type": "objective",
                "subject_id": objective.id,
                "reason": "A partner left",
                "impact": "One team's objective shrinks",
                "changes": {"title": f"{objective.title} (narrower)"},
            },
            at=(await env.get_current_time()).astimezone(UTC),
        )
    handle = await client.start_workflow(
        ChangeRequestWorkflow.run,
        ChangeRequestInput(org_id=q.org_id, request_id=request.id),
        id=change_workflow_id(q.org_id, request.id),
        task_queue=queue,
    )
    await env.sleep(timedelta(days=3, hours=12))
    await handle.execute_update(
        ChangeRequestWorkflow.decide,
        DecideChangeInput(decided_by=people[objective.owner_id].manager_id or "", approve=True, note="fine"),
    )
    with env.auto_time_skipping_disabled():
        await handle.result()
    await _write("change_request_applied", handle)


async def record_cycle(env: WorkflowEnvironment, client: Client, queue: str, q: Quarter) -> None:
    org = q.org
    people = {p.id: p for p in org.people}
    handle = await client.start_workflow(
        CycleWorkflow.run,
        CycleInput(org_id=q.org_id, cycle_id=q.cycle_id, events_per_run=200),
        id=f"replay-governance-cycle-{uuid.uuid4()}",
        task_queue=queue,
    )
    cal = cycle_calendar(org.cycle)
    await env.sleep(cal.midterm_opens + timedelta(hours=12) - await env.get_current_time())
    for _ in range(200):
        with unit_of_work(q.sessions) as session:
            if CycleStore(session).get(q.org_id, q.cycle_id).phase is Phase.MIDTERM:
                break
        await asyncio.sleep(0.05)
    objective = next(
        o for o in org.objectives if o.status is ObjectiveStatus.APPROVED and people[o.owner_id].manager_id
    )
    with unit_of_work(q.sessions) as session:
        revision = change_control.request_change(
            session,
            people[objective.owner_id],
            {
                "subject_type": "objective",
                "subject_id": objective.id,
                "reason": "Halfway there, the scope was too wide",
                "changes": {"title": f"{objective.title} (revised)"},
            },
            at=(await env.get_current_time()).astimezone(UTC),
        )
    change = await client.start_workflow(
        ChangeRequestWorkflow.run,
        ChangeRequestInput(org_id=q.org_id, request_id=revision.id),
        id=change_workflow_id(q.org_id, revision.id),
        task_queue=queue,
    )
    await change.execute_update(
        ChangeRequestWorkflow.decide,
        DecideChangeInput(decided_by=people[objective.owner_id].manager_id or "", approve=True),
    )
    with env.auto_time_skipping_disabled():
        await change.result()
    await handle.result()
    await _write("cycle_governance", client.get_workflow_handle(handle.id))
    with unit_of_work(q.sessions) as session:
        convened = [
            c
            for c in ConsultationStore(session).list_for_cycle(q.org_id, q.cycle_id)
            if c.opened_by.startswith("rule:")
        ]
    weeks = sorted({w for w, at in review_times(org.cycle) for c in convened if c.created_at == at})
    assert weeks, "a ladder reached its consultation rung in the recorded cycle"
    await _write(
        "weekly_review_convening",
        client.get_workflow_handle(review_workflow_id(q.org_id, q.cycle_id, weeks[0])),
    )


async def _run(
    name: str,
    build_org: Callable[[], SyntheticOrg],
    recorder: Callable[[WorkflowEnvironment, Client, str, Quarter], Awaitable[None]],
) -> None:
    async with own_environment() as env:
        with tempfile.TemporaryDirectory() as tmp, migrated_engine("sqlite", directory=Path(tmp)) as engine:
            quarter = load_quarter(build_org(), engine)
            s = settings(Path(tmp))
            async with build_worker(s, env.client, session_factory=quarter.sessions):
                await recorder(env, env.client, s.temporal_task_queue, quarter)
    print(f"done: {name}")


def _quarter_org() -> SyntheticOrg:
    return small_org(seed=4, people=40, cycle_start=FUTURE_START, as_of_week=8, check_in_weeks=8)


def _short_org() -> SyntheticOrg:
    return generate_org(seed=21, people=24, cycle_start=FUTURE_START, weeks=5, as_of_week=4)


async def main() -> None:
    HISTORIES.mkdir(exist_ok=True)
    await _run("consultations", _quarter_org, record_consultations)
    await _run("change request", _quarter_org, record_change_request)
    await _run("cycle", _short_org, record_cycle)


if __name__ == "__main__":
    asyncio.run(main())
