"""Consultations (会商): convened by an escalation rule or by anyone with a reason.

Participants, managers, the OKR ambassador and admins read a consultation; the list shows others only
the consultations they take part in.

Convening one records it, tells the participants and (after the commit) starts its
``ConsultationWorkflow``: the meeting deadline (an overdue meeting is chased), the agreed check at its
date, the escalation one rung higher when the subject has not recovered. A participant records the
meeting; the convener, the ambassador or an admin may close it by hand.
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
from api.schemas.activity import ConsultationCreate, ConsultationRead
from api.schemas.common import Page, problems
from api.schemas.governance import ConsultationClosing, ConsultationOutcome, MeetingRecord
from okrflow import access
from okrflow.domain.model import Consultation, ConsultationStatus, SubjectType
from okrflow.services import consultations, governance_flow, meetings
from okrflow.services.paging import page_list
from okrflow.store import ConsultationStore
from workflows.governance_messages import CloseConsultationInput, RecordMeetingInput

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
    found = [
        c
        for c in ConsultationStore(session).find(
            me.org_id, cycle_id=cycle_id, status=status, subject_type=subject_type, subject_id=subject_id
        )
        if access.can_read_consultation(me.person, c)
    ]
    return Page.of(
        page_list(found, key=lambda c: (-c.created_at.timestamp(), c.id), limit=limit, cursor=cursor)
    )


@router.get("/{consultation_id}", response_model=ConsultationRead, responses=problems())
def get_consultation(consultation_id: str, session: SessionDep, me: CurrentUser) -> Consultation:
    consultation = ConsultationStore(session).get(me.org_id, consultation_id)
    access.require_read_consultation(me.person, consultation)
    return consultation


@router.post(
    "", response_model=ConsultationRead, status_code=status.HTTP_201_CREATED, responses=problems(409)
)
async def convene(
    body: ConsultationCreate, session: SessionDep, me: CurrentUser, request: Request, settings: SettingsDep
) -> Consultation:
    """Convene a consultation about a key result (or objective) by hand, saying why."""
    opened = await write_first(
        request,
        session,
        lambda: consultations.open_consultation(session, me.person, body.model_dump(), at=utcnow()),
    )
    client = connected_temporal(request)
    if client is not None:
        await governance_flow.start_consultation(
            client, me.org_id, opened.id, task_queue=settings.temporal_task_queue
        )
    return opened


@router.post("/{consultation_id}/meeting", response_model=ConsultationOutcome, responses=problems(409, 503))
async def record_meeting(
    consultation_id: str,
    body: MeetingRecord,
    session: SessionDep,
    me: CurrentUser,
    request: Request,
    settings: SettingsDep,
) -> ConsultationOutcome:
    """A participant records the meeting: situation, causes, impact, decisions (task revisions are applied
    through the audited path) and the agreed check, a date and a CEL condition over the key result's facts
    (checked now: a wrong date, task or condition is refused, naming the field)."""
    meeting = RecordMeetingInput(recorded_by=me.id, **body.model_dump())
    await write_first(
        request,
        session,
        lambda: meetings.check_meeting(
            session,
            me.org_id,
            ConsultationStore(session).get(me.org_id, consultation_id),
            meeting,
            at=utcnow(),
        ),
    )
    view = await governance_flow.record_meeting(
        get_temporal(request), me.org_id, consultation_id, meeting, task_queue=settings.temporal_task_queue
    )
    stored = await run_in_threadpool(ConsultationStore(session).get, me.org_id, consultation_id)
    return ConsultationOutcome(
        consultation=ConsultationRead.model_validate(stored.model_dump()), check_at=view.check_at
    )


@router.post("/{consultation_id}/close", response_model=ConsultationRead, responses=problems(409, 503))
async def close_consultation(
    consultation_id: str,
    body: ConsultationClosing,
    session: SessionDep,
    me: CurrentUser,
    request: Request,
    settings: SettingsDep,
) -> Consultation:
    """Close a consultation that is still waiting, with a note (the convener, the ambassador or an admin)."""
    await write_first(
        request,
        session,
        lambda: consultations.require_closer(
            me.person, ConsultationStore(session).get(me.org_id, consultation_id)
        ),
    )
    await governance_flow.close_consultation(
        get_temporal(request),
        me.org_id,
        consultation_id,
        CloseConsultationInput(closed_by=me.id, note=body.note),
        task_queue=settings.temporal_task_queue,
    )
    return await run_in_threadpool(ConsultationStore(session).get, me.org_id, consultation_id)
