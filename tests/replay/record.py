"""Record workflow histories for the replay tests.

    .venv/bin/python -m tests.replay.record

Runs each workflow on the time-skipping server with the real activities over a throwaway
SQLite store and writes its history to tests/replay/histories/<name>.json. Re-record only
on purpose: a history that no longer replays means a running workflow would break, so guard
the change with ``workflow.patched`` and keep the old history.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from temporalio.client import Client, WorkflowHandle

from okrflow.runtime.worker import build_worker
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import generate_org
from tests.workflows.clock import own_environment
from tests.workflows.quarter import FUTURE_START, load_quarter, settings
from workflows.cycle import CycleWorkflow, review_workflow_id
from workflows.messages import CycleInput, DecideDraftInput, PauseInput, SubmitDraftInput

HISTORIES = Path(__file__).parent / "histories"
Recorder = Callable[[Client, str, object], Awaitable[list[tuple[str, WorkflowHandle]]]]


async def record_quarter(
    client: Client, task_queue: str, quarter: object
) -> list[tuple[str, WorkflowHandle]]:
    """A short cycle from drafting to archive, continuing as new on the way, with a paused week."""
    q = quarter
    handle = await client.start_workflow(
        CycleWorkflow.run,
        CycleInput(org_id=q.org_id, cycle_id=q.cycle_id, events_per_run=8),  # type: ignore[attr-defined]
        id=f"replay-cycle-{uuid.uuid4()}",
        task_queue=task_queue,
    )
    await handle.execute_update(CycleWorkflow.pause, PauseInput(by="admin"))
    await handle.execute_update(CycleWorkflow.resume, PauseInput(by="admin"))
    draft = next(o for o in q.org.objectives)  # type: ignore[attr-defined]
    owner = next(p for p in q.org.people if p.id == draft.owner_id)  # type: ignore[attr-defined]
    await handle.execute_update(
        CycleWorkflow.submit_draft, SubmitDraftInput(objective_id=draft.id, submitted_by=owner.id)
    )
    status = await handle.query(CycleWorkflow.status)
    approver = status.pending_approvals[0].approvers[0]
    await handle.execute_update(
        CycleWorkflow.decide_draft,
        DecideDraftInput(
            objective_id=draft.id, decided_by=approver, approve=False, comment="Make the second KR an outcome"
        ),
    )
    await handle.result()
    first = client.get_workflow_handle(handle.id, run_id=handle.first_execution_run_id)
    last = client.get_workflow_handle(handle.id)
    review = client.get_workflow_handle(review_workflow_id(q.org_id, q.cycle_id, 3))  # type: ignore[attr-defined]
    return [("cycle_first_run", first), ("cycle_last_run", last), ("weekly_review", review)]


async def main() -> None:
    HISTORIES.mkdir(exist_ok=True)
    async with own_environment() as env:
        with tempfile.TemporaryDirectory() as tmp, migrated_engine("sqlite", directory=Path(tmp)) as engine:
            org = generate_org(seed=21, people=24, cycle_start=FUTURE_START, weeks=5, as_of_week=4)
            for o in org.objectives[:1]:
                o.status = o.status.__class__("draft")
            quarter = load_quarter(org, engine)
            s = settings(Path(tmp))
            async with build_worker(s, env.client, session_factory=quarter.sessions):
                for name, handle in await record_quarter(env.client, s.temporal_task_queue, quarter):
                    history = await handle.fetch_history()
                    (HISTORIES / f"{name}.json").write_text(history.to_json())
                    print(f"recorded {name}: {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(main())
