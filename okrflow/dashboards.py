"""Dashboard roll-ups: weighted aggregates kept as sums of contributions (pure arithmetic).

Every aggregate a dashboard reads (an objective, a team with its whole subtree, a person, the
org) is a *sum of contribution vectors*. Each key result contributes one vector to its
objective, to every team on its team chain (the objective's team, else its owner's team, and
every team above it) and to the org; its own part (progress, health, confidence) goes to its
owner and each task's part (status, open milestones) to the task's owner. Each objective in
turn contributes its weight and weighted progress upward, so team and org progress is
objective-weighted like ``okrflow.domain.progress.team_progress``.

Because aggregates are sums, a check-in never rescans anything: the store keeps each key
result's last contributions, and a refresh adds ``new - old`` to the few aggregates on the
chain (``okrflow.services.rollups``). A rebuild from scratch gives the same sums.

What depends on the day (expected progress, "this week", overdue) is kept in forms that need no
rescan either: check-ins are counted per cycle week, open milestones per due date, and open key
results carry their progress so the at-risk line (``progress <= expected - gap``) is an index
range query on the per-KR roll-up rows.

Key-result health follows the weekly sheet's order: done, blocked, low confidence (decided as the
sheet decides them, ``reports.assessment.settled_status``), at risk (by the progress gap alone:
flags are not part of the roll-up), no check-in this week, on track.
"This week" is the cycle week of the day asked about, in the cycle's time zone. The views built
from these sums are in ``okrflow.dashboard_views``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from okrflow.domain.calendar import local_date, week_of
from okrflow.domain.model import CheckIn, Cycle, KeyResult, Objective, PlanState, Task, TaskStatus
from okrflow.domain.progress import clamp, kr_progress
from okrflow.reports.assessment import settled_status
from okrflow.reports.sheet_model import DEFAULT_THRESHOLDS, SheetThresholds
from okrflow.reports.snapshot_lookups import OPEN_TASK

__all__ = [
    "EPS",
    "ORG",
    "BaseStatus",
    "DashboardScope",
    "KRState",
    "TeamLike",
    "Vector",
    "add_into",
    "difference",
    "key_result_state",
    "objective_scope",
    "objective_upward",
    "person_scope",
    "ratio",
    "team_chain",
    "team_scope",
]

Vector = dict[str, Any]
ORG = "org"
EPS = 1e-9


def team_scope(team_id: str) -> str:
    return f"team:{team_id}"


def person_scope(person_id: str) -> str:
    return f"person:{person_id}"


def objective_scope(objective_id: str) -> str:
    return f"objective:{objective_id}"


class BaseStatus(StrEnum):
    """The part of a key result's health that does not depend on the day."""

    DONE = "done"
    BLOCKED = "blocked"
    LOW_CONFIDENCE = "low_confidence"
    OPEN = "open"  # at risk, no check-in or on track: decided on the day asked about


class DashboardScope(StrEnum):
    ORG = "org"
    TEAM = "team"
    PERSON = "person"


# ---------------------------------------------------------------- vectors


def add_into(target: Vector, delta: Mapping[str, Any], sign: int = 1) -> Vector:
    """Add ``sign * delta`` into ``target`` in place: numbers add, maps add key by key, pairs add
    element-wise. Map entries that reach zero are dropped so aggregates stay small."""
    for key, value in delta.items():
        kind = type(value)
        if kind is dict:
            inner = target.get(key)
            if inner is None:
                inner = target[key] = {}
            add_into(inner, value, sign)
            if not inner:
                del target[key]
        elif kind is list:
            old = target.get(key) or [0] * len(value)
            new = [a + sign * b for a, b in zip(old, value, strict=True)]
            if all(-EPS < x < EPS for x in new):
                target.pop(key, None)
            else:
                target[key] = new
        else:
            new_value = target.get(key, 0) + sign * value
            if -EPS < new_value < EPS:
                target.pop(key, None)
            else:
                target[key] = new_value
    return target


def difference(new: Mapping[str, Vector], old: Mapping[str, Vector]) -> dict[str, Vector]:
    """Per scope, ``new - old``; scopes whose difference is zero are left out.

    A key result hands the same vector object to many scopes, so each distinct (new, old) pair
    is subtracted once; the result may share delta objects between scopes (read them only).
    """
    out: dict[str, Vector] = {}
    done: dict[tuple[int, int], Vector] = {}
    empty: Vector = {}
    for scope in set(new) | set(old):
        n, o = new.get(scope, empty), old.get(scope, empty)
        delta = done.get((id(n), id(o)))
        if delta is None:
            delta = done[(id(n), id(o))] = add_into(add_into({}, n), o, -1)
        if delta:
            out[scope] = delta
    return out


def ratio(num: float, den: float) -> float | None:
    return None if den <= 0 else num / den


# ---------------------------------------------------------------- key results


class TeamLike(Protocol):
    """What roll-ups need of a team (a ``Team``, or a light row with these attributes)."""

    @property
    def id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def lead_id(self) -> str | None: ...


def team_chain(teams: Mapping[str, TeamLike], team_id: str | None) -> tuple[str, ...]:
    """``team_id`` and every team above it, nearest first (a loop in bad data stops the walk)."""
    chain: list[str] = []
    while team_id is not None and team_id not in chain and team_id in teams:
        chain.append(team_id)
        team_id = teams[team_id].parent_id
    return tuple(chain)


@dataclass(frozen=True)
class KRState:
    """What the per-KR roll-up row holds: the KR's health inputs and its last contributions."""

    kr_id: str
    org_id: str
    cycle_id: str
    objective_id: str
    team_id: str | None
    owner_id: str | None
    base: BaseStatus
    progress: float  # clamped to [0, 1]
    raw: float
    confidence: int | None
    last_check_in_at: datetime | None
    last_week: int  # cycle week of the latest check-in; 0 when there is none
    first_open_milestone: date | None  # earliest due date of an open milestone task
    # scope -> vector; scopes often share one vector object: treat them as read-only
    contributions: dict[str, Vector] = field(default_factory=dict)


def _week(cycle: Cycle, at: datetime) -> int:
    return week_of(cycle, local_date(cycle, at))


def key_result_state(
    kr: KeyResult,
    objective: Objective,
    *,
    cycle: Cycle,
    chain: Sequence[str],
    check_ins: Sequence[CheckIn],
    tasks: Sequence[Task],
    thresholds: SheetThresholds = DEFAULT_THRESHOLDS,
) -> KRState:
    """A key result's roll-up state and the contribution it makes to each aggregate.

    Args:
        kr: The key result.
        objective: Its objective.
        cycle: The objective's cycle (weeks and time zone of check-ins).
        chain: The objective's team chain (``team_chain``), nearest first.
        check_ins: The KR's check-ins, in any order.
        tasks: The KR's tasks; only accepted ones count, as in the plan.
        thresholds: Where low confidence and "at risk" begin (the weekly sheet's).
    """
    ordered = sorted(check_ins, key=lambda c: (c.at, c.id))
    plan = [t for t in tasks if t.plan_state is PlanState.ACCEPTED]
    latest = ordered[-1] if ordered else None
    value = next((c.value for c in reversed(ordered) if c.value is not None), None)
    raw = kr_progress(kr, value=value, tasks=plan)
    progress = clamp(raw)
    blocked = any(t.status is TaskStatus.BLOCKED for t in plan)
    settled = settled_status(progress, blocked, latest, thresholds.low_confidence)
    base = BaseStatus(settled.value) if settled is not None else BaseStatus.OPEN

    weeks: dict[int, CheckIn] = {}
    for ci in ordered:  # the latest check-in of each week wins
        weeks[_week(cycle, ci.at)] = ci
    last_week = _week(cycle, latest.at) if latest is not None else 0

    own: Vector = {"krs": 1, "w": kr.weight, "wp": kr.weight * progress, base.value: 1}
    if latest is not None:
        own["conf_n"] = 1
        own["conf_sum"] = latest.confidence
        own["checked"] = {str(w): 1 for w in weeks}
        own["conf_week"] = {str(w): [ci.confidence, 1] for w, ci in weeks.items()}
    if base is BaseStatus.OPEN:
        own["open_last"] = {str(last_week): 1}

    task_parts: dict[str, Vector] = {}
    first_open: date | None = None
    for t in plan:
        part = task_parts.setdefault(t.owner_id, {})
        add_into(part, {"tasks": {t.status.value: 1}})
        if t.milestone and t.status in OPEN_TASK and t.due is not None:
            add_into(part, {"ms_due": {t.due.isoformat(): 1}})
            first_open = t.due if first_open is None else min(first_open, t.due)
    all_tasks: Vector = {}
    for part in task_parts.values():
        add_into(all_tasks, part)

    whole = add_into(add_into({}, own), all_tasks)
    contributions: dict[str, Vector] = {objective_scope(objective.id): whole, ORG: whole}
    for team_id in chain:
        contributions[team_scope(team_id)] = whole
    person_parts: dict[str, Vector] = {}
    if kr.owner_id is not None:
        add_into(person_parts.setdefault(kr.owner_id, {}), own)
    for owner_id, part in task_parts.items():
        add_into(person_parts.setdefault(owner_id, {}), part)
    for person_id, part in person_parts.items():
        contributions[person_scope(person_id)] = part
    return KRState(
        kr_id=kr.id,
        org_id=kr.org_id,
        cycle_id=objective.cycle_id,
        objective_id=objective.id,
        team_id=chain[0] if chain else None,
        owner_id=kr.owner_id,
        base=base,
        progress=progress,
        raw=raw,
        confidence=latest.confidence if latest is not None else None,
        last_check_in_at=latest.at if latest is not None else None,
        last_week=last_week,
        first_open_milestone=first_open,
        contributions=contributions,
    )


def objective_upward(
    objective: Objective | None, aggregate: Mapping[str, Any], chain: Sequence[str]
) -> dict[str, Vector]:
    """What an objective contributes upward: its weight and weighted progress (``wp / w`` of its KRs).

    An objective with no key results counts with progress 0, like ``team_progress``; a deleted
    objective (None) contributes nothing.
    """
    if objective is None:
        return {}
    progress = clamp(ratio(aggregate.get("wp", 0.0), aggregate.get("w", 0.0)) or 0.0)
    vector: Vector = {"objs": 1, "ow": objective.weight, "owp": objective.weight * progress}
    out = {ORG: vector, person_scope(objective.owner_id): vector}
    for team_id in chain:
        out[team_scope(team_id)] = vector
    return out
