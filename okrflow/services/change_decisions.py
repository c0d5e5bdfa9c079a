"""Deciding a change request: the approver approves (the change is applied through the audited store
path, the old value kept beside the new one with the reason, and published to everyone) or rejects it
with a note (the requester is told why).

The API checks a decision with ``check_decision`` before it sends it to the request's
``ChangeRequestWorkflow``, whose ``decide`` update runs ``decide_change``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from okrflow.domain.errors import InvalidState, PermissionDenied, Problem, ValidationFailed
from okrflow.domain.model import (
    ChangeRequest,
    ChangeRequestStatus,
    KeyResult,
    LocalText,
    Objective,
    ObjectiveStatus,
    Person,
    SubjectType,
)
from okrflow.services.change_control import approvers_for, audit_request, objective_of
from okrflow.services.comments import SUBJECT_NAMES
from okrflow.services.notify import excerpt, notify
from okrflow.services.rollups import refresh_after_check_in, refresh_objective
from okrflow.store import ChangeRequestStore, KeyResultStore, ObjectiveStore, PeopleStore


def check_decision(
    session: Session, actor: Person, request: ChangeRequest, *, approve: bool, note: str
) -> None:
    """Refuse a decision ``actor`` may not make now (before it is sent to the request's workflow).

    Raises:
        InvalidState: the request is no longer pending.
        PermissionDenied: the actor is not its approver (the refusal names who is).
        ValidationFailed: a rejection without a note.
    """
    if request.status is not ChangeRequestStatus.PENDING:
        raise InvalidState(f"change request {request.id!r} is {request.status.value}: it was already decided")
    approvers = approvers_for(
        session, objective_of(session, actor.org_id, request.subject_type, request.subject_id)
    )
    if actor.id not in {p.id for p in approvers}:
        names = ", ".join(p.name for p in approvers) or "nobody (no manager or admin set)"
        raise PermissionDenied(f"change request {request.id!r} is approved or rejected by {names}")
    _require_note(approve, note)


def _require_note(approve: bool, note: str) -> None:
    if not approve and not note.strip():
        raise ValidationFailed([Problem(("note",), "a rejection says why")])


# ---------------------------------------------------------------- deciding and applying


def decide_change(
    session: Session,
    org_id: str,
    request_id: str,
    *,
    decided_by: str,
    approve: bool,
    note: str,
    at: datetime,
) -> tuple[ChangeRequest, int]:
    """Approve (apply, publish to all) or reject (tell the requester) a pending request.

    Returns:
        The request as it ends up (applied or rejected) and how many people were told.

    Raises:
        InvalidState: it was decided already, or the subject's cycle is archived.
        ValidationFailed: a rejection without a note, or the change no longer fits the record.
    """
    requests = ChangeRequestStore(session)
    request = requests.get(org_id, request_id)
    _require_note(approve, note)
    status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    request = requests.decide(
        org_id, request_id, status=status, decided_by=decided_by, note=note or None, at=at
    )
    audit_request(
        session,
        request,
        "approve" if approve else "reject",
        actor=decided_by,
        changes={"status": [ChangeRequestStatus.PENDING.value, status.value]},
        reason=note or None,
        at=at,
    )
    if not approve:
        return request, _tell_requester(session, request, decided_by, at)
    diff, subject = _apply(session, request, decided_by, at)
    audit_request(session, request, "applied", actor=decided_by, changes=diff, reason=request.reason, at=at)
    request = requests.mark_applied(org_id, request.id)
    return request, _publish(session, request, subject.title, diff, decided_by, at)


def _apply(
    session: Session, request: ChangeRequest, decided_by: str, at: datetime
) -> tuple[dict[str, list[Any]], Objective | KeyResult]:
    """Apply the change through the audited store (its audit row keeps old and new, with the reason)."""
    org_id = request.org_id
    action = "midterm_revision" if request.midterm else "apply_change"
    store: ObjectiveStore | KeyResultStore = (
        KeyResultStore(session) if request.subject_type is SubjectType.KEY_RESULT else ObjectiveStore(session)
    )
    before = store.get(org_id, request.subject_id)
    if request.subject_type is SubjectType.OBJECTIVE and before.status is not ObjectiveStatus.APPROVED:
        raise InvalidState(f"objective {before.id!r} is {before.status.value}: the change cannot be applied")
    after = store.update(
        org_id,
        request.subject_id,
        request.changes,
        expected_version=None,
        actor=decided_by,
        reason=request.reason,
        action=action,
        at=at,
    )
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    diff = {k: [old.get(k), new.get(k)] for k in sorted(request.changes) if old.get(k) != new.get(k)}
    if request.subject_type is SubjectType.KEY_RESULT:
        refresh_after_check_in(session, org_id, request.subject_id)
    else:
        refresh_objective(session, org_id, request.subject_id)
    return diff, after


def describe_changes(diff: Mapping[str, list[Any]]) -> str:
    """``field: before → after; ...`` for a notice."""
    return "; ".join(f"{field}: {_shown(old)} → {_shown(new)}" for field, (old, new) in diff.items())


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _publish(
    session: Session,
    request: ChangeRequest,
    title: str,
    diff: Mapping[str, list[Any]],
    decided_by: str,
    at: datetime,
) -> int:
    """Everyone in the org is told what changed, from what to what, why, and who approved it."""
    org_id = request.org_id
    people = PeopleStore(session)
    approver = people.get(org_id, decided_by)
    kind = SUBJECT_NAMES[request.subject_type]
    what = describe_changes(diff) or "—"
    if request.midterm:
        head = LocalText(en=f"Mid-term revision of {kind.en} “{title}”", zh=f"中期修订：{kind.zh}“{title}”")
    else:
        head = LocalText(en=f"{kind.en.capitalize()} “{title}” was changed", zh=f"{kind.zh}“{title}”已变更")
    body = LocalText(
        en=f"{what}. Reason: {excerpt(request.reason, 300)}. Approved by {approver.name}.",
        zh=f"{what}。原因：{excerpt(request.reason, 300)}。批准人：{approver.name}。",
    )
    everyone = [p.id for p in people.list(org_id) if p.active]
    return notify(
        session,
        org_id,
        everyone,
        kind="revision_published" if request.midterm else "change_published",
        dedupe_key=f"change_published:{request.id}",
        title=head,
        body=body,
        at=at,
        payload={
            "change_request_id": request.id,
            "subject_type": request.subject_type.value,
            "subject_id": request.subject_id,
            "changes": dict(diff),
            "reason": request.reason,
            "approved_by": decided_by,
            "midterm": request.midterm,
        },
    )


def _tell_requester(session: Session, request: ChangeRequest, decided_by: str, at: datetime) -> int:
    approver = PeopleStore(session).get(request.org_id, decided_by)
    note = request.decision_note or ""
    return notify(
        session,
        request.org_id,
        [request.requested_by],
        kind="change_rejected",
        dedupe_key=f"change_rejected:{request.id}",
        title=LocalText(en="Your change request was rejected", zh="你的变更申请未获批准"),
        body=LocalText(
            en=f"{approver.name}: {excerpt(note, 300)}", zh=f"{approver.name}：{excerpt(note, 300)}"
        ),
        at=at,
        payload={"change_request_id": request.id},
    )
