from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from okrflow.domain.calendar import (
    count_working_days,
    cycle_calendar,
    local_date,
    midterm_window,
    phase_at,
    reminder_time,
    reminder_times,
    review_time,
    review_times,
    week_count,
    week_of,
    week_span,
    working_days,
)
from okrflow.domain.model import Cadence, Cycle, Phase


def cycle(start: date, end: date, tz: str = "UTC", **cadence: Any) -> Cycle:
    return Cycle(id="c", org_id="o", name="Q", start=start, end=end, timezone=tz, cadence=Cadence(**cadence))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# Thursday 1 January to Tuesday 31 March 2026: 90 days, 13 weeks, the last one six days long.
Q1 = cycle(date(2026, 1, 1), date(2026, 3, 31))
NEW_YORK_Q1 = cycle(date(2026, 1, 1), date(2026, 3, 31), "America/New_York")


# ---------------------------------------------------------------- weeks


def test_a_quarter_of_90_days_has_13_weeks() -> None:
    assert week_count(Q1) == 13


@pytest.mark.parametrize(
    ("on", "week"),
    [
        (date(2025, 12, 31), 0),
        (date(2026, 1, 1), 1),
        (date(2026, 1, 7), 1),
        (date(2026, 1, 8), 2),
        (date(2026, 3, 31), 13),
        (date(2026, 4, 20), 13),
    ],
)
def test_weeks_count_from_the_first_day_of_the_cycle(on: date, week: int) -> None:
    assert week_of(Q1, on) == week


def test_week_spans_are_seven_days_and_the_last_is_cut_at_the_end() -> None:
    assert week_span(Q1, 1) == (date(2026, 1, 1), date(2026, 1, 7))
    assert week_span(Q1, 2) == (date(2026, 1, 8), date(2026, 1, 14))
    assert week_span(Q1, 13) == (date(2026, 3, 26), date(2026, 3, 31))


@pytest.mark.parametrize("week", [0, 14])
def test_a_week_outside_the_cycle_is_refused_with_the_valid_range(week: int) -> None:
    with pytest.raises(ValueError, match=r"week \d+ is outside cycle 'Q', which has weeks 1\.\.13"):
        week_span(Q1, week)


# ---------------------------------------------------------------- reviews and daylight saving


def test_reviews_stay_at_ten_local_while_utc_shifts_when_new_york_springs_forward() -> None:
    reviews = dict(review_times(NEW_YORK_Q1))
    assert len(reviews) == 13  # every week of Q1 2026 has a Monday
    local = {week: at.astimezone(ZoneInfo("America/New_York")) for week, at in reviews.items()}
    assert all(at.weekday() == 0 and at.time() == time(10, 0) for at in local.values())
    # Daylight saving time starts on Sunday 8 March 2026.
    assert reviews[9] == utc(2026, 3, 2, 15, 0)  # 10:00 EST
    assert reviews[10] == utc(2026, 3, 9, 14, 0)  # 10:00 EDT
    assert reviews[10] - reviews[9] == timedelta(days=7, hours=-1)


def test_reviews_shift_back_an_hour_in_utc_when_new_york_falls_back() -> None:
    q4 = cycle(date(2026, 10, 1), date(2026, 12, 31), "America/New_York")
    reviews = dict(review_times(q4))
    # Daylight saving time ends on Sunday 1 November 2026.
    assert reviews[4] == utc(2026, 10, 26, 14, 0)  # 10:00 EDT
    assert reviews[5] == utc(2026, 11, 2, 15, 0)  # 10:00 EST


def test_reviews_in_berlin_move_from_nine_to_eight_utc_at_the_end_of_march() -> None:
    berlin = cycle(date(2026, 1, 1), date(2026, 3, 31), "Europe/Berlin")
    assert review_time(berlin, 12) == utc(2026, 3, 23, 9, 0)  # 10:00 CET
    assert review_time(berlin, 13) == utc(2026, 3, 30, 8, 0)  # 10:00 CEST, after 29 March


def test_reviews_in_shanghai_are_always_at_two_utc() -> None:
    shanghai = cycle(date(2026, 1, 1), date(2026, 3, 31), "Asia/Shanghai")
    instants = [at for _, at in review_times(shanghai)]
    assert len(instants) == 13
    assert {(at.hour, at.minute) for at in instants} == {(2, 0)}
    assert all(b - a == timedelta(weeks=1) for a, b in itertools.pairwise(instants))


def test_a_review_set_in_the_skipped_hour_happens_an_hour_later_on_the_wall_clock() -> None:
    sunday_night = cycle(
        date(2026, 1, 1), date(2026, 3, 31), "America/New_York", review_weekday=6, review_time=time(2, 30)
    )
    at = review_time(sunday_night, week_of(sunday_night, date(2026, 3, 8)))
    assert at == utc(2026, 3, 8, 7, 30)
    assert at is not None and at.astimezone(ZoneInfo("America/New_York")).time() == time(3, 30)


def test_a_short_last_week_without_the_review_weekday_has_no_review() -> None:
    short = cycle(date(2026, 1, 1), date(2026, 1, 10))  # Thursday to the next Saturday
    assert review_time(short, 2) is None
    assert reminder_time(short, 2) is None
    assert review_times(short) == [(1, utc(2026, 1, 5, 10, 0))]


def test_the_review_weekday_and_time_come_from_the_cadence() -> None:
    friday_four_pm = cycle(
        date(2026, 1, 1), date(2026, 3, 31), "Asia/Shanghai", review_weekday=4, review_time=time(16)
    )
    assert review_time(friday_four_pm, 1) == utc(2026, 1, 2, 8, 0)


def test_reminders_come_the_configured_number_of_hours_before_each_review() -> None:
    nudge = cycle(date(2026, 1, 1), date(2026, 3, 31), "America/New_York", reminder_lead_hours=30)
    assert reminder_time(nudge, 10) == utc(2026, 3, 8, 8, 0)
    assert [(w, at + timedelta(hours=30)) for w, at in reminder_times(nudge)] == review_times(nudge)


# ---------------------------------------------------------------- phases


def test_the_cycle_calendar_places_every_phase_at_local_midnight() -> None:
    cal = cycle_calendar(NEW_YORK_Q1)
    assert cal.weeks == 13
    assert cal.drafting_opens == utc(2025, 12, 18, 5)  # 14 days before, midnight EST
    assert cal.starts == utc(2026, 1, 1, 5)
    assert cal.decomposition_ends == utc(2026, 1, 15, 5)  # end of week 2
    assert cal.midterm_week == 7  # ceil(13 / 2)
    assert cal.midterm_opens == utc(2026, 2, 12, 5)
    assert cal.midterm_closes == utc(2026, 2, 19, 5)
    assert cal.ends == utc(2026, 4, 1, 4)  # midnight EDT after the last day
    assert cal.closeout_ends == utc(2026, 4, 15, 4)
    assert midterm_window(NEW_YORK_Q1) == (cal.midterm_opens, cal.midterm_closes)


def test_the_cadence_moves_the_midterm_window_and_the_phase_lengths() -> None:
    custom = cycle(
        date(2026, 1, 1),
        date(2026, 3, 31),
        drafting_days=7,
        decomposition_weeks=1,
        midterm_week=5,
        midterm_days=3,
        closeout_days=5,
    )
    cal = cycle_calendar(custom)
    assert cal.drafting_opens == utc(2025, 12, 25)
    assert cal.decomposition_ends == utc(2026, 1, 8)
    assert (cal.midterm_opens, cal.midterm_closes) == (utc(2026, 1, 29), utc(2026, 2, 1))
    assert cal.closeout_ends == utc(2026, 4, 6)


def test_phases_of_a_short_cycle_never_run_past_its_end() -> None:
    cal = cycle_calendar(cycle(date(2026, 1, 1), date(2026, 1, 10), midterm_days=30))
    assert cal.decomposition_ends == cal.ends
    assert cal.midterm_closes == cal.ends


@pytest.mark.parametrize(
    ("at", "phase"),
    [
        (utc(2025, 11, 1), Phase.PLANNED),
        (utc(2025, 12, 18, 4, 59), Phase.PLANNED),
        (utc(2025, 12, 18, 5), Phase.DRAFTING),
        (utc(2026, 1, 1, 4, 59), Phase.DRAFTING),
        (utc(2026, 1, 1, 5), Phase.DECOMPOSITION),
        (utc(2026, 1, 15, 4, 59), Phase.DECOMPOSITION),
        (utc(2026, 1, 15, 5), Phase.EXECUTION),
        (utc(2026, 2, 15), Phase.MIDTERM),
        (utc(2026, 2, 19, 5), Phase.EXECUTION),
        (utc(2026, 3, 31, 23), Phase.EXECUTION),  # still 31 March in New York
        (utc(2026, 4, 1, 4), Phase.CLOSEOUT),
        (utc(2026, 6, 1), Phase.CLOSEOUT),  # archiving is the workflow's job
    ],
)
def test_phase_at_follows_the_calendar_in_the_cycles_time_zone(at: datetime, phase: Phase) -> None:
    assert phase_at(NEW_YORK_Q1, at) is phase


def test_phase_at_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        phase_at(Q1, datetime(2026, 1, 5, 10))


def test_local_date_reads_an_instant_in_the_cycles_time_zone() -> None:
    assert local_date(NEW_YORK_Q1, utc(2026, 4, 1, 3)) == date(2026, 3, 31)


# ---------------------------------------------------------------- working days


def test_working_days_skip_weekends_and_holidays() -> None:
    with_holiday = cycle(date(2026, 1, 1), date(2026, 3, 31), holidays=[date(2026, 1, 1), date(2026, 1, 3)])
    assert working_days(Q1, date(2026, 1, 1), date(2026, 1, 14)) == 10
    assert (
        working_days(with_holiday, date(2026, 1, 1), date(2026, 1, 14)) == 9
    )  # the 3rd is a Saturday anyway
    assert working_days(Q1, date(2026, 1, 14), date(2026, 1, 1)) == 0


def test_working_days_follow_a_six_day_week() -> None:
    six_days = cycle(date(2026, 1, 1), date(2026, 3, 31), working_days=[0, 1, 2, 3, 4, 5])
    assert working_days(six_days, date(2026, 1, 1), date(2026, 3, 31)) == 90 - 13  # 13 Sundays


def test_count_working_days_agrees_with_counting_day_by_day() -> None:
    holidays = [date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 21)]
    first = date(2026, 1, 29)
    for length in range(0, 60):
        last = first + timedelta(days=length)
        slow = sum(
            1
            for i in range(length + 1)
            if (d := first + timedelta(days=i)).weekday() in (0, 2, 4) and d not in holidays
        )
        assert count_working_days(first, last, weekdays=(0, 2, 4), holidays=holidays) == slow
