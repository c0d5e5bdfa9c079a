"""The ambassador's digest records, and ``IntakeProblem``: a problem anyone raised through the intake.

Built by ``okrflow.reports.ambassador.ambassador_digest``; plain frozen data that round-trips
through JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from okrflow.domain.model import ConsultationStatus, Severity, SubjectType

__all__ = [
    "AmbassadorDigest",
    "IntakeProblem",
    "MissingKR",
    "MissingOwner",
    "MissingTeam",
    "OpenConsultation",
    "OpenProblem",
    "ProblemStatus",
    "RuleCount",
    "WaitingChange",
]


class ProblemStatus(StrEnum):
    """Where a problem raised through the intake stands in the ambassador's triage."""

    OPEN = "open"  # raised, not triaged yet
    ASSIGNED = "assigned"
    CONSULTATION = "consultation"  # a consultation was opened for it
    CLOSED = "closed"  # closed with a note


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntakeProblem(_Record):
    """A problem anyone raised about any OKR (or person, team, task), for the ambassador to triage."""

    id: Annotated[str, Field(min_length=1, max_length=64)]
    org_id: str
    cycle_id: str | None = None
    subject_type: SubjectType
    subject_id: str
    raised_by: str
    text: Annotated[str, Field(min_length=1)]
    status: ProblemStatus = ProblemStatus.OPEN
    assignee_id: str | None = None
    consultation_id: str | None = None
    note: str | None = None
    created_at: datetime


class MissingKR(_Record):
    kr_id: str
    title: str
    objective_title: str
    last_check_in: date | None  # local day of the latest check-in before the review
    days_since: int | None


class MissingOwner(_Record):
    person_id: str
    name: str
    handle: str
    key_results: list[MissingKR]


class MissingTeam(_Record):
    team_id: str | None
    team_name: str | None
    owners: list[MissingOwner]


class OpenConsultation(_Record):
    consultation_id: str
    subject_type: SubjectType
    subject_id: str
    subject_title: str | None
    reason: str
    status: ConsultationStatus
    level: int
    meet_by: datetime
    meet_by_day: date
    overdue: bool  # still waiting for a meeting whose deadline has passed
    days_overdue: int
    check_on: date | None
    participants: list[str]  # names


class WaitingChange(_Record):
    change_request_id: str
    subject_type: SubjectType
    subject_id: str
    subject_title: str | None
    requested_by_name: str
    reason: str
    impact: str
    approver_role: str
    created_at: datetime
    age_days: int


class RuleCount(_Record):
    rule_id: str
    fired: int  # flags this week
    subjects: int  # distinct subjects flagged
    severity: Severity  # the worst it fired with
    monitor_only: bool  # every flag was in monitor mode (nobody was notified)


class OpenProblem(_Record):
    problem_id: str
    subject_type: SubjectType
    subject_id: str
    subject_title: str | None
    raised_by_name: str
    text: str
    status: ProblemStatus
    assignee_name: str | None
    age_days: int


class AmbassadorDigest(_Record):
    org_name: str
    cycle_id: str
    cycle_name: str
    week: int
    weeks: int
    as_of: datetime
    since: datetime
    as_of_day: date
    since_day: date
    key_results: int  # key results expected to check in
    missing_owners: int
    missing_krs: int
    missing: list[MissingTeam]
    consultations: list[OpenConsultation]
    change_requests: list[WaitingChange]
    rules: list[RuleCount]
    rules_omitted: int
    problems: list[OpenProblem]
