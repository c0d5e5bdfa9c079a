"""Change requests: an approved objective or key result changes only through one, with a reason (and,
outside the mid-term window, its impact). Everyone in the org reads them (changes are public); the
subject's owners and their managers create them; the owner's manager approves or rejects.

Creating one records it, audits it, tells the approver and (after the commit) starts its
``ChangeRequestWorkflow``; the decision goes to that workflow, which applies an approved change through
the audited path and publishes it to everyone.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from starlette.concurrency import run_in_threadpool

from api.deps import (
    CurrentUser,
    SessionDep,
    SettingsDep,
    connected_temporal,
    get_temporal,
    utcnow,
    write_first,
)
from api.schemas.activity import ChangeRequestCreate, ChangeRequestRead
from api.schemas.common import Page, problems
from api.schemas.governance import ChangeDecision
from okrflow.domain.model import ChangeRequest, ChangeRequestStatus, SubjectType
from okrflow.services import change_control, change_decisions, governance_flow
from okrflow.services.paging import page_list
from okrflow.store import ChangeRequestStore
from workflows.governance_messages import DecideChangeInput

router = APIRouter(prefix="/change-requests", tags=["change requests"])


@router.get("", response_model=Page[ChangeRequestRead], responses=problems())
def list_change_requests(
    session: SessionDep,
    me: CurrentUser,
    cycle_id: str | None = None,
    status: ChangeRequestStatus | None = None,
    subject_type: SubjectType | None = None,
    subject_id: str | None = None,
    requested_by: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[ChangeRequest]:
    """Your org's change requests, newest first, filtered by cycle, status, subject, requester."""
    found = ChangeRequestStore(session).find(
        me.org_id,
        cycle_id=cycle_id,
        status=status,
        subject_type=subject_type,
        subject_id=subject_id,
        requested_by=requested_by,
    )
    return Page.of(
        page_list(found, key=lambda r: (-r.created_at.timestamp(), r.id), limit=limit, cursor=cursor)
    )


@router.get("/{request_id}", response_model=ChangeRequestRead, responses=problems())
def get_change_request(request_id: str, session: SessionDep, me: CurrentUser) -> ChangeRequest:
    return ChangeRequestStore(session).get(me.org_id, request_id)


@router.post(
    "", response_model=ChangeRequestRead, status_code=status.HTTP_201_CREATED, responses=problems(409)
)
async def request_change(
    body: ChangeRequestCreate, session: SessionDep, me: CurrentUser, request: Request, settings: SettingsDep
) -> ChangeRequest:
    """Ask to change an approved objective or key result: the reason is required and, outside the mid-term
    window, the impact stated. The approver is told; nothing changes until they approve."""
    created = await write_first(
        request,
        session,
        lambda: change_control.request_change(session, me.person, body.model_dump(), at=utcnow()),
    )
    client = connected_temporal(request)
    if client is not None:
        await governance_flow.start_change_request(
            client, me.org_id, created.id, task_queue=settings.temporal_task_queue
        )
    return created


@router.post("/{request_id}/decide", response_model=ChangeRequestRead, responses=problems(409, 503))
async def decide_change(
    request_id: str,
    body: ChangeDecision,
    session: SessionDep,
    me: CurrentUser,
    request: Request,
    settings: SettingsDep,
) -> ChangeRequest:
    """The approver (the owner's manager; admins when there is none) approves or rejects, with a note.

    Approved, the change is applied (the old value kept beside the new one, with the reason) and
    published to everyone; rejected, the requester is told why.
    """
    await write_first(
        request,
        session,
        lambda: change_decisions.check_decision(
            session,
            me.person,
            ChangeRequestStore(session).get(me.org_id, request_id),
            approve=body.approve,
            note=body.note,
        ),
    )
    await governance_flow.decide_change(
        get_temporal(request),
        me.org_id,
        request_id,
        DecideChangeInput(decided_by=me.id, approve=body.approve, note=body.note),
        task_queue=settings.temporal_task_queue,
    )
    return await run_in_threadpool(ChangeRequestStore(session).get, me.org_id, request_id)
