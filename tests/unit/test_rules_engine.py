"""Evaluating compiled rules: errors as data, monitor mode, applicability, facts and messages on flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrflow.domain.errors import InvalidRules
from okrflow.domain.model import Phase, RuleMode, Severity, SubjectType, TaskStatus
from rules.catalog import Scope
from rules.condition import check_condition, compile_condition
from rules.engine import CompiledRuleSet, EvaluationResult, evaluate, evaluate_subject
from rules.facts import compute_facts, facts_for
from rules.load import load_rule_set
from tests.unit.rules_helpers import CYCLE, START, World, days_before, review_at, world


def rules(*items: dict[str, Any], version: int = 3) -> CompiledRuleSet:
    full = []
    for i, item in enumerate(items):
        full.append(
            {
                "id": f"r{i}",
                "description": {"en": f"Rule {i}.", "zh": f"规则 {i}。"},
                "scope": "key_result",
                "severity": "risk",
                **item,
            }
        )
    return load_rule_set(yaml.safe_dump({"rules": full}), source="test.yaml", org_id="org", version=version)


def two_krs() -> World:
    w = world()
    w.kr("checked", current=10.0)
    w.check_in("checked", days_before(6, 2), confidence=3)
    w.kr("silent", current=10.0)
    return w


def test_a_missing_fact_is_an_evaluation_error_for_that_subject_and_rule_only() -> None:
    compiled = rules({"when": "confidence <= 4"}, {"when": "progress < 0.5"})
    result = evaluate(compiled, two_krs().snapshot(6), week=6)
    assert [(f.rule_id, f.subject_id) for f in result.flags] == [
        ("r0", "checked"),
        ("r1", "checked"),
        ("r1", "silent"),
    ]
    [error] = result.errors
    assert (error.rule_id, error.subject_id, error.rule_version) == ("r0", "silent", 3)
    assert error.subject_type is SubjectType.KEY_RESULT
    assert "'confidence' is not available" in error.message


def test_a_guarded_optional_fact_is_no_error() -> None:
    compiled = rules({"when": "check_in_count > 0 && confidence <= 4"})
    result = evaluate(compiled, two_krs().snapshot(6), week=6)
    assert [f.subject_id for f in result.flags] == ["checked"]
    assert result.errors == []


def test_division_by_zero_is_an_evaluation_error_not_a_crash() -> None:
    compiled = rules({"when": "tasks_done / tasks_total > 0"})
    result = evaluate(compiled, two_krs().snapshot(6), week=6)
    assert result.flags == []
    assert {(e.subject_id, e.message) for e in result.errors} == {
        ("checked", "divide by zero"),
        ("silent", "divide by zero"),
    }


def test_an_error_that_cannot_change_the_outcome_is_absorbed_as_cel_specifies() -> None:
    compiled = rules({"when": "confidence <= 4 || progress < 0.5"})
    result = evaluate(compiled, two_krs().snapshot(6), week=6)
    assert {f.subject_id for f in result.flags} == {"checked", "silent"}
    assert result.errors == []


def test_monitor_mode_flags_are_marked_monitor() -> None:
    compiled = rules({"when": "progress < 0.5", "mode": "monitor"}, {"when": "progress < 0.5"})
    result = evaluate(compiled, two_krs().snapshot(6), week=6)
    assert {(f.rule_id, f.mode, f.monitor) for f in result.flags} == {
        ("r0", RuleMode.MONITOR, True),
        ("r1", RuleMode.ACTIVE, False),
    }


def test_rules_apply_only_in_their_weeks_and_phases() -> None:
    compiled = rules(
        {"when": "progress < 0.5", "applies_in": {"weeks": [{"from": 1, "to": 2}, {"from": 9, "to": 9}]}},
        {"when": "progress < 0.5", "applies_in": {"phases": ["midterm"]}},
        {"when": "progress < 0.5", "applies_in": {"phases": ["execution"], "weeks": [{"from": 6, "to": 13}]}},
    )
    snapshot = two_krs().snapshot(6)
    assert evaluate(compiled, snapshot, week=2, phase=Phase.DECOMPOSITION).evaluated_rules == ["r0"]
    assert evaluate(compiled, snapshot, week=6, phase=Phase.EXECUTION).evaluated_rules == ["r2"]
    assert evaluate(compiled, snapshot, week=5, phase=Phase.EXECUTION).evaluated_rules == []
    assert evaluate(compiled, snapshot, week=7, phase=Phase.MIDTERM).evaluated_rules == ["r1"]
    result = evaluate(compiled, snapshot, week=9, phase=Phase.EXECUTION)
    assert {f.rule_id for f in result.flags} == {"r0", "r2"}


def test_a_flag_carries_the_facts_its_condition_reads_and_the_rule_version() -> None:
    compiled = rules(
        {
            "when": "check_in_count > 0 && confidence <= 4 && week >= 3",
            "severity": "critical",
            "message": {
                "en": "Confidence {confidence}/10 at {progress:.0%}.",
                "zh": "信心 {confidence}/10。",
            },
        },
        version=7,
    )
    [hit] = evaluate(compiled, two_krs().snapshot(6), week=6).flags
    assert hit.facts == {"confidence": 3, "check_in_count": 1, "week": 6}
    assert (hit.rule_version, hit.severity, hit.subject_type) == (
        7,
        Severity.CRITICAL,
        SubjectType.KEY_RESULT,
    )
    assert hit.message.en == "Confidence 3/10 at 10%."
    assert hit.message.zh == "信心 3/10。"
    flag = hit.to_flag(id="f1", org_id="org", cycle_id="c1", week=6, created_at=review_at(6))
    assert (flag.rule_id, flag.subject_id, flag.facts["confidence"]) == ("r0", "checked", 3)


def test_a_message_that_needs_an_absent_fact_falls_back_to_the_description() -> None:
    compiled = rules(
        {"when": "progress < 0.5", "message": {"en": "Confidence {confidence}", "zh": "{confidence}"}}
    )
    messages = {f.subject_id: f.message.en for f in evaluate(compiled, two_krs().snapshot(6), week=6).flags}
    assert messages == {"checked": "Confidence 3", "silent": "Rule 0."}


def test_now_is_the_reviews_instant_not_the_wall_clock() -> None:
    w = world()
    w.kr("k")
    w.task("t", "k", due=START + timedelta(days=30), status=TaskStatus.DOING)  # due in week 5
    compiled = rules({"scope": "task", "when": "has_due && now > due && is_open"})
    assert evaluate(compiled, w.snapshot(4), week=4).flags == []
    [hit] = evaluate(compiled, w.snapshot(6), week=6).flags
    assert hit.facts["now"] == review_at(6).isoformat()
    assert hit.facts["due"] == "2026-02-04T00:00:00+00:00"
    later = datetime(2030, 1, 1, tzinfo=UTC)
    assert evaluate(compiled, w.snapshot(6), week=6, now=later).flags[0].facts["now"] == later.isoformat()


def test_only_scopes_with_applicable_rules_are_computed() -> None:
    compiled = rules({"scope": "team", "when": "members > 1"})
    result = evaluate(compiled, two_krs().snapshot(6), week=6)
    assert [(f.subject_type, f.subject_id) for f in result.flags] == [(SubjectType.TEAM, "t1")]


# ---------------------------------------------------------------- batch == one subject at a time

CONDITIONS = [
    "progress < 0.3",
    "confidence <= 4",  # errors when there is no check-in
    "check_in_count > 0 && confidence >= 6",
    "tasks_done / tasks_total >= 1",  # errors without tasks
    "confidence < 3 || tasks_blocked > 0",
    "days_since_check_in >= 14 && week >= 3",
    "blocked_chain_length >= 1 || milestones_overdue > 0",
    "confidence_trend == 'down'",
    "name.startsWith('KR k1')",
]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    w = world()
    for k in range(draw(st.integers(1, 6))):
        kid = f"k{k}"
        w.kr(kid, current=draw(st.floats(0, 120, allow_nan=False)))
        for i, conf in enumerate(draw(st.lists(st.integers(0, 10), max_size=3))):
            w.check_in(kid, days_before(6, 20 - 5 * i), confidence=conf)
        for t in range(draw(st.integers(0, 3))):
            status = draw(st.sampled_from(list(TaskStatus)))
            deps = [f"{kid}-t{t - 1}"] if t and draw(st.booleans()) else []
            due = START + timedelta(days=draw(st.integers(0, 80)))
            w.task(f"{kid}-t{t}", kid, status=status, depends_on=deps, due=due, milestone=draw(st.booleans()))
    return w


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=worlds(), picked=st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=5, unique=True))
def test_evaluating_a_whole_snapshot_flags_the_same_as_one_subject_at_a_time(
    w: World, picked: list[str]
) -> None:
    compiled = rules(*({"when": c} for c in picked))
    snapshot = w.snapshot(6)
    batch = evaluate(compiled, snapshot, week=6, phase=Phase.EXECUTION)
    flags, errors = set(), set()
    for kr_id in snapshot.key_results:
        facts = facts_for(Scope.KEY_RESULT, kr_id, snapshot, week=6)
        one: EvaluationResult = evaluate_subject(
            compiled,
            Scope.KEY_RESULT,
            kr_id,
            facts,
            week=6,
            phase=Phase.EXECUTION,
            now=snapshot.as_of,
            weeks_in_cycle=13,
        )
        flags |= {(f.rule_id, f.subject_id, f.message.en, tuple(sorted(f.facts.items()))) for f in one.flags}
        errors |= {(e.rule_id, e.subject_id, e.message) for e in one.errors}
    assert {
        (f.rule_id, f.subject_id, f.message.en, tuple(sorted(f.facts.items()))) for f in batch.flags
    } == flags
    assert {(e.rule_id, e.subject_id, e.message) for e in batch.errors} == errors


def test_facts_for_one_subject_match_the_batch() -> None:
    w = two_krs()
    snapshot = w.snapshot(6)
    table = compute_facts(snapshot, week=6)
    for scope, rows in table.rows.items():
        for subject_id, facts in rows.items():
            assert facts_for(scope, subject_id, snapshot, week=6) == facts
    assert table.weeks_in_cycle == 13
    assert CYCLE.id in table.rows[Scope.CYCLE]


# ---------------------------------------------------------------- a consultation's check condition


def test_a_check_condition_is_type_checked_and_names_its_column() -> None:
    with pytest.raises(InvalidRules) as info:
        compile_condition("gap < 0.1 && progres > 0.5")
    assert str(info.value) == "check_condition, column 14: undeclared reference to 'progres'"
    assert info.value.problems[0].location == ("check_condition",)


def test_a_check_condition_says_whether_the_key_result_recovered() -> None:
    snapshot = two_krs().snapshot(6)  # both at 10% where 40% is expected
    recovered = compile_condition("gap < 0.1")
    outcome = check_condition(recovered, snapshot, "checked", week=6)
    assert (outcome.held, outcome.facts, outcome.error) == (False, {"gap": 0.3}, None)
    assert check_condition(compile_condition("progress >= 0.1"), snapshot, "silent", week=6).held is True
    undecided = check_condition(compile_condition("confidence >= 6"), snapshot, "silent", week=6)
    assert undecided.held is None and "'confidence' is not available" in (undecided.error or "")
