"""Activities of the weekly review: plan the batches, review a batch of teams, convene, publish.

A batch takes its teams' slice of the review's shared work (the cycle loaded, its facts
computed and the published rule set evaluated once per worker, ``activities.review_shared``),
writes flags and evaluation errors, advances its subjects' escalation ladders, stores the
teams' weekly sheets and leaves one digest item per person and event
(``activities.review_batch``, ``activities.review_digests``). A ladder's consultation rung
convenes a consultation (``activities.convening``). ``publish_review`` folds the items into one
digest per person.

Everything a batch writes commits in one transaction together with its result
(``ActivityKeyStore.run_once``), so a retried batch returns the first result and writes
nothing twice. What needs no stored state (flags, sheets) is computed before that transaction
opens, the ladders inside it.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.convening import convene
from activities.review_batch import Prepared, compiled_rules, prepare_batch, write_batch
from activities.review_digests import digest_lines, digest_notice
from activities.review_shared import ReviewCache, ReviewKey, SharedReview, build_shared
from activities.steps import StoreActivities, heartbeating
from okrflow.store import (
    ActivityKeyStore,
    CycleStore,
    NotificationStore,
    RuleSetStore,
    make_session_factory,
    unit_of_work,
)
from okrflow.store.base import gc_paused
from okrflow.store.snapshot import load_snapshot
from okrflow.store.tables import people, teams
from rules.engine import CompiledRuleSet
from rules.model import Scope
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
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory)
        # Reads (the whole-cycle load above all) must not hold SQLite's write lock.
        self.reads = _read_only(session_factory)
        # The batches of a review share one load and evaluation of the cycle per worker.
        self.shared = ReviewCache()

    # ------------------------------------------------------------ plan

    @activity.defn
    def plan_review(self, input: ReviewInput) -> ReviewPlan:
        with unit_of_work(self.reads) as session:
            active = RuleSetStore(session).get_active(input.org_id)
            team_ids = sorted(session.scalars(select(teams.c.id).where(teams.c.org_id == input.org_id)))
        batches = [team_ids[i : i + TEAMS_PER_BATCH] for i in range(0, len(team_ids), TEAMS_PER_BATCH)]
        return ReviewPlan(rule_set_version=active.version if active is not None else None, batches=batches)

    # ------------------------------------------------------------ one batch of teams

    @activity.defn
    def review_batch(self, input: ReviewBatchInput) -> ReviewBatchResult:
        part = (
            "org" if input.org_level else hashlib.sha256("|".join(input.team_ids).encode()).hexdigest()[:16]
        )
        key = f"review:{input.org_id}:{input.cycle_id}:w{input.week}:batch:{part}"
        with unit_of_work(self.reads) as session:
            done = ActivityKeyStore(session).result(key)
        if done is not None:  # a retry of a batch that committed: nothing to compute
            return ReviewBatchResult.model_validate(done)
        # The workflow gives a batch a heartbeat timeout: a batch that waits for the review's shared
        # work, computes or waits for the write lock beats meanwhile.
        with heartbeating():
            # The reading and computing happen before the write transaction opens, so that on
            # SQLite (one writer at a time) other batches can write meanwhile.
            with gc_paused():
                prepared = self._prepare(input)
            return self.once(
                key, lambda session: write_batch(session, input, prepared), ReviewBatchResult, at=input.as_of
            )

    def _prepare(self, input: ReviewBatchInput) -> Prepared | None:
        """What a batch writes that needs no stored state; None: an org-level batch with no cycle rules."""
        if not input.org_level:
            return prepare_batch(input, self._shared(input))
        with unit_of_work(self.reads) as session:
            compiled = compiled_rules(session, input.org_id, input.rule_set_version)
        if Scope.CYCLE not in compiled.scopes(week=input.week, phase=input.phase):
            return None
        return prepare_batch(input, self._shared(input, compiled))

    def _shared(self, input: ReviewBatchInput, compiled: CompiledRuleSet | None = None) -> SharedReview:
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
                rules = compiled or compiled_rules(session, input.org_id, input.rule_set_version)
                snapshot = load_snapshot(session, input.cycle_id, as_of=input.as_of, org_id=input.org_id)
            return build_shared(key, snapshot, rules)

        return self.shared.get(key, build)

    # ------------------------------------------------------------ a consultation rung fired

    @activity.defn
    def open_consultation(self, input: OpenConsultationInput) -> OpenConsultationResult:
        """The consultation rung fired: convene a consultation (会商) about the subject, once."""
        cached = self.shared.peek(input.org_id, input.cycle_id, input.week, input.at)
        with unit_of_work(self.sessions) as session:
            return convene(session, input, cached.snapshot if cached is not None else None)

    # ------------------------------------------------------------ publish

    @activity.defn
    def publish_review(self, input: PublishReviewInput) -> PublishReviewResult:
        """One digest per person: their flags, the rungs that reached them, and their team's sheet."""
        with gc_paused():
            with unit_of_work(self.reads) as session:
                cycle = CycleStore(session).get(input.org_id, input.cycle_id)
                members = session.execute(
                    select(people.c.id, people.c.team_id)
                    .where(people.c.org_id == input.org_id, people.c.active.is_(True))
                    .order_by(people.c.name, people.c.id)
                ).all()
                by_person = digest_lines(session, input)
            everyone = cycle.cadence.publish_sheet_to_all
            notices = []
            for person_id, team_id in members:
                mine = by_person.get(person_id, [])
                if not mine and not everyone and team_id is None:
                    continue
                notices.append(digest_notice(input, cycle.name, person_id, team_id, mine))
        with unit_of_work(self.sessions) as session:
            outbox = NotificationStore(session)
            created = outbox.enqueue_many(notices)
            delivered = outbox.deliver_all_pending(input.org_id, at=input.as_of)
        self.shared.drop(input.org_id, input.cycle_id, input.week)
        return PublishReviewResult(digests=created, delivered=delivered)


def _read_only(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on the same database that only read (on SQLite they do not take the write lock)."""
    bind = factory.kw.get("bind")
    return make_session_factory(bind, read_only=True) if isinstance(bind, Engine) else factory
