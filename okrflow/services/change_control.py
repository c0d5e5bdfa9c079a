"""Change control and the mid-term review.

An approved objective (and its key results) is locked: it changes only through a change request,
with a reason, approved by the owner's manager (by role; the org's admins when there is none) and
applied through the audited store path. Outside the mid-term window the request must also state its
impact. Inside the window it is a *revision*: the mid-term review asks every objective owner to
confirm their objectives or propose revisions with reasons, and the revision log (before, after,
reason, approver) is published to everyone and stays on the objective's history.

What happens when: ``request_change`` records a request (the API then starts its
``ChangeRequestWorkflow``); the workflow's ``decide`` update runs ``decide_change`` (approve: apply,
keep the old value beside the new one with the reason, publish to all; reject: tell the requester).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.errors import InvalidState, PermissionDenied, Problem, ValidationFailed
from okrflow.domain.model import (
    AuditEntry,
    ChangeRequest,
    ChangeRequestStatus,
    Cycle,
    KeyResult,
    LocalText,
    Objective,
    ObjectiveStatus,
    Person,
    Phase,
    Role,
    SubjectType,
)
from okrflow.services.comments import SUBJECT_NAMES
from okrflow.services.drafting import owner_of
from okrflow.services.governance import create_change_request
from okrflow.services.notify import excerpt, notify
from okrflow.services.rollups import refresh_after_check_in, refresh_objective
from okrflow.store import (
    AuditStore,
    ChangeRequestStore,
    CycleStore,
    KeyResultStore,
    ObjectiveStore,
    PeopleStore,
    new_id,
)

APPLIED_ACTIONS = ("apply_change", "midterm_revision")
CLOSED_PHASES = (Phase.CLOSEOUT, Phase.ARCHIVED)


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


# ---------------------------------------------------------------- who decides


def objective_of(session: Session, org_id: str, subject_type: SubjectType, subject_id: str) -> Objective:
    if subject_type is SubjectType.KEY_RESULT:
        kr = KeyResultStore(session).get(org_id, subject_id)
        return ObjectiveStore(session).get(org_id, kr.objective_id)
    return ObjectiveStore(session).get(org_id, subject_id)


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
    """Ask to change an approved objective or key result.

    In the mid-term window the request is a revision; outside it the impact must be stated. After
    the cycle ends nothing changes any more. The approver is told (``create_change_request``).

    Raises:
        ValidationFailed: a bad field or value, or no impact outside the window.
        PermissionDenied: the actor may not ask (not an owner, their manager or an admin).
        InvalidState: the objective is not approved, or the cycle is in close-out or archived.
    """
    request = create_change_request(session, actor, data, at=at)
    cycle = CycleStore(session).get(actor.org_id, request.cycle_id)
    if cycle.phase in CLOSED_PHASES:
        raise InvalidState(
            f"cycle {cycle.name!r} is {cycle.phase.value}: OKRs no longer change; "
            "record what you learned in the objective's retrospective"
        )
    if cycle.phase is Phase.MIDTERM:
        return ChangeRequestStore(session).update(actor.org_id, request.id, {"midterm": True})
    if not request.impact.strip():
        raise ValidationFailed(
            [
                Problem(
                    ("impact",),
                    "outside the mid-term window a change request must state its impact: what it changes "
                    "for others (teams, aligned objectives, dates)",
                )
            ]
        )
    return request


def check_decider(session: Session, actor: Person, request: ChangeRequest) -> list[Person]:
    """The approvers of ``request``; ``PermissionDenied`` naming them unless ``actor`` is one.

    Raises:
        InvalidState: the request is no longer pending.
        PermissionDenied: the actor is not its approver.
    """
    if request.status is not ChangeRequestStatus.PENDING:
        raise InvalidState(f"change request {request.id!r} is {request.status.value}: it was already decided")
    approvers = approvers_for(
        session, objective_of(session, actor.org_id, request.subject_type, request.subject_id)
    )
    if actor.id not in {p.id for p in approvers}:
        names = ", ".join(p.name for p in approvers) or "nobody (no manager or admin set)"
        raise PermissionDenied(f"change request {request.id!r} is approved or rejected by {names}")
    return approvers


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
    if not approve and not note.strip():
        raise ValidationFailed([Problem(("note",), "a rejection says why")])
    status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    request = requests.decide(
        org_id, request_id, status=status, decided_by=decided_by, note=note or None, at=at
    )
    audit = AuditStore(session)
    audit.add(
        AuditEntry(
            id=new_id(),
            org_id=org_id,
            at=at,
            actor_id=decided_by,
            subject_type=SubjectType.CHANGE_REQUEST,
            subject_id=request.id,
            action="approve" if approve else "reject",
            changes={"status": [ChangeRequestStatus.PENDING.value, status.value]},
            reason=note or None,
        )
    )
    if not approve:
        told = _tell_requester(session, request, decided_by, at)
        return request, told
    diff, subject = _apply(session, request, decided_by, at)
    audit.add(
        AuditEntry(
            id=new_id(),
            org_id=org_id,
            at=at,
            actor_id=decided_by,
            subject_type=SubjectType.CHANGE_REQUEST,
            subject_id=request.id,
            action="applied",
            changes=diff,
            reason=request.reason,
        )
    )
    request = requests.mark_applied(org_id, request.id)
    told = _publish(session, request, subject.title, diff, decided_by, at)
    return request, told


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


def _describe(diff: Mapping[str, list[Any]]) -> str:
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
    what = _describe(diff) or "—"
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


# ---------------------------------------------------------------- the revision log


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
            applied = [
                e
                for e in audit.list(
                    org_id, subject_type=SubjectType.CHANGE_REQUEST, subject_id=request.id, limit=100
                ).items
                if e.action == "applied"
            ]
            out.append(
                RevisionEntry(
                    change_request_id=request.id,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    subject_title=title,
                    midterm=request.midterm,
                    changes=applied[0].changes
                    if applied
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


def midterm_revisions(session: Session, org_id: str, cycle_id: str) -> list[AuditEntry]:
    """The audit rows of the mid-term revisions applied in the cycle (what ``close_out`` reports)."""
    audit = AuditStore(session)
    out: list[AuditEntry] = []
    for request in ChangeRequestStore(session).list_for_cycle(
        org_id, cycle_id, status=ChangeRequestStatus.APPLIED
    ):
        if not request.midterm:
            continue
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
    cycle = CycleStore(session).get(actor.org_id, objective.cycle_id)
    _require_window(cycle)
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
    objectives = [
        o
        for o in ObjectiveStore(session).list_for_cycle(org_id, cycle_id)
        if o.status is ObjectiveStatus.APPROVED
    ]
    by_owner: dict[str, list[Objective]] = {}
    for o in objectives:
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
    requests = [
        r
        for r in ChangeRequestStore(session).list_for_cycle(
            org_id, cycle_id, status=ChangeRequestStatus.APPLIED
        )
        if r.midterm
    ]
    audit = AuditStore(session)
    people = {p.id: p for p in PeopleStore(session).list(org_id)}
    lines_en: list[str] = []
    lines_zh: list[str] = []
    entries: list[dict[str, Any]] = []
    for r in requests:
        applied = [
            e
            for e in audit.list(
                org_id, subject_type=SubjectType.CHANGE_REQUEST, subject_id=r.id, limit=100
            ).items
            if e.action == "applied"
        ]
        diff = applied[0].changes if applied else {}
        approver = people[r.decided_by].name if r.decided_by in people else (r.decided_by or "—")
        lines_en.append(f"{_describe(diff)} — {excerpt(r.reason, 200)} (approved by {approver})")
        lines_zh.append(f"{_describe(diff)} —— {excerpt(r.reason, 200)}（批准人：{approver}）")
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


def pending_requests(session: Session, org_id: str, cycle_id: str) -> Sequence[ChangeRequest]:
    return ChangeRequestStore(session).list_for_cycle(org_id, cycle_id, status=ChangeRequestStatus.PENDING)
