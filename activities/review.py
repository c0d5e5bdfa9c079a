"""Activities of the weekly review: plan the batches, review a batch of teams, publish.

A batch takes its teams' slice of the review's shared work (the cycle loaded, its facts
computed and the published rule set evaluated once per worker, ``activities.review_shared``),
writes flags and evaluation errors, advances its subjects' escalation ladders, stores the
teams' weekly sheets and leaves one digest item per person and event
(``activities.review_digests``). ``publish_review`` folds the items into one digest per person.

Everything a batch writes commits in one transaction together with its result
(``ActivityKeyStore.run_once``), so a retried batch returns the first result and writes
nothing twice. What needs no stored state (flags, sheets) is computed before that transaction
opens, the ladders inside it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.notices import notice
from activities.review_digests import (
    CONSULTATION_TARGET,
    digest_lines,
    digest_notice,
    flag_items,
    owners_of,
    rung_items,
)
from activities.review_shared import (
    SUBJECT_OF_SCOPE,
    ReviewCache,
    ReviewKey,
    SharedReview,
    build_shared,
)
from okrflow.domain.model import (
    Consultation,
    Escalation,
    EscalationStatus,
    Flag,
    LocalText,
    Person,
    Role,
    RuleMode,
    SubjectType,
)
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports import build_weekly_sheet, ignition_items
from okrflow.store import (
    ActivityKeyStore,
    ConsultationStore,
    CycleStore,
    EscalationStore,
    FlagStore,
    NotificationStore,
    PeopleStore,
    RuleEvaluationError,
    RuleSetStore,
    SheetStore,
    make_session_factory,
    unit_of_work,
)
from okrflow.store.base import gc_paused
from okrflow.store.digests import DigestItem, DigestStore
from okrflow.store.snapshot import load_snapshot
from okrflow.store.tables import escalations, people, teams
from rules.engine import CompiledRuleSet, EvaluationResult, evaluate_facts
from rules.facts import compute_facts
from rules.ladder import FiredRung, LadderState, advance_ladders
from rules.load import compile_source, load_default
from rules.model import Scope
from workflows.messages import (
    ConsultationRequest,
    IgnitionInput,
    IgnitionResult,
    OpenConsultationInput,
    OpenConsultationResult,
    PublishReviewInput,
    PublishReviewResult,
    ReviewBatchInput,
    ReviewBatchResult,
    ReviewInput,
    ReviewPlan,
)

TEAMS_PER_BATCH = 40


def review_key(org_id: str, cycle_id: str, week: int) -> str:
    return f"review:{org_id}:{cycle_id}:w{week}"


class ReviewActivities:
    def __init__(
        self, session_factory: sessionmaker[Session], *, read_factory: sessionmaker[Session] | None = None
    ) -> None:
        self.sessions = session_factory
        # Reads (the whole-cycle load above all) must not hold SQLite's write lock.
        self.reads = _read_only(read_factory or session_factory)
        # The batches of a review share one load and evaluation of the cycle per worker.
        self.shared = ReviewCache()

    # ------------------------------------------------------------ plan

    @activity.defn
    def plan_review(self, input: ReviewInput) -> ReviewPlan:
        with unit_of_work(self.reads) as session:
            active = RuleSetStore(session).get_active(input.org_id)
            cycle = CycleStore(session).get(input.org_id, input.cycle_id)
            team_ids = sorted(session.scalars(select(teams.c.id).where(teams.c.org_id == input.org_id)))
        batches = [team_ids[i : i + TEAMS_PER_BATCH] for i in range(0, len(team_ids), TEAMS_PER_BATCH)]
        return ReviewPlan(
            rule_set_version=active.version if active is not None else None,
            batches=batches,
            attendees_everyone=cycle.cadence.publish_sheet_to_all,
        )

    # ------------------------------------------------------------ one batch of teams

    @activity.defn
    def review_batch(self, input: ReviewBatchInput) -> ReviewBatchResult:
        part = (
            "org" if input.org_level else hashlib.sha256("|".join(input.team_ids).encode()).hexdigest()[:16]
        )
        key = f"{review_key(input.org_id, input.cycle_id, input.week)}:batch:{part}"
        with unit_of_work(self.reads) as session:
            done = ActivityKeyStore(session).result(key)
        if done is not None:  # a retry of a batch that committed: nothing to compute
            return ReviewBatchResult.model_validate(done)
        # The reading and computing happen before the write transaction opens, so that on
        # SQLite (one writer at a time) other batches can write meanwhile.
        with gc_paused():
            prepared = self._prepare(input)
        with unit_of_work(self.sessions) as session:
            done = ActivityKeyStore(session).run_once(
                key, lambda: self._write_batch(session, input, prepared), at=input.as_of
            )
        return ReviewBatchResult.model_validate(done)

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
                rules = compiled or self._rules(session, input.org_id, input.rule_set_version)
                snapshot = load_snapshot(session, input.cycle_id, as_of=input.as_of, org_id=input.org_id)
            return build_shared(key, snapshot, rules)

        return self.shared.get(key, build)

    def _prepare(self, input: ReviewBatchInput) -> _Prepared | None:
        """What a batch writes that needs no stored state: flags, their digest lines, sheets."""
        if input.org_level:
            with unit_of_work(self.reads) as session:
                compiled = self._rules(session, input.org_id, input.rule_set_version)
            if Scope.CYCLE not in compiled.scopes(week=input.week, phase=input.phase):
                return None
            shared = self._shared(input, compiled)
            subjects: dict[Scope, set[str] | None] = {Scope.CYCLE: None}
        else:
            shared = self._shared(input)
            subjects = shared.subjects(input.team_ids)
        result = shared.verdicts(None if input.org_level else input.team_ids)
        snapshot = shared.snapshot
        flags = [
            hit.to_flag(
                id=_flag_id(input, hit.rule_id, hit.subject_id),
                org_id=input.org_id,
                cycle_id=input.cycle_id,
                week=input.week,
                created_at=input.as_of,
            )
            for hit in result.flags
        ]
        errors = [
            RuleEvaluationError(
                id=_flag_id(input, e.rule_id, e.subject_id, "error"),
                org_id=input.org_id,
                cycle_id=input.cycle_id,
                week=input.week,
                rule_id=e.rule_id,
                rule_version=e.rule_version,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                message=e.message,
                created_at=input.as_of,
            )
            for e in result.errors
        ]
        sheets = {} if input.org_level else _sheets(shared, input, flags, subjects)
        return _Prepared(
            shared=shared,
            subjects=subjects,
            result=result,
            flags=flags,
            errors=errors,
            flag_items=flag_items(snapshot, input, flags),
            sheets=sheets,
        )

    def _write_batch(
        self, session: Session, input: ReviewBatchInput, prepared: _Prepared | None
    ) -> ReviewBatchResult:
        if prepared is None:
            return ReviewBatchResult()
        store = FlagStore(session)
        store.add_many(prepared.flags)
        store.add_errors(prepared.errors)
        fired, open_count = self._ladders(session, input, prepared)
        consultations = [_consultation_request(r) for r in fired if r.target == CONSULTATION_TARGET]
        shared = prepared.shared
        items = prepared.flag_items + rung_items(shared.snapshot, shared.directory, input, fired)
        DigestStore(session).add_many(items)
        SheetStore(session).put_many(
            input.org_id, input.cycle_id, input.week, prepared.sheets, at=input.as_of
        )
        flags = prepared.flags
        return ReviewBatchResult(
            flags=sum(1 for f in flags if f.mode is RuleMode.ACTIVE),
            monitor_flags=sum(1 for f in flags if f.mode is RuleMode.MONITOR),
            evaluation_errors=len(prepared.errors),
            rungs_fired=len(fired),
            open_escalations=open_count,
            consultations=consultations,
            sheets=len(prepared.sheets),
        )

    def _rules(self, session: Session, org_id: str, version: int | None) -> CompiledRuleSet:
        if version is None:
            return load_default(org_id=org_id, version=0)
        published = RuleSetStore(session).get(org_id, version)
        return compile_source(published.source, source=f"rules v{version}", org_id=org_id, version=version)

    def _ladders(
        self, session: Session, input: ReviewBatchInput, prepared: _Prepared
    ) -> tuple[list[FiredRung], int]:
        """Advance the batch's ladders from their stored state (read in the write transaction)."""
        store = EscalationStore(session)
        if input.org_level:
            existing = [
                e
                for e in store.list_open_for_subjects(input.org_id, input.cycle_id, [input.cycle_id])
                if e.subject_type is SubjectType.CYCLE
            ]
        else:
            # Ask only about subjects of the kinds that have open ladders (key results, people...),
            # not about thousands of tasks that have none.
            c = escalations.c
            laddered = set(
                session.scalars(
                    select(c.subject_type)
                    .distinct()
                    .where(
                        c.org_id == input.org_id,
                        c.cycle_id == input.cycle_id,
                        c.status == EscalationStatus.OPEN,
                    )
                )
            )
            wanted = {
                s
                for scope, ids in prepared.subjects.items()
                if ids is not None and SUBJECT_OF_SCOPE[scope] in laddered
                for s in ids
            }
            existing = store.list_open_for_subjects(input.org_id, input.cycle_id, wanted)
        by_key = {(e.rule_id, e.subject_id): e for e in existing}
        advance = advance_ladders(
            [LadderState.from_escalation(e) for e in existing],
            prepared.result,
            prepared.shared.compiled,
            week=input.week,
        )
        changed: dict[str, dict[str, Any]] = {}
        added: list[Escalation] = []
        for state in advance.states:
            old = by_key.get(state.key)
            values = state.model_dump(exclude={"rule_id", "subject_type", "subject_id"})
            if old is not None:
                if old.updated_week != state.updated_week:
                    changed[old.id] = values
            elif state.status is EscalationStatus.OPEN:
                added.append(
                    Escalation(
                        id=_flag_id(input, state.rule_id, state.subject_id, "esc"),
                        org_id=input.org_id,
                        cycle_id=input.cycle_id,
                        rule_id=state.rule_id,
                        subject_type=state.subject_type,
                        subject_id=state.subject_id,
                        **values,
                    )
                )
        store.update_many(input.org_id, changed)
        store.add_many(added)
        open_count = sum(1 for s in advance.states if s.status is EscalationStatus.OPEN)
        return list(advance.fired), open_count

    # ------------------------------------------------------------ ignition check (end of decomposition)

    @activity.defn
    def ignition_check(self, input: IgnitionInput) -> IgnitionResult:
        """Evaluate the rules of the decomposition weeks once more at their end, and tell the KR owners."""
        key = f"ignition:{input.org_id}:{input.cycle_id}"
        with unit_of_work(self.sessions) as session:
            done = ActivityKeyStore(session).run_once(
                key, lambda: self._ignition(session, input), at=input.at
            )
        return IgnitionResult.model_validate(done)

    def _ignition(self, session: Session, input: IgnitionInput) -> IgnitionResult:
        from okrflow.domain.model import Phase

        active = RuleSetStore(session).get_active(input.org_id)
        compiled = self._rules(session, input.org_id, active.version if active else None)
        snapshot = load_snapshot(session, input.cycle_id, as_of=input.at, org_id=input.org_id)
        batch = ReviewBatchInput(
            org_id=input.org_id,
            cycle_id=input.cycle_id,
            week=input.week,
            as_of=input.at,
            phase=Phase.DECOMPOSITION,
            rule_set_version=compiled.version,
            team_ids=[],
        )
        ignition_rules = {
            r.id
            for r in compiled.rules
            if r.rule.applies_in is not None and _only_decomposition(r.rule.applies_in, input.week)
        }
        scopes = {r.rule.scope for r in compiled.rules if r.id in ignition_rules}
        result = _evaluate(compiled, snapshot, batch, scopes, {s: None for s in scopes})
        hits = [h for h in result.flags if h.rule_id in ignition_rules and h.mode is RuleMode.ACTIVE]
        flags = [
            h.to_flag(
                id=_flag_id(batch, h.rule_id, h.subject_id),
                org_id=input.org_id,
                cycle_id=input.cycle_id,
                week=input.week,
                created_at=input.at,
            )
            for h in hits
        ]
        FlagStore(session).add_many(flags)
        per_owner: dict[str, list[Flag]] = defaultdict(list)
        for f in flags:
            for pid in owners_of(snapshot, f.subject_type, f.subject_id):
                per_owner[pid].append(f)
        NotificationStore(session).enqueue_many(
            [
                notice(
                    org_id=input.org_id,
                    recipient_id=pid,
                    kind="ignition_check",
                    at=input.at,
                    key=f"ignition:{input.cycle_id}",
                    title=LocalText(
                        en=f"Ignition check: {len(items)} finding(s) on your plan",
                        zh=f"启动检查：你的计划有 {len(items)} 个问题",
                    ),
                    body=LocalText(
                        en="\n".join(f.message.en for f in items[:10]),
                        zh="\n".join(f.message.zh for f in items[:10]),
                    ),
                    payload={"flags": [f.id for f in items]},
                )
                for pid, items in sorted(per_owner.items())
            ]
        )
        krs = sorted({f.subject_id for f in flags if f.subject_type is SubjectType.KEY_RESULT})
        return IgnitionResult(flagged_krs=krs, baseline_tasks=0)

    # ------------------------------------------------------------ consultation seam

    @activity.defn
    def open_consultation(self, input: OpenConsultationInput) -> OpenConsultationResult:
        """The consultation rung fired: convene a consultation (会商) about the subject, once."""
        request = input.request
        ident = (
            "cons-"
            + hashlib.sha256(
                f"{input.cycle_id}|{request.rule_id}|{request.subject_id}|w{input.week}".encode()
            ).hexdigest()[:24]
        )
        with unit_of_work(self.sessions) as session:
            store = ConsultationStore(session)
            open_now = [
                c
                for c in store.list_for_subject(
                    input.org_id, SubjectType(request.subject_type), request.subject_id
                )
                if c.status.value in ("open", "agreed")
            ]
            if open_now:
                return OpenConsultationResult(consultation_id=open_now[0].id, created=False)
            shared = self.shared.peek(input.org_id, input.cycle_id, input.week, input.at)
            snapshot = (
                shared.snapshot
                if shared is not None
                else load_snapshot(session, input.cycle_id, as_of=input.at, org_id=input.org_id)
            )
            participants = _participants(
                snapshot,
                SubjectType(request.subject_type),
                request.subject_id,
                PeopleStore(session).list(input.org_id),
            )
            consultation = store.add(
                Consultation(
                    id=ident,
                    org_id=input.org_id,
                    cycle_id=input.cycle_id,
                    subject_type=SubjectType(request.subject_type),
                    subject_id=request.subject_id,
                    reason=f"{request.reason_en} / {request.reason_zh}",
                    opened_by=f"rule:{request.rule_id}",
                    participants=participants,
                    meet_by=input.at + timedelta(days=3),
                    created_at=input.at,
                )
            )
            NotificationStore(session).enqueue_many(
                [
                    notice(
                        org_id=input.org_id,
                        recipient_id=pid,
                        kind="consultation_convened",
                        at=input.at,
                        key=f"consultation:{consultation.id}",
                        title=LocalText(en="A consultation meeting was convened", zh="已召集会商"),
                        body=LocalText(en=request.reason_en, zh=request.reason_zh),
                        payload={"consultation_id": consultation.id},
                    )
                    for pid in participants
                ]
            )
            return OpenConsultationResult(consultation_id=consultation.id, created=True)

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


# ---------------------------------------------------------------- helpers


def _evaluate(
    compiled: CompiledRuleSet,
    snapshot: CycleSnapshot,
    input: ReviewBatchInput,
    scopes: set[Scope],
    subjects: Mapping[Scope, set[str] | None],
) -> EvaluationResult:
    table = compute_facts(
        snapshot,
        week=input.week,
        now=input.as_of,
        scopes=scopes,
        only=compiled.facts_read(week=input.week, phase=input.phase),
    )
    rows = {
        scope: {
            sid: facts
            for sid, facts in table.rows.get(scope, {}).items()
            if subjects.get(scope) is None or sid in subjects[scope]
        }  # type: ignore[operator]
        for scope in scopes
    }
    return evaluate_facts(
        compiled,
        rows,
        week=input.week,
        phase=input.phase,
        now=input.as_of,
        weeks_in_cycle=table.weeks_in_cycle,
    )


@dataclass
class _Prepared:
    """A batch's writes computed before its transaction: they depend on the snapshot, not on stored state."""

    shared: SharedReview
    subjects: dict[Scope, set[str] | None]
    result: EvaluationResult
    flags: list[Flag]
    errors: list[RuleEvaluationError]
    flag_items: list[DigestItem]
    sheets: dict[str, dict[str, Any]]


def _read_only(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on the same database that only read (on SQLite they do not take the write lock)."""
    bind = factory.kw.get("bind")
    return make_session_factory(bind, read_only=True) if isinstance(bind, Engine) else factory


def _sheets(
    shared: SharedReview,
    input: ReviewBatchInput,
    flags: list[Flag],
    subjects: Mapping[Scope, set[str] | None],
) -> dict[str, dict[str, Any]]:
    """The weekly sheet of each team of the batch, as stored (JSON)."""
    snapshot = shared.snapshot
    ignition = None
    if input.week <= snapshot.cycle.cadence.decomposition_weeks:
        mine = subjects.get(Scope.KEY_RESULT) or set()
        ignition = ignition_items(
            snapshot,
            kr_ids=[k for k in snapshot.key_results if k in mine],
            over_capacity=_over_capacity(flags),
        )
    return {
        team_id: build_weekly_sheet(
            snapshot, week=input.week, team_id=team_id, flags=flags, ignition=ignition
        ).model_dump(mode="json")
        for team_id in input.team_ids
    }


def _flag_id(input: ReviewBatchInput, rule_id: str, subject_id: str, kind: str = "flag") -> str:
    raw = f"{input.cycle_id}|w{input.week}|{rule_id}|{subject_id}|{kind}"
    return kind[0] + hashlib.sha256(raw.encode()).hexdigest()[:31]


def _over_capacity(flags: Iterable[Flag]) -> set[str]:
    return {f.subject_id for f in flags if f.subject_type is SubjectType.PERSON and "capacity" in f.rule_id}


def _consultation_request(rung: FiredRung) -> ConsultationRequest:
    return ConsultationRequest(
        rule_id=rung.rule_id,
        subject_type=rung.subject_type.value,
        subject_id=rung.subject_id,
        severity=rung.severity.value,
        reason_en=rung.message.en,
        reason_zh=rung.message.zh,
    )


def _only_decomposition(applies_in: Any, week: int) -> bool:
    """An ignition rule: it applies in the last decomposition week and no longer after it."""
    from okrflow.domain.model import Phase

    return bool(
        applies_in.admits(week=week, phase=Phase.DECOMPOSITION)
        and not applies_in.admits(week=week + 1, phase=Phase.EXECUTION)
    )


def _participants(
    snapshot: CycleSnapshot, subject_type: SubjectType, subject_id: str, people: list[Person]
) -> list[str]:
    """KR owner, task owners, the owner's manager and the ambassadors."""
    by_id = {p.id: p for p in people}
    found: list[str] = list(owners_of(snapshot, subject_type, subject_id))
    if subject_type is SubjectType.KEY_RESULT:
        found += [t.owner_id for t in snapshot.tasks_by_kr.get(subject_id, []) if t.status.value != "cut"]
    for owner in list(found[:1]):
        manager = by_id.get(owner).manager_id if owner in by_id else None  # type: ignore[union-attr]
        if manager:
            found.append(manager)
    found += [p.id for p in people if p.role is Role.AMBASSADOR and p.active]
    seen: dict[str, None] = {}
    for pid in found:
        if pid in by_id and by_id[pid].active:
            seen.setdefault(pid, None)
    return list(seen)
