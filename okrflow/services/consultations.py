"""The consultation (会商) from convening to closing: who is invited, when it meets, chasing an overdue
meeting, closing one by hand or when the cycle ends.

A consultation is about a key result (or an objective). It is convened by hand (``open_consultation``)
or by an escalation rule; the ``ConsultationWorkflow`` then drives it: the meeting's record
(``okrflow.services.meetings``), the agreed check and the escalation one rung higher
(``okrflow.services.consultation_checks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from okrflow.domain.calendar import cycle_calendar, local_instant
from okrflow.domain.errors import InvalidState, NotFound, PermissionDenied, Problem, ValidationFailed
from okrflow.domain.model import (
    Consultation,
    ConsultationStatus,
    Cycle,
    KeyResult,
    LocalText,
    Objective,
    Person,
    Role,
    SubjectType,
    TaskStatus,
    parse_model,
)
from okrflow.services.comments import SUBJECT_NAMES, subject_title
from okrflow.services.drafting import owner_of, referenced, subject_of
from okrflow.services.notify import excerpt, notify
from okrflow.store import (
    ConsultationStore,
    CycleStore,
    KeyResultStore,
    PeopleStore,
    TaskStore,
    TeamStore,
    new_id,
)
from workflows.governance_messages import ConsultationPlan

MEETING_DELAY = timedelta(days=3)  # a consultation meets within this unless its convener says otherwise
WAITING = (ConsultationStatus.OPEN, ConsultationStatus.AGREED)


# ---------------------------------------------------------------- convening


def open_consultation(
    session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime
) -> Consultation:
    """Anyone convenes a consultation about a key result (or objective), with a reason.

    The KR owner, the owners of its open tasks, the objective owner's manager, the org's OKR
    ambassadors, the convener and anyone named in ``participants`` are invited and told.
    """
    org_id = actor.org_id
    subject_type = SubjectType(data.get("subject_type") or SubjectType.KEY_RESULT)
    objective, kr = referenced(
        "subject_id", lambda: subject_of(session, org_id, subject_type, data["subject_id"])
    )
    subject: Objective | KeyResult = kr if kr is not None else objective
    meet_by = data.get("meet_by") or at + MEETING_DELAY
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


# ---------------------------------------------------------------- what the workflow waits for


def consultation_plan(session: Session, org_id: str, consultation_id: str) -> ConsultationPlan:
    consultation = ConsultationStore(session).get(org_id, consultation_id)
    cycle = CycleStore(session).get(org_id, consultation.cycle_id)
    check_at = (
        check_time(cycle, consultation.check_on)
        if consultation.status is ConsultationStatus.AGREED and consultation.check_on is not None
        else None
    )
    return ConsultationPlan(
        status=consultation.status,
        subject_type=consultation.subject_type,
        subject_id=consultation.subject_id,
        level=consultation.level,
        participants=consultation.participants,
        meet_by=consultation.meet_by,
        check_at=check_at,
        ends_at=cycle_calendar(cycle).ends,
        last_day=cycle.end,
    )


def check_time(cycle: Cycle, day: date) -> datetime:
    """The instant a check dated ``day`` runs: that day's review time, in the cycle's time zone."""
    return local_instant(cycle, day, cycle.cadence.review_time)


# ---------------------------------------------------------------- chasing and closing


def chase_meeting(session: Session, org_id: str, consultation_id: str, *, chase: int, at: datetime) -> int:
    """The meeting deadline passed without a record: remind every participant (once per chase)."""
    consultation = ConsultationStore(session).get(org_id, consultation_id)
    if consultation.status is not ConsultationStatus.OPEN:
        return 0
    title = consultation_title(session, consultation)
    days = max(0, (at - consultation.meet_by).days)
    return notify(
        session,
        org_id,
        consultation.participants,
        kind="consultation_overdue",
        dedupe_key=f"consultation_overdue:{consultation_id}:{chase}",
        title=LocalText(
            en=f"The consultation on “{title}” is overdue ({days} day(s)): meet and record it",
            zh=f"关于“{title}”的会商已逾期 {days} 天：请开会并记录结论",
        ),
        body=LocalText(en=excerpt(consultation.reason, 300), zh=excerpt(consultation.reason, 300)),
        at=at,
        payload={"consultation_id": consultation_id, "chase": chase},
    )


def require_closer(actor: Person, consultation: Consultation) -> None:
    """The convener, the OKR ambassador or an admin closes a consultation by hand, while it is waiting.

    Raises:
        PermissionDenied: someone else.
        InvalidState: the consultation is over (recovered, escalated or closed).
    """
    if actor.id != consultation.opened_by and actor.role not in (Role.AMBASSADOR, Role.ADMIN):
        raise PermissionDenied(
            f"consultation {consultation.id!r} is closed by hand by whoever convened it, "
            "the OKR ambassador or an admin"
        )
    if consultation.status not in WAITING:
        raise InvalidState(f"consultation {consultation.id!r} is {consultation.status.value}: it is over")


def close_consultation(
    session: Session,
    org_id: str,
    consultation_id: str,
    *,
    closed_by: str,
    note: str,
    at: datetime,
    cycle_ended: bool = False,
) -> Consultation:
    """Close a consultation that is still waiting (by hand with a note, or because the cycle ended)."""
    store = ConsultationStore(session)
    consultation = store.get(org_id, consultation_id)
    if consultation.status not in WAITING:
        return consultation
    if cycle_ended:
        note = (
            "The cycle ended before the meeting was recorded. / 周期结束，会商未记录结论。"
            if consultation.status is ConsultationStatus.OPEN
            else "The cycle ended before the agreed check. / 周期结束，未进行约定的检查。"
        )
    closed = store.update(
        org_id, consultation_id, {"status": ConsultationStatus.CLOSED, "outcome_note": note}
    )
    title = consultation_title(session, consultation)
    notify(
        session,
        org_id,
        [p for p in consultation.participants if p != closed_by],
        kind="consultation_closed",
        dedupe_key=f"consultation_closed:{consultation_id}",
        title=LocalText(en=f"The consultation on “{title}” was closed", zh=f"关于“{title}”的会商已关闭"),
        body=LocalText(en=excerpt(note, 400), zh=excerpt(note, 400)),
        at=at,
        payload={"consultation_id": consultation_id},
    )
    return closed


def close_waiting(session: Session, org_id: str, cycle_id: str, *, at: datetime) -> int:
    """Close every consultation of the cycle still waiting (its workflow normally did at the cycle's end)."""
    waiting = [c for c in ConsultationStore(session).list_for_cycle(org_id, cycle_id) if c.status in WAITING]
    for c in waiting:
        close_consultation(
            session, org_id, c.id, closed_by="system:closeout", note="", at=at, cycle_ended=True
        )
    return len(waiting)


# ---------------------------------------------------------------- what it is about


def consultation_title(session: Session, consultation: Consultation) -> str:
    """The title (or name) of what the consultation is about; its id when that is gone."""
    org_id, subject, ident = consultation.org_id, consultation.subject_type, consultation.subject_id
    try:
        if subject is SubjectType.TEAM:
            return TeamStore(session).get(org_id, ident).name
        if subject is SubjectType.PERSON:
            return PeopleStore(session).get(org_id, ident).name
        if subject in SUBJECT_NAMES:
            return subject_title(session, org_id, subject, ident)
    except NotFound:
        pass
    return ident
