from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrflow.domain.capacity import over_capacity, weekly_load
from okrflow.domain.model import Cadence, Cycle, Person, PlanState, Task, TaskStatus

# Monday 5 January to Sunday 1 February 2026: four full weeks, 20 working days.
FOUR_WEEKS = Cycle(id="c", org_id="o", name="Q", start=date(2026, 1, 5), end=date(2026, 2, 1))
ANA = Person(id="ana", org_id="o", name="Ana", handle="ana", weekly_capacity_hours=40)
BO = Person(id="bo", org_id="o", name="Bo", handle="bo", weekly_capacity_hours=20)
PEOPLE = {"ana": ANA, "bo": BO}


def task(tid: str, hours: float, due: date | None, **kw: Any) -> Task:
    base: dict[str, Any] = {"id": tid, "org_id": "o", "kr_id": "kr", "title": tid, "owner_id": "ana"}
    return Task(**(base | {"estimate_hours": hours, "due": due} | kw))


def hours(loads: dict[str, Any], pid: str = "ana") -> list[float]:
    return [w.hours for w in loads[pid]]


def test_an_estimate_is_spread_evenly_over_the_working_days_until_it_is_due() -> None:
    loads = weekly_load([task("t", 40, date(2026, 1, 16))], PEOPLE, FOUR_WEEKS)
    assert hours(loads) == pytest.approx([20, 20, 0, 0])
    assert [w.week for w in loads["ana"]] == [1, 2, 3, 4]
    assert loads["ana"][0].capacity_hours == 40
    assert loads["ana"][0].ratio == pytest.approx(0.5)


def test_everyone_gets_a_row_even_without_work() -> None:
    loads = weekly_load([], PEOPLE, FOUR_WEEKS)
    assert hours(loads, "bo") == [0, 0, 0, 0]
    assert [w.capacity_hours for w in loads["bo"]] == [20, 20, 20, 20]


def test_a_task_added_mid_cycle_loads_only_from_the_day_it_was_added_in_the_cycles_zone() -> None:
    added = datetime(2026, 1, 9, 20, 0, tzinfo=UTC)  # Friday evening in UTC, Saturday morning in Shanghai
    t = task("t", 48, date(2026, 1, 16), created_at=added)
    assert hours(weekly_load([t], PEOPLE, FOUR_WEEKS)) == pytest.approx([8, 40, 0, 0])
    shanghai = FOUR_WEEKS.model_copy(update={"timezone": "Asia/Shanghai"})
    assert hours(weekly_load([t], PEOPLE, shanghai)) == pytest.approx([0, 48, 0, 0])


def test_an_undated_task_is_spread_to_the_end_of_the_cycle() -> None:
    assert hours(weekly_load([task("t", 40, None)], PEOPLE, FOUR_WEEKS)) == pytest.approx([10, 10, 10, 10])


def test_only_open_accepted_tasks_count_unless_proposals_are_asked_for() -> None:
    tasks = [
        task("done", 40, None, status=TaskStatus.DONE),
        task("cut", 40, None, status=TaskStatus.CUT),
        task("declined", 40, None, plan_state=PlanState.DECLINED),
        task("proposed", 40, None, plan_state=PlanState.PROPOSED),
        task("doing", 8, date(2026, 1, 9), status=TaskStatus.DOING),
        task("unestimated", 0, None),
    ]
    assert hours(weekly_load(tasks, PEOPLE, FOUR_WEEKS)) == pytest.approx([8, 0, 0, 0])
    with_proposals = weekly_load(tasks, PEOPLE, FOUR_WEEKS, include_proposed=True)
    assert hours(with_proposals) == pytest.approx([18, 10, 10, 10])


def test_holidays_and_a_short_last_week_offer_less_capacity_and_take_no_work() -> None:
    cycle = Cycle(
        id="c",
        org_id="o",
        name="Q",
        start=date(2026, 1, 5),
        end=date(2026, 1, 28),
        cadence=Cadence(holidays=[date(2026, 1, 14)]),
    )
    loads = weekly_load([task("t", 34, None)], PEOPLE, cycle)  # 4 weeks: 5, 4, 5 and 3 working days
    assert [w.capacity_hours for w in loads["ana"]] == pytest.approx([40, 32, 40, 24])
    assert hours(loads) == pytest.approx([10, 8, 10, 6])


def test_work_due_after_the_cycle_shows_only_the_part_inside_it() -> None:
    late = task("t", 40, date(2026, 2, 6), created_at=datetime(2026, 1, 26, 8, tzinfo=UTC))
    assert hours(weekly_load([late], PEOPLE, FOUR_WEEKS)) == pytest.approx([0, 0, 0, 20])


def test_an_overdue_task_puts_its_whole_estimate_on_the_first_day_it_can_be_done() -> None:
    overdue = task("t", 12, date(2026, 1, 9), created_at=datetime(2026, 1, 20, 8, tzinfo=UTC))
    assert hours(weekly_load([overdue], PEOPLE, FOUR_WEEKS)) == pytest.approx([0, 0, 12, 0])


def test_an_owner_unknown_to_the_people_map_has_no_capacity() -> None:
    loads = weekly_load([task("t", 10, date(2026, 1, 9), owner_id="ghost")], PEOPLE, FOUR_WEEKS)
    assert loads["ghost"][0].capacity_hours == 0
    assert math.isinf(loads["ghost"][0].ratio)
    assert loads["ghost"][1].ratio == 0.0
    assert "ghost" in over_capacity(loads)


def test_over_capacity_lists_only_the_weeks_above_the_threshold() -> None:
    tasks = [task("big", 60, date(2026, 1, 9)), task("small", 10, date(2026, 1, 16), owner_id="bo")]
    loads = weekly_load(tasks, PEOPLE, FOUR_WEEKS)
    over = over_capacity(loads)
    assert list(over) == ["ana"]
    assert [(w.week, w.ratio) for w in over["ana"]] == [(1, pytest.approx(1.5))]
    assert over_capacity(loads, threshold=1.5) == {}
    assert [w.week for w in over_capacity(loads, threshold=0.2)["bo"]] == [1, 2]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.5, max_value=200),
            st.integers(min_value=0, max_value=27),
            st.integers(min_value=0, max_value=27),
        ),
        max_size=8,
    )
)
def test_every_hour_of_work_inside_the_cycle_is_counted_exactly_once(
    spec: list[tuple[float, int, int]],
) -> None:
    tasks = []
    for i, (est, a, b) in enumerate(spec):
        added, due = sorted((a, b))
        created = datetime.combine(FOUR_WEEKS.start + timedelta(days=added), datetime.min.time(), tzinfo=UTC)
        tasks.append(task(f"t{i}", est, FOUR_WEEKS.start + timedelta(days=due), created_at=created))
    loads = weekly_load(tasks, PEOPLE, FOUR_WEEKS)
    assert sum(hours(loads)) == pytest.approx(sum(est for est, _, _ in spec), abs=1e-4)
    assert all(w.hours >= 0 for w in loads["ana"])
