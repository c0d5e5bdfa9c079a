"""People of the caller's org: everyone reads them; admins add and change them (people change their own
language, time zone and email)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentUser, IfMatch, SessionDep, content_etag, require_content_etag
from api.schemas.common import Page, problems
from api.schemas.org import PersonCreate, PersonRead, PersonUpdate
from okrflow import access
from okrflow.domain.model import Person, Role, parse_model
from okrflow.services.paging import page_list
from okrflow.store import OrgStore, PeopleStore, new_id

router = APIRouter(prefix="/people", tags=["people"])


@router.get("", response_model=Page[PersonRead], responses=problems())
def list_people(
    session: SessionDep,
    me: CurrentUser,
    team_id: str | None = None,
    manager_id: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[Person]:
    """The people of your org, by name; filter by team, manager, role, active."""
    found = PeopleStore(session).list(me.org_id, team_id=team_id, manager_id=manager_id, active=active)
    if role is not None:
        found = [p for p in found if p.role is role]
    return Page.of(page_list(found, key=lambda p: (p.name, p.id), limit=limit, cursor=cursor))


@router.get("/me", response_model=PersonRead, responses=problems(default=(401,)))
def me_(me: CurrentUser) -> Person:
    """Who the token belongs to."""
    return me.person


@router.get("/{person_id}", response_model=PersonRead, responses=problems(etag=200))
def get_person(person_id: str, session: SessionDep, me: CurrentUser, response: Response) -> Person:
    person = PeopleStore(session).get(me.org_id, person_id)
    response.headers["ETag"] = content_etag(person)
    return person


@router.post(
    "",
    response_model=PersonRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(409, etag=201),
)
def create_person(body: PersonCreate, session: SessionDep, me: CurrentUser, response: Response) -> Person:
    """Add a person to your org (admins). Handles are unique in the org."""
    access.require_admin(me.person, "adding people")
    org = OrgStore(session).get(me.org_id)
    values = body.model_dump()
    values["timezone"] = values["timezone"] or org.timezone
    values["language"] = values["language"] or org.language
    person = PeopleStore(session).add(parse_model(Person, {**values, "id": new_id(), "org_id": me.org_id}))
    response.headers["ETag"] = content_etag(person)
    return person


@router.patch("/{person_id}", response_model=PersonRead, responses=problems(409, 412, 428, etag=200))
def update_person(
    person_id: str,
    body: PersonUpdate,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> Person:
    """Change a person (admins); anyone changes their own language, time zone and email."""
    store = PeopleStore(session)
    person = store.get(me.org_id, person_id)
    changes = body.model_dump(exclude_unset=True)
    access.require_edit_person(me.person, person, changes)
    require_content_etag(if_match, person, "person", person_id)
    updated = store.update(me.org_id, person_id, changes)
    response.headers["ETag"] = content_etag(updated)
    return updated
