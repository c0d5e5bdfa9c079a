from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from okrflow.domain.errors import ValidationFailed
from okrflow.domain.model import (
    ChangeRequest,
    CheckIn,
    Cycle,
    KeyResult,
    Objective,
    Person,
    Task,
    Team,
    parse_model,
)

IDS = {"id": "x1", "org_id": "o"}
CYCLE = IDS | {"name": "2026-Q1", "start": "2026-01-01", "end": "2026-03-31"}
KR = IDS | {"objective_id": "obj", "title": "Cut churn", "start": 12, "target": 8, "direction": "decrease"}
TASK = IDS | {"kr_id": "kr", "title": "Call churned customers", "owner_id": "ana"}
CHECK_IN = IDS | {"kr_id": "kr", "author_id": "ana", "at": "2026-01-05T10:00:00+08:00", "confidence": 7}
CHANGE = IDS | {
    "cycle_id": "c",
    "subject_type": "key_result",
    "subject_id": "kr",
    "requested_by": "ana",
    "reason": "The market moved",
    "changes": {"target": 9},
    "created_at": "2026-02-01T10:00:00Z",
}
PERSON = IDS | {"name": "Ana López", "handle": "ana.lopez"}


def problems(model: type[BaseModel], data: dict[str, Any]) -> dict[tuple[str | int, ...], str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_model(model, data)
    return {p.location: p.message for p in caught.value.problems}


def test_valid_records_parse() -> None:
    assert parse_model(Cycle, CYCLE).end == date(2026, 3, 31)
    assert parse_model(KeyResult, KR).target == 8
    assert parse_model(Task, TASK).owner_id == "ana"
    assert parse_model(CheckIn, CHECK_IN).confidence == 7
    assert parse_model(ChangeRequest, CHANGE).changes == {"target": 9}
    assert parse_model(Person, PERSON).handle == "ana.lopez"


@pytest.mark.parametrize(
    ("model", "data", "where", "why"),
    [
        (Cycle, CYCLE | {"timezone": "Mars/Olympus"}, ("timezone",), "unknown time zone 'Mars/Olympus'"),
        (Cycle, CYCLE | {"timezone": "America"}, ("timezone",), "unknown time zone 'America'"),
        (Cycle, CYCLE | {"end": "2025-12-01"}, ("end",), "2025-12-01 must be after start 2026-01-01"),
        (
            Cycle,
            CYCLE | {"cadence": {"working_days": []}},
            ("cadence", "working_days"),
            "at least one working day",
        ),
        (
            Cycle,
            CYCLE | {"cadence": {"midterm_week": 20}},
            ("cadence", "midterm_week"),
            "week 20 is after the cycle's last week (13)",
        ),
        (
            Cycle,
            CYCLE | {"cadence": {"expected_curve": [[0, 0], [0.5, 0.8], [1, 0.6]]}},
            ("cadence", "expected_curve"),
            "never decrease",
        ),
        (KeyResult, KR | {"target": 14}, ("target",), "14.0 is above start 12.0 but direction is decrease"),
        (
            KeyResult,
            KR | {"direction": "increase"},
            ("target",),
            "below start 12.0 but direction is increase",
        ),
        (KeyResult, KR | {"start": None}, ("start",), "needs a baseline"),
        (
            KeyResult,
            KR | {"direction": "stay_within", "floor": 10},
            ("floor",),
            "10.0 is above the upper limit (target) 8.0",
        ),
        (KeyResult, KR | {"weight": 0}, ("weight",), "greater than 0"),
        (CheckIn, CHECK_IN | {"confidence": 11}, ("confidence",), "less than or equal to 10"),
        (CheckIn, CHECK_IN | {"confidence": -1}, ("confidence",), "greater than or equal to 0"),
        (CheckIn, CHECK_IN | {"at": "2026-01-05T10:00:00"}, ("at",), "must include a time zone offset"),
        (Task, TASK | {"collaborators": ["bo", "ana"]}, ("collaborators",), "'ana' owns the task"),
        (Task, TASK | {"depends_on": ["x1"]}, ("depends_on",), "cannot depend on itself"),
        (Task, TASK | {"title": "   "}, ("title",), "must not be empty"),
        (Task, TASK | {"estimate_hours": -2}, ("estimate_hours",), "greater than or equal to 0"),
        (ChangeRequest, CHANGE | {"changes": {}}, ("changes",), "must propose at least one change"),
        (ChangeRequest, CHANGE | {"reason": ""}, ("reason",), "must not be empty"),
        (
            ChangeRequest,
            CHANGE | {"subject_type": "task"},
            ("subject_type",),
            "objective or a key_result, not 'task'",
        ),
        (Person, PERSON | {"handle": "ana lopez"}, ("handle",), "a handle has no spaces and no @"),
        (Person, PERSON | {"manager_id": "x1"}, ("manager_id",), "cannot be their own manager"),
        (Team, IDS | {"name": "Core", "parent_id": "x1"}, ("parent_id",), "cannot be its own parent"),
        (
            Objective,
            IDS | {"cycle_id": "c", "title": "Win", "owner_id": "ana", "aligned_to": ["x1"]},
            ("aligned_to",),
            "cannot align to itself",
        ),
    ],
)
def test_validation_errors_name_the_field_and_say_why(
    model: type[BaseModel], data: dict[str, Any], where: tuple[str, ...], why: str
) -> None:
    found = problems(model, data)
    assert where in found, found
    assert why in found[where]


def test_every_bad_field_is_reported_at_once() -> None:
    found = problems(CheckIn, CHECK_IN | {"confidence": 12, "at": "2026-01-05T10:00:00", "kr_id": ""})
    assert set(found) == {("confidence",), ("at",), ("kr_id",)}


def test_the_error_message_leads_with_the_source_and_each_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_model(Cycle, CYCLE | {"end": "2025-12-01"}, source="cycles.yaml")
    assert str(caught.value) == "cycles.yaml: end: 2025-12-01 must be after start 2026-01-01"
    assert caught.value.detail() == {
        "errors": [{"loc": ["end"], "msg": "2025-12-01 must be after start 2026-01-01"}]
    }


def test_an_update_that_breaks_a_rule_is_refused() -> None:
    churn = parse_model(KeyResult, KR)
    with pytest.raises(ValueError, match="above start"):
        churn.target = 20
    assert churn.target == 8
