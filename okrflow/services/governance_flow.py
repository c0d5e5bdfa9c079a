"""The API's side of the consultation and change-request workflows: start them, send their updates.

Callers commit first (the workflow's activities must see the records). A workflow that is not running
yet (its record was made while Temporal was unreachable, or before this code existed) is started before
an update is sent to it; its id derives from the record, so it starts once. Temporal's refusals come
back as the core's errors, as in ``okrflow.services.cycles``: a validator's refusal or a business error
of the step is ``InvalidState`` (409) with its reason, an unreachable server ``Unavailable`` (503).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from okrflow.domain.errors import InvalidState, Unavailable
from okrflow.services.cycles import _reason
from workflows.change_request import ChangeRequestWorkflow
from workflows.consultation import ConsultationWorkflow
from workflows.governance_messages import (
    ChangeRequestInput,
    CloseConsultationInput,
    ConsultationInput,
    ConsultationStatusView,
    DecideChangeInput,
    DecideChangeResult,
    RecordMeetingInput,
    change_workflow_id,
    consultation_workflow_id,
)

T = TypeVar("T")


async def _call(what: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except WorkflowUpdateFailedError as exc:
        raise InvalidState(_reason(exc.cause)) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise Unavailable(f"the workflow of {what} did not answer in time; try again") from None
    except RPCError as exc:
        if exc.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.FAILED_PRECONDITION):
            raise InvalidState(f"the workflow of {what} is not running: {exc.message}") from None
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise Unavailable(f"Temporal cannot be reached: {exc.message}") from None
        raise


async def _start(client: Client, workflow: Any, arg: Any, ident: str, *, task_queue: str, what: str) -> bool:
    """Start a workflow once; False when it is already running."""
    try:
        await _call(what, client.start_workflow(workflow, arg, id=ident, task_queue=task_queue))
    except WorkflowAlreadyStartedError:
        return False
    return True


# ---------------------------------------------------------------- consultations


async def start_consultation(client: Client, org_id: str, consultation_id: str, *, task_queue: str) -> bool:
    return await _start(
        client,
        ConsultationWorkflow.run,
        ConsultationInput(org_id=org_id, consultation_id=consultation_id),
        consultation_workflow_id(org_id, consultation_id),
        task_queue=task_queue,
        what=f"consultation {consultation_id!r}",
    )


async def record_meeting(
    client: Client, org_id: str, consultation_id: str, meeting: RecordMeetingInput, *, task_queue: str
) -> ConsultationStatusView:
    await start_consultation(client, org_id, consultation_id, task_queue=task_queue)
    handle = client.get_workflow_handle_for(
        ConsultationWorkflow.run, consultation_workflow_id(org_id, consultation_id)
    )  # type: ignore[arg-type]
    return await _call(
        f"consultation {consultation_id!r}",
        handle.execute_update(ConsultationWorkflow.record_meeting, meeting),
    )


async def close_consultation(
    client: Client, org_id: str, consultation_id: str, closing: CloseConsultationInput, *, task_queue: str
) -> ConsultationStatusView:
    await start_consultation(client, org_id, consultation_id, task_queue=task_queue)
    handle = client.get_workflow_handle_for(
        ConsultationWorkflow.run, consultation_workflow_id(org_id, consultation_id)
    )  # type: ignore[arg-type]
    return await _call(
        f"consultation {consultation_id!r}", handle.execute_update(ConsultationWorkflow.close, closing)
    )


# ---------------------------------------------------------------- change requests


async def start_change_request(client: Client, org_id: str, request_id: str, *, task_queue: str) -> bool:
    return await _start(
        client,
        ChangeRequestWorkflow.run,
        ChangeRequestInput(org_id=org_id, request_id=request_id),
        change_workflow_id(org_id, request_id),
        task_queue=task_queue,
        what=f"change request {request_id!r}",
    )


async def decide_change(
    client: Client, org_id: str, request_id: str, decision: DecideChangeInput, *, task_queue: str
) -> DecideChangeResult:
    await start_change_request(client, org_id, request_id, task_queue=task_queue)
    handle = client.get_workflow_handle_for(ChangeRequestWorkflow.run, change_workflow_id(org_id, request_id))  # type: ignore[arg-type]
    return await _call(
        f"change request {request_id!r}", handle.execute_update(ChangeRequestWorkflow.decide, decision)
    )
