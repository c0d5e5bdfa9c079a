"""The mid-term review and the revision log.

In the mid-term window every objective owner is asked to confirm their objectives or propose revisions
with reasons (change requests filed in the window, ``okrflow.services.change_control``). When the
window closes its revision log (before, after, reason, approver) is published to everyone. Every applied
change of an objective and its key results stays on the objective's history (``revision_log``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.errors import InvalidState
from okrflow.domain.model import (
    AuditEntry,
    ChangeRequest,
    ChangeRequestStatus,
    Cycle,
    LocalText,
    Objective,
    ObjectiveStatus,
    Person,
    Phase,
    SubjectType,
)
from okrflow.services.change_decisions import describe_changes
from okrflow.services.drafting import owner_of
from okrflow.services.notify import excerpt, notify
from okrflow.store import (
    AuditStore,
    ChangeRequestStore,
    CycleStore,
    KeyResultStore,
    ObjectiveStore,
    PeopleStore,
    new_id,
)


class RevisionEntry(BaseModel):
    """One applied change of an objective or one of its key results: the old value beside the new one."""

    change_request_id: str
    subject_type: SubjectType
    subject_id: str
    subject_title: str
    midterm: bool = Field(description="a revision of the mid-term review (else a change request outside it)")
    changes: dict[str, list[Any]] = Field(description="field -> [before, after]")
    reason: str
    impact: str
    requested_by: str
    approved_by: str | None
    approved_at: datetime | None
    approval_note: str | None


# ---------------------------------------------------------------- the revision log


def _applied_changes(audit: AuditStore, request: ChangeRequest) -> dict[str, list[Any]] | None:
    """What applying ``request`` changed (field -> [before, after]), from its ``applied`` audit row."""
    rows = audit.list(
        request.org_id, subject_type=SubjectType.CHANGE_REQUEST, subject_id=request.id, limit=100
    ).items
    return next((e.changes for e in rows if e.action == "applied"), None)


def revision_log(session: Session, org_id: str, objective_id: str) -> list[RevisionEntry]:
    """Every applied change of the objective and its key results, oldest first (before, after, reason,
    approver). It stays on the objective's history: the audit log is append-only."""
    objective = ObjectiveStore(session).get(org_id, objective_id)
    subjects: list[tuple[SubjectType, str, str]] = [(SubjectType.OBJECTIVE, objective.id, objective.title)]
    subjects += [
        (SubjectType.KEY_RESULT, kr.id, kr.title)
        for kr in KeyResultStore(session).list_for_objective(org_id, objective.id)
    ]
    requests = ChangeRequestStore(session)
    audit = AuditStore(session)
    out: list[RevisionEntry] = []
    for subject_type, subject_id, title in subjects:
        for request in requests.list_for_subject(org_id, subject_type, subject_id):
            if request.status is not ChangeRequestStatus.APPLIED:
                continue
            applied = _applied_changes(audit, request)
            out.append(
                RevisionEntry(
                    change_request_id=request.id,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    subject_title=title,
                    midterm=request.midterm,
                    changes=applied
                    if applied is not None
                    else {k: [None, v] for k, v in request.changes.items()},
                    reason=request.reason,
                    impact=request.impact,
                    requested_by=request.requested_by,
                    approved_by=request.decided_by,
                    approved_at=request.decided_at,
                    approval_note=request.decision_note,
                )
            )
    out.sort(key=lambda e: (e.approved_at.timestamp() if e.approved_at else 0.0, e.change_request_id))
    return out


def _applied_revisions(session: Session, org_id: str, cycle_id: str) -> list[ChangeRequest]:
    return [
        r
        for r in ChangeRequestStore(session).list_for_cycle(
            org_id, cycle_id, status=ChangeRequestStatus.APPLIED
        )
        if r.midterm
    ]


def midterm_revisions(session: Session, org_id: str, cycle_id: str) -> list[AuditEntry]:
    """The audit rows of the mid-term revisions applied in the cycle (what ``close_out`` reports)."""
    audit = AuditStore(session)
    out: list[AuditEntry] = []
    for request in _applied_revisions(session, org_id, cycle_id):
        rows = audit.list(
            org_id, subject_type=request.subject_type, subject_id=request.subject_id, limit=1000
        ).items
        out += [e for e in rows if e.action == "midterm_revision" and e.at == request.decided_at]
    unique = {e.id: e for e in out}
    return sorted(unique.values(), key=lambda e: (e.at, e.id))


# ---------------------------------------------------------------- the mid-term review


def confirm_midterm(
    session: Session, actor: Person, objective_id: str, *, note: str, at: datetime
) -> AuditEntry:
    """The owner confirms the objective at the mid-term review (recorded on its history).

    Raises:
        PermissionDenied: not the owner, the owner's manager or an admin.
        InvalidState: the window is not open, or the objective is not approved.
    """
    objective = ObjectiveStore(session).get(actor.org_id, objective_id)
    access.require_edit_objective(actor, objective, owner_of(session, objective))
    _require_window(CycleStore(session).get(actor.org_id, objective.cycle_id))
    if objective.status is not ObjectiveStatus.APPROVED:
        raise InvalidState(
            f"objective {objective.id!r} is {objective.status.value}: "
            "the mid-term review is for approved objectives"
        )
    entry = AuditEntry(
        id=new_id(),
        org_id=actor.org_id,
        at=at,
        actor_id=actor.id,
        subject_type=SubjectType.OBJECTIVE,
        subject_id=objective.id,
        action="midterm_confirm",
        changes={},
        reason=note.strip() or None,
    )
    AuditStore(session).add(entry)
    return entry


def _require_window(cycle: Cycle) -> None:
    if cycle.phase is not Phase.MIDTERM:
        raise InvalidState(
            f"the mid-term review window of cycle {cycle.name!r} is not open "
            f"(the cycle is {cycle.phase.value}); "
            "outside it an approved objective changes only through a change request"
        )


def open_midterm_review(
    session: Session, org_id: str, cycle_id: str, *, at: datetime, until: datetime | None
) -> int:
    """The window opens: every owner of an approved objective is asked to confirm it or propose revisions."""
    cycle = CycleStore(session).get(org_id, cycle_id)
    by_owner: dict[str, list[Objective]] = {}
    for o in ObjectiveStore(session).list_for_cycle(org_id, cycle_id):
        if o.status is ObjectiveStatus.APPROVED:
            by_owner.setdefault(o.owner_id, []).append(o)
    people = PeopleStore(session).get_many(org_id, by_owner)
    closes = until.date().isoformat() if until is not None else "—"
    told = 0
    for owner_id, owned in sorted(by_owner.items()):
        if owner_id not in people or not people[owner_id].active:
            continue
        titles = "; ".join(f"“{o.title}”" for o in owned[:5]) + (" …" if len(owned) > 5 else "")
        told += notify(
            session,
            org_id,
            [owner_id],
            kind="midterm_review",
            dedupe_key=f"midterm_review:{cycle_id}",
            title=LocalText(
                en=f"{cycle.name} mid-term review: confirm your objectives or propose revisions by {closes}",
                zh=f"{cycle.name} 中期回顾：请在 {closes} 前确认你的目标或提出修订",
            ),
            body=LocalText(
                en=f"{titles}. A revision states its reason and is approved by your manager.",
                zh=f"{titles}。修订需说明原因，并由你的经理批准。",
            ),
            at=at,
            payload={"cycle_id": cycle_id, "objective_ids": [o.id for o in owned], "closes": closes},
        )
    return told


def close_midterm_review(session: Session, org_id: str, cycle_id: str, *, at: datetime) -> tuple[int, int]:
    """The window closes: the revision log of the window (before, after, reason, approver) goes to everyone.

    Returns:
        (revisions applied in the window, people told).
    """
    cycle = CycleStore(session).get(org_id, cycle_id)
    requests = _applied_revisions(session, org_id, cycle_id)
    audit = AuditStore(session)
    people = {p.id: p for p in PeopleStore(session).list(org_id)}
    lines_en: list[str] = []
    lines_zh: list[str] = []
    entries: list[dict[str, Any]] = []
    for r in requests:
        diff = _applied_changes(audit, r) or {}
        approver = people[r.decided_by].name if r.decided_by in people else (r.decided_by or "—")
        lines_en.append(f"{describe_changes(diff)} — {excerpt(r.reason, 200)} (approved by {approver})")
        lines_zh.append(f"{describe_changes(diff)} —— {excerpt(r.reason, 200)}（批准人：{approver}）")
        entries.append(
            {
                "change_request_id": r.id,
                "subject_type": r.subject_type.value,
                "subject_id": r.subject_id,
                "changes": diff,
                "reason": r.reason,
                "approved_by": r.decided_by,
            }
        )
    everyone = [p.id for p in people.values() if p.active]
    told = notify(
        session,
        org_id,
        everyone,
        kind="revision_log",
        dedupe_key=f"revision_log:{cycle_id}",
        title=LocalText(
            en=f"{cycle.name} mid-term review closed: {len(requests)} revision(s)",
            zh=f"{cycle.name} 中期回顾结束：共 {len(requests)} 项修订",
        ),
        body=LocalText(
            en="\n".join(lines_en[:30]) or "No objective was revised.",
            zh="\n".join(lines_zh[:30]) or "没有目标被修订。",
        ),
        at=at,
        payload={"cycle_id": cycle_id, "revisions": entries},
    )
    return len(requests), told
