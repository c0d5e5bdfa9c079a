"""Activities of the cycle workflow: the timetable, phases, drafting and reminders.

Thin adapters from the workflow to the core and the store. Each runs in one transaction and
is idempotent: reminders are keyed per person and event, phase changes and decisions are
no-ops when already applied.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio import activity

from activities.notices import notice, notify_each
from activities.steps import StoreActivities, business_outcomes
from okrflow.critique.draft import Draft, DraftCycle, DraftKeyResult, DraftObjective
from okrflow.domain.calendar import cycle_calendar, review_time
from okrflow.domain.model import Comment, Cycle, LocalText, ObjectiveStatus, SubjectType
from okrflow.domain.schedule import cycle_events
from okrflow.services.change_control import approvers_for
from okrflow.store import (
    CheckInStore,
    CommentStore,
    CycleStore,
    KeyResultStore,
    NotificationStore,
    ObjectiveStore,
    PeopleStore,
    unit_of_work,
)
from okrflow.store.critiques import CritiqueStore
from okrflow.store.tables import comments
from workflows.messages import (
    CyclePlan,
    CycleRef,
    DecisionInput,
    LoadDraftInput,
    RemindInput,
    RemindResult,
    SetPhaseInput,
    SubmissionInput,
    SubmissionResult,
)


class CycleActivities(StoreActivities):
    # ------------------------------------------------------------ timetable and phase

    @activity.defn
    def load_cycle_plan(self, input: CycleRef) -> CyclePlan:
        with unit_of_work(self.sessions) as session:
            cycle = CycleStore(session).get(input.org_id, input.cycle_id)
        return CyclePlan(events=cycle_events(cycle), phase=cycle.phase)

    @activity.defn
    def set_phase(self, input: SetPhaseInput) -> None:
        with unit_of_work(self.sessions) as session:
            CycleStore(session).set_phase(input.org_id, input.cycle_id, input.phase)

    # ------------------------------------------------------------ drafting

    @activity.defn
    def load_draft(self, input: LoadDraftInput) -> Draft:
        """The objective and its KRs in the draft shape the critic reads."""
        with unit_of_work(self.sessions) as session:
            objective = ObjectiveStore(session).get(input.org_id, input.objective_id)
            krs = KeyResultStore(session).list_for_objective(input.org_id, objective.id)
            cycle = CycleStore(session).get(input.org_id, objective.cycle_id)
            owners = PeopleStore(session).get_many(
                input.org_id, {objective.owner_id, *(k.owner_id for k in krs if k.owner_id)}
            )
        return Draft(
            id=objective.id,
            cycle=DraftCycle(name=cycle.name, start=cycle.start, end=cycle.end),
            objective=DraftObjective(
                title=objective.title,
                owner=owners[objective.owner_id].name if objective.owner_id in owners else None,
                kind=objective.kind,
                description=objective.description or None,
            ),
            key_results=[
                DraftKeyResult(
                    title=kr.title,
                    owner=owners[kr.owner_id].name if kr.owner_id in owners else None,
                    start=kr.start,
                    target=kr.target,
                    unit=kr.unit or None,
                    due=kr.due,
                    kind=kr.kind,
                    direction=kr.direction,
                )
                for kr in krs
            ],
        )

    @activity.defn
    def record_submission(self, input: SubmissionInput) -> SubmissionResult:
        """Mark the draft submitted, keep the critique with it, and tell the approvers."""
        with business_outcomes(), unit_of_work(self.sessions) as session:
            objectives = ObjectiveStore(session)
            objective = objectives.get(input.org_id, input.objective_id)
            if objective.status in (ObjectiveStatus.DRAFT, ObjectiveStatus.RETURNED):
                objective = objectives.update(
                    input.org_id,
                    objective.id,
                    {"status": ObjectiveStatus.SUBMITTED},
                    expected_version=None,
                    actor=input.submitted_by,
                    action="submit",
                    at=input.at,
                )
            CritiqueStore(session).put(
                org_id=input.org_id,
                objective_id=objective.id,
                version=objective.version,
                critique=input.critique,
                at=input.at,
            )
            owner = PeopleStore(session).get(input.org_id, objective.owner_id)
            approvers = [a.id for a in approvers_for(session, objective)]
            notify_each(
                session,
                approvers,
                org_id=input.org_id,
                kind="draft_submitted",
                at=input.at,
                key=f"submit:{objective.id}:v{objective.version}",
                title=LocalText(
                    en=f"{owner.name} submitted an objective for your approval",
                    zh=f"{owner.name} 提交了目标，等待你审批",
                ),
                body=LocalText(
                    en=f"“{objective.title}” — critique score {input.critique.get('score')}",
                    zh=f"“{objective.title}” —— 评审得分 {input.critique.get('score')}",
                ),
                payload={"objective_id": objective.id},
            )
            return SubmissionResult(owner_id=owner.id, approvers=approvers)

    @activity.defn
    def record_decision(self, input: DecisionInput) -> None:
        """Approve (the objective locks) or return it with the approver's comment."""
        with business_outcomes(), unit_of_work(self.sessions) as session:
            objectives = ObjectiveStore(session)
            objective = objectives.get(input.org_id, input.objective_id)
            status = ObjectiveStatus.APPROVED if input.approve else ObjectiveStatus.RETURNED
            if objective.status is ObjectiveStatus.SUBMITTED:
                objective = objectives.update(
                    input.org_id,
                    objective.id,
                    {"status": status},
                    expected_version=None,
                    actor=input.decided_by,
                    action="approve" if input.approve else "return",
                    reason=input.comment or None,
                    at=input.at,
                )
            comment_id = f"decision-{objective.id}-v{objective.version}"
            if input.comment.strip() and not _comment_exists(session, comment_id):
                CommentStore(session).add(
                    Comment(
                        id=comment_id,
                        org_id=input.org_id,
                        subject_type=SubjectType.OBJECTIVE,
                        subject_id=objective.id,
                        author_id=input.decided_by,
                        body=input.comment,
                        created_at=input.at,
                    )
                )
            approver = PeopleStore(session).get(input.org_id, input.decided_by)
            if input.approve:
                title = LocalText(
                    en=f"{approver.name} approved your objective", zh=f"{approver.name} 批准了你的目标"
                )
            else:
                title = LocalText(
                    en=f"{approver.name} returned your objective with a comment",
                    zh=f"{approver.name} 退回了你的目标并附上意见",
                )
            notify_each(
                session,
                [objective.owner_id],
                org_id=input.org_id,
                kind="draft_decided",
                at=input.at,
                key=f"decision:{objective.id}:v{objective.version}",
                title=title,
                body=LocalText(
                    en=f"“{objective.title}”" + (f": {input.comment}" if input.comment else ""),
                    zh=f"“{objective.title}”" + (f"：{input.comment}" if input.comment else ""),
                ),
                payload={"objective_id": objective.id, "approved": input.approve},
            )

    # ------------------------------------------------------------ reminders

    @activity.defn
    def remind_drafts(self, input: RemindInput) -> RemindResult:
        """Remind everyone who has no approved objective (or KR) in the cycle yet."""
        with unit_of_work(self.sessions) as session:
            objectives = ObjectiveStore(session).list_for_cycle(input.org_id, input.cycle_id)
            krs = KeyResultStore(session).list_for_cycle(input.org_id, input.cycle_id)
            approved = {o.id for o in objectives if o.status is ObjectiveStatus.APPROVED}
            covered = {o.owner_id for o in objectives if o.id in approved}
            covered |= {k.owner_id for k in krs if k.objective_id in approved and k.owner_id}
            people = [p for p in PeopleStore(session).list(input.org_id) if p.active and p.id not in covered]
            cycle = CycleStore(session).get(input.org_id, input.cycle_id)
            notify_each(
                session,
                [p.id for p in people],
                org_id=input.org_id,
                kind="draft_reminder",
                at=input.due,
                key=f"draft-reminder:{input.cycle_id}:{input.key}",
                title=LocalText(
                    en=f"{cycle.name} starts on {cycle.start}: your OKRs are not approved yet",
                    zh=f"{cycle.name} 将于 {cycle.start} 开始：你的 OKR 尚未获批",
                ),
                body=LocalText(
                    en="Draft or finish your objectives and submit them to your manager.",
                    zh="请起草或完善你的目标，并提交给你的经理审批。",
                ),
                payload={"cycle_id": input.cycle_id, "starts": cycle.start.isoformat()},
            )
            return RemindResult(reminded=sorted(p.id for p in people))

    @activity.defn
    def remind_missing_check_ins(self, input: RemindInput) -> RemindResult:
        """Remind KR owners whose check-in for this week is missing, one message per person."""
        return self._remind_check_ins(input, final=False)

    @activity.defn
    def remind_final_check_ins(self, input: RemindInput) -> RemindResult:
        """Before close-out: every KR owner is asked for a final check-in."""
        return self._remind_check_ins(input, final=True)

    def _remind_check_ins(self, input: RemindInput, *, final: bool) -> RemindResult:
        with unit_of_work(self.sessions) as session:
            cycle = CycleStore(session).get(input.org_id, input.cycle_id)
            objectives = {
                o.id: o
                for o in ObjectiveStore(session).list_for_cycle(input.org_id, input.cycle_id)
                if o.status is ObjectiveStatus.APPROVED
            }
            krs = [
                k
                for k in KeyResultStore(session).list_for_cycle(input.org_id, input.cycle_id)
                if k.objective_id in objectives
            ]
            since = _window_start(cycle, input.week, input.due)
            until = input.due or since
            done = CheckInStore(session).checked_in_between(
                input.org_id, [k.id for k in krs], since=since, until=until
            )
            missing: dict[str, list[str]] = defaultdict(list)
            for kr in krs:
                if final or kr.id not in done:
                    missing[kr.owner_id or objectives[kr.objective_id].owner_id].append(kr.title)
            people = PeopleStore(session).get_many(input.org_id, list(missing))
            recipients = sorted(p for p in missing if p in people and people[p].active)
            kind = "final_check_in_reminder" if final else "check_in_reminder"
            notices = []
            for pid in recipients:
                titles = missing[pid]
                listed = "; ".join(titles[:5]) + (" …" if len(titles) > 5 else "")
                if final:
                    title = LocalText(
                        en=f"{cycle.name} ends soon: record your final check-ins",
                        zh=f"{cycle.name} 即将结束：请提交最终进展",
                    )
                else:
                    title = LocalText(
                        en=f"Week {input.week}: {len(titles)} key result(s) need a check-in",
                        zh=f"第 {input.week} 周：有 {len(titles)} 个关键结果需要更新进展",
                    )
                notices.append(
                    notice(
                        org_id=input.org_id,
                        recipient_id=pid,
                        kind=kind,
                        at=input.due,
                        key=f"{kind}:{input.cycle_id}:{input.key}",
                        title=title,
                        body=LocalText(en=listed, zh=listed),
                        payload={"week": input.week, "count": len(titles)},
                    )
                )
            NotificationStore(session).enqueue_many(notices)
            return RemindResult(reminded=recipients)


def _window_start(cycle: Cycle, week: int | None, due: datetime | None) -> datetime:
    """Check-ins count for a week when made after the previous week's review (or the cycle start)."""
    if week is not None and week > 1:
        previous = review_time(cycle, week - 1)
        if previous is not None:
            return previous
    start = cycle_calendar(cycle).starts
    if due is not None and due - start > timedelta(days=7):
        return due - timedelta(days=7)
    return start


def _comment_exists(session: Session, comment_id: str) -> bool:
    return session.scalar(select(comments.c.id).where(comments.c.id == comment_id)) is not None
