"""Capacity: each person's planned hours per cycle week against what they have available.

An open task's estimate is spread evenly over the working days from the day it entered
the plan (its ``created_at`` day in the cycle's time zone, never before the cycle starts)
to its due day (undated: the cycle's last day). A person's capacity in a week is their
``weekly_capacity_hours`` scaled by the share of a full working week that week has, so a
short last week or a week with a holiday offers less.

The work is linear in the number of tasks plus people × days: each task adds two entries
to its owner's difference array, and one pass per owner turns the arrays into weeks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import accumulate, compress
from zoneinfo import ZoneInfo

from okrflow.domain.calendar import count_working_days, is_working_day, week_count
from okrflow.domain.model import Cycle, Person, PlanState, Task, TaskStatus

__all__ = ["WeekLoad", "over_capacity", "peak_loads", "weekly_load"]


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """One person's planned hours in one cycle week.

    ``ratio`` is hours / capacity_hours: above 1.0 is over capacity. With no capacity it
    is ``inf`` if any work is planned, else 0.0.
    """

    week: int
    hours: float
    capacity_hours: float
    ratio: float


def _ratio(hours: float, capacity: float) -> float:
    if capacity > 0:
        return hours / capacity
    return float("inf") if hours > 0 else 0.0


def _day_in(tz: ZoneInfo, at: datetime) -> date:
    if at.tzinfo is None:  # a naive timestamp is read as UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(tz).date()


def weekly_load(
    tasks: Sequence[Task],
    people: Mapping[str, Person],
    cycle: Cycle,
    *,
    include_proposed: bool = False,
) -> dict[str, list[WeekLoad]]:
    """Planned hours per person per week of the cycle, against their capacity.

    Counted: accepted tasks (and proposals when ``include_proposed``) that are neither
    done nor cut and have an estimate. A task's whole estimate is spread over the working
    days from max(cycle start, its ``created_at`` day) to its due day; the part due after
    the cycle ends falls outside and is not shown. A task due before that first day
    (overdue, or created late) puts its whole estimate on that first day's week, as does
    one whose range has no working day.

    Args:
        tasks: The tasks to count (any owners).
        people: People by id, for their weekly capacity. An owner missing from it is
            reported with zero capacity.
        cycle: The cycle: its weeks, working days, holidays and time zone.
        include_proposed: Count proposed tasks too (e.g. to preview a bottom-up plan).

    Returns:
        For every person in ``people`` and every other task owner, sorted by id, one
        WeekLoad per cycle week (1..week_count).
    """
    planned = _planned_hours(tasks, cycle, include_proposed=include_proposed)
    idle = [0.0] * planned.weeks
    out: dict[str, list[WeekLoad]] = {}
    for pid in sorted(set(people) | set(planned.hours)):
        capacities = planned.capacities(people.get(pid))
        hours = planned.hours.get(pid, idle)
        out[pid] = [
            WeekLoad(week=w + 1, hours=h, capacity_hours=c, ratio=_ratio(h, c))
            for w, (h, c) in enumerate(zip(hours, capacities, strict=True))
        ]
    return out


def peak_loads(
    tasks: Sequence[Task], people: Mapping[str, Person], cycle: Cycle, *, from_week: int
) -> dict[str, tuple[float, int]]:
    """Each task owner's highest load ratio from ``from_week`` to the cycle's end, and how many
    of those weeks are over capacity (ratio above 1.0): ``weekly_load`` read from a week on,
    without building a WeekLoad per person and week.

    Returns:
        Owner id -> (peak ratio, weeks over capacity); a person with no counted task is left
        out (their peak is 0.0).
    """
    first = max(from_week, 1) - 1
    planned = _planned_hours(tasks, cycle, include_proposed=False, from_week=first + 1)
    out: dict[str, tuple[float, int]] = {}
    for pid, hours in planned.hours.items():
        ratios = [
            _ratio(h, c)
            for h, c in zip(hours[first:], planned.capacities(people.get(pid))[first:], strict=True)
        ]
        peak = max(ratios, default=0.0)
        out[pid] = (peak, sum(1 for r in ratios if r > 1.0) if peak > 1.0 else 0)
    return out


@dataclass(frozen=True, slots=True)
class _PlannedHours:
    """Hours per owner per week (owners with a counted task only), and the cycle's working week."""

    hours: dict[str, list[float]]
    weeks: int
    week_working: list[int]  # working days in each week
    full_week: int  # working days in a full week

    def capacities(self, person: Person | None) -> list[float]:
        """A person's capacity in each week: their weekly hours scaled by the week's working days."""
        weekly = person.weekly_capacity_hours if person is not None else 0.0
        full = self.full_week
        return [weekly * days / full for days in self.week_working]


def _planned_hours(
    tasks: Sequence[Task], cycle: Cycle, *, include_proposed: bool, from_week: int = 1
) -> _PlannedHours:
    """The tasks' hours per owner per cycle week (see ``weekly_load``), rounded to 6 decimals.

    The spread hours of weeks before ``from_week`` are not summed: for a caller that reads only
    the weeks from there on.
    """
    tz = ZoneInfo(cycle.timezone)
    n_days = (cycle.end - cycle.start).days + 1
    weeks = week_count(cycle)
    cadence = cycle.cadence
    start_ord = cycle.start.toordinal()
    is_work = [
        is_working_day(cadence, date.fromordinal(start_ord + i))
        for i in range(n_days)  # one cycle's days, not per task
    ]
    prefix = [0] * (n_days + 1)  # prefix[i] = working days among the first i days
    for i, w in enumerate(is_work):
        prefix[i + 1] = prefix[i] + w
    week_bounds = [prefix[min(7 * w, n_days)] for w in range(weeks + 1)]  # working days before week w+1
    week_working = [week_bounds[w + 1] - week_bounds[w] for w in range(weeks)]
    counted_states = {PlanState.ACCEPTED, PlanState.PROPOSED} if include_proposed else {PlanState.ACCEPTED}
    done, cut = TaskStatus.DONE, TaskStatus.CUT
    end_ord = cycle.end.toordinal()
    last_day = n_days - 1

    # The loop below runs once per open task of the cycle: it reads days as ordinals (day 0 is
    # the cycle's start) and keeps the cycle's bounds in locals.
    rates: dict[str, list[float]] = {}  # owner -> difference array of hours per working day
    lumps: dict[str, list[float]] = {}  # owner -> hours placed on a week as a whole
    for t in tasks:
        est = t.estimate_hours
        if not est:
            continue
        status = t.status
        if status is done or status is cut or t.plan_state not in counted_states:
            continue
        a = 0  # the first day of the task's range
        created = t.created_at
        if created is not None:
            a = max(0, _day_in(tz, created).toordinal() - start_ord)
        if a > last_day:  # entered the plan after the cycle
            continue
        due = t.due
        last_ord = due.toordinal() if due is not None else end_ord
        if last_ord <= start_ord + a:
            span = is_work[a]
            b = a
        else:
            b = min(last_ord - start_ord, last_day)
            span = prefix[b + 1] - prefix[a]
            if last_ord > end_ord:
                span += count_working_days(
                    date.fromordinal(start_ord + n_days),
                    date.fromordinal(last_ord),
                    weekdays=cadence.working_days,
                    holidays=cadence.holidays,
                )
        owner = t.owner_id
        if span == 0:
            lump = lumps.get(owner)
            if lump is None:
                lump = lumps[owner] = [0.0] * weeks
            lump[a // 7] += est  # the week of the range's first day
            continue
        diff = rates.get(owner)
        if diff is None:
            diff = rates[owner] = [0.0] * (n_days + 1)
        rate = est / span
        diff[a] += rate
        diff[b + 1] -= rate

    hours_of: dict[str, list[float]] = {}
    for pid in rates.keys() | lumps.keys():
        hours = list(lumps.get(pid) or [0.0] * weeks)
        diff = rates.get(pid)
        if diff is not None:
            # hours per working day, in order; week w owns a slice of it
            per_work_day = list(compress(accumulate(diff[:n_days]), is_work))
            for w in range(max(from_week, 1) - 1, weeks):
                hours[w] += sum(per_work_day[week_bounds[w] : week_bounds[w + 1]])
        hours_of[pid] = [round(h, 6) for h in hours]  # drop the float residue of the running sums
    return _PlannedHours(hours_of, weeks, week_working, len(cadence.working_days))


def over_capacity(
    loads: Mapping[str, Sequence[WeekLoad]], *, threshold: float = 1.0
) -> dict[str, list[WeekLoad]]:
    """The weeks in which someone's load ratio exceeds ``threshold``.

    Args:
        loads: Output of ``weekly_load``.
        threshold: A ratio above this is over capacity (1.0 = 100% of capacity).

    Returns:
        Person id -> their over-capacity weeks; people with none are left out.
    """
    out: dict[str, list[WeekLoad]] = {}
    for pid, weeks in loads.items():
        over = [w for w in weeks if w.ratio > threshold]
        if over:
            out[pid] = over
    return out
