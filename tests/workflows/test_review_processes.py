"""A weekly review split over review processes (a shard of teams each) writes exactly what one
process writes, on both databases; a review process that dies costs a retry, not the review."""

from __future__ import annotations

import multiprocessing
import os
import signal
import uuid
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.review import ReviewActivities
from activities.review_shared import shard_of
from okrflow.domain.calendar import phase_at, review_time
from okrflow.runtime.settings import Settings
from okrflow.runtime.worker import build_worker
from okrflow.store import unit_of_work
from okrflow.store.tables import digest_items, escalations, flags, notifications, weekly_sheets
from okrflow.store.testing import BACKENDS, migrated_engine
from okrflow.synthetic import SyntheticOrg, small_org
from tests.workflows.quarter import FUTURE_START, load_quarter
from workflows.messages import PublishReviewInput, ReviewBatchInput, ReviewInput, ReviewResult
from workflows.weekly_review import WeeklyReviewWorkflow

WEEKS = (7, 8)


def written(sessions: sessionmaker[Session]) -> dict[str, list[str]]:
    """Everything the reviews wrote, row by row (a sheet's row id is random: left out)."""
    out: dict[str, list[str]] = {}
    with unit_of_work(sessions) as session:
        for table in (flags, escalations, digest_items, weekly_sheets, notifications):
            columns = [c for c in table.c if not (table is weekly_sheets and c.name == "id")]
            out[table.name] = sorted(repr(tuple(r)) for r in session.execute(select(*columns)))
    return out


def review_input(org: SyntheticOrg, week: int) -> ReviewInput:
    at = review_time(org.cycle, week)
    assert at is not None
    return ReviewInput(
        org_id=org.org.id, cycle_id=org.cycle.id, week=week, as_of=at, phase=phase_at(org.cycle, at)
    )


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_review_in_two_processes_writes_what_one_process_writes(
    env: WorkflowEnvironment, tmp_path: Path, backend: str
) -> None:
    org = small_org(seed=5, cycle_start=FUTURE_START, as_of_week=8)
    runs: dict[int, tuple[list[ReviewResult], dict[str, list[str]]]] = {}
    for processes in (1, 2):
        with migrated_engine(backend, directory=tmp_path / f"p{processes}") as engine:
            q = load_quarter(org, engine)
            s = Settings(
                data_dir=tmp_path, temporal_task_queue=f"okrflow-{uuid.uuid4()}", review_processes=processes
            )
            results = []
            async with build_worker(s, env.client, session_factory=q.sessions):
                for week in WEEKS:
                    results.append(
                        await env.client.execute_workflow(
                            WeeklyReviewWorkflow.run,
                            review_input(org, week),
                            id=f"review-{uuid.uuid4()}",
                            task_queue=s.temporal_task_queue,
                        )
                    )
            runs[processes] = (results, written(q.sessions))
    (one, one_rows), (two, two_rows) = runs[1], runs[2]
    assert one[-1].flags > 0 and one[-1].rungs_fired > 0 and one[-1].digests > 0  # the reviews did work
    assert two == one
    for table, rows in one_rows.items():
        assert two_rows[table] == rows, f"{table}: the two-process review wrote other rows"


def test_a_dead_review_process_fails_its_batch_and_the_retry_gets_a_fresh_one(tmp_path: Path) -> None:
    org = small_org(seed=5, cycle_start=FUTURE_START, as_of_week=8)
    review = review_input(org, 8)
    totals: dict[int, tuple[Any, ...]] = {}
    for processes in (1, 2):
        with migrated_engine("sqlite", directory=tmp_path / f"p{processes}") as engine:
            q = load_quarter(org, engine)
            others = {child.pid for child in multiprocessing.active_children()}  # earlier tests' pools
            acts = ReviewActivities(q.sessions, processes=processes)
            plan = acts.plan_review(review)
            batches = [
                ReviewBatchInput(
                    **review.model_dump(), rule_set_version=plan.rule_set_version, team_ids=teams
                )
                for teams in plan.batches
            ]
            results = [acts.review_batch(b) for b in batches]
            org_level = batches[0].model_copy(update={"team_ids": [], "org_level": True})
            if processes == 2:
                assert {shard_of(b.team_ids[0], 2) for b in batches} == {0, 1}  # both processes ran
                killed = {child.pid for child in multiprocessing.active_children()} - others
                assert len(killed) == 2
                for pid in killed:
                    os.kill(pid or 0, signal.SIGKILL)
                try:  # it asks both shards for their tallies: a call sent to a dead process fails...
                    results.append(acts.review_batch(org_level))
                except BrokenProcessPool:
                    results.append(acts.review_batch(org_level))  # ...and the retry gets fresh ones
                alive = {child.pid for child in multiprocessing.active_children()} - others
                assert len(alive) == 2 and not alive & killed
            else:
                results.append(acts.review_batch(org_level))
            published = acts.publish_review(
                PublishReviewInput(org_id=review.org_id, cycle_id=review.cycle_id, week=8, as_of=review.as_of)
            )
            if acts.pool is not None:
                acts.pool.close()
            totals[processes] = (
                sum(r.flags for r in results),
                sum(r.rungs_fired for r in results),
                sum(r.sheets for r in results),
                published.digests,
                written(q.sessions),
            )
    assert totals[1][0] > 0
    assert totals[2] == totals[1]
