"""What the workflows leave behind: weekly sheets, and the keys that make activities idempotent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pydantic_core
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from okrflow.domain.errors import NotFound
from okrflow.domain.model import parse_model
from okrflow.store.base import Ref, RowMap, check_refs, insert_ignoring_conflicts, new_id, now_or, upsert
from okrflow.store.records import WeeklySheet
from okrflow.store.tables import activity_keys, cycles, weekly_sheets

ROWS = RowMap(WeeklySheet, weekly_sheets)
_REFS = {"cycle_id": Ref(cycles, "cycle")}


class SheetStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def put(
        self,
        org_id: str,
        cycle_id: str,
        week: int,
        content: Mapping[str, Any],
        *,
        scope: str = "org",
        at: datetime | None = None,
    ) -> WeeklySheet:
        """Store the sheet of a review, replacing one stored before for the same week and scope."""
        self.put_many(org_id, cycle_id, week, {scope: content}, at=at)
        return self.get(org_id, cycle_id, week, scope=scope)

    def put_many(
        self,
        org_id: str,
        cycle_id: str,
        week: int,
        contents: Mapping[str, Mapping[str, Any]],
        *,
        at: datetime | None = None,
    ) -> int:
        """Store many sheets of one review (scope -> content) in one statement, each replacing one
        stored before for the same week and scope.

        Returns:
            How many sheets were stored.
        """
        if not contents:
            return 0
        check_refs(self.session, org_id, {"cycle_id": cycle_id}, _REFS)
        created = now_or(at)
        sheets = [
            parse_model(
                WeeklySheet,
                {
                    "id": new_id(),
                    "org_id": org_id,
                    "cycle_id": cycle_id,
                    "week": week,
                    "scope": scope,
                    "content": dict(content),
                    "created_at": created,
                },
            )
            for scope, content in contents.items()
        ]
        rows = [ROWS.to_row(s) for s in sheets]
        upsert(
            self.session,
            weekly_sheets,
            rows,
            ["cycle_id", "week", "scope"],
            replace=["content", "created_at"],
        )
        return len(rows)

    def get(self, org_id: str, cycle_id: str, week: int, *, scope: str = "org") -> WeeklySheet:
        c = weekly_sheets.c
        stmt = select(weekly_sheets).where(
            c.org_id == org_id, c.cycle_id == cycle_id, c.week == week, c.scope == scope
        )
        row = self.session.execute(stmt).mappings().first()
        if row is None:
            raise NotFound(
                "weekly sheet", f"{cycle_id} week {week}" + ("" if scope == "org" else f" ({scope})")
            )
        return ROWS.from_row(row)

    def list_for_cycle(self, org_id: str, cycle_id: str) -> list[WeeklySheet]:
        c = weekly_sheets.c
        stmt = (
            select(weekly_sheets).where(c.org_id == org_id, c.cycle_id == cycle_id).order_by(c.week, c.scope)
        )
        return [ROWS.from_row(r) for r in self.session.execute(stmt).mappings()]


class ActivityKeyStore:
    """Idempotency keys for activities ("<workflow id>/<step>").

    Claim the key in the same transaction as the activity's writes: if the transaction rolls
    back, the key is free again; once it commits, a retry finds the key and skips the work.
    On PostgreSQL a concurrent claim of the same key waits for the first transaction to finish.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def claim(self, key: str, *, at: datetime | None = None) -> bool:
        """True if this call claimed ``key``; False if it was claimed before."""
        row = {"key": key, "result": None, "created_at": now_or(at)}
        return bool(insert_ignoring_conflicts(self.session, activity_keys, [row], ("key",)))

    def result(self, key: str) -> Any:
        """The result stored for a claimed key (None if none was stored)."""
        return self.session.scalar(select(activity_keys.c.result).where(activity_keys.c.key == key))

    def run_once(self, key: str, fn: Callable[[], Any], *, at: datetime | None = None) -> Any:
        """Run ``fn`` once per key and keep its result; later calls return that result without running it.

        ``fn`` returns JSON-able data (models are dumped); both the first and later calls return
        the JSON form, so callers see the same value either way.
        """
        if not self.claim(key, at=at):
            return self.result(key)
        result = pydantic_core.to_jsonable_python(fn())
        self.session.execute(update(activity_keys).where(activity_keys.c.key == key).values(result=result))
        return result
