"""Activities of the weekly review: plan the batches, review a batch of teams, publish.

A batch loads the snapshot of its teams, computes facts, evaluates the published rule set,
writes flags and evaluation errors, advances escalation ladders, stores the teams' weekly
sheets and leaves one digest item per person and event. ``publish_review`` folds the items
into one digest per person. Everything a batch writes commits in one transaction together
with its result (``ActivityKeyStore.run_once``), so a retried batch returns the first result
and writes nothing twice.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.notices import notice
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
    unit_of_work,
)
from okrflow.store.digests import DigestItem, DigestStore
from okrflow.store.snapshot import load_snapshot
from okrflow.store.tables import teams
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
CONSULTATION_TARGET = "consultation"
_SUBJECT_OF_SCOPE = {
    Scope.KEY_RESULT: SubjectType.KEY_RESULT,
    Scope.OBJECTIVE: SubjectType.OBJECTIVE,
    Scope.TASK: SubjectType.TASK,
    Scope.PERSON: SubjectType.PERSON,
    Scope.TEAM: SubjectType.TEAM,
    Scope.CYCLE: SubjectType.CYCLE,
}


def review_key(org_id: str, cycle_id: str, week: int) -> str:
    return f"review:{org_id}:{cycle_id}:w{week}"


class ReviewActivities:
    def __init__(
        self, session_factory: sessionmaker[Session], *, read_factory: sessionmaker[Session] | None = None
    ) -> None:
        self.sessions = session_factory
        self.reads = read_factory or session_factory

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
        with unit_of_work(self.sessions) as session:
            done = ActivityKeyStore(session).run_once(
                key, lambda: self._review_batch(session, input), at=input.as_of
            )
        return ReviewBatchResult.model_validate(done)

    def _review_batch(self, session: Session, input: ReviewBatchInput) -> ReviewBatchResult:
        compiled = self._rules(session, input.org_id, input.rule_set_version)
        if input.org_level:
            scopes = {Scope.CYCLE} & compiled.scopes(week=input.week, phase=input.phase)
            if not scopes:
                return ReviewBatchResult()
            snapshot = load_snapshot(session, input.cycle_id, as_of=input.as_of, org_id=input.org_id)
            subjects: dict[Scope, set[str] | None] = {Scope.CYCLE: None}
        else:
            scopes = compiled.scopes(week=input.week, phase=input.phase) - {Scope.CYCLE}
            snapshot = load_snapshot(
                session, input.cycle_id, as_of=input.as_of, team_ids=input.team_ids, org_id=input.org_id
            )
            subjects = _batch_subjects(snapshot, set(input.team_ids))
        result = _evaluate(compiled, snapshot, input, scopes, subjects)
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
        store = FlagStore(session)
        store.add_many(flags)
        store.add_errors(
            [
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
        )
        fired, open_count = self._ladders(session, input, compiled, result, subjects)
        consultations = [_consultation_request(r) for r in fired if r.target == CONSULTATION_TARGET]
        items = _flag_items(snapshot, input, flags) + _rung_items(session, snapshot, input, fired)
        DigestStore(session).add_many(items)
        sheets = 0
        if not input.org_level:
            sheets = self._sheets(session, snapshot, input, flags)
        return ReviewBatchResult(
            flags=sum(1 for f in flags if f.mode is RuleMode.ACTIVE),
            monitor_flags=sum(1 for f in flags if f.mode is RuleMode.MONITOR),
            evaluation_errors=len(result.errors),
            rungs_fired=len(fired),
            open_escalations=open_count,
            consultations=consultations,
            sheets=sheets,
        )

    def _rules(self, session: Session, org_id: str, version: int | None) -> CompiledRuleSet:
        if version is None:
            return load_default(org_id=org_id, version=0)
        published = RuleSetStore(session).get(org_id, version)
        return compile_source(published.source, source=f"rules v{version}", org_id=org_id, version=version)

    def _ladders(
        self,
        session: Session,
        input: ReviewBatchInput,
        compiled: CompiledRuleSet,
        result: EvaluationResult,
        subjects: Mapping[Scope, set[str] | None],
    ) -> tuple[list[FiredRung], int]:
        store = EscalationStore(session)
        wanted = {s for ids in subjects.values() if ids is not None for s in ids}
        existing = [
            e
            for e in store.list_for_cycle(input.org_id, input.cycle_id, status=EscalationStatus.OPEN)
            if (input.org_level and e.subject_type is SubjectType.CYCLE)
            or (not input.org_level and e.subject_id in wanted)
        ]
        by_key = {(e.rule_id, e.subject_id): e for e in existing}
        advance = advance_ladders(
            [LadderState.from_escalation(e) for e in existing], result, compiled, week=input.week
        )
        for state in advance.states:
            old = by_key.get(state.key)
            values = state.model_dump(exclude={"rule_id", "subject_type", "subject_id"})
            if old is not None:
                if old.updated_week != state.updated_week:
                    store.update(input.org_id, old.id, values)
            elif state.status is EscalationStatus.OPEN:
                store.add(
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
        open_count = sum(1 for s in advance.states if s.status is EscalationStatus.OPEN)
        return list(advance.fired), open_count

    def _sheets(
        self, session: Session, snapshot: CycleSnapshot, input: ReviewBatchInput, flags: list[Flag]
    ) -> int:
        store = SheetStore(session)
        in_ignition = input.week <= snapshot.cycle.cadence.decomposition_weeks
        ignition = ignition_items(snapshot, over_capacity=_over_capacity(flags)) if in_ignition else None
        for team_id in input.team_ids:
            sheet = build_weekly_sheet(
                snapshot, week=input.week, team_id=team_id, flags=flags, ignition=ignition
            )
            store.put(
                input.org_id,
                input.cycle_id,
                input.week,
                sheet.model_dump(mode="json"),
                scope=team_id,
                at=input.as_of,
            )
        return len(input.team_ids)

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
            for pid in _owners_of(snapshot, f.subject_type, f.subject_id):
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
            snapshot = load_snapshot(session, input.cycle_id, as_of=input.at, org_id=input.org_id)
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
        with unit_of_work(self.sessions) as session:
            cycle = CycleStore(session).get(input.org_id, input.cycle_id)
            people = [p for p in PeopleStore(session).list(input.org_id) if p.active]
            items = DigestStore(session).list_for_review(input.org_id, input.cycle_id, input.week)
            by_person: dict[str, list[DigestItem]] = defaultdict(list)
            for item in items:
                by_person[item.recipient_id].append(item)
            everyone = cycle.cadence.publish_sheet_to_all
            notices = []
            for person in people:
                mine = by_person.get(person.id, [])
                if not mine and not everyone and person.team_id is None:
                    continue
                notices.append(_digest(input, cycle.name, person, mine))
            outbox = NotificationStore(session)
            created = outbox.enqueue_many(notices)
            delivered = 0
            while batch := outbox.deliver_pending(input.org_id, at=input.as_of):
                delivered += len(batch)
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


def _batch_subjects(snapshot: CycleSnapshot, team_ids: set[str]) -> dict[Scope, set[str] | None]:
    """The subjects a batch owns: its teams, their objectives, KRs, tasks and members."""
    objectives = {o.id for o in snapshot.objectives.values() if o.team_id in team_ids}
    krs = {k.id for k in snapshot.key_results.values() if k.objective_id in objectives}
    return {
        Scope.TEAM: set(team_ids),
        Scope.OBJECTIVE: objectives,
        Scope.KEY_RESULT: krs,
        Scope.TASK: {t.id for t in snapshot.tasks.values() if t.kr_id in krs},
        Scope.PERSON: {p.id for p in snapshot.people.values() if p.team_id in team_ids},
    }


def _flag_id(input: ReviewBatchInput, rule_id: str, subject_id: str, kind: str = "flag") -> str:
    raw = f"{input.cycle_id}|w{input.week}|{rule_id}|{subject_id}|{kind}"
    return kind[0] + hashlib.sha256(raw.encode()).hexdigest()[:31]


def _over_capacity(flags: Iterable[Flag]) -> set[str]:
    return {f.subject_id for f in flags if f.subject_type is SubjectType.PERSON and "capacity" in f.rule_id}


def _owners_of(snapshot: CycleSnapshot, subject_type: SubjectType, subject_id: str) -> list[str]:
    """Who owns a subject: the person to tell first."""
    if subject_type is SubjectType.KEY_RESULT:
        kr = snapshot.key_results.get(subject_id)
        if kr is None:
            return []
        return [kr.owner_id or snapshot.objectives[kr.objective_id].owner_id]
    if subject_type is SubjectType.OBJECTIVE:
        o = snapshot.objectives.get(subject_id)
        return [o.owner_id] if o else []
    if subject_type is SubjectType.TASK:
        t = snapshot.tasks.get(subject_id)
        return [t.owner_id] if t else []
    if subject_type is SubjectType.PERSON:
        return [subject_id]
    if subject_type is SubjectType.TEAM:
        team = snapshot.teams.get(subject_id)
        return [team.lead_id] if team and team.lead_id else []
    return []


def _resolve_target(
    snapshot: CycleSnapshot,
    people: Mapping[str, Person],
    target: str,
    subject_type: SubjectType,
    subject_id: str,
) -> list[str]:
    """Who a rung notifies: owner, manager, ambassador, consultation, person:<id|handle>, role:<role>."""
    owners = _owners_of(snapshot, subject_type, subject_id)
    if target == "owner":
        return owners
    if target == "manager":
        managers = [people[o].manager_id for o in owners if o in people and people[o].manager_id]
        return [m for m in managers if m] or owners
    if target in ("ambassador", "role:ambassador"):
        return sorted(p.id for p in people.values() if p.role is Role.AMBASSADOR and p.active)
    if target.startswith("role:"):
        role = target.removeprefix("role:")
        return sorted(p.id for p in people.values() if p.role.value == role and p.active)
    if target.startswith("person:"):
        who = target.removeprefix("person:")
        return [p.id for p in people.values() if who in (p.id, p.handle)]
    if target == CONSULTATION_TARGET:
        return owners
    return []


def _flag_items(snapshot: CycleSnapshot, input: ReviewBatchInput, flags: list[Flag]) -> list[DigestItem]:
    items = []
    for f in flags:
        if f.mode is RuleMode.MONITOR:
            continue  # recorded, nobody is told
        for pid in _owners_of(snapshot, f.subject_type, f.subject_id):
            items.append(
                DigestItem(
                    org_id=input.org_id,
                    cycle_id=input.cycle_id,
                    week=input.week,
                    recipient_id=pid,
                    key=f"flag:{f.rule_id}:{f.subject_id}",
                    kind="flag",
                    severity=f.severity.value,
                    subject_type=f.subject_type.value,
                    subject_id=f.subject_id,
                    message=f.message,
                )
            )
    return items


def _rung_items(
    session: Session, snapshot: CycleSnapshot, input: ReviewBatchInput, fired: list[FiredRung]
) -> list[DigestItem]:
    if not fired:
        return []
    people = {p.id: p for p in PeopleStore(session).list(input.org_id)}
    items = []
    for rung in fired:
        for pid in _resolve_target(snapshot, people, rung.target, rung.subject_type, rung.subject_id):
            msg = LocalText(
                en=f"Escalated to you ({rung.target}, {rung.streak} weeks in a row): {rung.message.en}",
                zh=f"已升级至你（{rung.target}，连续 {rung.streak} 周）：{rung.message.zh}",
            )
            items.append(
                DigestItem(
                    org_id=input.org_id,
                    cycle_id=input.cycle_id,
                    week=input.week,
                    recipient_id=pid,
                    key=f"rung:{rung.rule_id}:{rung.subject_id}:{rung.rung_index}",
                    kind="escalation",
                    severity=rung.severity.value,
                    subject_type=rung.subject_type.value,
                    subject_id=rung.subject_id,
                    message=msg,
                )
            )
    return items


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
    found: list[str] = list(_owners_of(snapshot, subject_type, subject_id))
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


def _digest(input: PublishReviewInput, cycle_name: str, person: Person, items: list[DigestItem]) -> Any:
    ranked = sorted(items, key=lambda i: (-_SEVERITY.get(i.severity, 0), i.kind != "escalation", i.key))
    flags = sum(1 for i in ranked if i.kind == "flag")
    rungs = sum(1 for i in ranked if i.kind == "escalation")
    title = LocalText(
        en=f"{cycle_name}, week {input.week}: your weekly review"
        + (f" — {flags} flag(s), {rungs} escalation(s)" if items else " — nothing needs your attention"),
        zh=f"{cycle_name} 第 {input.week} 周周会摘要"
        + (f"：{flags} 个风险标记，{rungs} 个升级" if items else "：没有需要你处理的事项"),
    )
    body = LocalText(
        en="\n".join(f"[{i.severity}] {i.message.en}" for i in ranked[:30]),
        zh="\n".join(f"[{i.severity}] {i.message.zh}" for i in ranked[:30]),
    )
    return notice(
        org_id=input.org_id,
        recipient=person,
        kind="weekly_digest",
        at=input.as_of,
        key=f"digest:{input.cycle_id}:w{input.week}",
        title=title,
        body=body,
        payload={
            "cycle_id": input.cycle_id,
            "week": input.week,
            "team_id": person.team_id,
            "items": [
                i.model_dump(mode="json", include={"kind", "severity", "subject_type", "subject_id"})
                for i in ranked
            ],
        },
    )


_SEVERITY = {"info": 0, "warning": 1, "risk": 2, "critical": 3}
