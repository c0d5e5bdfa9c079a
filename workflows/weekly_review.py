"""The weekly review: one child workflow per cycle week."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow

from workflows.steps import step

with workflow.unsafe.imports_passed_through():
    from activities.review import ReviewActivities
    from activities.workflow_starts import WorkflowStarts
    from workflows.governance_messages import ConsultationInput
    from workflows.messages import (
        ConsultationRequest,
        OpenConsultationInput,
        OpenConsultationResult,
        PublishReviewInput,
        PublishReviewResult,
        ReviewBatchInput,
        ReviewBatchResult,
        ReviewInput,
        ReviewPlan,
        ReviewResult,
    )

BATCH_TIMEOUT = timedelta(minutes=10)
# Batches run a few at a time: enough to overlap I/O, few enough not to swamp the database.
PARALLEL_BATCHES = 4
# Histories recorded before the consultation workflow existed replay without starting it.
CONSULTATION_PATCH = "okrflow-consultation-workflow-1"
# Histories recorded before batches ran in a sliding window replay in rounds.
WINDOW_PATCH = "okrflow-review-window-1"


@workflow.defn
class WeeklyReviewWorkflow:
    """Snapshot → facts → rules → flags and ladders → weekly sheets → digests, for one week.

    The work is batched by team: one activity per batch of teams plus one org-level
    activity, so the number of activities grows with teams, not with key results. Every
    write is keyed by (cycle, week, ...) so a retried or restarted review writes nothing twice.
    No messages.
    """

    @workflow.run
    async def run(self, input: ReviewInput) -> ReviewResult:
        plan: ReviewPlan = await step(ReviewActivities.plan_review, input, within=timedelta(minutes=1))

        def batch(team_ids: list[str], *, org_level: bool = False) -> ReviewBatchInput:
            return ReviewBatchInput(
                org_id=input.org_id,
                cycle_id=input.cycle_id,
                week=input.week,
                as_of=input.as_of,
                phase=input.phase,
                rule_set_version=plan.rule_set_version,
                team_ids=team_ids,
                org_level=org_level,
            )

        batch_inputs = [batch(team_ids) for team_ids in plan.batches] + [batch([], org_level=True)]
        results = await self._review_batches(batch_inputs)
        requests = [r for res in results for r in res.consultations]
        for request in requests:
            await self._convene(input, request)
        published: PublishReviewResult = await step(
            ReviewActivities.publish_review,
            PublishReviewInput(
                org_id=input.org_id, cycle_id=input.cycle_id, week=input.week, as_of=input.as_of
            ),
            within=BATCH_TIMEOUT,
        )
        return ReviewResult(
            week=input.week,
            flags=sum(r.flags for r in results),
            monitor_flags=sum(r.monitor_flags for r in results),
            evaluation_errors=sum(r.evaluation_errors for r in results),
            rungs_fired=sum(r.rungs_fired for r in results),
            open_escalations=sum(r.open_escalations for r in results),
            consultations=len(requests),
            digests=published.digests,
        )

    async def _review_batches(self, batches: list[ReviewBatchInput]) -> list[ReviewBatchResult]:
        """Review every batch, ``PARALLEL_BATCHES`` at a time; the results in the batches' order.

        A batch starts as soon as one in flight ends. (Histories recorded before that ran the
        batches in rounds, each waiting for its slowest batch; they replay as they ran.)
        """

        def run(b: ReviewBatchInput) -> Any:
            return step(
                ReviewActivities.review_batch, b, within=BATCH_TIMEOUT, heartbeat_timeout=timedelta(minutes=2)
            )

        if not workflow.patched(WINDOW_PATCH):
            results: list[ReviewBatchResult] = []
            for start in range(0, len(batches), PARALLEL_BATCHES):
                results += await asyncio.gather(*(run(b) for b in batches[start : start + PARALLEL_BATCHES]))
            return results
        slots = asyncio.Semaphore(PARALLEL_BATCHES)

        async def in_slot(b: ReviewBatchInput) -> ReviewBatchResult:
            async with slots:
                result: ReviewBatchResult = await run(b)
                return result

        return list(await asyncio.gather(*(in_slot(b) for b in batches)))

    async def _convene(self, input: ReviewInput, request: ConsultationRequest) -> None:
        """The consultation rung fired: record the consultation (会商) once, and start its workflow.

        The workflow is started on its own (not as a child: it outlives this review), with an id
        derived from the consultation: it waits for the meeting, chases it, runs the agreed check
        and escalates, until the cycle ends.
        """
        opened: OpenConsultationResult = await step(
            ReviewActivities.open_consultation,
            OpenConsultationInput(
                org_id=input.org_id, cycle_id=input.cycle_id, week=input.week, request=request, at=input.as_of
            ),
        )
        if workflow.patched(CONSULTATION_PATCH) and opened.created:
            await step(
                WorkflowStarts.start_consultation_workflow,
                ConsultationInput(org_id=input.org_id, consultation_id=opened.consultation_id),
            )
