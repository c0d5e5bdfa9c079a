"""Change control: an approved objective (and its key results) changes only through a change request.

A request states its reason (and, outside the mid-term window, its impact), is approved by the owner's
manager (by role; the org's admins when there is none) and is applied through the audited store path.
Inside the mid-term window it is a *revision* (``okrflow.services.midterm`` publishes the window's log).

What happens when: ``request_change`` records a request and tells its approvers (the API then starts
its ``ChangeRequestWorkflow``); the workflow's ``decide`` update runs ``decide_change``
(``okrflow.services.change_decisions``); while it waits the workflow runs ``remind_approvers``, and
when the cycle ends ``expire_change``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.errors import InvalidState, Problem, ValidationFailed
from okrflow.domain.model import (
    AuditEntry,
    ChangeRequest,
    ChangeRequestStatus,
    KeyResult,
    LocalText,
    Objective,
    ObjectiveStatus,
    Person,
    Phase,
    Role,
    SubjectType,
    parse_model,
    validation_problems,
)
from okrflow.services.comments import SUBJECT_NAMES
from okrflow.services.drafting import owner_of, referenced, subject_of
from okrflow.services.notify import excerpt, notify
from okrflow.store import (
    AuditStore,
    ChangeRequestStore,
    CycleStore,
    PeopleStore,
    new_id,
)

CHANGEABLE: dict[SubjectType, frozenset[str]] = {
    SubjectType.OBJECTIVE: frozenset(
        {"title", "description", "owner_id", "team_id", "aligned_to", "kind", "weight"}
    ),
    SubjectType.KEY_RESULT: frozenset(
        {"title", "owner_id", "kind", "direction", "start", "target", "floor", "unit", "weight", "due"}
    ),
}
CLOSED_PHASES = (Phase.CLOSEOUT, Phase.ARCHIVED)


# ---------------------------------------------------------------- who approves


def objective_of(session: Session, org_id: str, subject_type: SubjectType, subject_id: str) -> Objective:
    return subject_of(session, org_id, subject_type, subject_id)[0]


def approvers_for(session: Session, objective: Objective) -> list[Person]:
    """Who approves a change to ``objective`` (or its key results): the owner's manager, by role;
    without an active one, the org's admins (never the owner alone when someone else can)."""
    people = PeopleStore(session)
    owner = owner_of(session, objective)
    if owner is not None and owner.manager_id:
        manager = people.get(objective.org_id, owner.manager_id)
        if manager.active:
            return [manager]
    admins = [
        p
        for p in people.list(objective.org_id)
        if p.role is Role.ADMIN and p.active and p.id != objective.owner_id
    ]
    return admins or ([owner] if owner is not None else [])


# ---------------------------------------------------------------- requesting


def request_change(
    session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime
) -> ChangeRequest:
    """Ask to change an approved objective or key result, with a reason; the approver is told.

    In the mid-term window the request is a revision; outside it the impact must be stated. After
    the cycle ends nothing changes any more.

    Raises:
        ValidationFailed: an unknown subject, a bad field or value, or no impact outside the window.
        PermissionDenied: the actor may not ask (not an owner, their manager or an admin).
        InvalidState: the objective is not approved, or the cycle is in close-out or archived.
    """
    org_id = actor.org_id
    subject_type = SubjectType(data["subject_type"])
    objective, kr = referenced(
        "subject_id", lambda: subject_of(session, org_id, subject_type, data["subject_id"])
    )
    subject: Objective | KeyResult = kr if kr is not None else objective
    objective_owner = owner_of(session, objective)
    owners = [p for p in (objective_owner,) if p is not None]
    if kr is not None and kr.owner_id and kr.owner_id != objective.owner_id:
        owners.append(PeopleStore(session).get(org_id, kr.owner_id))
    owner_ids = {objective.owner_id, kr.owner_id if kr is not None else None}
    access.require_change_request(actor, subject_type, owner_ids, owners)
    if objective.status is not ObjectiveStatus.APPROVED:
        raise InvalidState(
            f"objective {objective.id!r} is {objective.status.value}: "
            + (
                "closed objectives do not change"
                if objective.status is ObjectiveStatus.CLOSED
                else "drafts are edited directly; change requests are for approved objectives"
            )
        )
    changes = dict(data["changes"])
    _check_changes(subject, subject_type, changes)
    cycle = CycleStore(session).get(org_id, objective.cycle_id)
    request = parse_model(
        ChangeRequest,
        {
            "id": new_id(),
            "org_id": org_id,
            "cycle_id": objective.cycle_id,
            "subject_type": subject_type,
            "subject_id": subject.id,
            "requested_by": actor.id,
            "reason": data["reason"],
            "impact": data.get("impact") or "",
            "changes": changes,
            "approver_role": Role.MANAGER,
            "created_at": at,
            "midterm": cycle.phase is Phase.MIDTERM,
        },
    )
    if cycle.phase in CLOSED_PHASES:
        raise InvalidState(
            f"cycle {cycle.name!r} is {cycle.phase.value}: OKRs no longer change; "
            "record what you learned in the objective's retrospective"
        )
    if not request.midterm and not request.impact.strip():
        raise ValidationFailed(
            [
                Problem(
                    ("impact",),
                    "outside the mid-term window a change request must state its impact: what it changes "
                    "for others (teams, aligned objectives, dates)",
                )
            ]
        )
    request = ChangeRequestStore(session).add(request)
    audit_request(
        session,
        request,
        "create",
        actor=actor.id,
        changes={k: [getattr(subject, k, None), v] for k, v in changes.items()},
        reason=request.reason,
        at=at,
    )
    kind = SUBJECT_NAMES[subject_type]
    notify(
        session,
        org_id,
        [p.id for p in approvers_for(session, objective) if p.id != actor.id],
        kind="change_requested",
        dedupe_key=f"change_requested:{request.id}",
        title=LocalText(
            en=f"{actor.name} asks to change {kind.en} “{subject.title}”",
            zh=f"{actor.name} 申请变更{kind.zh}“{subject.title}”",
        ),
        body=LocalText(en=f"Reason: {excerpt(request.reason)}", zh=f"原因：{excerpt(request.reason)}"),
        at=at,
        payload={
            "change_request_id": request.id,
            "subject_type": subject_type.value,
            "subject_id": subject.id,
        },
    )
    return request


def _check_changes(subject: BaseModel, subject_type: SubjectType, changes: Mapping[str, Any]) -> None:
    allowed = CHANGEABLE[subject_type]
    problems = [
        Problem(("changes", name), f"is not something a change request changes; use one of {sorted(allowed)}")
        for name in changes
        if name not in allowed
    ]
    if problems:
        raise ValidationFailed(problems)
    try:
        type(subject).model_validate({**subject.model_dump(), **changes})
    except ValidationError as exc:  # name the proposed field that is wrong
        raise ValidationFailed(validation_problems(exc, prefix=("changes",))) from None


def audit_request(
    session: Session,
    request: ChangeRequest,
    action: str,
    *,
    actor: str,
    changes: Mapping[str, list[Any]],
    reason: str | None,
    at: datetime,
) -> None:
    """An audit row about the request itself (created, approved or rejected, applied)."""
    AuditStore(session).add(
        AuditEntry(
            id=new_id(),
            org_id=request.org_id,
            at=at,
            actor_id=actor,
            subject_type=SubjectType.CHANGE_REQUEST,
            subject_id=request.id,
            action=action,
            changes=dict(changes),
            reason=reason,
        )
    )


# ---------------------------------------------------------------- waiting


def remind_approvers(session: Session, org_id: str, request_id: str, *, reminder: int, at: datetime) -> int:
    """A pending request waits for its approver: remind them (once per reminder number)."""
    request = ChangeRequestStore(session).get(org_id, request_id)
    if request.status is not ChangeRequestStatus.PENDING:
        return 0
    objective = objective_of(session, org_id, request.subject_type, request.subject_id)
    approvers = approvers_for(session, objective)
    days = max(0, (at - request.created_at).days)
    return notify(
        session,
        org_id,
        [p.id for p in approvers],
        kind="change_waiting",
        dedupe_key=f"change_waiting:{request.id}:{reminder}",
        title=LocalText(
            en=f"A change request has waited {days} day(s) for your decision",
            zh=f"有一项变更申请已等待你审批 {days} 天",
        ),
        body=LocalText(en=f"Reason: {excerpt(request.reason)}", zh=f"原因：{excerpt(request.reason)}"),
        at=at,
        payload={"change_request_id": request.id},
    )


def expire_change(session: Session, org_id: str, request_id: str, *, at: datetime) -> ChangeRequest:
    """The cycle ended with the request still pending: withdraw it, saying so, and tell the requester."""
    requests = ChangeRequestStore(session)
    request = requests.get(org_id, request_id)
    if request.status is not ChangeRequestStatus.PENDING:
        return request
    note = "the cycle ended before a decision / 周期结束前未作出决定"
    request = requests.decide(
        org_id,
        request_id,
        status=ChangeRequestStatus.WITHDRAWN,
        decided_by=request.requested_by,
        note=note,
        at=at,
    )
    notify(
        session,
        org_id,
        [request.requested_by],
        kind="change_expired",
        dedupe_key=f"change_expired:{request.id}",
        title=LocalText(en="Your change request lapsed", zh="你的变更申请已失效"),
        body=LocalText(en="The cycle ended before it was decided.", zh="周期结束前未对该申请作出决定。"),
        at=at,
        payload={"change_request_id": request.id},
    )
    return request
