"""The change-request workflow: one per request to change an approved objective or key result."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

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

SHORT = timedelta(seconds=30)
LONG = timedelta(minutes=5)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
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
        plan: ChangeRequestPlan = await workflow.execute_activity_method(
            ChangeActivities.load_change_request, input, start_to_close_timeout=SHORT, retry_policy=RETRY
        )
        self.plan = plan
        self.state = plan.status
        started = workflow.now()
        while self.state is ChangeRequestStatus.PENDING:
            due = (
                started + REMIND_EVERY * (self.reminders + 1)
                if self.reminders < MAX_REMINDERS
                else plan.ends_at
            )
            if await self._decided(min(due, plan.ends_at)):
                break
            if workflow.now() >= plan.ends_at:
                async with self.lock:
                    if self.state is ChangeRequestStatus.PENDING:
                        await workflow.execute_activity_method(
                            ChangeActivities.expire_change_request,
                            ExpireChangeInput(
                                org_id=input.org_id, request_id=input.request_id, at=workflow.now()
                            ),
                            start_to_close_timeout=SHORT,
                            retry_policy=RETRY,
                        )
                        self.state = ChangeRequestStatus.WITHDRAWN
                break
            self.reminders += 1
            await workflow.execute_activity_method(
                ChangeActivities.remind_change_approvers,
                RemindApproversInput(
                    org_id=input.org_id,
                    request_id=input.request_id,
                    reminder=self.reminders,
                    at=workflow.now(),
                ),
                start_to_close_timeout=SHORT,
                retry_policy=RETRY,
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self.state is not None
        return ChangeRequestResult(status=self.state)

    async def _decided(self, until: datetime) -> bool:
        while True:
            delay = until - workflow.now()
            if delay > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self.state is not ChangeRequestStatus.PENDING or self.busy, timeout=delay
                    )
            if self.busy:
                await workflow.wait_condition(lambda: not self.busy)
            if self.state is not ChangeRequestStatus.PENDING:
                return True
            if workflow.now() >= until:
                return False

    @workflow.update
    async def decide(self, input: DecideChangeInput) -> DecideChangeResult:
        """Approve (apply and publish) or reject (with a note) the request."""
        await workflow.wait_condition(lambda: self.plan is not None)
        async with self.lock:
            self._validate_decision(input)
            self.busy = True
            try:
                result: DecideChangeResult = await workflow.execute_activity_method(
                    ChangeActivities.decide_change_request,
                    DecideChangeActivityInput(
                        org_id=self.input.org_id,
                        request_id=self.input.request_id,
                        decided_by=input.decided_by,
                        approve=input.approve,
                        note=input.note,
                        at=workflow.now(),
                    ),
                    start_to_close_timeout=LONG,
                    retry_policy=RETRY,
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
