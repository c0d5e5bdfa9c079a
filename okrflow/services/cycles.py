"""The API's side of the cycle workflow: start, pause, resume, status, submit and decide drafts.

Callers commit their database work before calling these (a workflow's activities must see it, and
on SQLite an open write transaction would block them). Temporal's refusals come back as the core's
errors: an update's validator rejecting a decision is ``InvalidState`` (409) with its reason, a
workflow that is not running is ``InvalidState``, an unreachable server is ``Unavailable`` (503).
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from okrflow.domain.errors import Conflict, InvalidState, Unavailable
from okrflow.runtime.temporal import workflow_id
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


def _not_running(cycle_id: str) -> InvalidState:
    return InvalidState(
        f"the workflow of cycle {cycle_id!r} is not running: an admin starts it with "
        f"POST /api/v1/cycles/{cycle_id}/start"
    )


async def _call(cycle_id: str, what: Awaitable[T]) -> T:
    """Await a Temporal call, turning its failures into the core's errors."""
    try:
        return await what
    except WorkflowUpdateFailedError as exc:
        raise InvalidState(_reason(exc.cause)) from None
    except (WorkflowQueryRejectedError, WorkflowQueryFailedError) as exc:
        raise InvalidState(f"the workflow of cycle {cycle_id!r} cannot answer now: {exc}") from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise Unavailable(f"the workflow of cycle {cycle_id!r} did not answer in time; try again") from None
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise _not_running(cycle_id) from None
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise Unavailable(f"Temporal cannot be reached: {exc.message}") from None
        raise


def _reason(failure: BaseException) -> str:
    """The innermost application error's message: a validator's refusal, or an activity's business error
    (not "Activity task failed")."""
    reason = getattr(failure, "message", None) or str(failure)
    seen: BaseException | None = failure
    while seen is not None:
        if isinstance(seen, ApplicationError) and seen.message:
            reason = seen.message
        seen = seen.__cause__
    return reason


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
