"""Stored records that are not domain records: API tokens, weekly sheets, rule evaluation errors.

They live with the store because only the store, the API and activities handle them; the pure
core never sees them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from okrflow.domain.model import Ident, Model, SubjectType


class ApiToken(Model):
    """An API token's metadata; ``TokenStore.create`` returns the plaintext once and keeps only its hash."""

    id: Ident
    org_id: Ident
    person_id: Ident
    name: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class WeeklySheet(Model):
    """The weekly sheet of one review, as built by the weekly-review workflow (rendered on demand)."""

    id: Ident
    org_id: Ident
    cycle_id: Ident
    week: Annotated[int, Field(ge=1, le=60)]
    scope: Ident = "org"  # "org", or the team id of a per-team sheet
    content: dict[str, Any]
    created_at: datetime


class RuleEvaluationError(Model):
    """A rule that could not be evaluated for one subject in one review (a missing fact, say)."""

    id: Ident
    org_id: Ident
    cycle_id: Ident
    week: int
    rule_id: str
    rule_version: int
    subject_type: SubjectType
    subject_id: Ident
    message: str
    created_at: datetime
