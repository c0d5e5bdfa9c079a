"""The consultation (会商) meeting's record: situation, causes, impact, decisions, task revisions and
the agreed check (a date and a condition).

The API validates a record with ``check_meeting`` before it sends it to the ``ConsultationWorkflow``, so
a wrong date, an unknown task or a condition that does not compile comes back at once, naming the field;
the workflow's activity then runs ``record_meeting``.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from okrflow.domain.calendar import local_date
from okrflow.domain.errors import InvalidState, PermissionDenied, Problem, ValidationFailed
from okrflow.domain.model import (
    Consultation,
    ConsultationStatus,
    LocalText,
    SubjectType,
    Task,
    validation_problems,
)
from okrflow.services.consultation_checks import CHECK_SCOPE
from okrflow.services.consultations import check_time, consultation_title
from okrflow.services.notify import excerpt, notify
from okrflow.store import ConsultationStore, CycleStore, KeyResultStore, PeopleStore, TaskStore
from rules.condition import compile_condition
from workflows.governance_messages import RecordMeetingInput, RecordMeetingResult

# What a meeting may change on a task (its KR stays; who owns it and when it is due may change).
TASK_REVISABLE = frozenset(
    {"title", "owner_id", "due", "milestone", "depends_on", "estimate_hours", "status", "collaborators"}
)


def check_meeting(
    session: Session, org_id: str, consultation: Consultation, meeting: RecordMeetingInput, *, at: datetime
) -> list[Task]:
    """Validate a meeting record against the stored consultation; return the revised tasks as they would be.

    Raises:
        PermissionDenied: the record is not by one of the consultation's participants.
        InvalidState: the consultation is not waiting for its meeting (met already, or closed).
        ValidationFailed: each bad field, located: ``check_on`` (not after today, or after the cycle's
            last day), ``check_condition`` (with the CEL error and column), ``escalate_to``,
            ``task_revisions.<i>.task_id`` / ``.changes.<field>``.
    """
    if meeting.recorded_by not in consultation.participants:
        raise PermissionDenied(
            f"the meeting of consultation {consultation.id!r} is recorded by one of its participants"
        )
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
    scope = CHECK_SCOPE.get(consultation.subject_type)
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
    title = consultation_title(session, consultation)
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
