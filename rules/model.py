"""Typed rule records: a rule set, its rules, their applicability and escalation ladders.

These mirror ``rules/schema.json`` (the schema is what admins write against and is
checked first, with errors that name the rule id; these models hold the result).
"""

from __future__ import annotations

import itertools
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from okrflow.domain.model import LocalText, Phase, Role, RuleMode, Severity
from rules.catalog import Scope

__all__ = [
    "AppliesIn",
    "Rule",
    "RuleSet",
    "Rung",
    "RungTarget",
    "Scope",
    "WeekRange",
]

RULE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class WeekRange(_Model):
    """Weeks ``from`` to ``to`` of the cycle, inclusive (1-based)."""

    first: Annotated[int, Field(ge=1, le=60, alias="from")]
    last: Annotated[int, Field(ge=1, le=60, alias="to")]

    @model_validator(mode="after")
    def _ordered(self) -> WeekRange:
        if self.last < self.first:
            raise ValueError(f"to: week {self.last} is before from: week {self.first}")
        return self

    def __contains__(self, week: object) -> bool:
        return isinstance(week, int) and self.first <= week <= self.last


class AppliesIn(_Model):
    """When a rule is evaluated. With both lists, both must match; with neither, always."""

    phases: tuple[Phase, ...] = ()
    weeks: tuple[WeekRange, ...] = ()

    def admits(self, *, week: int, phase: Phase | None) -> bool:
        if self.phases and phase not in self.phases:
            return False
        return not self.weeks or any(week in r for r in self.weeks)


class RungTarget:
    """Who a rung reaches (the ``to`` values; ``person`` and ``role`` rungs name theirs)."""

    OWNER = "owner"  # the subject's owner (KR owner, task owner, the person, the team lead)
    MANAGER = "manager"  # the owner's manager
    AMBASSADOR = "ambassador"  # the org's OKR ambassadors
    CONSULTATION = "consultation"  # convene a consultation (会商) about the subject
    ALL = (OWNER, MANAGER, AMBASSADOR, CONSULTATION)


class Rung(_Model):
    """One step of a ladder: fires once the rule has held ``after_weeks`` consecutive weeks,
    plus ``grace_weeks`` more during which it is only announced as pending.

    Exactly one of ``to`` (owner, manager, ambassador, consultation), ``person`` (a person id
    or handle) or ``role`` (everyone with that role) says whom it reaches.
    """

    to: str | None = None
    person: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    role: Role | None = None
    after_weeks: Annotated[int, Field(ge=1, le=60)]
    grace_weeks: Annotated[int, Field(ge=0, le=60)] = 0

    @model_validator(mode="after")
    def _one_target(self) -> Rung:
        given = [k for k in ("to", "person", "role") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a rung names exactly one of to, person or role")
        if self.to is not None and self.to not in RungTarget.ALL:
            raise ValueError(f"to: {self.to!r} is not one of {', '.join(RungTarget.ALL)}")
        return self

    @property
    def fires_at(self) -> int:
        """The streak length at which this rung fires."""
        return self.after_weeks + self.grace_weeks

    @property
    def target(self) -> str:
        """``owner``, ``manager``, ``ambassador``, ``consultation``, ``person:<id>`` or ``role:<role>``."""
        if self.person is not None:
            return f"person:{self.person}"
        if self.role is not None:
            return f"role:{self.role.value}"
        return str(self.to)


class Rule(_Model):
    id: Annotated[str, Field(pattern=RULE_ID_PATTERN)]
    description: LocalText
    message: LocalText | None = None  # a template over the subject's facts, e.g. "{progress:.0%}"
    scope: Scope
    when: Annotated[str, Field(min_length=1)]
    severity: Severity
    mode: RuleMode = RuleMode.ACTIVE
    applies_in: AppliesIn = Field(default_factory=AppliesIn)
    escalation: tuple[Rung, ...] = ()

    @model_validator(mode="after")
    def _ladder_climbs(self) -> Rule:
        fires = [r.fires_at for r in self.escalation]
        if any(b < a for a, b in itertools.pairwise(fires)):
            raise ValueError("escalation: rungs must be in the order they fire (after_weeks + grace_weeks)")
        return self


class RuleSet(_Model):
    """A set of rules as loaded; ``version`` and ``org_id`` come from the store, not the file."""

    rules: tuple[Rule, ...]
    name: str | None = None
    description: LocalText | None = None
    source: str = "<rules>"  # the file name errors are reported against
    org_id: str | None = None
    version: int = 0  # 0 for a draft that was never published

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"rules: rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return self

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)
