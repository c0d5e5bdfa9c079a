"""Rule administration as the API takes and returns it: a checked set, a dry run, published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field

from okrflow.domain.model import LocalText, Phase, RuleMode, Severity
from rules.catalog import Scope


class RuleSetChecked(BaseModel):
    """The rule set loads: its rules compile."""

    source: str
    rules: int
    rule_ids: list[str]
    scopes: list[Scope]


class DryRunHit(BaseModel):
    subject_type: str
    subject_id: str
    severity: Severity
    message: LocalText
    facts: dict[str, Any] = Field(description="the facts the rule's condition read, as they were")


class DryRunEvaluationError(BaseModel):
    subject_type: str
    subject_id: str
    message: str


class DryRunRule(BaseModel):
    rule_id: str
    scope: Scope
    severity: Severity
    mode: RuleMode
    description: LocalText
    applied: bool = Field(description="false when the rule does not apply in this week or phase")
    flagged_count: int
    flagged: list[DryRunHit] = Field(description="the first `limit` subjects flagged")
    errors: list[DryRunEvaluationError]


class DryRunRead(BaseModel):
    source: str
    cycle_id: str
    week: int
    phase: Phase | None
    as_of: datetime
    total_flags: int
    total_errors: int
    rules: list[DryRunRule]


class RuleSetVersionSummary(BaseModel):
    version: int
    published_by: str
    published_at: datetime
    reason: str
    active: bool


class RuleSetVersionRead(RuleSetVersionSummary):
    source: str


class ActiveRuleSet(BaseModel):
    """The rule set the weekly review uses; version 0 is the built-in default (nothing published yet)."""

    version: int
    source: str
    published_by: str | None = None
    published_at: datetime | None = None
    reason: str | None = None


class Rollback(BaseModel):
    reason: Annotated[str, Field(min_length=1, max_length=2000, description="why, for the audit log")]
