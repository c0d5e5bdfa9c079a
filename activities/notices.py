"""Building outbox notifications: one dedupe key per recipient and event, text in both languages."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from okrflow.domain.model import LocalText, Notification, Person


def notice(
    *,
    org_id: str,
    kind: str,
    key: str,
    title: LocalText,
    body: LocalText,
    at: datetime | None,
    recipient: Person | None = None,
    recipient_id: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Notification:
    """A notification for one person; ``key`` names the event, the recipient completes the dedupe key."""
    rid = recipient.id if recipient is not None else recipient_id
    if rid is None:
        raise ValueError("notice: a recipient is needed")
    return Notification(
        id=_id(rid, key),
        org_id=org_id,
        recipient_id=rid,
        kind=kind,
        dedupe_key=key,
        title=title,
        body=body,
        payload=payload or {},
        created_at=at or datetime.now(UTC),
    )


def _id(recipient_id: str, key: str) -> str:
    """Deterministic, so a retried activity produces the same row (and the dedupe key skips it)."""
    return "n" + hashlib.sha256(f"{recipient_id}\x00{key}".encode()).hexdigest()[:31]
