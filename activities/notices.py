"""Outbox notifications from activities: one dedupe key per recipient and event, text in both languages."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from okrflow.domain.model import LocalText, Notification
from okrflow.store import NotificationStore


def notice(
    *,
    org_id: str,
    recipient_id: str,
    kind: str,
    key: str,
    title: LocalText,
    body: LocalText,
    at: datetime | None,
    payload: dict[str, Any] | None = None,
) -> Notification:
    """A notification for one person; ``key`` names the event, the recipient completes the dedupe key."""
    return Notification(
        id=_id(recipient_id, key),
        org_id=org_id,
        recipient_id=recipient_id,
        kind=kind,
        dedupe_key=key,
        title=title,
        body=body,
        payload=payload or {},
        created_at=at or datetime.now(UTC),
    )


def notify_each(
    session: Session,
    recipients: Iterable[str],
    *,
    org_id: str,
    kind: str,
    key: str,
    title: LocalText,
    body: LocalText,
    at: datetime | None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Queue the same notice for each recipient, once per recipient and ``key``; returns how many were new."""
    return NotificationStore(session).enqueue_many(
        [
            notice(
                org_id=org_id,
                recipient_id=r,
                kind=kind,
                key=key,
                title=title,
                body=body,
                at=at,
                payload=payload,
            )
            for r in recipients
        ]
    )


def _id(recipient_id: str, key: str) -> str:
    """Deterministic, so a retried activity produces the same row (and the dedupe key skips it)."""
    return "n" + hashlib.sha256(f"{recipient_id}\x00{key}".encode()).hexdigest()[:31]
