"""The consultation (会商) workflow: one per consultation, from convening to its outcome."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.steps import settled, step

with workflow.unsafe.imports_passed_through():
    from activities.consultation import ConsultationActivities
    from activities.workflow_starts import WorkflowStarts
    from okrflow.domain.model import ConsultationStatus
    from workflows.governance_messages import (
        ChaseInput,
        CheckInput,
        CheckResult,
        CloseConsultationActivityInput,
        CloseConsultationInput,
        ConsultationInput,
        ConsultationPlan,
        ConsultationResult,
        ConsultationStatusView,
        RecordMeetingActivityInput,
        RecordMeetingInput,
        RecordMeetingResult,
        consultation_workflow_id,
    )

LONG = timedelta(minutes=5)
CHASE_EVERY = timedelta(days=2)  # after the meeting deadline, participants are reminded this often
MAX_CHASES = 3


__all__ = ["ConsultationWorkflow", "consultation_workflow_id"]


@workflow.defn
class ConsultationWorkflow:
    """Convened → meeting recorded (decisions, agreed check) → check → recovered, or escalated one rung up.

    The meeting has a deadline; an overdue one is chased (every participant reminded, up to three
    times). At the check date the agreed CEL condition is evaluated on a fresh snapshot: it holds,
    the consultation closes as recovered and the participants are told; it does not, the
    consultation is escalated and a new one, a level higher, is convened (and its own workflow
    started, independent of this one). Whatever is still waiting when the cycle ends is closed.
    A consultation may also be closed by hand with a note.

    Updates (commands): record_meeting (validated: waiting for its meeting, a participant, a check
    date after today and within the cycle), close (validated: still waiting). Query: status.
    """

    @workflow.init
    def __init__(self, input: ConsultationInput) -> None:
        self.input = input
        self.plan: ConsultationPlan | None = None
        self.state: ConsultationStatus | None = None
        self.check_at: datetime | None = None
        self.escalate_to: str | None = None
        self.chases = 0
        self.successor: str | None = None
        self.busy = False  # an update's activity is running
        self.lock = asyncio.Lock()

    # ------------------------------------------------------------ run

    @workflow.run
    async def run(self, input: ConsultationInput) -> ConsultationResult:
        plan: ConsultationPlan = await step(ConsultationActivities.load_consultation, input)
        self.plan = plan
        self.state = plan.status
        self.check_at = plan.check_at
        if self.state is ConsultationStatus.OPEN and not await self._wait_for_meeting():
            async with self.lock:
                if self.state is ConsultationStatus.OPEN:
                    await self._close("system:consultation", "", cycle_ended=True)
        if self.state is ConsultationStatus.AGREED:
            await self._check()
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self.state is not None
        return ConsultationResult(status=self.state, level=plan.level, successor_id=self.successor)

    async def _settled(self, waiting: ConsultationStatus, until: datetime) -> bool:
        """Wait until the status leaves ``waiting`` (True) or ``until`` comes (False)."""
        return await settled(lambda: self.state is not waiting, lambda: self.busy, until)

    async def _wait_for_meeting(self) -> bool:
        """True once the meeting is recorded or the consultation closed; False when the cycle ended."""
        assert self.plan is not None
        ends = self.plan.ends_at
        due = self.plan.meet_by
        while True:
            if await self._settled(ConsultationStatus.OPEN, min(due, ends)):
                return True
            if workflow.now() >= ends:
                return False
            self.chases += 1
            await step(
                ConsultationActivities.chase_meeting,
                ChaseInput(
                    org_id=self.input.org_id,
                    consultation_id=self.input.consultation_id,
                    chase=self.chases,
                    at=workflow.now(),
                ),
            )
            due = self.plan.meet_by + CHASE_EVERY * self.chases if self.chases < MAX_CHASES else ends

    async def _check(self) -> None:
        assert self.plan is not None and self.check_at is not None
        if await self._settled(ConsultationStatus.AGREED, self.check_at):
            return  # closed by hand while waiting for the check
        async with self.lock:
            if self.state is not ConsultationStatus.AGREED:
                return
            result: CheckResult = await step(
                ConsultationActivities.run_check,
                CheckInput(
                    org_id=self.input.org_id,
                    consultation_id=self.input.consultation_id,
                    at=workflow.now(),
                    escalate_to=self.escalate_to,
                ),
                within=LONG,
            )
        if result.recovered:
            self.state = ConsultationStatus.RECOVERED
            return
        self.state = ConsultationStatus.ESCALATED
        self.successor = result.successor_id
        if result.successor_id is not None:
            await step(
                WorkflowStarts.start_consultation_workflow,
                ConsultationInput(org_id=self.input.org_id, consultation_id=result.successor_id),
            )

    async def _close(self, by: str, note: str, *, cycle_ended: bool = False) -> None:
        await step(
            ConsultationActivities.close_consultation,
            CloseConsultationActivityInput(
                org_id=self.input.org_id,
                consultation_id=self.input.consultation_id,
                closed_by=by,
                note=note,
                at=workflow.now(),
                cycle_ended=cycle_ended,
            ),
        )
        self.state = ConsultationStatus.CLOSED

    # ------------------------------------------------------------ updates and query

    @workflow.update
    async def record_meeting(self, input: RecordMeetingInput) -> ConsultationStatusView:
        """Record the meeting: situation, causes, impact, decisions, task revisions, the agreed check."""
        await workflow.wait_condition(lambda: self.plan is not None)
        async with self.lock:
            self._refuse_unless(ConsultationStatus.OPEN, "its meeting was recorded already")
            self.busy = True
            try:
                result: RecordMeetingResult = await step(
                    ConsultationActivities.record_meeting,
                    RecordMeetingActivityInput(
                        org_id=self.input.org_id,
                        consultation_id=self.input.consultation_id,
                        meeting=input,
                        at=workflow.now(),
                    ),
                    within=LONG,
                )
                self.check_at = result.check_at
                self.escalate_to = input.escalate_to
                self.state = ConsultationStatus.AGREED
            finally:
                self.busy = False
            return self.status()

    @record_meeting.validator
    def _validate_meeting(self, input: RecordMeetingInput) -> None:
        if self.plan is None:
            return  # the workflow is starting: the activity checks everything against the record
        self._refuse_unless(ConsultationStatus.OPEN, "its meeting was recorded already")
        if input.recorded_by not in self.plan.participants:
            raise ApplicationError(
                f"the meeting of consultation {self.input.consultation_id} "
                "is recorded by one of its participants"
            )
        if input.check_on > self.plan.last_day:
            raise ApplicationError(
                f"check_on: {input.check_on} is after the cycle's last day ({self.plan.last_day}): "
                "nothing recovers then"
            )
        if input.check_on <= workflow.now().date():
            raise ApplicationError(f"check_on: {input.check_on} must be in the future")

    @workflow.update
    async def close(self, input: CloseConsultationInput) -> ConsultationStatusView:
        """Close the consultation by hand, with a note (it is waiting for its meeting or its check)."""
        await workflow.wait_condition(lambda: self.plan is not None)
        async with self.lock:
            if self.state not in (ConsultationStatus.OPEN, ConsultationStatus.AGREED):
                self._refuse_unless(ConsultationStatus.OPEN, "it is over")
            self.busy = True
            try:
                await self._close(input.closed_by, input.note)
            finally:
                self.busy = False
            return self.status()

    @close.validator
    def _validate_close(self, input: CloseConsultationInput) -> None:
        if self.state is not None and self.state not in (ConsultationStatus.OPEN, ConsultationStatus.AGREED):
            raise ApplicationError(
                f"consultation {self.input.consultation_id} is {self.state.value}: it is over"
            )

    def _refuse_unless(self, wanted: ConsultationStatus, why: str) -> None:
        """Refuse an update: an ApplicationError fails the update, not the workflow."""
        if self.state is not wanted:
            shown = self.state.value if self.state is not None else "starting"
            raise ApplicationError(
                f"consultation {self.input.consultation_id} is {shown}: {why}", non_retryable=True
            )

    @workflow.query
    def status(self) -> ConsultationStatusView:
        plan = self.plan
        return ConsultationStatusView(
            consultation_id=self.input.consultation_id,
            status=self.state or ConsultationStatus.OPEN,
            level=plan.level if plan else 0,
            meet_by=plan.meet_by if plan else workflow.now(),
            check_at=self.check_at,
            chases=self.chases,
            successor_id=self.successor,
        )
