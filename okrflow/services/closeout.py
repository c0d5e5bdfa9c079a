"""Close-out: honest scores, retrospectives, the cycle report, carry-over proposals, then the archive.

When the cycle ends (``report_at_end``) the report is computed and stored (not final) and every
objective owner is asked for a retrospective. At the end of close-out (``archive``) the final report
is computed with the final check-ins and the retrospectives, stored with the carry-over proposals
for the next cycle, the approved objectives close, anything still waiting (a consultation, a change
request) is closed, everyone is told, and the cycle workflow archives the cycle: read-only from then.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.errors import InvalidState, NotFound
from okrflow.domain.model import ChangeRequestStatus, LocalText, Notification, ObjectiveStatus, Person, Phase
from okrflow.reports.carry_over import CarryOverProposal, propose_carry_over
from okrflow.reports.cycle_report import CycleReport, Retrospective, close_out
from okrflow.services.change_control import expire_change
from okrflow.services.consultations import close_waiting
from okrflow.services.drafting import owner_of
from okrflow.services.midterm import midterm_revisions
from okrflow.services.notify import notify
from okrflow.store import (
    ChangeRequestStore,
    ConsultationStore,
    CycleReportStore,
    CycleStore,
    FlagStore,
    NotificationStore,
    ObjectiveStore,
    PeopleStore,
    RetrospectiveStore,
    StoredReport,
    new_id,
)
from okrflow.store.snapshot import load_snapshot


def build_report(
    session: Session, org_id: str, cycle_id: str, *, as_of: datetime
) -> tuple[CycleReport, list[CarryOverProposal]]:
    """The cycle's report and carry-over proposals as of ``as_of``, from what is stored now."""
    snapshot = load_snapshot(session, cycle_id, as_of=as_of, org_id=org_id)
    report = close_out(
        snapshot,
        as_of=as_of,
        retrospectives={
            k: v
            for k, v in RetrospectiveStore(session).list_for_cycle(org_id, cycle_id).items()
            if k in snapshot.objectives
        },
        flags=FlagStore(session).list_for_cycle(org_id, cycle_id),
        consultations=ConsultationStore(session).list_for_cycle(org_id, cycle_id),
        change_requests=ChangeRequestStore(session).list_for_cycle(org_id, cycle_id),
        revisions=midterm_revisions(session, org_id, cycle_id),
    )
    return report, propose_carry_over(report, snapshot)


def report_at_end(session: Session, org_id: str, cycle_id: str, *, at: datetime) -> StoredReport:
    """The cycle ended: store the report as it stands and ask each owner for a retrospective."""
    report, proposals = build_report(session, org_id, cycle_id, as_of=at)
    stored = CycleReportStore(session).put(org_id, report, proposals, final=False, at=at)
    cycle = CycleStore(session).get(org_id, cycle_id)
    people = PeopleStore(session).get_many(org_id, {o.owner_id for o in report.objectives})
    carried = {p.source_objective_id for p in proposals}
    for objective in report.objectives:
        owner = people.get(objective.owner_id)
        if owner is None or not owner.active:
            continue
        notify(
            session,
            org_id,
            [owner.id],
            kind="retrospective_due",
            dedupe_key=f"retrospective_due:{cycle_id}:{objective.objective_id}",
            title=LocalText(
                en=f"{cycle.name} ended: “{objective.title}” scored {objective.score:.2f}; "
                "write its retrospective",
                zh=f"{cycle.name} 已结束：“{objective.title}”得分 {objective.score:.2f}，请撰写复盘",
            ),
            body=LocalText(
                en="What worked, what did not, and what carries over"
                + (" (a carry-over draft is proposed)." if objective.objective_id in carried else "."),
                zh="哪些做得好、哪些没做好、哪些要延续"
                + ("（已生成延续草案）。" if objective.objective_id in carried else "。"),
            ),
            at=at,
            payload={"cycle_id": cycle_id, "objective_id": objective.objective_id, "score": objective.score},
        )
    return stored


def archive(
    session: Session, org_id: str, cycle_id: str, *, at: datetime
) -> tuple[StoredReport, dict[str, int]]:
    """The end of close-out: the final report, carry-over proposals, closed objectives, nothing left waiting.

    The caller (the cycle workflow) then sets the phase to archived, after which every write is refused.
    """
    consultations_closed = close_waiting(session, org_id, cycle_id, at=at)
    withdrawn = 0
    for request in ChangeRequestStore(session).list_for_cycle(
        org_id, cycle_id, status=ChangeRequestStatus.PENDING
    ):
        expire_change(session, org_id, request.id, at=at)
        withdrawn += 1
    objectives = ObjectiveStore(session)
    closed = 0
    for o in objectives.list_for_cycle(org_id, cycle_id):
        if o.status is ObjectiveStatus.APPROVED:
            objectives.update(
                org_id,
                o.id,
                {"status": ObjectiveStatus.CLOSED},
                expected_version=None,
                actor="system:closeout",
                action="close",
                reason="close-out",
                at=at,
            )
            closed += 1
    report, proposals = build_report(session, org_id, cycle_id, as_of=at)
    stored = CycleReportStore(session).put(org_id, report, proposals, final=True, at=at)
    _publish(session, org_id, cycle_id, report, proposals, at)
    return stored, {
        "closed_objectives": closed,
        "consultations_closed": consultations_closed,
        "requests_withdrawn": withdrawn,
    }


def _publish(
    session: Session,
    org_id: str,
    cycle_id: str,
    report: CycleReport,
    proposals: list[CarryOverProposal],
    at: datetime,
) -> None:
    """Everyone is told the report is out (with their own score); owners get their carry-over drafts."""
    people = [p for p in PeopleStore(session).list(org_id) if p.active]
    mine = {p.person_id: p for p in report.people}
    org_score = report.org.score
    org_shown = f"{org_score:.2f}" if org_score is not None else "—"
    title = LocalText(
        en=f"{report.cycle_name} is closed: the cycle report is out",
        zh=f"{report.cycle_name} 已结束：周期报告已发布",
    )
    notices = []
    for person in people:
        own = mine.get(person.id)
        score = own.rollup.score if own is not None else None
        shown = f"{score:.2f}" if score is not None else "—"
        notices.append(
            Notification(
                id=new_id(),
                org_id=org_id,
                recipient_id=person.id,
                kind="cycle_report",
                dedupe_key=f"cycle_report:{cycle_id}",
                title=title,
                body=LocalText(
                    en=f"Org score {org_shown}; yours {shown}.",
                    zh=f"组织得分 {org_shown}；你的得分 {shown}。",
                ),
                payload={"cycle_id": cycle_id, "score": score, "org_score": org_score},
                created_at=at,
                delivered_at=at,
            )
        )
    NotificationStore(session).enqueue_many(notices)  # one statement for the whole org
    for proposal in proposals:
        next_name = proposal.cycle_name or proposal.cycle_start.isoformat()
        notify(
            session,
            org_id,
            [proposal.owner_id],
            kind="carry_over_proposed",
            dedupe_key=f"carry_over:{cycle_id}:{proposal.source_objective_id}",
            title=LocalText(
                en=f"Carry-over proposed for “{proposal.title}”", zh=f"已为“{proposal.title}”生成延续草案"
            ),
            body=LocalText(
                en=f"{len(proposal.key_results)} key result(s) for {next_name}.",
                zh=f"{len(proposal.key_results)} 个关键结果，延续至 {next_name}。",
            ),
            at=at,
            payload={"cycle_id": cycle_id, "objective_id": proposal.source_objective_id},
        )


# ---------------------------------------------------------------- reading and writing through the API


def read_report(session: Session, actor: Person, cycle_id: str, *, at: datetime) -> tuple[CycleReport, str]:
    """The stored report (``final`` or ``preliminary``); before the cycle ends, the report as of now."""
    report, _, status = _stored_or_live(session, actor.org_id, cycle_id, at=at)
    return report, status


def read_carry_over(
    session: Session, actor: Person, cycle_id: str, *, at: datetime
) -> tuple[list[CarryOverProposal], str]:
    """The carry-over proposals stored with the report; before the cycle ends, as of now."""
    _, proposals, status = _stored_or_live(session, actor.org_id, cycle_id, at=at)
    return proposals, status


def _stored_or_live(
    session: Session, org_id: str, cycle_id: str, *, at: datetime
) -> tuple[CycleReport, list[CarryOverProposal], str]:
    cycle = CycleStore(session).get(org_id, cycle_id)
    try:
        stored = CycleReportStore(session).get(org_id, cycle.id)
    except NotFound:
        report, proposals = build_report(session, org_id, cycle.id, as_of=at)
        return report, proposals, "live"
    return stored.report, stored.carry_over, "final" if stored.final else "preliminary"


def write_retrospective(
    session: Session, actor: Person, objective_id: str, data: Mapping[str, Any], *, at: datetime
) -> Retrospective:
    """The objective's owner (or their manager, or an admin) writes its retrospective, until the archive.

    Raises:
        PermissionDenied: not the owner, their manager or an admin.
        InvalidState: a draft (not part of the quarter), or the cycle is archived.
    """
    objective = ObjectiveStore(session).get(actor.org_id, objective_id)
    access.require_edit_objective(actor, objective, owner_of(session, objective))
    if objective.status in (ObjectiveStatus.DRAFT, ObjectiveStatus.RETURNED):
        raise InvalidState(
            f"objective {objective.id!r} is {objective.status.value}: "
            "drafts are not part of the quarter's report"
        )
    cycle = CycleStore(session).get(actor.org_id, objective.cycle_id)
    if cycle.phase is Phase.ARCHIVED:
        raise InvalidState(f"cycle {cycle.name!r} is archived: it is read-only")
    retro = Retrospective(
        objective_id=objective.id,
        author_id=actor.id,
        what_worked=data.get("what_worked") or "",
        what_did_not=data.get("what_did_not") or "",
        carry_over=data.get("carry_over") or "",
        language=data.get("language") or actor.language,
    )
    return RetrospectiveStore(session).put(actor.org_id, cycle.id, retro, at=at)


__all__ = [
    "archive",
    "build_report",
    "read_carry_over",
    "read_report",
    "report_at_end",
    "write_retrospective",
]
