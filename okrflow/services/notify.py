"""In-app notifications raised by people's actions (a mention, an invitation, a decision).

They are written with the event, in the same transaction, and land in the recipient's inbox at
once (the in-app inbox is the channel); a dedupe key per recipient makes a retry notify once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from okrflow.domain.model import LocalText, Notification
from okrflow.store import NotificationStore, new_id


def notify(
    session: Session,
    org_id: str,
    recipients: Iterable[str],
    *,
    kind: str,
    dedupe_key: str,
    title: LocalText,
    body: LocalText,
    at: datetime,
    payload: Mapping[str, Any] | None = None,
) -> int:
    """Deliver one notification to each recipient's inbox; returns how many were new."""
    items = [
        Notification(
            id=new_id(),
            org_id=org_id,
            recipient_id=r,
            kind=kind,
            dedupe_key=dedupe_key,
            title=title,
            body=body,
            payload=dict(payload or {}),
            created_at=at,
            delivered_at=at,
        )
        for r in dict.fromkeys(recipients)
    ]
    return NotificationStore(session).enqueue_many(items) if items else 0


def excerpt(text: str, limit: int = 140) -> str:
    """The start of a user's text for a notification body, on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
