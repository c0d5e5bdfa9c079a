"""Who may read and change what: okrflow's authorisation policy, pure (records in, a decision out).

The policy, as the API and the CLI apply it (every check is also scoped to the caller's org: a
record of another org is never found, so it is never decided on here):

- Everyone in an org reads its people, teams, cycles, objectives, key results, tasks, check-ins,
  comments and change requests: OKRs are public inside the org.
- Members edit their own objectives, key results and tasks. The key-result owner is the KR's
  project manager: they accept or decline proposed tasks and change any task under the KR.
  Anyone may propose a task they will own themselves.
- Managers act on their direct reports' drafts (edit, approve, return) and read the review
  output (flags, escalations, sheets, the cycle status).
- The ambassador reads everything in the org (flags, escalations, consultations, audit, sheets).
- Admins configure: people, teams, cycles (start, pause, resume), tokens for others; they may
  also act on any objective, key result or task. Everyone changes their own language, time zone
  and email.

Each ``require_*`` function raises ``PermissionDenied`` with a message that says what was refused
and who may do it; each ``can_*`` function answers the same question as a bool.
"""

from __future__ import annotations

from collections.abc import Collection

from okrflow.domain.errors import PermissionDenied
from okrflow.domain.model import (
    Consultation,
    KeyResult,
    Objective,
    Person,
    Role,
    SubjectType,
    Task,
)

__all__ = [
    "PRIVILEGED_READERS",
    "REVIEW_READERS",
    "SELF_SERVICE_FIELDS",
    "TASK_OWNER_FIELDS",
    "can_edit_key_result",
    "can_edit_objective",
    "can_manage_tasks",
    "can_read_consultation",
    "can_read_review",
    "can_read_sheet",
    "is_admin",
    "manages",
    "require",
    "require_admin",
    "require_audit_reader",
    "require_change_request",
    "require_check_in",
    "require_decide_draft",
    "require_edit_key_result",
    "require_edit_objective",
    "require_edit_person",
    "require_edit_task",
    "require_manage_tasks",
    "require_propose_task",
    "require_read_consultation",
    "require_read_review",
    "require_read_sheet",
    "require_revoke_token",
    "require_submit_draft",
]

# Who reads org-wide what the weekly review produces (flags, escalations, every sheet, cycle status).
REVIEW_READERS = frozenset({Role.ADMIN, Role.AMBASSADOR, Role.MANAGER})
# Who reads everything in the org, the audit log and every consultation included.
PRIVILEGED_READERS = frozenset({Role.ADMIN, Role.AMBASSADOR})
# What a person may change on their own record; everything else about people is for admins.
SELF_SERVICE_FIELDS = frozenset({"language", "timezone", "email"})
# What a task's owner may change on their own task; the KR owner may change everything.
TASK_OWNER_FIELDS = frozenset(
    {"title", "due", "milestone", "depends_on", "estimate_hours", "status", "collaborators", "trade_off_note"}
)


def require(allowed: bool, message: str) -> None:
    """Raise ``PermissionDenied(message)`` unless ``allowed``."""
    if not allowed:
        raise PermissionDenied(message)


def is_admin(actor: Person) -> bool:
    return actor.role is Role.ADMIN


def manages(actor: Person, person: Person | None) -> bool:
    """Whether ``actor`` is ``person``'s direct manager."""
    return person is not None and person.manager_id is not None and person.manager_id == actor.id


def require_admin(actor: Person, action: str) -> None:
    require(is_admin(actor), f"{action} is for admins; you are {actor.role.value}")


def require_edit_person(actor: Person, person: Person, fields: Collection[str]) -> None:
    """Admins change people; everyone changes their own language, time zone and email."""
    if person.id == actor.id and set(fields) <= SELF_SERVICE_FIELDS:
        return
    require_admin(actor, "changing people (other than your own language, time zone, email)")


# ---------------------------------------------------------------- objectives and key results


def can_edit_objective(actor: Person, objective: Objective, owner: Person | None) -> bool:
    """The owner, the owner's manager, or an admin."""
    return objective.owner_id == actor.id or manages(actor, owner) or is_admin(actor)


def require_edit_objective(actor: Person, objective: Objective, owner: Person | None) -> None:
    require(
        can_edit_objective(actor, objective, owner),
        f"objective {objective.id!r} can be changed by its owner, the owner's manager or an admin",
    )


def require_submit_draft(actor: Person, objective: Objective, owner: Person | None) -> None:
    require(
        objective.owner_id == actor.id or manages(actor, owner) or is_admin(actor),
        f"objective {objective.id!r} is submitted by its owner (or the owner's manager, or an admin)",
    )


def require_decide_draft(actor: Person, objective: Objective, owner: Person | None) -> None:
    """Only the owner's manager (or an admin) approves or returns a draft; never its owner alone."""
    require(
        manages(actor, owner) or is_admin(actor),
        f"objective {objective.id!r} is approved or returned by the owner's manager or an admin",
    )


def can_edit_key_result(
    actor: Person, kr: KeyResult, objective: Objective, objective_owner: Person | None
) -> bool:
    """The KR owner, or whoever may edit its objective."""
    return kr.owner_id == actor.id or can_edit_objective(actor, objective, objective_owner)


def require_edit_key_result(
    actor: Person, kr: KeyResult, objective: Objective, objective_owner: Person | None
) -> None:
    require(
        can_edit_key_result(actor, kr, objective, objective_owner),
        f"key result {kr.id!r} can be changed by its owner, its objective's owner, "
        "the objective owner's manager or an admin",
    )


def require_check_in(actor: Person, kr: KeyResult, objective: Objective) -> None:
    require(
        actor.id in (kr.owner_id, objective.owner_id) or is_admin(actor),
        f"check-ins on key result {kr.id!r} are made by its owner or its objective's owner",
    )


# ---------------------------------------------------------------- tasks


def can_manage_tasks(actor: Person, kr: KeyResult, objective: Objective) -> bool:
    """The KR's project manager: its owner (the objective owner when the KR has none), or an admin."""
    manager_id = kr.owner_id or objective.owner_id
    return actor.id == manager_id or is_admin(actor)


def require_manage_tasks(actor: Person, kr: KeyResult, objective: Objective, action: str) -> None:
    require(
        can_manage_tasks(actor, kr, objective),
        f"{action}: only the owner of key result {kr.id!r} (its project manager) or an admin may",
    )


def require_propose_task(actor: Person, owner_id: str, kr: KeyResult, objective: Objective) -> None:
    """Anyone proposes a task they will own; tasks for someone else come from the KR owner."""
    require(
        owner_id == actor.id or can_manage_tasks(actor, kr, objective),
        "you may propose tasks you will own yourself; "
        f"tasks for others are added by the owner of key result {kr.id!r}",
    )


def require_edit_task(
    actor: Person, task: Task, kr: KeyResult, objective: Objective, fields: Collection[str]
) -> None:
    """The KR owner changes anything; the task owner changes their task but not who owns it or where."""
    if can_manage_tasks(actor, kr, objective):
        return
    require(task.owner_id == actor.id, f"task {task.id!r} is changed by its owner or the key result's owner")
    beyond = sorted(set(fields) - TASK_OWNER_FIELDS)
    require(not beyond, f"only the key result's owner may change {', '.join(beyond)} of task {task.id!r}")


# ---------------------------------------------------------------- change requests


def require_change_request(
    actor: Person, subject_type: SubjectType, owner_ids: Collection[str | None], owners: Collection[Person]
) -> None:
    """The subject's owners (objective owner, KR owner), their managers, or an admin request a change."""
    allowed = actor.id in owner_ids or any(manages(actor, p) for p in owners) or is_admin(actor)
    require(
        allowed,
        f"a change to this {subject_type.value} is requested by its owner, the owner's manager or an admin",
    )


# ---------------------------------------------------------------- reading review output


def can_read_review(actor: Person) -> bool:
    return actor.role in REVIEW_READERS


def require_read_review(actor: Person, what: str) -> None:
    require(
        can_read_review(actor),
        f"{what} are read by managers, the OKR ambassador and admins; you are {actor.role.value}",
    )


def can_read_consultation(actor: Person, consultation: Consultation) -> bool:
    return actor.id in consultation.participants or actor.role in REVIEW_READERS


def require_read_consultation(actor: Person, consultation: Consultation) -> None:
    require(
        can_read_consultation(actor, consultation),
        f"consultation {consultation.id!r} is read by its participants, managers, "
        "the OKR ambassador and admins",
    )


def can_read_sheet(
    actor: Person, scope: str, *, team_ids: Collection[str], lead_of: Collection[str], publish_to_all: bool
) -> bool:
    """Who reads a weekly sheet.

    Args:
        actor: the reader.
        scope: "org" or the team id of a team sheet.
        team_ids: the team sheets the actor attends (their team and the teams above it).
        lead_of: the teams the actor leads.
        publish_to_all: the cycle publishes its sheets to everyone.
    """
    if publish_to_all or actor.role in REVIEW_READERS:
        return True
    return scope != "org" and (scope in team_ids or scope in lead_of)


def require_read_sheet(
    actor: Person, scope: str, *, team_ids: Collection[str], lead_of: Collection[str], publish_to_all: bool
) -> None:
    which = "the org-wide sheet" if scope == "org" else f"team {scope!r}'s sheet"
    require(
        can_read_sheet(actor, scope, team_ids=team_ids, lead_of=lead_of, publish_to_all=publish_to_all),
        f"{which} is read by its attendees, managers, the OKR ambassador and admins",
    )


# ---------------------------------------------------------------- audit log and tokens


def require_audit_reader(
    actor: Person,
    *,
    subject_id: str | None,
    actor_id: str | None,
    actor_person: Person | None,
) -> None:
    """The audit log org-wide is for admins and the ambassador.

    Everyone reads the history of one subject (OKRs are public in the org) and their own actions;
    managers also read their direct reports' actions.
    """
    if actor.role in PRIVILEGED_READERS or subject_id is not None:
        return
    if actor_id is not None and (actor_id == actor.id or manages(actor, actor_person)):
        return
    require(
        False,
        "the whole audit log is read by admins and the OKR ambassador; "
        "filter by subject_id, or by actor_id for your own (or your reports') actions",
    )


def require_revoke_token(actor: Person, token_person_id: str) -> None:
    require(
        token_person_id == actor.id or is_admin(actor),
        "you can revoke only your own tokens (admins revoke anyone's)",
    )
