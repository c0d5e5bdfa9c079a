"""Change requests: outside the mid-term window an approved objective or key result changes only through
one, with a reason. Everyone in the org reads them (changes are public); the subject's owners and their
managers create them.

Seam (issue 5): the approval workflow (``ChangeRequestWorkflow``) starts here after the commit; until it
exists, a request is recorded, audited and its approver is notified.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.activity import ChangeRequestCreate, ChangeRequestRead
from api.schemas.common import Page, problems
from okrflow.domain.model import ChangeRequest, ChangeRequestStatus, SubjectType
from okrflow.services.governance import create_change_request
from okrflow.services.paging import page_list
from okrflow.store import ChangeRequestStore, CycleStore

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
    store = ChangeRequestStore(session)
    if subject_type is not None and subject_id is not None:
        found = store.list_for_subject(me.org_id, subject_type, subject_id)
    else:
        cycles = [cycle_id] if cycle_id is not None else [c.id for c in CycleStore(session).list(me.org_id)]
        found = [r for c in cycles for r in store.list_for_cycle(me.org_id, c, status=status)]
    found = [
        r
        for r in found
        if (cycle_id is None or r.cycle_id == cycle_id)
        and (status is None or r.status is status)
        and (subject_type is None or r.subject_type == subject_type)
        and (subject_id is None or r.subject_id == subject_id)
        and (requested_by is None or r.requested_by == requested_by)
    ]
    page = page_list(found, key=lambda r: (-r.created_at.timestamp(), r.id), limit=limit, cursor=cursor)
    return Page(items=page.items, next_cursor=page.next_cursor)


@router.get("/{request_id}", response_model=ChangeRequestRead, responses=problems())
def get_change_request(request_id: str, session: SessionDep, me: CurrentUser) -> ChangeRequest:
    return ChangeRequestStore(session).get(me.org_id, request_id)


@router.post(
    "", response_model=ChangeRequestRead, status_code=status.HTTP_201_CREATED, responses=problems(409)
)
def request_change(body: ChangeRequestCreate, session: SessionDep, me: CurrentUser) -> ChangeRequest:
    """Ask to change an approved objective or key result: the reason is required, the impact stated."""
    return create_change_request(session, me.person, body.model_dump(), at=utcnow())
