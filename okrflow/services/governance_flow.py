"""The API's side of the consultation and change-request workflows: start them, send their updates.

Callers commit first (the workflow's activities must see the records). A workflow that is not running
yet (its record was made while Temporal was unreachable, or before this code existed) is started before
an update is sent to it; its id derives from the record, so it starts once. Temporal's refusals come
back as the core's errors (``okrflow.services.workflow_calls``).
"""

from __future__ import annotations

from typing import Any

from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from okrflow.services.workflow_calls import call_workflow
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


async def _start(client: Client, workflow: Any, arg: Any, ident: str, *, task_queue: str, what: str) -> bool:
    """Start a workflow once; False when it is already running."""
    try:
        await call_workflow(what, client.start_workflow(workflow, arg, id=ident, task_queue=task_queue))
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


async def _consultation_update(
    client: Client, org_id: str, consultation_id: str, update: Any, arg: Any, *, task_queue: str
) -> ConsultationStatusView:
    await start_consultation(client, org_id, consultation_id, task_queue=task_queue)
    handle = client.get_workflow_handle_for(
        ConsultationWorkflow.run, consultation_workflow_id(org_id, consultation_id)
    )  # type: ignore[arg-type]
    view: ConsultationStatusView = await call_workflow(
        f"consultation {consultation_id!r}", handle.execute_update(update, arg)
    )
    return view


async def record_meeting(
    client: Client, org_id: str, consultation_id: str, meeting: RecordMeetingInput, *, task_queue: str
) -> ConsultationStatusView:
    return await _consultation_update(
        client, org_id, consultation_id, ConsultationWorkflow.record_meeting, meeting, task_queue=task_queue
    )


async def close_consultation(
    client: Client, org_id: str, consultation_id: str, closing: CloseConsultationInput, *, task_queue: str
) -> ConsultationStatusView:
    return await _consultation_update(
        client, org_id, consultation_id, ConsultationWorkflow.close, closing, task_queue=task_queue
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
    return await call_workflow(
        f"change request {request_id!r}", handle.execute_update(ChangeRequestWorkflow.decide, decision)
    )
