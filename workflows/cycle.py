"""The cycle workflow: one per cycle, walking the quarter on durable timers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.steps import step

with workflow.unsafe.imports_passed_through():
    from activities.ambassador import AmbassadorActivities
    from activities.changes import ChangeActivities
    from activities.closeout import CloseoutActivities
    from activities.critique import CritiqueActivities, CritiqueDraftInput, CritiqueDraftResult
    from activities.cycle import CycleActivities
    from activities.ignition import IgnitionActivities
    from okrflow.domain.model import Phase
    from okrflow.domain.schedule import PHASE_AFTER, CycleEvent, EventKind
    from okrflow.runtime.temporal import workflow_id
    from workflows.governance_messages import CycleStepInput
    from workflows.messages import (
        CycleInput,
        CyclePlan,
        CycleRef,
        CycleResult,
        CycleStatus,
        DecideDraftInput,
        DecideDraftResult,
        DecisionInput,
        IgnitionInput,
        LoadDraftInput,
        PauseInput,
        PendingApproval,
        RemindInput,
        ReviewInput,
        ReviewResult,
        SetPhaseInput,
        SubmissionInput,
        SubmissionResult,
        SubmitDraftInput,
        SubmitDraftResult,
    )
    from workflows.weekly_review import WeeklyReviewWorkflow

LONG = timedelta(minutes=10)
# After a pause, reminders and reviews that came due more than this long ago are skipped.
STALE_AFTER = timedelta(hours=12)
_NOT_SKIPPABLE = set(PHASE_AFTER)
# Histories recorded before the mid-term review, close-out and the ambassador's digest were filled in
# replay without their steps (see ``workflow.patched``).
GOVERNANCE_PATCH = "okrflow-governance-1"


# The reminders, one activity each.
_REMINDERS: dict[EventKind, Callable[..., Any]] = {
    EventKind.DRAFT_REMINDER: CycleActivities.remind_drafts,
    EventKind.CHECK_IN_REMINDER: CycleActivities.remind_missing_check_ins,
    EventKind.CLOSEOUT_REMINDER: CycleActivities.remind_final_check_ins,
}
# The mid-term review and close-out, one activity each.
_GOVERNANCE_STEPS: dict[EventKind, Callable[..., Any]] = {
    # every objective owner is asked to confirm their objectives or propose revisions with reasons
    EventKind.MIDTERM_OPENS: ChangeActivities.open_midterm_review,
    # the window's revision log (before, after, reason, approver) is published to everyone
    EventKind.MIDTERM_CLOSES: ChangeActivities.close_midterm_review,
    # scores 0.0-1.0, the report as it stands, and a request for a retrospective per objective
    EventKind.CYCLE_ENDS: CloseoutActivities.report_cycle_end,
    # the final report and carry-over proposals; then the phase moves to archived (read-only)
    EventKind.ARCHIVE: CloseoutActivities.archive_cycle,
}


def review_workflow_id(org_id: str, cycle_id: str, week: int) -> str:
    """The id of a week's review, the cycle workflow's child."""
    return workflow_id("review", org_id, cycle_id, f"w{week}")


@workflow.defn
class CycleWorkflow:
    """Drafting → decomposition → weekly reviews → mid-term window → close-out → archive.

    Updates (commands): submit_draft, decide_draft (validated: right person, right state),
    pause, resume. Signal: schedule_changed (reload the timetable after a cadence edit).
    Query: status. Continue-as-new carries all state in ``CycleInput.state``.
    """

    @workflow.init
    def __init__(self, input: CycleInput) -> None:
        # Set from the input before any handler runs: an update may arrive in the first task.
        self.ref: CycleRef | None = CycleRef(org_id=input.org_id, cycle_id=input.cycle_id)
        self.state = input.state
        self.events: list[CycleEvent] = []
        self.lock = asyncio.Lock()
        self.reload = False

    # ------------------------------------------------------------ run

    @workflow.run
    async def run(self, input: CycleInput) -> CycleResult:
        await self._load_plan()
        handled = 0
        while True:
            event = self._next_event()
            if event is None:
                break
            if not await self._wait_until(event):
                continue  # the timetable changed: look again
            await workflow.wait_condition(lambda: not self.state.paused)
            if self._stale(event):
                self.state.skipped_events.append(event.key)
            else:
                await self._handle(event)
            self.state.done_events.append(event.key)
            handled += 1
            if self.state.phase is Phase.ARCHIVED:
                break
            if handled >= input.events_per_run or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self.state.runs += 1
                workflow.continue_as_new(
                    CycleInput(
                        org_id=input.org_id,
                        cycle_id=input.cycle_id,
                        state=self.state,
                        events_per_run=input.events_per_run,
                    )
                )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CycleResult(phase=self.state.phase, reviews_done=self.state.reviews_done, runs=self.state.runs)

    async def _load_plan(self) -> None:
        assert self.ref is not None
        plan: CyclePlan = await step(CycleActivities.load_cycle_plan, self.ref)
        self.events = plan.events
        self.reload = False

    def _next_event(self) -> CycleEvent | None:
        done = set(self.state.done_events)
        return next((e for e in self.events if e.key not in done), None)

    async def _wait_until(self, event: CycleEvent) -> bool:
        """Sleep until the event is due; False if the timetable must be reloaded first."""
        delay = event.at - workflow.now()
        if delay > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self.reload, timeout=delay)
        if self.reload:
            await self._load_plan()
            return False
        return True

    def _stale(self, event: CycleEvent) -> bool:
        """Came due long ago (the cycle was paused or started late) and a later one supersedes it.

        Phase changes always apply; the latest weekly review that is due still runs, so the
        sheet and the flags are current when the cycle resumes.
        """
        now = workflow.now()
        if event.kind in _NOT_SKIPPABLE or now - event.at <= STALE_AFTER:
            return False
        if event.kind is EventKind.WEEKLY_REVIEW:
            return any(e.kind is EventKind.WEEKLY_REVIEW and event.at < e.at <= now for e in self.events)
        return True

    # ------------------------------------------------------------ events

    async def _handle(self, event: CycleEvent) -> None:
        kind = event.kind
        if kind in _REMINDERS:
            await self._remind(_REMINDERS[kind], event)
        elif kind is EventKind.WEEKLY_REVIEW:
            await self._weekly_review(event)
        elif kind is EventKind.IGNITION_CHECK:
            await self._ignition_check(event)
        elif kind in _GOVERNANCE_STEPS:
            until = None
            if kind is EventKind.MIDTERM_OPENS:
                until = next((e.at for e in self.events if e.kind is EventKind.MIDTERM_CLOSES), None)
            await self._governance_step(_GOVERNANCE_STEPS[kind], event, until=until)
        phase = PHASE_AFTER.get(kind)
        if phase is not None:
            await self._set_phase(phase)

    async def _set_phase(self, phase: Phase) -> None:
        assert self.ref is not None
        await step(
            CycleActivities.set_phase,
            SetPhaseInput(org_id=self.ref.org_id, cycle_id=self.ref.cycle_id, phase=phase),
        )
        self.state.phase = phase

    async def _remind(self, method: Callable[..., Any], event: CycleEvent) -> None:
        assert self.ref is not None
        await step(
            method,
            RemindInput(
                org_id=self.ref.org_id,
                cycle_id=self.ref.cycle_id,
                key=event.key,
                week=event.week,
                due=event.at,
            ),
            within=LONG,
        )

    async def _weekly_review(self, event: CycleEvent) -> None:
        assert self.ref is not None and event.week is not None
        result: ReviewResult = await workflow.execute_child_workflow(
            WeeklyReviewWorkflow.run,
            ReviewInput(
                org_id=self.ref.org_id,
                cycle_id=self.ref.cycle_id,
                week=event.week,
                as_of=event.at,
                phase=self.state.phase,
            ),
            id=review_workflow_id(self.ref.org_id, self.ref.cycle_id, event.week),
        )
        self.state.open_escalations = result.open_escalations
        self.state.open_consultations += result.consultations
        self.state.reviews_done.append(event.week)
        await self._governance_step(AmbassadorActivities.send_ambassador_digest, event)

    async def _ignition_check(self, event: CycleEvent) -> None:
        """End of decomposition: flag unplanned KRs and overloaded owners, then fix the baseline."""
        assert self.ref is not None
        check = IgnitionInput(
            org_id=self.ref.org_id, cycle_id=self.ref.cycle_id, week=event.week or 0, at=event.at
        )
        await step(IgnitionActivities.ignition_check, check, within=LONG)
        await step(IgnitionActivities.fix_baseline, check, within=LONG)

    async def _governance_step(
        self, method: Callable[..., Any], event: CycleEvent, *, until: datetime | None = None
    ) -> None:
        """A step of the ambassador's digest, the mid-term review or close-out, keyed by its event."""
        assert self.ref is not None
        if not workflow.patched(GOVERNANCE_PATCH):
            return
        await step(
            method,
            CycleStepInput(
                org_id=self.ref.org_id,
                cycle_id=self.ref.cycle_id,
                key=event.key,
                at=event.at,
                week=event.week,
                until=until,
            ),
            within=LONG,
        )

    # ------------------------------------------------------------ drafting: submit and approve

    @workflow.update
    async def submit_draft(self, input: SubmitDraftInput) -> SubmitDraftResult:
        assert self.ref is not None
        async with self.lock:
            draft = await step(
                CycleActivities.load_draft,
                LoadDraftInput(org_id=self.ref.org_id, objective_id=input.objective_id),
            )
            critique: CritiqueDraftResult = await step(
                CritiqueActivities.critique_draft,
                CritiqueDraftInput(draft=draft, objective_id=input.objective_id, lang=input.lang),
                within=timedelta(minutes=2),
            )
            recorded: SubmissionResult = await step(
                CycleActivities.record_submission,
                SubmissionInput(
                    org_id=self.ref.org_id,
                    cycle_id=self.ref.cycle_id,
                    objective_id=input.objective_id,
                    submitted_by=input.submitted_by,
                    at=workflow.now(),
                    critique=critique.critique.model_dump(mode="json"),
                ),
            )
            self.state.pending_approvals[input.objective_id] = PendingApproval(
                objective_id=input.objective_id,
                owner_id=recorded.owner_id,
                approvers=recorded.approvers,
                submitted_at=workflow.now(),
            )
            return SubmitDraftResult(
                objective_id=input.objective_id,
                score=critique.critique.score,
                findings=len(critique.critique.findings),
                approvers=recorded.approvers,
            )

    @submit_draft.validator
    def _validate_submit(self, input: SubmitDraftInput) -> None:
        if self.state.phase in (Phase.CLOSEOUT, Phase.ARCHIVED):
            raise ValueError(f"the cycle is in {self.state.phase.value}: drafts can no longer be submitted")
        if input.objective_id in self.state.pending_approvals:
            raise ValueError(f"objective {input.objective_id} is already waiting for approval")

    @workflow.update
    async def decide_draft(self, input: DecideDraftInput) -> DecideDraftResult:
        assert self.ref is not None
        async with self.lock:
            await step(
                CycleActivities.record_decision,
                DecisionInput(
                    org_id=self.ref.org_id,
                    cycle_id=self.ref.cycle_id,
                    objective_id=input.objective_id,
                    decided_by=input.decided_by,
                    approve=input.approve,
                    comment=input.comment,
                    at=workflow.now(),
                ),
            )
            self.state.pending_approvals.pop(input.objective_id, None)
            return DecideDraftResult(
                objective_id=input.objective_id, status="approved" if input.approve else "returned"
            )

    @decide_draft.validator
    def _validate_decision(self, input: DecideDraftInput) -> None:
        pending = self.state.pending_approvals.get(input.objective_id)
        if pending is None:
            raise ValueError(f"objective {input.objective_id} is not waiting for approval")
        if input.decided_by not in pending.approvers:
            raise ValueError(
                f"{input.decided_by} cannot decide on objective {input.objective_id}: "
                f"the approver is {', '.join(pending.approvers) or 'nobody (no manager set)'}"
            )
        if not input.approve and not input.comment.strip():
            raise ValueError("returning a draft needs a comment that says what to change")

    # ------------------------------------------------------------ admin

    @workflow.update
    async def pause(self, input: PauseInput) -> CycleStatus:
        self.state.paused = True
        return self.status()

    @pause.validator
    def _validate_pause(self, input: PauseInput) -> None:
        if self.state.paused:
            raise ValueError("the cycle is already paused")

    @workflow.update
    async def resume(self, input: PauseInput) -> CycleStatus:
        self.state.paused = False
        return self.status()

    @resume.validator
    def _validate_resume(self, input: PauseInput) -> None:
        if not self.state.paused:
            raise ValueError("the cycle is not paused")

    @workflow.signal
    def schedule_changed(self) -> None:
        self.reload = True

    @workflow.query
    def status(self) -> CycleStatus:
        if self.ref is None:
            raise ApplicationError("the cycle workflow has not started yet")
        return CycleStatus(
            org_id=self.ref.org_id,
            cycle_id=self.ref.cycle_id,
            phase=self.state.phase,
            paused=self.state.paused,
            next_event=self._next_event(),
            pending_approvals=list(self.state.pending_approvals.values()),
            open_escalations=self.state.open_escalations,
            open_consultations=self.state.open_consultations,
            reviews_done=self.state.reviews_done,
            skipped_events=self.state.skipped_events,
        )
