"""Consultations (会商): convened by an escalation rule or by anyone with a reason.

Participants, managers, the OKR ambassador and admins read a consultation; the list shows others only
the consultations they take part in.

Seam (issue 5): the consultation workflow (meeting deadline, agreed check, escalation) starts here after
the commit; until it exists, opening one records it and notifies the participants.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.activity import ConsultationCreate, ConsultationRead
from api.schemas.common import Page, problems
from okrflow import access
from okrflow.domain.model import Consultation, ConsultationStatus, SubjectType
from okrflow.services.governance import open_consultation
from okrflow.services.paging import page_list
from okrflow.store import ConsultationStore, CycleStore

router = APIRouter(prefix="/consultations", tags=["consultations"])


@router.get("", response_model=Page[ConsultationRead], responses=problems())
def list_consultations(
    session: SessionDep,
    me: CurrentUser,
    cycle_id: str | None = None,
    status: ConsultationStatus | None = None,
    subject_type: SubjectType | None = None,
    subject_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[Consultation]:
    """Consultations, newest first, filtered by cycle, status, subject."""
    store = ConsultationStore(session)
    if subject_type is not None and subject_id is not None:
        found = store.list_for_subject(me.org_id, subject_type, subject_id)
    else:
        cycles = [cycle_id] if cycle_id is not None else [c.id for c in CycleStore(session).list(me.org_id)]
        found = [c for cy in cycles for c in store.list_for_cycle(me.org_id, cy, status=status)]
    found = [
        c
        for c in found
        if access.can_read_consultation(me.person, c)
        and (cycle_id is None or c.cycle_id == cycle_id)
        and (status is None or c.status is status)
        and (subject_type is None or c.subject_type is subject_type)
        and (subject_id is None or c.subject_id == subject_id)
    ]
    page = page_list(found, key=lambda c: (-c.created_at.timestamp(), c.id), limit=limit, cursor=cursor)
    return Page(items=page.items, next_cursor=page.next_cursor)


@router.get("/{consultation_id}", response_model=ConsultationRead, responses=problems())
def get_consultation(consultation_id: str, session: SessionDep, me: CurrentUser) -> Consultation:
    consultation = ConsultationStore(session).get(me.org_id, consultation_id)
    access.require_read_consultation(me.person, consultation)
    return consultation


@router.post(
    "", response_model=ConsultationRead, status_code=status.HTTP_201_CREATED, responses=problems(409)
)
def convene(body: ConsultationCreate, session: SessionDep, me: CurrentUser) -> Consultation:
    """Convene a consultation about a key result (or objective) by hand, saying why."""
    return open_consultation(session, me.person, body.model_dump(), at=utcnow())
