"""One process's part of a weekly review: its shards' batches, computed and written.

``ReviewWork`` does what a review batch does wherever it runs: in the worker's own process
(one shard of every team) or in one of the worker's review processes (``activities.review_pool``,
a shard each). A team batch takes its slice of its shard's shared work (``activities.review_shared``)
and writes it in one transaction together with its result (``StoreActivities.once``), so a
retried batch returns the first result and writes nothing twice. The org-level batch is given
the cycle's tally, added up over every shard by the caller.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from activities.review_batch import Prepared, compiled_rules, prepare_batch, write_batch
from activities.review_digests import digest_lines, digest_notice
from activities.review_shared import ReviewCache, ReviewKey, Shard, SharedReview, build_shared
from activities.steps import StoreActivities
from okrflow.store import ActivityKeyStore, CycleStore, NotificationStore, make_session_factory, unit_of_work
from okrflow.store.base import gc_paused
from okrflow.store.snapshot import load_snapshot, members_of
from okrflow.store.tables import people, teams
from rules.cycle_tally import CycleTally
from rules.engine import CompiledRuleSet
from rules.model import Scope
from workflows.messages import PublishReviewInput, PublishReviewResult, ReviewBatchInput, ReviewBatchResult


def batch_key(input: ReviewBatchInput) -> str:
    """The key a batch's writes are recorded under: the same on every retry."""
    part = "org" if input.org_level else hashlib.sha256("|".join(input.team_ids).encode()).hexdigest()[:16]
    return f"review:{input.org_id}:{input.cycle_id}:w{input.week}:batch:{part}"


class ReviewWork(StoreActivities):
    """The batches of the reviews this process works on, and the shards they share."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory)
        # Reads (a shard's load above all) must not hold SQLite's write lock.
        self.reads = read_only(session_factory)
        self.cache = ReviewCache()
        self.free_when_idle = False  # a review process frees a published review's shard when idle

    def done(self, input: ReviewBatchInput) -> ReviewBatchResult | None:
        """The result of a batch that already committed (a retry), if it did."""
        with unit_of_work(self.reads) as session:
            found = ActivityKeyStore(session).result(batch_key(input))
        return None if found is None else ReviewBatchResult.model_validate(found)

    def batch(self, input: ReviewBatchInput, shard: Shard) -> ReviewBatchResult:
        """Review one batch of the shard's teams: flags, errors, ladders, digest lines, sheets."""
        done = self.done(input)
        if done is not None:
            return done
        # Computed before the write transaction opens, so that on SQLite (one writer at a time)
        # other batches can write meanwhile.
        with gc_paused():
            prepared = prepare_batch(input, self.shared(input, shard))
        return self.write(input, prepared)

    def tally(self, input: ReviewBatchInput, shard: Shard) -> CycleTally | None:
        """The shard's part of the cycle's facts; None: no rule reads them this week."""
        return self.shared(input, shard).tally

    def org_batch(self, input: ReviewBatchInput, shard: Shard, tally: CycleTally | None) -> ReviewBatchResult:
        """Review the cycle itself, from ``tally`` (every shard's, added up); None: nothing to review.
        (The caller has asked ``done`` before gathering the tally; a batch committed meanwhile is
        written once all the same, see ``write``.)"""
        prepared = None
        if tally is not None:
            with gc_paused():
                prepared = prepare_batch(input, self.shared(input, shard), tally)
        return self.write(input, prepared)

    def write(self, input: ReviewBatchInput, prepared: Prepared | None) -> ReviewBatchResult:
        return self.once(
            batch_key(input),
            lambda session: write_batch(session, input, prepared),
            ReviewBatchResult,
            at=input.as_of,
        )

    def rules(self, input: ReviewBatchInput) -> CompiledRuleSet:
        with unit_of_work(self.reads) as session:
            return compiled_rules(session, input.org_id, input.rule_set_version)

    def reads_cycle(self, input: ReviewBatchInput) -> bool:
        """Whether a rule of the review's rule set reads the cycle's facts this week."""
        return Scope.CYCLE in self.rules(input).scopes(week=input.week, phase=input.phase)

    def shared(self, input: ReviewBatchInput, shard: Shard) -> SharedReview:
        """The shard's shared work for this review: built by its first batch here, then cached."""
        key = ReviewKey(
            org_id=input.org_id,
            cycle_id=input.cycle_id,
            week=input.week,
            as_of=input.as_of,
            phase=input.phase,
            rule_set_version=input.rule_set_version,
        )

        def build() -> SharedReview:
            with unit_of_work(self.reads) as session:
                rules = compiled_rules(session, input.org_id, input.rule_set_version)
                team_ids = _shard_teams(session, input.org_id, shard)
                snapshot = load_snapshot(
                    session, input.cycle_id, as_of=input.as_of, org_id=input.org_id, team_ids=team_ids
                )
            return build_shared(key, snapshot, rules, shard)

        return self.cache.get((key, shard), build)

    def publish(self, input: PublishReviewInput, shard: Shard) -> PublishReviewResult:
        """One digest per person of the shard's teams: their flags, the rungs that reached them, and
        their team's sheet; then the shard's people's pending notifications are delivered."""
        with gc_paused():
            with unit_of_work(self.reads) as session:
                cycle = CycleStore(session).get(input.org_id, input.cycle_id)
                team_ids = _shard_teams(session, input.org_id, shard)
                mine = None if team_ids is None else members_of(input.org_id, team_ids)
                members = session.execute(
                    select(people.c.id, people.c.team_id)
                    .where(
                        people.c.org_id == input.org_id,
                        people.c.active.is_(True),
                        *([] if mine is None else [people.c.id.in_(mine)]),
                    )
                    .order_by(people.c.name, people.c.id)
                ).all()
                by_person = digest_lines(session, input, recipients=mine)
            everyone = cycle.cadence.publish_sheet_to_all
            notices = []
            for person_id, team_id in members:
                lines = by_person.get(person_id, [])
                if not lines and not everyone and team_id is None:
                    continue
                notices.append(digest_notice(input, cycle.name, person_id, team_id, lines))
        with unit_of_work(self.sessions) as session:
            outbox = NotificationStore(session)
            created = outbox.enqueue_many(notices)
            delivered = outbox.deliver_all_pending(input.org_id, at=input.as_of, recipients=mine)
        return PublishReviewResult(digests=created, delivered=delivered)

    def drop(self, org_id: str, cycle_id: str, week: int) -> None:
        """Forget a published review (in a review process: its memory is freed once idle)."""
        self.cache.drop(org_id, cycle_id, week, later=self.free_when_idle)


def _shard_teams(session: Session, org_id: str, shard: Shard) -> list[str | None] | None:
    """The org's teams in the shard (see ``Shard.teams``); None: every team (a single shard)."""
    if shard.count == 1:
        return None
    return shard.teams(session.scalars(select(teams.c.id).where(teams.c.org_id == org_id)))


def read_only(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on the same database that only read (on SQLite they do not take the write lock)."""
    bind = factory.kw.get("bind")
    return make_session_factory(bind, read_only=True) if isinstance(bind, Engine) else factory
