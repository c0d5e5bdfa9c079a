"""The roll-up tables dashboards read instead of scanning the org (kept by ``okrflow.store.rollups``).

``rollup_key_results`` holds one row per key result: its health inputs (base status, clamped
progress, latest confidence, week of the latest check-in, earliest open milestone) and the
contributions it last made to each aggregate. ``rollup_groups`` holds one row per cycle and
scope ("org", "team:<id>" for a team and its subtree, "objective:<id>", "person:<id>") with the
summed contributions; an objective's row also keeps what it last contributed upward.

Rows are derived data: no foreign keys to the records they summarise (only to their org and
cycle), so deleting a key result is never blocked by its roll-up (the refresh removes it).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Double, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from okrflow.dashboards import BaseStatus
from okrflow.store.tables.base import ID, Base, JSONValue, table_of
from okrflow.store.types import DateOnly, EnumText, UTCDateTime


class RollupKeyResultRow(Base):
    __tablename__ = "rollup_key_results"
    __table_args__ = (
        Index(None, "cycle_id", "base", "progress"),
        Index(None, "cycle_id", "team_id"),
        Index(None, "cycle_id", "owner_id"),
        Index(None, "cycle_id", "first_open_milestone"),
    )

    kr_id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"), index=True)
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    objective_id: Mapped[str] = mapped_column(ID)
    team_id: Mapped[str | None] = mapped_column(ID)
    owner_id: Mapped[str | None] = mapped_column(ID)
    base: Mapped[BaseStatus] = mapped_column(EnumText(BaseStatus))
    progress: Mapped[float] = mapped_column(Double)
    raw: Mapped[float] = mapped_column(Double)
    confidence: Mapped[int | None] = mapped_column(Integer)
    last_check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_week: Mapped[int] = mapped_column(Integer)
    first_open_milestone: Mapped[date | None] = mapped_column(DateOnly)
    contributions: Mapped[list[Any]] = mapped_column(JSONValue)


class RollupGroupRow(Base):
    __tablename__ = "rollup_groups"

    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(80), primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    upward: Mapped[list[Any]] = mapped_column(JSONValue)


rollup_key_results = table_of(RollupKeyResultRow)
rollup_groups = table_of(RollupGroupRow)
