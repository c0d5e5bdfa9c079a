"""The change-request workflow: one per request to change an approved objective or key result."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.steps import settled, step

with workflow.unsafe.imports_passed_through():
    from activities.changes import ChangeActivities
    from okrflow.domain.model import ChangeRequestStatus
    from workflows.governance_messages import (
        ChangeRequestInput,
        ChangeRequestPlan,
        ChangeRequestResult,
        ChangeRequestStatusView,
        DecideChangeActivityInput,
        DecideChangeInput,
        DecideChangeResult,
        ExpireChangeInput,
        RemindApproversInput,
        change_workflow_id,
    )

LONG = timedelta(minutes=5)
REMIND_EVERY = timedelta(days=3)  # a pending request reminds its approver this often
MAX_REMINDERS = 3


__all__ = ["ChangeRequestWorkflow", "change_workflow_id"]


@workflow.defn
class ChangeRequestWorkflow:
    """Pending → approved and applied (published to everyone) or rejected (the requester is told).

    Until the approver decides, the request changes nothing: the objective or key result stays as it
    was, and the approver is reminded every few days. An approval applies the change through the
    audited store path (the old value kept beside the new one, with the reason) and publishes it to
    the whole org. A request still pending when the cycle ends lapses.

    Update (command): decide (validated: still pending, by an approver, a rejection says why).
    Query: status.
    """

    @workflow.init
    def __init__(self, input: ChangeRequestInput) -> None:
        self.input = input
        self.plan: ChangeRequestPlan | None = None
        self.state: ChangeRequestStatus | None = None
        self.reminders = 0
        self.busy = False
        self.lock = asyncio.Lock()

    @workflow.run
    async def run(self, input: ChangeRequestInput) -> ChangeRequestResult:
        plan: ChangeRequestPlan = await step(ChangeActivities.load_change_request, input)
        self.plan = plan
        self.state = plan.status
        started = workflow.now()
        while self.state is ChangeRequestStatus.PENDING:
            due = (
                started + REMIND_EVERY * (self.reminders + 1)
                if self.reminders < MAX_REMINDERS
                else plan.ends_at
            )
            if await settled(self._decided, lambda: self.busy, min(due, plan.ends_at)):
                break
            if workflow.now() >= plan.ends_at:
                async with self.lock:
                    if self.state is ChangeRequestStatus.PENDING:
                        await step(
                            ChangeActivities.expire_change_request,
                            ExpireChangeInput(
                                org_id=input.org_id, request_id=input.request_id, at=workflow.now()
                            ),
                        )
                        self.state = ChangeRequestStatus.WITHDRAWN
                break
            self.reminders += 1
            await step(
                ChangeActivities.remind_change_approvers,
                RemindApproversInput(
                    org_id=input.org_id,
                    request_id=input.request_id,
                    reminder=self.reminders,
                    at=workflow.now(),
                ),
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self.state is not None
        return ChangeRequestResult(status=self.state)

    def _decided(self) -> bool:
        return self.state is not ChangeRequestStatus.PENDING

    @workflow.update
    async def decide(self, input: DecideChangeInput) -> DecideChangeResult:
        """Approve (apply and publish) or reject (with a note) the request."""
        await workflow.wait_condition(lambda: self.plan is not None)
        async with self.lock:
            self._validate_decision(input)
            self.busy = True
            try:
                result: DecideChangeResult = await step(
                    ChangeActivities.decide_change_request,
                    DecideChangeActivityInput(
                        org_id=self.input.org_id,
                        request_id=self.input.request_id,
                        decided_by=input.decided_by,
                        approve=input.approve,
                        note=input.note,
                        at=workflow.now(),
                    ),
                    within=LONG,
                )
                self.state = result.status
            finally:
                self.busy = False
            return result

    @decide.validator
    def _validate_decision(self, input: DecideChangeInput) -> None:
        if self.plan is None:
            return  # starting: the handler checks again once the request is loaded
        if self.state is not ChangeRequestStatus.PENDING:
            shown = self.state.value if self.state is not None else "unknown"
            raise ApplicationError(
                f"change request {self.input.request_id} is {shown}: it was decided already"
            )
        if input.decided_by not in self.plan.approvers:
            raise ApplicationError(
                f"{input.decided_by} cannot decide on change request {self.input.request_id}: "
                f"the approver is {', '.join(self.plan.approvers) or 'nobody (no manager or admin set)'}"
            )
        if not input.approve and not input.note.strip():
            raise ApplicationError("rejecting a change request needs a note that says why")

    @workflow.query
    def status(self) -> ChangeRequestStatusView:
        return ChangeRequestStatusView(
            request_id=self.input.request_id,
            status=self.state or ChangeRequestStatus.PENDING,
            approvers=self.plan.approvers if self.plan else [],
            reminders=self.reminders,
        )
