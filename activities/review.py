"""Activities of the weekly review: plan the batches, review a batch of teams, convene, publish.

A batch takes its teams' slice of its shard's shared work (what the shard's facts read loaded,
its facts computed and the published rule set evaluated once per shard,
``activities.review_shared``), in the worker's own process or, with ``review_processes`` above
one, in the shard's own process (``activities.review_pool``, ``activities.review_work``). It
writes flags and evaluation errors, advances its subjects' escalation ladders, stores the teams'
weekly sheets and leaves one digest item per person and event (``activities.review_batch``,
``activities.review_digests``). A ladder's consultation rung convenes a consultation
(``activities.convening``). ``publish_review`` folds the items into one digest per person.

Everything a batch writes commits in one transaction together with its result
(``ActivityKeyStore.run_once``), so a retried batch returns the first result and writes
nothing twice. What needs no stored state (flags, sheets) is computed before that transaction
opens, the ladders inside it.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.convening import convene
from activities.review_pool import ReviewPool
from activities.review_shared import Shard, shard_of
from activities.review_work import ReviewWork
from activities.steps import StoreActivities, heartbeating
from okrflow.store import RuleSetStore, unit_of_work
from okrflow.store.base import chunks
from okrflow.store.db import database_spec
from okrflow.store.tables import teams
from rules.cycle_tally import CycleTally
from workflows.messages import (
    OpenConsultationInput,
    OpenConsultationResult,
    PublishReviewInput,
    PublishReviewResult,
    ReviewBatchInput,
    ReviewBatchResult,
    ReviewInput,
    ReviewPlan,
)

TEAMS_PER_BATCH = 100


class ReviewActivities(StoreActivities):
    def __init__(self, session_factory: sessionmaker[Session], *, processes: int = 1) -> None:
        """``processes`` above one: review shards of teams in that many processes of their own
        (when the database can be opened from another process; else in this one)."""
        super().__init__(session_factory)
        # The batches of a review share one load and evaluation per shard.
        self.work = ReviewWork(session_factory)
        bind = session_factory.kw.get("bind")
        database = database_spec(bind) if isinstance(bind, Engine) and processes > 1 else None
        self.pool = None if database is None else ReviewPool(database, processes)
        if self.pool is not None:
            self.pool.start()
        self.shards = 1 if self.pool is None else processes

    # ------------------------------------------------------------ plan

    @activity.defn
    def plan_review(self, input: ReviewInput) -> ReviewPlan:
        """Batches of teams, each within one shard; the shards' batches take turns, so that every
        review process has work from the start."""
        with unit_of_work(self.work.reads) as session:
            active = RuleSetStore(session).get_active(input.org_id)
            team_ids = sorted(session.scalars(select(teams.c.id).where(teams.c.org_id == input.org_id)))
        per_shard = [
            list(chunks([t for t in team_ids if shard_of(t, self.shards) == i], TEAMS_PER_BATCH))
            for i in range(self.shards)
        ]
        batches = [b for turn in zip_longest(*per_shard) for b in turn if b is not None]
        return ReviewPlan(rule_set_version=active.version if active is not None else None, batches=batches)

    # ------------------------------------------------------------ one batch of teams

    @activity.defn
    def review_batch(self, input: ReviewBatchInput) -> ReviewBatchResult:
        # The workflow gives a batch a heartbeat timeout: a batch that waits for its shard's shared
        # work, computes or waits for the write lock beats meanwhile.
        with heartbeating():
            if input.org_level:
                return self._org_batch(input)
            shards = {shard_of(t, self.shards) for t in input.team_ids}
            # A batch planned for other shards (the worker's processes changed mid-review) is
            # reviewed against the whole cycle, which is always right.
            shard = Shard(shards.pop(), self.shards) if len(shards) == 1 else Shard()
            return self._run(shard.index, "batch", input, shard)

    def _org_batch(self, input: ReviewBatchInput) -> ReviewBatchResult:
        """The cycle's own verdicts, from every shard's tally (each shard is built if it is not yet)."""
        done = self.work.done(input)
        if done is not None:
            return done
        if not self.work.reads_cycle(input):
            return self.work.org_batch(input, Shard(), None)
        shards = [Shard(i, self.shards) for i in range(self.shards)]
        if self.pool is None:
            tally = self.work.tally(input, shards[0])
        else:
            pool = self.pool
            tally = sum(pool.gather([pool.submit(s.index, "tally", input, s) for s in shards]), CycleTally())
        return self._run(0, "org_batch", input, shards[0], tally)

    def _run(self, index: int, method: str, *args: Any) -> Any:
        """``ReviewWork.<method>(*args)`` in the shard's review process, or in this one."""
        if self.pool is None:
            return getattr(self.work, method)(*args)
        return self.pool.call(index, method, *args)

    # ------------------------------------------------------------ a consultation rung fired

    @activity.defn
    def open_consultation(self, input: OpenConsultationInput) -> OpenConsultationResult:
        """The consultation rung fired: convene a consultation (会商) about the subject, once."""
        cached = self.work.cache.peek(input.org_id, input.cycle_id, input.week, input.at)
        with unit_of_work(self.sessions) as session:
            return convene(session, input, cached.snapshot if cached is not None else None)

    # ------------------------------------------------------------ publish

    @activity.defn
    def publish_review(self, input: PublishReviewInput) -> PublishReviewResult:
        """One digest per person: their flags, the rungs that reached them, and their team's sheet
        (each shard's people in the shard's process)."""
        if self.pool is None:
            published = self.work.publish(input, Shard())
            self.work.drop(input.org_id, input.cycle_id, input.week)
            return published
        pool = self.pool
        shards = [Shard(i, self.shards) for i in range(self.shards)]
        parts = pool.gather([pool.submit(s.index, "publish", input, s) for s in shards])
        for s in shards:  # the review is over: its shards go (not waited for: freeing takes a while)
            pool.submit(s.index, "drop", input.org_id, input.cycle_id, input.week)
        return PublishReviewResult(
            digests=sum(p.digests for p in parts), delivered=sum(p.delivered for p in parts)
        )
