"""Cycles (quarters) and their workflow: admins create, change, start, pause and resume them; everyone
reads them; managers, the ambassador and admins read the workflow's status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, Field

from api.deps import (
    CurrentUser,
    IfMatch,
    SessionDep,
    SettingsDep,
    connected_temporal,
    content_etag,
    get_temporal,
    require_content_etag,
    write_first,
)
from api.schemas.common import Page, problems
from api.schemas.org import CycleCreate, CycleRead, CycleUpdate, Input
from okrflow import access
from okrflow.domain.errors import InvalidState
from okrflow.domain.model import Cycle, Phase, parse_model
from okrflow.services import cycles as flow
from okrflow.services.paging import page_list
from okrflow.store import CycleStore, OrgStore, new_id
from workflows.messages import CycleStatus

router = APIRouter(prefix="/cycles", tags=["cycles"])
SCHEDULE_FIELDS = frozenset({"start", "end", "timezone", "cadence"})


class CycleStarted(BaseModel):
    workflow_id: str
    run_id: str | None


class PauseRequest(Input):
    reason: Annotated[str, Field(max_length=2000)] = ""


@router.get("", response_model=Page[CycleRead], responses=problems())
def list_cycles(
    session: SessionDep,
    me: CurrentUser,
    phase: Phase | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[Cycle]:
    """Your org's cycles, newest first."""
    found = [c for c in CycleStore(session).list(me.org_id) if phase is None or c.phase is phase]
    return Page.of(page_list(found, key=lambda c: (-c.start.toordinal(), c.id), limit=limit, cursor=cursor))


@router.get("/{cycle_id}", response_model=CycleRead, responses=problems(etag=200))
def get_cycle(cycle_id: str, session: SessionDep, me: CurrentUser, response: Response) -> Cycle:
    cycle = CycleStore(session).get(me.org_id, cycle_id)
    response.headers["ETag"] = content_etag(cycle)
    return cycle


@router.post(
    "", response_model=CycleRead, status_code=status.HTTP_201_CREATED, responses=problems(409, etag=201)
)
def create_cycle(body: CycleCreate, session: SessionDep, me: CurrentUser, response: Response) -> Cycle:
    """Create a cycle (admins); start its workflow with ``POST /cycles/{id}/start``."""
    access.require_admin(me.person, "creating cycles")
    values = body.model_dump()
    values["timezone"] = values["timezone"] or OrgStore(session).get(me.org_id).timezone
    cycle = CycleStore(session).add(parse_model(Cycle, {**values, "id": new_id(), "org_id": me.org_id}))
    response.headers["ETag"] = content_etag(cycle)
    return cycle


@router.patch("/{cycle_id}", response_model=CycleRead, responses=problems(409, 412, 428, etag=200))
async def update_cycle(
    cycle_id: str,
    body: CycleUpdate,
    session: SessionDep,
    me: CurrentUser,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Cycle:
    """Change a cycle (admins); a running workflow reloads its timetable when dates or cadence change."""
    changes = body.model_dump(exclude_unset=True)

    def write() -> Cycle:
        access.require_admin(me.person, "changing cycles")
        store = CycleStore(session)
        cycle = store.get(me.org_id, cycle_id)
        require_content_etag(if_match, cycle, "cycle", cycle_id)
        if cycle.archived:
            raise InvalidState(f"cycle {cycle.name!r} is archived and read-only")
        return store.update(me.org_id, cycle_id, changes)

    updated = await write_first(request, session, write)
    client = connected_temporal(request)
    if SCHEDULE_FIELDS & changes.keys() and client is not None:
        await flow.schedule_changed(client, me.org_id, cycle_id)
    response.headers["ETag"] = content_etag(updated)
    return updated


async def _admin_cycle(
    request: Request, session: SessionDep, me: CurrentUser, cycle_id: str, action: str
) -> Cycle:
    """The cycle an admin acts on through its workflow (nothing is held while the workflow works)."""

    def load() -> Cycle:
        access.require_admin(me.person, action)
        return CycleStore(session).get(me.org_id, cycle_id)

    return await write_first(request, session, load)


@router.post(
    "/{cycle_id}/start",
    response_model=CycleStarted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problems(409, 503),
)
async def start_cycle(
    cycle_id: str, session: SessionDep, me: CurrentUser, request: Request, settings: SettingsDep
) -> CycleStarted:
    """Start the cycle's workflow (admins): from here the quarter runs on its calendar."""
    cycle = await _admin_cycle(request, session, me, cycle_id, "starting a cycle")
    if cycle.archived:
        raise InvalidState(f"cycle {cycle.name!r} is archived: it cannot be started again")
    started = await flow.start_cycle(
        get_temporal(request), me.org_id, cycle.id, task_queue=settings.temporal_task_queue
    )
    return CycleStarted(workflow_id=started.workflow_id, run_id=started.run_id)


@router.post("/{cycle_id}/pause", response_model=CycleStatus, responses=problems(409, 503))
async def pause_cycle(
    cycle_id: str, session: SessionDep, me: CurrentUser, request: Request, body: PauseRequest | None = None
) -> CycleStatus:
    """Pause the cycle's workflow (admins): reminders and reviews wait until it resumes."""
    cycle = await _admin_cycle(request, session, me, cycle_id, "pausing a cycle")
    reason = body.reason if body else ""
    return await flow.pause_cycle(get_temporal(request), me.org_id, cycle.id, by=me.id, reason=reason)


@router.post("/{cycle_id}/resume", response_model=CycleStatus, responses=problems(409, 503))
async def resume_cycle(
    cycle_id: str, session: SessionDep, me: CurrentUser, request: Request, body: PauseRequest | None = None
) -> CycleStatus:
    """Resume a paused cycle (admins); events that came due long ago while paused are skipped."""
    cycle = await _admin_cycle(request, session, me, cycle_id, "resuming a cycle")
    reason = body.reason if body else ""
    return await flow.resume_cycle(get_temporal(request), me.org_id, cycle.id, by=me.id, reason=reason)


@router.get("/{cycle_id}/status", response_model=CycleStatus, responses=problems(409, 503))
async def cycle_status(cycle_id: str, session: SessionDep, me: CurrentUser, request: Request) -> CycleStatus:
    """The workflow's view: phase, paused, next event, pending approvals, open escalations."""

    def load() -> Cycle:
        access.require_read_review(me.person, "the cycle workflow's status and review results")
        return CycleStore(session).get(me.org_id, cycle_id)

    cycle = await write_first(request, session, load)  # nothing is held while the workflow answers
    return await flow.cycle_status(get_temporal(request), me.org_id, cycle.id)
