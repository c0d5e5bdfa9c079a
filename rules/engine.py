"""Evaluate a compiled rule set (``rules.compiler``) in batches over many subjects.

Evaluation is pure: facts in, ``EvaluationResult`` out. ``now`` and the week are inputs,
never the wall clock. A condition that fails on one subject (an absent fact, a division by
zero, a non-boolean result) is an ``EvaluationError`` for that (rule, subject) in the
result: it is neither raised nor read as true or false. CEL's logic operators absorb an
error when the other side decides the result (``error || true`` is true), as the CEL
specification says.

For speed, a condition that only compares facts with numbers is decided in plain Python
(``rules.plain``, CEL deciding the subjects it cannot). The other rules of one scope are
compiled into one CEL list expression, so each subject's facts cross into CEL once per scope;
a subject for which that list fails is re-evaluated rule by rule, so errors land on the rule
that caused them.
"""

from __future__ import annotations

import gc
import math
import operator
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cel_expr_python import cel

from okrflow.domain.model import Flag, LocalText, Phase, RuleMode, Severity, SubjectType
from okrflow.domain.snapshot import CycleSnapshot
from rules.catalog import Scope
from rules.compiler import (
    CompiledRule,
    CompiledRuleSet,
    RuleProblem,
    compile_rule_set,
    fact_specs,
    rule_problem,
)
from rules.model import Rule
from rules.plain import PlainCondition

__all__ = [
    "CompiledRule",
    "CompiledRuleSet",
    "EvaluationError",
    "EvaluationResult",
    "FlagHit",
    "RuleProblem",
    "compile_rule_set",
    "evaluate",
    "evaluate_facts",
    "evaluate_subject",
    "rule_problem",
]

_MISSING = re.compile(r'No value with name "([^"]+)" found')


# ---------------------------------------------------------------- results


# Results are plain frozen dataclasses, not pydantic models: a review over 30,000 key results can
# produce tens of thousands of hits, and pydantic (and Temporal's pydantic data converter) still
# serialise and validate them as fields of other models.


@dataclass(frozen=True, slots=True)
class FlagHit:
    """A rule held for a subject at a review. ``facts`` are the facts its condition reads."""

    rule_id: str
    rule_version: int
    subject_type: SubjectType
    subject_id: str
    severity: Severity
    mode: RuleMode
    message: LocalText
    facts: dict[str, Any]

    @property
    def monitor(self) -> bool:
        """A monitor-mode flag is recorded but notifies nobody and climbs no ladder."""
        return self.mode is RuleMode.MONITOR

    def to_flag(self, *, id: str, org_id: str, cycle_id: str, week: int, created_at: datetime) -> Flag:
        """The stored ``Flag`` for this hit."""
        return Flag(
            id=id,
            org_id=org_id,
            cycle_id=cycle_id,
            week=week,
            rule_id=self.rule_id,
            rule_version=self.rule_version,
            subject_type=self.subject_type,
            subject_id=self.subject_id,
            severity=self.severity,
            mode=self.mode,
            message=self.message,
            facts=self.facts,
            created_at=created_at,
        )


@dataclass(frozen=True, slots=True)
class EvaluationError:
    """A condition that could not be decided for one subject, and why."""

    rule_id: str
    rule_version: int
    subject_type: SubjectType
    subject_id: str
    message: str


@dataclass(frozen=True)
class EvaluationResult:
    """What a rule set found at one review. ``evaluated_rules`` are the rules that applied."""

    week: int
    phase: Phase | None
    rule_set_version: int
    evaluated_rules: list[str]
    flags: list[FlagHit]
    errors: list[EvaluationError]

    def flags_for(self, rule_id: str) -> list[FlagHit]:
        return [f for f in self.flags if f.rule_id == rule_id]


# ---------------------------------------------------------------- evaluation

FactRows = Mapping[str, Mapping[str, Any]]  # subject id -> fact name -> value


_ABSENT = object()


def _json_value(value: Any) -> Any:
    """A fact as JSON can store it: timestamps as ISO text, an infinite ratio as "inf"."""
    if type(value) is float:
        return value if math.isfinite(value) else str(value)
    return value.isoformat() if isinstance(value, datetime) else value


def _message(rule: Rule, facts: Mapping[str, Any]) -> LocalText:
    if rule.message is None:
        return rule.description
    try:
        return LocalText(en=rule.message.en.format(**facts), zh=rule.message.zh.format(**facts))
    except (KeyError, ValueError, TypeError):  # an absent optional fact: say what the rule means instead
        return rule.description


def _explain(text: str) -> str:
    missing = _MISSING.search(text)
    if missing:
        return f"fact {missing.group(1)!r} is not available for this subject (guard it in the condition)"
    return re.sub(r"^[A-Z_]+: ", "", text.strip())


class _Collector:
    def __init__(self, scope: Scope, inputs: Mapping[str, Any]) -> None:
        self.subject_type = scope.subject_type
        self.inputs = inputs
        self.hits: list[tuple[int, FlagHit]] = []
        self.errors: list[tuple[int, EvaluationError]] = []

    def outcome(
        self, order: int, cr: CompiledRule, subject_id: str, facts: Mapping[str, Any], value: Any
    ) -> None:
        if value is True:
            rule = cr.rule
            inputs = self.inputs
            shown = {}
            for n in cr.references:
                v = facts[n] if n in facts else inputs.get(n, _ABSENT)
                if v is not _ABSENT:
                    shown[n] = _json_value(v)
            message = rule.description if rule.message is None else _message(rule, {**inputs, **facts})
            hit = FlagHit(
                rule_id=rule.id,
                rule_version=cr.rule_version,
                subject_type=self.subject_type,
                subject_id=subject_id,
                severity=rule.severity,
                mode=rule.mode,
                message=message,
                facts=shown,
            )
            self.hits.append((order, hit))
        elif value is not False:
            self.error(order, cr, subject_id, f"the condition gave {value!r}, not true or false")

    def error(self, order: int, cr: CompiledRule, subject_id: str, message: str) -> None:
        err = EvaluationError(
            rule_id=cr.id,
            rule_version=cr.rule_version,
            subject_type=self.subject_type,
            subject_id=subject_id,
            message=message,
        )
        self.errors.append((order, err))


def _eval_one(cr: CompiledRule, data: Mapping[str, Any]) -> tuple[bool, Any]:
    """(ok, value) of one condition; value is the error text when not ok."""
    try:
        res = cr.program.eval(data=data)
    except (RuntimeError, TypeError, ValueError, OverflowError) as exc:
        return False, _explain(str(exc))
    if res.type() == cel.Type.ERROR:
        return False, _explain(str(res.value()))
    return True, res.plain_value()


def _inputs(*, now: datetime, week: int, weeks_in_cycle: int, phase: Phase | None) -> dict[str, Any]:
    return {
        "now": now,
        "week": week,
        "weeks_in_cycle": weeks_in_cycle,
        "phase": phase.value if phase is not None else "",
    }


def _evaluate_scope(
    rules: Sequence[tuple[int, CompiledRule]],
    compiled: CompiledRuleSet,
    rows: FactRows,
    inputs: Mapping[str, Any],
    into: _Collector,
) -> None:
    if plain := [(order, cr, cr.plain) for order, cr in rules if cr.plain is not None]:
        _decide_plain(plain, rows, inputs, into)
    if in_cel := [(order, cr) for order, cr in rules if cr.plain is None]:
        _evaluate_cel(in_cel, compiled, rows, inputs, into)


def _decide_plain(
    rules: Sequence[tuple[int, CompiledRule, PlainCondition]],
    rows: FactRows,
    inputs: Mapping[str, Any],
    into: _Collector,
) -> None:
    """The rules whose conditions Python decides (``rules.plain``); CEL decides what it cannot."""
    for subject_id, facts in rows.items():
        for order, cr, condition in rules:
            value = condition.decide(facts, inputs)
            if value is None:  # an absent fact or an unexpected type: CEL's value, or its error
                ok, value = _eval_one(cr, {**facts, **inputs})
                if not ok:
                    into.error(order, cr, subject_id, value)
                    continue
            if value is not False:
                into.outcome(order, cr, subject_id, facts, value)


def _evaluate_cel(
    rules: Sequence[tuple[int, CompiledRule]],
    compiled: CompiledRuleSet,
    rows: FactRows,
    inputs: Mapping[str, Any],
    into: _Collector,
) -> None:
    program, names = compiled.batch_program([cr for _, cr in rules])
    used_inputs = {n: v for n, v in inputs.items() if n in names}
    specs = fact_specs(rules[0][1].rule.scope)
    fact_names = [n for n in names if n not in used_inputs]
    required = [n for n in fact_names if n in specs and not specs[n].optional]
    optional = [n for n in fact_names if n not in required]
    # itemgetter reads the facts every subject has in one C call; a subject missing one takes the slow path
    pick = operator.itemgetter(*required) if len(required) > 1 else None
    run = program.eval
    n_rules = len(rules)
    for subject_id, facts in rows.items():
        try:
            data = (
                dict(zip(required, pick(facts), strict=True))
                if pick is not None
                else {n: facts[n] for n in required}
            )
        except KeyError:
            data = {n: facts[n] for n in required if n in facts}
        for n in optional:
            if n in facts:
                data[n] = facts[n]
        if used_inputs:
            data.update(used_inputs)
        try:
            values = run(data=data).plain_value()
        except (RuntimeError, TypeError, ValueError, OverflowError):
            values = None
        if type(values) is not list:  # an error value: find the condition that failed, rule by rule
            for order, cr in rules:
                ok, value = _eval_one(cr, data)
                if ok:
                    into.outcome(order, cr, subject_id, facts, value)
                else:
                    into.error(order, cr, subject_id, value)
            continue
        if values.count(False) == n_rules:  # the common case: nothing to record
            continue
        for (order, cr), value in zip(rules, values, strict=True):
            if value is not False:
                into.outcome(order, cr, subject_id, facts, value)


def evaluate_facts(
    compiled: CompiledRuleSet,
    facts: Mapping[Scope, FactRows],
    *,
    week: int,
    phase: Phase | None,
    now: datetime,
    weeks_in_cycle: int,
) -> EvaluationResult:
    """Evaluate the rules that apply in ``week``/``phase`` over precomputed facts.

    Args:
        compiled: The compiled rule set.
        facts: Per scope, each subject's facts (``rules.facts.compute_facts``).
        week: The review's week of the cycle (1-based).
        phase: The cycle's phase at the review.
        now: The review's instant (an aware datetime), the ``now`` input.
        weeks_in_cycle: The ``weeks_in_cycle`` input.

    Returns:
        Flags and evaluation errors, ordered by rule (set order), then subject id.
    """
    inputs = _inputs(now=now, week=week, weeks_in_cycle=weeks_in_cycle, phase=phase)
    applicable = compiled.applicable(week=week, phase=phase)
    order = {cr.id: i for i, cr in enumerate(compiled.rules)}
    hits: list[tuple[int, FlagHit]] = []
    errors: list[tuple[int, EvaluationError]] = []
    for scope in Scope:
        rules = [(order[cr.id], cr) for cr in applicable if cr.rule.scope is scope]
        rows = facts.get(scope)
        if not rules or not rows:
            continue
        collector = _Collector(scope, inputs)
        _evaluate_scope(rules, compiled, rows, inputs, collector)
        hits.extend(collector.hits)
        errors.extend(collector.errors)
    hits.sort(key=lambda h: (h[0], h[1].subject_id))
    errors.sort(key=lambda e: (e[0], e[1].subject_id))
    return EvaluationResult(
        week=week,
        phase=phase,
        rule_set_version=compiled.version,
        evaluated_rules=[cr.id for cr in applicable],
        flags=[h for _, h in hits],
        errors=[e for _, e in errors],
    )


def evaluate_subject(
    compiled: CompiledRuleSet,
    scope: Scope,
    subject_id: str,
    facts: Mapping[str, Any],
    *,
    week: int,
    phase: Phase | None,
    now: datetime,
    weeks_in_cycle: int,
) -> EvaluationResult:
    """Evaluate the applicable rules of ``scope`` for one subject, one condition at a time.

    The reference behaviour for ``evaluate_facts`` (which batches), and what a
    consultation's follow-up check or an API preview uses for a single subject.
    """
    inputs = _inputs(now=now, week=week, weeks_in_cycle=weeks_in_cycle, phase=phase)
    applicable = compiled.applicable(week=week, phase=phase)
    collector = _Collector(scope, inputs)
    data = {**facts, **inputs}
    for i, cr in enumerate(applicable):
        if cr.rule.scope is not scope:
            continue
        ok, value = _eval_one(cr, data)
        if ok:
            collector.outcome(i, cr, subject_id, facts, value)
        else:
            collector.error(i, cr, subject_id, value)
    return EvaluationResult(
        week=week,
        phase=phase,
        rule_set_version=compiled.version,
        evaluated_rules=[cr.id for cr in applicable],
        flags=[h for _, h in collector.hits],
        errors=[e for _, e in collector.errors],
    )


def evaluate(
    compiled: CompiledRuleSet,
    snapshot: CycleSnapshot,
    *,
    week: int,
    phase: Phase | None = None,
    now: datetime | None = None,
) -> EvaluationResult:
    """Compute the facts a rule set needs from a snapshot and evaluate it: one weekly review.

    Args:
        compiled: The compiled rule set (``compile_rule_set``).
        snapshot: The cycle as of the review.
        week: The review's week of the cycle (1-based).
        phase: The cycle's phase at the review; default ``snapshot.cycle.phase``.
        now: The review's instant; default ``snapshot.as_of``.

    Returns:
        The flags (monitor-mode ones marked so) and evaluation errors.
    """
    from rules.facts import compute_facts  # facts imports the domain's progress, trend and capacity

    phase = snapshot.cycle.phase if phase is None else phase
    now = snapshot.as_of if now is None else now
    with _collector_paused():
        table = compute_facts(
            snapshot,
            week=week,
            now=now,
            scopes=compiled.scopes(week=week, phase=phase),
            only=compiled.facts_read_by_scope(week=week, phase=phase),
        )
        result = evaluate_facts(
            compiled, table.rows, week=week, phase=phase, now=now, weeks_in_cycle=table.weeks_in_cycle
        )
        del table  # freed by reference counting now, before the collector resumes and would scan it
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one review.

    A review allocates a few objects per fact and creates no reference cycles; left on, the
    collector walks the whole snapshot (hundreds of thousands of records) several times for
    nothing, which costs about a third of a 30,000-KR review.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
