"""Bottom-up planning: task owners propose, the key-result owner accepts or declines, tasks change.

Every write returns the key result's plan check: the task graph's findings (undated tasks, due
before a dependency, ...) and the owners over capacity, so the KR owner sees them as they plan.
Once the plan has a baseline (after decomposition), putting more work on an owner who is over
capacity needs a trade-off note: what is dropped or delayed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from okrflow import access
from okrflow.domain.capacity import WeekLoad, weekly_load
from okrflow.domain.errors import InvalidState, NotFound, Problem, ValidationFailed
from okrflow.domain.model import (
    Cycle,
    KeyResult,
    LocalText,
    Objective,
    Person,
    Phase,
    PlanState,
    Task,
    TaskStatus,
    parse_model,
)
from okrflow.domain.taskgraph import PlanFinding, plan_findings
from okrflow.services.drafting import referenced
from okrflow.services.notify import notify
from okrflow.services.rollups import refresh_after_check_in
from okrflow.store import CycleStore, KeyResultStore, ObjectiveStore, PeopleStore, TaskStore, new_id

# Phases in which the plan has a baseline: more work on an over-capacity owner needs a trade-off note.
BASELINED = frozenset({Phase.EXECUTION, Phase.MIDTERM, Phase.CLOSEOUT})


@dataclass(frozen=True)
class Overload:
    person_id: str
    week: int
    hours: float
    capacity_hours: float
    ratio: float | None  # None: no capacity at all


@dataclass(frozen=True)
class PlanCheck:
    kr_id: str
    findings: list[PlanFinding]
    over_capacity: list[Overload]
    needs_trade_off: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedTask:
    task: Task
    plan: PlanCheck


@dataclass(frozen=True)
class _Context:
    kr: KeyResult
    objective: Objective
    cycle: Cycle


def _context(session: Session, org_id: str, kr: KeyResult) -> _Context:
    objective = ObjectiveStore(session).get(org_id, kr.objective_id)
    return _Context(kr, objective, CycleStore(session).get(org_id, objective.cycle_id))


def _load(session: Session, actor: Person, task_id: str) -> tuple[Task, _Context]:
    task = TaskStore(session).get(actor.org_id, task_id)
    return task, _context(session, actor.org_id, KeyResultStore(session).get(actor.org_id, task.kr_id))


def _planned(session: Session, task: Task, *, refresh: bool = True) -> PlannedTask:
    """``task`` with its key result's plan check; ``refresh``: the task changed, so do the roll-ups."""
    if refresh:
        refresh_after_check_in(session, task.org_id, task.kr_id)
    return PlannedTask(task, plan_check(session, task.org_id, task.kr_id))


def _tell_owner(
    session: Session, actor: Person, task: Task, *, kind: str, title: LocalText, body: LocalText, at: datetime
) -> None:
    """Tell the task's owner what the KR owner did with it (unless they did it themselves)."""
    if task.owner_id == actor.id:
        return
    notify(
        session,
        actor.org_id,
        [task.owner_id],
        kind=kind,
        dedupe_key=f"{kind}:{task.id}",
        title=title,
        body=body,
        at=at,
        payload={"task_id": task.id, "kr_id": task.kr_id},
    )


# ---------------------------------------------------------------- the plan check


def _loads(
    session: Session, org_id: str, cycle: Cycle, owner_ids: set[str], preview: Task | None
) -> dict[str, list[WeekLoad]]:
    store = TaskStore(session)
    tasks: dict[str, Task] = {}
    for owner in sorted(owner_ids):
        tasks.update({t.id: t for t in store.list_for_owner(org_id, owner, cycle_id=cycle.id)})
    if preview is not None:
        tasks[preview.id] = preview
    people = PeopleStore(session).get_many(org_id, owner_ids)
    loads = weekly_load(list(tasks.values()), people, cycle)
    return {pid: weeks for pid, weeks in loads.items() if pid in owner_ids}


def plan_check(session: Session, org_id: str, kr_id: str, *, preview: Task | None = None) -> PlanCheck:
    """The plan of a key result as its owner sees it; ``preview`` is counted as accepted (and stored)."""
    kr = KeyResultStore(session).get(org_id, kr_id)
    ctx = _context(session, org_id, kr)
    store = TaskStore(session)
    tasks = {t.id: t for t in store.list_for_kr(org_id, kr.id)}
    if preview is not None:
        tasks[preview.id] = preview
    outside = {d for t in tasks.values() for d in t.depends_on} - tasks.keys()
    tasks.update(store.get_many(org_id, outside))
    owners = {
        t.owner_id for t in tasks.values() if t.kr_id == kr.id and t.plan_state is not PlanState.DECLINED
    }
    over = [
        Overload(pid, w.week, w.hours, w.capacity_hours, None if math.isinf(w.ratio) else round(w.ratio, 4))
        for pid, weeks in _loads(session, org_id, ctx.cycle, owners, preview).items()
        for w in weeks
        if w.ratio > 1.0
    ]
    return PlanCheck(kr.id, plan_findings(list(tasks.values())), over, sorted({o.person_id for o in over}))


def _refuse_overload_without_note(
    session: Session, ctx: _Context, before: Task | None, after: Task, note: str | None
) -> None:
    """After the baseline, more hours for an owner who is over capacity need a trade-off note."""
    if ctx.cycle.phase not in BASELINED or after.plan_state is not PlanState.ACCEPTED or (note or "").strip():
        return
    org_id = ctx.kr.org_id
    old = _loads(session, org_id, ctx.cycle, {after.owner_id}, before).get(after.owner_id, [])
    new = _loads(session, org_id, ctx.cycle, {after.owner_id}, after).get(after.owner_id, [])
    before_hours = {w.week: w.hours for w in old}
    worse = [w for w in new if w.ratio > 1.0 and w.hours > before_hours.get(w.week, 0.0) + 1e-9]
    if worse:
        weeks = ", ".join(f"week {w.week} ({w.hours:g}h of {w.capacity_hours:g}h)" for w in worse)
        raise ValidationFailed(
            [
                Problem(
                    ("trade_off_note",),
                    f"{after.owner_id} is over capacity in {weeks}: "
                    "say what is dropped or delayed to make room for this task",
                )
            ]
        )


# ---------------------------------------------------------------- propose, accept, decline


def propose_task(session: Session, actor: Person, data: Mapping[str, Any], *, at: datetime) -> PlannedTask:
    """Propose a task (the actor will own it); the KR owner's own additions are accepted at once."""
    org_id = actor.org_id
    kr = referenced("kr_id", lambda: KeyResultStore(session).get(org_id, data["kr_id"]))
    ctx = _context(session, org_id, kr)
    owner_id = data.get("owner_id") or actor.id
    access.require_propose_task(actor, owner_id, kr, ctx.objective)
    manages = access.can_manage_tasks(actor, kr, ctx.objective)
    task = parse_model(
        Task,
        {
            **{k: v for k, v in data.items() if v is not None},
            "id": new_id(),
            "org_id": org_id,
            "owner_id": owner_id,
            "plan_state": PlanState.ACCEPTED if manages else PlanState.PROPOSED,
            "proposed_by": actor.id,
            "created_at": at,
            "in_baseline": False,
        },
    )
    _refuse_overload_without_note(session, ctx, None, task, task.trade_off_note)
    task = TaskStore(session).add(task, actor=actor.id, at=at)
    if not manages:
        notify(
            session,
            org_id,
            [kr.owner_id or ctx.objective.owner_id],
            kind="task_proposed",
            dedupe_key=f"task_proposed:{task.id}",
            title=LocalText(
                en=f"{actor.name} proposed a task for “{kr.title}”",
                zh=f"{actor.name} 为“{kr.title}”提议了一个任务",
            ),
            body=LocalText(
                en=f"“{task.title}”: accept or decline it.", zh=f"“{task.title}”：请采纳或不采纳。"
            ),
            at=at,
            payload={"task_id": task.id, "kr_id": kr.id},
        )
    return _planned(session, task)


def _load_for_kr_owner(session: Session, actor: Person, task_id: str, action: str) -> tuple[Task, _Context]:
    task, ctx = _load(session, actor, task_id)
    access.require_manage_tasks(actor, ctx.kr, ctx.objective, action)
    return task, ctx


def accept_task(
    session: Session,
    actor: Person,
    task_id: str,
    *,
    expected_version: int,
    trade_off_note: str | None = None,
    at: datetime,
) -> PlannedTask:
    """The KR owner accepts a proposed task into the plan; its owner is told."""
    task, ctx = _load_for_kr_owner(session, actor, task_id, "accepting a task")
    if task.plan_state is not PlanState.PROPOSED:
        raise InvalidState(f"task {task.id!r} is {task.plan_state.value}, not proposed: nothing to accept")
    changes: dict[str, Any] = {"plan_state": PlanState.ACCEPTED}
    if trade_off_note:
        changes["trade_off_note"] = trade_off_note
    accepted = task.model_copy(update=changes)
    _refuse_overload_without_note(session, ctx, task, accepted, trade_off_note or task.trade_off_note)
    task = TaskStore(session).update(
        actor.org_id,
        task_id,
        changes,
        expected_version=expected_version,
        actor=actor.id,
        action="accept",
        at=at,
    )
    _tell_owner(
        session,
        actor,
        task,
        kind="task_accepted",
        title=LocalText(
            en=f"Your task “{task.title}” is in the plan", zh=f"你的任务“{task.title}”已纳入计划"
        ),
        body=LocalText(
            en=f"{actor.name} accepted it for “{ctx.kr.title}”.",
            zh=f"{actor.name} 已将其纳入“{ctx.kr.title}”。",
        ),
        at=at,
    )
    return _planned(session, task)


def decline_task(
    session: Session, actor: Person, task_id: str, *, reason: str, expected_version: int, at: datetime
) -> PlannedTask:
    """The KR owner declines a proposal, saying why; its owner is told."""
    task, _ = _load_for_kr_owner(session, actor, task_id, "declining a task")
    if task.plan_state is not PlanState.PROPOSED:
        raise InvalidState(f"task {task.id!r} is {task.plan_state.value}, not proposed: nothing to decline")
    task = TaskStore(session).update(
        actor.org_id,
        task_id,
        {"plan_state": PlanState.DECLINED},
        expected_version=expected_version,
        actor=actor.id,
        action="decline",
        reason=reason,
        at=at,
    )
    _tell_owner(
        session,
        actor,
        task,
        kind="task_declined",
        title=LocalText(
            en=f"Your proposed task “{task.title}” was declined", zh=f"你提议的任务“{task.title}”未被采纳"
        ),
        body=LocalText(en=f"{actor.name}: {reason}", zh=f"{actor.name}：{reason}"),
        at=at,
    )
    return _planned(session, task)


# ---------------------------------------------------------------- changes


def update_task(
    session: Session,
    actor: Person,
    task_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    at: datetime,
) -> PlannedTask:
    """Change a task: its owner changes its work; the KR owner changes anything (owner included)."""
    task, ctx = _load(session, actor, task_id)
    access.require_edit_task(actor, task, ctx.kr, ctx.objective, changes.keys())
    values = dict(changes)
    if values.get("status") is TaskStatus.CUT and task.status is not TaskStatus.CUT:
        values["cut_at"] = at
    elif "status" in values and values["status"] is not TaskStatus.CUT and task.status is TaskStatus.CUT:
        values["cut_at"] = None
    after = parse_model(Task, {**task.model_dump(), **values})
    _refuse_overload_without_note(session, ctx, task, after, after.trade_off_note)
    updated = TaskStore(session).update(
        actor.org_id, task_id, values, expected_version=expected_version, actor=actor.id, at=at
    )
    _invite(session, actor, updated, set(updated.collaborators) - set(task.collaborators), at)
    return _planned(session, updated, refresh=updated.version != task.version)


def change_collaborator(
    session: Session,
    actor: Person,
    task_id: str,
    person_id: str,
    *,
    add: bool,
    expected_version: int,
    at: datetime,
) -> PlannedTask:
    """Invite a collaborator (the task or KR owner), or remove one (they may also leave themselves)."""
    task, ctx = _load(session, actor, task_id)
    if add or person_id != actor.id:
        access.require_edit_task(actor, task, ctx.kr, ctx.objective, ["collaborators"])
    if add:
        referenced("person_id", lambda: PeopleStore(session).get(actor.org_id, person_id))
        collaborators = (
            [*task.collaborators, person_id] if person_id not in task.collaborators else task.collaborators
        )
    else:
        if person_id not in task.collaborators:
            raise NotFound("collaborator", person_id)
        collaborators = [p for p in task.collaborators if p != person_id]
    try:
        updated = TaskStore(session).update(
            actor.org_id,
            task_id,
            {"collaborators": collaborators},
            expected_version=expected_version,
            actor=actor.id,
            action="invite" if add else "uninvite",
            at=at,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            [
                Problem(("person_id",), p.message) if p.location[:1] == ("collaborators",) else p
                for p in exc.problems
            ]
        ) from None
    if add:
        _invite(session, actor, updated, {person_id}, at)
    return _planned(session, updated, refresh=False)  # who helps moves no roll-up


def _invite(session: Session, actor: Person, task: Task, invited: set[str], at: datetime) -> None:
    invited.discard(actor.id)
    if not invited:
        return
    owner = PeopleStore(session).get(actor.org_id, task.owner_id).name
    notify(
        session,
        actor.org_id,
        sorted(invited),
        kind="task_invitation",
        dedupe_key=f"task_invitation:{task.id}:{task.version}",
        title=LocalText(
            en=f"{actor.name} invited you to help with “{task.title}”",
            zh=f"{actor.name} 邀请你协作任务“{task.title}”",
        ),
        body=LocalText(
            en=f"{owner} owns the task; you are a collaborator.", zh=f"任务负责人是 {owner}，你是协作者。"
        ),
        at=at,
        payload={"task_id": task.id, "kr_id": task.kr_id},
    )
