"""The consultation (会商) between convening and closing: the meeting's record, the agreed check, the
escalation one rung higher, chasing an overdue meeting, closing.

The ``ConsultationWorkflow`` drives these steps through its activities; the API validates a meeting
record with ``check_meeting`` before it sends it to the workflow, so a wrong date, an unknown task or
a condition that does not compile comes back at once, naming the field.

A consultation is about a key result (or an objective). Its agreed check is a CEL condition over the
subject's facts (the rule language: ``gap < 0.1 && confidence >= 6``); it is evaluated on a fresh
snapshot at the check date's review time. True: the subject recovered and the consultation closes.
False (or undecidable): it escalates: the next manager up the owner's management chain (or the named
executive) joins a new consultation one level higher, convened at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from okrflow.domain.calendar import cycle_calendar, local_date, local_instant, week_count, week_of
from okrflow.domain.errors import InvalidState, NotFound, PermissionDenied, Problem, ValidationFailed
from okrflow.domain.model import (
    Consultation,
    ConsultationStatus,
    Cycle,
    LocalText,
    Person,
    Role,
    SubjectType,
    Task,
    validation_problems,
)
from okrflow.services.notify import excerpt, notify
from okrflow.store import (
    ConsultationStore,
    CycleStore,
    KeyResultStore,
    ObjectiveStore,
    PeopleStore,
    TaskStore,
    TeamStore,
)
from okrflow.store.snapshot import load_snapshot
from rules.catalog import Scope
from rules.condition import check_condition, compile_condition
from workflows.governance_messages import (
    CheckResult,
    ConsultationPlan,
    RecordMeetingInput,
    RecordMeetingResult,
)

MEETING_DELAY = timedelta(days=3)  # an escalated consultation meets within this
# What a meeting may change on a task (its KR stays; who owns it and when it is due may change).
TASK_REVISABLE = frozenset(
    {"title", "owner_id", "due", "milestone", "depends_on", "estimate_hours", "status", "collaborators"}
)
WAITING = (ConsultationStatus.OPEN, ConsultationStatus.AGREED)
_SCOPE = {
    SubjectType.KEY_RESULT: Scope.KEY_RESULT,
    SubjectType.OBJECTIVE: Scope.OBJECTIVE,
    SubjectType.TASK: Scope.TASK,
    SubjectType.PERSON: Scope.PERSON,
    SubjectType.TEAM: Scope.TEAM,
}


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


# ---------------------------------------------------------------- recording the meeting


def require_participant(actor: Person, consultation: Consultation) -> None:
    if actor.id not in consultation.participants:
        raise PermissionDenied(
            f"the meeting of consultation {consultation.id!r} is recorded by one of its participants"
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


def check_meeting(
    session: Session, org_id: str, consultation: Consultation, meeting: RecordMeetingInput, *, at: datetime
) -> list[Task]:
    """Validate a meeting record against the stored consultation; return the revised tasks as they would be.

    Raises:
        InvalidState: the consultation is not waiting for its meeting (met already, or closed).
        ValidationFailed: each bad field, located: ``check_on`` (not after today, or after the cycle's
            last day), ``check_condition`` (with the CEL error and column), ``escalate_to``,
            ``task_revisions.<i>.task_id`` / ``.changes.<field>``.
    """
    if consultation.status is not ConsultationStatus.OPEN:
        raise InvalidState(
            f"consultation {consultation.id!r} is {consultation.status.value}: "
            "its meeting was recorded already"
            if consultation.status is ConsultationStatus.AGREED
            else f"consultation {consultation.id!r} is {consultation.status.value}: it is over"
        )
    cycle = CycleStore(session).get(org_id, consultation.cycle_id)
    problems: list[Problem] = []
    today = local_date(cycle, at)
    if meeting.check_on <= today:
        problems.append(
            Problem(("check_on",), f"must be after today ({today.isoformat()}): the check looks ahead")
        )
    elif meeting.check_on > cycle.end:
        problems.append(
            Problem(
                ("check_on",),
                f"must be on or before the cycle's last day ({cycle.end.isoformat()}): "
                "after it nothing recovers",
            )
        )
    scope = _SCOPE.get(consultation.subject_type)
    if scope is None:
        problems.append(
            Problem(("check_condition",), f"a {consultation.subject_type.value} has no facts to check")
        )
    else:
        try:
            compile_condition(meeting.check_condition, scope=scope)
        except ValidationFailed as exc:
            problems += exc.problems
    if meeting.escalate_to is not None and meeting.escalate_to not in PeopleStore(session).get_many(
        org_id, [meeting.escalate_to]
    ):
        problems.append(Problem(("escalate_to",), f"no person {meeting.escalate_to!r} in this org"))
    revised, task_problems = _revised_tasks(session, org_id, consultation, meeting)
    problems += task_problems
    if problems:
        raise ValidationFailed(problems)
    return revised


def _revised_tasks(
    session: Session, org_id: str, consultation: Consultation, meeting: RecordMeetingInput
) -> tuple[list[Task], list[Problem]]:
    if not meeting.task_revisions:
        return [], []
    if consultation.subject_type is SubjectType.KEY_RESULT:
        kr_ids = {consultation.subject_id}
    else:
        kr_ids = {k.id for k in KeyResultStore(session).list_for_objective(org_id, consultation.subject_id)}
    store = TaskStore(session)
    found = store.get_many(org_id, [r.task_id for r in meeting.task_revisions])
    people = PeopleStore(session)
    problems: list[Problem] = []
    revised: list[Task] = []
    for i, revision in enumerate(meeting.task_revisions):
        where: tuple[str | int, ...] = ("task_revisions", i)
        task = found.get(revision.task_id)
        if task is None or task.kr_id not in kr_ids:
            problems.append(
                Problem(
                    (*where, "task_id"), f"no task {revision.task_id!r} under this consultation's subject"
                )
            )
            continue
        beyond = sorted(set(revision.changes) - TASK_REVISABLE)
        problems += [
            Problem(
                (*where, "changes", f), f"a meeting does not change this; use one of {sorted(TASK_REVISABLE)}"
            )
            for f in beyond
        ]
        if beyond:
            continue
        owner = revision.changes.get("owner_id")
        if owner is not None and owner not in people.get_many(org_id, [str(owner)]):
            problems.append(Problem((*where, "changes", "owner_id"), f"no person {owner!r} in this org"))
            continue
        try:
            revised.append(Task.model_validate({**task.model_dump(), **revision.changes}))
        except ValidationError as exc:  # name the field of the revision that is wrong
            problems += validation_problems(exc, prefix=(*where, "changes"))
    return revised, problems


def record_meeting(
    session: Session, org_id: str, consultation_id: str, meeting: RecordMeetingInput, *, at: datetime
) -> RecordMeetingResult:
    """Record what the meeting found and agreed; apply its task revisions; tell the participants.

    Task revisions go through the audited store path (action ``consultation_revision``, the
    consultation and its decisions as the reason).
    """
    store = ConsultationStore(session)
    consultation = store.get(org_id, consultation_id)
    if meeting.recorded_by not in consultation.participants:
        raise PermissionDenied(
            f"the meeting of consultation {consultation_id!r} is recorded by one of its participants"
        )
    check_meeting(session, org_id, consultation, meeting, at=at)
    tasks = TaskStore(session)
    why = f"consultation (会商) {consultation_id}: " + ("; ".join(meeting.decisions) or meeting.situation)
    revised: list[str] = []
    for revision in meeting.task_revisions:
        tasks.update(
            org_id,
            revision.task_id,
            revision.changes,
            expected_version=None,
            actor=meeting.recorded_by,
            reason=excerpt(why, 1000),
            action="consultation_revision",
            at=at,
        )
        revised.append(revision.task_id)
    decisions = list(meeting.decisions)
    if meeting.escalate_to is not None:
        decisions.append(f"If the check fails, escalate to {meeting.escalate_to}")
    store.update(
        org_id,
        consultation_id,
        {
            "status": ConsultationStatus.AGREED,
            "situation": meeting.situation,
            "causes": meeting.causes,
            "impact": meeting.impact,
            "decisions": decisions,
            "check_on": meeting.check_on,
            "check_condition": meeting.check_condition,
        },
    )
    cycle = CycleStore(session).get(org_id, consultation.cycle_id)
    title = _subject_title(session, org_id, consultation)
    day = meeting.check_on.isoformat()
    notify(
        session,
        org_id,
        [p for p in consultation.participants if p != meeting.recorded_by],
        kind="consultation_agreed",
        dedupe_key=f"consultation_agreed:{consultation_id}",
        title=LocalText(
            en=f"Consultation on “{title}”: decisions recorded, checked on {day}",
            zh=f"关于“{title}”的会商：已记录决定，将于 {day} 检查",
        ),
        body=LocalText(
            en=f"Decisions: {excerpt('; '.join(meeting.decisions) or '—', 400)}. "
            f"Check: {meeting.check_condition}",
            zh=f"决定：{excerpt('；'.join(meeting.decisions) or '—', 400)}。"
            f"检查条件：{meeting.check_condition}",
        ),
        at=at,
        payload={"consultation_id": consultation_id, "check_on": day, "revised_tasks": revised},
    )
    return RecordMeetingResult(check_at=check_time(cycle, meeting.check_on), revised_tasks=revised)


# ---------------------------------------------------------------- the agreed check


def successor_id(consultation_id: str) -> str:
    """The id of the consultation one level higher: derived, so a retried check convenes it once."""
    return "cons-" + hashlib.sha256(f"{consultation_id}|escalated".encode()).hexdigest()[:24]


def run_check(
    session: Session, org_id: str, consultation_id: str, *, at: datetime, escalate_to: str | None = None
) -> CheckResult:
    """Evaluate the agreed condition on a fresh snapshot; close as recovered, or escalate one rung higher."""
    store = ConsultationStore(session)
    consultation = store.get(org_id, consultation_id)
    if consultation.status is not ConsultationStatus.AGREED or consultation.check_condition is None:
        return CheckResult(recovered=consultation.status is ConsultationStatus.RECOVERED)
    cycle = CycleStore(session).get(org_id, consultation.cycle_id)
    snapshot = load_snapshot(session, cycle.id, as_of=at, org_id=org_id)
    week = min(max(week_of(cycle, local_date(cycle, at)), 1), week_count(cycle))
    scope = _SCOPE[consultation.subject_type]
    try:
        outcome = check_condition(
            compile_condition(consultation.check_condition, scope=scope),
            snapshot,
            consultation.subject_id,
            week=week,
        )
        held, facts, error = outcome.held, outcome.facts, outcome.error
    except KeyError:
        held, facts, error = (
            None,
            {},
            f"{consultation.subject_type.value} {consultation.subject_id} no longer exists",
        )
    title = _subject_title(session, org_id, consultation)
    day = local_date(cycle, at).isoformat()
    shown = ", ".join(f"{k}={_fmt(v)}" for k, v in sorted(facts.items())) or "—"
    if held:
        store.update(
            org_id,
            consultation_id,
            {
                "status": ConsultationStatus.RECOVERED,
                "outcome_note": f"Recovered on {day}: {consultation.check_condition} holds ({shown}).",
            },
        )
        notify(
            session,
            org_id,
            consultation.participants,
            kind="consultation_recovered",
            dedupe_key=f"consultation_recovered:{consultation_id}",
            title=LocalText(
                en=f"“{title}” recovered: the consultation is closed", zh=f"“{title}”已恢复：会商结束"
            ),
            body=LocalText(
                en=f"On {day} the agreed check holds: {consultation.check_condition} ({shown}).",
                zh=f"{day} 约定的检查通过：{consultation.check_condition}（{shown}）。",
            ),
            at=at,
            payload={"consultation_id": consultation_id, "facts": facts},
        )
        return CheckResult(recovered=True, facts=facts)
    return _escalate(session, consultation, cycle, title, at, facts, error, shown, escalate_to)


def _escalate(
    session: Session,
    consultation: Consultation,
    cycle: Cycle,
    title: str,
    at: datetime,
    facts: Mapping[str, Any],
    error: str | None,
    shown: str,
    escalate_to: str | None,
) -> CheckResult:
    org_id = consultation.org_id
    people = {p.id: p for p in PeopleStore(session).list(org_id)}
    targets = escalation_targets(
        consultation, people, owner_id=_owner(session, consultation), named=escalate_to
    )
    new_id = successor_id(consultation.id)
    day = local_date(cycle, at).isoformat()
    why = error or f"{consultation.check_condition} does not hold ({shown})"
    names = ", ".join(people[t].name for t in targets if t in people) or "—"
    store = ConsultationStore(session)
    store.update(
        org_id,
        consultation.id,
        {
            "status": ConsultationStatus.ESCALATED,
            "outcome_note": f"Not recovered on {day}: {why}. Escalated to {names} (consultation {new_id}).",
        },
    )
    participants = list(dict.fromkeys([*consultation.participants, *targets]))
    try:
        store.get(org_id, new_id)
    except NotFound:
        store.add(
            Consultation(
                id=new_id,
                org_id=org_id,
                cycle_id=consultation.cycle_id,
                subject_type=consultation.subject_type,
                subject_id=consultation.subject_id,
                reason=(
                    f"Escalated from consultation {consultation.id}: "
                    f"the agreed check did not hold on {day} ({why}). "
                    f"/ 由会商 {consultation.id} 升级：{day} 约定的检查未通过。 {consultation.reason}"
                )[:4000],
                opened_by=f"consultation:{consultation.id}",
                participants=participants,
                meet_by=at + MEETING_DELAY,
                level=consultation.level + 1,
                created_at=at,
            )
        )
    meet = (at + MEETING_DELAY).date().isoformat()
    notify(
        session,
        org_id,
        participants,
        kind="consultation_escalated",
        dedupe_key=f"consultation_escalated:{consultation.id}",
        title=LocalText(
            en=f"“{title}” did not recover: the consultation goes one level higher (meet by {meet})",
            zh=f"“{title}”未恢复：会商升级一级（请在 {meet} 前开会）",
        ),
        body=LocalText(
            en=f"On {day}: {why}. Now also with {names}.", zh=f"{day}：{why}。升级后加入：{names}。"
        ),
        at=at,
        payload={"consultation_id": consultation.id, "successor_id": new_id, "escalated_to": targets},
    )
    return CheckResult(
        recovered=False, facts=dict(facts), error=error, escalated_to=targets, successor_id=new_id
    )


def escalation_targets(
    consultation: Consultation, people: Mapping[str, Person], *, owner_id: str | None, named: str | None
) -> list[str]:
    """Who joins one rung higher: the named executive; else the next manager up the owner's chain above
    everyone already taking part; at the top of the tree, the org's admins."""
    if named is not None and named in people:
        return [named]
    chain: list[str] = []
    current = people.get(owner_id) if owner_id else None
    while current is not None and current.manager_id and current.manager_id not in chain:
        chain.append(current.manager_id)
        current = people.get(current.manager_id)
    present = set(consultation.participants)
    highest = max((i for i, m in enumerate(chain) if m in present), default=-1)
    for candidate in chain[highest + 1 :]:
        if candidate in people and people[candidate].active:
            return [candidate]
    return sorted(p.id for p in people.values() if p.role is Role.ADMIN and p.active and p.id not in present)


# ---------------------------------------------------------------- chasing and closing


def chase_meeting(session: Session, org_id: str, consultation_id: str, *, chase: int, at: datetime) -> int:
    """The meeting deadline passed without a record: remind every participant (once per chase)."""
    consultation = ConsultationStore(session).get(org_id, consultation_id)
    if consultation.status is not ConsultationStatus.OPEN:
        return 0
    title = _subject_title(session, org_id, consultation)
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
    title = _subject_title(session, org_id, consultation)
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


# ---------------------------------------------------------------- helpers


def _subject_title(session: Session, org_id: str, consultation: Consultation) -> str:
    subject, ident = consultation.subject_type, consultation.subject_id
    try:
        if subject is SubjectType.KEY_RESULT:
            return KeyResultStore(session).get(org_id, ident).title
        if subject is SubjectType.OBJECTIVE:
            return ObjectiveStore(session).get(org_id, ident).title
        if subject is SubjectType.TASK:
            return TaskStore(session).get(org_id, ident).title
        if subject is SubjectType.TEAM:
            return TeamStore(session).get(org_id, ident).name
        if subject is SubjectType.PERSON:
            return PeopleStore(session).get(org_id, ident).name
    except NotFound:
        pass
    return ident


def _owner(session: Session, consultation: Consultation) -> str | None:
    """Who answers for the subject: the bottom of the management chain an escalation climbs."""
    org_id, subject, ident = consultation.org_id, consultation.subject_type, consultation.subject_id
    try:
        if subject is SubjectType.KEY_RESULT:
            kr = KeyResultStore(session).get(org_id, ident)
            return kr.owner_id or ObjectiveStore(session).get(org_id, kr.objective_id).owner_id
        if subject is SubjectType.OBJECTIVE:
            return ObjectiveStore(session).get(org_id, ident).owner_id
        if subject is SubjectType.TASK:
            return TaskStore(session).get(org_id, ident).owner_id
        if subject is SubjectType.TEAM:
            return TeamStore(session).get(org_id, ident).lead_id
        if subject is SubjectType.PERSON:
            return ident
    except NotFound:
        return None
    return None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if not value.is_integer() else str(int(value))
    return str(value)


def waiting_ids(consultations: Sequence[Consultation]) -> list[str]:
    return [c.id for c in consultations if c.status in WAITING]
