"""Notifications: an outbox written with the event, delivered once to the recipient's in-app inbox.

``enqueue`` is idempotent per (recipient, dedupe_key): a retried activity never notifies twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from okrflow.domain.errors import Problem, ValidationFailed
from okrflow.domain.model import LocalText, Notification
from okrflow.store.base import Page, RowMap, insert_ignoring_conflicts, now_or, paginate, rowcount
from okrflow.store.tables import notifications

ROWS = RowMap(Notification, notifications, nested={"title": LocalText, "body": LocalText})
_KEY = ("recipient_id", "dedupe_key")


class NotificationStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, item: Notification) -> bool:
        """Put a notification in the outbox; False when this recipient already has its dedupe key."""
        return self.enqueue_many([item]) == 1

    def enqueue_many(self, items: Sequence[Notification]) -> int:
        """Put notifications in the outbox, skipping (recipient, dedupe_key) pairs already there.

        Recipients are trusted to be people of ``org_id`` (workflows and the API resolve them).

        Returns:
            How many were new.
        """
        rows = [ROWS.to_row(n) for n in items]
        return insert_ignoring_conflicts(self.session, notifications, rows, _KEY)

    def pending(self, org_id: str, *, limit: int = 500) -> list[Notification]:
        """Undelivered notifications, oldest first."""
        c = notifications.c
        stmt = (
            select(notifications)
            .where(c.org_id == org_id, c.delivered_at.is_(None))
            .order_by(c.created_at, c.id)
            .limit(limit)
        )
        return [ROWS.from_row(r) for r in self.session.execute(stmt).mappings()]

    def deliver_pending(
        self, org_id: str, *, at: datetime | None = None, limit: int = 500
    ) -> list[Notification]:
        """Deliver pending notifications to their inboxes; each is delivered once, even by concurrent callers.

        Returns:
            The notifications this call delivered, oldest first.
        """
        at = now_or(at)
        c = notifications.c
        oldest = (
            select(c.id)
            .where(c.org_id == org_id, c.delivered_at.is_(None))
            .order_by(c.created_at, c.id)
            .limit(limit)
            .scalar_subquery()
        )
        stmt = (
            update(notifications)
            .where(c.id.in_(oldest), c.delivered_at.is_(None))
            .values(delivered_at=at)
            .returning(*notifications.c)
        )
        delivered = [ROWS.from_row(r) for r in self.session.execute(stmt).mappings()]
        return sorted(delivered, key=lambda n: (n.created_at, n.id))

    def deliver_all_pending(
        self, org_id: str, *, at: datetime | None = None, recipients: Select[Any] | None = None
    ) -> int:
        """Deliver every pending notification of the org in one statement (each once, as ``deliver_pending``).

        Args:
            recipients: only those to these people (a select of their ids); default: everyone's.

        Returns:
            How many this call delivered.
        """
        c = notifications.c
        stmt = (
            update(notifications)
            .where(c.org_id == org_id, c.delivered_at.is_(None))
            .values(delivered_at=now_or(at))
        )
        if recipients is not None:
            stmt = stmt.where(c.recipient_id.in_(recipients))
        return rowcount(self.session.execute(stmt))

    def inbox(
        self,
        org_id: str,
        recipient_id: str,
        *,
        unread_only: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[Notification]:
        """The recipient's delivered notifications, newest first."""
        c = notifications.c
        stmt = select(notifications).where(
            c.org_id == org_id, c.recipient_id == recipient_id, c.delivered_at.is_not(None)
        )
        if unread_only:
            stmt = stmt.where(c.read_at.is_(None))
        return paginate(
            self.session,
            stmt,
            at_column=c.created_at,
            id_column=c.id,
            limit=limit,
            cursor=cursor,
            build=ROWS.from_row,
            at_of=lambda n: n.created_at,
            id_of=lambda n: n.id,
        )

    def unread_count(self, org_id: str, recipient_id: str) -> int:
        c = notifications.c
        stmt = select(func.count()).where(
            c.org_id == org_id,
            c.recipient_id == recipient_id,
            c.delivered_at.is_not(None),
            c.read_at.is_(None),
        )
        return int(self.session.scalar(stmt) or 0)

    def mark_read(
        self, org_id: str, recipient_id: str, ids: Sequence[str] | None = None, *, at: datetime | None = None
    ) -> int:
        """Mark the recipient's notifications read (``ids=None``: all of them); returns how many changed.

        Ids of someone else's notifications are ignored, never marked.
        """
        if ids is not None and len(ids) > 1000:
            raise ValidationFailed([Problem(("ids",), "at most 1000 at a time")])
        c = notifications.c
        stmt = update(notifications).where(
            c.org_id == org_id,
            c.recipient_id == recipient_id,
            c.delivered_at.is_not(None),
            c.read_at.is_(None),
        )
        if ids is not None:
            stmt = stmt.where(c.id.in_(list(ids)))
        return rowcount(self.session.execute(stmt.values(read_at=now_or(at))))
