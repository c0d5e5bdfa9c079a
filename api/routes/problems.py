"""The OKR ambassador's intake: anyone raises a problem about any OKR (or a person, team or task); the
ambassador triages it (assign, open a consultation, close with a note).

Whoever raised a problem and its assignee read it; the ambassador and admins read and triage all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from api.deps import CurrentUser, SessionDep, SettingsDep, connected_temporal, utcnow, write_first
from api.schemas.activity import ConsultationRead
from api.schemas.common import Page, problems
from api.schemas.governance import ProblemCreate, ProblemRead, ProblemTriage, ProblemTriaged
from okrflow.reports.ambassador_model import IntakeProblem, ProblemStatus
from okrflow.services import governance_flow, intake
from okrflow.services.paging import page_list

router = APIRouter(prefix="/problems", tags=["ambassador intake"])


@router.post("", response_model=ProblemRead, status_code=status.HTTP_201_CREATED, responses=problems(409))
def raise_problem(body: ProblemCreate, session: SessionDep, me: CurrentUser) -> IntakeProblem:
    """Raise a problem about an OKR; the OKR ambassadors are told."""
    return intake.raise_problem(session, me.person, body.model_dump(), at=utcnow())


@router.get("", response_model=Page[ProblemRead], responses=problems())
def list_problems(
    session: SessionDep,
    me: CurrentUser,
    status: ProblemStatus | None = None,
    cycle_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[IntakeProblem]:
    """Problems, newest first: all of them for the ambassador and admins, else those you raised or hold."""
    found = intake.list_problems(session, me.person, status=status, cycle_id=cycle_id)
    return Page.of(
        page_list(found, key=lambda p: (-p.created_at.timestamp(), p.id), limit=limit, cursor=cursor)
    )


@router.get("/{problem_id}", response_model=ProblemRead, responses=problems())
def get_problem(problem_id: str, session: SessionDep, me: CurrentUser) -> IntakeProblem:
    return intake.get_problem(session, me.person, problem_id)


@router.post("/{problem_id}/triage", response_model=ProblemTriaged, responses=problems(409))
async def triage(
    problem_id: str,
    body: ProblemTriage,
    session: SessionDep,
    me: CurrentUser,
    request: Request,
    settings: SettingsDep,
) -> ProblemTriaged:
    """The ambassador assigns the problem, opens a consultation (会商) for it, or closes it with a note."""
    problem, consultation = await write_first(
        request,
        session,
        lambda: intake.triage(session, me.person, problem_id, body.model_dump(), at=utcnow()),
    )
    client = connected_temporal(request)
    if consultation is not None and client is not None:
        await governance_flow.start_consultation(
            client, me.org_id, consultation.id, task_queue=settings.temporal_task_queue
        )
    return ProblemTriaged(
        problem=ProblemRead.model_validate(problem.model_dump()),
        consultation=ConsultationRead.model_validate(consultation.model_dump()) if consultation else None,
    )
