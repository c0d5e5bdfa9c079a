"""The task graph of a plan: dependency checks, plan warnings, earliest finish and the critical path.

``Task.depends_on`` lists the tasks that must be done first, so edges point from a task
to its prerequisites. Every function iterates in sorted id order, so results (and the
cycle an error names) do not depend on input order, and none recurses, so a plan of
150,000 tasks is fine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from okrflow.domain.calendar import is_working_day
from okrflow.domain.errors import DependencyCycle, Problem, ValidationFailed
from okrflow.domain.model import Cadence, LocalText, PlanState, Severity, Task, TaskStatus

__all__ = ["CriticalPath", "PlanFinding", "check_dag", "critical_path", "find_cycle", "plan_findings"]


def _index(tasks: Sequence[Task]) -> dict[str, Task]:
    by_id: dict[str, Task] = {}
    duplicates: list[Problem] = []
    for t in tasks:
        if t.id in by_id:
            duplicates.append(Problem(("tasks", t.id), f"task id {t.id!r} appears more than once"))
        by_id[t.id] = t
    if duplicates:
        raise ValidationFailed(duplicates)
    return by_id


def _depth_first(by_id: dict[str, Task]) -> tuple[list[str] | None, list[str]]:
    """One iterative depth-first pass in sorted id order, following known dependencies.

    Returns:
        (loop, order): the first dependency loop met (None if there is none) and the
        tasks finished so far in post-order, i.e. every task after its dependencies.
    """
    done: set[str] = set()
    order: list[str] = []
    for root in sorted(by_id):
        if root in done:
            continue
        path = [root]
        on_path = {root: 0}
        stack = [iter(sorted(set(by_id[root].depends_on)))]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                node = path.pop()
                del on_path[node]
                done.add(node)
                order.append(node)
                continue
            if nxt in on_path:
                loop = path[on_path[nxt] :]
                i = loop.index(min(loop))
                return loop[i:] + loop[:i], order
            if nxt in done or nxt not in by_id:
                continue
            on_path[nxt] = len(path)
            path.append(nxt)
            stack.append(iter(sorted(set(by_id[nxt].depends_on))))
    return None, order


def find_cycle(by_id: dict[str, Task]) -> list[str] | None:
    """Find one dependency loop among tasks (dependencies missing from ``by_id`` are skipped).

    Iterative depth-first search in sorted id order, so the loop found does not depend on
    the order tasks were given in.

    Returns:
        The task ids of the loop, each depending on the next and the last on the first,
        rotated to start at the smallest id; None when the graph is acyclic.
    """
    return _depth_first(by_id)[0]


def _checked_order(tasks: Sequence[Task]) -> tuple[dict[str, Task], list[str]]:
    by_id = _index(tasks)
    if any(d not in by_id for t in by_id.values() for d in t.depends_on):
        raise ValidationFailed(
            [
                Problem(
                    ("tasks", t.id, "depends_on"),
                    f"task {t.title!r} ({t.id}) depends on {dep!r}, which is not a known task",
                    {"missing": dep},
                )
                for tid in sorted(by_id)
                for t in (by_id[tid],)
                for dep in sorted(set(t.depends_on))
                if dep not in by_id
            ]
        )
    loop, order = _depth_first(by_id)
    if loop is not None:
        raise DependencyCycle(loop, names={i: by_id[i].title for i in loop})
    return by_id, order


def check_dag(tasks: Sequence[Task]) -> None:
    """Check that the tasks' dependencies form a DAG over known tasks.

    Args:
        tasks: Every task the dependencies may refer to.

    Raises:
        ValidationFailed: A task id appears twice, or a task depends on an id that is not
            among ``tasks`` (each problem names the task and the missing id).
        DependencyCycle: Tasks depend on each other in a loop; the message shows their
            titles in order, e.g. "A → B → C → A" (A depends on B, B on C, C on A). The
            loop named is the same whatever the order of ``tasks``.
    """
    _checked_order(tasks)


# ---------------------------------------------------------------- plan warnings


class PlanFinding(BaseModel):
    """Something a KR owner should look at in a plan (not an error: the plan still saves)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Severity
    task_id: str
    message: LocalText
    related_task_id: str | None = None


def _dropped(t: Task) -> bool:
    return t.status is TaskStatus.CUT or t.plan_state is PlanState.DECLINED


def plan_findings(tasks: Sequence[Task]) -> list[PlanFinding]:
    """Warnings about a plan, sorted by task id.

    Codes (cut and declined tasks get none themselves):

    - ``UNDATED`` (warning): no due date.
    - ``DUE_BEFORE_DEPENDENCY`` (warning): due before a task it depends on is due.
    - ``DEPENDS_ON_CUT`` / ``DEPENDS_ON_DECLINED`` (warning): depends on a task that was
      cut, or a proposal that was declined.
    - ``UNKNOWN_DEPENDENCY`` (risk): depends on an id that is not among ``tasks``.
    - ``DONE_BEFORE_DEPENDENCY`` (info): done while a task it depends on is not.
    - ``UNESTIMATED`` (info): no estimate, so capacity cannot count it.

    Args:
        tasks: The plan's tasks (and any task they depend on).

    Returns:
        The findings; empty for a clean plan.
    """
    by_id = {t.id: t for t in tasks}
    out: list[PlanFinding] = []

    def add(code: str, severity: Severity, t: Task, en: str, zh: str, related: str | None = None) -> None:
        out.append(
            PlanFinding(
                code=code,
                severity=severity,
                task_id=t.id,
                message=LocalText(en=en, zh=zh),
                related_task_id=related,
            )
        )

    for tid in sorted(by_id):
        t = by_id[tid]
        if _dropped(t):
            continue
        if t.due is None:
            kind_en, kind_zh = ("Milestone", "里程碑") if t.milestone else ("Task", "任务")
            add(
                "UNDATED",
                Severity.WARNING,
                t,
                f"{kind_en} “{t.title}” has no due date.",
                f"{kind_zh}“{t.title}”没有截止日期。",
            )
        for dep_id in sorted(set(t.depends_on)):
            d = by_id.get(dep_id)
            if d is None:
                add(
                    "UNKNOWN_DEPENDENCY",
                    Severity.RISK,
                    t,
                    f"Task “{t.title}” depends on {dep_id!r}, which is not a known task.",
                    f"任务“{t.title}”依赖的任务 {dep_id!r} 不存在。",
                    dep_id,
                )
            elif d.status is TaskStatus.CUT:
                add(
                    "DEPENDS_ON_CUT",
                    Severity.WARNING,
                    t,
                    f"Task “{t.title}” depends on “{d.title}”, which was cut.",
                    f"任务“{t.title}”依赖的任务“{d.title}”已被取消。",
                    d.id,
                )
            elif d.plan_state is PlanState.DECLINED:
                add(
                    "DEPENDS_ON_DECLINED",
                    Severity.WARNING,
                    t,
                    f"Task “{t.title}” depends on “{d.title}”, which was declined.",
                    f"任务“{t.title}”依赖的任务“{d.title}”未被采纳。",
                    d.id,
                )
            elif t.due is not None and d.due is not None and t.due < d.due:
                add(
                    "DUE_BEFORE_DEPENDENCY",
                    Severity.WARNING,
                    t,
                    f"Task “{t.title}” is due {t.due} but depends on “{d.title}”, due later on {d.due}.",
                    f"任务“{t.title}”截止于 {t.due}，但它依赖的任务“{d.title}”要到 {d.due} 才截止。",
                    d.id,
                )
            elif t.status is TaskStatus.DONE and d.status is not TaskStatus.DONE:
                add(
                    "DONE_BEFORE_DEPENDENCY",
                    Severity.INFO,
                    t,
                    f"Task “{t.title}” is done although “{d.title}”, which it depends on, is not.",
                    f"任务“{t.title}”已完成，但它依赖的任务“{d.title}”尚未完成。",
                    d.id,
                )
        if t.estimate_hours is None and t.status is not TaskStatus.DONE:
            add(
                "UNESTIMATED",
                Severity.INFO,
                t,
                f"Task “{t.title}” has no estimate.",
                f"任务“{t.title}”没有工时估算。",
            )
    return out


# ---------------------------------------------------------------- critical path


@dataclass(frozen=True, slots=True)
class CriticalPath:
    """Earliest finishes and the longest dependency chain of a plan.

    ``finish_days`` is each task's earliest finish in working days after the start
    (fractional: 4 hours at 8 hours a day is 0.5); ``earliest_finish`` is the working day
    on which that falls. ``path`` lists the critical tasks, first to last; ``length_days``
    is the last one's finish and ``finishes_on`` its day (None for an empty plan).
    """

    path: list[str]
    length_days: float
    finishes_on: date | None
    finish_days: dict[str, float] = field(default_factory=dict)
    earliest_finish: dict[str, date] = field(default_factory=dict)


def _working_day_list(start: date, n: int, cadence: Cadence) -> list[date]:
    """The first ``n`` working days on or after ``start``."""
    days: list[date] = []
    day = start
    one = timedelta(days=1)
    while len(days) < n:
        if is_working_day(cadence, day):
            days.append(day)
        day += one
    return days


def critical_path(
    tasks: Sequence[Task], *, start: date, hours_per_day: float = 8.0, cadence: Cadence | None = None
) -> CriticalPath:
    """Earliest finish of every task and the critical path, from estimates and dependencies.

    A task takes ``estimate_hours / hours_per_day`` working days (no estimate: zero; done:
    zero, it needs no more time) and starts when the last of its dependencies finishes.
    Cut and declined tasks, and dependencies on them, are ignored. Working days come from
    ``cadence`` (default Monday to Friday, no holidays); day 1 is the first working day on
    or after ``start``.

    Args:
        tasks: The plan.
        start: The day work starts.
        hours_per_day: Working hours per person per day.
        cadence: Supplies working weekdays and holidays.

    Returns:
        The CriticalPath. Ties go to the smallest task id.

    Raises:
        ValidationFailed: Unknown dependencies (see ``check_dag``).
        DependencyCycle: The dependencies loop.
        ValueError: If ``hours_per_day`` is not positive.
    """
    if hours_per_day <= 0:
        raise ValueError(f"hours_per_day must be positive, got {hours_per_day}")
    by_id, order = _checked_order(tasks)
    finish: dict[str, float] = {}
    binding: dict[str, str] = {}
    for tid in order:
        t = by_id[tid]
        if _dropped(t):
            continue
        begin = 0.0
        bound_to = ""
        for d in t.depends_on:
            f = finish.get(d)  # None for a dropped dependency
            if f is not None and f > 0 and (f > begin or (f == begin and d < bound_to)):
                begin, bound_to = f, d
        if bound_to:
            binding[tid] = bound_to
        work = 0.0 if t.status is TaskStatus.DONE else (t.estimate_hours or 0.0) / hours_per_day
        finish[tid] = begin + work
    if not finish:
        return CriticalPath(path=[], length_days=0.0, finishes_on=None)
    last = min(finish, key=lambda tid: (-finish[tid], tid))
    path = [last]
    while path[-1] in binding:
        path.append(binding[path[-1]])
    path.reverse()

    def nth(f: float) -> int:
        return max(1, math.ceil(f - 1e-9))

    calendar = _working_day_list(start, nth(finish[last]), cadence or Cadence())
    on = {tid: calendar[nth(f) - 1] for tid, f in finish.items()}
    return CriticalPath(
        path=path, length_days=finish[last], finishes_on=on[last], finish_days=finish, earliest_finish=on
    )
