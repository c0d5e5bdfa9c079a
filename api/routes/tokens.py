"""API tokens: admins create them for people of their org (the token is shown once); everyone lists and
revokes their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.activity import TokenCreate, TokenCreated, TokenRead
from api.schemas.common import Page, problems
from okrflow import access
from okrflow.services.paging import page_list
from okrflow.store import ApiToken, TokenStore

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", response_model=Page[TokenRead], responses=problems())
def list_tokens(
    session: SessionDep,
    me: CurrentUser,
    person_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> Page[ApiToken]:
    """Your tokens (admins: anyone's, with ``person_id``), oldest first, revoked ones included."""
    who = person_id or me.id
    if who != me.id:
        access.require_admin(me.person, "listing someone else's tokens")
    found = TokenStore(session).list_for_person(me.org_id, who)
    return Page.of(
        page_list(found, key=lambda t: (t.created_at.isoformat(), t.id), limit=limit, cursor=cursor)
    )


@router.post("", response_model=TokenCreated, status_code=status.HTTP_201_CREATED, responses=problems())
def create_token(body: TokenCreate, session: SessionDep, me: CurrentUser) -> TokenCreated:
    """Create a token for a person of your org (admins). Copy it now: it is never shown again."""
    access.require_admin(me.person, "creating API tokens")
    token, plaintext = TokenStore(session).create(me.org_id, body.person_id or me.id, body.name, at=utcnow())
    return TokenCreated(token=plaintext, record=TokenRead.model_validate(token.model_dump()))


@router.delete(
    "/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(),
)
def revoke_token(token_id: str, session: SessionDep, me: CurrentUser) -> Response:
    """Revoke a token (your own; admins any in the org). Revoking twice is fine."""
    token = TokenStore(session).get(me.org_id, token_id)
    access.require_revoke_token(me.person, token.person_id)
    TokenStore(session).revoke(me.org_id, token_id, at=utcnow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)
