"""Conditions decided in plain Python (``rules.plain``) give what CEL gives, errors included."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from okrflow.domain.model import Phase
from rules.catalog import Scope
from rules.compiler import fact_specs
from rules.condition import compile_condition
from rules.engine import evaluate_facts, evaluate_subject
from rules.plain import plain_condition

NOW = datetime(2026, 2, 23, 2, tzinfo=UTC)

PLAIN = [
    "days_since_check_in >= 14",
    "check_in_count > 0 && confidence <= 4 && gap >= 0.15",
    "tasks_unowned > 0 || tasks_undated > 0",
    "confidence == 5 || gap < -0.5",
    "churn != 0.3 && week >= 3",
    "gap > 1e-3",
]
NOT_PLAIN = [
    "progress < expected_progress - 0.2",  # arithmetic
    "tasks_total > 0 && (confidence < 4 || gap > 0.1)",  # parentheses
    "tasks_total > 0 && gap > 0.1 || confidence < 3",  # && and || mixed
    "load_ratio > 1.0",  # not a key-result fact
    "kind == 'milestone'",  # a string
    "has_owner == false",  # a bool
    "14 <= days_since_check_in",  # the number on the left
    "days_since_check_in >= 14u",  # an unsigned literal
]


@pytest.mark.parametrize("expression", PLAIN)
def test_simple_comparisons_are_decided_in_python(expression: str) -> None:
    assert plain_condition(expression, fact_specs(Scope.KEY_RESULT)) is not None


@pytest.mark.parametrize("expression", NOT_PLAIN)
def test_anything_else_is_left_to_cel(expression: str) -> None:
    assert plain_condition(expression, fact_specs(Scope.KEY_RESULT)) is None


facts_strategy = st.fixed_dictionaries(
    {
        "days_since_check_in": st.integers(0, 30),
        "check_in_count": st.integers(0, 3),
        "gap": st.sampled_from([-1.0, -0.5, 0.0, 0.001, 0.15, 0.3, 2.0, float("inf"), float("nan")]),
        "tasks_unowned": st.integers(0, 2),
        "tasks_undated": st.integers(0, 2),
        "churn": st.sampled_from([0.0, 0.3, 0.31]),
    },
    optional={"confidence": st.one_of(st.integers(0, 10), st.just(4.0))},  # 4.0: a value of the wrong type
)


@settings(max_examples=150, deadline=None)
@given(facts=facts_strategy, expression=st.sampled_from(PLAIN))
def test_the_python_path_gives_cels_flags_and_errors(facts: dict[str, Any], expression: str) -> None:
    compiled = compile_condition(expression)
    assert compiled.rules[0].plain is not None
    batched = evaluate_facts(
        compiled,
        {Scope.KEY_RESULT: {"k": facts}},
        week=8,
        phase=Phase.EXECUTION,
        now=NOW,
        weeks_in_cycle=13,
    )
    one_by_one = evaluate_subject(  # the reference: every condition in CEL
        compiled, Scope.KEY_RESULT, "k", facts, week=8, phase=Phase.EXECUTION, now=NOW, weeks_in_cycle=13
    )
    assert [(f.rule_id, f.facts) for f in batched.flags] == [(f.rule_id, f.facts) for f in one_by_one.flags]
    assert [e.message for e in batched.errors] == [e.message for e in one_by_one.errors]
