"""The synthetic organisation generator: deterministic, valid, realistic, and true to its story."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from okrflow.domain.calendar import cycle_calendar, local_date
from okrflow.domain.capacity import weekly_load
from okrflow.domain.model import (
    Direction,
    HealthLevel,
    KRKind,
    Language,
    ObjectiveStatus,
    Phase,
    Role,
    TaskStatus,
)
from okrflow.domain.progress import clamp, expected_progress, kr_progress
from okrflow.domain.taskgraph import check_dag, plan_findings
from okrflow.synthetic import (
    HEALTHY,
    Pattern,
    Scenario,
    Signal,
    SyntheticOrg,
    expected_signals,
    generate_org,
    small_org,
)
from rules.engine import evaluate
from rules.load import load_rule_set

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def org() -> SyntheticOrg:
    return small_org(seed=7)


@pytest.fixture(scope="module")
def shanghai() -> SyntheticOrg:
    return small_org(seed=11, people=90, timezone="Asia/Shanghai")


def _records(o: SyntheticOrg) -> list:
    return [
        o.org, o.cycle, *o.people, *o.teams, *o.objectives, *o.key_results, *o.tasks, *o.check_ins,
        *o.pulses, *o.events,
    ]  # fmt: skip


# ---------------------------------------------------------------- determinism and validity


def test_the_same_seed_gives_the_same_org_down_to_every_id(org: SyntheticOrg) -> None:
    again = small_org(seed=7)
    assert again == org
    assert [t.id for t in again.tasks] == [t.id for t in org.tasks]


def test_different_seeds_give_different_orgs(org: SyntheticOrg) -> None:
    other = small_org(seed=8)
    assert [p.name for p in other.people] != [p.name for p in org.people]
    assert [k.title for k in other.key_results] != [k.title for k in org.key_results]


def test_every_record_validates_against_its_model(org: SyntheticOrg, shanghai: SyntheticOrg) -> None:
    for record in itertools.chain(_records(org), _records(shanghai)):
        assert type(record).model_validate(record.model_dump()) == record


def test_ids_are_unique_and_derived_from_the_org_id() -> None:
    o = generate_org(seed=3, people=30, org_id="acme")
    ids = [r.id for r in _records(o)]
    assert len(ids) == len(set(ids))
    assert all(i == "acme" or i.startswith("acme-") for i in ids)


# ---------------------------------------------------------------- people and teams


def test_the_org_is_a_team_tree_of_leaf_teams_of_five_to_nine_led_by_everyones_manager(
    org: SyntheticOrg,
) -> None:
    people = {p.id: p for p in org.people}
    teams = {t.id: t for t in org.teams}
    roots = [t for t in org.teams if t.parent_id is None]
    assert len(roots) == 1
    assert all(t.parent_id is None or t.parent_id in teams for t in org.teams)
    members = defaultdict(list)
    for p in org.people:
        members[p.team_id].append(p)
    parents = {t.parent_id for t in org.teams}
    leaves = [t for t in org.teams if t.id not in parents]
    assert leaves
    for team in leaves:
        assert 5 <= len(members[team.id]) <= 9
        assert all(p.manager_id == team.lead_id for p in members[team.id] if p.id != team.lead_id)
    for team in org.teams:
        lead = people[team.lead_id]
        assert lead.team_id == team.id and lead.role is Role.MANAGER
        if team.parent_id is not None:
            assert lead.manager_id == teams[team.parent_id].lead_id
    ceo = people[roots[0].lead_id]
    assert ceo.manager_id is None
    assert all(p.manager_id in people for p in org.people if p is not ceo)


def test_one_admin_one_or_two_ambassadors_and_part_time_people() -> None:
    big = generate_org(seed=5, people=150, check_in_weeks=0)
    for o, ambassadors in ((small_org(seed=7), 1), (big, 2)):
        roles = Counter(p.role for p in o.people)
        assert (roles[Role.ADMIN], roles[Role.AMBASSADOR]) == (1, ambassadors)
    capacities = [p.weekly_capacity_hours for p in big.people]
    assert min(capacities) < 32 and max(capacities) == 40


def test_about_half_the_people_write_chinese_under_chinese_names(org: SyntheticOrg) -> None:
    zh = [p for p in org.people if p.language is Language.ZH]
    assert 0.35 <= len(zh) / len(org.people) <= 0.65
    assert all(CJK.search(p.name) for p in zh)
    assert not any(CJK.search(p.name) for p in org.people if p.language is Language.EN)
    handles = [p.handle for p in org.people]
    assert len(set(handles)) == len(handles)
    assert all(re.fullmatch(r"[a-z0-9.]+", h) for h in handles)


# ---------------------------------------------------------------- objectives, key results, tasks


def test_objectives_align_to_objectives_of_the_parent_team_up_to_the_company(org: SyntheticOrg) -> None:
    objectives = {o.id: o for o in org.objectives}
    teams = {t.id: t for t in org.teams}
    for o in org.objectives:
        team = teams[o.team_id or ""]
        if team.parent_id is None:
            assert o.aligned_to == []
            continue
        (parent,) = o.aligned_to
        parent_team = objectives[parent].team_id
        assert parent_team in (team.parent_id, team.id)  # a personal objective aligns to its team's
    assert {o.status for o in org.objectives} == {ObjectiveStatus.APPROVED}
    assert {o.kind for o in org.objectives} == {"committed", "aspirational"}


def test_objectives_have_two_to_five_key_results_of_every_kind_and_direction(org: SyntheticOrg) -> None:
    per_objective = Counter(k.objective_id for k in org.key_results)
    assert all(2 <= n <= 5 for n in per_objective.values())
    assert set(per_objective) == {o.id for o in org.objectives}
    shapes = {(k.kind, k.direction) for k in org.key_results}
    assert {(KRKind.METRIC, d) for d in Direction} | {(KRKind.MILESTONE, Direction.INCREASE)} <= shapes
    assert KRKind.BINARY in {k for k, _ in shapes}
    assert all(k.due is not None for k in org.key_results if k.kind is KRKind.MILESTONE)


def test_titles_are_written_in_their_owners_language(org: SyntheticOrg) -> None:
    people = {p.id: p for p in org.people}
    for owner, title in [(o.owner_id, o.title) for o in org.objectives] + [
        (k.owner_id or "", k.title) for k in org.key_results
    ]:
        assert bool(CJK.search(title)) == (people[owner].language is Language.ZH), title
    for t in org.tasks:
        assert bool(CJK.search(t.title)) == (people[t.owner_id].language is Language.ZH), t.title


def test_every_task_has_exactly_one_owner_who_exists_and_collaborators_who_exist(org: SyntheticOrg) -> None:
    people = {p.id for p in org.people}
    for t in org.tasks:
        assert t.owner_id in people
        assert set(t.collaborators) <= people and t.owner_id not in t.collaborators


def test_task_dependencies_form_a_dag_inside_one_key_result_and_the_cycle(org: SyntheticOrg) -> None:
    by_id = {t.id: t for t in org.tasks}
    by_kr = defaultdict(list)
    for t in org.tasks:
        by_kr[t.kr_id].append(t)
        assert all(by_id[d].kr_id == t.kr_id for d in t.depends_on)
        assert t.due is None or org.cycle.start <= t.due <= org.cycle.end
    for tasks in by_kr.values():
        check_dag(tasks)
        codes = {f.code for f in plan_findings(tasks)}
        assert not codes & {
            "DUE_BEFORE_DEPENDENCY",
            "DEPENDS_ON_CUT",
            "UNKNOWN_DEPENDENCY",
            "DONE_BEFORE_DEPENDENCY",
        }
    assert sum(1 for t in org.tasks if t.depends_on) > len(org.tasks) / 4
    assert 3 <= len(org.tasks) / len(org.key_results) <= 7


def test_task_statuses_agree_with_the_as_of_week(org: SyntheticOrg) -> None:
    today = local_date(org.cycle, org.as_of)
    stuck = org.story.krs(Pattern.OVERDUE_MILESTONE)
    for t in org.tasks:
        assert t.created_at is not None and t.created_at <= org.as_of
        if t.status is TaskStatus.DONE:
            assert t.due is not None and t.due < today
        elif t.status is TaskStatus.CUT:
            assert t.in_baseline and t.cut_at is not None and t.cut_at <= org.as_of
        elif t.due is not None and t.kr_id not in stuck:
            assert t.due > today
    baseline = cycle_calendar(org.cycle).decomposition_ends
    assert all(t.in_baseline == (t.created_at < baseline) for t in org.tasks if t.created_at is not None)


# ---------------------------------------------------------------- check-ins, pulses, events


def test_check_ins_are_weekly_by_the_key_result_owner_in_their_language(org: SyntheticOrg) -> None:
    people = {p.id: p for p in org.people}
    owners = {k.id: k.owner_id for k in org.key_results}
    for c in org.check_ins:
        assert c.author_id == owners[c.kr_id]
        assert 0 <= c.confidence <= 10 and c.at <= org.as_of
        assert bool(CJK.search(c.note)) == (people[c.author_id].language is Language.ZH), c.note
    per_kr = Counter(c.kr_id for c in org.check_ins)
    assert max(per_kr.values()) == org.as_of_week
    assert any(s.missing_weeks for s in org.story.key_results.values() if s.pattern is Pattern.ON_TRACK)


def test_every_team_sends_a_weekly_pulse_and_there_are_calendar_events(org: SyntheticOrg) -> None:
    weeks = Counter(p.team_id for p in org.pulses)
    assert weeks == {t.id: org.as_of_week for t in org.teams}
    assert any(e.team_id is None for e in org.events) and any(e.team_id for e in org.events)
    assert all(org.cycle.start <= e.on <= org.cycle.end for e in org.events)


def test_later_check_ins_continue_the_quarter_but_the_snapshot_stops_at_as_of() -> None:
    o = small_org(seed=7, check_in_weeks=13)
    assert max(c.at for c in o.check_ins) > o.as_of
    snap = o.snapshot()
    assert all(c.at <= o.as_of for items in snap.check_ins.values() for c in items)
    assert all(p.week <= o.as_of_week for items in snap.pulses.values() for p in items)
    assert len(snap.key_results) == len(o.key_results) and len(snap.tasks) == len(o.tasks)
    assert {k: s.signals for k, s in o.story.key_results.items()} == {
        k: s.signals for k, s in small_org(seed=7).story.key_results.items()
    }


# ---------------------------------------------------------------- the story


def test_every_pattern_is_scripted_and_most_key_results_are_healthy(org: SyntheticOrg) -> None:
    counts = org.story.counts()
    assert all(n >= 1 for n in counts.values()), counts
    assert sum(counts[p] for p in HEALTHY) > len(org.key_results) / 2
    assert org.story.unavailable == frozenset()


@pytest.mark.parametrize("week", [2, 5, 8, 13])
def test_each_key_result_shows_exactly_the_signals_of_its_pattern(week: int) -> None:
    o = small_org(seed=7, as_of_week=week)
    wrong = {
        k: (s.pattern, s.signals)
        for k, s in o.story.key_results.items()
        if s.signals != expected_signals(s.pattern)
    }
    assert wrong == {}


def test_stalled_key_results_have_no_check_in_in_the_last_fourteen_days(org: SyntheticOrg) -> None:
    latest = {}
    for c in org.check_ins:
        latest[c.kr_id] = max(latest.get(c.kr_id, c.at), c.at)
    for kr_id, story in org.story.key_results.items():
        silent = org.as_of - latest[kr_id] >= timedelta(days=14)
        assert silent == (story.pattern is Pattern.STALLED), kr_id


def test_unplanned_key_results_and_only_they_have_no_tasks(org: SyntheticOrg) -> None:
    planned = {t.kr_id for t in org.tasks}
    assert {k.id for k in org.key_results} - planned == org.story.krs(Pattern.UNPLANNED)


def test_on_track_metric_key_results_sit_near_the_expected_curve_with_confident_owners(
    org: SyntheticOrg,
) -> None:
    expected = expected_progress(org.cycle, on=local_date(org.cycle, org.as_of))
    latest = {}
    for c in sorted(org.check_ins, key=lambda c: c.at):
        latest[c.kr_id] = c
    for kr in org.key_results:
        if org.story.key_results[kr.id].pattern is not Pattern.ON_TRACK:
            continue
        assert latest[kr.id].confidence >= 7
        if kr.kind is KRKind.METRIC and kr.direction is not Direction.STAY_WITHIN:
            assert abs(clamp(kr_progress(kr, value=latest[kr.id].value)) - expected) <= 0.1


def test_recovering_key_results_were_seriously_late_for_two_reviews_then_recovered(org: SyntheticOrg) -> None:
    for kr_id in org.story.krs(Pattern.RECOVERING):
        weeks = org.story.key_results[kr_id].weekly[Signal.SERIOUS_DELAY]
        assert len(weeks) >= 2 and list(weeks) == list(range(weeks[0], weeks[-1] + 1))
        assert weeks[-1] < org.as_of_week


def test_only_the_scripted_people_are_over_capacity(org: SyntheticOrg) -> None:
    active = {p.id: p for p in org.people if p.active}
    loads = weekly_load(org.tasks, active, org.cycle)
    peak = {
        pid: max(w.ratio for w in weeks[org.as_of_week - 1 :])
        for pid, weeks in loads.items()
        if pid in active
    }
    assert {pid for pid, r in peak.items() if r > 1.0} == org.story.over_capacity != frozenset()
    assert all(r >= 1.5 for pid, r in peak.items() if pid in org.story.over_capacity)
    extra = [t for t in org.tasks if t.owner_id in org.story.over_capacity and t.trade_off_note]
    assert extra and all(not t.in_baseline for t in extra)


def test_only_the_scripted_teams_had_a_red_team_health_pulse_for_the_last_two_weeks(
    org: SyntheticOrg,
) -> None:
    a = org.as_of_week
    red = {p.team_id for p in org.pulses if p.week == a and p.team_health is HealthLevel.RED}
    red_before = {p.team_id for p in org.pulses if p.week == a - 1 and p.team_health is HealthLevel.RED}
    assert red == red_before == org.story.red_pulse_teams != frozenset()


def test_people_who_left_still_own_an_open_task_of_an_unowned_or_undated_plan(org: SyntheticOrg) -> None:
    left = {p.id for p in org.people if not p.active}
    assert left == org.story.leavers
    owned = [t for t in org.tasks if t.owner_id in left]
    assert owned and all(
        org.story.key_results[t.kr_id].pattern is Pattern.UNOWNED_OR_UNDATED_TASKS for t in owned
    )


def test_the_default_rules_flag_exactly_what_the_story_says(org: SyntheticOrg) -> None:
    rules = load_rule_set((Path(__file__).parents[2] / "rules" / "default.yaml").read_text(encoding="utf-8"))
    result = evaluate(rules, org.snapshot(), week=org.as_of_week, phase=Phase.EXECUTION)
    flagged = defaultdict(set)
    for f in result.flags:
        flagged[f.rule_id].add(f.subject_id)
    for signal in Signal:
        if signal is Signal.OVER_CAPACITY:
            want = org.story.over_capacity
        elif signal is Signal.TEAM_HEALTH_RED:
            want = org.story.red_pulse_teams
        elif signal in (Signal.NO_PLAN, Signal.UNOWNED_OR_UNDATED):
            continue  # ignition rules run in weeks 1-2 only
        else:
            want = org.story.with_signal(signal)
        assert flagged[signal.value] == want, signal
    early = small_org(seed=7, as_of_week=2)
    result = evaluate(rules, early.snapshot(), week=2)
    assert {f.subject_id for f in result.flags_for("ignition-no-plan")} == early.story.krs(Pattern.UNPLANNED)
    assert {f.subject_id for f in result.flags_for("ignition-unowned-or-undated")} == early.story.krs(
        Pattern.UNOWNED_OR_UNDATED_TASKS
    )


# ---------------------------------------------------------------- options and errors


def test_an_early_as_of_week_holds_only_the_patterns_it_can_show() -> None:
    o = small_org(seed=7, as_of_week=2)
    assert o.cycle.phase is Phase.DECOMPOSITION
    assert Pattern.BEHIND in o.story.unavailable and Pattern.HIGH_CHURN in o.story.unavailable
    assert o.story.krs(Pattern.BEHIND, Pattern.HIGH_CHURN) == frozenset()
    assert not any(t.in_baseline for t in o.tasks)


def test_a_scenario_can_make_every_key_result_healthy_and_leave_objectives_as_drafts() -> None:
    calm = Scenario(
        patterns={Pattern.ON_TRACK: 1.0}, over_capacity_share=0, objective_status=ObjectiveStatus.DRAFT
    )
    o = small_org(seed=7, scenario=calm)
    assert set(o.story.counts().values()) - {0} == {len(o.key_results)}
    assert all(not s.signals for s in o.story.key_results.values())
    assert {obj.status for obj in o.objectives} == {ObjectiveStatus.DRAFT}


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"people": 5}, "people"),
        ({"people": 60, "as_of_week": 14}, "as_of_week"),
        ({"people": 60, "check_in_weeks": -1}, "check_in_weeks"),
        ({"people": 60, "org_id": "x" * 41}, "org_id"),
        ({"people": 60, "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_out_of_range_arguments_are_refused_naming_the_argument(kwargs: dict, names: str) -> None:
    with pytest.raises(ValueError, match=f"^{names}: "):
        generate_org(seed=1, **kwargs)


def test_a_scenario_with_impossible_ranges_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="krs_per_objective"):
        Scenario(krs_per_objective=(3, 7))
    with pytest.raises(ValidationError, match="at least one pattern"):
        Scenario(patterns={Pattern.ON_TRACK: 0.0})
