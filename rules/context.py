"""The per-review context facts are computed in: shared indexes over a snapshot and per-KR pieces.

Each index is built at most once per review, and only when a fact that needs it is asked for;
facts that cost work of their own are skipped when no rule of their scope reads them (``only``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from okrflow.domain.calendar import local_date
from okrflow.domain.capacity import peak_loads
from okrflow.domain.model import (
    KeyResult,
    KRKind,
    ObjectiveKind,
    ObjectiveStatus,
    PlanState,
    Task,
    TaskStatus,
)
from okrflow.domain.progress import expected_progress, kr_progress, objective_progress
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.domain.trend import confidence_trend
from rules.catalog import Scope

__all__ = [
    "APPROVED",
    "COMMITTED",
    "CUT",
    "DIGITS",
    "DOING",
    "DONE",
    "OPEN",
    "TODO",
    "Facts",
    "ReviewContext",
    "TaskIndex",
    "ratio",
]

Facts = dict[str, Any]

OPEN = frozenset({TaskStatus.TODO, TaskStatus.DOING, TaskStatus.BLOCKED})
TODO, DOING, DONE, CUT = TaskStatus.TODO, TaskStatus.DOING, TaskStatus.DONE, TaskStatus.CUT
COMMITTED = ObjectiveKind.COMMITTED.value
APPROVED = frozenset({ObjectiveStatus.APPROVED, ObjectiveStatus.CLOSED})
_RECENT = timedelta(days=7)
# Shares and gaps are rounded so that 0.4 - 0.1 compares as 0.3 against a rule's threshold.
DIGITS = 9


class _KRState:
    """What a KR's check-ins say, and its raw progress (slotted: built once per KR per review)."""

    __slots__ = ("confidence", "count", "days_since", "raw", "recent", "trend")

    def __init__(
        self, count: int, confidence: int | None, trend: str, days_since: int, recent: bool, raw: float
    ) -> None:
        self.count = count
        self.confidence = confidence
        self.trend = trend
        self.days_since = days_since
        self.recent = recent  # checked in within the last 7 days
        self.raw = raw


def ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


@dataclass(frozen=True, slots=True)
class TaskIndex:
    by_kr: dict[str, list[Task]]  # accepted tasks per KR (cut ones included), as CycleSnapshot.tasks_by_kr
    open_by_owner: dict[str, int]  # accepted open tasks per owner
    proposed_by_kr: dict[str, int]  # proposals waiting per KR
    blocked: int  # accepted tasks marked blocked
    dependents: dict[str, list[str]]  # task id -> open accepted tasks that depend on it


class ReviewContext:
    """One review's view of a snapshot: shared indexes and per-KR pieces, each computed at most once."""

    def __init__(
        self,
        snapshot: CycleSnapshot,
        *,
        week: int,
        now: datetime,
        only: Mapping[Scope, Collection[str]] | None = None,
    ) -> None:
        self.s = snapshot
        self.week = week
        self.now = now
        self.today: date = local_date(snapshot.cycle, now)
        self.expected = round(expected_progress(snapshot.cycle, on=self.today), DIGITS)
        self.recent_since = now - _RECENT
        self.tz = ZoneInfo(snapshot.cycle.timezone)
        self.today_ordinal = self.today.toordinal()
        # Facts that cost work of their own are left out when no rule of their scope reads them.
        self.only = None if only is None else {scope: frozenset(names) for scope, names in only.items()}
        kr = Scope.KEY_RESULT
        self.want_trend = self.wants(kr, "confidence_trend")
        self.want_proposed = self.wants(kr, "tasks_proposed")
        self.want_blocked_deps = self.wants(kr, "blocked_dependencies")
        self.want_chain = self.wants(kr, "blocked_chain_length")
        self.want_owner_load = self.wants(kr, "owner_load_ratio")
        self._kr_states: dict[str, _KRState] = {}  # kr_state(), filled as KRs are read
        self._chains: dict[str, int] = {}  # chain_behind(), memoised per task

    def wants(self, scope: Scope, *names: str) -> bool:
        """Whether a rule of ``scope`` reads one of ``names`` (always, when no ``only`` was given)."""
        return self.only is None or not self.only.get(scope, frozenset()).isdisjoint(names)

    # ------------------------------------------------------------ shared indexes

    @cached_property
    def active_people(self) -> frozenset[str]:
        return frozenset(pid for pid, p in self.s.people.items() if p.active)

    @cached_property
    def weeks_flagged(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (_rule, subject), streak in self.s.streaks.items():
            if streak > out.get(subject, 0):
                out[subject] = streak
        return out

    @property
    def dependents(self) -> dict[str, list[str]]:
        """Task id -> ids of the open accepted tasks that depend on it (only they wait behind it)."""
        return self.task_index.dependents

    @cached_property
    def peak_load(self) -> dict[str, tuple[float, int]]:
        """Person id -> (peak load ratio, weeks over capacity), from this week to the end; a person
        without planned work is left out (read it as (0.0, 0))."""
        s = self.s
        loads = peak_loads(list(s.tasks.values()), s.people, s.cycle, from_week=self.week)
        return {pid: (round(peak, DIGITS), over) for pid, (peak, over) in loads.items()}

    @cached_property
    def kr_progress(self) -> dict[str, float]:
        """Raw progress per KR."""
        state = self.kr_state
        return {kr_id: state(kr).raw for kr_id, kr in self.s.key_results.items()}

    @cached_property
    def objective_progress(self) -> dict[str, float]:
        progress = self.kr_progress
        by_obj = self.s.krs_by_objective
        return {
            oid: round(objective_progress(by_obj.get(oid, []), progress), DIGITS) for oid in self.s.objectives
        }

    # ------------------------------------------------------------ pieces

    def kr_state(self, kr: KeyResult) -> _KRState:
        found = self._kr_states.get(kr.id)
        if found is not None:
            return found
        items = self.s.check_ins.get(kr.id)
        tasks = self.task_index.by_kr.get(kr.id, ()) if kr.kind is KRKind.MILESTONE else ()
        if not items:
            days = max(0, (self.today - self.s.cycle.start).days)
            found = _KRState(0, None, "flat", days, False, kr_progress(kr, tasks=tasks))
        else:
            latest = items[-1]
            value = latest.value
            if value is None:
                value = next((c.value for c in reversed(items) if c.value is not None), None)
            trend = "flat"
            if self.want_trend and len(items) > 1:
                trend = confidence_trend([c.confidence for c in items[-3:]]).value
            at = latest.at
            found = _KRState(
                len(items),
                latest.confidence,
                trend,
                max(0, self.today_ordinal - at.astimezone(self.tz).toordinal()),
                at > self.recent_since,
                kr_progress(kr, value=value, tasks=tasks),
            )
        self._kr_states[kr.id] = found
        return found

    @cached_property
    def recent_krs(self) -> frozenset[str]:
        """KRs checked in within the last 7 days."""
        since = self.recent_since
        return frozenset(k for k, items in self.s.check_ins.items() if items and items[-1].at > since)

    @cached_property
    def task_index(self) -> TaskIndex:
        """One pass over the tasks for everything the facts group or count by."""
        by_kr: dict[str, list[Task]] = defaultdict(list)
        open_by_owner: dict[str, int] = defaultdict(int)
        proposed: dict[str, int] = defaultdict(int)
        dependents: dict[str, list[str]] = defaultdict(list)
        blocked = 0
        accepted, blocked_status = PlanState.ACCEPTED, TaskStatus.BLOCKED
        for t in self.s.tasks.values():
            if t.plan_state is accepted:
                by_kr[t.kr_id].append(t)
                status = t.status
                if status in OPEN:
                    open_by_owner[t.owner_id] += 1
                    if status is blocked_status:
                        blocked += 1
                    for dep in t.depends_on:
                        dependents[dep].append(t.id)
            elif t.plan_state is PlanState.PROPOSED:
                proposed[t.kr_id] += 1
        return TaskIndex(dict(by_kr), dict(open_by_owner), dict(proposed), blocked, dict(dependents))

    def chain_behind(self, task_id: str) -> int:
        """Open tasks on the longest path of dependents waiting behind ``task_id`` (itself not counted)."""
        memo = self._chains
        if task_id in memo:
            return memo[task_id]
        dependents = self.dependents
        stack: list[tuple[str, bool]] = [(task_id, False)]
        in_progress: set[str] = set()
        while stack:
            tid, expanded = stack.pop()
            if tid in memo:
                continue
            nxt = dependents.get(tid, ())
            if not expanded:
                in_progress.add(tid)
                stack.append((tid, True))
                stack.extend((d, False) for d in nxt if d not in memo and d not in in_progress)
            else:
                in_progress.discard(tid)
                memo[tid] = max((1 + memo.get(d, 0) for d in nxt), default=0)
        return memo[task_id]

    def blocking(self, task: Task) -> bool:
        """A task holds its dependents up: blocked, or open and past due."""
        return task.status is TaskStatus.BLOCKED or (
            task.status in OPEN and task.due is not None and task.due < self.today
        )

    def blocked_deps(self, task: Task) -> tuple[int, int]:
        """(dependencies not done, dependencies blocking) of a task."""
        waiting = blocking = 0
        for dep_id in task.depends_on:
            dep = self.s.tasks.get(dep_id)
            if dep is None or dep.status is TaskStatus.DONE or dep.status is TaskStatus.CUT:
                continue
            waiting += 1
            if self.blocking(dep):
                blocking += 1
        return waiting, blocking

    @cached_property
    def objective_kinds(self) -> dict[str, str]:
        return {oid: o.kind.value for oid, o in self.s.objectives.items()}
