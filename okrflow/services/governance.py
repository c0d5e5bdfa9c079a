"""Change requests and consultations (会商) opened by people.

Seams for issue 5: the change-request approval workflow and the consultation workflow start
after the request's commit, from the routes (``api/routes/change_requests.py``,
``api/routes/consultations.py``); until they exist, the records and notifications below are the
whole story.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.errors import InvalidState, Problem, ValidationFailed
from okrflow.domain.model import (
    AuditEntry,
    ChangeRequest,
    Consultation,
    KeyResult,
    LocalText,
    Objective,
    ObjectiveStatus,
    Person,
    Role,
    SubjectType,
    TaskStatus,
    parse_model,
    validation_problems,
)
from okrflow.services.comments import SUBJECT_NAMES
from okrflow.services.drafting import owner_of, referenced
from okrflow.services.notify import excerpt, notify
from okrflow.store import (
    AuditStore,
    ChangeRequestStore,
    ConsultationStore,
    KeyResultStore,
    ObjectiveStore,
    PeopleStore,
    TaskStore,
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
DEFAULT_MEETING_DELAY = timedelta(days=3)


def _subject(
    session: Session, org_id: str, subject_type: SubjectType, subject_id: str
) -> tuple[Objective, KeyResult | None]:
    if subject_type is SubjectType.KEY_RESULT:
        kr = referenced("subject_id", lambda: KeyResultStore(session).get(org_id, subject_id))
        return ObjectiveStore(session).get(org_id, kr.objective_id), kr
    return referenced("subject_id", lambda: ObjectiveStore(session).get(org_id, subject_id)), None


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


def create_change_request(
    session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime
) -> ChangeRequest:
    """Ask to change an approved objective or key result, with a reason; the approver is told."""
    org_id = actor.org_id
    subject_type = SubjectType(data["subject_type"])
    objective, kr = _subject(session, org_id, subject_type, data["subject_id"])
    subject: Objective | KeyResult = kr if kr is not None else objective
    objective_owner = owner_of(session, objective)
    owners = [p for p in (objective_owner,) if p is not None]
    owner_ids = {objective.owner_id, kr.owner_id if kr is not None else None}
    if kr is not None and kr.owner_id and kr.owner_id != objective.owner_id:
        owners.append(PeopleStore(session).get(org_id, kr.owner_id))
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
    request = ChangeRequestStore(session).add(
        parse_model(
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
            },
        )
    )
    AuditStore(session).add(
        AuditEntry(
            id=new_id(),
            org_id=org_id,
            at=at,
            actor_id=actor.id,
            subject_type=SubjectType.CHANGE_REQUEST,
            subject_id=request.id,
            action="create",
            changes={k: [getattr(subject, k, None), v] for k, v in changes.items()},
            reason=request.reason,
        )
    )
    approver = objective_owner.manager_id if objective_owner is not None else None
    kind = SUBJECT_NAMES[subject_type]
    notify(
        session,
        org_id,
        [p for p in (approver,) if p and p != actor.id],
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


def open_consultation(
    session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime
) -> Consultation:
    """Anyone convenes a consultation about a key result (or objective), with a reason.

    The KR owner, the owners of its open tasks, the objective owner's manager, the org's OKR
    ambassadors, the convener and anyone named in ``participants`` are invited and told.
    """
    org_id = actor.org_id
    subject_type = SubjectType(data.get("subject_type") or SubjectType.KEY_RESULT)
    objective, kr = _subject(session, org_id, subject_type, data["subject_id"])
    subject: Objective | KeyResult = kr if kr is not None else objective
    meet_by = data.get("meet_by") or at + DEFAULT_MEETING_DELAY
    if meet_by <= at:
        raise ValidationFailed([Problem(("meet_by",), f"must be in the future (now is {at.isoformat()})")])
    people = PeopleStore(session)
    extra = list(data.get("participants") or [])
    known = people.get_many(org_id, extra)
    missing = [
        Problem(("participants", i), f"no person {p!r} in this org")
        for i, p in enumerate(extra)
        if p not in known
    ]
    if missing:
        raise ValidationFailed(missing)
    invited: list[str] = [actor.id]
    krs = [kr] if kr is not None else KeyResultStore(session).list_for_objective(org_id, objective.id)
    invited += [k.owner_id for k in krs if k.owner_id]
    tasks = TaskStore(session)
    for k in krs:
        invited += [
            t.owner_id
            for t in tasks.list_for_kr(org_id, k.id)
            if t.status not in (TaskStatus.DONE, TaskStatus.CUT)
        ]
    owner = owner_of(session, objective)
    invited += [objective.owner_id] + ([owner.manager_id] if owner is not None and owner.manager_id else [])
    invited += [p.id for p in people.list(org_id, active=True) if p.role is Role.AMBASSADOR]
    invited += extra
    participants = list(dict.fromkeys(invited))
    consultation = ConsultationStore(session).add(
        parse_model(
            Consultation,
            {
                "id": new_id(),
                "org_id": org_id,
                "cycle_id": objective.cycle_id,
                "subject_type": subject_type,
                "subject_id": subject.id,
                "reason": data["reason"],
                "opened_by": actor.id,
                "participants": participants,
                "meet_by": meet_by,
                "created_at": at,
            },
        )
    )
    kind = SUBJECT_NAMES[subject_type]
    when = meet_by.date().isoformat()
    notify(
        session,
        org_id,
        [p for p in participants if p != actor.id],
        kind="consultation_opened",
        dedupe_key=f"consultation_opened:{consultation.id}",
        title=LocalText(
            en=f"Consultation on {kind.en} “{subject.title}”: meet by {when}",
            zh=f"关于{kind.zh}“{subject.title}”的会商：请在 {when} 前开会",
        ),
        body=LocalText(
            en=f"{actor.name} convened it: {excerpt(consultation.reason)}",
            zh=f"{actor.name} 发起了会商：{excerpt(consultation.reason)}",
        ),
        at=at,
        payload={
            "consultation_id": consultation.id,
            "subject_type": subject_type.value,
            "subject_id": subject.id,
        },
    )
    return consultation
