"""The organisation and its cycles: orgs, people, teams, and each cycle with its cadence."""

from __future__ import annotations

import itertools
from datetime import date, time
from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from okrflow.domain.base import Ident, Model, NonEmptyText, TimeZoneName
from okrflow.domain.enums import Language, Phase, Role


def _check_handle(value: str) -> str:
    if any(c.isspace() or c in "@＠" for c in value):
        raise ValueError(f"{value!r} is not a handle: a handle has no spaces and no @ (e.g. 'ana.lopez')")
    return value


class Org(Model):
    id: Ident
    name: NonEmptyText
    timezone: TimeZoneName = "UTC"
    language: Language = Language.EN


class Person(Model):
    id: Ident
    org_id: Ident
    name: NonEmptyText  # display name, e.g. "Ana López" or "张伟"
    # unique per org, what @mentions use
    handle: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_handle)]
    email: str | None = None
    team_id: Ident | None = None
    manager_id: Ident | None = None
    role: Role = Role.MEMBER
    timezone: TimeZoneName = "UTC"
    language: Language = Language.EN
    weekly_capacity_hours: Annotated[float, Field(ge=0, le=168)] = 40.0
    active: bool = True

    @model_validator(mode="after")
    def _not_own_manager(self) -> Person:
        if self.manager_id is not None and self.manager_id == self.id:
            raise ValueError("manager_id: a person cannot be their own manager")
        return self


class Team(Model):
    id: Ident
    org_id: Ident
    name: NonEmptyText
    parent_id: Ident | None = None
    lead_id: Ident | None = None

    @model_validator(mode="after")
    def _not_own_parent(self) -> Team:
        if self.parent_id is not None and self.parent_id == self.id:
            raise ValueError("parent_id: a team cannot be its own parent")
        return self


# ---------------------------------------------------------------- cycle


class Cadence(Model):
    """When things happen in a cycle; every offset is configurable per cycle."""

    review_weekday: Annotated[int, Field(ge=0, le=6)] = 0  # 0 = Monday
    review_time: time = time(10, 0)
    reminder_lead_hours: Annotated[int, Field(ge=0, le=24 * 7)] = 24
    drafting_days: Annotated[int, Field(ge=0, le=90)] = 14  # drafting opens this long before the start
    decomposition_weeks: Annotated[int, Field(ge=0, le=8)] = 2
    midterm_week: Annotated[int, Field(ge=1, le=60)] | None = None  # default: the middle week
    midterm_days: Annotated[int, Field(ge=1, le=30)] = 7
    closeout_days: Annotated[int, Field(ge=1, le=60)] = 14  # after the last day
    working_days: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    holidays: list[date] = Field(default_factory=list)
    # Piecewise-linear expected progress: (share of working time elapsed, share of target expected).
    expected_curve: list[tuple[float, float]] | None = None
    publish_sheet_to_all: bool = False

    @field_validator("working_days")
    @classmethod
    def _some_working_day(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("at least one working day is needed")
        return sorted(set(value))

    @field_validator("expected_curve")
    @classmethod
    def _monotone_curve(cls, value: list[tuple[float, float]] | None) -> list[tuple[float, float]] | None:
        if value is None:
            return None
        if len(value) < 2:
            raise ValueError("a curve needs at least two points")
        xs = [x for x, _ in value]
        ys = [y for _, y in value]
        if xs[0] != 0.0 or xs[-1] != 1.0:
            raise ValueError("a curve starts at x=0 and ends at x=1")
        if any(b <= a for a, b in itertools.pairwise(xs)):
            raise ValueError("x values must strictly increase")
        if any(b < a for a, b in itertools.pairwise(ys)) or not all(0.0 <= y <= 1.0 for y in ys):
            raise ValueError("y values must be within 0..1 and never decrease")
        return value


class Cycle(Model):
    """A quarter (or any period) of OKRs. ``start`` and ``end`` are inclusive calendar days."""

    id: Ident
    org_id: Ident
    name: NonEmptyText  # e.g. "2026-Q1"
    start: date
    end: date
    timezone: TimeZoneName = "UTC"
    cadence: Cadence = Field(default_factory=Cadence)
    phase: Phase = Phase.PLANNED

    @model_validator(mode="after")
    def _ordered(self) -> Cycle:
        if self.end <= self.start:
            raise ValueError(f"end: {self.end} must be after start {self.start}")
        weeks = -(-((self.end - self.start).days + 1) // 7)
        if self.cadence.midterm_week is not None and self.cadence.midterm_week > weeks:
            raise ValueError(
                f"cadence.midterm_week: week {self.cadence.midterm_week} "
                f"is after the cycle's last week ({weeks})"
            )
        return self

    @property
    def archived(self) -> bool:
        return self.phase is Phase.ARCHIVED
