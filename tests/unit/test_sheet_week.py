"""Sheets of a prepared week: the same sheets as one by one, with records as validation makes them."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from okrflow.domain.model import Flag, LocalText, Severity, SubjectType
from okrflow.reports import build_sheet, build_weekly_sheet, prepare_week
from okrflow.reports.sheet_model import KRRow, SheetModel, UpcomingItem, UpcomingKind, WeeklySheet
from okrflow.synthetic import SyntheticOrg, generate_org
from tests.unit.sheet_fixtures import WEEK, flag, meeting_world


@pytest.fixture(scope="module")
def org() -> SyntheticOrg:
    return generate_org(seed=5, people=40, org_id="sw")


def _flags(org: SyntheticOrg, week: int) -> list[Flag]:
    """A flag of each severity on every third key result, so rows show and sort flags."""
    severities = list(Severity)
    return [
        Flag(
            id=f"f{i}",
            org_id=org.org.id,
            cycle_id=org.cycle.id,
            week=week,
            rule_id=f"rule-{i % 4}",
            rule_version=1,
            subject_type=SubjectType.KEY_RESULT,
            subject_id=kr_id,
            severity=severities[i % len(severities)],
            message=LocalText(en="Look", zh="看"),
            created_at=org.review_time(week),
        )
        for i, kr_id in enumerate(sorted(org.snapshot(org.review_time(week)).key_results)[::3])
    ]


def _records(model: BaseModel) -> list[BaseModel]:
    """The record and every record nested in it."""
    found = [model]
    for name in type(model).model_fields:
        value = getattr(model, name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                found.extend(_records(item))
    return found


@pytest.mark.parametrize("week", [2, 8])
def test_a_prepared_week_builds_every_teams_sheet_as_building_it_alone_does(org: SyntheticOrg, week: int):
    snapshot = org.snapshot(org.review_time(week))
    flags = _flags(org, week)
    prepared = prepare_week(snapshot, week=week, flags=flags)

    for team_id in [*sorted(snapshot.teams), None]:
        alone = build_weekly_sheet(snapshot, week=week, team_id=team_id, flags=flags)
        assert build_sheet(prepared, team_id).model_dump_json() == alone.model_dump_json()


@pytest.mark.parametrize("week", [2, 8])
def test_every_record_of_a_sheet_dumps_as_the_same_record_validated_again(org: SyntheticOrg, week: int):
    snapshot = org.snapshot(org.review_time(week))
    prepared = prepare_week(snapshot, week=week, flags=_flags(org, week))
    sheets = [build_sheet(prepared, team_id) for team_id in [*sorted(snapshot.teams), None]]
    records = [r for sheet in sheets for r in _records(sheet)]

    assert {type(r) for r in records} >= {KRRow, UpcomingItem, WeeklySheet}
    for record in records:
        # A float field given an int, or an enum field given its value, would dump differently.
        again = type(record).model_validate(record.model_dump())
        assert record.model_dump_json() == again.model_dump_json()


def test_the_flags_of_a_prepared_week_are_this_weeks_active_flags_about_key_results():
    shown = flag("behind")
    prepared = prepare_week(meeting_world(), week=WEEK, flags=[shown, flag("steady", week=WEEK - 1)])

    assert dict(prepared.flags_by_kr) == {"behind": [shown]}


def test_a_trusted_record_with_other_fields_than_its_own_is_validated():
    with pytest.raises(ValueError, match="nope"):
        UpcomingItem.trusted(
            on="2025-01-01", days=1, kind=UpcomingKind.EVENT, title="x", subject_id="e", nope=1
        )
    item = UpcomingItem.trusted(on="2025-01-06", days=5, kind="event", title="x", subject_id="e")
    assert item.on.isoformat() == "2025-01-06"
    assert isinstance(item, SheetModel)
