"""A consultation's agreed check, and the escalation one rung higher when it fails.

The agreed check is a CEL condition over the subject's facts (the rule language:
``gap < 0.1 && confidence >= 6``), evaluated on a fresh snapshot at the check date's review time. True:
the subject recovered and the consultation closes. False (or undecidable): it escalates: the next
manager up the owner's management chain (or the named executive) joins a new consultation one level
higher, convened at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from okrflow.domain.calendar import local_date, week_count, week_of
from okrflow.domain.errors import NotFound
from okrflow.domain.model import Consultation, ConsultationStatus, Cycle, LocalText, Person, Role, SubjectType
from okrflow.services.consultations import MEETING_DELAY, consultation_title
from okrflow.services.notify import notify
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
from workflows.governance_messages import CheckResult

# The facts a check reads, by what the consultation is about.
CHECK_SCOPE = {
    SubjectType.KEY_RESULT: Scope.KEY_RESULT,
    SubjectType.OBJECTIVE: Scope.OBJECTIVE,
    SubjectType.TASK: Scope.TASK,
    SubjectType.PERSON: Scope.PERSON,
    SubjectType.TEAM: Scope.TEAM,
}


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
    scope = CHECK_SCOPE[consultation.subject_type]
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
    title = consultation_title(session, consultation)
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
