"""A worker dies in the middle of a weekly review; another picks it up. The review completes
once: no flag, escalation or notification is written twice, and the result is the first one."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities.review import ReviewActivities
from okrflow.domain.calendar import review_time
from okrflow.runtime.worker import build_worker
from okrflow.store import unit_of_work
from okrflow.store.tables import digest_items, escalations, flags, notifications
from okrflow.store.testing import migrated_engine
from okrflow.synthetic import small_org
from tests.workflows.quarter import FUTURE_START, load_quarter, settings
from workflows.messages import ReviewBatchInput, ReviewBatchResult, ReviewInput
from workflows.weekly_review import WeeklyReviewWorkflow

WEEK = 8


def counts(sessions: object) -> dict[str, int]:
    with unit_of_work(sessions) as session:  # type: ignore[arg-type]
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in (
                ("flags", flags),
                ("escalations", escalations),
                ("items", digest_items),
                ("notifications", notifications),
            )
        }


async def test_a_review_interrupted_by_a_dying_worker_completes_once_on_another(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    org = small_org(seed=11, people=40, cycle_start=FUTURE_START, as_of_week=WEEK)
    with migrated_engine("sqlite", directory=tmp_path) as engine:
        q = load_quarter(org, engine)
        real = ReviewActivities(q.sessions)
        committed = asyncio.Event()

        @activity.defn(name="review_batch")
        async def dies_after_commit(input: ReviewBatchInput) -> ReviewBatchResult:
            """Does the whole batch (its transaction commits), then the process 'dies' before reporting."""
            try:
                result = await asyncio.to_thread(real.review_batch, input)
                if not input.org_level:
                    committed.set()
                    await asyncio.Event().wait()  # hangs until the worker goes down
                return result
            except asyncio.CancelledError:
                # The process dies: whatever committed stays committed, the attempt is never reported.
                raise RuntimeError("worker process died before reporting the batch") from None

        s = settings(tmp_path)
        at = review_time(org.cycle, WEEK)
        assert at is not None
        review = ReviewInput(org_id=q.org_id, cycle_id=q.cycle_id, week=WEEK, as_of=at)
        # No sticky cache: the test server would keep routing this workflow to the dead worker's queue.
        first = build_worker(
            s,
            env.client,
            session_factory=q.sessions,
            extra_activities=[dies_after_commit],
            max_cached_workflows=0,
        )
        async with first:
            handle = await env.client.start_workflow(
                WeeklyReviewWorkflow.run,
                review,
                id=f"review-{uuid.uuid4()}",
                task_queue=s.temporal_task_queue,
            )
            await asyncio.wait_for(committed.wait(), 60)
            after_crash = counts(q.sessions)
        # The first worker is gone; its batch committed but never completed. A second worker resumes.
        async with build_worker(s, env.client, session_factory=q.sessions):
            result = await handle.result()
        final = counts(q.sessions)

        assert after_crash["flags"] > 0
        assert final["flags"] == after_crash["flags"] == result.flags + result.monitor_flags
        assert final["escalations"] == after_crash["escalations"]
        assert final["items"] == after_crash["items"]
        with unit_of_work(q.sessions) as session:
            digests = Counter(
                session.scalars(
                    select(notifications.c.recipient_id).where(notifications.c.kind == "weekly_digest")
                )
            )
        assert set(digests.values()) == {1}
        assert set(digests) == {p.id for p in org.people if p.active}
