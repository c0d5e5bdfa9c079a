"""The caller's inbox: notifications delivered to them, newest first; an unread count; marking read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentUser, SessionDep, utcnow
from api.schemas.activity import MarkedRead, MarkRead, NotificationRead, UnreadCount
from api.schemas.common import Page, problems
from okrflow.domain.model import Notification
from okrflow.store import NotificationStore

router = APIRouter(prefix="/inbox", tags=["inbox"])
_ONLY_AUTH = (400, 401, 422)


@router.get("", response_model=Page[NotificationRead], responses=problems(default=_ONLY_AUTH))
def list_inbox(
    session: SessionDep,
    me: CurrentUser,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[Notification]:
    """Your notifications, newest first."""
    return Page.of(
        NotificationStore(session).inbox(
            me.org_id, me.id, unread_only=unread_only, limit=limit, cursor=cursor
        )
    )


@router.get("/unread-count", response_model=UnreadCount, responses=problems(default=(401,)))
def unread_count(session: SessionDep, me: CurrentUser) -> UnreadCount:
    return UnreadCount(unread=NotificationStore(session).unread_count(me.org_id, me.id))


@router.post("/read", response_model=MarkedRead, responses=problems(default=_ONLY_AUTH))
def mark_read(body: MarkRead, session: SessionDep, me: CurrentUser) -> MarkedRead:
    """Mark some of your notifications read (``ids``), or all of them (no ``ids``)."""
    marked = NotificationStore(session).mark_read(me.org_id, me.id, body.ids, at=utcnow())
    return MarkedRead(marked=marked)
