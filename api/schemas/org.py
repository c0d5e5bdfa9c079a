"""People, teams and cycles as the API takes and returns them."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from okrflow.domain.model import (
    Cadence,
    Cycle,
    Ident,
    Language,
    NonEmptyText,
    Person,
    Role,
    Team,
    TimeZoneName,
)

Handle = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s@＠]+$")]
Capacity = Annotated[float, Field(ge=0, le=168)]


class Input(BaseModel):
    """Request bodies: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class PersonRead(Person):
    """A person of the caller's org."""


class PersonCreate(Input):
    name: NonEmptyText
    handle: Handle
    email: str | None = None
    team_id: Ident | None = None
    manager_id: Ident | None = None
    role: Role = Role.MEMBER
    timezone: TimeZoneName | None = Field(default=None, description="default: the org's time zone")
    language: Language | None = Field(default=None, description="default: the org's language")
    weekly_capacity_hours: Capacity = 40.0


class PersonUpdate(Input):
    """Only the fields sent are changed; ``null`` clears an optional field."""

    name: NonEmptyText | None = None
    handle: Handle | None = None
    email: str | None = None
    team_id: Ident | None = None
    manager_id: Ident | None = None
    role: Role | None = None
    timezone: TimeZoneName | None = None
    language: Language | None = None
    weekly_capacity_hours: Capacity | None = None
    active: bool | None = None


class TeamRead(Team):
    """A team of the caller's org."""


class TeamCreate(Input):
    name: NonEmptyText
    parent_id: Ident | None = None
    lead_id: Ident | None = None


class TeamUpdate(Input):
    name: NonEmptyText | None = None
    parent_id: Ident | None = None
    lead_id: Ident | None = None


# A wall-clock time in the cycle's time zone (JSON Schema's "time" format demands an offset: not this).
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "local wall-clock time in the cycle's time zone, HH:MM[:SS]",
        }
    ),
]


class CycleCadence(Cadence):
    """When things happen in a cycle, in the cycle's time zone."""

    review_time: LocalTime = time(10, 0)


class CycleRead(Cycle):
    """A cycle (quarter); ``phase`` is moved by the cycle workflow."""

    cadence: CycleCadence = Field(default_factory=CycleCadence)


class CycleCreate(Input):
    name: NonEmptyText
    start: date
    end: date
    timezone: TimeZoneName | None = Field(default=None, description="default: the org's time zone")
    cadence: CycleCadence = Field(default_factory=CycleCadence)


class CycleUpdate(Input):
    name: NonEmptyText | None = None
    start: date | None = None
    end: date | None = None
    timezone: TimeZoneName | None = None
    cadence: CycleCadence | None = None
