"""Key results: everyone in the org reads them; their owner and whoever may edit the objective change
them while the objective is a draft."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentUser, IfMatch, SessionDep, cycle_ids, required_version, utcnow, version_etag
from api.schemas.common import Page, problems
from api.schemas.plan import KeyResultCreate, KeyResultRead, KeyResultUpdate
from okrflow.domain.model import KeyResult
from okrflow.services import drafting
from okrflow.services.paging import page_list
from okrflow.store import KeyResultStore

router = APIRouter(prefix="/key-results", tags=["key results"])


@router.get("", response_model=Page[KeyResultRead], responses=problems())
def list_key_results(
    session: SessionDep,
    me: CurrentUser,
    objective_id: str | None = None,
    cycle_id: str | None = None,
    owner_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[KeyResult]:
    """Your org's key results, filtered by objective, cycle, owner."""
    store = KeyResultStore(session)
    if objective_id is not None:
        found = store.list_for_objective(me.org_id, objective_id)
    else:
        found = [
            kr
            for c in cycle_ids(session, me.org_id, cycle_id)
            for kr in store.list_for_cycle(me.org_id, c, owner_id=owner_id)
        ]
    if cycle_id is not None and objective_id is not None:
        in_cycle = {kr.id for kr in store.list_for_cycle(me.org_id, cycle_id)}
        found = [kr for kr in found if kr.id in in_cycle]
    found = [kr for kr in found if owner_id is None or kr.owner_id == owner_id]
    return Page.of(page_list(found, key=lambda kr: (kr.id,), limit=limit, cursor=cursor))


@router.get("/{kr_id}", response_model=KeyResultRead, responses=problems(etag=200))
def get_key_result(kr_id: str, session: SessionDep, me: CurrentUser, response: Response) -> KeyResult:
    kr = KeyResultStore(session).get(me.org_id, kr_id)
    response.headers["ETag"] = version_etag(kr.version)
    return kr


@router.post(
    "", response_model=KeyResultRead, status_code=status.HTTP_201_CREATED, responses=problems(409, etag=201)
)
def create_key_result(
    body: KeyResultCreate, session: SessionDep, me: CurrentUser, response: Response
) -> KeyResult:
    """Add a key result to a draft objective you may edit; its owner defaults to the objective's owner."""
    kr = drafting.create_key_result(session, me.person, body.model_dump(), at=utcnow())
    response.headers["ETag"] = version_etag(kr.version)
    return kr


@router.patch("/{kr_id}", response_model=KeyResultRead, responses=problems(409, 412, 428, etag=200))
def update_key_result(
    kr_id: str,
    body: KeyResultUpdate,
    session: SessionDep,
    me: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> KeyResult:
    """Change a key result of a draft objective; its current value moves with check-ins instead."""
    kr = drafting.update_key_result(
        session,
        me.person,
        kr_id,
        body.model_dump(exclude_unset=True),
        expected_version=required_version(if_match),
        at=utcnow(),
    )
    response.headers["ETag"] = version_etag(kr.version)
    return kr
