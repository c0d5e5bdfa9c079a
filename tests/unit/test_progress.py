from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrflow.domain.model import (
    Cadence,
    Cycle,
    Direction,
    KeyResult,
    KRKind,
    Objective,
    PlanState,
    Task,
    TaskStatus,
)
from okrflow.domain.progress import (
    clamp,
    expected_progress,
    kr_progress,
    objective_progress,
    task_progress,
    team_progress,
    weighted_progress,
)

FAST = settings(max_examples=60, deadline=None)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def kr(**kw: Any) -> KeyResult:
    base: dict[str, Any] = {"id": "kr", "org_id": "o", "objective_id": "obj", "title": "KR"}
    return KeyResult(**(base | kw))


def task(tid: str, status: TaskStatus = TaskStatus.TODO, **kw: Any) -> Task:
    base: dict[str, Any] = {"id": tid, "org_id": "o", "kr_id": "kr", "title": tid, "owner_id": "p"}
    return Task(**(base | {"status": status} | kw))


def churn_kr() -> KeyResult:
    return kr(direction=Direction.DECREASE, start=12, target=8, unit="%")


# ---------------------------------------------------------------- metric KRs


def test_a_decrease_kr_from_12_to_8_is_half_done_at_10() -> None:
    assert kr_progress(churn_kr(), value=10) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 0.0), (11, 0.25), (8, 1.0), (7, 1.25), (13, -0.25)],
)
def test_a_decrease_kr_keeps_overshoot_and_going_the_wrong_way(value: float, expected: float) -> None:
    assert kr_progress(churn_kr(), value=value) == pytest.approx(expected)


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (50, 0.5), (100, 1.0), (130, 1.3), (-10, -0.1)])
def test_an_increase_kr_measures_the_share_of_the_distance_covered(value: float, expected: float) -> None:
    assert kr_progress(kr(start=0, target=100), value=value) == pytest.approx(expected)


def test_progress_reads_the_current_value_when_none_is_given() -> None:
    assert kr_progress(kr(start=0, target=10, current=4)) == pytest.approx(0.4)


def test_a_kr_without_any_value_has_no_progress() -> None:
    assert kr_progress(kr(start=5, target=10)) == 0.0


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [
        (Direction.INCREASE, 5, 1.0),
        (Direction.INCREASE, 6, 1.0),
        (Direction.INCREASE, 4, 0.0),
        (Direction.DECREASE, 5, 1.0),
        (Direction.DECREASE, 4, 1.0),
        (Direction.DECREASE, 6, 0.0),
    ],
)
def test_a_kr_whose_target_equals_its_start_is_done_once_reached_in_its_direction(
    direction: Direction, value: float, expected: float
) -> None:
    assert kr_progress(kr(direction=direction, start=5, target=5), value=value) == expected


# ---------------------------------------------------------------- stay within


@pytest.mark.parametrize(
    ("value", "expected"),
    [(150, 1.0), (200, 1.0), (220, 0.9), (300, 0.5), (400, 0.0), (500, -0.5)],
)
def test_stay_within_is_full_inside_the_limit_and_decays_with_the_relative_excursion(
    value: float, expected: float
) -> None:
    latency = kr(direction=Direction.STAY_WITHIN, target=200, unit="ms")
    assert kr_progress(latency, value=value) == pytest.approx(expected)


@pytest.mark.parametrize(("value", "expected"), [(95, 1.0), (90, 1.0), (81, 0.9), (100, 1.0), (110, 0.9)])
def test_stay_within_a_band_decays_below_the_floor_relative_to_the_floor(
    value: float, expected: float
) -> None:
    band = kr(direction=Direction.STAY_WITHIN, floor=90, target=100)
    assert kr_progress(band, value=value) == pytest.approx(expected)


def test_stay_within_a_zero_limit_costs_one_unit_per_unit_over() -> None:
    incidents = kr(direction=Direction.STAY_WITHIN, target=0)
    assert kr_progress(incidents, value=0) == 1.0
    assert kr_progress(incidents, value=1) == pytest.approx(0.0)


def test_stay_within_without_a_floor_has_no_lower_bound() -> None:
    assert kr_progress(kr(direction=Direction.STAY_WITHIN, target=200), value=-1000) == 1.0


# ---------------------------------------------------------------- binary and milestone


@pytest.mark.parametrize(("value", "expected"), [(0, 0.0), (0.99, 0.0), (1, 1.0), (2, 1.0)])
def test_a_binary_kr_is_all_or_nothing(value: float, expected: float) -> None:
    assert kr_progress(kr(kind=KRKind.BINARY), value=value) == expected


def test_a_milestone_kr_with_tasks_is_driven_by_the_tasks_not_the_value() -> None:
    tasks = [task("a", TaskStatus.DONE), task("b"), task("c"), task("d", TaskStatus.DONE)]
    assert kr_progress(kr(kind=KRKind.MILESTONE), value=0.1, tasks=tasks) == pytest.approx(0.5)


def test_a_milestone_kr_without_tasks_reads_its_value_as_a_share() -> None:
    assert kr_progress(kr(kind=KRKind.MILESTONE, current=0.3)) == pytest.approx(0.3)


# ---------------------------------------------------------------- task progress


def test_task_progress_is_weighted_by_estimates_when_every_task_has_one() -> None:
    tasks = [task("a", TaskStatus.DONE, estimate_hours=30), task("b", estimate_hours=10)]
    assert task_progress(tasks) == pytest.approx(0.75)


def test_task_progress_counts_tasks_when_an_estimate_is_missing() -> None:
    tasks = [task("a", TaskStatus.DONE, estimate_hours=30), task("b"), task("c", estimate_hours=5)]
    assert task_progress(tasks) == pytest.approx(1 / 3)


def test_task_progress_ignores_cut_tasks_and_unaccepted_proposals() -> None:
    tasks = [
        task("a", TaskStatus.DONE),
        task("b"),
        task("cut", TaskStatus.CUT),
        task("idea", plan_state=PlanState.PROPOSED),
        task("no", TaskStatus.DONE, plan_state=PlanState.DECLINED),
    ]
    assert task_progress(tasks) == pytest.approx(0.5)


def test_task_progress_of_no_tasks_is_zero() -> None:
    assert task_progress([]) == 0.0
    assert task_progress([task("cut", TaskStatus.CUT)]) == 0.0


# ---------------------------------------------------------------- roll-ups


@pytest.mark.parametrize(("p", "expected"), [(-0.5, 0.0), (0.0, 0.0), (0.42, 0.42), (1.0, 1.0), (3.0, 1.0)])
def test_clamp_bounds_progress_to_zero_and_one(p: float, expected: float) -> None:
    assert clamp(p) == expected


def test_clamp_treats_nan_as_no_progress() -> None:
    assert clamp(float("nan")) == 0.0


def test_one_overshooting_kr_cannot_hide_the_others_in_a_roll_up() -> None:
    assert weighted_progress([(1, 3.0), (1, 0.0), (1, 0.0)]) == pytest.approx(1 / 3)


def test_weighted_progress_of_nothing_is_zero() -> None:
    assert weighted_progress([]) == 0.0
    assert weighted_progress([(0, 0.9)]) == 0.0


def test_objective_progress_weights_krs_and_counts_a_missing_one_as_zero() -> None:
    krs = [
        kr(id="a", start=0, target=1, weight=3),
        kr(id="b", start=0, target=1),
        kr(id="c", start=0, target=1),
    ]
    assert objective_progress(krs, {"a": 1.0, "b": 0.5}) == pytest.approx((3 + 0.5) / 5)


def test_team_progress_weights_objectives() -> None:
    def objective(oid: str, weight: float) -> Objective:
        return Objective(id=oid, org_id="o", cycle_id="c", title=oid, owner_id="p", weight=weight)

    objectives = [objective("o1", 1), objective("o2", 3)]
    assert team_progress(objectives, {"o1": 1.2, "o2": 0.2}) == pytest.approx((1 + 0.6) / 4)


# ---------------------------------------------------------------- expected progress

# Monday 5 January to Sunday 18 January 2026: ten working days.
TWO_WEEKS = Cycle(id="c", org_id="o", name="Sprint", start=date(2026, 1, 5), end=date(2026, 1, 18))


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 1, 4), 0.0),
        (date(2026, 1, 5), 0.1),
        (date(2026, 1, 9), 0.5),
        (date(2026, 1, 10), 0.5),  # a Saturday adds nothing
        (date(2026, 1, 11), 0.5),
        (date(2026, 1, 12), 0.6),
        (date(2026, 1, 16), 1.0),
        (date(2026, 1, 18), 1.0),
        (date(2026, 2, 1), 1.0),
    ],
)
def test_expected_progress_is_linear_over_working_days(on: date, expected: float) -> None:
    assert expected_progress(TWO_WEEKS, on=on) == pytest.approx(expected)


def test_expected_progress_skips_holidays() -> None:
    cycle = TWO_WEEKS.model_copy(update={"cadence": Cadence(holidays=[date(2026, 1, 6)])})
    assert expected_progress(cycle, on=date(2026, 1, 6)) == pytest.approx(1 / 9)
    assert expected_progress(cycle, on=date(2026, 1, 9)) == pytest.approx(4 / 9)


def test_expected_progress_follows_a_custom_curve_over_elapsed_working_time() -> None:
    slow_start = Cadence(expected_curve=[(0.0, 0.0), (0.5, 0.2), (1.0, 1.0)])
    cycle = TWO_WEEKS.model_copy(update={"cadence": slow_start})
    assert expected_progress(cycle, on=date(2026, 1, 9)) == pytest.approx(0.2)  # half the working days
    assert expected_progress(cycle, on=date(2026, 1, 14)) == pytest.approx(0.2 + 0.3 / 0.5 * 0.8)
    assert expected_progress(cycle, on=date(2026, 1, 7)) == pytest.approx(0.3 / 0.5 * 0.2)


def test_expected_progress_of_a_cycle_with_no_working_day_uses_calendar_days() -> None:
    weekend = Cycle(
        id="c",
        org_id="o",
        name="Weekend",
        start=date(2026, 1, 10),
        end=date(2026, 1, 11),
        cadence=Cadence(working_days=[0]),
    )
    assert expected_progress(weekend, on=date(2026, 1, 10)) == pytest.approx(0.5)


# ---------------------------------------------------------------- properties


@FAST
@given(start=finite, span=st.floats(min_value=0.01, max_value=1e6), a=finite, b=finite)
def test_progress_rises_with_the_value_for_increase_krs(
    start: float, span: float, a: float, b: float
) -> None:
    k = kr(start=start, target=start + span)
    lo, hi = sorted((a, b))
    assert kr_progress(k, value=lo) <= kr_progress(k, value=hi)


@FAST
@given(start=finite, span=st.floats(min_value=0.01, max_value=1e6), a=finite, b=finite)
def test_progress_falls_with_the_value_for_decrease_krs(
    start: float, span: float, a: float, b: float
) -> None:
    k = kr(direction=Direction.DECREASE, start=start, target=start - span)
    lo, hi = sorted((a, b))
    assert kr_progress(k, value=lo) >= kr_progress(k, value=hi)


@FAST
@given(start=finite, span=st.floats(min_value=0.01, max_value=1e6))
def test_a_metric_kr_is_zero_at_its_start_and_one_at_its_target(start: float, span: float) -> None:
    for direction, target in ((Direction.INCREASE, start + span), (Direction.DECREASE, start - span)):
        k = kr(direction=direction, start=start, target=target)
        assert kr_progress(k, value=start) == pytest.approx(0.0, abs=1e-9)
        assert kr_progress(k, value=target) == pytest.approx(1.0)


@FAST
@given(limit=finite, a=finite, b=finite)
def test_stay_within_never_improves_as_the_value_moves_further_past_the_limit(
    limit: float, a: float, b: float
) -> None:
    k = kr(direction=Direction.STAY_WITHIN, target=limit)
    lo, hi = sorted((a, b))
    assert kr_progress(k, value=lo) >= kr_progress(k, value=hi)
    assert kr_progress(k, value=lo) <= 1.0


@FAST
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_clamp_always_lands_in_zero_to_one(p: float) -> None:
    assert 0.0 <= clamp(p) <= 1.0


@FAST
@given(
    st.lists(
        st.tuples(st.floats(min_value=0.01, max_value=100), st.floats(min_value=-5, max_value=5)),
        min_size=1,
        max_size=12,
    )
)
def test_a_weighted_roll_up_lies_between_its_lowest_and_highest_clamped_child(
    items: list[tuple[float, float]],
) -> None:
    clamped = [clamp(p) for _, p in items]
    result = weighted_progress(items)
    assert min(clamped) - 1e-9 <= result <= max(clamped) + 1e-9


quarters = st.builds(
    lambda start, days, holidays, curve: Cycle(
        id="c",
        org_id="o",
        name="Q",
        start=start,
        end=start + timedelta(days=days),
        cadence=Cadence(
            holidays=[start + timedelta(days=h) for h in holidays],
            expected_curve=[(0.0, 0.0), (0.5, curve), (1.0, 1.0)] if curve is not None else None,
        ),
    ),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=1, max_value=120),
    holidays=st.lists(st.integers(min_value=0, max_value=120), max_size=10),
    curve=st.none() | st.floats(min_value=0, max_value=1),
)


@FAST
@given(
    cycle=quarters, a=st.integers(min_value=-10, max_value=140), b=st.integers(min_value=-10, max_value=140)
)
def test_expected_progress_never_decreases_with_the_date(cycle: Cycle, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    first = expected_progress(cycle, on=cycle.start + timedelta(days=lo))
    later = expected_progress(cycle, on=cycle.start + timedelta(days=hi))
    assert 0.0 <= first <= later <= 1.0


@FAST
@given(cycle=quarters)
def test_expected_progress_is_zero_before_the_start_and_one_on_the_last_day(cycle: Cycle) -> None:
    assert expected_progress(cycle, on=cycle.start - timedelta(days=1)) == 0.0
    assert expected_progress(cycle, on=cycle.end) == 1.0
