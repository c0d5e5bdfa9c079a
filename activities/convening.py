"""A ladder's consultation rung fired in a weekly review: convene a consultation (会商) about the subject.

One consultation per subject at a time: while one is waiting for its meeting or its check, the rung
finds it instead of convening another. A convened consultation's id derives from the rung (cycle,
rule, subject, week), so a retried step finds the one it made. The consultation's own workflow is
started by the weekly review once this step reports it ``created``.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from activities.notices import notify_each
from activities.review_digests import owners_of
from okrflow.domain.model import Consultation, LocalText, Person, Role, SubjectType, TaskStatus
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.services.consultations import MEETING_DELAY, WAITING
from okrflow.store import ConsultationStore, PeopleStore
from okrflow.store.snapshot import load_snapshot
from workflows.messages import OpenConsultationInput, OpenConsultationResult


def convene(
    session: Session, input: OpenConsultationInput, snapshot: CycleSnapshot | None
) -> OpenConsultationResult:
    """Convene a consultation about the rung's subject unless one is waiting; ``snapshot``: the review's,
    when this worker still has it (else it is loaded)."""
    request = input.request
    subject_type = SubjectType(request.subject_type)
    store = ConsultationStore(session)
    waiting = [
        c
        for c in store.list_for_subject(input.org_id, subject_type, request.subject_id)
        if c.status in WAITING
    ]
    if waiting:
        return OpenConsultationResult(consultation_id=waiting[0].id, created=False)
    if snapshot is None:
        snapshot = load_snapshot(session, input.cycle_id, as_of=input.at, org_id=input.org_id)
    participants = _participants(
        snapshot, subject_type, request.subject_id, PeopleStore(session).list(input.org_id)
    )
    rung = f"{input.cycle_id}|{request.rule_id}|{request.subject_id}|w{input.week}"
    consultation = store.add(
        Consultation(
            id="cons-" + hashlib.sha256(rung.encode()).hexdigest()[:24],
            org_id=input.org_id,
            cycle_id=input.cycle_id,
            subject_type=subject_type,
            subject_id=request.subject_id,
            reason=f"{request.reason_en} / {request.reason_zh}",
            opened_by=f"rule:{request.rule_id}",
            participants=participants,
            meet_by=input.at + MEETING_DELAY,
            created_at=input.at,
        )
    )
    notify_each(
        session,
        participants,
        org_id=input.org_id,
        kind="consultation_convened",
        at=input.at,
        key=f"consultation:{consultation.id}",
        title=LocalText(en="A consultation meeting was convened", zh="已召集会商"),
        body=LocalText(en=request.reason_en, zh=request.reason_zh),
        payload={"consultation_id": consultation.id},
    )
    return OpenConsultationResult(consultation_id=consultation.id, created=True)


def _participants(
    snapshot: CycleSnapshot, subject_type: SubjectType, subject_id: str, people: list[Person]
) -> list[str]:
    """KR owner, task owners, the owner's manager and the ambassadors (active people, each once)."""
    by_id = {p.id: p for p in people}
    found: list[str] = list(owners_of(snapshot, subject_type, subject_id))
    if subject_type is SubjectType.KEY_RESULT:
        tasks = snapshot.tasks_by_kr.get(subject_id, [])
        found += [t.owner_id for t in tasks if t.status is not TaskStatus.CUT]
    manager = by_id[found[0]].manager_id if found and found[0] in by_id else None
    if manager:
        found.append(manager)
    found += [p.id for p in people if p.role is Role.AMBASSADOR and p.active]
    return list(dict.fromkeys(pid for pid in found if pid in by_id and by_id[pid].active))
