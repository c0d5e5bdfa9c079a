"""Check-ins on key results: value, confidence, note, blockers, next priorities.

Send an ``Idempotency-Key`` header so a retried check-in (a flaky network, a double click) counts once:
the retry answers 200 with the first check-in instead of 201 with a new one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from pydantic import AwareDatetime

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.activity import CheckInCreate, CheckInRead
from api.schemas.common import Page, problems
from okrflow.domain.model import CheckIn
from okrflow.services.checkins import record_check_in
from okrflow.services.paging import page_list
from okrflow.store import CheckInStore, KeyResultStore
from okrflow.store.checkins import MAX_IDEMPOTENCY_KEY

router = APIRouter(tags=["check-ins"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_IDEMPOTENCY_KEY,
        description="any unique string per check-in (a UUID); a retry with the same key counts once",
    ),
]


@router.post(
    "/key-results/{kr_id}/check-ins",
    response_model=CheckInRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "model": CheckInRead,
            "description": "A retry: the check-in first recorded with this Idempotency-Key",
        }
    }
    | problems(409),
)
def check_in(
    kr_id: str,
    body: CheckInCreate,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CheckIn:
    """Check in on a key result you (or your objective) own; its current value moves to ``value``."""
    recorded = record_check_in(
        session,
        me.person,
        kr_id,
        value=body.value,
        confidence=body.confidence,
        note=body.note,
        blockers=body.blockers,
        next_priorities=body.next_priorities,
        idempotency_key=idempotency_key,
        at=utcnow(),
    )
    if not recorded.created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return recorded.check_in


@router.get("/key-results/{kr_id}/check-ins", response_model=Page[CheckInRead], responses=problems())
def list_check_ins(
    kr_id: str,
    session: SessionDep,
    me: CurrentUser,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    author_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[CheckIn]:
    """A key result's check-ins, newest first, within [since, until] if given."""
    KeyResultStore(session).get(me.org_id, kr_id)
    found = [
        c
        for c in CheckInStore(session).list_for_kr(me.org_id, kr_id, until=until)
        if (since is None or c.at >= since) and (author_id is None or c.author_id == author_id)
    ]
    return Page.of(page_list(found, key=lambda c: (-c.at.timestamp(), c.id), limit=limit, cursor=cursor))


@router.get("/check-ins/{check_in_id}", response_model=CheckInRead, responses=problems())
def get_check_in(check_in_id: str, session: SessionDep, me: CurrentUser) -> CheckIn:
    return CheckInStore(session).get(me.org_id, check_in_id)
