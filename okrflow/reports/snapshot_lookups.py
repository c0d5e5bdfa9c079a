"""What every report looks up in a cycle snapshot the same way.

Which objectives are part of the quarter (drafts and returned drafts are not yet), which
team's report shows an objective (its team, else its owner's team: a personal objective
counts for its owner's team), who answers for a key result (its owner, else its objective's
owner), and how people and subjects are named.
"""

from __future__ import annotations

from typing import Any

from okrflow.domain.model import KeyResult, Objective, ObjectiveStatus, SubjectType, TaskStatus
from okrflow.domain.snapshot import CycleSnapshot

__all__ = [
    "OPEN_TASK",
    "handle_or_id",
    "in_quarter",
    "kr_owner_id",
    "name_or_id",
    "objective_team_id",
    "person_name",
    "quarter_objectives",
    "subject_title",
]

OPEN_TASK = (TaskStatus.TODO, TaskStatus.DOING, TaskStatus.BLOCKED)
_OUT_OF_QUARTER = (ObjectiveStatus.DRAFT, ObjectiveStatus.RETURNED)


def in_quarter(objective: Objective) -> bool:
    """Whether the objective is part of the quarter: not a draft, nor a draft returned to its owner."""
    return objective.status not in _OUT_OF_QUARTER


def quarter_objectives(snapshot: CycleSnapshot) -> list[Objective]:
    """The cycle's objectives that are part of the quarter, by id."""
    found = (o for o in snapshot.objectives.values() if o.cycle_id == snapshot.cycle.id and in_quarter(o))
    return sorted(found, key=lambda o: o.id)


def objective_team_id(snapshot: CycleSnapshot, objective: Objective) -> str | None:
    """The team whose reports show ``objective``: its team, else its owner's team."""
    if objective.team_id is not None:
        return objective.team_id
    owner = snapshot.people.get(objective.owner_id)
    return owner.team_id if owner is not None else None


def kr_owner_id(snapshot: CycleSnapshot, kr: KeyResult) -> str:
    """Who answers for a key result: its owner, else its objective's owner."""
    return kr.owner_id or snapshot.objectives[kr.objective_id].owner_id


def person_name(snapshot: CycleSnapshot, person_id: str | None) -> str | None:
    """The person's name; None for nobody, or for someone not in the snapshot."""
    if person_id is None:
        return None
    person = snapshot.people.get(person_id)
    return person.name if person is not None else None


def name_or_id(snapshot: CycleSnapshot, person_id: str | None) -> str:
    """The person's name, else their id (someone not in the snapshot); "" for nobody."""
    if person_id is None:
        return ""
    return person_name(snapshot, person_id) or person_id


def handle_or_id(snapshot: CycleSnapshot, person_id: str) -> str:
    """The person's handle, else their id (someone not in the snapshot)."""
    person = snapshot.people.get(person_id)
    return person.handle if person is not None else person_id


def subject_title(snapshot: CycleSnapshot, subject_type: SubjectType, subject_id: str) -> str | None:
    """What a subject is called: an objective's, key result's or task's title, a person's or team's
    name; None for other subjects and for records not in the snapshot."""
    tables: dict[SubjectType, dict[str, Any]] = {
        SubjectType.OBJECTIVE: snapshot.objectives,
        SubjectType.KEY_RESULT: snapshot.key_results,
        SubjectType.TASK: snapshot.tasks,
        SubjectType.PERSON: snapshot.people,
        SubjectType.TEAM: snapshot.teams,
    }
    record = tables.get(subject_type, {}).get(subject_id)
    if record is None:
        return None
    return record.name if subject_type in (SubjectType.PERSON, SubjectType.TEAM) else record.title
