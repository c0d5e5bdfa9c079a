"""What reviews, the drafting assistant and close-out leave behind: notifications and digest lines,
weekly sheets, critiques, retrospectives and cycle reports, and the keys that make activities idempotent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okrflow.domain.model import Language, Severity, SubjectType
from okrflow.store.tables.base import ID, Base, JSONValue, org_id_column, table_of
from okrflow.store.types import EnumText, UTCDateTime, json_type


class NotificationRow(Base):
    """Outbox and inbox in one: pending while ``delivered_at`` is NULL, then in the recipient's inbox."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("recipient_id", "dedupe_key"),
        Index(None, "recipient_id", "created_at"),
        Index(None, "org_id", "delivered_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = mapped_column(ID, ForeignKey("orgs.id"))
    recipient_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(Text)
    title: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    body: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestItemRow(Base):
    """One line of a person's weekly digest (a flag or an escalation that reached them), collected
    team batch by team batch and sent as one notification per person when the review publishes."""

    __tablename__ = "digest_items"

    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"), primary_key=True)
    week: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    org_id: Mapped[str] = org_id_column()
    kind: Mapped[str] = mapped_column(Text)
    severity: Mapped[Severity] = mapped_column(EnumText(Severity))
    subject_type: Mapped[SubjectType] = mapped_column(EnumText(SubjectType))
    subject_id: Mapped[str] = mapped_column(ID)
    message: Mapped[dict[str, Any]] = mapped_column(JSONValue)


class WeeklySheetRow(Base):
    """The weekly sheet of one review; ``scope`` is "org" or a team id (sheets can be built per team)."""

    __tablename__ = "weekly_sheets"
    __table_args__ = (UniqueConstraint("cycle_id", "week", "scope"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"))
    week: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(ID)
    content: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CritiqueRow(Base):
    """The drafting assistant's critique of an objective, kept with the version it critiqued."""

    __tablename__ = "critiques"

    objective_id: Mapped[str] = mapped_column(
        ID, ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    critique: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RetrospectiveRow(Base):
    """An objective's retrospective, written at close-out (one per objective, rewritten until archive)."""

    __tablename__ = "retrospectives"

    objective_id: Mapped[str] = mapped_column(ID, ForeignKey("objectives.id"), primary_key=True)
    org_id: Mapped[str] = org_id_column()
    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"), index=True)
    author_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"))
    # Plain text as written, or {"en": ..., "zh": ...}.
    what_worked: Mapped[Any] = mapped_column(JSONValue)
    what_did_not: Mapped[Any] = mapped_column(JSONValue)
    carry_over: Mapped[Any] = mapped_column(JSONValue)
    language: Mapped[Language | None] = mapped_column(EnumText(Language))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CycleReportRow(Base):
    """A cycle's close-out report (``CycleReport`` as JSON) and its carry-over proposals."""

    __tablename__ = "cycle_reports"

    cycle_id: Mapped[str] = mapped_column(ID, ForeignKey("cycles.id"), primary_key=True)
    org_id: Mapped[str] = org_id_column()
    final: Mapped[bool] = mapped_column(Boolean)  # False: computed when the cycle ended, before close-out
    report: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    carry_over: Mapped[list[Any]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ActivityKeyRow(Base):
    """Idempotency of Temporal activities: a key (workflow id + step) is done once."""

    __tablename__ = "activity_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    result: Mapped[Any] = mapped_column(json_type(none_as_null=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


notifications = table_of(NotificationRow)
digest_items = table_of(DigestItemRow)
weekly_sheets = table_of(WeeklySheetRow)
critiques = table_of(CritiqueRow)
retrospectives = table_of(RetrospectiveRow)
cycle_reports = table_of(CycleReportRow)
activity_keys = table_of(ActivityKeyRow)
