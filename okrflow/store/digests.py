"""Weekly digest items: what each person is told after a review, collected batch by batch.

A review evaluates rules team batch by team batch; each batch adds the lines it found for each
recipient. Publishing the review reads them back and sends one digest per person. Adding is
idempotent per (cycle, week, recipient, key), so a retried batch adds nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from okrflow.domain.model import Ident, LocalText, Model, Severity, SubjectType
from okrflow.store.base import RowMap, insert_ignoring_conflicts
from okrflow.store.tables import digest_items


class DigestItem(Model):
    org_id: Ident
    cycle_id: Ident
    week: int = Field(ge=1, le=60)
    recipient_id: Ident
    key: str = Field(min_length=1, max_length=255)  # what makes the line unique for its recipient
    kind: str  # flag, escalation, ...
    severity: Severity
    subject_type: SubjectType
    subject_id: Ident
    message: LocalText


ROWS = RowMap(DigestItem, digest_items, nested={"message": LocalText})
_KEY = ("cycle_id", "week", "recipient_id", "key")


class DigestStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_many(self, items: Sequence[DigestItem]) -> int:
        """Add digest lines, skipping those already added for the same review; returns how many were new."""
        return insert_ignoring_conflicts(self.session, digest_items, [ROWS.to_row(i) for i in items], _KEY)

    def list_for_review(self, org_id: str, cycle_id: str, week: int) -> list[DigestItem]:
        """Every line of the review's digests, by recipient then kind and key."""
        c = digest_items.c
        stmt = (
            select(digest_items)
            .where(c.org_id == org_id, c.cycle_id == cycle_id, c.week == week)
            .order_by(c.recipient_id, c.kind, c.key)
        )
        return [ROWS.from_row(r) for r in self.session.execute(stmt).mappings()]
