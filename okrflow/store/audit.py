"""The audit log: append-only. Entries are added and listed; nothing here changes or deletes one,
and the database refuses UPDATE and DELETE on ``audit_log`` (triggers installed by the migration)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from okrflow.domain.model import AuditEntry, SubjectType
from okrflow.store.base import Page, RowMap, chunks, new_id, paginate
from okrflow.store.tables import audit_log

ROWS = RowMap(AuditEntry, audit_log)


class AuditStore:
    """Who changed what, when and why."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: AuditEntry) -> AuditEntry:
        self.session.execute(insert(audit_log), [ROWS.to_row(entry)])
        return entry

    def record(
        self,
        org_id: str,
        subject_type: SubjectType,
        subject_id: str,
        action: str,
        *,
        actor: str,
        at: datetime,
        changes: Mapping[str, list[Any]] | None = None,
        reason: str | None = None,
    ) -> AuditEntry:
        """Append the entry "``actor`` did ``action`` to the subject at ``at``, for ``reason``"."""
        return self.add(
            AuditEntry(
                id=new_id(),
                org_id=org_id,
                at=at,
                actor_id=actor,
                subject_type=subject_type,
                subject_id=subject_id,
                action=action,
                changes=dict(changes or {}),
                reason=reason,
            )
        )

    def add_many(self, entries: Sequence[AuditEntry]) -> None:
        for batch in chunks(entries, 5_000):
            self.session.execute(insert(audit_log), [ROWS.to_row(e) for e in batch])

    def list(
        self,
        org_id: str,
        *,
        subject_type: SubjectType | None = None,
        subject_id: str | None = None,
        actor_id: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[AuditEntry]:
        """Entries of ``org_id``, newest first, filtered by subject and/or actor."""
        stmt = select(audit_log).where(audit_log.c.org_id == org_id)
        if subject_type is not None:
            stmt = stmt.where(audit_log.c.subject_type == subject_type)
        if subject_id is not None:
            stmt = stmt.where(audit_log.c.subject_id == subject_id)
        if actor_id is not None:
            stmt = stmt.where(audit_log.c.actor_id == actor_id)
        if since is not None:
            stmt = stmt.where(audit_log.c.at >= since)
        return paginate(
            self.session,
            stmt,
            at_column=audit_log.c.at,
            id_column=audit_log.c.id,
            limit=limit,
            cursor=cursor,
            build=ROWS.from_row,
            at_of=lambda e: e.at,
            id_of=lambda e: e.id,
        )
