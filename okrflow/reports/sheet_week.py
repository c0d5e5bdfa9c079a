"""What every sheet of one review week shares, worked out once instead of once per team.

A weekly review builds the sheets of some 1,700 teams from one snapshot: the review window,
the expected progress, the flags about each key result and the calendar events of the next
weeks are the same for all of them. ``prepare_week`` computes them once; ``build_sheet``
(``okrflow.reports.weekly_sheet``) takes the result for each team.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from okrflow.domain.calendar import week_count
from okrflow.domain.model import CalendarEvent, Flag, RuleMode, SubjectType
from okrflow.domain.snapshot import CycleSnapshot
from okrflow.reports.assessment import ReviewWindow, review_window
from okrflow.reports.sheet_model import DEFAULT_THRESHOLDS, SheetThresholds

__all__ = ["SheetWeek", "prepare_week"]


@dataclass(frozen=True, slots=True)
class SheetWeek:
    """One review week of a snapshot, with the review's flags, ready to build any team's sheet."""

    snapshot: CycleSnapshot
    week: int
    thresholds: SheetThresholds
    win: ReviewWindow
    first: date  # the week's first day
    last: date  # and its last
    weeks_in_cycle: int
    zone: ZoneInfo  # the cycle's time zone
    flags_by_kr: Mapping[str, Sequence[Flag]]  # active flags of this week, in the order given
    events_by_team: Mapping[str | None, Sequence[CalendarEvent]]  # within the upcoming horizon

    def events_for(self, team_id: str | None) -> list[CalendarEvent]:
        """The upcoming events a sheet shows: everyone's and the team's own; None: all of them."""
        if team_id is None:
            return [ev for events in self.events_by_team.values() for ev in events]
        return [*self.events_by_team.get(None, ()), *self.events_by_team.get(team_id, ())]


def prepare_week(
    snapshot: CycleSnapshot,
    *,
    week: int,
    flags: Sequence[Flag],
    thresholds: SheetThresholds = DEFAULT_THRESHOLDS,
) -> SheetWeek:
    """Work out what the sheets of ``week`` share.

    Args:
        snapshot: The cycle as of (at least) the week's review.
        week: The cycle week, 1-based.
        flags: The review's flags; only active flags of this week about key results are kept.
        thresholds: Where the sheet draws its lines.

    Returns:
        The SheetWeek.

    Raises:
        ValidationFailed: If the cycle has no such week.
    """
    cycle = snapshot.cycle
    win, first, last = review_window(snapshot, week)
    flags_by_kr: dict[str, list[Flag]] = defaultdict(list)
    for f in flags:
        if (
            f.subject_type is SubjectType.KEY_RESULT
            and f.mode is RuleMode.ACTIVE
            and f.week == week
            and f.cycle_id == cycle.id
        ):
            flags_by_kr[f.subject_id].append(f)
    today = win.review_date
    horizon = today + timedelta(days=thresholds.upcoming_days)  # exclusive
    events_by_team: dict[str | None, list[CalendarEvent]] = defaultdict(list)
    for ev in snapshot.events:
        if ev.cycle_id == cycle.id and today <= ev.on < horizon:
            events_by_team[ev.team_id].append(ev)
    return SheetWeek(
        snapshot=snapshot,
        week=week,
        thresholds=thresholds,
        win=win,
        first=first,
        last=last,
        weeks_in_cycle=week_count(cycle),
        zone=ZoneInfo(cycle.timezone),
        flags_by_kr=dict(flags_by_kr),
        events_by_team=dict(events_by_team),
    )
