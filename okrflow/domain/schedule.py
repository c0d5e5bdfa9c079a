"""The cycle's timetable: every event the cycle workflow waits for, in order.

Pure: computed from the cycle and its cadence. The cycle workflow receives this list
from an activity (so a replay sees the same timetable) and sleeps from one event to
the next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from okrflow.domain.calendar import cycle_calendar, reminder_times, review_times
from okrflow.domain.model import Cycle, Phase


class EventKind(StrEnum):
    DRAFTING_OPENS = "drafting_opens"
    DRAFT_REMINDER = "draft_reminder"
    CYCLE_STARTS = "cycle_starts"
    CHECK_IN_REMINDER = "check_in_reminder"
    WEEKLY_REVIEW = "weekly_review"
    IGNITION_CHECK = "ignition_check"
    MIDTERM_OPENS = "midterm_opens"
    MIDTERM_CLOSES = "midterm_closes"
    CYCLE_ENDS = "cycle_ends"
    CLOSEOUT_REMINDER = "closeout_reminder"
    ARCHIVE = "archive"


# Events at the same instant run in this order (e.g. the ignition check before week 3's review).
_ORDER = {kind: i for i, kind in enumerate(EventKind)}

PHASE_AFTER: dict[EventKind, Phase] = {
    EventKind.DRAFTING_OPENS: Phase.DRAFTING,
    EventKind.CYCLE_STARTS: Phase.DECOMPOSITION,
    EventKind.IGNITION_CHECK: Phase.EXECUTION,
    EventKind.MIDTERM_OPENS: Phase.MIDTERM,
    EventKind.MIDTERM_CLOSES: Phase.EXECUTION,
    EventKind.CYCLE_ENDS: Phase.CLOSEOUT,
    EventKind.ARCHIVE: Phase.ARCHIVED,
}


class CycleEvent(BaseModel):
    at: datetime  # aware, UTC
    kind: EventKind
    week: int | None = None
    tag: str | None = None  # tells apart events of one kind in one week (e.g. "3d" before the start)

    @property
    def key(self) -> str:
        """Stable identity of the event, used for idempotency keys."""
        parts = [self.kind.value]
        if self.week is not None:
            parts.append(str(self.week))
        if self.tag is not None:
            parts.append(self.tag)
        return ":".join(parts)


def cycle_events(cycle: Cycle) -> list[CycleEvent]:
    """Every scheduled event of ``cycle`` in time order.

    Draft reminders go out three days and one day before the cycle starts (when that is
    after drafting opens); check-in reminders ``reminder_lead_hours`` before each weekly
    review; the ignition check at the end of the decomposition weeks; a close-out
    reminder on the last day of the cycle.

    Args:
        cycle: the cycle with its cadence and time zone.

    Returns:
        The events sorted by instant, ties broken in a fixed order.
    """
    cal = cycle_calendar(cycle)
    events: list[CycleEvent] = [
        CycleEvent(at=cal.drafting_opens, kind=EventKind.DRAFTING_OPENS),
        CycleEvent(at=cal.starts, kind=EventKind.CYCLE_STARTS),
        CycleEvent(at=cal.ends, kind=EventKind.CYCLE_ENDS),
        CycleEvent(at=cal.ends - timedelta(days=1), kind=EventKind.CLOSEOUT_REMINDER),
        CycleEvent(at=cal.closeout_ends, kind=EventKind.ARCHIVE),
        CycleEvent(at=cal.midterm_opens, kind=EventKind.MIDTERM_OPENS),
        CycleEvent(at=cal.midterm_closes, kind=EventKind.MIDTERM_CLOSES),
    ]
    for days in (3, 1):
        at = cal.starts - timedelta(days=days)
        if at > cal.drafting_opens:
            events.append(CycleEvent(at=at, kind=EventKind.DRAFT_REMINDER, tag=f"{days}d"))
    if cycle.cadence.decomposition_weeks > 0:
        events.append(
            CycleEvent(
                at=cal.decomposition_ends,
                kind=EventKind.IGNITION_CHECK,
                week=cycle.cadence.decomposition_weeks,
            )
        )
    if cycle.cadence.reminder_lead_hours > 0:
        reminders = reminder_times(cycle)
        events += (CycleEvent(at=at, kind=EventKind.CHECK_IN_REMINDER, week=w) for w, at in reminders)
    events += (CycleEvent(at=at, kind=EventKind.WEEKLY_REVIEW, week=w) for w, at in review_times(cycle))
    events.sort(key=lambda e: (e.at, _ORDER[e.kind], e.week or 0))
    return events
