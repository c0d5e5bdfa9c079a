"""The cycle's timetable: every event once, in order, each with its own key."""

from __future__ import annotations

from datetime import date, time

from okrflow.domain.calendar import cycle_calendar, review_times
from okrflow.domain.model import Cadence, Cycle
from okrflow.domain.schedule import PHASE_AFTER, EventKind, cycle_events


def quarter(**cadence: object) -> Cycle:
    return Cycle(
        id="c",
        org_id="o",
        name="2026-Q2",
        start=date(2026, 3, 30),
        end=date(2026, 6, 28),
        timezone="Europe/Berlin",
        cadence=Cadence(**cadence),
    )


def test_every_event_has_its_own_key_and_events_come_in_time_order() -> None:
    events = cycle_events(quarter())
    keys = [e.key for e in events]
    assert len(keys) == len(set(keys))
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_a_quarter_has_a_review_and_a_reminder_every_week_and_two_draft_reminders() -> None:
    cycle = quarter(review_weekday=2, review_time=time(9, 30), reminder_lead_hours=20)
    events = cycle_events(cycle)
    reviews = [e for e in events if e.kind is EventKind.WEEKLY_REVIEW]
    assert [(e.week, e.at) for e in reviews] == review_times(cycle)
    reminders = {e.week: e.at for e in events if e.kind is EventKind.CHECK_IN_REMINDER}
    assert all((r.at - reminders[r.week]).total_seconds() == 20 * 3600 for r in reviews)
    assert [e.tag for e in events if e.kind is EventKind.DRAFT_REMINDER] == ["3d", "1d"]


def test_the_ignition_check_ends_the_decomposition_weeks_and_moves_the_phase_on() -> None:
    cycle = quarter(decomposition_weeks=3)
    ignition = [e for e in cycle_events(cycle) if e.kind is EventKind.IGNITION_CHECK]
    assert len(ignition) == 1
    assert ignition[0].at == cycle_calendar(cycle).decomposition_ends and ignition[0].week == 3
    assert PHASE_AFTER[EventKind.IGNITION_CHECK].value == "execution"


def test_no_check_in_reminders_when_the_lead_time_is_zero_and_no_ignition_without_decomposition() -> None:
    kinds = {e.kind for e in cycle_events(quarter(reminder_lead_hours=0, decomposition_weeks=0))}
    assert EventKind.CHECK_IN_REMINDER not in kinds
    assert EventKind.IGNITION_CHECK not in kinds
