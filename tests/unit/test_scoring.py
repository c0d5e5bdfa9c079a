from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrflow.domain.model import (
    CheckIn,
    Direction,
    HealthLevel,
    KeyResult,
    KRKind,
    ObjectiveKind,
    Task,
    TaskStatus,
)
from okrflow.domain.scoring import grade, latest_value, score_key_result, score_objective

FAST = settings(max_examples=60, deadline=None)


def kr(**kw: Any) -> KeyResult:
    base: dict[str, Any] = {
        "id": "kr",
        "org_id": "o",
        "objective_id": "obj",
        "title": "KR",
        "start": 0,
        "target": 100,
    }
    return KeyResult(**(base | kw))


def check_in(day: date, value: float | None, *, kr_id: str = "kr", hour: int = 12, **kw: Any) -> CheckIn:
    at = datetime.combine(day, datetime.min.time(), tzinfo=kw.pop("tz", UTC)).replace(hour=hour)
    return CheckIn(
        id=f"ci-{day}-{hour}-{kr_id}",
        org_id="o",
        kr_id=kr_id,
        author_id="p",
        at=at,
        value=value,
        confidence=7,
    )


MARCH_31 = date(2026, 3, 31)


def test_the_score_uses_the_latest_check_in_on_or_before_the_day() -> None:
    history = [
        check_in(date(2026, 3, 20), 60),
        check_in(date(2026, 4, 2), 95),  # after the scoring day
        check_in(date(2026, 3, 31), 80, hour=9),
        check_in(date(2026, 3, 31), 70, hour=8),
        check_in(date(2026, 3, 10), 40),
    ]
    assert score_key_result(kr(), history, as_of=MARCH_31) == 0.8


def test_confidence_only_check_ins_and_other_krs_do_not_move_the_score() -> None:
    history = [
        check_in(date(2026, 3, 20), 60),
        check_in(date(2026, 3, 25), None),
        check_in(date(2026, 3, 26), 99, kr_id="other"),
    ]
    assert score_key_result(kr(), history, as_of=MARCH_31) == 0.6


def test_a_check_in_counts_on_the_day_its_author_saw() -> None:
    shanghai = timezone(timedelta(hours=8))
    early_morning = check_in(date(2026, 4, 1), 90, hour=1, tz=shanghai)  # still 31 March in UTC
    assert latest_value(kr(), [early_morning], as_of=MARCH_31) is None
    assert latest_value(kr(), [early_morning], as_of=date(2026, 4, 1)) == 90


def test_a_kr_never_checked_in_is_scored_from_its_current_value() -> None:
    assert score_key_result(kr(current=25), [], as_of=MARCH_31) == 0.25


def test_a_kr_with_no_value_at_all_scores_zero() -> None:
    assert score_key_result(kr(), [], as_of=MARCH_31) == 0.0


def test_a_kr_whose_check_ins_all_come_later_scores_zero_rather_than_its_later_value() -> None:
    later = [check_in(date(2026, 4, 5), 90)]
    assert score_key_result(kr(current=90), later, as_of=MARCH_31) == 0.0


def test_scores_are_clamped_and_rounded_to_two_decimals() -> None:
    assert score_key_result(kr(), [check_in(MARCH_31, 140)], as_of=MARCH_31) == 1.0
    assert score_key_result(kr(), [check_in(MARCH_31, -20)], as_of=MARCH_31) == 0.0
    assert score_key_result(kr(target=3), [check_in(MARCH_31, 1)], as_of=MARCH_31) == 0.33


def test_a_decrease_kr_scores_half_at_the_midpoint() -> None:
    churn = kr(direction=Direction.DECREASE, start=12, target=8)
    assert score_key_result(churn, [check_in(MARCH_31, 10)], as_of=MARCH_31) == 0.5


def test_a_milestone_kr_is_scored_from_its_tasks() -> None:
    def task(tid: str, status: TaskStatus) -> Task:
        return Task(id=tid, org_id="o", kr_id="kr", title=tid, owner_id="p", status=status, estimate_hours=10)

    tasks = [task("a", TaskStatus.DONE), task("b", TaskStatus.DONE), task("c", TaskStatus.DOING)]
    milestone = kr(kind=KRKind.MILESTONE, start=None, target=None)
    assert score_key_result(milestone, [check_in(MARCH_31, 0)], as_of=MARCH_31, tasks=tasks) == 0.67


def test_an_objective_score_is_weighted_by_its_krs() -> None:
    krs = [kr(id="a", weight=2), kr(id="b"), kr(id="c")]
    assert score_objective(krs, {"a": 0.9, "b": 0.3}) == pytest.approx(round((1.8 + 0.3) / 4, 2))


@pytest.mark.parametrize(
    ("score", "kind", "colour"),
    [
        (1.0, ObjectiveKind.COMMITTED, HealthLevel.GREEN),
        (0.95, ObjectiveKind.COMMITTED, HealthLevel.GREEN),
        (0.94, ObjectiveKind.COMMITTED, HealthLevel.YELLOW),
        (0.7, ObjectiveKind.COMMITTED, HealthLevel.YELLOW),
        (0.69, ObjectiveKind.COMMITTED, HealthLevel.RED),
        (1.0, ObjectiveKind.ASPIRATIONAL, HealthLevel.GREEN),
        (0.7, ObjectiveKind.ASPIRATIONAL, HealthLevel.GREEN),
        (0.69, ObjectiveKind.ASPIRATIONAL, HealthLevel.YELLOW),
        (0.4, ObjectiveKind.ASPIRATIONAL, HealthLevel.YELLOW),
        (0.39, ObjectiveKind.ASPIRATIONAL, HealthLevel.RED),
        (0.0, ObjectiveKind.ASPIRATIONAL, HealthLevel.RED),
    ],
)
def test_grades_follow_the_bands_for_committed_and_aspirational_objectives(
    score: float, kind: ObjectiveKind, colour: HealthLevel
) -> None:
    assert grade(score, kind).colour is colour


def test_the_same_score_is_green_for_a_stretch_goal_and_red_for_a_commitment() -> None:
    assert grade(0.65, ObjectiveKind.ASPIRATIONAL).colour is HealthLevel.YELLOW
    assert grade(0.65, ObjectiveKind.COMMITTED).colour is HealthLevel.RED
    assert grade(0.7, ObjectiveKind.ASPIRATIONAL).label.en != grade(0.7, ObjectiveKind.COMMITTED).label.en


def test_grade_labels_are_in_english_and_chinese() -> None:
    missed = grade(0.3, ObjectiveKind.COMMITTED).label
    assert missed.get("en") == "Commitment missed"
    assert missed.get("zh") == "承诺未兑现"


def test_a_perfect_stretch_score_asks_whether_the_goal_was_ambitious_enough() -> None:
    label = grade(1.0, ObjectiveKind.ASPIRATIONAL).label
    assert "ambitious" in label.en
    assert "挑战" in label.zh


@FAST
@given(
    start=st.floats(min_value=-1e4, max_value=1e4),
    span=st.floats(min_value=0.1, max_value=1e4),
    decrease=st.booleans(),
    values=st.lists(st.floats(min_value=-1e5, max_value=1e5), max_size=6),
)
def test_a_kr_score_always_lies_in_zero_to_one_with_two_decimals(
    start: float, span: float, decrease: bool, values: list[float]
) -> None:
    direction = Direction.DECREASE if decrease else Direction.INCREASE
    k = kr(direction=direction, start=start, target=start - span if decrease else start + span)
    history = [check_in(date(2026, 3, 1) + timedelta(days=i), v) for i, v in enumerate(values)]
    s = score_key_result(k, history, as_of=MARCH_31)
    assert 0.0 <= s <= 1.0
    assert s == round(s, 2)


@FAST
@given(st.floats(allow_nan=False), st.sampled_from(ObjectiveKind))
def test_grading_clamps_any_score_into_zero_to_one(score: float, kind: ObjectiveKind) -> None:
    g = grade(score, kind)
    assert 0.0 <= g.score <= 1.0
    assert g.colour in HealthLevel
