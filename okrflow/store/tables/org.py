"""The organisation: orgs, teams, people, cycles, and the API tokens people act with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Double, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from okrflow.domain.model import Language, Phase, Role
from okrflow.store.tables.base import ID, Base, JSONValue, deferred_fk, org_id_column, table_of
from okrflow.store.types import DateOnly, EnumText, UTCDateTime


class OrgRow(Base):
    __tablename__ = "orgs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[Language] = mapped_column(EnumText(Language))


class TeamRow(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(ID, deferred_fk("teams.id"), index=True)
    # people references teams too: created after both tables (ALTER) where the backend allows it
    lead_id: Mapped[str | None] = mapped_column(ID, deferred_fk("people.id", use_alter=True))


class PersonRow(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("org_id", "handle"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    name: Mapped[str] = mapped_column(Text)
    handle: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(Text)
    team_id: Mapped[str | None] = mapped_column(ID, deferred_fk("teams.id"), index=True)
    manager_id: Mapped[str | None] = mapped_column(ID, deferred_fk("people.id"), index=True)
    role: Mapped[Role] = mapped_column(EnumText(Role))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[Language] = mapped_column(EnumText(Language))
    weekly_capacity_hours: Mapped[float] = mapped_column(Double)
    active: Mapped[bool] = mapped_column(Boolean)


class CycleRow(Base):
    __tablename__ = "cycles"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    name: Mapped[str] = mapped_column(Text)
    start: Mapped[date] = mapped_column(DateOnly)
    end: Mapped[date] = mapped_column(DateOnly)
    timezone: Mapped[str] = mapped_column(String(64))
    cadence: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    phase: Mapped[Phase] = mapped_column(EnumText(Phase))


class ApiTokenRow(Base):
    """API tokens: only the SHA-256 of the token is stored; the plaintext is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    org_id: Mapped[str] = org_id_column()
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


orgs = table_of(OrgRow)
teams = table_of(TeamRow)
people = table_of(PersonRow)
cycles = table_of(CycleRow)
api_tokens = table_of(ApiTokenRow)
