"""One CEL condition over one subject's facts: a consultation's agreed check ("has the KR recovered?").

Same language, facts and errors as rule conditions, without a rule around it:

    check = compile_condition("gap < 0.1 && confidence >= 6")          # raises InvalidRules if wrong
    outcome = check_condition(check, snapshot, "kr-42", week=9)         # held True/False, or an error
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from okrflow.domain.calendar import week_count
from okrflow.domain.errors import InvalidRules
from okrflow.domain.model import LocalText, Phase, Severity
from okrflow.domain.snapshot import CycleSnapshot
from rules.catalog import Scope
from rules.engine import CompiledRuleSet, RuleProblem, compile_rule_set, evaluate_subject
from rules.facts import facts_for
from rules.model import Rule, RuleSet

__all__ = ["ConditionOutcome", "check_condition", "compile_condition"]

_ID = "check"


@dataclass(frozen=True)
class ConditionOutcome:
    """``held`` is None when the condition could not be decided (``error`` says why)."""

    held: bool | None
    facts: dict[str, Any]  # the facts the condition reads
    error: str | None = None


def compile_condition(
    expression: str, *, scope: Scope = Scope.KEY_RESULT, field: str = "check_condition"
) -> CompiledRuleSet:
    """Type-check a condition against the facts of ``scope``.

    Raises:
        InvalidRules: located at ``field`` with the column, e.g.
            "check_condition, column 1: undeclared reference to 'progres'".
    """
    if not expression.strip():
        raise InvalidRules([RuleProblem((field,), "must not be empty")])
    rule = Rule(
        id=_ID,
        description=LocalText(en="Check condition.", zh="检查条件。"),
        scope=scope,
        when=expression,
        severity=Severity.INFO,
    )
    try:
        return compile_rule_set(RuleSet(rules=(rule,)))
    except InvalidRules as exc:
        problems = [
            RuleProblem((field,), p.message, {k: v for k, v in p.extra.items() if k != "rule"})
            for p in exc.problems
        ]
        raise InvalidRules(problems) from None


def check_condition(
    condition: CompiledRuleSet,
    snapshot: CycleSnapshot,
    subject_id: str,
    *,
    week: int,
    phase: Phase | None = None,
    now: datetime | None = None,
) -> ConditionOutcome:
    """Evaluate a compiled condition for one subject of the snapshot.

    Raises:
        KeyError: If the snapshot has no such subject.
    """
    compiled_rule = condition.rules[0]
    scope = compiled_rule.rule.scope
    now = snapshot.as_of if now is None else now
    facts = facts_for(scope, subject_id, snapshot, week=week, now=now)
    result = evaluate_subject(
        condition,
        scope,
        subject_id,
        facts,
        week=week,
        phase=snapshot.cycle.phase if phase is None else phase,
        now=now,
        weeks_in_cycle=week_count(snapshot.cycle),
    )
    read = {n: facts[n] for n in compiled_rule.references if n in facts}
    if result.errors:
        return ConditionOutcome(None, read, result.errors[0].message)
    return ConditionOutcome(bool(result.flags), read)
