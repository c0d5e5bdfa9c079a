"""The weekly sheet builder: what a team (or the whole org) sees in its weekly meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from okrflow.domain.errors import NotFound, ValidationFailed
from okrflow.domain.model import CalendarEvent, HealthLevel, ObjectiveStatus, RuleMode, Severity, TaskStatus
from okrflow.domain.trend import Trend
from okrflow.reports.render import render_json
from okrflow.reports.sheet_model import IgnitionItem, KRStatus, SheetThresholds, UpcomingKind
from okrflow.reports.weekly_sheet import build_weekly_sheet
from tests.unit.sheet_fixtures import (
    LAST_WEEK,
    REVIEW,
    THIS_WEEK,
    WEEK,
    check_in,
    flag,
    key_result,
    meeting_world,
    objective,
    pulse,
    task,
    world,
)

# ---------------------------------------------------------------- square 1


def test_blocked_and_low_confidence_krs_come_first_then_at_risk_then_the_rest():
    sheet = build_weekly_sheet(meeting_world(), week=WEEK, team_id="pay", flags=[])

    assert [(r.kr_id, r.status) for r in sheet.okrs] == [
        ("stuck", KRStatus.BLOCKED),
        ("doubtful", KRStatus.LOW_CONFIDENCE),
        ("behind", KRStatus.AT_RISK),
        ("silent", KRStatus.NO_CHECK_IN),
        ("steady", KRStatus.ON_TRACK),
        ("confident", KRStatus.ON_TRACK),
    ]
    assert [r.kr_id for r in sheet.okrs if r.collapsed] == ["confident"]
    assert sheet.status_counts[KRStatus.ON_TRACK] == 2


def test_a_row_carries_progress_expected_gap_confidence_trend_and_last_check_in():
    sheet = build_weekly_sheet(meeting_world(), week=WEEK, team_id="pay", flags=[])
    row = next(r for r in sheet.okrs if r.kr_id == "doubtful")

    assert row.progress == 0.5
    assert row.expected == pytest.approx(31 / 65, abs=1e-4)
    assert row.gap == pytest.approx(31 / 65 - 0.5, abs=1e-4)
    assert row.confidence == 3
    assert row.confidence_trend is Trend.DOWN
    assert row.last_check_in == THIS_WEEK.date()
    assert row.owner_name == "Ana López"
    assert row.objective_title == "Objective o1"


def test_a_warning_flag_keeps_a_confident_kr_open_and_the_flag_is_shown_with_its_message():
    warning = flag("confident", Severity.WARNING, rule_id="churn")
    sheet = build_weekly_sheet(meeting_world(), week=WEEK, team_id="pay", flags=[warning])
    row = next(r for r in sheet.okrs if r.kr_id == "confident")

    assert not row.collapsed
    assert [(f.rule_id, f.severity, f.message.zh) for f in row.flags] == [
        ("churn", Severity.WARNING, "落后于计划")
    ]


def test_a_risk_flag_puts_a_kr_at_risk_but_monitor_mode_and_other_weeks_flags_do_not():
    snap = meeting_world()
    trial = flag("steady", rule_id="trial", mode=RuleMode.MONITOR)
    stale = flag("confident", week=WEEK - 1)
    sheet = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[flag("steady"), trial, stale])
    rows = {r.kr_id: r for r in sheet.okrs}

    assert rows["steady"].status is KRStatus.AT_RISK
    assert [f.rule_id for f in rows["steady"].flags] == ["behind"]
    assert rows["confident"].flags == [] and rows["confident"].collapsed


def test_blockers_in_the_latest_check_in_mark_the_kr_blocked():
    snap = world(
        krs=[key_result("k")],
        check_ins=[check_in("k", THIS_WEEK, value=60, confidence=9, blockers=["waiting for legal"])],
    )
    (row,) = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[]).okrs

    assert row.status is KRStatus.BLOCKED
    assert row.blockers == ["waiting for legal"]
    assert not row.collapsed


def test_an_overshooting_kr_is_done_and_collapsed_with_its_raw_progress_kept():
    snap = world(krs=[key_result("k")], check_ins=[check_in("k", LAST_WEEK, value=130, confidence=5)])
    (row,) = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[]).okrs

    assert (row.status, row.collapsed) == (KRStatus.DONE, True)
    assert (row.progress_raw, row.progress) == (1.3, 1.0)


def test_check_ins_after_the_review_do_not_change_that_weeks_sheet():
    later = [check_in("doubtful", REVIEW + timedelta(days=2), value=90, confidence=10)]
    base = meeting_world()
    snap = world(
        krs=base.key_results.values(),
        tasks=base.tasks.values(),
        check_ins=[*(c for cs in base.check_ins.values() for c in cs), *later],
        as_of=REVIEW + timedelta(days=3),
    )
    then = build_weekly_sheet(base, week=WEEK, team_id="pay", flags=[])
    now = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[])

    assert render_json(now) == render_json(then)


def test_a_team_sheet_holds_the_teams_objectives_and_its_members_personal_ones_but_no_drafts():
    snap = world(
        objectives=[
            objective("o1"),
            objective("mine", team=None, owner="wei"),
            objective("draft", status=ObjectiveStatus.DRAFT),
            objective("other", team="ops", owner="bo"),
        ],
        krs=[
            key_result("team-kr"),
            key_result("personal-kr", obj="mine", owner="wei"),
            key_result("draft-kr", obj="draft"),
            key_result("ops-kr", obj="other", owner="bo"),
        ],
    )
    pay = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[])
    ops = build_weekly_sheet(snap, week=WEEK, team_id="ops", flags=[])

    assert sorted(r.kr_id for r in pay.okrs) == ["personal-kr", "team-kr"]
    assert [r.kr_id for r in ops.okrs] == ["ops-kr"]
    assert (pay.team_name, pay.cycle_name, pay.week, pay.review_date) == (
        "Payments",
        "2026-Q1",
        WEEK,
        date(2026, 2, 16),
    )


def test_an_unknown_team_or_a_week_outside_the_cycle_is_refused_naming_it():
    snap = meeting_world()
    with pytest.raises(NotFound, match="'nope'"):
        build_weekly_sheet(snap, week=WEEK, team_id="nope", flags=[])
    with pytest.raises(ValidationFailed) as err:
        build_weekly_sheet(snap, week=14, team_id="pay", flags=[])
    assert err.value.problems[0].location == ("week",)
    assert "weeks 1..13" in err.value.problems[0].message


# ---------------------------------------------------------------- square 2


def test_priorities_come_from_this_weeks_check_ins_only():
    snap = world(
        krs=[key_result("k")],
        check_ins=[
            check_in("k", LAST_WEEK, next_priorities=["old plan"]),
            check_in("k", THIS_WEEK, next_priorities=["new plan"]),
        ],
    )
    sheet = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[])

    assert [p.text for p in sheet.priorities] == ["new plan"]


def test_priorities_are_deduplicated_ranked_by_risk_then_frequency_say_whose_and_stop_at_five():
    snap = world(
        krs=[key_result("calm", owner="wei"), key_result("stuck")],
        tasks=[task("t", "stuck", status=TaskStatus.BLOCKED)],
        check_ins=[
            check_in(
                "calm",
                THIS_WEEK - timedelta(hours=2),
                author="wei",
                value=60,
                confidence=8,
                next_priorities=["Call ten merchants", "a", "b", "c", "d"],
            ),
            check_in(
                "calm",
                THIS_WEEK,
                author="ana",
                value=60,
                confidence=8,
                next_priorities=["call  ten merchants.", "e"],
            ),
            check_in("stuck", THIS_WEEK, value=60, next_priorities=["Unblock the API"]),
        ],
    )
    sheet = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[])

    assert [p.text for p in sheet.priorities] == ["Unblock the API", "Call ten merchants", "a", "b", "c"]
    first, second = sheet.priorities[:2]
    assert (first.status, first.people, first.kr_titles) == (KRStatus.BLOCKED, ["Ana López"], ["KR stuck"])
    assert (second.mentions, second.people) == (2, ["张伟", "Ana López"])


# ---------------------------------------------------------------- square 3


def test_upcoming_covers_exactly_the_next_four_weeks_sorted_with_overdue_work_flagged():
    day = REVIEW.date()
    snap = world(
        krs=[key_result("k"), key_result("launch", kind="milestone", due=day + timedelta(days=10))],
        tasks=[
            task("late", "k", due=day - timedelta(days=3)),
            task("finished-late", "k", due=day - timedelta(days=3), status=TaskStatus.DONE),
            task("last-day", "k", due=day + timedelta(days=27), milestone=True),
            task("too-far", "k", due=day + timedelta(days=28)),
            task("undated", "k"),
        ],
        events=[
            CalendarEvent(id="today", org_id="acme", cycle_id="q1", title="Demo day", on=day),
            CalendarEvent(id="gone", org_id="acme", cycle_id="q1", title="Past", on=day - timedelta(days=1)),
            CalendarEvent(id="ops-ev", org_id="acme", cycle_id="q1", team_id="ops", title="Ops", on=day),
        ],
    )
    sheet = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[])

    assert [(i.subject_id, i.kind, i.days, i.overdue) for i in sheet.upcoming] == [
        ("late", UpcomingKind.DEADLINE, -3, True),
        ("today", UpcomingKind.EVENT, 0, False),
        ("launch", UpcomingKind.KR_MILESTONE, 10, False),
        ("last-day", UpcomingKind.MILESTONE, 27, False),
    ]


# ---------------------------------------------------------------- square 4


def test_health_shows_the_latest_pulse_up_to_this_week_with_its_trend():
    pulses = [
        pulse(4, "green", "red"),
        pulse(5, "yellow", "yellow"),
        pulse(6, "red", "green"),
        pulse(8, "green"),
    ]
    snap = world(krs=[key_result("k")], pulses=pulses)
    health = build_weekly_sheet(snap, week=WEEK, team_id="pay", flags=[]).health

    assert health is not None and health.latest is not None
    assert (health.latest.week, health.latest.team_health, health.stale) == (6, HealthLevel.RED, True)
    assert health.trends is not None
    assert (health.trends.team_health, health.trends.quality, health.trends.customer_satisfaction) == (
        Trend.DOWN,
        Trend.UP,
        Trend.FLAT,
    )
    assert [p.week for p in health.history] == [4, 5, 6]


def test_a_team_without_a_pulse_gets_an_empty_health_square():
    health = build_weekly_sheet(world(krs=[key_result("k")]), week=WEEK, team_id="pay", flags=[]).health

    assert health is not None and health.latest is None


# ---------------------------------------------------------------- ignition


@pytest.mark.parametrize(("week", "shown"), [(1, True), (2, True), (3, False)])
def test_the_ignition_check_appears_only_in_weeks_one_and_two(week, shown):
    snap = world(krs=[key_result("k")], as_of=datetime(2026, 1, 19, 10, tzinfo=UTC))

    assert (build_weekly_sheet(snap, week=week, team_id="pay", flags=[]).ignition is not None) is shown


def test_ignition_items_given_are_shown_with_names_problems_first():
    snap = world(krs=[key_result("fine"), key_result("heavy"), key_result("empty")])
    items = [
        IgnitionItem(kr_id="fine", task_count=3),
        IgnitionItem(kr_id="heavy", task_count=4, undated_tasks=1, owners_over_capacity=["wei"]),
        IgnitionItem(kr_id="empty", task_count=0),
        IgnitionItem(kr_id="elsewhere", task_count=0),  # not this team's: ignored
    ]
    ignition = build_weekly_sheet(snap, week=2, team_id="pay", flags=[], ignition=items).ignition

    assert ignition is not None
    assert [(r.kr_id, r.planned, r.ok) for r in ignition.rows] == [
        ("empty", False, False),
        ("heavy", True, False),
        ("fine", True, True),
    ]
    assert ignition.rows[1].owners_over_capacity == ["张伟"]
    assert (ignition.unplanned, ignition.with_undated, ignition.owners_over_capacity) == (1, 1, 1)


def test_without_ignition_items_the_plan_is_counted_from_the_snapshot():
    snap = world(
        krs=[key_result("k"), key_result("bare")],
        tasks=[
            task("a", "k", due=date(2026, 2, 1)),
            task("b", "k", owner="ghost", due=date(2026, 2, 1)),
            task("c", "k"),
            task("d", "k", status=TaskStatus.CUT),
        ],
    )
    ignition = build_weekly_sheet(snap, week=1, team_id="pay", flags=[]).ignition

    assert ignition is not None
    rows = {r.kr_id: r for r in ignition.rows}
    assert (rows["k"].task_count, rows["k"].unowned_tasks, rows["k"].undated_tasks) == (3, 1, 1)
    assert not rows["bare"].planned


# ---------------------------------------------------------------- the org-wide sheet


def test_the_org_sheet_counts_every_kr_and_lists_only_those_needing_attention_worst_first():
    base = meeting_world()
    snap = world(
        objectives=[objective("o1"), objective("o2", team="ops", owner="bo")],
        krs=[*base.key_results.values(), key_result("ops-late", obj="o2", owner="bo")],
        tasks=base.tasks.values(),
        check_ins=[
            *(c for cs in base.check_ins.values() for c in cs),
            check_in("ops-late", THIS_WEEK, value=5),
        ],
        pulses=[pulse(7, "red", team="ops"), pulse(7, "green")],
    )
    sheet = build_weekly_sheet(snap, week=WEEK, team_id=None, flags=[])

    assert sheet.summary is not None
    assert sheet.summary.kr_total == 7
    # ops-late (5%) is further behind than behind (20%), so it comes first among the at-risk ones.
    assert [r.kr_id for r in sheet.okrs] == ["stuck", "doubtful", "ops-late", "behind"]
    assert [(t.team_name, t.kr_total) for t in sheet.summary.teams] == [("Payments", 6), ("Operations", 1)]
    assert sheet.summary.health_counts["team_health"] == {
        HealthLevel.GREEN: 1,
        HealthLevel.YELLOW: 0,
        HealthLevel.RED: 1,
    }
    assert sheet.health is None

    capped = build_weekly_sheet(
        snap, week=WEEK, team_id=None, flags=[], thresholds=SheetThresholds(org_row_limit=2)
    )
    assert [r.kr_id for r in capped.okrs] == ["stuck", "doubtful"]
    assert capped.summary is not None and capped.summary.okrs_omitted == 2


def test_the_same_inputs_in_any_order_give_the_same_sheet():
    base = meeting_world()
    flags = [flag("behind"), flag("steady", Severity.WARNING)]
    shuffled = world(
        krs=reversed(list(base.key_results.values())),
        tasks=base.tasks.values(),
        check_ins=reversed([c for cs in base.check_ins.values() for c in cs]),
    )
    one = build_weekly_sheet(base, week=WEEK, team_id="pay", flags=flags)
    other = build_weekly_sheet(shuffled, week=WEEK, team_id="pay", flags=list(reversed(flags)))

    assert render_json(one) == render_json(other)
