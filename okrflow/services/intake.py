"""The OKR ambassador's desk: the intake where anyone raises a problem about any OKR, its triage
(assign, open a consultation, close with a note), and the weekly org-wide digest.

Anyone raises a problem; the ambassadors are told. The raiser and the assignee read it; the
ambassador and admins read and triage every one. The digest of a week is built from the cycle as of
that week's review: missing check-ins by team, open consultations, change requests waiting, the
rules that fired most, open problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from okrflow.domain.calendar import review_time, review_times, week_count
from okrflow.domain.errors import InvalidState, PermissionDenied, Problem, ValidationFailed
from okrflow.domain.model import Consultation, Cycle, LocalText, Person, Role, SubjectType, parse_model
from okrflow.reports.ambassador import ambassador_digest
from okrflow.reports.ambassador_model import AmbassadorDigest, IntakeProblem, ProblemStatus
from okrflow.services.consultations import open_consultation
from okrflow.services.notify import excerpt, notify
from okrflow.store import (
    ChangeRequestStore,
    ConsultationStore,
    CycleStore,
    FlagStore,
    PeopleStore,
    ProblemStore,
    new_id,
)
from okrflow.store.cycle_scope import cycle_of_subject
from okrflow.store.snapshot import load_snapshot

TRIAGERS = frozenset({Role.AMBASSADOR, Role.ADMIN})
RAISABLE = (
    SubjectType.OBJECTIVE,
    SubjectType.KEY_RESULT,
    SubjectType.TASK,
    SubjectType.PERSON,
    SubjectType.TEAM,
)
Action = Literal["assign", "consultation", "close"]


def ambassadors(session: Session, org_id: str) -> list[Person]:
    return [p for p in PeopleStore(session).list(org_id) if p.active and p.role is Role.AMBASSADOR]


def raise_problem(session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime) -> IntakeProblem:
    """Anyone raises a problem about an OKR (objective, key result, task) or a person or team.

    Raises:
        ValidationFailed: an unknown subject, or an empty text.
        InvalidState: the subject's cycle is archived.
    """
    subject_type = SubjectType(data["subject_type"])
    if subject_type not in RAISABLE:
        raise ValidationFailed(
            [Problem(("subject_type",), f"problems are raised about one of {[s.value for s in RAISABLE]}")]
        )
    problem = parse_model(
        IntakeProblem,
        {
            "id": new_id(),
            "org_id": actor.org_id,
            "cycle_id": cycle_of_subject(session, subject_type, data["subject_id"]),
            "subject_type": subject_type,
            "subject_id": data["subject_id"],
            "raised_by": actor.id,
            "text": str(data.get("text") or "").strip(),
            "created_at": at,
        },
    )
    problem = ProblemStore(session).add(problem)
    notify(
        session,
        actor.org_id,
        [p.id for p in ambassadors(session, actor.org_id) if p.id != actor.id],
        kind="problem_raised",
        dedupe_key=f"problem_raised:{problem.id}",
        title=LocalText(en=f"{actor.name} raised a problem", zh=f"{actor.name} 反映了一个问题"),
        body=LocalText(en=excerpt(problem.text, 300), zh=excerpt(problem.text, 300)),
        at=at,
        payload={
            "problem_id": problem.id,
            "subject_type": subject_type.value,
            "subject_id": problem.subject_id,
        },
    )
    return problem


def can_read(actor: Person, problem: IntakeProblem) -> bool:
    return actor.role in TRIAGERS or actor.id in (problem.raised_by, problem.assignee_id)


def get_problem(session: Session, actor: Person, problem_id: str) -> IntakeProblem:
    problem = ProblemStore(session).get(actor.org_id, problem_id)
    if not can_read(actor, problem):
        raise PermissionDenied(
            f"problem {problem_id!r} is read by whoever raised it, its assignee, "
            "the OKR ambassador and admins"
        )
    return problem


def list_problems(
    session: Session,
    actor: Person,
    *,
    status: ProblemStatus | None = None,
    cycle_id: str | None = None,
) -> list[IntakeProblem]:
    """The ambassador and admins see every problem; others those they raised or were assigned."""
    found = ProblemStore(session).list(actor.org_id, status=status, cycle_id=cycle_id)
    return [p for p in found if can_read(actor, p)]


def triage(
    session: Session, actor: Person, problem_id: str, data: Mapping[str, Any], *, at: datetime
) -> tuple[IntakeProblem, Consultation | None]:
    """The ambassador assigns a problem, opens a consultation for it, or closes it with a note.

    Raises:
        PermissionDenied: the actor is not the ambassador (or an admin).
        InvalidState: the problem is closed.
        ValidationFailed: no assignee to assign to, no note to close with, a consultation about a
            subject that is not a key result or objective.
    """
    if actor.role not in TRIAGERS:
        raise PermissionDenied(
            f"problems are triaged by the OKR ambassador or an admin; you are {actor.role.value}"
        )
    store = ProblemStore(session)
    problem = store.get(actor.org_id, problem_id)
    if problem.status is ProblemStatus.CLOSED:
        raise InvalidState(f"problem {problem_id!r} is closed")
    action: Action = data["action"]
    note = str(data.get("note") or "").strip() or None
    consultation: Consultation | None = None
    if action == "assign":
        assignee = data.get("assignee_id")
        if not assignee:
            raise ValidationFailed([Problem(("assignee_id",), "say who the problem is assigned to")])
        if assignee not in PeopleStore(session).get_many(actor.org_id, [assignee]):
            raise ValidationFailed([Problem(("assignee_id",), f"no person {assignee!r} in this org")])
        changes: dict[str, Any] = {"status": ProblemStatus.ASSIGNED, "assignee_id": assignee, "note": note}
        told = [assignee, problem.raised_by]
        title = LocalText(en="A problem was assigned", zh="一个问题已分派")
    elif action == "consultation":
        if problem.subject_type not in (SubjectType.KEY_RESULT, SubjectType.OBJECTIVE):
            raise ValidationFailed(
                [
                    Problem(
                        ("action",),
                        "a consultation is about a key result or an objective; assign this one instead",
                    )
                ]
            )
        consultation = open_consultation(
            session,
            actor,
            {
                "subject_type": problem.subject_type,
                "subject_id": problem.subject_id,
                "reason": f"{problem.text} (problem {problem.id})",
                "participants": [problem.raised_by],
                "meet_by": data.get("meet_by"),
            },
            at=at,
        )
        changes = {"status": ProblemStatus.CONSULTATION, "consultation_id": consultation.id, "note": note}
        told = [problem.raised_by]
        title = LocalText(en="A consultation was opened for your problem", zh="已为你反映的问题召集会商")
    elif action == "close":
        if note is None:
            raise ValidationFailed(
                [Problem(("note",), "closing a problem says why (a note for whoever raised it)")]
            )
        changes = {"status": ProblemStatus.CLOSED, "note": note}
        told = [problem.raised_by]
        title = LocalText(en="A problem you raised was closed", zh="你反映的问题已关闭")
    else:  # pragma: no cover - the API's schema allows only the three
        raise ValidationFailed([Problem(("action",), "is one of assign, consultation, close")])
    problem = store.update(actor.org_id, problem_id, changes)
    notify(
        session,
        actor.org_id,
        [p for p in told if p != actor.id],
        kind="problem_triaged",
        dedupe_key=f"problem_triaged:{problem.id}:{action}:{problem.assignee_id or ''}",
        title=title,
        body=LocalText(
            en=f"“{excerpt(problem.text, 120)}”" + (f" — {note}" if note else ""),
            zh=f"“{excerpt(problem.text, 120)}”" + (f"——{note}" if note else ""),
        ),
        at=at,
        payload={"problem_id": problem.id, "action": action, "consultation_id": problem.consultation_id},
    )
    return problem, consultation


# ---------------------------------------------------------------- the weekly digest


def latest_review_week(cycle: Cycle, *, now: datetime) -> int:
    """The week of the cycle's latest weekly review held by ``now``; ``ValidationFailed`` before the first."""
    held = [w for w, at in review_times(cycle) if at <= now]
    if not held:
        raise ValidationFailed([Problem(("week",), f"cycle {cycle.name!r} has had no weekly review yet")])
    return held[-1]


def build_digest(session: Session, org_id: str, cycle_id: str, week: int) -> AmbassadorDigest:
    """The org-wide digest of ``week``, as of that week's review.

    Raises:
        NotFound: no such cycle in the org.
        ValidationFailed: the week is outside the cycle or has no review.
    """
    cycle = CycleStore(session).get(org_id, cycle_id)
    if not 1 <= week <= week_count(cycle):
        raise ValidationFailed(
            [Problem(("week",), f"week {week} is outside cycle {cycle.name!r} (1..{week_count(cycle)})")]
        )
    at = review_time(cycle, week)
    if at is None:
        raise ValidationFailed(
            [Problem(("week",), f"week {week} of cycle {cycle.name!r} has no weekly review")]
        )
    snapshot = load_snapshot(session, cycle_id, as_of=at, org_id=org_id)
    return ambassador_digest(
        snapshot,
        week=week,
        flags=FlagStore(session).list_for_cycle(org_id, cycle_id, week=week),
        consultations=ConsultationStore(session).list_for_cycle(org_id, cycle_id),
        change_requests=ChangeRequestStore(session).list_for_cycle(org_id, cycle_id),
        problems=[p for p in ProblemStore(session).list(org_id) if p.cycle_id in (None, cycle_id)],
    )


def send_digest(
    session: Session, org_id: str, cycle_id: str, week: int, *, at: datetime
) -> AmbassadorDigest | None:
    """Send the week's digest to the ambassadors (None when the org has none: nothing is built)."""
    found = ambassadors(session, org_id)
    if not found:
        return None
    digest = build_digest(session, org_id, cycle_id, week)
    top = "; ".join(f"{r.rule_id} ×{r.fired}" for r in digest.rules[:5]) or "—"
    open_problems = len(digest.problems)
    notify(
        session,
        org_id,
        [p.id for p in found],
        kind="ambassador_digest",
        dedupe_key=f"ambassador_digest:{cycle_id}:w{week}",
        title=LocalText(
            en=f"{digest.cycle_name}, week {week}: {digest.missing_krs} missing check-in(s), "
            f"{len(digest.consultations)} open consultation(s), "
            f"{len(digest.change_requests)} change request(s) "
            f"waiting, {open_problems} open problem(s)",
            zh=f"{digest.cycle_name} 第 {week} 周：缺少 {digest.missing_krs} 条进展更新，"
            f"{len(digest.consultations)} 个会商进行中，{len(digest.change_requests)} 项变更待审批，"
            f"{open_problems} 个问题待处理",
        ),
        body=LocalText(en=f"Rules that fired most: {top}", zh=f"触发最多的规则：{top}"),
        at=at,
        payload={
            "cycle_id": cycle_id,
            "week": week,
            "missing_krs": digest.missing_krs,
            "missing_owners": digest.missing_owners,
            "consultations": len(digest.consultations),
            "change_requests": len(digest.change_requests),
            "problems": open_problems,
            "link": f"/api/v1/cycles/{cycle_id}/ambassador-digest?week={week}",
        },
    )
    return digest
