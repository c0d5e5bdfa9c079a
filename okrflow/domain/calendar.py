"""The cycle calendar: weeks, working days, phases and the weekly review instants.

Everything is computed in the cycle's IANA time zone and returned as aware datetimes in
UTC, so a review "every Monday at 10:00" stays at 10:00 local time when daylight saving
time starts or ends, while its UTC instant moves by an hour.

Weeks are counted from the cycle's first day, not from Mondays: week ``n`` spans the
calendar days ``[start + 7(n-1), start + 7n)``; the last week may be shorter.

A local time that does not exist (skipped by a spring-forward change, e.g. 02:30 on the
change day) resolves with the offset in force before the change, i.e. one hour later on
the wall clock; an ambiguous local time (repeated by a fall-back change) resolves to its
first occurrence (``fold=0``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from okrflow.domain.model import Cadence, Cycle, Phase

__all__ = [
    "CycleCalendar",
    "count_working_days",
    "cycle_calendar",
    "is_working_day",
    "local_date",
    "local_instant",
    "midterm_window",
    "phase_at",
    "reminder_time",
    "reminder_times",
    "review_time",
    "review_times",
    "week_count",
    "week_of",
    "week_span",
    "working_days",
]


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_instant(cycle: Cycle, day: date, at: time = time(0)) -> datetime:
    """The UTC instant of wall-clock time ``at`` on ``day`` in the cycle's time zone.

    Args:
        cycle: Supplies the time zone.
        day: The local calendar day.
        at: The local wall-clock time (default midnight).

    Returns:
        An aware datetime in UTC.
    """
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=_zone(cycle.timezone)).astimezone(UTC)


def local_date(cycle: Cycle, at: datetime) -> date:
    """The calendar day an aware instant falls on in the cycle's time zone.

    Raises:
        ValueError: If ``at`` is naive.
    """
    _require_aware(at)
    return at.astimezone(_zone(cycle.timezone)).date()


def _require_aware(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone: pass an aware datetime")


# ---------------------------------------------------------------- weeks


def week_count(cycle: Cycle) -> int:
    """How many (possibly partial) weeks the cycle has: ceil(days / 7)."""
    return math.ceil(((cycle.end - cycle.start).days + 1) / 7)


def week_of(cycle: Cycle, on: date) -> int:
    """The 1-based week of the cycle that contains ``on``.

    Returns:
        0 before the cycle starts, ``week_count(cycle)`` after it ends.
    """
    if on < cycle.start:
        return 0
    if on > cycle.end:
        return week_count(cycle)
    return (on - cycle.start).days // 7 + 1


def week_span(cycle: Cycle, week: int) -> tuple[date, date]:
    """The first and last calendar day (inclusive) of ``week``.

    Raises:
        ValueError: If the cycle has no such week.
    """
    weeks = week_count(cycle)
    if not 1 <= week <= weeks:
        raise ValueError(f"week {week} is outside cycle {cycle.name!r}, which has weeks 1..{weeks}")
    first = cycle.start + timedelta(days=7 * (week - 1))
    return first, min(first + timedelta(days=6), cycle.end)


def review_time(cycle: Cycle, week: int) -> datetime | None:
    """The weekly review instant of ``week``, in UTC.

    The review is on the day of the week whose weekday is ``cadence.review_weekday``, at
    ``cadence.review_time`` local time.

    Returns:
        The instant, or None when the week (e.g. a short last week) has no such weekday.
    """
    first, last = week_span(cycle, week)
    day = first + timedelta(days=(cycle.cadence.review_weekday - first.weekday()) % 7)
    if day > last:
        return None
    return local_instant(cycle, day, cycle.cadence.review_time)


def review_times(cycle: Cycle) -> list[tuple[int, datetime]]:
    """Every weekly review of the cycle as (week, UTC instant), in order."""
    out = []
    for week in range(1, week_count(cycle) + 1):
        at = review_time(cycle, week)
        if at is not None:
            out.append((week, at))
    return out


def reminder_time(cycle: Cycle, week: int) -> datetime | None:
    """When to remind people who have not checked in: ``cadence.reminder_lead_hours`` before the review.

    The lead is elapsed time, so across a daylight-saving change a 24-hour lead lands at a
    different wall-clock hour the day before.

    Returns:
        The UTC instant, or None when the week has no review.
    """
    at = review_time(cycle, week)
    return None if at is None else at - timedelta(hours=cycle.cadence.reminder_lead_hours)


def reminder_times(cycle: Cycle) -> list[tuple[int, datetime]]:
    """Every check-in reminder of the cycle as (week, UTC instant), in order."""
    lead = timedelta(hours=cycle.cadence.reminder_lead_hours)
    return [(week, at - lead) for week, at in review_times(cycle)]


# ---------------------------------------------------------------- working days


def is_working_day(cadence: Cadence, day: date) -> bool:
    """Whether ``day`` is one of the cadence's working weekdays and not a holiday."""
    return day.weekday() in cadence.working_days and day not in cadence.holidays


def count_working_days(
    first: date, last: date, *, weekdays: Collection[int] = (0, 1, 2, 3, 4), holidays: Iterable[date] = ()
) -> int:
    """Count the days in ``[first, last]`` (inclusive) that fall on ``weekdays`` and are not holidays.

    Constant time in the length of the range (plus one pass over ``holidays``).

    Args:
        first: The first day counted.
        last: The last day counted; before ``first`` means an empty range.
        weekdays: Working weekdays, 0 = Monday.
        holidays: Days off; holidays on non-working weekdays change nothing.

    Returns:
        The number of working days, 0 for an empty range.
    """
    if last < first:
        return 0
    days = (last - first).days + 1
    full_weeks, rest = divmod(days, 7)
    wd = set(weekdays)
    start_wd = first.weekday()
    count = full_weeks * len(wd) + sum(1 for i in range(rest) if (start_wd + i) % 7 in wd)
    count -= sum(1 for h in set(holidays) if first <= h <= last and h.weekday() in wd)
    return count


def working_days(cycle: Cycle, first: date, last: date) -> int:
    """Working days in ``[first, last]`` (inclusive) under the cycle's cadence (weekdays minus holidays)."""
    cadence = cycle.cadence
    return count_working_days(first, last, weekdays=cadence.working_days, holidays=cadence.holidays)


# ---------------------------------------------------------------- phases


class CycleCalendar(BaseModel):
    """The phase boundaries of a cycle, as UTC instants (each a local midnight).

    ``midterm_week`` is the week the mid-term window opens in; ``weeks`` the number of weeks.
    Intervals are half-open: a phase runs from its opening instant up to, not including, its end.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    weeks: int
    midterm_week: int
    drafting_opens: datetime
    starts: datetime
    decomposition_ends: datetime
    midterm_opens: datetime
    midterm_closes: datetime
    ends: datetime
    closeout_ends: datetime


def cycle_calendar(cycle: Cycle) -> CycleCalendar:
    """Compute the phase boundaries of a cycle from its cadence.

    - drafting opens ``drafting_days`` before the first day, at local midnight;
    - decomposition runs from the start to the end of week ``decomposition_weeks``
      (capped at the cycle's end);
    - the mid-term window opens at the start of ``midterm_week`` (default the middle week,
      ceil(weeks / 2)) and lasts ``midterm_days`` (capped at the cycle's end);
    - the cycle ends at local midnight after its last day; close-out lasts ``closeout_days``.

    Returns:
        The CycleCalendar.
    """
    cadence = cycle.cadence
    weeks = week_count(cycle)
    after_last = cycle.end + timedelta(days=1)

    def midnight(day: date) -> datetime:
        return local_instant(cycle, day)

    decomposition_weeks = min(cadence.decomposition_weeks, weeks)
    decomposition_end = (
        week_span(cycle, decomposition_weeks)[1] + timedelta(days=1) if decomposition_weeks else cycle.start
    )
    midterm_week = min(cadence.midterm_week or math.ceil(weeks / 2), weeks)
    midterm_first = week_span(cycle, midterm_week)[0]
    midterm_end = min(midterm_first + timedelta(days=cadence.midterm_days), after_last)
    return CycleCalendar(
        weeks=weeks,
        midterm_week=midterm_week,
        drafting_opens=midnight(cycle.start - timedelta(days=cadence.drafting_days)),
        starts=midnight(cycle.start),
        decomposition_ends=midnight(decomposition_end),
        midterm_opens=midnight(midterm_first),
        midterm_closes=midnight(midterm_end),
        ends=midnight(after_last),
        closeout_ends=midnight(after_last + timedelta(days=cadence.closeout_days)),
    )


def midterm_window(cycle: Cycle) -> tuple[datetime, datetime]:
    """The mid-term review window as (opens, closes) UTC instants, half-open."""
    cal = cycle_calendar(cycle)
    return cal.midterm_opens, cal.midterm_closes


def phase_at(cycle: Cycle, at: datetime) -> Phase:
    """The phase the calendar puts the cycle in at instant ``at``.

    Where windows overlap in a short cycle, decomposition wins over the mid-term window.
    After close-out ends the calendar still says closeout: archiving is a workflow step,
    never a date.

    Args:
        cycle: The cycle.
        at: An aware instant.

    Returns:
        planned, drafting, decomposition, execution, midterm or closeout.

    Raises:
        ValueError: If ``at`` is naive.
    """
    _require_aware(at)
    cal = cycle_calendar(cycle)
    if at < cal.drafting_opens:
        return Phase.PLANNED
    if at < cal.starts:
        return Phase.DRAFTING
    if at >= cal.ends:
        return Phase.CLOSEOUT
    if at < cal.decomposition_ends:
        return Phase.DECOMPOSITION
    if cal.midterm_opens <= at < cal.midterm_closes:
        return Phase.MIDTERM
    return Phase.EXECUTION
