"""The close-out report's records: ``CycleReport`` and its parts.

Built by ``okrflow.reports.cycle_report.close_out`` (the roll-ups by ``cycle_report_rollups``);
everything here is plain, frozen data that round-trips through JSON
(``CycleReport.model_validate_json``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from okrflow.domain.model import (
    ChangeRequestStatus,
    ConsultationStatus,
    HealthLevel,
    KRKind,
    Language,
    LocalText,
    ObjectiveKind,
    ObjectiveStatus,
    Severity,
    SubjectType,
)

__all__ = [
    "ChangeItem",
    "ColourCounts",
    "ConsultationItem",
    "CycleReport",
    "FreeText",
    "KRFlagCount",
    "KRScore",
    "ObjectiveScore",
    "PersonReport",
    "Retrospective",
    "RevisionItem",
    "Rollup",
    "RuleTally",
    "TaskCounts",
    "TeamReport",
    "free_text",
]

# Text a person wrote: as written (any language), or the same text in both languages.
FreeText = str | LocalText


def free_text(value: FreeText, lang: Language | str) -> str:
    """The text to show in ``lang``: a plain string as written, a LocalText in that language."""
    return value.get(lang) if isinstance(value, LocalText) else value


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retrospective(_Record):
    """An objective's retrospective, written by its owner (or team) at close-out."""

    objective_id: Annotated[str, Field(min_length=1, max_length=64)]
    author_id: Annotated[str, Field(min_length=1, max_length=64)]
    what_worked: FreeText = ""
    what_did_not: FreeText = ""
    carry_over: FreeText = ""  # notes for the next cycle
    language: Language | None = None  # the language it was written in, when known


class TaskCounts(_Record):
    total: int = 0  # accepted tasks, cut ones included
    done: int = 0
    cut: int = 0
    open: int = 0  # todo, doing or blocked


class ColourCounts(_Record):
    green: int = 0
    yellow: int = 0
    red: int = 0


class KRFlagCount(_Record):
    rule_id: str
    severity: Severity  # the most severe it fired with
    weeks: int  # distinct review weeks it fired in


class KRScore(_Record):
    kr_id: str
    objective_id: str
    team_id: str | None
    title: str
    owner_id: str  # the KR's owner, else its objective's owner
    owner_name: str
    kind: KRKind
    objective_kind: ObjectiveKind
    unit: str
    start: float | None
    target: float | None
    value: float | None  # the value the score was read from; None for task-scored milestones
    weight: float
    score: float  # exactly scoring.score_key_result
    colour: HealthLevel
    label: LocalText
    tasks: TaskCounts
    check_ins: int  # check-ins made up to the close-out
    check_in_weeks: int  # review weeks with a check-in
    check_in_weeks_expected: int
    flags: list[KRFlagCount]  # active flags ever raised about it, by rule
    consultations: int


class ObjectiveScore(_Record):
    objective_id: str
    title: str
    owner_id: str
    owner_name: str
    team_id: str | None
    team_name: str | None
    kind: ObjectiveKind
    status: ObjectiveStatus
    weight: float
    score: float  # exactly scoring.score_objective
    colour: HealthLevel
    label: LocalText
    kr_ids: list[str]
    retrospective: Retrospective | None = None


class Rollup(_Record):
    """Scores and counts over a set of objectives, key results and tasks."""

    objectives: int
    key_results: int
    score: float | None  # objective scores weighted by objective weight; None without objectives
    committed_score: float | None
    aspirational_score: float | None
    kr_score: float | None  # key-result scores weighted by KR weight
    objective_colours: ColourCounts
    kr_colours: ColourCounts
    check_in_weeks: int
    check_in_weeks_expected: int
    compliance: float | None  # check_in_weeks / expected; None when nothing was expected yet
    tasks: TaskCounts
    krs_flagged: int


class TeamReport(_Record):
    team_id: str | None  # None: objectives of people without a team
    team_name: str | None
    objective_ids: list[str]
    member_ids: list[str]
    rollup: Rollup


class PersonReport(_Record):
    """A person's quarter: objectives they own, key results they own, tasks they own."""

    person_id: str
    name: str
    handle: str
    team_id: str | None
    team_name: str | None
    language: Language
    objective_ids: list[str]
    kr_ids: list[str]
    rollup: Rollup


class RuleTally(_Record):
    rule_id: str
    severity: Severity  # the most severe it fired with
    key_results: int  # how many key results it ever flagged


class ConsultationItem(_Record):
    consultation_id: str
    subject_type: SubjectType
    subject_id: str
    objective_id: str | None
    reason: str
    status: ConsultationStatus
    level: int


class ChangeItem(_Record):
    change_request_id: str
    subject_type: SubjectType
    subject_id: str
    subject_title: str | None
    objective_id: str | None
    requested_by: str
    requested_by_name: str
    reason: str
    impact: str
    changes: dict[str, Any]
    status: ChangeRequestStatus
    created_on: date
    decided_by_name: str | None
    decision_note: str | None


class RevisionItem(_Record):
    audit_id: str
    subject_type: SubjectType
    subject_id: str
    subject_title: str | None
    objective_id: str | None
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    changes: dict[str, list[Any]]  # field -> [before, after]
    reason: str | None


class CycleReport(_Record):
    """The close-out report; ``CycleReport.model_validate_json`` reads its JSON back."""

    org_id: str
    org_name: str
    cycle_id: str
    cycle_name: str
    start: date
    end: date
    as_of: date
    weeks: int
    compliance_weeks: list[int]  # the review weeks check-in compliance counts
    objectives: list[ObjectiveScore]
    key_results: list[KRScore]
    teams: list[TeamReport]
    people: list[PersonReport]
    org: Rollup
    rules: list[RuleTally]
    consultations: list[ConsultationItem]
    change_requests: list[ChangeItem]
    revisions: list[RevisionItem]
