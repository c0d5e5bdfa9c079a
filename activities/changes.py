"""Activities of change control: the change-request workflow's steps and the mid-term review's.

Thin adapters to ``okrflow.services.change_control``, ``change_decisions`` and ``midterm``. A decision is
keyed (``run_once``): a retried decision returns the first result and neither applies nor publishes
twice. The mid-term review's notices are keyed by the cycle event.
"""

from __future__ import annotations

from sqlalchemy.orm import Session
from temporalio import activity

from activities.steps import StoreActivities, business_outcomes
from okrflow.domain.calendar import cycle_calendar
from okrflow.services import change_control, change_decisions, midterm
from okrflow.store import ChangeRequestStore, CycleStore, unit_of_work
from workflows.governance_messages import (
    ChangeRequestInput,
    ChangeRequestPlan,
    CycleStepInput,
    DecideChangeActivityInput,
    DecideChangeResult,
    ExpireChangeInput,
    MidtermResult,
    RemindApproversInput,
)


class ChangeActivities(StoreActivities):
    # ------------------------------------------------------------ change requests

    @activity.defn
    def load_change_request(self, input: ChangeRequestInput) -> ChangeRequestPlan:
        with unit_of_work(self.sessions) as session:
            request = ChangeRequestStore(session).get(input.org_id, input.request_id)
            objective = change_control.objective_of(
                session, input.org_id, request.subject_type, request.subject_id
            )
            cycle = CycleStore(session).get(input.org_id, request.cycle_id)
            return ChangeRequestPlan(
                status=request.status,
                approvers=[p.id for p in change_control.approvers_for(session, objective)],
                requested_by=request.requested_by,
                ends_at=cycle_calendar(cycle).ends,
            )

    @activity.defn
    def decide_change_request(self, input: DecideChangeActivityInput) -> DecideChangeResult:
        def decide(session: Session) -> DecideChangeResult:
            request, told = change_decisions.decide_change(
                session,
                input.org_id,
                input.request_id,
                decided_by=input.decided_by,
                approve=input.approve,
                note=input.note,
                at=input.at,
            )
            return DecideChangeResult(request_id=request.id, status=request.status, published_to=told)

        key = f"change:{input.org_id}:{input.request_id}:decision"
        with business_outcomes():
            return self.once(key, decide, DecideChangeResult, at=input.at)

    @activity.defn
    def remind_change_approvers(self, input: RemindApproversInput) -> int:
        with unit_of_work(self.sessions) as session:
            return change_control.remind_approvers(
                session, input.org_id, input.request_id, reminder=input.reminder, at=input.at
            )

    @activity.defn
    def expire_change_request(self, input: ExpireChangeInput) -> None:
        with business_outcomes(), unit_of_work(self.sessions) as session:
            change_control.expire_change(session, input.org_id, input.request_id, at=input.at)

    # ------------------------------------------------------------ the mid-term review

    @activity.defn
    def open_midterm_review(self, input: CycleStepInput) -> MidtermResult:
        """The window opens: every owner of an approved objective is asked to confirm or revise it."""
        with unit_of_work(self.sessions) as session:
            asked = midterm.open_midterm_review(
                session, input.org_id, input.cycle_id, at=input.at, until=input.until
            )
        return MidtermResult(asked=asked)

    @activity.defn
    def close_midterm_review(self, input: CycleStepInput) -> MidtermResult:
        """The window closes: the revision log (before, after, reason, approver) is published to everyone."""
        with unit_of_work(self.sessions) as session:
            revisions, told = midterm.close_midterm_review(session, input.org_id, input.cycle_id, at=input.at)
        return MidtermResult(revisions=revisions, published_to=told)
