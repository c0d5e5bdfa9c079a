"""The API's side of the cycle workflow: start, pause, resume, status, submit and decide drafts.

Callers commit their database work before calling these (a workflow's activities must see it, and
on SQLite an open write transaction would block them). Temporal's refusals come back as the core's
errors (``okrflow.services.workflow_calls``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from okrflow.domain.errors import Conflict, InvalidState
from okrflow.runtime.temporal import workflow_id
from okrflow.services.workflow_calls import call_workflow
from workflows.cycle import CycleWorkflow
from workflows.messages import (
    CycleInput,
    CycleStatus,
    DecideDraftInput,
    DecideDraftResult,
    PauseInput,
    SubmitDraftInput,
    SubmitDraftResult,
)

T = TypeVar("T")


def cycle_workflow_id(org_id: str, cycle_id: str) -> str:
    return workflow_id("cycle", org_id, cycle_id)


@dataclass(frozen=True)
class Started:
    workflow_id: str
    run_id: str | None


def _call(cycle_id: str, what: Awaitable[T]) -> Awaitable[T]:
    return call_workflow(
        f"cycle {cycle_id!r}",
        what,
        not_running=f"the workflow of cycle {cycle_id!r} is not running: an admin starts it with "
        f"POST /api/v1/cycles/{cycle_id}/start",
    )


def _handle(client: Client, org_id: str, cycle_id: str) -> WorkflowHandle[CycleWorkflow, object]:
    return client.get_workflow_handle_for(CycleWorkflow.run, cycle_workflow_id(org_id, cycle_id))  # type: ignore[arg-type]


async def start_cycle(client: Client, org_id: str, cycle_id: str, *, task_queue: str) -> Started:
    """Start the cycle's workflow; ``Conflict`` when it is already running."""
    ident = cycle_workflow_id(org_id, cycle_id)
    try:
        handle = await _call(
            cycle_id,
            client.start_workflow(
                CycleWorkflow.run,
                CycleInput(org_id=org_id, cycle_id=cycle_id),
                id=ident,
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            ),
        )
    except WorkflowAlreadyStartedError:
        raise Conflict(f"cycle {cycle_id!r} was already started (workflow {ident})") from None
    return Started(handle.id, handle.result_run_id)


async def cycle_status(client: Client, org_id: str, cycle_id: str) -> CycleStatus:
    return await _call(cycle_id, _handle(client, org_id, cycle_id).query(CycleWorkflow.status))


async def pause_cycle(client: Client, org_id: str, cycle_id: str, *, by: str, reason: str) -> CycleStatus:
    handle = _handle(client, org_id, cycle_id)
    return await _call(cycle_id, handle.execute_update(CycleWorkflow.pause, PauseInput(by=by, reason=reason)))


async def resume_cycle(client: Client, org_id: str, cycle_id: str, *, by: str, reason: str) -> CycleStatus:
    handle = _handle(client, org_id, cycle_id)
    return await _call(
        cycle_id, handle.execute_update(CycleWorkflow.resume, PauseInput(by=by, reason=reason))
    )


async def submit_draft(
    client: Client, org_id: str, cycle_id: str, input: SubmitDraftInput
) -> SubmitDraftResult:
    handle = _handle(client, org_id, cycle_id)
    return await _call(cycle_id, handle.execute_update(CycleWorkflow.submit_draft, input))


async def decide_draft(
    client: Client, org_id: str, cycle_id: str, input: DecideDraftInput
) -> DecideDraftResult:
    handle = _handle(client, org_id, cycle_id)
    return await _call(cycle_id, handle.execute_update(CycleWorkflow.decide_draft, input))


async def schedule_changed(client: Client, org_id: str, cycle_id: str) -> bool:
    """Tell a running cycle workflow its timetable changed; False when none is running."""
    try:
        await _call(cycle_id, _handle(client, org_id, cycle_id).signal(CycleWorkflow.schedule_changed))
    except InvalidState:
        return False
    return True
