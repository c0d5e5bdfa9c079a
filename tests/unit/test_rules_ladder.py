"""Escalation ladders: rungs fire after N consecutive weeks, reset when the rule clears, respect grace."""

from __future__ import annotations

from typing import Any

import yaml

from okrflow.domain.model import Escalation, EscalationStatus, RuleMode, Severity, SubjectType
from rules.engine import CompiledRuleSet, EvaluationError, EvaluationResult, FlagHit
from rules.ladder import LadderAdvance, LadderState, advance_ladders
from rules.load import load_rule_set

LADDER = [
    {"to": "owner", "after_weeks": 1},
    {"to": "manager", "after_weeks": 2},
    {"to": "ambassador", "after_weeks": 3},
    {"to": "consultation", "after_weeks": 4, "grace_weeks": 1},
]


def compiled(ladder: list[dict[str, Any]] = LADDER, **extra: Any) -> CompiledRuleSet:
    rule = {
        "id": "behind",
        "description": {"en": "Behind.", "zh": "落后。"},
        "scope": "key_result",
        "when": "gap >= 0.3",
        "severity": "risk",
        "escalation": ladder,
        **extra,
    }
    return load_rule_set(yaml.safe_dump({"rules": [rule]}), version=2)


def result(week: int, held: set[str], *, errors: set[str] = frozenset(), mode: RuleMode = RuleMode.ACTIVE):
    flags = [
        FlagHit(
            rule_id="behind",
            rule_version=2,
            subject_type=SubjectType.KEY_RESULT,
            subject_id=s,
            severity=Severity.RISK,
            mode=mode,
            message={"en": "Behind.", "zh": "落后。"},
            facts={"gap": 0.4},
        )
        for s in sorted(held)
    ]
    errs = [
        EvaluationError(
            rule_id="behind", rule_version=2, subject_type=SubjectType.KEY_RESULT, subject_id=s, message="x"
        )
        for s in sorted(errors)
    ]
    return EvaluationResult(
        week=week, phase=None, rule_set_version=2, evaluated_rules=["behind"], flags=flags, errors=errs
    )


def weeks(rules: CompiledRuleSet, held_by_week: dict[int, set[str]], **kw: Any) -> list[LadderAdvance]:
    """Run consecutive reviews; returns each week's advance."""
    states: list[LadderState] = []
    out = []
    for week, held in sorted(held_by_week.items()):
        adv = advance_ladders(states, result(week, held, **kw), rules, week=week)
        states = adv.states
        out.append(adv)
    return out


def fired(adv: LadderAdvance) -> list[tuple[str, str]]:
    return [(f.subject_id, f.target) for f in adv.fired]


def test_each_rung_fires_after_its_number_of_consecutive_weeks() -> None:
    advances = weeks(compiled(), {w: {"k1"} for w in range(1, 7)})
    assert [fired(a) for a in advances] == [
        [("k1", "owner")],
        [("k1", "manager")],
        [("k1", "ambassador")],
        [],  # the consultation rung is in its grace week
        [("k1", "consultation")],
        [],  # every rung fires once per streak
    ]
    last = advances[-1].states[0]
    assert (last.streak, last.rung, last.status, last.opened_week) == (6, 3, EscalationStatus.OPEN, 1)


def test_a_rung_in_its_grace_period_is_announced_as_pending() -> None:
    advances = weeks(compiled(), {w: {"k1"} for w in range(1, 5)})
    [pending] = advances[3].pending
    assert (pending.target, pending.fires_in_weeks, pending.streak) == ("consultation", 1, 4)
    assert advances[2].pending == []


def test_the_streak_resets_when_the_condition_clears() -> None:
    advances = weeks(compiled(), {1: {"k1"}, 2: {"k1"}, 3: set(), 4: {"k1"}, 5: {"k1"}, 6: {"k1"}})
    assert [fired(a) for a in advances] == [
        [("k1", "owner")],
        [("k1", "manager")],
        [],
        [("k1", "owner")],  # a new streak climbs from the bottom again
        [("k1", "manager")],
        [("k1", "ambassador")],
    ]
    [recovered] = advances[2].resolved
    assert (recovered.subject_id, recovered.status, recovered.streak) == ("k1", EscalationStatus.RESOLVED, 0)
    assert advances[3].states[0].opened_week == 4


def test_clearing_during_the_grace_period_means_the_rung_never_fires() -> None:
    advances = weeks(compiled(), {1: {"k1"}, 2: {"k1"}, 3: {"k1"}, 4: {"k1"}, 5: set(), 6: {"k1"}})
    assert all(("k1", "consultation") not in fired(a) for a in advances)


def test_rungs_due_at_once_all_fire_in_order() -> None:
    ladder = [
        {"to": "owner", "after_weeks": 1},
        {"to": "manager", "after_weeks": 1},
        {"person": "ceo", "after_weeks": 2},
    ]
    advances = weeks(compiled(ladder), {1: {"k1"}, 2: {"k1"}})
    assert [fired(a) for a in advances] == [[("k1", "owner"), ("k1", "manager")], [("k1", "person:ceo")]]
    assert advances[0].fired[1].rung_index == 1


def test_subjects_climb_their_own_ladders() -> None:
    advances = weeks(compiled(), {1: {"k1"}, 2: {"k1", "k2"}, 3: {"k2"}})
    assert fired(advances[1]) == [("k1", "manager"), ("k2", "owner")]
    assert fired(advances[2]) == [("k2", "manager")]
    assert [s.subject_id for s in advances[2].resolved] == ["k1"]


def test_an_evaluation_error_holds_the_ladder_where_it_was() -> None:
    rules = compiled()
    states = advance_ladders([], result(1, {"k1"}), rules, week=1).states
    held = advance_ladders(states, result(2, set(), errors={"k1"}), rules, week=2)
    assert held.fired == [] and held.resolved == []
    assert (held.states[0].streak, held.states[0].status) == (1, EscalationStatus.OPEN)
    after = advance_ladders(held.states, result(3, {"k1"}), rules, week=3)
    assert fired(after) == [("k1", "manager")]


def test_monitor_mode_hits_never_start_a_ladder() -> None:
    advances = weeks(compiled(mode="monitor"), {w: {"k1"} for w in range(1, 5)}, mode=RuleMode.MONITOR)
    assert all(a.fired == [] and a.states == [] for a in advances)


def test_switching_a_rule_to_monitor_or_removing_it_resolves_its_open_ladders() -> None:
    states = weeks(compiled(), {1: {"k1"}, 2: {"k1"}})[-1].states
    quiet = advance_ladders(
        states, result(3, {"k1"}, mode=RuleMode.MONITOR), compiled(mode="monitor"), week=3
    )
    assert [s.status for s in quiet.resolved] == [EscalationStatus.RESOLVED]
    other = load_rule_set(yaml.safe_dump({"rules": []}))
    gone = advance_ladders(states, result(3, set()), other, week=3)
    assert [(s.rule_id, s.status) for s in gone.resolved] == [("behind", EscalationStatus.RESOLVED)]


def test_a_rule_outside_its_weeks_resolves_its_ladders() -> None:
    rules = compiled(applies_in={"weeks": [{"from": 1, "to": 2}]})
    states = advance_ladders([], result(2, {"k1"}), rules, week=2).states
    outside = EvaluationResult(
        week=3, phase=None, rule_set_version=2, evaluated_rules=[], flags=[], errors=[]
    )
    assert [s.subject_id for s in advance_ladders(states, outside, rules, week=3).resolved] == ["k1"]


def test_advancing_the_same_week_twice_fires_nothing_more() -> None:
    rules = compiled()
    first = advance_ladders([], result(1, {"k1"}), rules, week=1)
    again = advance_ladders(first.states, result(1, {"k1"}), rules, week=1)
    assert fired(first) == [("k1", "owner")]
    assert again.fired == [] and again.states == first.states


def test_ladder_states_round_trip_through_stored_escalations() -> None:
    [state] = weeks(compiled(), {1: {"k1"}, 2: {"k1"}})[-1].states
    row = Escalation(id="e1", org_id="org", cycle_id="c1", **state.model_dump())
    assert LadderState.from_escalation(row) == state
