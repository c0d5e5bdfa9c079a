"""One batch of a weekly review: what it computes before its transaction, and what it writes in it.

``prepare_batch`` takes the batch's slice of the review's shared work (``activities.review_shared``):
its flags and evaluation errors, their digest lines and its teams' weekly sheets; none of it depends
on stored state. ``write_batch`` runs in the batch's one transaction: it stores those, advances the
subjects' escalation ladders from their stored state, leaves the rungs' digest lines and names the
consultations that a ladder's last rung asks for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.review_digests import flag_items, rung_items
from activities.review_shared import SUBJECT_OF_SCOPE, SharedReview
from okrflow.domain.model import Escalation, EscalationStatus, Flag, RuleMode, SubjectType
from okrflow.reports import build_sheet, ignition_items, prepare_week
from okrflow.store import EscalationStore, FlagStore, RuleEvaluationError, RuleSetStore, SheetStore
from okrflow.store.digests import DigestItem, DigestStore
from okrflow.store.tables import escalations
from rules.cycle_tally import CycleTally
from rules.engine import CompiledRuleSet, EvaluationResult, FlagHit
from rules.ladder import FiredRung, LadderState, advance_ladders
from rules.load import compile_source, load_default
from rules.model import RungTarget, Scope
from workflows.messages import ConsultationRequest, ReviewBatchInput, ReviewBatchResult


def compiled_rules(session: Session, org_id: str, version: int | None) -> CompiledRuleSet:
    """The org's published rule set of ``version``, compiled; None: the default set."""
    if version is None:
        return load_default(org_id=org_id, version=0)
    published = RuleSetStore(session).get(org_id, version)
    return compile_source(published.source, source=f"rules v{version}", org_id=org_id, version=version)


def flag_id(cycle_id: str, week: int, rule_id: str, subject_id: str, kind: str = "flag") -> str:
    """The id of what a rule wrote about a subject in a week: the same on every retry."""
    raw = f"{cycle_id}|w{week}|{rule_id}|{subject_id}|{kind}"
    return kind[0] + hashlib.sha256(raw.encode()).hexdigest()[:31]


def stored_flags(
    hits: Iterable[FlagHit], *, org_id: str, cycle_id: str, week: int, at: datetime
) -> list[Flag]:
    """The flags a review stores for its hits."""
    return [
        hit.to_flag(
            id=flag_id(cycle_id, week, hit.rule_id, hit.subject_id),
            org_id=org_id,
            cycle_id=cycle_id,
            week=week,
            created_at=at,
        )
        for hit in hits
    ]


@dataclass
class Prepared:
    """A batch's writes computed before its transaction: they depend on the snapshot, not on stored state."""

    shared: SharedReview
    subjects: dict[Scope, set[str] | None]
    result: EvaluationResult
    flags: list[Flag]
    errors: list[RuleEvaluationError]
    flag_items: list[DigestItem]
    sheets: dict[str, dict[str, Any]]


def prepare_batch(input: ReviewBatchInput, shared: SharedReview, tally: CycleTally | None = None) -> Prepared:
    """The batch's flags, evaluation errors, their digest lines and its teams' sheets (pure); the
    org-level batch's verdicts come from ``tally``, the cycle's facts added up over every shard."""
    if input.org_level:
        if tally is None:
            raise ValueError("org-level batch: the cycle's tally is needed")
        subjects: dict[Scope, set[str] | None] = {Scope.CYCLE: None}
        result = shared.cycle_verdicts(tally)
    else:
        subjects = shared.subjects(input.team_ids)
        result = shared.verdicts(input.team_ids)
    flags = stored_flags(
        result.flags, org_id=input.org_id, cycle_id=input.cycle_id, week=input.week, at=input.as_of
    )
    errors = [
        RuleEvaluationError(
            id=flag_id(input.cycle_id, input.week, e.rule_id, e.subject_id, "error"),
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
    return Prepared(
        shared=shared,
        subjects=subjects,
        result=result,
        flags=flags,
        errors=errors,
        flag_items=flag_items(shared.snapshot, input, flags),
        sheets={} if input.org_level else _sheets(shared, input, flags, subjects),
    )


def write_batch(session: Session, input: ReviewBatchInput, prepared: Prepared | None) -> ReviewBatchResult:
    """Store the batch's flags, errors, ladders, digest lines and sheets (in the batch's transaction)."""
    if prepared is None:
        return ReviewBatchResult()
    store = FlagStore(session)
    store.add_many(prepared.flags)
    store.add_errors(prepared.errors)
    fired, open_count = _advance_ladders(session, input, prepared)
    shared = prepared.shared
    items = prepared.flag_items + rung_items(shared.snapshot, shared.directory, input, fired)
    DigestStore(session).add_many(items)
    SheetStore(session).put_many(input.org_id, input.cycle_id, input.week, prepared.sheets, at=input.as_of)
    flags = prepared.flags
    return ReviewBatchResult(
        flags=sum(1 for f in flags if f.mode is RuleMode.ACTIVE),
        monitor_flags=sum(1 for f in flags if f.mode is RuleMode.MONITOR),
        evaluation_errors=len(prepared.errors),
        rungs_fired=len(fired),
        open_escalations=open_count,
        consultations=[_consultation_request(r) for r in fired if r.target == RungTarget.CONSULTATION],
        sheets=len(prepared.sheets),
    )


def _advance_ladders(
    session: Session, input: ReviewBatchInput, prepared: Prepared
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
                    id=flag_id(input.cycle_id, input.week, state.rule_id, state.subject_id, "esc"),
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
    prepared = prepare_week(snapshot, week=input.week, flags=flags)  # shared by the batch's teams
    return {
        team_id: build_sheet(prepared, team_id, ignition=ignition).model_dump(mode="json")
        for team_id in input.team_ids
    }


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
