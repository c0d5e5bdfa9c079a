"""When things happen in a synthetic quarter: review instants, expected progress, working days.

A thin layer over ``okrflow.domain.calendar`` and ``okrflow.domain.progress`` so that the
generator places check-ins, due dates and the as-of instant with the same calendar the
rules, the workflows and the weekly sheet use.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from okrflow.domain.calendar import cycle_calendar, is_working_day, local_date, local_instant, review_time
from okrflow.domain.model import Cycle
from okrflow.domain.progress import expected_progress

# Public holidays the generator puts into a cycle's cadence, by the org's home time zone.
HOLIDAYS: dict[str, tuple[date, ...]] = {
    "Asia/Shanghai": (
        date(2026, 1, 1), date(2026, 1, 2),
        *(date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)),  # Spring Festival
        date(2026, 4, 6), *(date(2026, 5, d) for d in (1, 4, 5)), date(2026, 6, 19), date(2026, 9, 25),
        *(date(2026, 10, d) for d in (1, 2, 5, 6, 7)),
        date(2027, 1, 1), *(date(2027, 2, d) for d in (8, 9, 10, 11, 12)),
    ),
    "Europe/Berlin": (
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 5, 14),
        date(2026, 5, 25), date(2026, 10, 3), date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31),
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29),
    ),
}  # fmt: skip


def holidays_for(timezone: str, first: date, last: date) -> list[date]:
    return [d for d in HOLIDAYS.get(timezone, ()) if first <= d <= last]


@dataclass
class Timeline:
    """The calendar facts one generation needs, computed once.

    ``reviews[w - 1]`` is week ``w``'s review instant (UTC) and ``expected[w - 1]`` the expected
    progress at it; ``as_of`` is the review instant of ``as_of_week``.
    """

    cycle: Cycle
    as_of_week: int
    reviews: list[datetime] = field(init=False)
    expected: list[float] = field(init=False)
    as_of: datetime = field(init=False)
    as_of_date: date = field(init=False)
    baseline_at: datetime = field(init=False)  # end of decomposition: the plan becomes the baseline
    workdays: list[date] = field(init=False)  # the cycle's working days, ascending
    weeks: int = field(init=False)
    tz: ZoneInfo = field(init=False)
    start_at: datetime = field(init=False)

    def __post_init__(self) -> None:
        cycle = self.cycle
        self._instants: dict[tuple[date, float], datetime] = {}
        self._windows: dict[int, list[tuple[datetime, float]]] = {}
        self.weeks = (cycle.end - cycle.start).days // 7 + 1
        self.tz = ZoneInfo(cycle.timezone)
        self.reviews = []
        for w in range(1, self.weeks + 1):
            at = review_time(cycle, w)
            if at is None:  # a short last week without the review weekday: its last day at review time
                at = local_instant(cycle, cycle.end, cycle.cadence.review_time)
            self.reviews.append(at)
        self.expected = [expected_progress(cycle, on=local_date(cycle, at)) for at in self.reviews]
        self.as_of = self.reviews[self.as_of_week - 1]
        self.as_of_date = local_date(cycle, self.as_of)
        self.baseline_at = cycle_calendar(cycle).decomposition_ends
        self.workdays = [
            cycle.start + timedelta(days=i)
            for i in range((cycle.end - cycle.start).days + 1)
            if is_working_day(cycle.cadence, cycle.start + timedelta(days=i))
        ]
        self.start_at = local_instant(cycle, cycle.start)

    @property
    def baseline_fixed(self) -> bool:
        """Whether the decomposition baseline exists at ``as_of``."""
        return self.as_of >= self.baseline_at

    @property
    def expected_now(self) -> float:
        return self.expected[self.as_of_week - 1]

    def workday_between(self, rng: random.Random, first: date, last: date) -> date | None:
        """A random working day in ``[first, last]``, or None when there is none."""
        lo = bisect.bisect_left(self.workdays, first)
        hi = bisect.bisect_right(self.workdays, last)
        if hi <= lo:
            return None
        return self.workdays[rng.randrange(lo, hi)]

    def workdays_between(self, rng: random.Random, first: date, last: date, n: int) -> list[date]:
        """``n`` random working days in ``[first, last]`` (repeats allowed), ascending; [] when none."""
        lo = bisect.bisect_left(self.workdays, first)
        hi = bisect.bisect_right(self.workdays, last)
        if hi <= lo:
            return []
        return sorted(self.workdays[rng.randrange(lo, hi)] for _ in range(n))

    def at_local(self, day: date, hour: float) -> datetime:
        """An instant (UTC) on ``day`` at ``hour`` o'clock in the cycle's time zone."""
        key = (day, hour)
        at = self._instants.get(key)
        if at is None:
            h = int(hour)
            at = datetime.combine(day, time(h, int((hour - h) * 60)), tzinfo=self.tz).astimezone(UTC)
            self._instants[key] = at
        return at

    def _check_in_windows(self, week: int) -> list[tuple[datetime, float]]:
        review = self.reviews[week - 1]
        review_day = local_date(self.cycle, review)
        floor = self.at_local(self.cycle.start, 9.0)
        latest = review - timedelta(hours=1)
        out = []
        for days in (3, 4):
            first = max(self.at_local(review_day - timedelta(days=days), 9.0), floor)
            span = min(8.5 * 3600, (latest - first).total_seconds())
            out.append((first, span) if span > 0 else (latest, 0.0))
        return out

    def check_in_at(self, rng: random.Random, week: int) -> datetime:
        """When a week's check-in is written: three or four days before the review, 09:00–17:30 local.

        That is before the reminder (a day before the review by default), never before the
        cycle starts (09:00 on its first day), and always before the review.
        """
        windows = self._windows.get(week)
        if windows is None:
            windows = self._windows[week] = self._check_in_windows(week)
        first, span = windows[rng.getrandbits(1)]
        return first + timedelta(seconds=int(rng.random() * span))
