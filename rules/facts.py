"""Facts: what rule conditions read about each subject, computed from a cycle snapshot.

Pure functions of the snapshot, the review's week and its instant ``now`` (never the wall
clock). ``compute_facts`` builds the facts of every subject of the requested scopes in
one pass over the snapshot (tasks are grouped once, people's weekly loads computed once);
``facts_for`` builds one subject's facts with the same code. The names, types and meanings
are declared in ``rules.catalog`` (and documented in ``docs/facts.md``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from okrflow.domain.calendar import local_instant, week_count
from okrflow.domain.model import HealthLevel, KeyResult, PlanState, Task, TaskStatus
from okrflow.domain.progress import clamp, team_progress
from okrflow.domain.snapshot import CycleSnapshot
from rules.catalog import Scope
from rules.context import (
    APPROVED,
    COMMITTED,
    CUT,
    DIGITS,
    DOING,
    DONE,
    OPEN,
    TODO,
    Facts,
    ReviewContext,
    ratio,
)
from rules.cycle_tally import cycle_tally

__all__ = ["FactTable", "compute_facts", "facts_for", "facts_in"]


@dataclass(frozen=True)
class FactTable:
    """Facts per scope, then per subject id; plus the cycle's week count (an input)."""

    rows: dict[Scope, dict[str, Facts]]
    weeks_in_cycle: int


# ---------------------------------------------------------------- one subject


def _key_result(ctx: ReviewContext, kr: KeyResult) -> Facts:
    ci = ctx.kr_state(kr)
    raw = ci.raw
    progress = clamp(raw)
    today = ctx.today
    active = ctx.active_people
    want_chain, want_blocked_deps = ctx.want_chain, ctx.want_blocked_deps
    todo = doing = blocked = done = cut = unowned = undated = overdue = 0
    milestones = milestones_overdue = blocked_dependencies = chain = 0
    baseline = added = removed = 0
    est_all = True
    est_total = est_done = 0.0
    for t in ctx.task_index.by_kr.get(kr.id, ()):
        status = t.status
        if status is CUT:
            cut += 1
            if t.in_baseline:
                baseline += 1
                removed += 1
            continue
        if t.in_baseline:
            baseline += 1
        else:
            added += 1
        est = t.estimate_hours
        if est is None:
            est_all = False
        else:
            est_total += est
        if t.milestone:
            milestones += 1
        if status is DONE:
            done += 1
            if est is not None:
                est_done += est
            continue
        if status is TODO:
            todo += 1
        elif status is DOING:
            doing += 1
        else:
            blocked += 1
            if want_chain:
                chain = max(chain, ctx.chain_behind(t.id))
        if t.owner_id not in active:
            unowned += 1
        due = t.due
        if due is None:
            undated += 1
        elif due < today:
            overdue += 1
            if t.milestone:
                milestones_overdue += 1
        if want_blocked_deps and t.depends_on and ctx.blocked_deps(t)[1]:
            blocked_dependencies += 1
    total = todo + doing + blocked + done
    share = ratio(est_done, est_total) if est_all and est_total > 0 else ratio(done, total)
    facts: Facts = {
        "name": kr.title,
        "kind": kr.kind.value,
        "objective_kind": ctx.objective_kinds.get(kr.objective_id, COMMITTED),
        "has_owner": kr.owner_id is not None,
        "progress": progress,
        "raw_progress": raw,
        "expected_progress": ctx.expected,
        "gap": round(ctx.expected - progress, DIGITS),
        "check_in_count": ci.count,
        "days_since_check_in": ci.days_since,
        "tasks_total": total,
        "tasks_todo": todo,
        "tasks_doing": doing,
        "tasks_blocked": blocked,
        "tasks_done": done,
        "tasks_cut": cut,
        "tasks_unowned": unowned,
        "tasks_undated": undated,
        "tasks_overdue": overdue,
        "milestones_total": milestones,
        "milestones_overdue": milestones_overdue,
        "task_done_share": share,
        "disconnect": round(share - progress, DIGITS),
        "baseline_tasks": baseline,
        "tasks_added": added,
        "tasks_removed": removed,
        "churn": ratio(added + removed, baseline),
        "weeks_flagged": ctx.weeks_flagged.get(kr.id, 0),
    }
    if ci.confidence is not None:
        facts["confidence"] = ci.confidence
    if ctx.want_trend:
        facts["confidence_trend"] = ci.trend
    if ctx.want_proposed:
        facts["tasks_proposed"] = ctx.task_index.proposed_by_kr.get(kr.id, 0)
    if want_blocked_deps:
        facts["blocked_dependencies"] = blocked_dependencies
    if want_chain:
        facts["blocked_chain_length"] = chain
    if ctx.want_owner_load:
        owner = kr.owner_id
        facts["owner_load_ratio"] = ctx.peak_load.get(owner, (0.0, 0))[0] if owner is not None else 0.0
    return facts


def _objective(ctx: ReviewContext, objective_id: str) -> Facts:
    obj = ctx.s.objectives[objective_id]
    krs = ctx.s.krs_by_objective.get(objective_id, [])
    flagged = ctx.weeks_flagged
    confidences = [ci[-1].confidence for kr in krs if (ci := ctx.s.check_ins.get(kr.id))]
    n_flagged = sum(1 for kr in krs if flagged.get(kr.id, 0) > 0)
    progress = ctx.objective_progress[objective_id]
    facts: Facts = {
        "name": obj.title,
        "kind": obj.kind.value,
        "status": obj.status.value,
        "kr_count": len(krs),
        "progress": progress,
        "expected_progress": ctx.expected,
        "gap": round(ctx.expected - progress, DIGITS),
        "krs_without_check_in": sum(1 for kr in krs if not ctx.s.check_ins.get(kr.id)),
        "krs_flagged": n_flagged,
        "krs_flagged_share": ratio(n_flagged, len(krs)),
        "weeks_flagged": flagged.get(objective_id, 0),
    }
    if confidences:
        facts["min_confidence"] = min(confidences)
    return facts


def _task(ctx: ReviewContext, task: Task) -> Facts:
    is_open = task.status in OPEN
    waiting, blocking = ctx.blocked_deps(task)
    days_overdue = (ctx.today - task.due).days if is_open and task.due is not None else 0
    facts: Facts = {
        "name": task.title,
        "status": task.status.value,
        "plan_state": task.plan_state.value,
        "is_milestone": task.milestone,
        "is_open": is_open,
        "has_owner": task.owner_id in ctx.active_people,
        "has_due": task.due is not None,
        "days_overdue": max(0, days_overdue),
        "in_baseline": task.in_baseline,
        "waiting_on": waiting,
        "blocked_dependencies": blocking,
        "blocked_chain_length": ctx.chain_behind(task.id) if task.status is TaskStatus.BLOCKED else 0,
        "owner_load_ratio": ctx.peak_load.get(task.owner_id, (0.0, 0))[0],
        "weeks_flagged": ctx.weeks_flagged.get(task.id, 0),
    }
    if task.due is not None:
        facts["due"] = local_instant(ctx.s.cycle, task.due)
    if task.estimate_hours is not None:
        facts["estimate_hours"] = task.estimate_hours
    return facts


def _person(ctx: ReviewContext, person_id: str) -> Facts:
    s = ctx.s
    p = s.people[person_id]
    facts: Facts = {
        "name": p.name,
        "role": p.role.value,
        "has_manager": p.manager_id is not None,
        "capacity_hours": p.weekly_capacity_hours,
        "weeks_flagged": ctx.weeks_flagged.get(person_id, 0),
    }
    if ctx.wants(Scope.PERSON, "objectives_owned", "objectives_approved"):
        objectives = s.objectives_by_owner.get(person_id, [])
        facts["objectives_owned"] = len(objectives)
        facts["objectives_approved"] = sum(1 for o in objectives if o.status in APPROVED)
    if ctx.wants(Scope.PERSON, "krs_owned", "check_in_compliance", "krs_missing_check_in"):
        krs = s.krs_by_owner.get(person_id, [])
        recent = ctx.recent_krs
        missing = sum(1 for kr in krs if kr.id not in recent)
        facts["krs_owned"] = len(krs)
        facts["check_in_compliance"] = 1.0 - ratio(missing, len(krs))
        facts["krs_missing_check_in"] = missing
    if ctx.wants(Scope.PERSON, "tasks_open"):
        facts["tasks_open"] = ctx.task_index.open_by_owner.get(person_id, 0)
    if ctx.wants(Scope.PERSON, "load_ratio", "overloaded_weeks"):
        facts["load_ratio"], facts["overloaded_weeks"] = ctx.peak_load.get(person_id, (0.0, 0))
    return facts


def _team(ctx: ReviewContext, team_id: str) -> Facts:
    s = ctx.s
    objectives = s.objectives_by_team.get(team_id, [])
    flagged = ctx.weeks_flagged
    facts: Facts = {
        "name": s.teams[team_id].name,
        "members": sum(1 for p in s.people_by_team.get(team_id, []) if p.active),
        "objectives": len(objectives),
        "expected_progress": ctx.expected,
        "health_red_weeks": 0,
        "weeks_flagged": flagged.get(team_id, 0),
    }
    if ctx.wants(Scope.TEAM, "progress", "gap"):
        progress = round(team_progress(objectives, ctx.objective_progress), DIGITS)
        facts["progress"] = progress
        facts["gap"] = round(ctx.expected - progress, DIGITS)
    if ctx.wants(Scope.TEAM, "krs", "check_in_compliance", "krs_flagged_share"):
        krs = [kr for o in objectives for kr in s.krs_by_objective.get(o.id, [])]
        facts["krs"] = len(krs)
        missing = sum(1 for kr in krs if kr.id not in ctx.recent_krs)
        facts["check_in_compliance"] = 1.0 - ratio(missing, len(krs))
        facts["krs_flagged_share"] = ratio(sum(1 for kr in krs if flagged.get(kr.id, 0) > 0), len(krs))
    pulses = s.pulses.get(team_id)
    if pulses:
        latest = pulses[-1]
        facts["health"] = latest.team_health.value
        facts["quality"] = latest.quality.value
        facts["customer_satisfaction"] = latest.customer_satisfaction.value
        facts["health_red_weeks"] = _red_weeks(pulses, ctx.week)
    return facts


def _cycle(ctx: ReviewContext) -> Facts:
    return cycle_tally(ctx).facts(ctx)


def _red_weeks(pulses: Sequence[Any], week: int) -> int:
    """Consecutive red team-health weeks ending with the latest pulse, if it is from this week or last."""
    latest = pulses[-1]
    if latest.week < week - 1:
        return 0
    count, expect = 0, latest.week
    for p in reversed(pulses):
        if p.week != expect or p.team_health is not HealthLevel.RED:
            break
        count += 1
        expect -= 1
    return count


def _rows(ctx: ReviewContext, scope: Scope, ids: Iterable[str] | None = None) -> dict[str, Facts]:
    s = ctx.s
    if scope is Scope.KEY_RESULT:
        krs = s.key_results
        return {k: _key_result(ctx, krs[k]) for k in (krs if ids is None else ids)}
    if scope is Scope.OBJECTIVE:
        return {o: _objective(ctx, o) for o in (s.objectives if ids is None else ids)}
    if scope is Scope.TASK:
        tasks = s.tasks
        wanted = (
            [t for t in tasks.values() if t.plan_state is not PlanState.DECLINED]
            if ids is None
            else [tasks[i] for i in ids]
        )
        return {t.id: _task(ctx, t) for t in wanted}
    if scope is Scope.PERSON:
        people = s.people
        wanted_people = [p for p in people if people[p].active] if ids is None else list(ids)
        return {p: _person(ctx, p) for p in wanted_people}
    if scope is Scope.TEAM:
        return {t: _team(ctx, t) for t in (s.teams if ids is None else ids)}
    return {s.cycle.id: _cycle(ctx)}


def compute_facts(
    snapshot: CycleSnapshot,
    *,
    week: int,
    now: datetime | None = None,
    scopes: Collection[Scope] | None = None,
    only: Collection[str] | Mapping[Scope, Collection[str]] | None = None,
    subjects: Mapping[Scope, Collection[str] | None] | None = None,
) -> FactTable:
    """Facts for every subject of each requested scope.

    Subjects: every key result, objective, team; tasks that are proposed or accepted;
    active people; the cycle itself.

    Args:
        snapshot: The cycle as of the review.
        week: The review's week of the cycle (1-based).
        now: The review's instant (aware); default ``snapshot.as_of``.
        scopes: The scopes to compute; default all.
        only: The facts the caller will read, per scope (``CompiledRuleSet.facts_read_by_scope``),
            or one collection of names for every scope. Facts that cost work of their own are
            left out unless named: a key result's ``confidence_trend``, ``tasks_proposed``,
            ``blocked_dependencies``, ``blocked_chain_length`` and ``owner_load_ratio``; a
            person's facts but name, role, manager, capacity and flags; a team's progress, gap
            and key-result shares; the cycle's progress, gap and ``people_without_okrs``.
            Default: all.
        subjects: Per scope, the subject ids to compute (None: all of that scope), e.g. one
            team's batch. Aggregates still see the whole snapshot.

    Returns:
        The facts table.
    """
    if only is not None and not isinstance(only, Mapping):
        only = dict.fromkeys(Scope, only)
    ctx = ReviewContext(snapshot, week=week, now=snapshot.as_of if now is None else now, only=only)
    return facts_in(ctx, scopes=scopes, subjects=subjects)


def facts_in(
    ctx: ReviewContext,
    *,
    scopes: Collection[Scope] | None = None,
    subjects: Mapping[Scope, Collection[str] | None] | None = None,
) -> FactTable:
    """``compute_facts`` in a review context of the caller's (which can go on to ``cycle_tally``)."""
    snapshot = ctx.s
    wanted = list(Scope) if scopes is None else [s for s in Scope if s in scopes]
    rows = {}
    for scope in wanted:
        ids = None if subjects is None else subjects.get(scope)
        if ids is None:
            rows[scope] = _rows(ctx, scope)
        elif scope is Scope.CYCLE:
            rows[scope] = _rows(ctx, scope) if snapshot.cycle.id in ids else {}
        else:
            rows[scope] = _rows(ctx, scope, _present(snapshot, scope, ids))
    return FactTable(rows=rows, weeks_in_cycle=week_count(snapshot.cycle))


def _present(snapshot: CycleSnapshot, scope: Scope, ids: Collection[str]) -> list[str]:
    """The ids that exist in the snapshot and are subjects of ``scope``, in the snapshot's order."""
    table: Mapping[str, Any] = {
        Scope.KEY_RESULT: snapshot.key_results,
        Scope.OBJECTIVE: snapshot.objectives,
        Scope.TASK: snapshot.tasks,
        Scope.PERSON: snapshot.people,
        Scope.TEAM: snapshot.teams,
    }[scope]
    wanted = set(ids)
    present = [i for i in table if i in wanted]
    if scope is Scope.TASK:  # the subjects ``compute_facts`` would take of all: see its docstring
        return [i for i in present if table[i].plan_state is not PlanState.DECLINED]
    if scope is Scope.PERSON:
        return [i for i in present if table[i].active]
    return present


def facts_for(
    scope: Scope, subject_id: str, snapshot: CycleSnapshot, *, week: int, now: datetime | None = None
) -> Facts:
    """The facts of one subject, e.g. for a consultation's follow-up check.

    Raises:
        KeyError: If the snapshot has no such subject.
    """
    ctx = ReviewContext(snapshot, week=week, now=snapshot.as_of if now is None else now)
    if scope is Scope.CYCLE:
        if subject_id != snapshot.cycle.id:
            raise KeyError(subject_id)
        return _cycle(ctx)
    return _rows(ctx, scope, [subject_id])[subject_id]
