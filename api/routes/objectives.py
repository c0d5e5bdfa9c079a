"""Objectives: drafts, alignment to parent objectives, submission for approval (which runs the critique),
and the manager's approval or return with a comment, through the cycle workflow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from api.deps import (
    CurrentUser,
    IfMatch,
    SessionDep,
    cycle_ids,
    get_temporal,
    required_version,
    utcnow,
    version_etag,
    write_first,
)
from api.schemas.common import Page, problems
from api.schemas.plan import (
    DraftDecided,
    DraftDecision,
    DraftReturn,
    DraftSubmitted,
    ObjectiveCreate,
    ObjectiveRead,
    ObjectiveUpdate,
)
from okrflow.domain.errors import InvalidState, PermissionDenied
from okrflow.domain.model import Objective, ObjectiveStatus
from okrflow.services import cycles as flow
from okrflow.services import drafting
from okrflow.services.paging import page_list
from okrflow.store import ObjectiveStore, PeopleStore
from workflows.messages import DecideDraftInput, SubmitDraftInput

router = APIRouter(prefix="/objectives", tags=["objectives"])


@router.get("", response_model=Page[ObjectiveRead], responses=problems())
def list_objectives(
    session: SessionDep,
    me: CurrentUser,
    cycle_id: str | None = None,
    team_id: str | None = None,
    owner_id: str | None = None,
    status: ObjectiveStatus | None = None,
    aligned_to: Annotated[str | None, Query(description="the children of this parent objective")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[Objective]:
    """Your org's objectives (OKRs are public in the org), filtered by cycle, team, owner, status, parent."""
    store = ObjectiveStore(session)
    if aligned_to is not None:
        found = store.list_aligned_to(me.org_id, aligned_to)
    else:
        found = [
            o
            for c in cycle_ids(session, me.org_id, cycle_id)
            for o in store.list_for_cycle(me.org_id, c, team_id=team_id, owner_id=owner_id)
        ]
    found = [
        o
        for o in found
        if (cycle_id is None or o.cycle_id == cycle_id)
        and (team_id is None or o.team_id == team_id)
        and (owner_id is None or o.owner_id == owner_id)
        and (status is None or o.status is status)
    ]
    return Page.of(page_list(found, key=lambda o: (o.id,), limit=limit, cursor=cursor))


@router.get("/{objective_id}", response_model=ObjectiveRead, responses=problems(etag=200))
def get_objective(objective_id: str, session: SessionDep, me: CurrentUser, response: Response) -> Objective:
    objective = ObjectiveStore(session).get(me.org_id, objective_id)
    response.headers["ETag"] = version_etag(objective.version)
    return objective


@router.post(
    "", response_model=ObjectiveRead, status_code=status.HTTP_201_CREATED, responses=problems(409, etag=201)
)
def create_objective(
    body: ObjectiveCreate, session: SessionDep, me: CurrentUser, response: Response
) -> Objective:
    """Draft an objective: your own, or (as their manager, or an admin) someone else's."""
    objective = drafting.create_objective(session, me.person, body.model_dump(), at=utcnow())
    response.headers["ETag"] = version_etag(objective.version)
    return objective


@router.patch("/{objective_id}", response_model=ObjectiveRead, responses=problems(409, 412, 428, etag=200))
def update_objective(
    objective_id: str,
    body: ObjectiveUpdate,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> Objective:
    """Change a draft (or returned) objective; approved objectives change only by change request."""
    objective = drafting.update_objective(
        session,
        me.person,
        objective_id,
        body.model_dump(exclude_unset=True),
        expected_version=required_version(if_match),
        at=utcnow(),
    )
    response.headers["ETag"] = version_etag(objective.version)
    return objective


@router.post("/{objective_id}/submit", response_model=DraftSubmitted, responses=problems(409, 503))
async def submit_objective(
    objective_id: str, session: SessionDep, me: CurrentUser, request: Request
) -> DraftSubmitted:
    """Submit a draft for approval: the critique runs and its findings are stored with the draft."""
    objective = await write_first(
        request, session, lambda: drafting.check_submit(session, me.person, objective_id)
    )
    result = await flow.submit_draft(
        get_temporal(request),
        me.org_id,
        objective.cycle_id,
        SubmitDraftInput(objective_id=objective.id, submitted_by=me.id, lang=me.person.language.value),
    )
    objective = await run_in_threadpool(ObjectiveStore(session).get, me.org_id, objective_id)
    return DraftSubmitted(
        objective=ObjectiveRead.model_validate(objective.model_dump()),
        score=result.score,
        findings=result.findings,
        approvers=result.approvers,
    )


async def _decide(
    objective_id: str, session: SessionDep, me: CurrentUser, request: Request, *, approve: bool, comment: str
) -> DraftDecided:
    objective = await write_first(
        request, session, lambda: drafting.check_decide(session, me.person, objective_id)
    )
    client = get_temporal(request)
    state = await flow.cycle_status(client, me.org_id, objective.cycle_id)
    pending = next((p for p in state.pending_approvals if p.objective_id == objective.id), None)
    if pending is None:
        raise InvalidState(f"objective {objective_id!r} is not waiting for approval in its cycle's workflow")
    if me.id not in pending.approvers:
        names = await run_in_threadpool(PeopleStore(session).get_many, me.org_id, pending.approvers)
        shown = (
            ", ".join(names[p].name if p in names else p for p in pending.approvers)
            or "nobody (no manager set)"
        )
        raise PermissionDenied(f"objective {objective_id!r} is approved or returned by {shown}")
    result = await flow.decide_draft(
        client,
        me.org_id,
        objective.cycle_id,
        DecideDraftInput(objective_id=objective.id, decided_by=me.id, approve=approve, comment=comment),
    )
    objective = await run_in_threadpool(ObjectiveStore(session).get, me.org_id, objective_id)
    return DraftDecided(objective=ObjectiveRead.model_validate(objective.model_dump()), status=result.status)


@router.post("/{objective_id}/approve", response_model=DraftDecided, responses=problems(409, 503))
async def approve_objective(
    objective_id: str,
    session: SessionDep,
    me: CurrentUser,
    request: Request,
    body: DraftDecision | None = None,
) -> DraftDecided:
    """Approve a submitted draft (its owner's manager): the objective locks."""
    comment = body.comment if body else ""
    return await _decide(objective_id, session, me, request, approve=True, comment=comment)


@router.post("/{objective_id}/return", response_model=DraftDecided, responses=problems(409, 503))
async def return_objective(
    objective_id: str, body: DraftReturn, session: SessionDep, me: CurrentUser, request: Request
) -> DraftDecided:
    """Return a submitted draft to its owner with a comment that says what to change."""
    return await _decide(objective_id, session, me, request, approve=False, comment=body.comment)
