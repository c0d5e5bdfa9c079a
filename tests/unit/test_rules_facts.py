"""Facts computed from a snapshot: exactly the declared names and types, and what they mean."""

from __future__ import annotations

from datetime import datetime, timedelta

from okrflow.domain.model import HealthLevel, TaskStatus
from rules.catalog import FACTS, FactType, Scope
from rules.facts import compute_facts, facts_for
from tests.unit.rules_helpers import START, World, days_before, review_at, world

PYTHON_TYPES = {
    FactType.BOOL: bool,
    FactType.INT: int,
    FactType.DOUBLE: float,
    FactType.STRING: str,
    FactType.TIMESTAMP: datetime,
}


def busy_world() -> World:
    w = world()
    w.objective("o1", team_id="t1")
    w.kr("k1", objective="o1", current=30.0)
    w.check_in("k1", days_before(6, 16), confidence=8, value=20.0)
    w.check_in("k1", days_before(6, 9), confidence=6)
    w.check_in("k1", days_before(6, 2), confidence=4)
    w.kr("k2", objective="o1", owner=None)
    w.task("a", "k1", status=TaskStatus.BLOCKED, estimate_hours=8, in_baseline=True)
    w.task("b", "k1", depends_on=["a"], due=None)
    w.task("c", "k1", depends_on=["b"], milestone=True, due=START + timedelta(days=80))
    w.pulse("t1", 6, HealthLevel.YELLOW)
    w.streaks = {("kr-serious-delay", "k1"): 2, ("kr-no-check-in", "k1"): 4, ("x", "ana"): 1}
    return w


def test_every_fact_computed_is_declared_with_its_type_and_every_required_one_is_there() -> None:
    table = compute_facts(busy_world().snapshot(6), week=6)
    for scope in Scope:
        declared = {f.name: f for f in FACTS[scope]}
        rows = table.rows[scope]
        assert rows, scope
        for facts in rows.values():
            assert set(facts) <= set(declared), set(facts) - set(declared)
            assert {n for n, f in declared.items() if not f.optional} <= set(facts)
            for name, value in facts.items():
                assert type(value) is PYTHON_TYPES[declared[name].type], (scope, name, value)


def test_key_result_facts_from_check_ins() -> None:
    facts = facts_for(Scope.KEY_RESULT, "k1", busy_world().snapshot(6), week=6)
    assert facts["check_in_count"] == 3
    assert facts["confidence"] == 4
    assert facts["confidence_trend"] == "down"
    assert facts["days_since_check_in"] == 2
    assert facts["progress"] == 0.2  # the latest reported value (20), not the stored current (30)
    assert facts["expected_progress"] == 0.4
    assert facts["gap"] == 0.2
    assert facts["weeks_flagged"] == 4


def test_a_key_result_never_checked_in_counts_days_from_the_cycle_start_and_has_no_confidence() -> None:
    facts = facts_for(Scope.KEY_RESULT, "k2", busy_world().snapshot(6), week=6)
    assert facts["days_since_check_in"] == (review_at(6).date() - START).days
    assert "confidence" not in facts
    assert facts["has_owner"] is False
    assert facts["owner_load_ratio"] == 0.0


def test_task_facts_follow_dependencies() -> None:
    snapshot = busy_world().snapshot(6)
    a = facts_for(Scope.TASK, "a", snapshot, week=6)
    b = facts_for(Scope.TASK, "b", snapshot, week=6)
    assert a["blocked_chain_length"] == 2  # b and c wait behind it
    assert (b["waiting_on"], b["blocked_dependencies"], b["blocked_chain_length"]) == (1, 1, 0)
    assert a["days_overdue"] == (review_at(6).date() - START).days
    assert "due" not in b and b["has_due"] is False
    kr = facts_for(Scope.KEY_RESULT, "k1", snapshot, week=6)
    assert (kr["blocked_dependencies"], kr["blocked_chain_length"], kr["tasks_undated"]) == (1, 2, 1)
    assert (kr["baseline_tasks"], kr["tasks_added"], kr["churn"]) == (1, 2, 2.0)


def test_objective_team_person_and_cycle_aggregates() -> None:
    snapshot = busy_world().snapshot(6)
    objective = facts_for(Scope.OBJECTIVE, "o1", snapshot, week=6)
    assert (objective["kr_count"], objective["min_confidence"], objective["krs_without_check_in"]) == (
        2,
        4,
        1,
    )
    assert (objective["krs_flagged"], objective["krs_flagged_share"]) == (1, 0.5)
    team = facts_for(Scope.TEAM, "t1", snapshot, week=6)
    assert (team["health"], team["health_red_weeks"], team["krs"], team["check_in_compliance"]) == (
        "yellow",
        0,
        2,
        0.5,
    )
    ana = facts_for(Scope.PERSON, "ana", snapshot, week=6)
    assert (ana["krs_owned"], ana["check_in_compliance"], ana["tasks_open"], ana["weeks_flagged"]) == (
        1,
        1.0,
        3,
        1,
    )
    cycle = facts_for(Scope.CYCLE, "c1", snapshot, week=6)
    assert (cycle["krs"], cycle["people_without_okrs"], cycle["tasks_blocked"]) == (2, 1, 1)


def test_objective_without_check_ins_has_no_min_confidence() -> None:
    w = world()
    w.kr("k")
    assert "min_confidence" not in facts_for(Scope.OBJECTIVE, "o1", w.snapshot(3), week=3)


def test_facts_can_be_computed_for_one_batch_of_subjects() -> None:
    w = busy_world()
    w.kr("k3", objective="o2")
    snapshot = w.snapshot(6)
    table = compute_facts(
        snapshot,
        week=6,
        scopes={Scope.KEY_RESULT, Scope.CYCLE},
        subjects={Scope.KEY_RESULT: {"k3", "k1", "gone"}, Scope.CYCLE: set()},
    )
    assert list(table.rows[Scope.KEY_RESULT]) == ["k1", "k3"]
    assert table.rows[Scope.KEY_RESULT]["k1"] == facts_for(Scope.KEY_RESULT, "k1", snapshot, week=6)
    assert table.rows[Scope.CYCLE] == {}
