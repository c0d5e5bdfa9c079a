"""Activities of change control: the change-request workflow's steps and the mid-term review's.

Thin adapters to ``okrflow.services.change_control``. A decision is keyed (``run_once``): a retried
decision returns the first result and neither applies nor publishes twice. The mid-term review's
notices are keyed by the cycle event.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.cycle import business_error
from okrflow.domain.calendar import cycle_calendar
from okrflow.domain.errors import OKRFlowError
from okrflow.services import change_control
from okrflow.store import ActivityKeyStore, ChangeRequestStore, CycleStore, unit_of_work
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


class ChangeActivities:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.sessions = session_factory

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
        key = f"change:{input.org_id}:{input.request_id}:decision"

        def decide() -> DecideChangeResult:
            request, told = change_control.decide_change(
                session,
                input.org_id,
                input.request_id,
                decided_by=input.decided_by,
                approve=input.approve,
                note=input.note,
                at=input.at,
            )
            return DecideChangeResult(request_id=request.id, status=request.status, published_to=told)

        try:
            with unit_of_work(self.sessions) as session:
                done = ActivityKeyStore(session).run_once(key, decide, at=input.at)
        except OKRFlowError as exc:
            raise business_error(exc) from exc
        return DecideChangeResult.model_validate(done)

    @activity.defn
    def remind_change_approvers(self, input: RemindApproversInput) -> int:
        with unit_of_work(self.sessions) as session:
            return change_control.remind_approvers(
                session, input.org_id, input.request_id, reminder=input.reminder, at=input.at
            )

    @activity.defn
    def expire_change_request(self, input: ExpireChangeInput) -> None:
        try:
            with unit_of_work(self.sessions) as session:
                change_control.expire_change(session, input.org_id, input.request_id, at=input.at)
        except OKRFlowError as exc:
            raise business_error(exc) from exc

    # ------------------------------------------------------------ the mid-term review

    @activity.defn
    def open_midterm_review(self, input: CycleStepInput) -> MidtermResult:
        """The window opens: every owner of an approved objective is asked to confirm or revise it."""
        with unit_of_work(self.sessions) as session:
            asked = change_control.open_midterm_review(
                session, input.org_id, input.cycle_id, at=input.at, until=input.until
            )
        return MidtermResult(asked=asked)

    @activity.defn
    def close_midterm_review(self, input: CycleStepInput) -> MidtermResult:
        """The window closes: the revision log (before, after, reason, approver) is published to everyone."""
        with unit_of_work(self.sessions) as session:
            revisions, told = change_control.close_midterm_review(
                session, input.org_id, input.cycle_id, at=input.at
            )
        return MidtermResult(revisions=revisions, published_to=told)
