"""Read the generated data back: which signals each key result shows, week by week.

The conditions mirror the default rule set (``rules/default.yaml``) and use the core's own
progress, expected-progress and task-share functions, so ``KRStory.signals`` says what the
data shows, independently of what the generator meant it to show.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from okrflow.domain.model import CheckIn, KeyResult, KRKind, Person, PlanState, Task, TaskStatus
from okrflow.domain.progress import clamp, kr_progress, task_progress
from okrflow.synthetic.scenario import KRStory, Pattern, Signal
from okrflow.synthetic.timeline import Timeline

_OPEN = (TaskStatus.TODO, TaskStatus.DOING, TaskStatus.BLOCKED)


def _days(since: datetime, until: datetime) -> int:
    return int((until - since).total_seconds() // 86400)


def _check_in_signals(
    latest: CheckIn | None, progress: float, *, at: datetime, expected: float, tl: Timeline
) -> tuple[set[Signal], int]:
    """The check-in-driven signals at ``at``, given the latest check-in by then and the progress it gives."""
    gap = expected - progress
    days = _days(latest.at if latest is not None else tl.start_at, at)
    out: set[Signal] = set()
    if expected >= 0.25 and gap >= 0.3:
        out.add(Signal.SERIOUS_DELAY)
    if latest is not None and latest.confidence <= 4 and gap >= 0.15:
        out.add(Signal.LOW_CONFIDENCE_GAP)
    if days >= 14:
        out.add(Signal.NO_CHECK_IN)
    return out, days


def plan_signals(
    tasks: Sequence[Task], *, progress: float, people: dict[str, Person], tl: Timeline
) -> set[Signal]:
    """The task-driven signals of one key result at as-of."""
    plan = [t for t in tasks if t.plan_state is PlanState.ACCEPTED]
    live = [t for t in plan if t.status is not TaskStatus.CUT]
    open_ = [t for t in live if t.status in _OPEN]
    out: set[Signal] = set()
    if not live:
        out.add(Signal.NO_PLAN)
    for t in open_:
        owner = people.get(t.owner_id)
        if t.due is None or owner is None or not owner.active:
            out.add(Signal.UNOWNED_OR_UNDATED)
        if t.milestone and t.due is not None and t.due < tl.as_of_date:
            out.add(Signal.OVERDUE_MILESTONE)
    open_ids = {t.id for t in open_}
    blocked = {t.id for t in open_ if t.status is TaskStatus.BLOCKED}
    if any(blocked.intersection(t.depends_on) for t in open_ if t.id in open_ids):
        out.add(Signal.BLOCKED_CHAIN)
    share = task_progress(live)
    if len(live) >= 3 and share >= 0.6 and share - progress >= 0.4:
        out.add(Signal.DISCONNECT)
    baseline = [t for t in plan if t.in_baseline]
    if len(baseline) >= 3:
        removed = sum(1 for t in baseline if t.status is TaskStatus.CUT)
        added = sum(
            1
            for t in live
            if not t.in_baseline and t.created_at is not None and t.created_at > tl.baseline_at
        )
        if (added + removed) / len(baseline) > 0.3:
            out.add(Signal.SCOPE_CHURN)
    return out


def kr_stories(
    *,
    tl: Timeline,
    key_results: Sequence[KeyResult],
    patterns: dict[str, Pattern],
    tasks: Sequence[Task],
    check_ins: Sequence[CheckIn],
    people: dict[str, Person],
    weeks: int,
) -> dict[str, KRStory]:
    """One ``KRStory`` per key result: its pattern, the signals at as-of and the check-in signals by week."""
    tasks_by_kr: dict[str, list[Task]] = defaultdict(list)
    for t in tasks:
        tasks_by_kr[t.kr_id].append(t)
    cis_by_kr: dict[str, list[CheckIn]] = defaultdict(list)
    for c in check_ins:
        cis_by_kr[c.kr_id].append(c)
    out: dict[str, KRStory] = {}
    for kr in key_results:
        cis = sorted(cis_by_kr.get(kr.id, []), key=lambda c: c.at)
        times = [c.at for c in cis]
        kr_tasks = tasks_by_kr.get(kr.id, [])
        if kr.kind is KRKind.MILESTONE:  # task-driven: the as-of statuses, whatever the week
            plan_progress = clamp(kr_progress(kr, tasks=kr_tasks))
            after = [plan_progress] * len(cis)
        else:
            plan_progress = 0.0
            after = [clamp(kr_progress(kr, value=c.value)) if c.value is not None else 0.0 for c in cis]
        n_now = bisect_right(times, tl.as_of)
        progress = after[n_now - 1] if n_now else plan_progress
        signals, days = _check_in_signals(
            cis[n_now - 1] if n_now else None, progress, at=tl.as_of, expected=tl.expected_now, tl=tl
        )
        confidence = cis[n_now - 1].confidence if n_now else None
        signals |= plan_signals(kr_tasks, progress=progress, people=people, tl=tl)
        weekly: dict[Signal, list[int]] = defaultdict(list)
        missing: list[int] = []
        seen_before = 0
        for w in range(1, weeks + 1):
            at = tl.reviews[w - 1]
            seen = bisect_right(times, at)
            if seen == seen_before:
                missing.append(w)
            seen_before = seen
            found, _ = _check_in_signals(
                cis[seen - 1] if seen else None,
                after[seen - 1] if seen else plan_progress,
                at=at,
                expected=tl.expected[w - 1],
                tl=tl,
            )
            for sig in found:
                weekly[sig].append(w)
        out[kr.id] = KRStory(
            kr_id=kr.id,
            pattern=patterns[kr.id],
            signals=frozenset(signals),
            progress=progress,
            expected=tl.expected_now,
            confidence=confidence,
            days_since_check_in=days,
            missing_weeks=tuple(missing),
            weekly={s: tuple(ws) for s, ws in weekly.items()},
        )
    return out
