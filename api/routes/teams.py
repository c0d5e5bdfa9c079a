"""Teams of the caller's org: everyone reads them; admins add and change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentUser, IfMatch, SessionDep, content_etag, require_content_etag
from api.schemas.common import Page, problems
from api.schemas.org import TeamCreate, TeamRead, TeamUpdate
from okrflow import access
from okrflow.domain.model import Team, parse_model
from okrflow.services.paging import page_list
from okrflow.store import TeamStore, new_id

router = APIRouter(prefix="/teams", tags=["teams"])


@router.get("", response_model=Page[TeamRead], responses=problems())
def list_teams(
    session: SessionDep,
    me: CurrentUser,
    parent_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[Team]:
    """The teams of your org, by name; ``parent_id`` lists a team's direct sub-teams."""
    found = TeamStore(session).list(me.org_id)
    if parent_id is not None:
        found = [t for t in found if t.parent_id == parent_id]
    return Page.of(page_list(found, key=lambda t: (t.name, t.id), limit=limit, cursor=cursor))


@router.get("/{team_id}", response_model=TeamRead, responses=problems(etag=200))
def get_team(team_id: str, session: SessionDep, me: CurrentUser, response: Response) -> Team:
    team = TeamStore(session).get(me.org_id, team_id)
    response.headers["ETag"] = content_etag(team)
    return team


@router.post(
    "", response_model=TeamRead, status_code=status.HTTP_201_CREATED, responses=problems(409, etag=201)
)
def create_team(body: TeamCreate, session: SessionDep, me: CurrentUser, response: Response) -> Team:
    """Add a team (admins), under a parent team if given."""
    access.require_admin(me.person, "adding teams")
    team = TeamStore(session).add(
        parse_model(Team, {**body.model_dump(), "id": new_id(), "org_id": me.org_id})
    )
    response.headers["ETag"] = content_etag(team)
    return team


@router.patch("/{team_id}", response_model=TeamRead, responses=problems(409, 412, 428, etag=200))
def update_team(
    team_id: str,
    body: TeamUpdate,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> Team:
    """Rename a team, move it under another parent, or change its lead (admins)."""
    access.require_admin(me.person, "changing teams")
    store = TeamStore(session)
    team = store.get(me.org_id, team_id)
    require_content_etag(if_match, team, "team", team_id)
    updated = store.update(me.org_id, team_id, body.model_dump(exclude_unset=True))
    response.headers["ETag"] = content_etag(updated)
    return updated
