"""Progress: how far a key result has come, its roll-ups, and how far it should be by now.

``kr_progress`` returns *raw* progress: overshoot is kept (a KR past its target is above
1.0, one that moved the wrong way is below 0.0), because rules and the weekly sheet want
to see it. Every roll-up (objective, team) clamps each child to [0, 1] first, so one KR at
300% cannot hide three others at zero.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from okrflow.domain.calendar import working_days
from okrflow.domain.model import (
    Cycle,
    Direction,
    KeyResult,
    KRKind,
    Objective,
    PlanState,
    Task,
    TaskStatus,
)

__all__ = [
    "clamp",
    "expected_progress",
    "kr_progress",
    "objective_progress",
    "task_progress",
    "team_progress",
    "weighted_progress",
]


def clamp(p: float) -> float:
    """Clamp a progress value to [0.0, 1.0]; NaN counts as no progress (0.0)."""
    if math.isnan(p):
        return 0.0
    return 0.0 if p < 0.0 else 1.0 if p > 1.0 else float(p)


def task_progress(tasks: Sequence[Task]) -> float:
    """The share of a plan's work that is done.

    Counted: accepted tasks that are not cut (proposals and declined tasks are not part
    of the plan). Weighted by ``estimate_hours`` when every counted task has an estimate
    and they sum to more than zero, otherwise each task counts once.

    Args:
        tasks: The tasks of one key result (or any plan).

    Returns:
        A share in [0.0, 1.0]; 0.0 when no task counts.
    """
    counted = [t for t in tasks if t.plan_state is PlanState.ACCEPTED and t.status is not TaskStatus.CUT]
    if not counted:
        return 0.0
    if all(t.estimate_hours is not None for t in counted):
        total = sum(t.estimate_hours or 0.0 for t in counted)
        if total > 0:
            done = sum(t.estimate_hours or 0.0 for t in counted if t.status is TaskStatus.DONE)
            return done / total
    return sum(1 for t in counted if t.status is TaskStatus.DONE) / len(counted)


def _stay_within(value: float, floor: float | None, limit: float) -> float:
    """1.0 inside [floor, limit]; outside, 1 - excursion / scale, unclamped.

    The excursion is the distance past the bound that was crossed; the scale is that
    bound's magnitude (so 10% over the limit is 0.9 and 100% over is 0.0). When that bound
    is 0 the scale is the band's width if it has one, else one unit.
    """
    if floor is not None and value < floor:
        bound, excursion = floor, floor - value
    elif value > limit:
        bound, excursion = limit, value - limit
    else:
        return 1.0
    scale = abs(bound)
    if scale == 0.0:
        width = limit - floor if floor is not None else 0.0
        scale = width if width > 0 else 1.0
    return 1.0 - excursion / scale


def kr_progress(kr: KeyResult, *, value: float | None = None, tasks: Sequence[Task] = ()) -> float:
    """Raw progress of a key result at ``value``; overshoot is kept.

    - metric, increase or decrease: ``(value - start) / (target - start)``; a decrease KR
      from 12 to 8 is 0.5 at 10 and 1.25 at 7. When target equals start: 1.0 if the value
      has reached it in the KR's direction, else 0.0.
    - metric, stay_within: 1.0 while ``floor <= value <= target`` (no floor: no lower
      bound); outside, ``1 - excursion / |bound crossed|``, so 10% past the limit is 0.9,
      100% past it is 0.0 and further is negative. A bound of 0 uses the band width (or
      one unit) as the scale.
    - binary: 1.0 when the value is at least 1, else 0.0.
    - milestone: ``task_progress(tasks)`` when tasks are given, else the value read as a
      0..1 share.

    Args:
        kr: The key result.
        value: The value to measure; None means ``kr.current``.
        tasks: The KR's tasks, for milestone KRs.

    Returns:
        Progress, possibly above 1.0 or below 0.0; 0.0 when there is no value at all.
    """
    if kr.kind is KRKind.MILESTONE and tasks:
        return task_progress(tasks)
    v = kr.current if value is None else value
    if v is None:
        return 0.0
    if kr.kind is KRKind.BINARY:
        return 1.0 if v >= 1 else 0.0
    if kr.kind is KRKind.MILESTONE:
        return float(v)
    if kr.target is None:  # the model refuses this for metric KRs; be safe with partial data
        return 0.0
    if kr.direction is Direction.STAY_WITHIN:
        return _stay_within(v, kr.floor, kr.target)
    start = kr.start if kr.start is not None else 0.0
    if kr.target == start:
        reached = v >= start if kr.direction is Direction.INCREASE else v <= start
        return 1.0 if reached else 0.0
    return (v - start) / (kr.target - start)


def weighted_progress(items: Iterable[tuple[float, float]]) -> float:
    """Weighted mean of (weight, progress) pairs, each progress clamped to [0, 1] first.

    Pairs with a weight of zero or less are left out.

    Returns:
        A value in [0.0, 1.0]; 0.0 when nothing has weight.
    """
    total = 0.0
    acc = 0.0
    for weight, p in items:
        if weight > 0:
            total += weight
            acc += weight * clamp(p)
    return clamp(acc / total) if total > 0 else 0.0


def objective_progress(krs: Sequence[KeyResult], progress: Mapping[str, float]) -> float:
    """An objective's progress: its KRs' clamped progress, weighted by ``kr.weight``.

    Args:
        krs: The objective's key results.
        progress: Progress by KR id; a KR missing from it counts as 0.0.

    Returns:
        A value in [0.0, 1.0].
    """
    return weighted_progress((kr.weight, progress.get(kr.id, 0.0)) for kr in krs)


def team_progress(objectives: Sequence[Objective], progress: Mapping[str, float]) -> float:
    """A team's progress: its objectives' clamped progress, weighted by ``objective.weight``.

    Args:
        objectives: The team's objectives.
        progress: Progress by objective id; an objective missing from it counts as 0.0.

    Returns:
        A value in [0.0, 1.0].
    """
    return weighted_progress((o.weight, progress.get(o.id, 0.0)) for o in objectives)


def _curve_at(curve: Sequence[tuple[float, float]], x: float) -> float:
    xs = [p[0] for p in curve]
    i = bisect.bisect_right(xs, x)
    if i <= 0:
        return curve[0][1]
    if i >= len(curve):
        return curve[-1][1]
    (x0, y0), (x1, y1) = curve[i - 1], curve[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def expected_progress(cycle: Cycle, *, on: date) -> float:
    """The share of a target a KR is expected to have reached by the END of day ``on``.

    Linear over the cycle's working days (``cadence.working_days`` minus
    ``cadence.holidays``): after k of n working days, k/n. With ``cadence.expected_curve``
    the elapsed share x = k/n is mapped through that piecewise-linear curve instead (e.g.
    a slow start). A cycle without any working day falls back to calendar days.

    Args:
        cycle: The cycle (dates, cadence).
        on: A calendar day in the cycle's time zone.

    Returns:
        0.0 before the cycle starts, 1.0 from its last day on, in between otherwise.
    """
    if on < cycle.start:
        return 0.0
    if on >= cycle.end:
        return 1.0
    total = working_days(cycle, cycle.start, cycle.end)
    if total > 0:
        share = working_days(cycle, cycle.start, on) / total
    else:
        share = ((on - cycle.start).days + 1) / ((cycle.end - cycle.start).days + 1)
    curve = cycle.cadence.expected_curve
    return clamp(_curve_at(curve, share) if curve else share)
